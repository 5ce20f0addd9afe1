"""The entry's durable state: one SQLite database per entry, in WAL mode.

What is acknowledged is durable: a push's dedupe key is written before its 200,
a send's message ids as soon as they are known. Each change is one small
transaction written from the event loop, right where the change is made (an
event fired and its key written with nothing in between that could run: a
crash cannot leave one without the other). A transaction in WAL mode with
`synchronous=NORMAL` is an append to the WAL file, a few tens of µs, and is on
disk for any crash of the process (SIGKILL, the out-of-memory killer); the WAL
is synced to the disk itself at each checkpoint, which runs in the executor.

The same database holds pushes that came while the entry was not loaded
(`held`), and later the message history (its tables come as new schema
versions: `SCHEMA` is applied step by step).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
import json
import logging
from pathlib import Path
import sqlite3
import time
from typing import Any

from homeassistant.const import EVENT_HOMEASSISTANT_CLOSE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)

# Each step brings the schema one version further; `PRAGMA user_version` says
# how far a database is.
SCHEMA = (
    """
    CREATE TABLE log (
        name TEXT NOT NULL,
        key TEXT NOT NULL,
        at REAL NOT NULL,
        value TEXT,
        PRIMARY KEY (name, key)
    ) WITHOUT ROWID;
    CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
    CREATE TABLE held (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        method TEXT NOT NULL,
        query TEXT NOT NULL,
        headers TEXT NOT NULL,
        body BLOB NOT NULL
    );
    """,
)
SCHEMA_VERSION = len(SCHEMA)
# A checkpoint (the WAL copied into the database and synced) after this many
# transactions, and at the latest this many seconds after the first of them.
CHECKPOINT_AFTER = 1000
# Pushes held for an entry that does not load: at most this many, the oldest go.
MAX_HELD = 10_000


def database_path(hass: HomeAssistant, entry_id: str) -> Path:
    """Where one entry's database lives, beside Home Assistant's own stores."""
    return Path(hass.config.path(".storage", f"{DOMAIN}.{entry_id}.db"))


@dataclass(slots=True)
class HeldPush:
    """A push that came while its entry was not loaded, as it came."""

    id: int
    method: str
    query: dict[str, str]
    headers: list[tuple[str, str]]  # in their order, a name maybe more than once
    body: bytes


@dataclass(slots=True)
class Stored:
    """What an earlier run left: the logs by name, and the named values."""

    logs: dict[str, dict[str, Any]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    newer: int | None = None  # the schema version, when a newer one wrote it
    problems: list[str] = field(default_factory=list)


class EntryDatabase:
    """One entry's database.

    Written from the event loop; opened, read and checkpointed in the executor.
    """

    def __init__(self, hass: HomeAssistant, path: Path) -> None:
        """Not open yet: `async_open`."""
        self.hass = hass
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._since_checkpoint = 0
        self._checkpointing = False
        self._newer: int | None = None
        self._moved_aside: str | None = None

    # -- opening and closing (executor) -------------------------------------

    async def async_open(self) -> None:
        """Open (and create or bring up to date) the database."""
        self._db = await self.hass.async_add_executor_job(self._open)
        if self._moved_aside:
            _LOGGER.warning(
                "The stored messages of %s could not be read (%s): the file was"
                " moved aside and the entry starts afresh",
                self.path.name,
                self._moved_aside,
            )

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return self._connect()
        except sqlite3.DatabaseError as err:
            self._moved_aside = type(err).__name__
            aside = self.path.with_name(f"{self.path.name}.corrupt.{int(time.time())}")
            self.path.rename(aside)
            for suffix in ("-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=5
        )
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            # Checkpoints run in the executor, never inside a write of the loop.
            db.execute("PRAGMA wal_autocheckpoint=0")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                self._newer = version
            for step in range(version, SCHEMA_VERSION):
                db.executescript(
                    f"BEGIN; {SCHEMA[step]} PRAGMA user_version={step + 1}; COMMIT;"
                )
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    async def async_close(self) -> None:
        """Checkpoint and close (Home Assistant stops, or the entry is deleted)."""
        if (db := self._db) is not None:
            self._db = None
            await self.hass.async_add_executor_job(_checkpoint_and_close, db)

    # -- reading (executor) --------------------------------------------------

    async def async_read(self) -> Stored:
        """Everything an earlier run stored, as far as it can be read."""
        return await self.hass.async_add_executor_job(self._read)

    def _read(self) -> Stored:
        stored = Stored(newer=self._newer)
        db = self._connection
        for name, key, at, value in db.execute(
            "SELECT name, key, at, value FROM log ORDER BY at"
        ):
            stored.logs.setdefault(name, {})[key] = _decode(value, at)
        for name, value in db.execute("SELECT name, value FROM meta"):
            try:
                stored.meta[name] = json.loads(value)
            except (TypeError, ValueError):
                stored.problems.append(name)
        return stored

    def held(self) -> list[HeldPush]:
        """The pushes held for the entry, oldest first (few: read in the loop)."""
        pushes = []
        for row_id, method, query, headers, body in self._connection.execute(
            "SELECT id, method, query, headers, body FROM held ORDER BY id"
        ):
            try:
                pushes.append(
                    HeldPush(
                        row_id, method, json.loads(query), json.loads(headers), body
                    )
                )
            except ValueError:
                self.forget_held([row_id])
        return pushes

    # -- writing (event loop) ----------------------------------------------

    @property
    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("the database is not open")
        return self._db

    @callback
    def write(
        self,
        logs: Mapping[str, tuple[Mapping[str, Any], Iterable[str]]] = {},
        meta: Mapping[str, Any] = {},
        held_done: Iterable[int] = (),
    ) -> None:
        """Write in one transaction.

        Each log's changed and dropped keys, named values, and the held pushes
        now processed.
        """
        db = self._connection
        db.execute("BEGIN")
        try:
            for name, (changed, dropped) in logs.items():
                if changed:
                    db.executemany(
                        "INSERT OR REPLACE INTO log VALUES (?, ?, ?, ?)",
                        [
                            (name, key, *_encode(value))
                            for key, value in changed.items()
                        ],
                    )
                if dropped:
                    db.executemany(
                        "DELETE FROM log WHERE name = ? AND key = ?",
                        [(name, key) for key in dropped],
                    )
            if meta:
                db.executemany(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    [(name, json.dumps(value)) for name, value in meta.items()],
                )
            if held_done := list(held_done):
                db.executemany(
                    "DELETE FROM held WHERE id = ?", [(row,) for row in held_done]
                )
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        self._written()

    @callback
    def hold(
        self,
        method: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> None:
        """Keep a push for when the entry is loaded (then `held`)."""
        db = self._connection
        db.execute("BEGIN")
        db.execute(
            "INSERT INTO held (at, method, query, headers, body) VALUES (?, ?, ?, ?, ?)",
            (
                time.time(),
                method,
                json.dumps(query),
                json.dumps(list(headers.items())),
                body,
            ),
        )
        db.execute(
            "DELETE FROM held WHERE id <= (SELECT MAX(id) FROM held) - ?", (MAX_HELD,)
        )
        db.execute("COMMIT")
        self._written()

    @callback
    def forget_held(self, row_ids: Iterable[int]) -> None:
        """Drop held pushes that cannot be read."""
        self.write(held_done=row_ids)

    @callback
    def _written(self) -> None:
        """Count a transaction; checkpoint in the executor now and then."""
        self._since_checkpoint += 1
        if self._since_checkpoint >= CHECKPOINT_AFTER and not self._checkpointing:
            self._checkpointing = True
            self._since_checkpoint = 0
            self.hass.async_create_background_task(
                self._async_checkpoint(), f"{DOMAIN} checkpoint {self.path.name}"
            )

    async def _async_checkpoint(self) -> None:
        try:
            await self.hass.async_add_executor_job(_checkpoint, self.path)
        finally:
            self._checkpointing = False


def _checkpoint(path: Path) -> None:
    """Copy the WAL into the database and sync both, beside the loop's writes."""
    db = sqlite3.connect(path, isolation_level=None, timeout=5)
    try:
        db.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        db.close()


