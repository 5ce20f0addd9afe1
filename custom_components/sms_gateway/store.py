"""Bounded logs of what was seen and sent, read in any shape.

Also the JSON store that earlier versions kept them in (read once, into the
database).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from itertools import islice
import time
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .compat import LATER_STORES_READABLE
from .const import DOMAIN

STORAGE_VERSION = 1
MAX_SEEN = 10_000
MAX_SENT = 10_000
MAX_AGE = 7 * 24 * 3600


class BoundedLog:
    """Keys with the time they were added, oldest first, bounded in count and age.

    A plain dict: it takes a bulk send's thousands of keys three times as
    fast as an `OrderedDict`. Dropping its oldest leaves holes at its start
    that every later look at the oldest walks past. So beyond `max_items`, the
    oldest go once an eighth more has come, all at once, and the dict is made
    anew without them: it holds at most `max_items` and an eighth. (At 10,000
    keys, dropping one at each add made an add cost 1.7 to 2.2 times one
    below the bound; an eighth at a time, 1.5 to 1.7 times.)
    Those too old go one by one, and once an eighth of its size was dropped
    so, it is made anew.

    What changed since `take_changes` was last called (added or replaced,
    dropped) is kept for the database.
    """

    def __init__(
        self,
        max_items: int,
        max_age: float,
        valid: Callable[[Any], bool] = lambda _: True,
    ) -> None:
        """Start empty; `valid` tells a readable value when loading."""
        self.items: dict[str, Any] = {}
        self._max_items = max_items
        self._max_age = max_age
        self._valid = valid
        self._dropped = 0  # since the dict was last made anew
        self.changed: dict[str, Any] = {}
        self.gone: set[str] = set()

    def load(self, items: Any) -> str | None:
        """Take `items` as saved, within the bounds; what could not be read.

        Whatever shape was saved: entries that are not readable are left out,
        and the rest is put back in the order they were added.
        """
        if not isinstance(items, Mapping):
            self.items = {}
            return f"{type(items).__name__}, not a mapping"
        readable = [
            (key, value)
            for key, value in items.items()
            if isinstance(key, str) and self._valid(value)
        ]
        readable.sort(key=lambda item: added_at(item[1]))
        self.items = dict(readable)
        self.changed = {}
        self.gone = {key for key in items if isinstance(key, str)} - self.items.keys()
        self._dropped = 0
        self.prune()
        if unreadable := len(items) - len(readable):
            return f"{unreadable} of {len(items)} entries"
        return None

    def add(self, key: str, value: Any) -> None:
        """Add or replace `key`, as the newest; drop what is too old or too many."""
        items = self.items
        items.pop(key, None)  # replaced: it moves to the end
        items[key] = value
        self.changed[key] = value
        self.gone.discard(key)  # dropped since the last write, and back
        self.prune()

    def touch(self, key: str) -> None:
        """`key`'s value was changed in place: write it again."""
        if (value := self.items.get(key)) is not None:
            self.changed[key] = value

    def add_all(self, added: dict[str, Any]) -> None:
        """Add or replace each key, as the newest; then drop what is beyond the bounds.

        Set operations and `update`, not a loop: a bulk send adds thousands.
        """
        items = self.items
        for key in added.keys() & items.keys():
            del items[key]  # replaced: it moves to the end
        items.update(added)
        self.changed.update(added)
        if self.gone:
            self.gone -= added.keys()
        self.prune()

    def prune(self, now: float | None = None) -> None:
        """Drop the oldest items beyond the bounds."""
        items = self.items
        if (excess := len(items) - self._max_items) > self._max_items // 8:
            for key in islice(items, excess):
                self.changed.pop(key, None)
                self.gone.add(key)
            self.items = items = dict(islice(items.items(), excess, None))
            self._dropped = 0
        dropped = 0
        cutoff = (now or time.time()) - self._max_age
        while items and added_at(next(iter(items.values()))) < cutoff:
            self._drop(next(iter(items)))
            dropped += 1
        self._dropped += dropped
        if dropped and self._dropped >= len(items) // 8:
            self.items = dict(items)
            self._dropped = 0

    def _drop(self, key: str) -> None:
        del self.items[key]
        self.changed.pop(key, None)
        self.gone.add(key)

    def take_added(self) -> dict[str, Any] | None:
        """What was added since the last call, where that is all (as at an SMS).

        None, and nothing taken, where keys were also dropped, or none added.
        """
        if self.gone or not self.changed:
            return None
        changed, self.changed = self.changed, {}
        return changed

    def take_changes(self) -> tuple[dict[str, Any], set[str]] | None:
        """What changed since the last call: (added or replaced, dropped)."""
        if not self.changed and not self.gone:
            return None
        changes = self.changed, self.gone
        self.changed, self.gone = {}, set()
        return changes


def added_at(value: Any) -> float:
    """When an entry was added: its time, or its record's."""
    return float(value["at"] if isinstance(value, dict) else value)


def is_time(value: Any) -> bool:
    """A time as saved: seconds since the epoch."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_record(value: Any) -> bool:
    """A sent message's record as saved: an object with its time."""
    return isinstance(value, dict) and is_time(value.get("at"))


def is_reference(value: Any) -> bool:
    """A vendor reference's record: its time and the message id it stands for."""
    return is_record(value) and isinstance(value.get("id"), str)


class EntryStore(Store[Any]):
    """The JSON store of versions before the database, read whatever wrote it."""

    newer: int | None = None  # the major version, when a newer one wrote it

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """The store of one config entry, kept from other users of the system."""
        super().__init__(
            hass,
            STORAGE_VERSION,
            f"{DOMAIN}.{entry_id}",
            private=True,
            **LATER_STORES_READABLE,
        )

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: Any
    ) -> Any:
        """Nothing to migrate from: a later version's data is read as far as can be."""
        if old_major_version > STORAGE_VERSION:
            self.newer = old_major_version
        return old_data
