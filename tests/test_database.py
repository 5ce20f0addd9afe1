"""The entry's database: what it survives, and what it keeps bounded."""

from __future__ import annotations

import logging
import sqlite3

from homeassistant.core import HomeAssistant
import pytest

from custom_components.sms_gateway import database as database_module
from custom_components.sms_gateway.database import (
    SCHEMA_VERSION,
    database_path,
    databases,
)
from custom_components.sms_gateway.gateways.models import IncomingSms
from custom_components.sms_gateway.inbound import Inbound

from .stored import on_disk


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


async def test_the_wal_is_checkpointed_in_the_executor_now_and_then(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database_module, "CHECKPOINT_AFTER", 10)
    inbound = Inbound(hass, "entry", "goip")
    await inbound.async_load()
    wal = database_path(hass, "entry").with_name(
        f"{database_path(hass, 'entry').name}-wal"
    )
    checkpoints: list[int] = []
    checkpoint = database_module._checkpoint
    monkeypatch.setattr(
        database_module,
        "_checkpoint",
        lambda path: checkpoints.append(wal.stat().st_size) or checkpoint(path),
    )
    for index in range(25):
        inbound.process([IncomingSms(sender="1", text=f"sms {index}")])
        # one at a time: those asked for while one runs wait for it
        await hass.async_block_till_done()
    assert len(checkpoints) == 2
    assert len(on_disk(hass, "entry")["seen"]) == 25


async def test_held_pushes_are_bounded(
    hass: HomeAssistant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry that never loads does not fill the disk: the oldest go."""
    monkeypatch.setattr(database_module, "MAX_HELD", 3)
    database = await databases(hass).async_get("entry")
    for index in range(5):
        database.hold("POST", {}, {"Content-Type": "text/plain"}, f"{index}".encode())
    assert [push.body for push in database.held()] == [b"2", b"3", b"4"]
    assert database.held()[0].headers == [["Content-Type", "text/plain"]]
