"""What an entry's database holds, read as another process would read it."""

from __future__ import annotations

import json
from pathlib import Path
import sqlite3
from typing import Any

from homeassistant.core import HomeAssistant

from custom_components.sms_gateway.database import database_path
from custom_components.sms_gateway.history import ROW_FIELDS
from custom_components.sms_gateway.journal import (
    Record,
    decode_record,
    journal_files,
    journal_lines,
)


def read_journal(journal: Path) -> list[Record]:
    """A journal file's records, as the next start reads them."""
    return [
        record
        for line in journal_lines(journal)
        if (record := decode_record(line)) is not None
    ]


def on_disk(hass: HomeAssistant, entry_id: str) -> dict[str, Any]:
    """The logs by name, the named values and the number of held pushes, from
    the files themselves: what a process started after a crash would find.

    The database as committed (a connection of its own), then the journal's
    lines not yet written into it.
    """
    path = database_path(hass, entry_id)
    if not path.exists():
        return {}
    db = sqlite3.connect(path)
    try:
        found: dict[str, Any] = {}
        for name, key, at, value in db.execute("SELECT name, key, at, value FROM log"):
            found.setdefault(name, {})[key] = at if value is None else _read(value)
        for name, value in db.execute("SELECT name, value FROM meta"):
            found[name] = _read(value)
        held = {row for (row,) in db.execute("SELECT id FROM held")}
        messages = {
            row[0]: dict(zip(ROW_FIELDS, row, strict=True))
            for row in db.execute(f"SELECT {', '.join(ROW_FIELDS)} FROM message")
        }
    finally:
        db.close()
    for journal in journal_files(path):
        for logs, meta, held_done, changes in read_journal(journal):
            for name, (changed, dropped) in logs.items():
                log = found.setdefault(name, {})
                log.update(changed)
                for key in dropped:
                    log.pop(key, None)
            found.update(meta)
            held.difference_update(held_done)
            _apply(messages, changes)
    found["held"] = len(held)
    found["messages"] = [messages[key] for key in sorted(messages)]
    return found


def _apply(messages: dict[int, dict[str, Any]], changes: list[list[Any]]) -> None:
    """The history's changes, as `history_db.apply_changes` makes them."""
    for kind, *rest in changes:
        if kind == "add":
            messages[rest[0][0]] = dict(zip(ROW_FIELDS, rest[0], strict=True))
        elif kind == "status":
            for message in messages.values():
                if not message["incoming"] and message["message_id"] == rest[0]:
                    message["status"], message["error"] = rest[1], rest[2]
        elif kind == "delete":
            thread, up_to, ids = rest
            for key in [
                key
                for key, message in messages.items()
                if message["thread"] == thread
                and (key in ids if ids is not None else key <= up_to)
            ]:
                del messages[key]


def _read(value: str) -> Any:
    """JSON as written; what is not JSON as it is."""
    try:
        return json.loads(value)
    except ValueError:
        return value


def put_meta(hass: HomeAssistant, entry_id: str, name: str, value: Any) -> None:
    """Change a named value in the file, as another version could have left it."""
    db = sqlite3.connect(database_path(hass, entry_id), isolation_level=None)
    try:
        db.execute(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, json.dumps(value))
        )
    finally:
        db.close()