def _checkpoint_and_close(db: sqlite3.Connection) -> None:
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def _encode(value: Any) -> tuple[float, str | None]:
    """A log's value as its time and the rest (a bare time has no rest)."""
    if isinstance(value, dict):
        return float(value.get("at", 0)), json.dumps(value)
    return float(value), None


def _decode(value: str | None, at: float) -> Any:
    """A log's value as written; what cannot be read stays unreadable."""
    if value is None:
        return at
    try:
        return json.loads(value)
    except ValueError:
        return value


class Databases:
    """The open databases of the integration's entries, one each."""

    def __init__(self, hass: HomeAssistant) -> None:
        """None open yet; all are closed when Home Assistant stops."""
        self.hass = hass
        self._open: dict[str, EntryDatabase] = {}
        self._lock = asyncio.Lock()  # one opening at a time
        hass.bus.async_listen_once(EVENT_HOMEASSISTANT_CLOSE, self.async_close_all)

    async def async_get(self, entry_id: str) -> EntryDatabase:
        """The entry's database, opened at its first use."""
        async with self._lock:
            if (database := self._open.get(entry_id)) is None:
                database = EntryDatabase(self.hass, database_path(self.hass, entry_id))
                await database.async_open()
                self._open[entry_id] = database
            return database

    async def async_remove(self, entry_id: str) -> None:
        """Close and delete the entry's database."""
        async with self._lock:
            if (database := self._open.pop(entry_id, None)) is not None:
                await database.async_close()
            await self.hass.async_add_executor_job(
                _delete, database_path(self.hass, entry_id)
            )

    async def async_close_all(self, _: Event | None = None) -> None:
        """Checkpoint and close them all (Home Assistant stops)."""
        async with self._lock:
            for database in self._open.values():
                await database.async_close()
            self._open.clear()


def _delete(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


DATABASES: HassKey[Databases] = HassKey(f"{DOMAIN}_databases")


@callback
def databases(hass: HomeAssistant) -> Databases:
    """The integration's databases, one per entry."""
    if (found := hass.data.get(DATABASES)) is None:
        found = hass.data[DATABASES] = Databases(hass)
    return found
