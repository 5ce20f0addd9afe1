"""Set-up, unload and removal of an entry; ports that come and go; availability."""

from __future__ import annotations

from datetime import timedelta
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.sms_gateway.const import DOMAIN
from custom_components.sms_gateway.coordinator import PORT_GONE_POLLS
from custom_components.sms_gateway.database import database_path
from simulator.goip import GoipSimulator

from .conftest import device_of, next_poll, send_sms, until


async def test_setup_and_unload(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    assert init_integration.state is ConfigEntryState.LOADED
    assert hass.services.has_service("notify", "goip_sms_server")
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    assert not hass.services.has_service("notify", "goip_sms_server")
    assert (
        hass.states.get("binary_sensor.goip_sms_server_g101_online").state
        == STATE_UNAVAILABLE
    )


@pytest.mark.parametrize("fault", ["http500", "timeout", "malformed"])
async def test_setup_retries_while_the_server_fails(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    mock_config_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    fault: str,
) -> None:
    goip_sim.fault = fault
    mock_config_entry.add_to_hass(hass)
    setup = hass.async_create_task(
        hass.config_entries.async_setup(mock_config_entry.entry_id)
    )
    await until(lambda: setup.done() or goip_sim.held > 0)
    if not setup.done():  # the server holds the request: the timeout passes
        freezer.tick(timedelta(seconds=11))
        async_fire_time_changed(hass)
    await setup
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    goip_sim.fault = None


async def test_setup_with_wrong_credentials_starts_reauth(
    hass: HomeAssistant, goip_sim: GoipSimulator, mock_config_entry: MockConfigEntry
) -> None:
    goip_sim.password = "changed"
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_devices(
    hass: HomeAssistant,
    device_registry: dr.DeviceRegistry,
    init_integration: MockConfigEntry,
) -> None:
    gateway = device_of(hass, init_integration)
    assert gateway is not None
    assert (gateway.manufacturer, gateway.model, gateway.name) == (
        "DBLTek",
        "GoIP SMS Server",
        "GoIP SMS Server",
    )
    ports = dr.async_entries_for_config_entry(
        device_registry, init_integration.entry_id
    )
    assert sorted(d.name for d in ports if d.via_device_id == gateway.id) == [
        "GoIP SMS Server G101",
        "GoIP SMS Server G102",
        "GoIP SMS Server G103",
        "GoIP SMS Server G104",
    ]


async def test_unavailable_while_the_server_is_gone_and_back_by_itself(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entity_id = "binary_sensor.goip_sms_server_g101_online"
    assert hass.states.get(entity_id).state == STATE_ON
    goip_sim.fault = "http500"
    caplog.set_level(logging.INFO)
    caplog.clear()
    await next_poll(hass, freezer)
    await next_poll(hass, freezer)
    assert hass.states.get(entity_id).state == STATE_UNAVAILABLE
    assert (
        hass.states.get("event.goip_sms_server_incoming_sms").state != STATE_UNAVAILABLE
    )
    errors = [
        r for r in caplog.records if r.name.startswith("custom_components.sms_gateway")
    ]
    assert len(errors) == 1
    assert "HTTP 500" in errors[0].getMessage()
    caplog.clear()
    goip_sim.fault = None
    goip_sim.set_line("G101", online=0)
    await next_poll(hass, freezer)
    await next_poll(hass, freezer)
    assert hass.states.get(entity_id).state == STATE_OFF
    recovered = [
        r for r in caplog.records if r.name.startswith("custom_components.sms_gateway")
    ]
    assert [r.getMessage() for r in recovered] == [
        "Fetching GoIP SMS Server data recovered"
    ]


async def test_a_revoked_password_starts_reauth(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    init_integration: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    goip_sim.password = "revoked"
    await next_poll(hass, freezer)
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]


async def test_ports_that_appear_and_vanish(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """A new port gets its entities at once; a port is removed, with its device
    and entities, once it has been missing from PORT_GONE_POLLS polls in a row."""
    goip_sim.set_line("G105", reg="LOGOUT")
    await next_poll(hass, freezer)
    assert (
        hass.states.get("sensor.goip_sms_server_g105_registration").state
        == "not_registered"
    )
    goip_sim.remove_line("G102")
    for _ in range(PORT_GONE_POLLS - 1):
        await next_poll(hass, freezer)
        assert (
            hass.states.get("sensor.goip_sms_server_g102_registration").state
            == STATE_UNAVAILABLE
        )
        assert device_of(hass, init_integration, "G102") is not None
    await next_poll(hass, freezer)
    assert hass.states.get("sensor.goip_sms_server_g102_registration") is None
    assert entity_registry.async_get("sensor.goip_sms_server_g102_registration") is None
    assert device_of(hass, init_integration, "G102") is None
    goip_sim.set_line("G102")
    await next_poll(hass, freezer)
    assert (
        hass.states.get("sensor.goip_sms_server_g102_registration").state
        == "registered"
    )


async def test_a_short_absence_costs_nothing(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    init_integration: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """One poll answering no ports at all: the entities stay (unavailable), with
    the user's name and area; a send through a missing port has its own error;
    all is as before once the ports are back."""
    entity_id = "sensor.goip_sms_server_g102_registration"
    office = ar.async_get(hass).async_create("Office").id
    entity_registry.async_update_entity(entity_id, name="Office SIM", area_id=office)
    lines = dict(goip_sim.lines)
    for line in lines:
        goip_sim.remove_line(line)
    await next_poll(hass, freezer)
    assert hass.states.get(entity_id).state == STATE_UNAVAILABLE
    with pytest.raises(ServiceValidationError) as err:
        await send_sms(hass, recipients="13600000000", message="x", port="G102")
    assert err.value.translation_key == "port_missing"
    goip_sim.lines.update(lines)
    await next_poll(hass, freezer)
    entry = entity_registry.async_get(entity_id)
    assert entry is not None
    assert (entry.name, entry.area_id) == ("Office SIM", office)
    assert hass.states.get(entity_id).state == "registered"
    assert hass.states.get(entity_id).name == "Office SIM"
    assert init_integration.runtime_data.coordinator.absent_ports == {}


async def test_only_vanished_ports_can_be_deleted_by_hand(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    init_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)
    entry_id = init_integration.entry_id
    stale = device_registry.async_get_or_create(
        config_entry_id=entry_id, identifiers={(DOMAIN, f"{entry_id}#G999")}
    )
    live = device_of(hass, init_integration, "G101")
    gateway = device_of(hass, init_integration)
    results = []
    for device in (stale, live, gateway):
        assert device is not None
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": entry_id,
                "device_id": device.id,
            }
        )
        results.append((await client.receive_json())["success"])
    assert results == [True, False, False]


async def test_removing_the_entry_deletes_its_store(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_storage: dict[str, object],
) -> None:
    """The database goes with the entry, and so does a JSON store left by an
    earlier version."""
    key = f"{DOMAIN}.{init_integration.entry_id}"
    hass_storage[key] = {"version": 1, "data": {}}
    await hass.config_entries.async_unload(init_integration.entry_id)
    path = database_path(hass, init_integration.entry_id)
    assert path.exists()
    stray = path.with_name(f"{path.name}.journal.7")  # as a crash can leave one
    stray.write_bytes(b"")
    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert key not in hass_storage
    assert not path.exists()
    assert not path.with_name(f"{path.name}-wal").exists()
    assert not stray.exists()
