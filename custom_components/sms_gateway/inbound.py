"""One path for everything that comes in, pushed or polled.

Each item gets a dedupe key; a key seen before fires nothing. Delivery reports
are matched to the messages `send_sms` returned. Both stores are bounded in
size and age and persisted, so a Home Assistant restart loses and repeats
nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, tzinfo
import hashlib
import time
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.util import dt as dt_util

from . import history_db
from .const import (
    EVENT_DELIVERY_REPORT,
    EVENT_PORT_EVENT,
    EVENT_SMS_RECEIVED,
    EVENT_USSD_REPLY,
    LOGGER,
)
from .database import EntryDatabase, databases
from .gateways.models import (
    DeliveryReport,
    DeliveryStatus,
    InboundItem,
    IncomingSms,
    PortEvent,
    RecipientResult,
    SendResult,
    UssdReply,
)
from .gateways.numbers import normalize_number
from .history import History, Retention, ThreadState, thread_of
from .push_group import PushGroup
from .store import (
    MAX_AGE,
    MAX_SEEN,
    MAX_SENT,
    BoundedLog,
    EntryStore,
    added_at,
    is_record,
    is_reference,
    is_time,
)
from .ussd_sessions import UssdSessions

# How long after "sent" a delivery outcome is still polled for.
RECEIPT_WINDOW = 2 * 24 * 3600
# An SMS without a usable time (none given, or none readable) that comes again
# within this many seconds of when it fired is the same SMS pushed again (a
# gateway retries a push within seconds, a minute at most); later, it is a new
# SMS with the same text from the same sender ("ON" sent twice).
UNTIMED_WINDOW = 120


def text_digest(text: str) -> str:
    """A short fingerprint of a sent text (the text itself is not kept)."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# told of each item fired: its kind ("received", a report's state) and its data
type Listener = Callable[[str, dict[str, Any]], None]


