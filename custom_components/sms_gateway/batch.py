"""The journal's records not yet in the database, merged as they are written.

The last change of a key wins, so that a flush writes them all with a
statement per table. What is kept until the flush is held in objects the
garbage collector does not track (strings, bytes, numbers, and dicts and sets
of them): thousands of records kept as lists until a flush would have each of
the collector's passes promote them, and the promotions brought full
collections of Home Assistant's heap (170 ms each, every second or two under a
stream of pushes, measured in `bench/push_ingest.py`) that stopped the event
loop. Merging as they are written also leaves the flush no records to decode.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson

from .history import INCOMING, RECEIVED_FIELDS, Change
from .journal import decode_record


class LogChanges:
    """A log's changed and dropped keys, each as its last change left it.

    A changed key's value is a bare time, or a record with its time.
    """

    __slots__ = ("gone", "records", "times")

    def __init__(self) -> None:
        """None yet."""
        self.times: dict[str, float] = {}
        self.records: dict[str, bytes] = {}  # as JSON
        self.gone: set[str] = set()

    def merge(self, changed: Mapping[str, Any], dropped: Iterable[str]) -> None:
        """Merge a record's changes of the log."""
        for key, value in changed.items():
            if isinstance(value, dict):
                self.records[key] = orjson.dumps(value)
                self.times.pop(key, None)
            else:
                self.times[key] = float(value)
                self.records.pop(key, None)
            self.gone.discard(key)
        for key in dropped:
            self.times.pop(key, None)
            self.records.pop(key, None)
            self.gone.add(key)

    def records_json(self) -> str:
        """The records as one JSON object, for `json_each`."""
        return (
            b"{"
            + b",".join(
                orjson.dumps(key) + b":" + value for key, value in self.records.items()
            )
            + b"}"
        ).decode()


class Batch:
    """Journal records merged, in the order they were written."""

    def __init__(self) -> None:
        """Nothing yet."""
        self.count = 0  # records merged
        self.logs: dict[str, LogChanges] = {}
        # named values as JSON: as they were when written (a counter's dict
        # changes after)
        self.meta: dict[str, bytes] = {}
        self.held: list[int] = []  # held pushes processed
        # The message history: rows added (JSON; a received one without the
        # send's state, which it has none of, as its values one after the
        # other, `RECEIVED_FIELDS` each), each sent message's last state
        # (JSON, by its id), read markers and deletions (few), in their order.
        self.received: list[Any] = []
        self.added: list[bytes] = []
        self.states: dict[str, bytes] = {}
        self.read: list[tuple[str, int]] = []
        self.deleted: list[list[Any]] = []

    def __bool__(self) -> bool:
        """Whether it holds a record."""
        return self.count > 0

    def extend(self, lines: Iterable[bytes]) -> None:
        """Merge journal lines; one cut short by a crash is left out."""
        for line in lines:
            if (record := decode_record(line)) is not None:
                self.add(*record)

    def add(
        self,
        logs: Mapping[str, Any],
        meta: Mapping[str, Any],
        held_done: Iterable[int],
        changes: Iterable[list[Any]],
    ) -> None:
        """Merge one record (`journal.Record`)."""
        self.count += 1
        for name, (changed, dropped) in logs.items():
            if (log := self.logs.get(name)) is None:
                log = self.logs[name] = LogChanges()
            log.merge(changed, dropped)
        for name, value in meta.items():
            self.meta[name] = orjson.dumps(value)
        self.held.extend(held_done)
        for change in changes:
            self._change(change)

    def add_one(
        self,
        log: str,
        changed: Mapping[str, Any],
        name: str,
        value: Any,
        change: Change,
    ) -> None:
        """Merge a received SMS's record, as `add` would.

        One log's additions, one named value, one change of the history.
        """
        self.count += 1
        if (changes := self.logs.get(log)) is None:
            changes = self.logs[log] = LogChanges()
        changes.merge(changed, ())
        self.meta[name] = orjson.dumps(value)
        self._change(change)

    def _change(self, change: Change) -> None:
        """Merge one change of the message history."""
        kind = change[0]
        if kind == "add":
            row = change[1]
            if row[INCOMING] and not any(row[RECEIVED_FIELDS:]):
                values = row[:RECEIVED_FIELDS]
                self.received.extend(values)
                if len(values) < RECEIVED_FIELDS:  # a row's last fields unset
                    self.received.extend([None] * (RECEIVED_FIELDS - len(values)))
            else:
                self.added.append(orjson.dumps(row))
        elif kind == "status":
            self.states[change[1]] = orjson.dumps(change[1:])
        elif kind == "read":
            self.read.append((change[1], change[2]))
        elif kind == "delete":
            self.deleted.append(change[1:])

    @property
    def history(self) -> bool:
        """Whether the message history changed."""
        return bool(
            self.received or self.added or self.states or self.read or self.deleted
        )


def json_array(items: Iterable[bytes]) -> str:
    """JSON values as one JSON array, for `json_each`."""
    return (b"[" + b",".join(items) + b"]").decode()
