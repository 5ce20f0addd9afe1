"""The entry's durable state: a SQLite database with a journal in front.

What is acknowledged is durable: a push's dedupe key is written before its 200,
a send's message ids as soon as they are known. Each change is appended, as
one line, to the entry's journal file from the event loop, right where the
change is made: an event fired and its key written with nothing in between that
could run, so a crash cannot leave one without the other. An append is a copy
of a few hundred bytes into the journal file mapped in memory (`journal`), no
system call, and is kept by the kernel however the process ends (SIGKILL, the
out-of-memory killer).

The executor then writes the journal's lines into the database in one
transaction (group commit, `synchronous=FULL`: synced to the disk), at most
`FLUSH_DELAY` after the first of them, and deletes that journal file (the spare
one, made ahead by the last flush, takes the next lines). At start, journal files left by a crash are written
into the database first; each line is idempotent, and a line cut short by the
crash is left out.

The database also holds pushes that came while the entry was not loaded
(`held`), and the message history (`history_db`); new tables come as new
schema versions: `SCHEMA` is applied step by step.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
import json
import logging
from pathlib import Path
import sqlite3
import threading
import time
from typing import Any

from homeassistant.const import EVENT_HOMEASSISTANT_CLOSE
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey
import orjson

from . import history_db
from .batch import Batch, LogChanges
from .const import DOMAIN
from .history import Change, Retention
from .journal import (
    JournalFile,
    Record,
    journal_files,
    journal_lines,
    journal_number,
)

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
    history_db.SCHEMA,
)
SCHEMA_VERSION = len(SCHEMA)
# The journal's lines are written into the database this long after the first.
FLUSH_DELAY = 0.5
# Pushes held for an entry that does not load: at most this many, the oldest go.
MAX_HELD = 10_000

# What changed of each log: (changed, dropped).
type Changes = dict[str, tuple[Mapping[str, Any], Iterable[str]]]


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
    """One entry's database and journal.

    The journal is appended to in the event loop; the database is opened,
    read and written in the executor (one connection, one thread at a time),
    except for holding pushes, which a second connection writes in the loop.
    """

    def __init__(self, hass: HomeAssistant, path: Path) -> None:
        """Not open yet: `async_open`."""
        self.hass = hass
        self.path = path
        self._writer: sqlite3.Connection | None = None
        self._loop_db: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # the writer connection, one thread at a time
        self._journal: JournalFile | None = None  # the lines go here
        self._spare: JournalFile | None = None  # the next, made ahead
        self._journal_number = 0  # of the next journal file to make
        # In the journal, not yet in the database: the records, merged as they
        # are written (`Batch` keeps nothing the garbage collector follows).
        self._pending = Batch()
        self._flushes = asyncio.Lock()
        self._flush_timer: asyncio.TimerHandle | None = None
        self._newer: int | None = None
        self._moved_aside: str | None = None
        # how much message history is kept (the entry's options), and who is
        # told when a write dropped messages beyond it
        self.retention = Retention()
        self.on_pruned: Callable[[int, dict[str, int]], None] | None = None

    # -- opening and closing ---------------------------------------------

    async def async_open(self) -> None:
        """Open (create, bring up to date, replay a crash's journal)."""
        await self.hass.async_add_executor_job(self._open)
        if self._moved_aside:
            _LOGGER.warning(
                "The stored messages of %s could not be read (%s): the file was"
                " moved aside and the entry starts afresh",
                self.path.name,
                self._moved_aside,
            )

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._writer = self._connect(synchronous="FULL")
        except sqlite3.DatabaseError as err:
            self._moved_aside = type(err).__name__
            aside = self.path.with_name(f"{self.path.name}.corrupt.{int(time.time())}")
            self.path.rename(aside)
            for suffix in ("-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self._writer = self._connect(synchronous="FULL")
        # Holding a push commits in the loop: no sync, no checkpoint there.
        self._loop_db = self._connect(synchronous="NORMAL", autocheckpoint=0)
        journals = journal_files(self.path)
        for journal in journals:
            batch = Batch()
            batch.extend(journal_lines(journal))
            self._apply(batch)
            journal.unlink()
        if journals:
            self._journal_number = (journal_number(journals[-1]) or 0) + 1
        self._journal = JournalFile(self._next_journal_path())
        self._spare = JournalFile(self._next_journal_path())

    def _connect(
        self, synchronous: str, autocheckpoint: int = 1000
    ) -> sqlite3.Connection:
        db = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=5
        )
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(f"PRAGMA synchronous={synchronous}")
            db.execute(f"PRAGMA wal_autocheckpoint={autocheckpoint}")
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

    def _next_journal_path(self) -> Path:
        """A journal file's name, numbered in the order they are written to."""
        self._journal_number += 1
        return self.path.with_name(
            f"{self.path.name}.journal.{self._journal_number - 1}"
        )

    async def async_close(self) -> None:
        """Write the journal into the database, and close.

        Home Assistant stops, or the entry is deleted. No flush starts while
        it closes; a record written during its last flush is flushed too.
        The journal and the connections are taken away in the loop: a write
        after that fails (nothing is acknowledged then), and the executor
        closes the writer once a query in progress has let go of it.
        """
        async with self._flushes:
            while self._pending:
                await self._flush()  # cancels the flush timer
            journals = (self._journal, self._spare)
            loop_db, self._loop_db = self._loop_db, None
            self._journal = self._spare = None
            if self._writer is not None:
                await self.hass.async_add_executor_job(self._close, journals, loop_db)

    def _close(
        self,
        journals: tuple[JournalFile | None, ...],
        loop_db: sqlite3.Connection | None,
    ) -> None:
        for journal in journals:
            if journal is not None:
                journal.remove()  # empty: flushed before
        if loop_db is not None:
            loop_db.close()
        with self._lock:  # a query in progress ends first
            if self._writer is None:
                return
            try:  # the WAL into the database: the next start reads one file
                self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.Error as err:  # the next start reads the WAL
                _LOGGER.debug("No checkpoint of %s: %s", self.path.name, err)
            self._writer.close()
            self._writer = None

    # -- reading -----------------------------------------------------------

    async def async_read(self) -> Stored:
        """Everything earlier runs stored, as far as it can be read."""
        await self.async_flush()
        return await self.hass.async_add_executor_job(self._read)

    def _read(self) -> Stored:
        stored = Stored(newer=self._newer)
        with self._lock:
            db = _opened(self._writer)
            # in no order: `BoundedLog.load` puts each log in the order of its times
            for name, key, at, value in db.execute(
                "SELECT name, key, at, value FROM log"
            ).fetchall():
                stored.logs.setdefault(name, {})[key] = (
                    at if value is None else _decode(value)
                )
            for name, value in db.execute("SELECT name, value FROM meta"):
                try:
                    stored.meta[name] = json.loads(value)
                except (TypeError, ValueError):
                    stored.problems.append(name)
        return stored

    async def async_held(self) -> list[HeldPush]:
        """The pushes held for the entry and not yet processed, oldest first."""
        await self.async_flush()
        pushes = []
        for row_id, method, query, headers, body in _opened(self._loop_db).execute(
            "SELECT id, method, query, headers, body FROM held ORDER BY id"
        ):
            try:
                pushes.append(
                    HeldPush(
                        row_id, method, json.loads(query), json.loads(headers), body
                    )
                )
            except ValueError:
                self.write(held_done=[row_id])
        return pushes

    # -- writing -------------------------------------------------------------

    @callback
    def write(
        self,
        logs: Changes | None = None,
        meta: Mapping[str, Any] | None = None,
        held_done: Iterable[int] = (),
        history: list[Change] | None = None,
    ) -> None:
        """Append one record to the journal: durable when this returns.

        Each log's changed and dropped keys, named values, the held pushes
        now processed, and the message history's changes. The database gets
        it within `FLUSH_DELAY`.
        """
        record: Record = (
            {
                name: [changed, list(dropped)]
                for name, (changed, dropped) in logs.items()
            }
            if logs
            else {},
            dict(meta) if meta else {},
            list(held_done),
            history or [],
        )
        if not any(record):
            return
        self._append(record)
        self._pending.add(*record)

    @callback
    def write_one(
        self, log: str, changed: dict[str, Any], name: str, value: Any, change: Change
    ) -> None:
        """`write` of a received SMS's record: the same line, made quicker.

        One log's additions, one named value, one change of the message
        history, without `write`'s look at every part: 3 µs of the 27 an SMS
        takes in the loop, timed alone (`bench/push_ingest.py`).
        """
        self._append(({log: [changed, []]}, {name: value}, [], [change]))
        self._pending.add_one(log, changed, name, value, change)

    def _append(self, record: Record) -> None:
        """Put a record's line in the journal; the database gets it soon."""
        _opened(self._journal).append(
            orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)
        )
        if self._flush_timer is None:
            self._flush_timer = self.hass.loop.call_later(FLUSH_DELAY, self._flush_soon)

    @callback
    def hold(
        self,
        method: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        body: bytes,
    ) -> None:
        """Keep a push for when the entry is loaded (then `async_held`)."""
        db = _opened(self._loop_db)
        db.execute("BEGIN IMMEDIATE")
        with db:  # commits, or rolls back on an error
            db.execute(
                "INSERT INTO held (at, method, query, headers, body)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    time.time(),
                    method,
                    json.dumps(query),
                    json.dumps(list(headers.items())),
                    body,
                ),
            )
            db.execute(
                "DELETE FROM held WHERE id <= (SELECT MAX(id) FROM held) - ?",
                (MAX_HELD,),
            )

    @callback
    def _flush_soon(self) -> None:
        self._flush_timer = None
        self.hass.async_create_background_task(
            self.async_flush(), f"{DOMAIN} write {self.path.name}"
        )

    async def async_flush(self) -> None:
        """Write what the journal holds into the database now."""
        async with self._flushes:
            await self._flush()

    async def _flush(self) -> None:
        """`async_flush`, its lock held."""
        if not self._pending:
            return
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        if self._spare is None:  # the last flush failed
            self._spare = await self.hass.async_add_executor_job(
                JournalFile, self._next_journal_path()
            )
        batch, self._pending = self._pending, Batch()
        # The next lines go to the spare journal file (made by the last
        # flush); this one goes once the database has its lines.
        done = _opened(self._journal)
        self._journal, self._spare = self._spare, None
        self._spare, (before, unread) = await self.hass.async_add_executor_job(
            self._flushed, batch, done, self._next_journal_path(), time.time()
        )
        if before and self.on_pruned is not None:
            self.on_pruned(before, unread)

    def _flushed(
        self, batch: Batch, done: JournalFile, spare: Path, now: float
    ) -> tuple[JournalFile, tuple[int, dict[str, int]]]:
        """Apply `batch`, delete its journal file, make the next spare one.

        `now`: the loop's time (the history's ages are counted from it).
        """
        pruned = self._apply(batch, now)
        done.remove()
        return JournalFile(spare), pruned

    def _apply(
        self, batch: Batch, now: float | None = None
    ) -> tuple[int, dict[str, int]]:
        """Write the journal's records, merged, in one transaction.

        A statement per table, not per record. Returns what
        `history_db.prune` dropped.
        """
        with self._lock:
            db = _opened(self._writer)
            db.execute("BEGIN")
            with db:  # commits, or rolls back on an error
                # One statement per table, its rows in one JSON parameter: a
                # statement per row would give up and take back the GIL at
                # each row, and wait for the busy event loop to let go of it.
                for name, log in batch.logs.items():
                    _write_log(db, name, log)
                db.executemany(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    [(name, value.decode()) for name, value in batch.meta.items()],
                )
                db.executemany(
                    "DELETE FROM held WHERE id = ?", [(row,) for row in batch.held]
                )
                if not batch.history:
                    return 0, {}
                history_db.apply_changes(db, batch)
                return history_db.prune(db, self.retention, now)

    async def async_query[R](self, query: Callable[..., R], *args: Any) -> R:
        """`query(connection, *args)` in the executor, the journal flushed first.

        A history read sees every change made before it.
        """
        await self.async_flush()
        return await self.hass.async_add_executor_job(self._query, query, args)

    def _query[R](self, query: Callable[..., R], args: tuple[Any, ...]) -> R:
        with self._lock:
            db = _opened(self._writer)
            db.execute("BEGIN")
            with db:  # commits what a query changed (`history_db.prune`)
                return query(db, *args)