class Inbound:
    """Dedupe, correlate and fire incoming SMS and delivery reports."""

    def __init__(self, hass: HomeAssistant, entry_id: str, vendor: str) -> None:
        """Bind to one config entry; call `async_load` before use."""
        self.hass = hass
        self.entry_id = entry_id
        self.vendor = vendor
        # The gateway's device, known once the entry has set it up.
        self.device_id: str | None = None
        self.seen = BoundedLog(MAX_SEEN, MAX_AGE, is_time)
        self.sent = BoundedLog(MAX_SENT, MAX_AGE, is_record)
        # vendor reference -> message_id, learned from reports carrying both
        self.references = BoundedLog(MAX_SENT, MAX_AGE, is_reference)
        # where the last inbox poll stopped (the vendor's id of the newest SMS)
        self.inbox_cursor: str | None = None
        # the gateway and its ports as last polled (`coordinator.layout_of`)
        self.layout: dict[str, Any] | None = None
        self.ussd = UssdSessions(hass.loop)
        # what is told each item fired, by its bus event (the event entities)
        self._listeners: dict[str, tuple[Listener, ...]] = {}
        # called when a port or the gateway changed (the entities refresh)
        self.on_port_event: Callable[[], None] | None = None
        # the zone of the gateway's times that carry none (None: Home Assistant's)
        self.time_zone: tzinfo | None = None
        # a number in the vendor's form (the gateway's `normalize_recipient`)
        self.normalize: Callable[[str], str] = normalize_number
        self.history = History(hass, entry_id)
        # pushes processed together (`push_group`)
        self.pushes = PushGroup(hass.loop, self.process_group)
        self._db: EntryDatabase | None = None

    async def async_load(self) -> None:
        """Open the entry's database and read what earlier runs saw and sent.

        What cannot be read is left out, with one warning that says what (never
        a number or a text): the entry loads all the same. The JSON store of
        earlier versions is read once, written to the database and deleted.
        """
        self._db = await databases(self.hass).async_get(self.entry_id)
        self._db.retention = self.history.retention
        stored = await self._db.async_read()
        problems = [f"{name} (not readable)" for name in stored.problems]
        threads = await self._db.async_query(_history_state, self.history.retention)
        problems.extend(self.history.load(threads, stored.meta))
        self._db.on_pruned = self.history.pruned
        legacy = EntryStore(self.hass, self.entry_id)
        if (old := await legacy.async_load()) is not None:
            problems.extend(self._load(old, legacy.newer))
            for log in self._logs().values():
                log.changed = dict(log.items)
            self._commit(all_meta=True)
            await legacy.async_remove()
        else:
            problems.extend(self._load(stored.logs | stored.meta, stored.newer))
            self._commit()  # what was dropped on the way
        if problems:
            LOGGER.warning(
                "Kept what could be read of the stored messages of entry %s;"
                " left out: %s",
                self.entry_id,
                "; ".join(problems),
            )

    def _load(self, stored: Any, newer: int | None) -> list[str]:
        """Take what `stored` holds; what could not be read."""
        problems: list[str] = []
        if newer is not None:
            problems.append(f"written by a newer version ({newer})")
        if stored is not None and not isinstance(stored, dict):
            problems.append(f"{type(stored).__name__}, not an object")
            stored = None
        stored = stored or {}
        for name, log in self._logs().items():
            if problem := log.load(stored.get(name, {})):
                problems.append(f"{name}: {problem}")
        cursor = stored.get("inbox_cursor")
        if isinstance(cursor, str | int) and not isinstance(cursor, bool):
            self.inbox_cursor = str(cursor)
        elif cursor is not None:
            problems.append("inbox_cursor")
        self.layout = stored.get("layout")  # `coordinator.from_layout` checks it
        return problems

    async def async_remove(self) -> None:
        """Forget everything (the entry was deleted)."""
        await databases(self.hass).async_remove(self.entry_id)
        await EntryStore(self.hass, self.entry_id).async_remove()

    @property
    def database(self) -> EntryDatabase:
        """The entry's database (open once `async_load` returned)."""
        if self._db is None:
            raise RuntimeError("async_load first")
        return self._db

    @callback
    def _commit(
        self,
        meta: Iterable[str] = (),
        all_meta: bool = False,
        held_done: Iterable[int] = (),
    ) -> None:
        """Write what changed, in one transaction, before anything can run."""
        if not (meta or all_meta or held_done) and self._commit_one():
            return
        names = ("inbox_cursor", "layout") if all_meta else meta
        history, counted = self.history.take()
        self.database.write(
            {
                name: changes
                for name, log in self._logs().items()
                if (changes := log.take_changes())
            },
            {name: getattr(self, name) for name in names} | counted,
            held_done,
            history,
        )

    def _commit_one(self) -> bool:
        """`_commit` of what one SMS changes; whether it was that.

        A key seen, a counter, a message of the history: written by
        `EntryDatabase.write_one`.
        """
        if (
            self.sent.changed
            or self.sent.gone
            or self.references.changed
            or self.references.gone
            or self.seen.gone
            or len(self.seen.changed) != 1
            or (one := self.history.take_one()) is None
        ):
            return False
        name, value, change = one
        seen = self.seen.take_added()
        assert seen is not None  # one key added, nothing gone: looked at above
        self.database.write_one("seen", seen, name, value, change)
        return True

    @callback
    def commit(self) -> None:
        """Write what changed (the history's read markers, its deletions)."""
        self._commit()

    async def async_prune(self) -> None:
        """Drop the history beyond its retention (it ages without writes)."""
        before, unread = await self.database.async_query(
            history_db.prune, self.history.retention, time.time()
        )
        if before:
            self.history.pruned(before, unread)

    def _logs(self) -> dict[str, BoundedLog]:
        return {"seen": self.seen, "sent": self.sent, "references": self.references}

    @callback
    def remember_layout(self, layout: dict[str, Any]) -> None:
        """Keep the gateway's layout, written when it changed."""
        if layout != self.layout:
            self.layout = layout
            self._commit(meta=("layout",))

    @callback
    def process_inbox(
        self, items: list[InboundItem], cursor: str | None, queue: bool = False
    ) -> int:
        """Fire what an inbox poll found; the first poll only sets the baseline.

        Without a baseline, an inbox full of old SMS would fire them all when
        the option is turned on.
        """
        baseline = self.inbox_cursor is None and not queue
        # An empty inbox is a baseline too: everything after it is new.
        self.inbox_cursor = cursor if cursor is not None else "0"
        fired = 0 if baseline else self.process(items, commit=False)
        self._commit(meta=("inbox_cursor",))
        return fired

    def already_sent(self, recipients: Iterable[str], text: str) -> list[str]:
        """Those of `recipients` that were sent `text` before (and kept)."""
        digest = text_digest(text)
        done = {
            value.get("recipient")
            for value in self.sent.items.values()
            if value.get("digest") == digest
        }
        return [recipient for recipient in recipients if recipient in done]

    @callback
    def track_sent(
        self,
        results: SendResult | Iterable[RecipientResult],
        port: str | None,
        text: str = "",
        extension: str | None = None,
    ) -> None:
        """Remember sent messages so their reports can be matched and polled.

        They are kept in the history too. Written before this returns
        (`SendRequest.track` calls it as the ids become known).
        """
        now = time.time()
        digest = text_digest(text)
        if isinstance(results, SendResult):
            results = results.results
        sent = [item for item in results if item.accepted and item.message_id]
        # a vendor may pass the same results again (as its answer comes, then
        # at the end): kept in the history once
        self.history.sent(
            [
                (
                    thread_of(self.normalize, item.recipient, extension),
                    item.recipient,
                    item.message_id,
                    None,
                )
                for item in sent
                if str(item.message_id) not in self.sent.items
            ],
            port,
            text,
        )
        self.sent.add_all(
            {
                str(item.message_id): {
                    "at": now,
                    "port": port,
                    "status": None,
                    "digest": digest,
                    "recipient": item.recipient,
                    "reference": item.reference,
                }
                for item in sent
            }
        )
        if references := {
            item.reference: {"at": now, "id": item.message_id}
            for item in sent
            if item.reference
        }:
            self.references.add_all(references)
        self._commit()

    @callback
    def track_refused(
        self,
        results: Iterable[RecipientResult],
        port: str | None,
        text: str,
        extension: str | None = None,
        since: float = 0.0,
        only_kept: bool = False,
    ) -> None:
        """Keep in the history the recipients a send was refused for.

        A recipient whose message was kept before its request left (a vendor
        whose ids are ours) and whose request was then refused is that
        message, failed: found by recipient and text among what was kept
        `since` the send began and has no state yet. `only_kept`: those
        alone (the whole send failed: nothing new is kept).
        """
        refused = [item for item in results if not item.accepted]
        if not refused:
            return
        digest = text_digest(text)
        kept = {
            value.get("recipient"): key
            for key, value in self.sent.items.items()
            if value.get("status") is None
            and value.get("digest") == digest
            and value.get("at", 0) >= since
        }
        new = []
        for item in refused:
            reason = item.reason or "refused"
            if (message_id := kept.get(item.recipient)) is not None:
                self.sent.items[message_id]["status"] = DeliveryStatus.FAILED.value
                self.sent.touch(message_id)
                self.history.refused(message_id, reason, port)
            elif not only_kept:
                new.append(
                    (
                        thread_of(self.normalize, item.recipient, extension),
                        item.recipient,
                        item.message_id,
                        reason,
                    )
                )
        self.history.sent(new, port, text)
        self._commit()

    def references_of(self, message_ids: list[str]) -> dict[str, str]:
        """The references sends returned for these messages, where there are some."""
        return {
            message_id: reference
            for message_id in message_ids
            if (reference := self.sent.items.get(message_id, {}).get("reference"))
        }

    def pending_message_ids(self, until_delivered: bool = False) -> list[str]:
        """Sent messages whose outcome is not known yet.

        `until_delivered`: also those sent but not yet delivered or failed
        (for a while), for gateways that can tell delivery when asked.
        """
        cutoff = time.time() - RECEIPT_WINDOW
        return [
            key
            for key, value in self.sent.items.items()
            if value.get("status") is None
            or (
                until_delivered
                and value["status"] == DeliveryStatus.SENT
                and value["at"] >= cutoff
            )
        ]

    @callback
    def process(
        self, items: list[InboundItem], commit: bool = True, held: Iterable[int] = ()
    ) -> int:
        """Fire each new item once; return how many fired.

        Each event fires, then its key is written, with nothing in between that
        could run (no await): after a crash, an item is either fired and known,
        or neither (and the gateway's retry, or the held push, fires it).
        `held`: the held pushes these items came from, dropped in the same
        transaction.
        """
        fired = 0
        now = time.time()
        for received in items:
            item: IncomingSms | DeliveryReport
            if isinstance(received, IncomingSms):  # the most of them
                item = received
            elif isinstance(received, DeliveryReport):
                if received.status is DeliveryStatus.PENDING:
                    continue
                item = self._correlate(received)
            elif isinstance(received, UssdReply):
                fired += self._ussd_reply(received)
                continue
            else:
                fired += self._port_event(received)
                continue
            key = _dedupe_key(item)
            if (first := self.seen.items.get(key)) is not None and (
                not _untimed(item) or now - added_at(first) < UNTIMED_WINDOW
            ):
                LOGGER.debug("Dropping a duplicate %s", type(item).__name__)
                continue
            self.seen.add(key, now)
            if isinstance(item, IncomingSms):
                moment = self._utc(item.timestamp)
                self._fire(
                    EVENT_SMS_RECEIVED, "received", self._incoming_data(item, moment)
                )
                self.history.received(
                    thread_of(self.normalize, item.sender, item.extension),
                    item.sender,
                    item.port,
                    moment.timestamp(),
                    item.text,
                    item.message_id,
                )
            else:
                data = self._report_data(item)
                self._fire(EVENT_DELIVERY_REPORT, item.status.value, data)
                self.history.reported(data)
            fired += 1
        if commit:
            self._commit(held_done=held)
        return fired

    @callback
    def process_group(self, pushes: list[list[InboundItem]]) -> set[int]:
        """`process` of each push's items, written in one record.

        The indices of the pushes whose processing failed (logged): what of
        them fired is written with the rest, so the gateway's retry fires
        only what did not.
        """
        failed = set()
        for index, items in enumerate(pushes):
            try:
                self.process(items, commit=False)
            except Exception:
                LOGGER.exception("Error processing a push")
                failed.add(index)
        self._commit()
        return failed

    def _ussd_reply(self, reply: UssdReply) -> int:
        """Fire a reply once per session (push and poll may both bring it)."""
        if not self.ussd.take(reply):
            return 0
        self._fire(
            EVENT_USSD_REPLY,
            "received",
            {
                **self._base(reply.port),
                "text": reply.text,
                "error": reply.error,
                "timestamp": self._iso(reply.timestamp),
            },
        )
        return 1

    def _port_event(self, event: PortEvent) -> int:
        """Fire a state change of a port; the entities follow at once."""
        self._fire(
            EVENT_PORT_EVENT,
            event.kind.value,
            {
                **self._base(event.port),
                "kind": event.kind.value,
                "state": event.state,
                **event.details,
                "timestamp": self._iso(event.timestamp),
            },
        )
        if self.on_port_event is not None:
            self.on_port_event()
        return 1

    def _correlate(self, report: DeliveryReport) -> DeliveryReport:
        """Learn or apply the link between the vendor's reference and our id."""
        if report.reference is None:
            return report
        if report.message_id is not None:
            self.references.add(
                report.reference, {"at": time.time(), "id": report.message_id}
            )
            return report
        if known := self.references.items.get(report.reference):
            return replace(report, message_id=known["id"])
        return report

    def _base(self, port: str | None) -> dict[str, Any]:
        return {
            "entry_id": self.entry_id,
            "device_id": self.device_id,
            "vendor": self.vendor,
            "port": port,
        }

    def _incoming_data(
        self, sms: IncomingSms, moment: datetime | None = None
    ) -> dict[str, Any]:
        """The event's data; `moment`: the SMS's time in UTC, where known."""
        return {  # `_base`'s, written out: one dict, not two, at each SMS
            "entry_id": self.entry_id,
            "device_id": self.device_id,
            "vendor": self.vendor,
            "port": sms.port,
            "sender": sms.sender,
            "text": sms.text,
            "message_id": sms.message_id,
            "extension": sms.extension,
            "smsc": sms.smsc,
            "timestamp": (moment or self._utc(sms.timestamp)).isoformat(),
        }

    def _report_data(self, report: DeliveryReport) -> dict[str, Any]:
        sent = self.sent.items.get(report.message_id or "")
        if sent is not None and sent.get("status") in (None, DeliveryStatus.SENT):
            sent["status"] = report.status.value
            self.sent.touch(report.message_id or "")
        return {
            **self._base(report.port or (sent or {}).get("port")),
            "recipient": report.recipient or (sent or {}).get("recipient"),
            "message_id": report.message_id,
            "status": report.status.value,
            "error_code": report.error_code,
            "error_text": report.error_text,
            "parts": report.parts,
            "parts_sent": report.parts_sent,
            "timestamp": self._iso(report.timestamp),
        }

    def _iso(self, timestamp: datetime | None) -> str:
        """ISO time in UTC; a naive gateway time is in the gateway's zone."""
        return self._utc(timestamp).isoformat()

    def _utc(self, timestamp: datetime | None) -> datetime:
        """The time in UTC (now, where there is none).

        A naive gateway time is in the gateway's zone.
        """
        if timestamp is None:
            return dt_util.utcnow()
        if timestamp.tzinfo is None:
            zone = self.time_zone or dt_util.get_default_time_zone()
            timestamp = timestamp.replace(tzinfo=zone)
        return dt_util.as_utc(timestamp)

    @callback
    def async_listen(self, event_type: str, listener: Listener) -> CALLBACK_TYPE:
        """Tell `listener` each item fired as `event_type`, until the call returned.

        The dispatcher's work, without its look-ups and its signal's name made
        at each SMS (0.6 µs a push where this takes 0.1, timed alone).
        """
        self._listeners[event_type] = (*self._listeners.get(event_type, ()), listener)

        @callback
        def remove() -> None:
            self._listeners[event_type] = tuple(
                told for told in self._listeners[event_type] if told is not listener
            )

        return remove

    @callback
    def _fire(self, event_type: str, kind: str, data: dict[str, Any]) -> None:
        self.hass.bus.async_fire(event_type, data)
        for listener in self._listeners.get(event_type, ()):
            try:
                listener(kind, data)
            except Exception:  # as the dispatcher: the others are told, the item kept
                LOGGER.exception("Error telling %s of an inbound item", listener)


