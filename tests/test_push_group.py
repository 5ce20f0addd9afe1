"""Group commit: pushes that come together are processed together, written in
one record, and each answered by its own outcome."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import patch

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.sms_gateway.const import EVENT_SMS_RECEIVED
from custom_components.sms_gateway.database import EntryDatabase
from custom_components.sms_gateway.gateways.models import IncomingSms
from custom_components.sms_gateway.history import History
from custom_components.sms_gateway.push_group import MAX_HOPS, PushGroup
from simulator.goip import GoipSimulator

from .test_held_pushes import WHEN, point


class Recorder:
    """A group's `process`: records each group; fails the pushes asked to."""

    def __init__(self, failing: set[int] | None = None, error: bool = False) -> None:
        self.groups: list[list[Any]] = []
        self.failing = failing or set()
        self.error = error

    def __call__(self, pushes: list[Any]) -> set[int]:
        self.groups.append(pushes)
        if self.error:
            raise OSError("no room on the disk")
        return self.failing & set(range(len(pushes)))


async def test_pushes_that_come_together_are_processed_together() -> None:
    recorder = Recorder()
    group = PushGroup(asyncio.get_running_loop(), recorder)
    answers = await asyncio.gather(*(group.async_process([n]) for n in range(3)))
    assert answers == [True, True, True]
    assert recorder.groups == [[[0], [1], [2]]]  # one group, in their order
    # a push alone later: a group of its own
    assert await group.async_process([3])
    assert recorder.groups[1:] == [[[3]]]
    assert len(group) == 0


async def test_a_group_closes_though_pushes_keep_coming() -> None:
    """While pushes join at every iteration, the group waits; at most MAX_HOPS."""
    recorder = Recorder()
    loop = asyncio.get_running_loop()
    group = PushGroup(loop, recorder)
    answers: list[asyncio.Task[bool]] = []
    all_joined = asyncio.Event()

    def join(n: int) -> None:
        answers.append(
            asyncio.Task(group.async_process([n]), loop=loop, eager_start=True)
        )
        if n < 3 * MAX_HOPS:
            loop.call_soon(join, n + 1)
        else:
            all_joined.set()

    join(0)
    await all_joined.wait()
    assert all(await asyncio.gather(*answers))
    first = recorder.groups[0]
    assert 1 < len(first) <= MAX_HOPS + 2
    assert len(recorder.groups) > 1
    assert [push for pushes in recorder.groups for push in pushes] == [
        [n] for n in range(3 * MAX_HOPS + 1)
    ]


async def test_a_push_that_failed_is_not_acknowledged() -> None:
    group = PushGroup(asyncio.get_running_loop(), Recorder(failing={1}))
    answers = await asyncio.gather(*(group.async_process([n]) for n in range(3)))
    assert answers == [True, False, True]


async def test_a_push_cancelled_while_it_waits_cancels_no_other() -> None:
    """Its request gone (the task cancelled): the others are answered, and its
    items are processed all the same (its retry is a duplicate)."""
    recorder = Recorder()
    loop = asyncio.get_running_loop()
    group = PushGroup(loop, recorder)
    first, gone, last = (
        asyncio.Task(group.async_process([n]), loop=loop, eager_start=True)
        for n in range(3)
    )
    gone.cancel()
    assert await first and await last
    assert gone.cancelled()
    assert recorder.groups == [[[0], [1], [2]]]


async def test_a_group_not_written_acknowledges_none(
    caplog: pytest.LogCaptureFixture,
) -> None:
    group = PushGroup(asyncio.get_running_loop(), Recorder(error=True))
    answers = await asyncio.gather(*(group.async_process([n]) for n in range(2)))
    assert answers == [False, False]
    assert "Error writing 2 pushes" in caplog.text


async def test_flush_processes_the_waiting_pushes_at_once() -> None:
    recorder = Recorder()
    loop = asyncio.get_running_loop()
    group = PushGroup(loop, recorder)
    waiting = asyncio.Task(group.async_process(["a"]), loop=loop, eager_start=True)
    assert recorder.groups == [] and len(group) == 1
    group.flush()
    assert recorder.groups == [[["a"]]]
    assert await waiting
    group.flush()  # nothing waits: nothing processed
    for _ in range(MAX_HOPS + 2):  # the group's wait was called off
        await asyncio.sleep(0)
    assert recorder.groups == [[["a"]]]


async def test_pushes_together_are_one_journal_record(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    """Three SMS from three pushes: three events, one line in the journal."""
    inbound = init_integration.runtime_data.inbound
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)
    with (
        patch.object(EntryDatabase, "write", autospec=True) as write,
        patch.object(EntryDatabase, "write_one", autospec=True) as write_one,
    ):
        answers = await asyncio.gather(
            *(
                inbound.pushes.async_process(
                    [IncomingSms(sender="10086", text=f"together {n}")]
                )
                for n in range(3)
            )
        )
    assert answers == [True, True, True]
    assert [event.data["text"] for event in events] == [
        "together 0",
        "together 1",
        "together 2",
    ]
    assert write.call_count == 1 and write_one.call_count == 0
    (logs,) = [call.args[1] for call in write.call_args_list]
    assert len(logs["seen"][0]) == 3


async def test_a_push_not_processed_is_answered_500_and_its_retry_fires_nothing_twice(
    hass: HomeAssistant,
    goip_sim: GoipSimulator,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """What of a failed push fired is written with its group: the gateway's
    retry (after a 500) fires only what had not."""
    await point(hass, goip_sim, hass_client_no_auth)
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)
    received = History.received

    def failing(self: History, thread: str, number: str, *args: Any) -> None:
        if args[2] == "poison":
            raise RuntimeError("a bug")
        received(self, thread, number, *args)

    with patch.object(History, "received", failing):
        await goip_sim.inject_incoming("G101", "10086", "poison", WHEN)
        assert goip_sim.pushes[-1][2] == 500
        await goip_sim.inject_incoming("G101", "10086", "fine", WHEN)
        assert goip_sim.pushes[-1][2] == 200
    await goip_sim.inject_incoming("G101", "10086", "poison", WHEN)  # the retry
    assert goip_sim.pushes[-1][2] == 200
    assert [event.data["text"] for event in events] == ["poison", "fine"]


async def test_pushes_taken_before_an_unload_reach_the_entities_still_there(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    inbound = init_integration.runtime_data.inbound
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)
    waiting = hass.async_create_task(
        inbound.pushes.async_process([IncomingSms(sender="10086", text="last")]),
        eager_start=True,
    )
    unload_platforms = hass.config_entries.async_unload_platforms
    waiting_then: list[int] = []

    async def unloading(*args: Any) -> bool:
        waiting_then.append(len(inbound.pushes))
        return await unload_platforms(*args)

    with patch.object(hass.config_entries, "async_unload_platforms", unloading):
        assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert waiting_then == [0]
    assert await waiting
    assert [event.data["text"] for event in events] == ["last"]
