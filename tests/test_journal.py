"""The journal file: what it keeps, however the process ends."""

from __future__ import annotations

import os
from pathlib import Path
import signal
import subprocess
import sys

import pytest

from custom_components.sms_gateway import journal as journal_module
from custom_components.sms_gateway.journal import JournalFile, journal_lines

ROOT = Path(__file__).resolve().parent.parent


def test_lines_copied_into_the_mapped_file_outlive_a_killed_process(
    tmp_path: Path,
) -> None:
    """SIGKILL right after the copy: no write, no close, no sync ran, and the
    next start reads every line."""
    path = tmp_path / "x.db.journal.0"
    script = (
        "import importlib.util, os, pathlib, signal\n"
        # the module alone: the package would import Home Assistant
        "spec = importlib.util.spec_from_file_location('journal', "
        f"{str(ROOT / 'custom_components/sms_gateway/journal.py')!r})\n"
        "module = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(module)\n"
        f"journal = module.JournalFile(pathlib.Path({str(path)!r}))\n"
        "assert journal._map is not None\n"
        "for index in range(1000):\n"
        "    journal.append(b'[%d]\\n' % index)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    ended = subprocess.run([sys.executable, "-c", script], check=False)
    assert ended.returncode == -signal.SIGKILL
    assert journal_lines(path) == [b"[%d]" % index for index in range(1000)]


def test_lines_past_the_allocated_room_follow_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large bulk send before the next flush: the lines that do not fit
    are written after the room, one straddling its end included."""
    monkeypatch.setattr(journal_module, "JOURNAL_SIZE", 4096)
    journal = JournalFile(tmp_path / "x.db.journal.0")
    lines = [b"[%d, %s]" % (index, b"0" * 500) for index in range(20)]
    for line in lines:
        journal.append(line + b"\n")
    assert journal_lines(journal.path) == lines
    journal.remove()
    assert not journal.path.exists()


def test_a_file_system_that_cannot_allocate_takes_plain_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No allocation (or no mapping) on this file system: every line is
    written with a system call, nothing is mapped that the disk may lack."""

    def cannot(fd: int, offset: int, length: int) -> None:
        raise OSError(95, "Operation not supported")

    monkeypatch.setattr(os, "posix_fallocate", cannot)
    journal = JournalFile(tmp_path / "x.db.journal.0")
    assert journal._map is None
    journal.append(b"[1]\n")
    journal.append(b"[2]\n")
    assert journal_lines(journal.path) == [b"[1]", b"[2]"]
    journal.remove()
