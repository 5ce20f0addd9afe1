"""What an entry's database holds, read as another process would read it."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from homeassistant.core import HomeAssistant

from custom_components.sms_gateway.database import database_path


def on_disk(hass: HomeAssistant, entry_id: str) -> dict[str, Any]:
    """The logs by name and the named values, from the file itself.

    A connection of its own reads what the entry's connection committed: what
    a process started after a crash would find.
    """
    path = database_path(hass, entry_id)
    if not path.exists():
        return {}
    db = sqlite3.connect(path)
    try:
        found: dict[str, Any] = {}
        for name, key, at, value in db.execute("SELECT name, key, at, value FROM log"):
            found.setdefault(name, {})[key] = at if value is None else json.loads(value)
        for name, value in db.execute("SELECT name, value FROM meta"):
            found[name] = json.loads(value)
        found["held"] = db.execute("SELECT COUNT(*) FROM held").fetchone()[0]
        return found
    finally:
        db.close()


def put_meta(hass: HomeAssistant, entry_id: str, name: str, value: Any) -> None:
    """Change a named value in the file, as another version could have left it."""
    db = sqlite3.connect(database_path(hass, entry_id), isolation_level=None)
    try:
        db.execute(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, json.dumps(value))
        )
    finally:
        db.close()
