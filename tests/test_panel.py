"""The Messages panel and the SMS card: registered where there is a frontend,
their files complete, their character counter the integration's own rules."""

from __future__ import annotations

import json
from pathlib import Path
import re
import shutil
import subprocess
from unittest.mock import AsyncMock, patch

from homeassistant.core import HomeAssistant
from hypothesis import given, settings, strategies as st
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sms_gateway.gateways.models import DeliveryStatus
from custom_components.sms_gateway.gateways.text import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    text_info,
)
from custom_components.sms_gateway.panel import FILES, PANEL_ELEMENT, URL_BASE

from .conftest import loaded

_IMPORT = re.compile(r'^import .* from "\./([^"]+)";$', re.MULTILINE)


async def test_registered_with_the_frontend(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    """The files served, the panel in the sidebar for administrators only,
    the card loaded on every page (no resource added by hand)."""
    hass.config.components.add("frontend")
    with (
        patch(
            "homeassistant.components.http.HomeAssistantHTTP.async_register_static_paths"
        ) as served,
        patch(
            "homeassistant.components.panel_custom.async_register_panel", AsyncMock()
        ) as panel,
        patch("homeassistant.components.frontend.add_extra_js_url") as extra,
    ):
        async with loaded(hass, mock_config_entry):
            pass
    [[[static]], _] = served.call_args
    assert (static.url_path, Path(static.path)) == (URL_BASE, FILES)
    assert static.cache_headers is False
    options = panel.call_args.kwargs
    assert options["require_admin"] is True
    assert options["webcomponent_name"] == PANEL_ELEMENT
    assert options["module_url"].startswith(f"{URL_BASE}/panel.js?v=")
    assert options["sidebar_title"] == "Messages"
    assert extra.call_args.args[1].startswith(f"{URL_BASE}/card.js?v=")


async def test_nothing_without_a_frontend(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    with patch(
        "homeassistant.components.panel_custom.async_register_panel", AsyncMock()
    ) as panel:
        async with loaded(hass, mock_config_entry):
            pass
    panel.assert_not_called()


@pytest.mark.parametrize("name", ["panel.js", "card.js", "common.js", "text.js"])
def test_every_module_the_files_import_is_there(name: str) -> None:
    source = (FILES / name).read_text(encoding="utf-8")
    for imported in _IMPORT.findall(source):
        assert (FILES / imported).is_file(), imported


def test_the_card_defines_itself_again_in_home_assistants_registry() -> None:
    """The registration race (frontend issue 53890): defined at load, and
    again once Home Assistant's own element is defined, never twice in one
    registry; offered in the card picker."""
    source = (FILES / "card.js").read_text(encoding="utf-8")
    assert 'window.customElements.get("home-assistant")' in source
    assert "if (!registry.get(TAG))" in source
    assert "window.customCards.push" in source


NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="Node.js runs the panel's counter")
@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.text(
            st.sampled_from(sorted(GSM7_BASIC | GSM7_EXTENSION))
            # texts a user types: whole characters, no lone surrogate
            | st.characters(blacklist_categories=("Cs",)),
            max_size=400,
        ),
        min_size=1,
        max_size=20,
    )
)
def test_the_counter_counts_as_the_integration_does(texts: list[str]) -> None:
    """The compose box's `textInfo` (JavaScript, with the rules the websocket
    sends) gives the encoding, units and SMS `text_info` gives."""
    rules = {
        "gsm7": "".join(sorted(GSM7_BASIC)),
        "gsm7_extension": "".join(sorted(GSM7_EXTENSION)),
        "gsm7_single": 160,
        "gsm7_multi": 153,
        "ucs2_single": 70,
        "ucs2_multi": 67,
    }
    script = (
        f'import {{ textInfo }} from "{(FILES / "text.js").as_uri()}";\n'
        "const [texts, rules] = JSON.parse(process.argv[1]);\n"
        "console.log(JSON.stringify(texts.map((t) => textInfo(t, rules))));\n"
    )
    found = subprocess.run(
        [NODE, "--input-type=module", "-e", script, json.dumps([texts, rules])],
        check=True,
        capture_output=True,
        text=True,
    )
    results = json.loads(found.stdout)
    assert [(r["encoding"], r["units"], r["segments"]) for r in results] == [
        (info.encoding.value, info.units, info.segments)
        for info in map(text_info, texts)
    ]


def test_every_word_is_in_both_languages() -> None:
    """The panel's and the card's words: English and Simplified Chinese, the
    same keys (Home Assistant's language picks one)."""
    source = (FILES / "common.js").read_text(encoding="utf-8")
    blocks = re.findall(r'^  (?:en|"zh-Hans"): \{\n(.*?)\n  \},$', source, re.S | re.M)
    keys = [set(re.findall(r"^    (\w+):", block, re.M)) for block in blocks]
    assert len(keys) == 2
    assert keys[0] == keys[1]
    assert len(keys[0]) > 25
    called = re.compile(r'this\.t\("(\w+)"[,)]')
    used = set(called.findall((FILES / "panel.js").read_text()))
    used |= set(called.findall((FILES / "card.js").read_text()))
    # a message's mark: `status_<state>`
    used |= {f"status_{status.value}" for status in DeliveryStatus}
    assert used <= keys[0]
