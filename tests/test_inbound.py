"""The inbound stores stay bounded in size and age, and survive restarts."""

from __future__ import annotations

from datetime import datetime
import time
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.sms_gateway import inbound as inbound_module
from custom_components.sms_gateway.const import (
    DOMAIN,
    EVENT_DELIVERY_REPORT,
    EVENT_SMS_RECEIVED,
)
from custom_components.sms_gateway.gateways.models import (
    DeliveryReport,
    DeliveryStatus,
    IncomingSms,
    RecipientResult,
    SendResult,
)
from custom_components.sms_gateway.inbound import Inbound
from custom_components.sms_gateway.store import MAX_AGE, SAVE_DELAY, BoundedLog


def test_bounded_log_drops_the_oldest_beyond_its_size() -> None:
    log = BoundedLog(max_items=3, max_age=3600)
    now = time.time()
    for key in "abcde":
        log.add(key, now)
    assert list(log.items) == ["c", "d", "e"]
    log.add("c", now)  # re-adding makes it the newest
    assert list(log.items) == ["d", "e", "c"]


def test_bounded_log_drops_what_is_too_old() -> None:
    log = BoundedLog(max_items=10, max_age=60)
    now = time.time()
    log.load({"old": now - 120, "sent": {"at": now - 90}, "new": now})
    log.prune(now)
    assert list(log.items) == ["new"]


async def test_stores_are_bounded_and_survive_a_restart(
    hass: HomeAssistant, hass_storage: dict[str, Any], monkeypatch: Any
) -> None:
    monkeypatch.setattr(inbound_module, "MAX_SEEN", 50)
    monkeypatch.setattr(inbound_module, "MAX_SENT", 20)
    first = Inbound(hass, "entry", "goip")
    await first.async_load()
    events = async_capture_events(hass, EVENT_SMS_RECEIVED)
    sms = [IncomingSms(sender="1", text=f"sms {index}") for index in range(120)]
    assert first.process(sms) == 120
    first.track_sent(
        SendResult(
            (
                *(RecipientResult(f"{n}", f"1.{n}", accepted=True) for n in range(30)),
                RecipientResult("9", None, accepted=False, reason="x"),
            )
        ),
        port=None,
    )
    assert (len(first.seen.items), len(first.sent.items)) == (50, 20)
    await first.async_save()
    stored = hass_storage[f"{DOMAIN}.entry"]["data"]
    assert (len(stored["seen"]), len(stored["sent"])) == (50, 20)

    second = Inbound(hass, "entry", "goip")
    await second.async_load()
    # The newest 50 are still known; the oldest fell out of the bound.
    assert second.process(sms[-50:]) == 0
    assert second.process(sms[:1]) == 1
    assert len(events) == 121
    assert second.pending_message_ids() == [f"1.{n}" for n in range(10, 30)]


