"""A flush's journal lines, merged into the parameters of its few statements.

The last change of a key wins, so a statement per table writes them all. What
the merge keeps until the statements run is held in objects the garbage
collector does not track (strings, bytes, numbers, and dicts of them): a
flush of thousands of lines that kept a list per line would have each of the
collector's passes in between promote them, and the promotions brought full
collections of Home Assistant's whole heap (170 ms each, every second or two
under a stream of pushes, measured in `bench/push_ingest.py`) that stopped
the event loop.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from .journal import decode_record


class Batch:
    """Journal records merged, in the order they were written."""

    def __init__(self) -> None:
        """Nothing yet."""
        # the logs' rows, by name and key: the row as JSON ([name, key, at, value])
        self.rows: dict[str, bytes] = {}
        self.gone: dict[str, bytes] = {}  # the logs' dropped keys: [name, key]
        self.meta: dict[str, Any] = {}
        self.held: list[int] = []  # held pushes processed
        # the message history: rows added (JSON), each message's last state
        # (JSON, by its id), read markers and deletions (few), in their order
        self.added: list[bytes] = []
        self.states: dict[str, bytes] = {}
        self.read: list[tuple[str, int]] = []
        self.deleted: list[list[Any]] = []

    def extend(self, lines: Iterable[bytes]) -> None:
        """Merge journal lines; one cut short by a crash is left out."""
        for line in lines:
            if (record := decode_record(line)) is None:
                continue
            logs, meta, held_done, changes = record
            for name, (changed, dropped) in logs.items():
                for key, value in changed.items():
                    joined = key_of(name, key)
                    self.rows[joined] = orjson.dumps([name, key, *_encode(value)])
                    self.gone.pop(joined, None)
                for key in dropped:
                    joined = key_of(name, key)
                    self.rows.pop(joined, None)
                    self.gone[joined] = orjson.dumps([name, key])
            self.meta.update(meta)
            self.held.extend(held_done)
            for change in changes:
                kind = change[0]
                if kind == "add":
                    self.added.append(orjson.dumps(change[1]))
                elif kind == "status":
                    self.states[change[1]] = orjson.dumps(change[1:])
                elif kind == "read":
                    self.read.append((change[1], change[2]))
                elif kind == "delete":
                    self.deleted.append(change[1:])

    @property
    def history(self) -> bool:
        """Whether the message history changed."""
        return bool(self.added or self.states or self.read or self.deleted)


def key_of(name: str, key: str) -> str:
    """A log's key, as one string."""
    return f"{name}\0{key}"


def json_array(items: Iterable[bytes]) -> str:
    """JSON values as one JSON array, for `json_each`."""
    return (b"[" + b",".join(items) + b"]").decode()


def _encode(value: Any) -> tuple[float, str | None]:
    """A log's value as its time and the rest (a bare time has no rest)."""
    if isinstance(value, dict):
        return float(value.get("at", 0)), orjson.dumps(value).decode()
    return float(value), None
