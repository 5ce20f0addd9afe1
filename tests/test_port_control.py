"""Port control on a Dinstar gateway: buttons, power switch, slot select, actions."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.sms_gateway.const import DOMAIN
from custom_components.sms_gateway.gateways.dinstar import (
    DinstarGateway,
    client as dinstar_module,
)
from custom_components.sms_gateway.gateways.errors import GatewayRejectedError
from custom_components.sms_gateway.gateways.models import ForwardReason, PortControl
from simulator.dinstar import DinstarSimulator

from .conftest import PASSWORD, snapshot_entities


@pytest.fixture(autouse=True)
def multi_slot_port(dinstar_sim: DinstarSimulator) -> None:
    """Port 2's module has several SIM slots (set before the entry is set up)."""
    dinstar_sim.set_port(2, slot=1)


async def act(hass: HomeAssistant, service: str, **data: Any) -> Any:
    return await hass.services.async_call(
        DOMAIN,
        service,
        data,
        blocking=True,
        return_response=service.startswith("get_"),
    )


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    "platform", [Platform.BUTTON, Platform.SELECT, Platform.SWITCH]
)
async def test_entities(
    hass: HomeAssistant,
    dinstar_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    dinstar_entry.add_to_hass(hass)
    with patch("custom_components.sms_gateway.PLATFORMS", [platform]):
        await hass.config_entries.async_setup(dinstar_entry.entry_id)
        await hass.async_block_till_done()
        snapshot_entities(hass, snapshot, dinstar_entry.entry_id)
        await hass.config_entries.async_unload(dinstar_entry.entry_id)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_buttons(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, dinstar: MockConfigEntry
) -> None:
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.dwg_port_1_restart"}, blocking=True
    )
    assert dinstar_sim.ports[1].restarts == 1
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.dwg_port_1_block_calls"}, blocking=True
    )
    assert dinstar_sim.ports[1].blocked
    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": "button.dwg_port_1_unblock_calls"},
        blocking=True,
    )
    assert not dinstar_sim.ports[1].blocked


async def test_power_switch(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, dinstar: MockConfigEntry
) -> None:
    entity_id = "switch.dwg_port_0_power"
    assert hass.states.get(entity_id).state == "on"
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": entity_id}, blocking=True
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert dinstar_sim.ports[0].reg == "POWER_OFF"
    assert hass.states.get(entity_id).state == "off"
    assert hass.states.get("sensor.dwg_port_0_registration").state == "power_off"
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": entity_id}, blocking=True
    )
    assert dinstar_sim.ports[0].reg == "REGISTER_OK"


async def test_slot_select_only_on_multi_slot_ports(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, dinstar: MockConfigEntry
) -> None:
    assert hass.states.get("select.dwg_port_0_sim_slot_in_use") is None
    entity_id = "select.dwg_port_2_sim_slot_in_use"
    assert hass.states.get(entity_id).state == "1"
    await hass.services.async_call(
        "select",
        "select_option",
        {"entity_id": entity_id, "option": "3"},
        blocking=True,
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    assert dinstar_sim.ports[2].slot == 3
    assert hass.states.get(entity_id).state == "3"


async def test_sim_lock(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, dinstar: MockConfigEntry
) -> None:
    await act(hass, "set_sim_lock", port="1", pin="1234", locked=True)
    assert dinstar_sim.ports[1].sim_locked
    with pytest.raises(HomeAssistantError) as err:
        await act(hass, "set_sim_lock", port="1", pin="0000", locked=False)
    assert err.value.translation_key == "rejected_gateway_failure"
    assert err.value.translation_placeholders["code"] == "500"
    await act(hass, "set_sim_lock", port="1", pin="1234", locked=False)
    assert not dinstar_sim.ports[1].sim_locked


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_sim_number_and_sms_center(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, dinstar_entry: MockConfigEntry
) -> None:
    """`set_port_info` `action=number`: the number the gateway keeps for the
    SIM, shown at once; `get_port_info` `smsc`: the SIM's SMS center."""
    dinstar_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(dinstar_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.dwg_port_1_sms_center").state == "+8613010868500"
    await act(hass, "set_sim_number", port="1", number="+8613800138001")
    await hass.async_block_till_done()
    assert dinstar_sim.ports[1].number == "+8613800138001"
    assert hass.states.get("sensor.dwg_port_1_sim_number").state == "+8613800138001"
    await hass.config_entries.async_unload(dinstar_entry.entry_id)


async def test_call_forwarding(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, dinstar: MockConfigEntry
) -> None:
    await act(
        hass,
        "set_call_forwarding",
        port="1",
        reason="unconditional",
        number="15013828917",
    )
    await act(
        hass, "set_call_forwarding", port="1", reason="busy", number="13800138000"
    )
    assert await act(hass, "get_call_forwarding", port="1") == {
        "port": "1",
        "forwarding": {"unconditional": "15013828917", "busy": "13800138000"},
    }
    await act(hass, "set_call_forwarding", port="1", reason="cancel_all")
    assert (await act(hass, "get_call_forwarding", port="1"))["forwarding"] == {}
    with pytest.raises(ServiceValidationError) as err:
        await act(hass, "set_call_forwarding", port="1", reason="no_reply")
    assert err.value.translation_key == "number_required"


async def test_call_records(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, dinstar: MockConfigEntry
) -> None:
    await dinstar_sim.call(1, "1010", "6717", 3)
    await dinstar_sim.call(2, "1011", "6718", 60)
    records = (await act(hass, "get_call_records"))["records"]
    assert [
        (r["port"], r["source"], r["duration"], r["direction"]) for r in records
    ] == [
        ("1", "1010", 3, "ip->gsm"),
        ("2", "1011", 60, "ip->gsm"),
    ]
    assert len((await act(hass, "get_call_records", port="2"))["records"]) == 1
    assert (
        await act(
            hass,
            "get_call_records",
            start="2000-01-01 00:00:00",
            end="2000-01-02 00:00:00",
        )
    )["records"] == []


async def test_goip_offers_no_port_control(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    assert hass.states.get("button.goip_sms_server_g101_restart") is None
    assert hass.states.get("switch.goip_sms_server_g101_power") is None
    for service, data, key in (
        ("set_sim_lock", {"port": "G101", "pin": "1", "locked": True}, "lock_sim"),
        ("set_sim_number", {"port": "G101", "number": "10086"}, "set_number"),
        ("get_call_forwarding", {"port": "G101"}, "call_forwarding"),
        ("get_call_records", {}, "call_records"),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await act(hass, service, **data)
        assert err.value.translation_key == f"unsupported_{key}"


async def test_client_port_controls(
    session: Any, dinstar_sim: DinstarSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway = DinstarGateway(
        session,
        {
            "host": "127.0.0.1",
            "port": dinstar_sim.port,
            "username": "admin",
            "password": PASSWORD,
        },
    )
    with pytest.raises(GatewayRejectedError) as err:
        await gateway.async_control_port("1", PortControl.POWER)
    assert err.value.code == "400"
    await gateway.async_set_call_forwarding("1", ForwardReason.NOT_REACHABLE, "1")
    # The network has not answered the check yet: nothing is known.
    monkeypatch.setattr(dinstar_module, "STK_TRIES", 1)
    dinstar_sim.canned["/api/get_port_info"] = (
        200,
        '{"error_code": 200, "info": [{"port": 1}]}',
    )
    assert await gateway.async_get_call_forwarding("1") == {}
    assert await gateway.async_get_call_forwarding("1") == {"not_reachable": "1"}
