"""The entry's database: what it survives, and what it keeps bounded."""

from __future__ import annotations

import asyncio
import gc
import logging
from pathlib import Path
import sqlite3
import threading
import time
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.sms_gateway import database as database_module, history_db
from custom_components.sms_gateway.batch import Batch
from custom_components.sms_gateway.database import (
    DATABASES,
    FLUSH_DELAY,
    SCHEMA_VERSION,
    database_path,
    databases,
)
from custom_components.sms_gateway.gateways.models import IncomingSms
from custom_components.sms_gateway.inbound import Inbound
from custom_components.sms_gateway.journal import journal_files, journal_lines

from .stored import on_disk, read_journal


async def test_a_file_that_is_not_a_database_is_moved_aside(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    path = database_path(hass, "entry")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database" * 100)
    inbound = Inbound(hass, "entry", "goip")
    await inbound.async_load()
    assert inbound.process([IncomingSms(sender="1", text="after")]) == 1
    assert len(on_disk(hass, "entry")["seen"]) == 1
    assert [p.name.split(".corrupt.")[0] for p in path.parent.glob("*.corrupt.*")] == [
        path.name
    ]
    assert "could not be read" in caplog.text


async def test_a_database_of_a_newer_version_is_read_as_far_as_it_can_be(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """A downgrade: the newer version's tables stay; ours are read."""
    first = Inbound(hass, "entry", "goip")
    await first.async_load()
    first.process([IncomingSms(sender="1", text="seen by the newer one")])
    await databases(hass).async_close_all()
    db = sqlite3.connect(database_path(hass, "entry"), isolation_level=None)
    db.execute("CREATE TABLE history (id INTEGER PRIMARY KEY)")
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()

    caplog.set_level(logging.WARNING)
    again = Inbound(hass, "entry", "goip")
    await again.async_load()
    assert again.process([IncomingSms(sender="1", text="seen by the newer one")]) == 0
    assert f"written by a newer version ({SCHEMA_VERSION + 1})" in caplog.text


async def test_the_journal_is_written_into_the_database_in_one_go(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Group commit: the loop appends lines; FLUSH_DELAY after the first, the
    executor writes them all in one transaction and the journal file goes.
    The next lines go to the spare file made ahead, and a new spare is made."""
    inbound = Inbound(hass, "entry", "goip")
    await inbound.async_load()
    path = database_path(hass, "entry")
    for index in range(25):
        inbound.process([IncomingSms(sender="1", text=f"sms {index}")])
    journals = journal_files(path)
    assert [len(read_journal(j)) for j in journals] == [25, 0]  # in use, spare
    assert committed(path) == 0
    freezer.tick(FLUSH_DELAY)
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert committed(path) == 25
    assert journal_files(path)[0] == journals[1]
    assert [len(read_journal(j)) for j in journal_files(path)] == [0, 0]


async def test_a_crash_leaves_the_journal_that_the_next_start_reads(
    hass: HomeAssistant,
) -> None:
    """Killed before the database had them: the next process reads the journal
    into it first; a line the crash cut short, or one that is no record, is
    left out."""
    inbound = Inbound(hass, "entry", "goip")
    await inbound.async_load()
    inbound.process([IncomingSms(sender="1", text="before the crash")])
    path = database_path(hass, "entry")
    in_use = journal_files(path)[0]
    written = len(in_use.read_bytes().rstrip(b"\0"))
    with in_use.open("r+b") as journal:  # where the next line would have gone
        journal.seek(written)
        journal.write(b'7\n[{"seen":[{"sms:cut')
    del hass.data[DATABASES]  # a new process: nothing of the old one is left

    after = Inbound(hass, "entry", "goip")
    await after.async_load()
    assert after.process([IncomingSms(sender="1", text="before the crash")]) == 0
    assert committed(path) == 1
    assert in_use not in journal_files(path)
    assert [len(read_journal(j)) for j in journal_files(path)] == [0, 0]


def committed(path: Path) -> int:
    """How many seen keys the database itself holds."""
    db = sqlite3.connect(path)
    try:
        return int(db.execute("SELECT COUNT(*) FROM log").fetchone()[0])
    finally:
        db.close()


async def test_held_pushes_are_bounded(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry that never loads does not fill the disk: the oldest go."""
    monkeypatch.setattr(database_module, "MAX_HELD", 3)
    database = await databases(hass).async_get("entry")
    for index in range(5):
        database.hold("POST", {}, {"Content-Type": "text/plain"}, f"{index}".encode())
    held = await database.async_held()
    assert [push.body for push in held] == [b"2", b"3", b"4"]
    assert held[0].headers == [["Content-Type", "text/plain"]]


async def test_rows_that_cannot_be_read_are_left_out(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """A value another version wrote differently: the rest loads, one warning
    names what was left out, and an unreadable held push is dropped."""
    database = await databases(hass).async_get("entry")
    database.hold("POST", {}, {}, b"{}")
    await databases(hass).async_close_all()
    db = sqlite3.connect(database_path(hass, "entry"), isolation_level=None)
    db.executemany(
        "INSERT INTO log VALUES (?, ?, ?, ?)",
        [("seen", "sms:kept", time.time(), None), ("sent", "1.1", 0, "{not json")],
    )
    db.execute("INSERT INTO meta VALUES ('inbox_cursor', '{not json')")
    db.execute("UPDATE held SET headers = '{not json'")
    db.close()

    caplog.set_level(logging.WARNING)
    inbound = Inbound(hass, "entry", "goip")
    await inbound.async_load()
    assert list(inbound.seen.items) == ["sms:kept"]
    assert "left out: inbox_cursor (not readable); sent: 1 of 1 entries" in caplog.text
    assert await inbound.database.async_held() == []
    await inbound.database.async_flush()
    assert on_disk(hass, "entry")["held"] == 0
    assert "sent" not in on_disk(hass, "entry")  # the unreadable row is gone


async def test_a_record_written_while_the_database_closes_is_kept(
    hass: HomeAssistant,
) -> None:
    """Home Assistant stops while a poll still writes: a record written during
    the close's last flush is in the database or the journal the next start
    reads, never in a journal file the close deletes."""
    database = await databases(hass).async_get("entry")
    database.write(meta={"before": 1})
    closing = hass.async_create_task(database.async_close())
    await asyncio.sleep(0)  # the close's flush has taken the first record
    database.write(meta={"during": 2})
    await closing
    with pytest.raises(RuntimeError):  # closed: nothing is acknowledged now
        database.write(meta={"after": 3})
    del hass.data[DATABASES]

    again = await databases(hass).async_get("entry")
    assert (await again.async_read()).meta == {"before": 1, "during": 2}


async def test_the_close_waits_for_a_query_in_progress(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A websocket read in the executor when Home Assistant stops: the close
    waits for it instead of failing its checkpoint ("database table is
    locked"), and the read gets its answer."""
    database = await databases(hass).async_get("entry")
    inside, release, closing_entered = (threading.Event() for _ in range(3))

    def slow_query(db: sqlite3.Connection) -> int:
        inside.set()
        release.wait(10)
        return int(db.execute("SELECT COUNT(*) FROM message").fetchone()[0])

    close = database._close

    def entered_close(*args: Any) -> None:
        closing_entered.set()
        close(*args)

    monkeypatch.setattr(database, "_close", entered_close)
    query = hass.async_create_task(database.async_query(slow_query))
    await hass.async_add_executor_job(inside.wait, 10)
    closing = hass.async_create_task(database.async_close())
    await hass.async_add_executor_job(closing_entered.wait, 10)
    release.set()
    assert await query == 0
    await closing
    assert not Path(f"{database_path(hass, 'entry')}-wal").exists()


async def test_a_flush_leaves_the_garbage_collector_nothing_to_follow(
    hass: HomeAssistant,
) -> None:
    """Thousands of records written and flushed: no collection of the garbage
    collector starts meanwhile. A list kept per record until the flush would be
    promoted by each collection, and the promotions bring full collections of
    Home Assistant's heap, which stop the event loop (`batch.py`)."""
    database = await databases(hass).async_get("entry")
    now = time.time()
    started: list[int] = []

    def count(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.collect()
    gc.callbacks.append(count)
    try:
        for index in range(5000):
            database.write(
                {"seen": ({f"sms:{index}": now}, [f"sms:{index - 1}"])},
                {"count_received": {"": index, "1": index}},
                history=[["add", [index + 1, now, "+86", True, "+86", "1", now, "t"]]],
            )
        await database.async_flush()
    finally:
        gc.callbacks.remove(count)
    assert started == []
    db = sqlite3.connect(database_path(hass, "entry"))
    try:
        assert db.execute("SELECT COUNT(*) FROM log").fetchall() == [(1,)]
        assert db.execute("SELECT COUNT(*) FROM message").fetchall() == [(5000,)]
    finally:
        db.close()


@pytest.mark.parametrize("variables", [999, 20, 9])
def test_received_rows_go_in_as_they_were_written(variables: int) -> None:
    """Received rows are bound as values, in statements of at most
    `MOST_ROWS` rows and within the database's limit of bound values (SQLite
    before 3.32 allowed 999), the rest in statements of 128, 64, ... rows:
    each row lands whole, its types kept, the one short of fields with them
    unset."""
    db = sqlite3.connect(":memory:", isolation_level=None)
    db.executescript(history_db.SCHEMA)
    db.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, variables)
    batch = Batch()
    rows = [
        [n, n + 0.5, f"+86{n % 7}", True, f"+86{n % 7}", str(n % 4), n * 2.0, f"t{n}"]
        + ([f"id{n}"] if n % 3 else [])
        for n in range(1, 300)
    ]
    for row in rows:
        batch.add({}, {}, [], [["add", row]])
    history_db.insert_received(db, batch.received)
    assert db.execute(
        "SELECT id, added, thread, incoming, number, port, time, text, message_id,"
        " status FROM message ORDER BY id"
    ).fetchall() == [
        (*row[:3], 1, *row[4:8], row[8] if len(row) > 8 else None, None) for row in rows
    ]


async def test_a_value_is_written_as_it_was_when_written(hass: HomeAssistant) -> None:
    """A counter's dict changes after its record was written: the database
    gets it as the journal line has it."""
    database = await databases(hass).async_get("entry")
    counter = {"": 1}
    database.write(meta={"count_received": counter})
    counter[""] = 2
    await database.async_flush()
    assert on_disk(hass, "entry")["count_received"] == {"": 1}


def _merged(batch: Batch) -> dict[str, Any]:
    """What a batch holds, to compare."""
    return {
        **{name: getattr(batch, name) for name in vars(Batch()) if name != "logs"},
        "logs": {
            name: (log.times, log.records, log.gone) for name, log in batch.logs.items()
        },
    }


@pytest.mark.parametrize(
    "change",
    [
        ["add", [None, 1.5, "+861", True, "+861", "1", 1.0, "hi", None]],
        ["add", [None, 1.5, "+861", False, "+861", "1", 1.5, "hi", "7", "pending"]],
        ["status", "7", "delivered", None, 1, 1],
    ],
    ids=["received", "sent", "status"],
)
async def test_a_received_sms_is_written_as_write_writes_it(
    hass: HomeAssistant, change: list[Any]
) -> None:
    """`write_one`, a received SMS's quicker path: the journal line and the
    merge that `write` makes of the same record, whatever the change."""
    quick = await databases(hass).async_get("quick")
    general = await databases(hass).async_get("general")
    counter = {"": 3, "1": 2}
    for database in (quick, general):
        database.write({"seen": ({"old": 1.0}, {"gone"})}, {"count_sent": {"": 1}})
    quick.write_one(
        "seen", {"key": 2.0, "gone": 2.5}, "count_received", counter, change
    )
    general.write(
        {"seen": ({"key": 2.0, "gone": 2.5}, set())},
        {"count_received": counter},
        (),
        [change],
    )
    assert _merged(quick._pending) == _merged(general._pending)
    lines = [journal_lines(database._journal.path) for database in (quick, general)]
    assert lines[0] == lines[1]
    assert len(lines[0]) == 2


async def test_a_received_sms_takes_the_quicker_path(hass: HomeAssistant) -> None:
    """An SMS's record goes by `write_one`; a record of more (a report that
    changes a sent message, an SMS with an inbox cursor) by `write`."""
    inbound = Inbound(hass, "entry", "goip")
    await inbound.async_load()
    database = inbound.database
    with (
        patch.object(database, "write", wraps=database.write) as general,
        patch.object(database, "write_one", wraps=database.write_one) as quick,
    ):
        inbound.process([IncomingSms(sender="+861", text="one", port="1")])
        assert (quick.call_count, general.call_count) == (1, 0)
        inbound.process_inbox([IncomingSms(sender="+861", text="two")], "9", True)
        assert (quick.call_count, general.call_count) == (1, 1)
        inbound.process(
            [IncomingSms(sender="+861", text="three"), IncomingSms("+862", "four")]
        )
        assert (quick.call_count, general.call_count) == (1, 2)
    await inbound.database.async_flush()
    stored = on_disk(hass, "entry")
    assert len(stored["seen"]) == 4
    assert stored["count_received"][""] == 4
