"""Pushes while the entry is not loaded: held on disk, answered 200, fired once
it loads (the issue "Nothing lost, nothing twice, nothing leaked", point 4).

The webhook is registered by the integration's own set-up, before any entry
loads, and stays registered while an entry is not loaded: set-up in progress,
waiting to retry it, unloaded, reloading after an options change. Before the
integration is set up, Home Assistant itself answers 200 to a webhook id it
does not know (README, Reliability).
"""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryDisabler, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.sms_gateway.const import DOMAIN, EVENT_SMS_RECEIVED
from simulator.goip import GoipSimulator

from .conftest import WEBHOOK_ID, set_options, until
from .stored import on_disk

WHEN = "2019-09-26 15:26:05"


async def point(
    hass: HomeAssistant, sim: GoipSimulator, client: ClientSessionGenerator
) -> None:
    """The simulator pushes to Home Assistant's webhook over real HTTP."""
    assert await async_setup_component(hass, "webhook", {})
    sim.point_pushes(str((await client()).make_url(f"/api/webhook/{WEBHOOK_ID}")))


async def test_pushes_during_set_up_and_its_retry_fire_once_it_loads(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    mock_config_entry: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await point(hass, goip_sim, hass_client_no_auth)
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)
    mock_config_entry.add_to_hass(hass)
    goip_sim.fault = "timeout"  # set-up waits for the gateway's first answer
    setup = hass.async_create_task(async_setup_component(hass, DOMAIN, {}))
    await until(lambda: goip_sim.held > 0)
    assert mock_config_entry.state is ConfigEntryState.SETUP_IN_PROGRESS

    await goip_sim.inject_incoming("G101", "10086", "while starting", WHEN)
    assert goip_sim.pushes[-1][2] == 200
    assert on_disk(hass, mock_config_entry.entry_id)["held"] == 1

    freezer.tick(timedelta(seconds=11))  # the first answer never comes
    async_fire_time_changed(hass)
    await setup
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.SETUP_RETRY
    await goip_sim.inject_incoming("G102", "10010", "while waiting to retry", WHEN)
    assert goip_sim.pushes[-1][2] == 200
    # the same push again (a gateway that retries): held twice, fired once
    await goip_sim.inject_incoming("G102", "10010", "while waiting to retry", WHEN)
    assert on_disk(hass, mock_config_entry.entry_id)["held"] == 3
    assert events == []

    goip_sim.release()
    freezer.tick(timedelta(seconds=60))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert mock_config_entry.state is ConfigEntryState.LOADED
    assert [event.data["text"] for event in events] == [
        "while starting",
        "while waiting to retry",
    ]
    assert on_disk(hass, mock_config_entry.entry_id)["held"] == 0

    # Loaded: pushes are processed at once, and what was held is not again.
    await goip_sim.inject_incoming("G101", "10086", "while starting", WHEN)
    await goip_sim.inject_incoming("G101", "10086", "loaded", WHEN)
    await hass.async_block_till_done()
    assert [event.data["text"] for event in events][2:] == ["loaded"]
    assert on_disk(hass, mock_config_entry.entry_id)["held"] == 0


async def test_pushes_while_unloaded_and_while_reloading_fire_once_loaded(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    freezer: FrozenDateTimeFactory,
) -> None:
    await point(hass, goip_sim, hass_client_no_auth)
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)
    entry_id = init_integration.entry_id

    assert await hass.config_entries.async_unload(entry_id)
    await goip_sim.inject_incoming("G101", "10086", "while unloaded", WHEN)
    assert goip_sim.pushes[-1][2] == 200
    assert events == []
    assert await hass.config_entries.async_setup(entry_id)
    await hass.async_block_till_done()
    assert [event.data["text"] for event in events] == ["while unloaded"]

    # An options change reloads the entry; its set-up waits for the gateway.
    goip_sim.fault = "timeout"
    reload = hass.async_create_task(
        set_options(hass, init_integration, poll_interval=60)
    )
    await until(lambda: goip_sim.held > 0)
    assert init_integration.state is ConfigEntryState.SETUP_IN_PROGRESS
    await goip_sim.inject_incoming("G102", "10010", "while reloading", WHEN)
    assert goip_sim.pushes[-1][2] == 200
    assert len(events) == 1
    goip_sim.release()
    await reload
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    assert [event.data["text"] for event in events] == [
        "while unloaded",
        "while reloading",
    ]


async def test_a_held_push_that_cannot_be_read_is_dropped(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Held as it came (its checks need the loaded entry's parser); dropped
    with a debug line when the entry loads, as a loaded entry answers 400."""
    client = await hass_client_no_auth()
    entry_id = init_integration.entry_id
    assert await hass.config_entries.async_unload(entry_id)
    response = await client.post(f"/api/webhook/{WEBHOOK_ID}", data=b"not json")
    assert response.status == 200
    assert on_disk(hass, entry_id)["held"] == 1
    assert await hass.config_entries.async_setup(entry_id)
    await hass.async_block_till_done()
    assert on_disk(hass, entry_id)["held"] == 0
    response = await client.post(f"/api/webhook/{WEBHOOK_ID}", data=b"not json")
    assert response.status == 400


async def test_a_removed_entry_takes_no_more_pushes(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Removed, its webhook id is unknown again (Home Assistant's own 200)."""
    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert WEBHOOK_ID not in hass.data["webhook"]


async def test_a_disabled_entry_holds_nothing(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Disabled by the user, an entry takes no pushes (Home Assistant's own
    200); enabled again, it takes them anew."""
    await hass.config_entries.async_set_disabled_by(
        init_integration.entry_id, ConfigEntryDisabler.USER
    )
    await hass.async_block_till_done()
    assert WEBHOOK_ID not in hass.data["webhook"]
    await hass.config_entries.async_set_disabled_by(init_integration.entry_id, None)
    await hass.async_block_till_done()
    assert WEBHOOK_ID in hass.data["webhook"]