async def test_old_entries_are_dropped_on_load(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    now = time.time()
    hass_storage[f"{DOMAIN}.entry"] = {
        "version": 1,
        "key": f"{DOMAIN}.entry",
        "data": {
            "seen": {"sms:old": now - MAX_AGE - 1, "sms:new": now},
            "sent": {"1.1": {"at": now - MAX_AGE - 1, "final": False}},
        },
    }
    inbound = Inbound(hass, "entry", "goip")
    await inbound.async_load()
    assert list(inbound.seen.items) == ["sms:new"]
    assert inbound.pending_message_ids() == []


async def test_reports_are_matched_to_what_was_sent(hass: HomeAssistant) -> None:
    """A report without recipient or port gets them from the sent message."""
    inbound = Inbound(hass, "entry", "goip")
    await inbound.async_load()
    inbound.track_sent(
        SendResult((RecipientResult("13600000000", "7.1", accepted=True),)), port="G102"
    )
    events = async_capture_events(hass, EVENT_DELIVERY_REPORT)
    when = datetime(2026, 1, 2, 3, 4, 5)
    inbound.process(
        [
            DeliveryReport("7.1", DeliveryStatus.PENDING),
            DeliveryReport("7.1", DeliveryStatus.SENT, timestamp=when),
            DeliveryReport("7.1", DeliveryStatus.SENT),
            DeliveryReport("8.1", DeliveryStatus.FAILED, error_code="1"),
        ]
    )
    assert [
        (e.data["message_id"], e.data["recipient"], e.data["port"], e.data["status"])
        for e in events
    ] == [("7.1", "13600000000", "G102", "sent"), ("8.1", None, None, "failed")]
    assert events[0].data["timestamp"] == "2026-01-02T11:04:05+00:00"
    assert inbound.pending_message_ids() == []


async def test_an_sms_is_known_by_what_it_is_not_by_its_id(hass: HomeAssistant) -> None:
    """Pushed without id and polled with one, or after the gateway's ids restart."""
    inbound = Inbound(hass, "entry", "openvox")
    await inbound.async_load()
    when = datetime(2026, 1, 2, 3, 4, 5)
    assert inbound.process([IncomingSms("1", "a", port="2", timestamp=when)]) == 1
    assert (
        inbound.process(
            [IncomingSms("1", "a", port="2", timestamp=when, message_id="42")]
        )
        == 0
    )
    assert (
        inbound.process(
            [IncomingSms("1", "b", port="2", timestamp=when, message_id="42")]
        )
        == 1
    )


async def test_stores_of_two_entries_are_apart(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    one, two = Inbound(hass, "one", "goip"), Inbound(hass, "two", "goip")
    await one.async_load()
    await two.async_load()
    sms = [IncomingSms("1", "a")]
    assert (one.process(sms), two.process(sms)) == (1, 1)


async def test_sent_messages_are_polled_for_delivery_for_a_while(
    hass: HomeAssistant,
) -> None:
    from custom_components.sms_gateway.inbound import RECEIPT_WINDOW

    inbound = Inbound(hass, "entry", "dinstar")
    await inbound.async_load()
    inbound.track_sent(
        SendResult(
            (
                RecipientResult("1", "old", accepted=True),
                RecipientResult("2", "new", accepted=True),
                RecipientResult("3", "done", accepted=True),
            )
        ),
        port=None,
    )
    inbound.sent.items["old"]["at"] -= RECEIPT_WINDOW + 1
    inbound.process(
        [
            DeliveryReport("old", DeliveryStatus.SENT),
            DeliveryReport("new", DeliveryStatus.SENT),
            DeliveryReport("done", DeliveryStatus.DELIVERED),
        ]
    )
    assert inbound.pending_message_ids() == []
    assert inbound.pending_message_ids(until_delivered=True) == ["new"]
    inbound.process([DeliveryReport("new", DeliveryStatus.FAILED)])
    assert inbound.pending_message_ids(until_delivered=True) == []


async def test_a_stopping_home_assistant_writes_what_was_seen(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """At a stop entries are not unloaded: the batched write is flushed then."""
    inbound = Inbound(hass, "entry", "goip")
    await inbound.async_load()
    assert inbound.process([IncomingSms(sender="1", text="before the stop")]) == 1
    assert f"{DOMAIN}.entry" not in hass_storage  # batched, not yet written
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    assert len(hass_storage[f"{DOMAIN}.entry"]["data"]["seen"]) == 1

    after = Inbound(hass, "entry", "goip")
    await after.async_load()
    assert after.process([IncomingSms(sender="1", text="before the stop")]) == 0


async def test_a_steady_stream_of_pushes_is_written_every_few_seconds(
    hass: HomeAssistant, hass_storage: dict[str, Any], freezer: FrozenDateTimeFactory
) -> None:
    """One SMS a second without end: what was seen is on disk within the save
    delay of the first, not only when the stream pauses or Home Assistant
    stops (a power cut would lose it all)."""
    inbound = Inbound(hass, "entry", "goip")
    await inbound.async_load()
    written: list[int] = []
    for second in range(3 * SAVE_DELAY):
        inbound.process([IncomingSms(sender="1", text=f"second {second}")])
        freezer.tick(1)
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        if f"{DOMAIN}.entry" in hass_storage:
            written.append(len(hass_storage[f"{DOMAIN}.entry"]["data"]["seen"]))
            hass_storage.clear()
    # a write SAVE_DELAY after the first push, and one more for each delay on
    assert written[:2] == [SAVE_DELAY, 2 * SAVE_DELAY]
    assert len(written) == 3