def _write_log(db: sqlite3.Connection, name: str, log: LogChanges) -> None:
    """One log's changes: a statement for its times, its records, its drops.

    Over a JSON object of the keys, which `json_each` reads with no parse of
    each row (`json_extract` would parse each again).
    """
    if log.times:
        db.execute(
            "INSERT OR REPLACE INTO log (name, key, at, value)"
            " SELECT ?, key, value, NULL FROM json_each(?)",
            (name, orjson.dumps(log.times).decode()),
        )
    if log.records:
        db.execute(
            "INSERT OR REPLACE INTO log (name, key, at, value)"
            " SELECT ?, key, COALESCE(json_extract(value, '$.at'), 0), value"
            " FROM json_each(?)",
            (name, log.records_json()),
        )
    if log.gone:
        db.execute(
            "DELETE FROM log WHERE name = ? AND key IN"
            " (SELECT value FROM json_each(?))",
            (name, orjson.dumps(list(log.gone)).decode()),
        )


def _opened[T](part: T | None) -> T:
    """A connection or journal of the database, which must be open."""
    if part is None:
        raise RuntimeError("the database is not open")
    return part


def _decode(value: str) -> Any:
    """A log's record as written; what cannot be read stays unreadable."""
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
    for journal in journal_files(path):
        journal.unlink()


DATABASES: HassKey[Databases] = HassKey(f"{DOMAIN}_databases")


@callback
def databases(hass: HomeAssistant) -> Databases:
    """The integration's databases, one per entry."""
    if (found := hass.data.get(DATABASES)) is None:
        found = hass.data[DATABASES] = Databases(hass)
    return found
