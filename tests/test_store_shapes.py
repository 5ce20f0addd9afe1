"""A stored state of any shape: the entry loads, keeps what it can read, warns once.

The shapes are those a hand edit, a bug or another version can leave behind
(the issue "Nothing lost, nothing twice, nothing leaked", point 5): each once
left the entry in `setup_error` at every start. A truncated file is Home
Assistant's own case: it moves the file aside.
"""

from __future__ import annotations

import time
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sms_gateway.const import DOMAIN
from custom_components.sms_gateway.store import STORAGE_VERSION

NOW = time.time()
GOOD_SENT = {"at": NOW, "port": "G101", "status": None, "recipient": "13600000000"}


def stored(data: Any, version: int = STORAGE_VERSION) -> dict[str, Any]:
    return {"version": version, "minor_version": 1, "key": "k", "data": data}


@pytest.mark.parametrize(
    ("data", "version", "kept_seen", "kept_sent", "left_out"),
    [
        (
            {"seen": ["sms:a", "sms:b"], "sent": {"1.1": GOOD_SENT}},
            STORAGE_VERSION,
            [],
            ["1.1"],
            "seen: list, not a mapping",
        ),
        (
            {"seen": {"sms:a": "yesterday", "sms:b": NOW}, "sent": {}},
            STORAGE_VERSION,
            ["sms:b"],
            [],
            "seen: 1 of 2 entries",
        ),
        ("a string", STORAGE_VERSION, [], [], "str, not an object"),
        (
            {"seen": {"sms:b": NOW}, "sent": {"1.1": None, "1.2": GOOD_SENT}},
            STORAGE_VERSION,
            ["sms:b"],
            ["1.2"],
            "sent: 1 of 2 entries",
        ),
        (
            {"seen": {}, "references": {"r": {"at": NOW, "id": 7}}},
            STORAGE_VERSION,
            [],
            [],
            "references: 1 of 1 entries",
        ),
        (
            {"seen": {"sms:b": NOW}, "inbox_cursor": {"id": 3}, "layout": "x"},
            STORAGE_VERSION,
            ["sms:b"],
            [],
            "inbox_cursor",
        ),
        (
            {"seen": {"sms:b": NOW}, "sent": {"1.2": GOOD_SENT}, "history": []},
            STORAGE_VERSION + 1,
            ["sms:b"],
            ["1.2"],
            f"written by a newer version ({STORAGE_VERSION + 1})",
        ),
    ],
    ids=[
        "seen a list",
        "a seen value a string",
        "data a string",
        "a sent value null",
        "a reference without its id",
        "cursor and layout of the wrong type",
        "a future version",
    ],
)
async def test_the_entry_loads_whatever_was_stored(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    data: Any,
    version: int,
    kept_seen: list[str],
    kept_sent: list[str],
    left_out: str,
) -> None:
    """Loaded, with what could be read, and one warning naming what was left out."""
    mock_config_entry.add_to_hass(hass)
    hass_storage[f"{DOMAIN}.{mock_config_entry.entry_id}"] = stored(data, version)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_config_entry.state is ConfigEntryState.LOADED
    inbound = mock_config_entry.runtime_data.inbound
    assert list(inbound.seen.items) == kept_seen
    assert list(inbound.sent.items) == kept_sent
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("custom_components.sms_gateway")
        and r.levelname == "WARNING"
    ]
    assert len(warnings) == 1, warnings
    assert left_out in warnings[0]
    assert "13600000000" not in warnings[0]
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_entries_are_put_back_in_the_order_they_were_added(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    mock_config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A store whose entries came out of order (hand edited) is read oldest
    first, so the bound drops the oldest; a readable store warns of nothing."""
    mock_config_entry.add_to_hass(hass)
    hass_storage[f"{DOMAIN}.{mock_config_entry.entry_id}"] = stored(
        {"seen": {"sms:new": NOW, "sms:old": NOW - 60}}
    )
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    assert list(mock_config_entry.runtime_data.inbound.seen.items) == [
        "sms:old",
        "sms:new",
    ]
    assert "Kept what could be read" not in caplog.text
    await hass.config_entries.async_unload(mock_config_entry.entry_id)
