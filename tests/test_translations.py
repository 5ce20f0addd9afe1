"""The translation files hold every key the integration uses, in both languages.

Flow steps, errors, aborts and exceptions that tests make the integration show
are checked as they are shown (conftest's `translations_hold_what_was_shown`);
here: the two files against each other, the keys written in the code,
`services.yaml`, `icons.json`, and the entities each vendor creates.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
import json
from pathlib import Path
import re
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from custom_components.sms_gateway.gateways.errors import RejectKind

from .translations import LANGUAGES, PACKAGE, flatten, has, load, placeholders

# Helpers whose first argument is an exception's translation key.
KEY_HELPERS = {"invalid", "_error"}
_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"[A-Za-z]{3,}")


def _icons() -> dict[str, Any]:
    return json.loads((PACKAGE / "icons.json").read_text(encoding="utf-8"))


def _services() -> dict[str, Any]:
    return yaml.safe_load((PACKAGE / "services.yaml").read_text(encoding="utf-8"))


def test_the_languages_have_the_same_keys_and_placeholders() -> None:
    """zh-Hans has each key of en, no other, with the same `{placeholders}`."""
    en, zh = (dict(flatten(load(language))) for language in LANGUAGES)
    assert sorted(set(en) - set(zh)) == [], "missing in zh-Hans"
    assert sorted(set(zh) - set(en)) == [], "only in zh-Hans"
    for key, text in en.items():
        assert isinstance(text, str), key
        assert text.strip() and zh[key].strip(), key
        assert placeholders(zh[key]) == placeholders(text), key


def test_chinese_is_chinese() -> None:
    """Every zh-Hans string with words in it is written in Chinese, not copied."""
    en, zh = (dict(flatten(load(language))) for language in LANGUAGES)
    words = {key for key, text in en.items() if len(_WORD.findall(text)) >= 2}
    assert len(words) > 200
    untranslated = sorted(key for key in words if not _CJK.search(zh[key]))
    assert untranslated == []


def _python_keys() -> Iterator[tuple[Path, str]]:
    """(module, `entity.<platform>.<key>.name` or `exceptions.<key>.message`).

    From `translation_key="..."` (an entity description's or an exception's)
    and from the first argument of the helpers that raise translated errors.
    """
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            # a key built from a value (`f"unsupported_{...}"`) is checked by
            # the test of what it is built from
            if (
                name in KEY_HELPERS
                and node.args
                and not isinstance(node.args[0], ast.JoinedStr)
            ):
                for leaf in ast.walk(node.args[0]):
                    if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str):
                        yield path, f"exceptions.{leaf.value}.message"
            for keyword in node.keywords:
                if keyword.arg != "translation_key" or not (
                    isinstance(keyword.value, ast.Constant)
                    and isinstance(keyword.value.value, str)
                ):
                    continue
                key = keyword.value.value
                if name.endswith("Description"):
                    yield path, f"entity.{path.stem}.{key}.name"
                else:
                    yield path, f"exceptions.{key}.message"


def test_keys_written_in_the_code_are_translated() -> None:
    """Each literal translation key of the code is in en (and so in zh-Hans)."""
    en = load("en")
    found = list(_python_keys())
    assert len(found) > 30
    assert [f"{path.name}: {key}" for path, key in found if not has(en, key)] == []


def test_every_refusal_kind_is_translated() -> None:
    """`rejected_<kind>` is built from the kind: each kind has its message."""
    en = load("en")
    assert [
        kind.value
        for kind in RejectKind
        if not has(en, f"exceptions.rejected_{kind.value}.message")
    ] == []


def test_every_refusal_of_a_missing_function_is_translated() -> None:
    """A gateway without USSD says so in words ("cannot send USSD codes"),
    not by the internal name of what it lacks."""
    from custom_components.sms_gateway.targets import REFUSABLE

    for language in LANGUAGES:
        exceptions = load(language)["exceptions"]
        for capability in REFUSABLE:
            message = exceptions[f"unsupported_{capability.value}"]["message"]
            assert f'"{capability.value}"' not in message
            assert "_" not in message


def test_services_yaml_is_translated() -> None:
    """Each action and field has a name and description; select options a label."""
    en = load("en")
    wanted: list[str] = []
    for service, spec in _services().items():
        wanted += [f"services.{service}.name", f"services.{service}.description"]
        for field, field_spec in (spec or {}).get("fields", {}).items():
            wanted += [
                f"services.{service}.fields.{field}.name",
                f"services.{service}.fields.{field}.description",
            ]
            select = (field_spec.get("selector") or {}).get("select") or {}
            if key := select.get("translation_key"):
                wanted += [f"selector.{key}.options.{o}" for o in select["options"]]
    assert len(wanted) > 60
    assert [key for key in wanted if not has(en, key)] == []


def test_every_action_and_entity_has_an_icon() -> None:
    """icons.json: an icon for each action and each translated entity, no stray one."""
    icons, en = _icons(), load("en")
    assert set(icons["services"]) == set(_services())
    assert all(
        icon["service"].startswith("mdi:") for icon in icons["services"].values()
    )
    entity_keys = {
        (platform, key) for platform, keys in en["entity"].items() for key in keys
    }
    icon_keys = {
        (platform, key) for platform, keys in icons["entity"].items() for key in keys
    }
    assert sorted(entity_keys - icon_keys) == [], "entities without an icon"
    assert sorted(icon_keys - entity_keys) == [], "icons of no entity"
    for platform, key in icon_keys:
        icon = icons["entity"][platform][key]
        assert icon["default"].startswith("mdi:"), (platform, key)
        named = en["entity"][platform][key].get("state") or {}
        if platform == "event":
            named = en["entity"][platform][key]["state_attributes"]["event_type"]
            named = named["state"]
        for state in icon.get("state", {}):
            assert state in named or state in ("on", "off"), (platform, key, state)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_every_entity_of_every_vendor_is_translated(
    hass: HomeAssistant, vendor_entry: MockConfigEntry
) -> None:
    """Each entity a vendor creates has its name, states and icon in the files."""
    en, icons = load("en"), _icons()
    missing: list[str] = []
    entries = er.async_entries_for_config_entry(
        er.async_get(hass), vendor_entry.entry_id
    )
    assert entries
    for entity in entries:
        if entity.translation_key is None:
            # Named and drawn by its device class (the restart button).
            if entity.original_device_class is None:
                missing.append(f"{entity.entity_id} has no translation key")
            continue
        base = f"entity.{entity.domain}.{entity.translation_key}"
        if not has(en, f"{base}.name"):
            missing.append(f"{base}.name")
        if not has(icons, f"{base}.default"):
            missing.append(f"icon of {base}")
        capabilities = entity.capabilities or {}
        missing += [
            f"{base}.state.{option}"
            for option in capabilities.get("options", ())
            if not has(en, f"{base}.state.{option}")
        ]
        missing += [
            f"{base}.state_attributes.event_type.state.{kind}"
            for kind in capabilities.get("event_types", ())
            if not has(en, f"{base}.state_attributes.event_type.state.{kind}")
        ]
    assert missing == []
