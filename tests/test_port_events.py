"""Dinstar's state pushes become sms_gateway_port_event; entities follow at once.

Also: CPU/memory/flash are asked for only while one of their sensors is enabled.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.sms_gateway.const import EVENT_PORT_EVENT
from custom_components.sms_gateway.gateways.dinstar import DinstarGateway
from custom_components.sms_gateway.gateways.errors import GatewayPayloadError
from custom_components.sms_gateway.gateways.models import (
    Performance,
    PortEvent,
    PortEventKind,
)
from simulator.dinstar import DinstarSimulator

from .conftest import PASSWORD, WEBHOOK_ID, load_fixture, next_poll


@pytest.fixture
async def pushing(
    dinstar_sim: DinstarSimulator,
    dinstar: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> MockConfigEntry:
    """The entry, with the simulator pushing to its webhook."""
    client = await hass_client_no_auth()
    dinstar_sim.push_url = str(client.make_url(f"/api/webhook/{WEBHOOK_ID}"))
    return dinstar


def fields(events: list[Any]) -> list[tuple[Any, ...]]:
    return [(e.data["kind"], e.data["port"], e.data["state"]) for e in events]


async def test_a_sim_dropping_off_updates_the_entities_at_once(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, pushing: MockConfigEntry
) -> None:
    events = async_capture_events(hass, EVENT_PORT_EVENT)
    assert hass.states.get("sensor.dwg_port_1_registration").state == "registered"
    await dinstar_sim.register(1, up=False)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("sensor.dwg_port_1_registration").state == "not_registered"
    assert fields(events) == [("registration", "1", "down")]
    assert events[0].data["imsi"] is None
    await dinstar_sim.register(1, up=True)
    # A second change within the refresh cooldown (10 s) shows when it ends.
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("sensor.dwg_port_1_registration").state == "registered"
    assert events[1].data["imsi"] == "460004642148001"


async def test_power_exception_and_call_events(
    hass: HomeAssistant, dinstar_sim: DinstarSimulator, pushing: MockConfigEntry
) -> None:
    events = async_capture_events(hass, EVENT_PORT_EVENT)
    await dinstar_sim.power(on=True)
    await dinstar_sim.exception(0, "call_fail", "reset")
    await dinstar_sim.call(2, "1010", "6717", 3)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert fields(events) == [
        ("power", None, "on"),
        ("exception", "0", "call_fail"),
        ("call", "2", "ip->gsm"),
    ]
    assert events[0].data["port_count"] == 4
    assert events[1].data["action"] == "reset"
    call = events[2].data
    assert (call["source"], call["destination"], call["duration"], call["hangup"]) == (
        "1010",
        "6717",
        3,
        "called",
    )
    assert {e.data["vendor"] for e in events} == {"dinstar"}
    assert "IP" not in events[0].data  # the vendor's payload is not put on the bus


def test_the_documents_state_pushes() -> None:
    def parse(name: str) -> list[Any]:
        return DinstarGateway.parse_push(
            "POST", {}, {}, load_fixture("dinstar", name).encode()
        )

    assert parse("push_register_up.json") == [
        PortEvent(
            PortEventKind.REGISTRATION,
            "8",
            "up",
            {
                "iccid": "89860040191844710023",
                "imsi": "460004642148063",
                "number": "13714637674",
                "slot": 2,
            },
        )
    ]
    assert parse("push_register_down.json")[0].details["imsi"] is None  # "<NULL>"
    assert parse("push_device_off.json") == [
        PortEvent(PortEventKind.POWER, None, "off", {"port_count": 32})
    ]
    assert parse("push_exception.json") == [
        PortEvent(PortEventKind.EXCEPTION, "0", "call_fail", {"action": "reset"})
    ]
    [call] = parse("push_cdr.json")
    assert (call.kind, call.port, call.details["gsm_code"]) == (
        PortEventKind.CALL,
        "2",
        16,
    )


@pytest.mark.parametrize(
    "body",
    [
        b'{"register": [{"port": 1, "status": "sideways"}]}',
        b'{"device": {"status": "rebooting"}}',
        b'{"device": []}',
        b'{"exception_info": "x"}',
        b'{"cdr": [1]}',
    ],
)
def test_state_pushes_it_cannot_read(body: bytes) -> None:
    with pytest.raises(GatewayPayloadError):
        DinstarGateway.parse_push("POST", {}, {}, body)


async def test_performance_only_while_wanted(
    hass: HomeAssistant,
    dinstar_sim: DinstarSimulator,
    dinstar: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    await next_poll(hass, freezer)
    assert "/api/get_status" not in dinstar_sim.requests
    assert hass.states.get("sensor.dwg_cpu_usage") is None
    entity_registry.async_update_entity("sensor.dwg_cpu_usage", disabled_by=None)
    await hass.config_entries.async_reload(dinstar.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get("sensor.dwg_cpu_usage").state == "39.0"
    dinstar_sim.performance["cpu_used"] = "75"
    await next_poll(hass, freezer)
    assert hass.states.get("sensor.dwg_cpu_usage").state == "75.0"
    assert dinstar.runtime_data.coordinator.performance_listeners == 1


async def test_client_performance(session: Any, dinstar_sim: DinstarSimulator) -> None:
    gateway = DinstarGateway(
        session,
        {
            "host": "127.0.0.1",
            "port": dinstar_sim.port,
            "username": "admin",
            "password": PASSWORD,
        },
    )
    assert await gateway.async_get_performance() == Performance(39.0, 46.2, 63.0)
    dinstar_sim.canned["/api/get_status"] = (
        200,
        load_fixture("dinstar", "get_status.json"),
    )
    assert await gateway.async_get_performance() == Performance(39.0, 46.2, 63.0)
    dinstar_sim.canned["/api/get_status"] = (
        200,
        '{"performance": {"cpu_used": "5", "memory_total": "0"}}',
    )
    assert await gateway.async_get_performance() == Performance(5.0, None, None)
    dinstar_sim.canned["/api/get_status"] = (200, "{}")
    with pytest.raises(GatewayPayloadError):
        await gateway.async_get_performance()
