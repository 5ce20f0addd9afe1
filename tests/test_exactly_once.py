"""Exactly once, for every vendor: 1,000 incoming SMS and the reports of 1,000
sent messages, every push made twice, polls overlapping each other and the
pushes, and a restart in the middle, fire each event once.

The restart unloads the entry and sets it up again from its stores, as Home
Assistant does at a restart: the messages sent before it get their reports
after it, matched by what the store kept.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.sms_gateway.const import (
    CONF_RECEIVE_MODE,
    DOMAIN,
    EVENT_DELIVERY_REPORT,
    EVENT_SMS_RECEIVED,
    RECEIVE_BOTH,
)
from custom_components.sms_gateway.gateways.models import Capability
from custom_components.sms_gateway.store import MAX_SEEN, MAX_SENT

from .conftest import WEBHOOK_ID, loaded
from .vendors import VENDORS

MESSAGES = 1000
ROUNDS = 20  # incoming SMS arrive in this many rounds; the restart is halfway


@pytest.mark.parametrize("vendor", sorted(VENDORS))
async def test_exactly_once(
    hass: HomeAssistant,
    socket_enabled: None,
    hass_client_no_auth: ClientSessionGenerator,
    vendor: str,
) -> None:
    # asyncio's debug mode records a traceback per callback: ten thousand
    # requests would take a minute.
    hass.loop.set_debug(False)
    case = VENDORS[vendor]
    sim = case.simulator(32)
    await sim.start()
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=vendor,
        data=case.data(sim),
        options={CONF_RECEIVE_MODE: RECEIVE_BOTH},
    )
    received = async_capture_events(hass, EVENT_SMS_RECEIVED)
    reports = async_capture_events(hass, EVENT_DELIVERY_REPORT)
    try:
        async with loaded(hass, entry):
            client = await hass_client_no_auth()
            url = str(client.make_url(f"/api/webhook/{WEBHOOK_ID}"))
            sim.point_pushes(url)
            sim.duplicate_pushes = True
            capabilities = entry.runtime_data.gateway.capabilities
            assert Capability.PUSH in capabilities

            async def send(numbers: range) -> set[str]:
                response = await hass.services.async_call(
                    DOMAIN,
                    "send_sms",
                    {
                        "recipients": [f"1390000{i:04d}" for i in numbers],
                        "message": "exactly once",
                    },
                    blocking=True,
                    return_response=True,
                )
                return {item["message_id"] for item in response["messages"]}

            async def poll_twice() -> None:
                coordinator = entry.runtime_data.coordinator
                await asyncio.gather(
                    coordinator.async_refresh(), coordinator.async_refresh()
                )

            # The first half is sent at once and moves on a step before the
            # restart; the second half is sent just before it, and all its
            # reports come after it.
            sent = await send(range(MESSAGES // 2))
            per_round, restart = MESSAGES // ROUNDS, ROUNDS // 2
            for round_ in range(ROUNDS):
                if round_ == restart - 1:
                    sent |= await send(range(MESSAGES // 2, MESSAGES))
                if round_ == restart:
                    assert await hass.config_entries.async_reload(entry.entry_id)
                    # the gateway missed our answers: it pushes it all again
                    assert await sim.replay() or not case.receives
                arrivals = [
                    sim.receive(i % 32, f"1380000{i:04d}", f"SMS number {i}")
                    for i in range(round_ * per_round, (round_ + 1) * per_round)
                    if case.receives
                ]
                steps = [sim.advance()] if round_ == 1 or round_ >= restart else []
                await asyncio.gather(*steps, poll_twice(), *arrivals)
            assert len(sent) == MESSAGES
            # the rest of the reports, and the polls that catch up
            while await sim.advance():
                await poll_twice()
            await poll_twice()
            await hass.async_block_till_done()

            inbound = entry.runtime_data.inbound
            assert len(inbound.seen.items) <= MAX_SEEN
            assert len(inbound.sent.items) <= MAX_SENT
    finally:
        await sim.stop()

    assert sim.pushes and all(status == 200 for _, _, status in sim.pushes)
    if case.receives:
        texts = Counter(event.data["text"] for event in received)
        assert len(texts) == MESSAGES
        assert set(texts.values()) == {1}
    else:
        assert not received
    outcomes = Counter(
        (event.data["message_id"], event.data["status"]) for event in reports
    )
    assert set(outcomes.values()) == {1}, "a report fired twice"
    delivered = {m for m, status in outcomes if status == "delivered"}
    assert delivered == sent
    assert {m for m, _ in outcomes} == sent