def _history_state(db: Any, retention: Retention) -> dict[str, ThreadState]:
    """The threads, once the retention is applied (the options may have changed)."""
    history_db.prune(db, retention)
    return history_db.threads(db)


def _untimed(item: IncomingSms | DeliveryReport) -> bool:
    """An SMS whose time is unknown: its key holds for UNTIMED_WINDOW only."""
    return isinstance(item, IncomingSms) and item.timestamp is None


def _dedupe_key(item: IncomingSms | DeliveryReport) -> str:
    """A report: its message and state. An SMS: what it is, not how it came.

    A pushed SMS may carry no id where the polled one does (OpenVox), and a
    vendor's ids start again when its database is reset: port, sender (as
    every way shows it: `sender_match`), time and text are the same whichever
    way the SMS came. Without a time, the key
    tells the SMS apart from one sent again within UNTIMED_WINDOW only.
    """
    if isinstance(item, DeliveryReport):
        subject = item.message_id or f"ref:{item.reference}"
        return f"report:{subject}:{item.status.value}"
    digest = hashlib.sha256(
        "\x1f".join(
            (
                item.port or "",
                item.sender_match or item.sender,
                item.timestamp.isoformat() if item.timestamp else "",
                item.text,
            )
        ).encode()
    ).hexdigest()[:32]
    return f"sms:{digest}"


def gateway_time(moment: datetime, time_zone: tzinfo | None) -> datetime:
    """A time as the gateway's clock shows it: naive, in `time_zone`.

    `time_zone` None is Home Assistant's; a naive `moment` is in Home
    Assistant's zone.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt_util.get_default_time_zone())
    zone = time_zone or dt_util.get_default_time_zone()
    return moment.astimezone(zone).replace(tzinfo=None)
