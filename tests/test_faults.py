"""Faults, for every vendor, injected through the simulators.

Entities go unavailable within one poll and come back within one poll after
the fault clears; a send during the fault raises a translated error and
reports no success; a slow answer is waited for; a rebooted gateway (new
nonce or token) costs nothing visible; revoked credentials start reauth; and
an unloaded entry leaves no task, timer or listener behind.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.sms_gateway.const import DOMAIN
from simulator.base import SLOW_SECONDS, Simulator

from .conftest import next_poll, send_sms, until
from .vendors import VENDORS


def sensors_of(hass: HomeAssistant, vendor_entry: MockConfigEntry) -> list[str]:
    """The entry's enabled sensors, all available."""
    registry = er.async_get(hass)
    sensors = [
        e.entity_id
        for e in er.async_entries_for_config_entry(registry, vendor_entry.entry_id)
        if e.domain == "sensor" and not e.disabled
    ]
    assert sensors
    assert all(hass.states.get(s).state != STATE_UNAVAILABLE for s in sensors)
    return sensors


def available(hass: HomeAssistant, sensors: list[str]) -> bool:
    """Whether all `sensors` are available (False: all unavailable)."""
    states = {hass.states.get(s).state == STATE_UNAVAILABLE for s in sensors}
    assert len(states) == 1, "some sensors unavailable, some not"
    return not states.pop()


async def send_one(hass: HomeAssistant) -> None:
    """`send_sms` to one number."""
    await send_sms(hass, recipients="13600000000", message="x")


async def poll_while_held(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    vendor_sim: Simulator,
    step: float,
) -> None:
    """One poll; each request the simulator holds lets `step` seconds pass."""
    poll = hass.async_create_task(
        hass.config_entries.async_entries(DOMAIN)[
            0
        ].runtime_data.coordinator.async_refresh()
    )
    while not poll.done():
        await until(lambda: vendor_sim.held > 0 or poll.done())
        await all_arrived(vendor_sim)
        if not poll.done():
            freezer.tick(timedelta(seconds=step))
            async_fire_time_changed(hass)
            await until(lambda: vendor_sim.held == 0 or poll.done())
    await poll


async def all_arrived(vendor_sim: Simulator, turns: int = 100) -> None:
    """Yield to the loop until the simulator got no new request for `turns` turns.

    Requests a poll makes side by side are all in flight before time may pass:
    one on a new connection reaches the simulator some turns after the others.
    """
    quiet, count = 0, len(vendor_sim.requests)
    while quiet < turns:
        await asyncio.sleep(0)
        quiet = quiet + 1 if len(vendor_sim.requests) == count else 0
        count = len(vendor_sim.requests)


async def send_through(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, vendor_sim: Simulator
) -> None:
    """`send_one`; a request the simulator holds lets the timeout pass."""
    await until(lambda: vendor_sim.held == 0)  # what an earlier poll left hanging
    send = hass.async_create_task(send_one(hass))
    await until(lambda: send.done() or vendor_sim.held > 0)
    if not send.done():
        freezer.tick(timedelta(seconds=11))
        async_fire_time_changed(hass)
    await send


@pytest.mark.parametrize(
    "fault",
    ["http500", "malformed", "reset", "timeout", "redirect", "huge", "gzip_bomb"],
)
async def test_a_fault_and_its_end(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    vendor_sim: Simulator,
    vendor_entry: MockConfigEntry,
    fault: str,
) -> None:
    """ "timeout": no answer within the 10 s the integration waits."""
    sensors = sensors_of(hass, vendor_entry)
    vendor_sim.fault = fault
    await poll_while_held(hass, freezer, vendor_sim, step=11)
    assert not available(hass, sensors)
    with pytest.raises(HomeAssistantError) as err:
        await send_through(hass, freezer, vendor_sim)
    expected = (
        {"cannot_connect"}
        if fault == "timeout"
        else {"cannot_connect", "unexpected_answer"}
    )
    assert err.value.translation_key in expected

    vendor_sim.fault = None
    await next_poll(hass, freezer)
    assert available(hass, sensors)


async def test_a_slow_gateway_is_waited_for(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    vendor_sim: Simulator,
    vendor_entry: MockConfigEntry,
) -> None:
    """Answers 5 s late, within the timeout: nothing goes unavailable."""
    sensors = sensors_of(hass, vendor_entry)
    vendor_sim.fault = "slow"
    await poll_while_held(hass, freezer, vendor_sim, step=SLOW_SECONDS + 0.5)
    assert available(hass, sensors)
    assert vendor_entry.runtime_data.coordinator.last_update_success


async def test_a_rebooted_gateway_costs_nothing_visible(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    vendor_sim: Simulator,
    vendor_entry: MockConfigEntry,
) -> None:
    """Nonces and tokens of before the reboot are refused: new ones are taken."""
    sensors = sensors_of(hass, vendor_entry)
    vendor_sim.restart()
    await next_poll(hass, freezer)
    assert available(hass, sensors)
    await send_one(hass)
    assert not hass.config_entries.flow.async_progress()


async def test_revoked_credentials_start_reauth(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    vendor_sim: Simulator,
    vendor_entry: MockConfigEntry,
) -> None:
    sensors_of(hass, vendor_entry)
    vendor_sim.revoke()
    with pytest.raises(HomeAssistantError) as err:
        await send_one(hass)
    assert err.value.translation_key == "invalid_auth"
    await next_poll(hass, freezer)
    flows = hass.config_entries.flow.async_progress()
    assert [flow["context"]["source"] for flow in flows] == [SOURCE_REAUTH]
    assert vendor_entry.state is ConfigEntryState.SETUP_ERROR or not (
        vendor_entry.runtime_data.coordinator.last_update_success
    )


async def test_nothing_is_left_behind_after_unloading(
    hass: HomeAssistant, vendor_sim: Simulator
) -> None:
    """A second set-up and unload (the first loads Home Assistant's own
    components) leaves the bus, the webhooks, tasks and timers as they were."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=vendor_sim.vendor,
        data=VENDORS[vendor_sim.vendor].data(vendor_sim),
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    listeners = hass.bus.async_listeners()
    webhooks = set(hass.data.get("webhook", {}))
    timers = _timers(hass)

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert _timers(hass) > timers  # the poll, at least
    assert hass.bus.async_listeners() != listeners or vendor_sim.vendor == "goip"
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.bus.async_listeners() == listeners
    assert set(hass.data.get("webhook", {})) == webhooks
    assert not _our_tasks(hass)
    assert _timers(hass) <= timers


def _our_tasks(hass: HomeAssistant) -> list[asyncio.Task[object]]:
    return [
        task
        for task in asyncio.all_tasks(hass.loop)
        if not task.done() and "sms_gateway" in repr(task.get_coro())
    ]


def _timers(hass: HomeAssistant) -> set[asyncio.TimerHandle]:
    return {
        handle
        for handle in hass.loop._scheduled  # type: ignore[attr-defined]
        if not handle.cancelled()
    }
