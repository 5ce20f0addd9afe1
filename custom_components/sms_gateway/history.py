"""The message history of one entry, as the event loop keeps it.

Every incoming SMS and every sent one (a row per recipient, its state updated
by its reports) becomes a change (`Change`) that goes into the entry's journal
in the same line as the dedupe key or the sent ids it comes with: durable
before the push is answered or the send's request leaves. The database writes
the changes (`history_db`); reads go to the database.

What the loop keeps: the next message number, each thread's newest message,
read marker and unread count, the counters of received, sent, delivered and
failed SMS (by port, and "" for the whole gateway), and the retention.
Nothing of a number or a text is logged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
import time
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import (
    async_dispatcher_connect,
    async_dispatcher_send,
)

from .const import DOMAIN
from .gateways.errors import InvalidNumberError
from .gateways.models import DeliveryStatus

# A change of the history, as a journal line carries it:
#   ["add", row]                       a message (`ROW_FIELDS`, in that order)
#   ["status", message_id, status, error, parts, parts_sent]
#   ["read", thread, up_to]            the thread read up to that message
#   ["delete", thread, up_to, ids]     the thread's messages up to `up_to`, or `ids`
type Change = list[Any]

ROW_FIELDS = (
    "id",
    "added",
    "thread",
    "incoming",
    "number",
    "port",
    "time",
    "text",
    "message_id",
    "status",
    "error",
    "parts",
    "parts_sent",
)

ID, THREAD, INCOMING = (ROW_FIELDS.index(name) for name in ("id", "thread", "incoming"))
# A received SMS has none of a send's state: its row is the fields before it.
RECEIVED_FIELDS = ROW_FIELDS.index("status")
UNSENT = (None,) * (len(ROW_FIELDS) - RECEIVED_FIELDS)

COUNTERS = ("received", "sent", "delivered", "failed")
# The whole gateway's counter, beside each port's.
GATEWAY = ""

DEFAULT_KEEP_DAYS = 30
DEFAULT_KEEP_MESSAGES = 10_000

SIGNAL_MESSAGES = f"{DOMAIN}_messages"
# How many follow the history (`follow`): with none, a change is told to
# nobody, and the message of each SMS is not made.
DATA_FOLLOWERS = f"{DOMAIN}_history_followers"


@dataclass(slots=True)
class ThreadState:
    """A conversation as the loop knows it."""

    last_id: int = 0
    read_up_to: int = 0
    unread: int = 0


@dataclass(slots=True)
class Retention:
    """How much history is kept: 0 of either keeps none."""

    days: int = DEFAULT_KEEP_DAYS
    messages: int = DEFAULT_KEEP_MESSAGES

    @property
    def keeps(self) -> bool:
        """Whether any message is kept."""
        return self.days > 0 and self.messages > 0


def thread_of(
    normalize: Callable[[str], str], number: str, extension: str | None
) -> str:
    """The conversation a number belongs to, by the vendor's number rules.

    A number the vendor would not send to (a sender's name, "BANK") is its own
    thread, as written; an extension (api/v1) is a thread of its own.
    """
    try:
        thread = normalize(number)
    except InvalidNumberError:
        thread = number.strip()
    return f"{thread}#{extension}" if extension else thread


def number_of(thread: str) -> tuple[str, str | None]:
    """A thread's number and extension."""
    number, _, extension = thread.partition("#")
    return number, extension or None


@callback
def follow(
    hass: HomeAssistant, target: Callable[[dict[str, Any]], None]
) -> Callable[[], None]:
    """Have `target` called at each change of any history; returns how to stop."""
    hass.data[DATA_FOLLOWERS] = hass.data.get(DATA_FOLLOWERS, 0) + 1
    disconnect = async_dispatcher_connect(hass, SIGNAL_MESSAGES, target)

    @callback
    def stop() -> None:
        hass.data[DATA_FOLLOWERS] -= 1
        disconnect()

    return stop


class History:
    """One entry's message history: the changes to journal, and the counts."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Empty; `load` sets what the database holds."""
        self.hass = hass
        self.entry_id = entry_id
        self.retention = Retention()
        self.next_id = 1
        self.threads: dict[str, ThreadState] = {}
        self.unread = 0  # of all threads
        self.counters: dict[str, dict[str, int]] = {name: {} for name in COUNTERS}
        self.changes: list[Change] = []  # not yet journalled
        self.counted: set[str] = set()  # counters changed, not yet journalled
        # called when the counters or the unread count changed (the sensors)
        self.listeners: list[Callable[[], None]] = []
        self._notify_timer: Callable[[], None] | None = None

    def load(self, threads: dict[str, ThreadState], meta: dict[str, Any]) -> list[str]:
        """Take what the database holds; the names of what was unreadable."""
        self.threads = threads
        self.next_id = max((t.last_id for t in threads.values()), default=0) + 1
        self.unread = sum(t.unread for t in threads.values())
        problems = []
        for name in COUNTERS:
            stored = meta.get(f"count_{name}")
            if stored is None:
                continue
            if isinstance(stored, dict) and all(
                isinstance(value, int) for value in stored.values()
            ):
                self.counters[name] = {str(key): n for key, n in stored.items()}
            else:
                problems.append(f"count_{name}")
        return problems

    def take(self) -> tuple[list[Change], dict[str, Any]]:
        """The changes and the changed counters, for the next journal line."""
        changes, self.changes = self.changes, []
        counted = {f"count_{name}": self.counters[name] for name in self.counted}
        self.counted = set()
        return changes, counted

    def take_one(self) -> tuple[str, dict[str, int], Change] | None:
        """`take`, where one change and one counter are all (as at an SMS).

        The counter's name and value, and the change; None, and nothing
        taken, where there is more or less.
        """
        if len(self.changes) != 1 or len(self.counted) != 1:
            return None
        (change,), self.changes = self.changes, []
        (name,), self.counted = self.counted, set()
        return f"count_{name}", self.counters[name], change

    def count(self, name: str, port: str | None, by: int = 1) -> None:
        """Add to a counter of the gateway, and of the port where one is named."""
        counter = self.counters[name]
        counter[GATEWAY] = counter.get(GATEWAY, 0) + by
        if port:
            counter[port] = counter.get(port, 0) + by
        self.counted.add(name)
        self._notify_soon()

    def add(self, **fields: Any) -> None:
        """Keep a message (numbered here) and tell subscribers.

        `fields`: the row's (`ROW_FIELDS`); what a report fills in later
        (status, error, parts) may be left out.
        """
        if self.retention.keeps:
            self._keep([fields.get(name) for name in ROW_FIELDS])

    def _keep(self, values: list[Any]) -> None:
        """Keep a row (`ROW_FIELDS`' values; its id is the next)."""
        values[ID] = self.next_id
        self.next_id += 1
        self.changes.append(["add", values])
        thread = values[THREAD]
        if (state := self.threads.get(thread)) is None:
            state = self.threads[thread] = ThreadState()
        state.last_id = values[ID]
        if values[INCOMING]:
            state.unread += 1
            self.unread += 1
            self._notify_soon()
        if self.hass.data.get(DATA_FOLLOWERS):  # the row as a message, if told
            self._tell(
                "message", thread, message=dict(zip(ROW_FIELDS, values, strict=True))
            )

    @callback
    def received(
        self,
        thread: str,
        number: str,
        port: str | None,
        at: float,
        text: str,
        message_id: str | None,
    ) -> None:
        """An incoming SMS fired."""
        self.count("received", port)
        if self.retention.keeps:  # `add`, its row written out (one at each SMS)
            now = time.time()
            self._keep(
                [None, now, thread, True, number, port, at, text, message_id, *UNSENT]
            )

    @callback
    def sent(
        self,
        rows: Sequence[tuple[str, str, str | None, str | None]],
        port: str | None,
        text: str,
    ) -> None:
        """Messages a send gave to the gateway, or that it refused.

        `rows`: (thread, number, message_id, refusal) of each recipient.
        """
        now = time.time()
        accepted = sum(refusal is None for _, _, _, refusal in rows)
        if accepted:
            self.count("sent", port, accepted)
        if refused := len(rows) - accepted:
            self.count("failed", port, refused)
        for thread, number, message_id, refusal in rows:
            self.add(
                added=now,
                thread=thread,
                incoming=False,
                number=number,
                port=port,
                time=now,
                text=text,
                message_id=message_id,
                status=DeliveryStatus.PENDING.value
                if refusal is None
                else DeliveryStatus.FAILED.value,
                error=refusal,
            )

    @callback
    def reported(self, data: dict[str, Any]) -> None:
        """A delivery report fired (`data`: its event's).

        Once per message and state, as the dedupe keys make it.
        """
        status = data["status"]
        if status in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
            self.count(status, data["port"])
        if data["message_id"] is None or not self.retention.keeps:
            return
        self.changes.append(
            [
                "status",
                data["message_id"],
                status,
                data["error_text"] or data["error_code"],
                data["parts"],
                data["parts_sent"],
            ]
        )
        self._tell(
            "status",
            None,
            message_id=data["message_id"],
            status=status,
            error=data["error_text"] or data["error_code"],
        )

    @callback
    def refused(self, message_id: str, reason: str, port: str | None) -> None:
        """A message kept as sent whose request the gateway then refused."""
        self.reported(
            {
                "message_id": message_id,
                "status": DeliveryStatus.FAILED.value,
                "error_text": reason,
                "error_code": None,
                "parts": None,
                "parts_sent": None,
                "port": port,
            }
        )

    @callback
    def read(self, thread: str) -> bool:
        """The thread was read, to its newest message; False: no such thread."""
        if (state := self.threads.get(thread)) is None:
            return False
        self.changes.append(["read", thread, state.last_id])
        state.read_up_to = state.last_id
        self._less_unread(state, state.unread)
        self._tell("read", thread, up_to=state.last_id)
        return True

    @callback
    def delete(self, thread: str, ids: list[int] | None, unread: int) -> None:
        """Messages deleted: the whole thread (`ids` None), or some by number.

        `unread` of them were unread.
        """
        if (state := self.threads.get(thread)) is None:
            return
        if ids is None:
            self.changes.append(["delete", thread, state.last_id, None])
            del self.threads[thread]
            unread = state.unread
        else:
            self.changes.append(["delete", thread, None, ids])
        self._less_unread(state, unread)
        self._tell("deleted", thread, ids=ids)

    @callback
    def pruned(self, before: int, unread: dict[str, int]) -> None:
        """The database dropped the messages numbered below `before`.

        `unread`: how many of them were unread, by thread.
        """
        for thread, count in unread.items():
            if (state := self.threads.get(thread)) is not None:
                self._less_unread(state, count)
        for thread in [t for t, s in self.threads.items() if s.last_id < before]:
            del self.threads[thread]

    def _less_unread(self, state: ThreadState, count: int) -> None:
        count = min(count, state.unread)
        if count:
            state.unread -= count
            self.unread -= count
            self._notify_soon()

    def _tell(self, kind: str, thread: str | None, **data: Any) -> None:
        """Tell the websocket subscribers (the panel, the card), if any."""
        if self.hass.data.get(DATA_FOLLOWERS):
            async_dispatcher_send(
                self.hass,
                SIGNAL_MESSAGES,
                {"type": kind, "entry_id": self.entry_id, "thread": thread, **data},
            )

    @callback
    def listen(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call `listener` when the counts change; returns the way to stop."""
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener)

    def _notify_soon(self) -> None:
        """Tell the listeners within a second.

        The sensors write their states once a second at most: a burst of
        pushes costs one state write each, not one per SMS.
        """
        if self._notify_timer is None and self.listeners:
            self._notify_timer = self.hass.loop.call_later(1, self._notify).cancel

    @callback
    def _notify(self) -> None:
        self._notify_timer = None
        for listener in list(self.listeners):
            listener()

    def close(self) -> None:
        """No more notices (the entry unloads)."""
        if self._notify_timer is not None:
            self._notify_timer()
            self._notify_timer = None
