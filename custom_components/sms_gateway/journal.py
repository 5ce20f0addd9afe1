"""The journal in front of the database: lines appended from the event loop.

A journal file is allocated on the disk to `JOURNAL_SIZE` when it is made, and
mapped into memory. Appending a line is then a copy into that memory, with no
system call: the kernel's page cache holds the line once it is copied, and
keeps it however the process ends (SIGKILL, the out-of-memory killer), as it
keeps what `write` was given. It reaches the disk by the kernel's writeback,
as a `write`'s would (the database's flush syncs its own copy). The allocation
is made up front so that the copy can never fail for room (a mapped page the
disk has no room for would kill the process) and never changes the file's
size. Past `JOURNAL_SIZE` (a large bulk send before the next flush), lines are
written after it with `pwrite`; so too on a file system that cannot allocate
or map.

Unused room reads as NUL bytes, which `journal_lines` leaves out.
"""

from __future__ import annotations

import contextlib
import mmap
import os
from pathlib import Path
from typing import Any

import orjson

JOURNAL_SIZE = 1 << 20

# One journal line: each log's (changed, dropped), named values, held pushes
# done, and the message history's changes (`history`), in their order.
type Record = tuple[dict[str, list[Any]], dict[str, Any], list[int], list[list[Any]]]


class JournalFile:
    """One journal file, appended to from one thread (the event loop)."""

    def __init__(self, path: Path) -> None:
        """Make the file, allocate and map it (blocking: in the executor)."""
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        self._map: mmap.mmap | None = None
        self._end = 0
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.posix_fallocate(self._fd, 0, JOURNAL_SIZE)
            self._map = mmap.mmap(self._fd, JOURNAL_SIZE)

    def append(self, line: bytes) -> None:
        """Add `line` after the last: in the page cache when this returns."""
        start, end = self._end, self._end + len(line)
        if self._map is not None and end <= JOURNAL_SIZE:
            self._map[start:end] = line
        else:
            os.pwrite(self._fd, line, start)
        self._end = end

    def remove(self) -> None:
        """Close and delete the file (its lines are in the database)."""
        if self._map is not None:
            self._map.close()
        os.close(self._fd)
        self.path.unlink(missing_ok=True)


def journal_number(journal: Path) -> int | None:
    """The number a journal file's name ends with."""
    number = journal.name.rsplit(".", 1)[1]
    return int(number) if number.isdigit() else None


def journal_files(path: Path) -> list[Path]:
    """The journal files beside the database at `path`, oldest first."""
    found = [
        (number, journal)
        for journal in path.parent.glob(f"{path.name}.journal.*")
        if (number := journal_number(journal)) is not None
    ]
    return [journal for _, journal in sorted(found)]


def journal_lines(journal: Path) -> list[bytes]:
    """A journal file's lines as written, without its unused room."""
    return journal.read_bytes().rstrip(b"\0").splitlines()


def decode_record(line: bytes) -> Record | None:
    """A journal line as its record; None for a line cut short by a crash."""
    try:
        logs, meta, held_done, *rest = orjson.loads(line)
    except (ValueError, TypeError):  # cut short, or not a record
        return None
    # a line of a version before the message history has no fourth part
    return logs, meta, held_done, rest[0] if rest else []
