"""`scripts/check_latest_ha.py` finds what a Home Assistant wheel no longer has."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
import zipfile

import pytest

from .scripts import load_script


@pytest.fixture(name="checker")
def fixture_checker() -> ModuleType:
    return load_script("check_latest_ha")


WHEEL = {
    "homeassistant/__init__.py": "",
    "homeassistant/core.py": (
        "from enum import Enum\n"
        "class HomeAssistant: ...\n"
        "def callback(func): return func\n"
        "type EventType = str\n"
        "if True:\n    CoreState = Enum('CoreState', 'running')\n"
        "try:\n    import fast as speedy\nexcept ImportError:\n    speedy = None\n"
    ),
    "homeassistant/helpers/__init__.py": "",
    "homeassistant/helpers/dispatcher.py": "def async_dispatcher_send(): ...\n",
    "homeassistant/const.py": "def __getattr__(name): ...\nPlatform: int = 1\n",
}

SOURCE = (
    "from homeassistant.core import HomeAssistant, callback, CoreState, speedy\n"
    "from homeassistant.core import EventType, Gone\n"
    "from homeassistant.helpers import dispatcher, device_registry\n"
    "from homeassistant.const import Platform, OLD_CONSTANT\n"
    "import homeassistant.helpers.dispatcher\n"
    "import homeassistant.removed\n"
    "from . import sibling\n"
    "import json\n"
)


def test_what_is_gone_is_listed(
    checker: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wheel = tmp_path / "homeassistant-2099.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in WHEEL.items():
            archive.writestr(name, text)
    source = tmp_path / "custom_components" / "x"
    source.mkdir(parents=True)
    (source / "__init__.py").write_text(SOURCE)
    with zipfile.ZipFile(wheel) as archive:
        status = checker.check(archive, checker.imports(source))
    out = capsys.readouterr().out.splitlines()
    assert status == 1
    assert out == [
        "cannot tell: homeassistant.const.OLD_CONSTANT (bound lazily there)",
        "missing name homeassistant.core.Gone (imported at x/__init__.py:2)",
        "missing name homeassistant.helpers.device_registry"
        " (imported at x/__init__.py:3)",
        "missing module homeassistant.removed (imported at x/__init__.py:6)",
        "5 modules, 12 imports checked against"
        " homeassistant-2099.1.0-py3-none-any.whl: 3 missing",
    ]


def test_the_integration_imports_only_what_this_home_assistant_has(
    checker: ModuleType, tmp_path: Path
) -> None:
    """The check passes against the Home Assistant the tests run on."""
    import homeassistant

    root = Path(homeassistant.__file__).parent
    wheel = tmp_path / "installed.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path in root.rglob("*.py"):
            archive.write(path, f"homeassistant/{path.relative_to(root)}")
    with zipfile.ZipFile(wheel) as archive:
        assert checker.check(archive, checker.imports(checker.INTEGRATION)) == 0
