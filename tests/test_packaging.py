"""What HACS and Home Assistant read before any code runs: manifest, hacs.json, brand.

The rules are HACS's (its validation's offline checks: the repository's
structure, hacs.json, the manifest with documentation, issue tracker,
codeowners and a version, an information file, brand images, a licence) and
hassfest's (manifest keys sorted with `domain` and `name` first; known iot
class and integration type). HACS's remaining checks (description, topics,
issues, the brands repository) ask GitHub and are not checked here.
"""

from __future__ import annotations

import json
from pathlib import Path

from awesomeversion import AwesomeVersion, AwesomeVersionStrategy
from homeassistant.const import __version__ as HA_VERSION
from homeassistant.core import HomeAssistant
from homeassistant.loader import async_get_integration
from PIL import Image, ImageChops, ImageStat

from custom_components.sms_gateway.const import DOMAIN

ROOT = Path(__file__).parent.parent
PACKAGE = ROOT / "custom_components" / DOMAIN
# hacs.json as HACS's schema has it: each key's type (`name` is required).
HACS_KEYS: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "content_in_root": bool,
    "zip_release": bool,
    "filename": str,
    "hide_default_branch": bool,
    "country": (str, list),
    "homeassistant": str,
    "persistent_directory": str,
    "render_readme": bool,
    "hacs": str,
}
IOT_CLASSES = {
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
}
INTEGRATION_TYPES = {
    "device",
    "entity",
    "hardware",
    "helper",
    "hub",
    "service",
    "system",
    "virtual",
}
# The strategies Home Assistant's loader accepts for a custom integration.
VERSION_STRATEGIES = [
    AwesomeVersionStrategy.CALVER,
    AwesomeVersionStrategy.SEMVER,
    AwesomeVersionStrategy.SIMPLEVER,
    AwesomeVersionStrategy.BUILDVER,
    AwesomeVersionStrategy.PEP440,
]


def _manifest() -> dict[str, object]:
    return json.loads((PACKAGE / "manifest.json").read_text(encoding="utf-8"))


def test_hacs_json() -> None:
    """Known keys of the right types, a name, and the floor the tests run on.

    The minimum is the floor that `scripts/test` runs, 2025.4.4 (DESIGN.md):
    a version below it would be a promise no test keeps.
    """
    hacs = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    assert set(hacs) <= set(HACS_KEYS)
    for key, value in hacs.items():
        assert isinstance(value, HACS_KEYS[key]), key
    assert hacs["name"]
    assert not hacs.get("zip_release") or hacs.get("filename")
    minimum = AwesomeVersion(hacs["homeassistant"])
    assert minimum == AwesomeVersion("2025.4.4")
    assert minimum <= AwesomeVersion(HA_VERSION)


def test_repository_structure_as_hacs_reads_it() -> None:
    """One integration under custom_components/, its manifest there; a README."""
    assert [p.name for p in (ROOT / "custom_components").iterdir() if p.is_dir()] == [
        DOMAIN
    ]
    assert (PACKAGE / "manifest.json").is_file()
    assert (ROOT / "README.md").is_file()  # HACS's information file


def test_licence_is_mit() -> None:
    """LICENSE at the root, the MIT licence (OSI-approved, as HACS requires)."""
    text = " ".join((ROOT / "LICENSE").read_text(encoding="utf-8").split())
    assert text.startswith("MIT License Copyright (c) 2026 ")
    for clause in (
        "Permission is hereby granted, free of charge, to any person obtaining a copy",
        "The above copyright notice and this permission notice shall be included in"
        " all copies or substantial portions of the Software.",
        'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND',
    ):
        assert clause in text


def test_manifest_has_what_hacs_and_hassfest_want() -> None:
    """Required keys, sorted as hassfest sorts them, with valid values."""
    manifest = _manifest()
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == PACKAGE.name == DOMAIN
    for key in ("documentation", "issue_tracker"):
        assert str(manifest[key]).startswith("https://")
    codeowners = manifest["codeowners"]
    assert isinstance(codeowners, list) and codeowners
    assert all(str(owner).startswith("@") for owner in codeowners)
    assert manifest["iot_class"] in IOT_CLASSES
    assert manifest["integration_type"] in INTEGRATION_TYPES
    assert manifest["config_flow"] is True
    assert manifest["requirements"] == []  # the gateway library ships inside
    assert AwesomeVersion(
        str(manifest["version"]), ensure_strategy=VERSION_STRATEGIES
    ).valid


async def test_home_assistant_loads_the_manifest(hass: HomeAssistant) -> None:
    """The loader takes the integration as a custom one, with its version."""
    integration = await async_get_integration(hass, DOMAIN)
    assert not integration.is_built_in
    assert str(integration.version) == _manifest()["version"]
    for dependency in integration.dependencies:
        await async_get_integration(hass, dependency)


def test_brand_icons() -> None:
    """256² and 512² with transparency, drawn (not blank), the same design."""
    small = Image.open(PACKAGE / "brand" / "icon.png")
    large = Image.open(PACKAGE / "brand" / "icon@2x.png")
    assert (small.size, small.mode) == ((256, 256), "RGBA")
    assert (large.size, large.mode) == ((512, 512), "RGBA")
    alpha = small.getchannel("A")
    assert alpha.getextrema() == (0, 255)  # both see-through and solid
    drawn = sum(1 for value in alpha.tobytes() if value > 128) / (256 * 256)
    assert 0.2 < drawn < 0.8
    difference = ImageChops.difference(
        large.resize((256, 256), Image.Resampling.LANCZOS), small
    )
    assert max(ImageStat.Stat(difference).mean) < 2
