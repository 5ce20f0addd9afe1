"""Home Assistant's start does not wait for a gateway; unchanged polls write nothing."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    EVENT_STATE_CHANGED,
    EVENT_STATE_REPORTED,
    STATE_ON,
    STATE_UNAVAILABLE,
)
from homeassistant.core import CoreState, Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.sms_gateway.const import DOMAIN
from simulator.base import Simulator
from simulator.digest import DigestServer
from simulator.goip import GoipSimulator

from .conftest import device_of, next_poll, until
from .stored import on_disk, put_meta

ONLINE = "binary_sensor.goip_sms_server_g101_online"


async def test_an_unchanged_poll_writes_no_state(
    hass: HomeAssistant,
    vendor_sim: Simulator,
    vendor_entry: MockConfigEntry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """Nothing changed at the gateway: no entity writes its state again."""
    written: list[str] = []

    @callback
    def every(data: Any) -> bool:
        return True

    @callback
    def count(event: Event[Any]) -> None:
        written.append(event.data["entity_id"])

    for kind in (EVENT_STATE_CHANGED, EVENT_STATE_REPORTED):
        hass.bus.async_listen(kind, count, event_filter=every)
    requests = len(vendor_sim.requests)
    for _ in range(3):
        await next_poll(hass, freezer)
    assert len(vendor_sim.requests) > requests  # the gateway was polled
    assert written == []


async def test_start_up_does_not_wait_for_a_slow_gateway(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    device_registry: dr.DeviceRegistry,
    freezer: FrozenDateTimeFactory,
) -> None:
    """While Home Assistant starts, an entry is set up from the gateway as last
    seen: its entities exist, unavailable, until the gateway answers; then the
    gateway's device shows what the gateway tells now."""
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(mock_config_entry.entry_id)
    layout = on_disk(hass, mock_config_entry.entry_id)["layout"]
    assert [port[0] for port in layout["ports"]] == ["G101", "G102", "G103", "G104"]
    layout["info"]["model"] = "an older model"
    put_meta(hass, mock_config_entry.entry_id, "layout", layout)

    hass.set_state(CoreState.not_running)
    goip_sim.fault = "timeout"  # the gateway does not answer
    setup = hass.async_create_task(
        hass.config_entries.async_setup(mock_config_entry.entry_id)
    )
    await until(setup.done)
    assert setup.result()
    hass.set_state(CoreState.running)
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert hass.states.get(ONLINE).state == STATE_UNAVAILABLE
    device = device_of(hass, mock_config_entry)
    assert device.model == "an older model"

    await until(lambda: goip_sim.held > 0)  # the first poll waits for its answer
    freezer.tick(timedelta(seconds=11))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(ONLINE).state == STATE_UNAVAILABLE

    goip_sim.fault = None
    await next_poll(hass, freezer)
    assert hass.states.get(ONLINE).state == STATE_ON
    device = device_of(hass, mock_config_entry)
    assert device.model == "GoIP SMS Server"


@pytest.mark.parametrize(
    "layout",
    [
        None,
        {
            "info": {"manufacturer": "DBLTek", "model": "x", "colour": "red"},
            "ports": [],
        },
        {"info": {"manufacturer": "DBLTek", "model": "x"}, "ports": [["G101"]]},
        "a layout",
    ],
    ids=["none", "unknown field", "short port", "not a mapping"],
)
async def test_a_start_without_a_readable_layout_waits_for_the_gateway(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    mock_config_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    layout: Any,
) -> None:
    """With no layout seen yet, or one another version wrote, the entry is
    set up from the gateway's answer."""
    hass_storage[f"{DOMAIN}.{mock_config_entry.entry_id}"] = {
        "version": 1,
        "data": {"layout": layout},
    }
    hass.set_state(CoreState.not_running)
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    hass.set_state(CoreState.running)
    await hass.async_block_till_done()
    assert hass.states.get(ONLINE).state == STATE_ON


async def test_set_up_asks_the_gateway_each_thing_once(
    vendor_sim: Simulator, vendor_entry: MockConfigEntry
) -> None:
    """Set-up identifies the gateway, then takes its first snapshot.

    Each vendor tells who it is in the answers of a snapshot (a GoIP server or
    a platform has no identity call at all): those answers are the first
    poll's too, not asked for a second time. A request answered with a digest
    challenge is made again, with the answer.
    """
    auth = getattr(vendor_sim, "auth", None)
    challenges = auth.challenges if isinstance(auth, DigestServer) else 0
    repeated = Counter(vendor_sim.requests) - Counter(set(vendor_sim.requests))
    assert repeated.total() == challenges
