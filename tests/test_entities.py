"""Entities of a GoIP SMS Server, against the simulator."""

from __future__ import annotations

from homeassistant.const import STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.sms_gateway.const import DOMAIN
from simulator.goip import GoipSimulator

from .conftest import snapshot_entities


@pytest.fixture
def lines(goip_sim: GoipSimulator) -> None:
    """Lines in every state the document shows."""
    goip_sim.set_line("G101", reg="LOGOUT")
    goip_sim.set_line("G102", remain_sms=856, day_remain_sms=56)
    goip_sim.set_line("G103", reg="")
    goip_sim.set_line("G104", online=0, reg="")


@pytest.mark.usefixtures("lines", "entity_registry_enabled_by_default")
@pytest.mark.parametrize(
    "platform",
    [Platform.BINARY_SENSOR, Platform.EVENT, Platform.NOTIFY, Platform.SENSOR],
)
async def test_entities(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    mock_config_entry.add_to_hass(hass)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("custom_components.sms_gateway.PLATFORMS", [platform])
        await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
        snapshot_entities(hass, snapshot, mock_config_entry.entry_id)
        await hass.config_entries.async_unload(mock_config_entry.entry_id)


@pytest.mark.usefixtures("lines")
async def test_unlimited_is_unknown(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert (
        hass.states.get("sensor.goip_sms_server_g101_remaining_sms").state
        == STATE_UNKNOWN
    )
    assert hass.states.get("sensor.goip_sms_server_g102_remaining_sms").state == "856"
    assert (
        hass.states.get("sensor.goip_sms_server_g102_remaining_sms_today").state == "56"
    )
    assert hass.states.get("binary_sensor.goip_sms_server_g104_online").state == "off"
    assert (
        hass.states.get("sensor.goip_sms_server_g103_registration").state
        == "not_registered"
    )
    assert DOMAIN in hass.config.components
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_call_credit_is_shown_as_the_gateway_gives_it(
    hass: HomeAssistant, dinstar: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    """`"remain_credit": "1000.00"`, a call balance without a unit: two
    decimals, as on the gateway, not `1,000.0`."""
    entity = entity_registry.async_get("sensor.dwg_port_1_remaining_credit")
    assert entity is not None
    assert entity.options["sensor"]["suggested_display_precision"] == 2
    assert entity.unit_of_measurement is None
