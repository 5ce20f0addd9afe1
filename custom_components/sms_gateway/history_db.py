"""The message history in the entry's database: its tables, writes and reads.

Runs in the executor, on the database's writer connection. Messages are
numbered by the loop (`history.History`) in the order they came; a
conversation is a thread (the other party's number in the vendor's form), its
read marker the number of the last message read.
"""

from __future__ import annotations

from functools import cache
import sqlite3
import time
from typing import Any

import orjson

from .batch import Batch, json_array
from .history import RECEIVED_FIELDS, ROW_FIELDS, Retention, ThreadState

# The schema step that brings the history (database.SCHEMA).
SCHEMA = """
    CREATE TABLE message (
        id INTEGER PRIMARY KEY,
        added REAL NOT NULL,
        thread TEXT NOT NULL,
        incoming INTEGER NOT NULL,
        number TEXT NOT NULL,
        port TEXT,
        time REAL,
        text TEXT NOT NULL,
        message_id TEXT,
        status TEXT,
        error TEXT,
        parts INTEGER,
        parts_sent INTEGER
    );
    CREATE INDEX message_thread ON message (thread, id);
    CREATE INDEX message_sent ON message (message_id) WHERE incoming = 0;
    CREATE TABLE thread (
        thread TEXT PRIMARY KEY,
        read_up_to INTEGER NOT NULL
    ) WITHOUT ROWID;
"""

_COLUMNS = ", ".join(ROW_FIELDS)


# Other rows (a send's, with its state), each a JSON array in one JSON array.
_INSERT = (
    f"INSERT OR REPLACE INTO message ({_COLUMNS}) SELECT "
    + ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(ROW_FIELDS)))
    + " FROM json_each(?)"
)
# Received rows go in as bound values, at most this many rows a statement.
MOST_ROWS = 256


@cache
def _insert_received(rows: int) -> str:
    """`rows` received rows (their fields before the send's state) as values."""
    row = f"({', '.join('?' * RECEIVED_FIELDS)})"
    return (
        f"INSERT OR REPLACE INTO message ({', '.join(ROW_FIELDS[:RECEIVED_FIELDS])})"
        f" VALUES {', '.join([row] * rows)}"
    )


def insert_received(db: sqlite3.Connection, values: list[Any]) -> None:
    """Received rows, their values one after the other, in a few statements.

    Bound values cost the database about two thirds of what a JSON row costs (each
    `json_extract` parses the row again). A statement per row would give up
    and take back the GIL at each row; here a statement holds up to
    `MOST_ROWS` rows, and the rest go in statements of 128, 64, ... rows,
    so that a handful of statements are prepared once and cached.
    """
    most = max(
        1,
        min(
            MOST_ROWS,
            db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // RECEIVED_FIELDS,
        ),
    )
    rows, start = len(values) // RECEIVED_FIELDS, 0
    while rows:
        count = most if rows >= most else 1 << (rows.bit_length() - 1)
        end = start + count * RECEIVED_FIELDS
        db.execute(_insert_received(count), values[start:end])
        start, rows = end, rows - count


def apply_changes(db: sqlite3.Connection, batch: Batch) -> None:
    """Write the history's changes, in a transaction the caller holds.

    Rows are inserted in a few statements; a message's states are merged (the
    last wins); read markers only move forward; deletions come last, so a
    message added and deleted in one batch is gone. Each change is
    idempotent: a journal applied twice (a crash between the database's
    commit and the journal's removal) changes nothing more.
    """
    if batch.received:
        insert_received(db, batch.received)
    if batch.added:
        db.execute(_INSERT, (json_array(batch.added),))
    if batch.states:
        db.execute(
            "UPDATE message SET status = s.status, error = s.error,"
            " parts = COALESCE(s.parts, message.parts),"
            " parts_sent = COALESCE(s.parts_sent, message.parts_sent)"
            " FROM (SELECT json_extract(value, '$[0]') AS message_id,"
            " json_extract(value, '$[1]') AS status,"
            " json_extract(value, '$[2]') AS error,"
            " json_extract(value, '$[3]') AS parts,"
            " json_extract(value, '$[4]') AS parts_sent FROM json_each(?)) AS s"
            " WHERE message.incoming = 0 AND message.message_id = s.message_id",
            (json_array(batch.states.values()),),
        )
    db.executemany(
        "INSERT INTO thread VALUES (?, ?) ON CONFLICT (thread)"
        " DO UPDATE SET read_up_to = MAX(read_up_to, excluded.read_up_to)",
        batch.read,
    )
    for thread, up_to, ids in batch.deleted:
        if ids is None:
            db.execute(
                "DELETE FROM message WHERE thread = ? AND id <= ?", (thread, up_to)
            )
        else:
            db.execute(
                "DELETE FROM message WHERE thread = ? AND id IN"
                " (SELECT value FROM json_each(?))",
                (thread, orjson.dumps(ids).decode()),
            )


