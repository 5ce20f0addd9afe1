"""quality_scale.yaml lists every rule, honestly; the mechanical rules are checked here.

The rule list is the one Home Assistant's own integrations carry (peblar's
file, which marks all of them). Rules about documentation are checked by
`test_readme`, translations and icons by `test_translations`, coverage by
`scripts/test` (95% overall, 100% for the config flow), typing by `scripts/lint`.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
import sys

from homeassistant import components
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from custom_components.sms_gateway import PLATFORMS
from custom_components.sms_gateway.const import DOMAIN

from .translations import PACKAGE

RULES = yaml.safe_load(
    (Path(components.__file__).parent / "peblar" / "quality_scale.yaml").read_text()
)
OURS = yaml.safe_load((PACKAGE / "quality_scale.yaml").read_text())
# Rules that Home Assistant 2026 added to the scale: marked here, unknown to the floor.
NEWER_RULES = {"docs-conditions", "docs-triggers"}
# What the gateway library may import besides the standard library.
LIBRARY_IMPORTS = {"aiohttp", "orjson", "yarl"}


def _status(rule: str) -> tuple[str, str | None]:
    value = OURS["rules"][rule]
    if isinstance(value, str):
        return value, None
    return value["status"], value.get("comment")


def test_every_rule_is_marked() -> None:
    """The same rules as Home Assistant's, each done or exempt with a reason.

    The rules are those of the running version, and those a newer one added.
    """
    assert len(RULES["rules"]) > 50
    assert set(OURS["rules"]) - NEWER_RULES <= set(RULES["rules"]) <= set(OURS["rules"])
    for rule in OURS["rules"]:
        status, comment = _status(rule)
        assert status in ("done", "exempt"), rule
        if status == "exempt":
            assert comment and len(comment) > 40, rule


def test_parallel_updates_is_set_by_every_platform() -> None:
    """parallel-updates: each platform module declares PARALLEL_UPDATES."""
    for platform in PLATFORMS:
        module = importlib.import_module(f"custom_components.{DOMAIN}.{platform}")
        assert isinstance(getattr(module, "PARALLEL_UPDATES", None), int), platform


async def test_actions_exist_before_any_entry(hass: HomeAssistant) -> None:
    """action-setup: every action is registered by async_setup, with no entry."""
    assert await async_setup_component(hass, DOMAIN, {})
    services = yaml.safe_load((PACKAGE / "services.yaml").read_text())
    assert sorted(hass.services.async_services_for_domain(DOMAIN)) == sorted(services)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_library_is_async_and_takes_the_session() -> None:
    """async-dependency, inject-websession, dependency-transparency's comment.

    The library imports aiohttp, yarl and orjson beside the standard library (no
    blocking HTTP client), and nothing in the integration makes a session of
    its own: the gateway is handed Home Assistant's.
    """
    imported: set[str] = set()
    for path in (PACKAGE / "gateways").rglob("*.py"):
        imported |= _imports(path)
    third_party = imported - set(sys.stdlib_module_names) - {"__future__"}
    assert third_party == LIBRARY_IMPORTS
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                assert name != "ClientSession", path


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_entities_are_named_and_unique(
    hass: HomeAssistant, vendor_entry: MockConfigEntry
) -> None:
    """has-entity-name, entity-unique-id, devices: for every vendor's entities."""
    entries = er.async_entries_for_config_entry(
        er.async_get(hass), vendor_entry.entry_id
    )
    assert entries
    for entity in entries:
        assert entity.has_entity_name, entity.entity_id
        assert entity.unique_id.startswith(vendor_entry.unique_id or ""), entity
        assert entity.device_id is not None, entity.entity_id
