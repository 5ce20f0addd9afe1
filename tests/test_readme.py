"""The README documents what the integration has: sections, fields, entities, events, actions.

Names are taken from the translation file, `services.yaml` and the constants,
so a new field, entity, event or action without its documentation fails here.
"""

from __future__ import annotations

import json
from pathlib import Path
import re

from homeassistant.const import __version__ as HA_VERSION
import pytest
import yaml

from custom_components.sms_gateway import const
from custom_components.sms_gateway.gateways import GATEWAYS

from .translations import PACKAGE, load

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
# The documentation the Integration Quality Scale asks for.
SECTIONS = (
    "Supported devices and firmware",
    "Installation",
    "Removal",
    "Configuration",
    "How data is updated",
    "Entities",
    "Events",
    "Actions",
    "Use cases",
    "Known limitations",
    "Troubleshooting",
)
EVENTS = sorted(
    value
    for name, value in vars(const).items()
    if name.startswith("EVENT_") and isinstance(value, str)
)
SERVICES = sorted(yaml.safe_load((PACKAGE / "services.yaml").read_text()))
_YAML = re.compile(r"```yaml\n(.*?)```", re.DOTALL)
_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)]+)\)")


def _examples() -> list[str]:
    return _YAML.findall(README)


def test_the_sections_are_there() -> None:
    """Each section of the quality scale's documentation rules is a heading."""
    headings = set(re.findall(r"^##+ (.+)$", README, re.MULTILINE))
    assert [section for section in SECTIONS if section not in headings] == []


@pytest.mark.parametrize("service", SERVICES)
def test_every_action_has_an_example(service: str) -> None:
    """An example that calls the action."""
    assert any(
        f"action: {const.DOMAIN}.{service}" in example for example in _examples()
    )


@pytest.mark.parametrize("event", EVENTS)
def test_every_event_has_an_example(event: str) -> None:
    """An example that triggers on the event, and the event's fields listed."""
    assert any(f"event_type: {event}" in example for example in _examples())
    assert f"| `{event}` |" in README


def test_the_examples_are_yaml() -> None:
    """Each example parses."""
    examples = _examples()
    assert len(examples) > 15
    for example in examples:
        assert yaml.safe_load(example) is not None


def test_every_field_option_and_entity_is_named() -> None:
    """The labels the user sees in the forms and the entity names appear."""
    en = load("en")
    labels = set()
    for vendor in GATEWAYS:
        labels |= set(en["config"]["step"][vendor]["data"].values())
    labels |= set(en["options"]["step"]["init"]["data"].values())
    labels |= {
        names["name"]
        for platform in en["entity"].values()
        for names in platform.values()
    }
    assert sorted(label for label in labels if label not in README) == []


def test_the_screenshots_are_shown() -> None:
    """Every image the README shows exists, and every screenshot is shown."""
    shown = set(_IMAGE.findall(README))
    assert all((ROOT / image).is_file() for image in shown)
    taken = {
        str(path.relative_to(ROOT)) for path in (ROOT / "docs" / "images").glob("*.png")
    }
    assert len(taken) >= 4
    assert taken <= shown


def test_the_supported_versions_are_stated() -> None:
    """The README's table of versions names hacs.json's minimum, the version
    this suite runs on, and the newest release that `scripts/test` starts."""
    minimum = json.loads((ROOT / "hacs.json").read_text())["homeassistant"]
    release = re.search(
        r"^homeassistant==(\S+)$",
        (ROOT / "requirements_newest_dev.txt").read_text(),
        re.MULTILINE,
    )
    assert release is not None
    for version in (minimum, HA_VERSION, release[1]):
        assert f"\n| {version}, " in README, version


def _entity_rows() -> dict[str, str]:
    """Each entity name of the README's entity table, and its Kind column."""
    table = README.split("| Entity | Kind | Systems | Shows |", 1)[1].split("\n\n", 1)[
        0
    ]
    rows: dict[str, str] = {}
    for line in table.splitlines()[2:]:
        names, kind = line.split("|")[1:3]
        for name in re.findall(r"\*\*([^*]+)\*\*", names):
            rows[name] = kind
    return rows


def test_the_entity_table_says_what_the_entities_are() -> None:
    """Diagnostic and disabled by default, as the entity descriptions set them."""
    from homeassistant.const import EntityCategory

    from custom_components.sms_gateway import (
        binary_sensor,
        button,
        event,
        select,
        sensor,
        switch,
    )

    names = load("en")["entity"]
    rows = _entity_rows()
    descriptions = {
        "binary_sensor": binary_sensor.PORT_BINARY_SENSORS,
        "sensor": (
            *sensor.PORT_SENSORS,
            *sensor.GATEWAY_SENSORS,
            sensor.UNREAD,
            *sensor.GATEWAY_COUNTERS,
        ),
        "button": button.PORT_BUTTONS,
        "switch": (switch.POWER,),
        "select": (select.SLOT,),
        "event": event.EVENTS,
    }
    checked = []
    for platform, found in descriptions.items():
        for description in found:
            key = description.translation_key
            # a device class's own name where there is no translation key
            name = names[platform][key]["name"] if key else description.key.title()
            kind = rows[name]
            diagnostic = description.entity_category is EntityCategory.DIAGNOSTIC
            assert ("diagnostic" in kind) == diagnostic, name
            disabled = not description.entity_registry_enabled_default
            assert ("disabled by default" in kind) == disabled, name
            checked.append(name)
    assert len(checked) > 30
