"""The project's Python scripts (`scripts/*.py`), loaded as modules for their tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path
import sys
from types import ModuleType

ROOT = Path(__file__).parent.parent


def load_script(name: str) -> ModuleType:
    """`scripts/<name>.py` as the module `name`."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
