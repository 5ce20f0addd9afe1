"""The inbound stores stay bounded in size and age, and survive restarts."""

from __future__ import annotations

from datetime import datetime
import time
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.sms_gateway import inbound as inbound_module
from custom_components.sms_gateway.const import (
    DOMAIN,
    EVENT_DELIVERY_REPORT,
    EVENT_SMS_RECEIVED,
)
from custom_components.sms_gateway.database import databases
from custom_components.sms_gateway.gateways.models import (
    DeliveryReport,
    DeliveryStatus,
    IncomingSms,
    RecipientResult,
    SendResult,
)
from custom_components.sms_gateway.inbound import Inbound
from custom_components.sms_gateway.store import MAX_AGE, BoundedLog

from .stored import on_disk


def test_bounded_log_drops_the_oldest_beyond_its_size() -> None:
    log = BoundedLog(max_items=3, max_age=3600)
    now = time.time()
    for key in "abcde":
        log.add(key, now)
    assert list(log.items) == ["c", "d", "e"]
    log.add("c", now)  # re-adding makes it the newest
    assert list(log.items) == ["d", "e", "c"]


def test_a_key_dropped_and_added_again_is_kept_in_the_database() -> None:
    """Dropped as the oldest, then seen again before the next write: the
    changes say it is there (the database applies what changed, then what
    went), one by one or in bulk."""
    now = time.time()
    for add_again in (
        lambda log: log.add("a", now),
        lambda log: log.add_all({"a": now}),
    ):
        log = BoundedLog(max_items=2, max_age=3600)
        for key in "abc":
            log.add(key, now)
        add_again(log)
        changed, gone = log.take_changes() or ({}, set())
        assert list(log.items) == ["c", "a"]
        assert set(changed) == {"a", "c"}
        assert gone == {"b"}


def test_additions_alone_are_taken_as_such() -> None:
    """`take_added` takes what was added while nothing went; with a key gone,
    or nothing added, it takes nothing (`take_changes` then takes it all)."""
    log = BoundedLog(max_items=1, max_age=3600)
    now = time.time()
    assert log.take_added() is None
    log.add("a", now)
    assert log.take_added() == {"a": now}
    for key in "bc":  # "a", then "b", go
        log.add(key, now)
    assert log.take_added() is None
    assert log.take_changes() == ({"c": now}, {"a", "b"})


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
    stored = on_disk(hass, "entry")
    assert (len(stored["seen"]), len(stored["sent"])) == (50, 20)

    await databases(hass).async_close_all()  # as a stop does
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


async def test_what_was_seen_is_on_disk_before_anything_else_runs(
    hass: HomeAssistant, hass_storage: dict[str, Any]
) -> None:
    """No batching: a crash right after `process` returns (a push answered 200)
    finds the key on disk; so does one right after `track_sent` (the send's
    ids). The JSON store of earlier versions is not written at all."""
    inbound = Inbound(hass, "entry", "goip")
    await inbound.async_load()
    assert inbound.process([IncomingSms(sender="1", text="just now")]) == 1
    assert len(on_disk(hass, "entry")["seen"]) == 1
    inbound.track_sent(
        SendResult((RecipientResult("13600000000", "7.1", accepted=True),)), port=None
    )
    assert on_disk(hass, "entry")["sent"]["7.1"]["recipient"] == "13600000000"
    inbound.process([DeliveryReport("7.1", DeliveryStatus.DELIVERED)])
    assert on_disk(hass, "entry")["sent"]["7.1"]["status"] == "delivered"
    assert f"{DOMAIN}.entry" not in hass_storage


async def test_listeners_are_told_until_they_stop(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Each listener of a kind is told of each item fired, until it stops;
    one that fails is logged, the others are told, and the item is kept."""
    inbound = Inbound(hass, "entry", "goip")
    await inbound.async_load()
    told: list[tuple[str, str]] = []

    def failing(kind: str, data: dict[str, Any]) -> None:
        raise RuntimeError("listener failed")

    inbound.async_listen(EVENT_SMS_RECEIVED, failing)
    stop = inbound.async_listen(
        EVENT_SMS_RECEIVED, lambda kind, data: told.append((kind, data["text"]))
    )
    inbound.async_listen(EVENT_DELIVERY_REPORT, lambda kind, data: told.append(kind))
    assert inbound.process([IncomingSms(sender="+861", text="one")]) == 1
    assert told == [("received", "one")]
    assert "listener failed" in caplog.text
    stop()
    assert inbound.process([IncomingSms(sender="+861", text="two")]) == 1
    assert told == [("received", "one")]
    await inbound.database.async_flush()
    assert len(on_disk(hass, "entry")["seen"]) == 2