def prune(
    db: sqlite3.Connection, retention: Retention, now: float | None = None
) -> tuple[int, dict[str, int]]:
    """Drop what is beyond the retention, the oldest first.

    Returns the number below which messages went (0: none went), and how many
    unread ones each thread lost. By number: the messages before the newest
    `retention.messages`; by age: those before the first one added within
    `retention.days` (numbers grow with the time added, so both are ranges of
    the primary key).
    """
    if retention.keeps:
        cutoff = (now or time.time()) - retention.days * 86400
        before = db.execute(
            "SELECT MAX(COALESCE((SELECT id FROM message ORDER BY id DESC"
            " LIMIT 1 OFFSET ?), 0), COALESCE((SELECT id FROM message"
            " WHERE added >= ? ORDER BY id LIMIT 1),"
            " (SELECT MAX(id) + 1 FROM message), 0))",
            (retention.messages - 1, cutoff),
        ).fetchone()[0]
    else:
        before = last_id(db) + 1
    if not db.execute("SELECT 1 FROM message WHERE id < ?", (before,)).fetchone():
        return 0, {}
    lost = dict(
        db.execute(
            "SELECT thread, COUNT(*) FROM message LEFT JOIN thread USING (thread)"
            " WHERE id < ? AND incoming AND id > COALESCE(read_up_to, 0)"
            " GROUP BY thread",
            (before,),
        ).fetchall()
    )
    db.execute("DELETE FROM message WHERE id < ?", (before,))
    db.execute(
        "DELETE FROM thread WHERE NOT EXISTS"
        " (SELECT 1 FROM message WHERE message.thread = thread.thread)"
    )
    return before, lost


def last_id(db: sqlite3.Connection) -> int:
    """The number of the newest message kept (0: none)."""
    return int(db.execute("SELECT COALESCE(MAX(id), 0) FROM message").fetchone()[0])


def threads(db: sqlite3.Connection) -> dict[str, ThreadState]:
    """Every thread's newest message, read marker and unread count."""
    return {
        thread: ThreadState(last, read_up_to, unread)
        for thread, last, read_up_to, unread in db.execute(
            "SELECT m.thread, MAX(m.id), COALESCE(t.read_up_to, 0),"
            " SUM(m.incoming AND m.id > COALESCE(t.read_up_to, 0))"
            " FROM message m LEFT JOIN thread t USING (thread) GROUP BY m.thread"
        )
    }


def unread_among(db: sqlite3.Connection, thread: str, ids: list[int]) -> int:
    """How many of the thread's messages `ids` are received and unread."""
    return int(
        db.execute(
            "SELECT COUNT(*) FROM message LEFT JOIN thread USING (thread)"
            " WHERE thread = ? AND id IN (SELECT value FROM json_each(?))"
            " AND incoming AND id > COALESCE(read_up_to, 0)",
            (thread, orjson.dumps(ids).decode()),
        ).fetchone()[0]
    )


def _message(row: sqlite3.Row | tuple[Any, ...]) -> dict[str, Any]:
    message = dict(zip(ROW_FIELDS, row, strict=True))
    message["incoming"] = bool(message["incoming"])
    return message


def conversations(
    db: sqlite3.Connection,
    limit: int,
    before: tuple[float, str] | None,
    search: str | None,
) -> list[dict[str, Any]]:
    """The threads, the one with the newest message first.

    Each with that message and its unread count; those before `before` (the
    last message's time added, the thread) only; those with `search` in a
    number or a text only.
    """
    where: list[str] = []
    params: list[Any] = []
    if before is not None:
        where.append("(m.added, m.thread) < (?, ?)")
        params.extend(before)
    if search:
        pattern = (
            "%"
            + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            + "%"
        )
        where.append(
            "m.thread IN (SELECT thread FROM message"
            " WHERE number LIKE ? ESCAPE '\\' OR text LIKE ? ESCAPE '\\')"
        )
        params.extend((pattern, pattern))
    rows = db.execute(
        f"SELECT {', '.join('m.' + name for name in ROW_FIELDS)},"
        " COALESCE(t.read_up_to, 0),"
        " (SELECT COUNT(*) FROM message u WHERE u.thread = m.thread AND u.incoming"
        "  AND u.id > COALESCE(t.read_up_to, 0))"
        " FROM (SELECT thread, MAX(id) AS last FROM message GROUP BY thread) AS l"
        " JOIN message m ON m.id = l.last"
        " LEFT JOIN thread t ON t.thread = m.thread"
        f" {'WHERE ' + ' AND '.join(where) if where else ''}"
        " ORDER BY m.added DESC, m.thread DESC LIMIT ?",
        (*params, limit),
    ).fetchall()
    return [
        {
            "thread": row[2],
            "last": _message(row[: len(ROW_FIELDS)]),
            "read_up_to": row[-2],
            "unread": row[-1],
        }
        for row in rows
    ]


def messages(
    db: sqlite3.Connection, thread: str, limit: int, before: int | None
) -> list[dict[str, Any]]:
    """A thread's messages, newest first; those numbered below `before` only."""
    return [
        _message(row)
        for row in db.execute(
            f"SELECT {_COLUMNS} FROM message WHERE thread = ? AND id < ?"
            " ORDER BY id DESC LIMIT ?",
            (thread, before if before is not None else 1 << 62, limit),
        )
    ]
