"""The scripts that give the development instance and the newest Python their place.

`scripts/newest` itself is run by `scripts/test` for the newest suite; here,
the parts a contributor's machine decides: a Python it is given is used, and
the command runs in the project's root with that Python named.
`scripts/develop_http.py` gives the development instance its HTTP settings
the way the running Home Assistant keeps them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
import shutil
import subprocess

import yaml

from .scripts import ROOT, load_script


def test_a_python_it_is_given_is_used(tmp_path: Path) -> None:
    """$PYTHON314, when it is 3.14.2 or newer, is the one: no other is sought."""
    python = tmp_path / "python3.14"
    # passes the version check (exit 0), and says its version when asked
    python.write_text("#!/bin/sh\n[ \"$1\" != -V ] || echo 'Python 3.14.9'\n")
    python.chmod(0o755)
    env = {**os.environ, "PYTHON314": str(python)}
    ran = subprocess.run(
        [str(ROOT / "scripts" / "newest"), "sh", "-c", 'echo "$PYTHON314 $PWD"'],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert ran.stdout.split() == [str(python), str(ROOT)]
    found = subprocess.run(
        [str(ROOT / "scripts" / "newest")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.startswith(f"{python} (")


def test_http_settings_where_the_version_keeps_them(tmp_path: Path) -> None:
    """Home Assistant 2026 keeps them in its store, confirmed: the YAML block goes.

    Home Assistant 2025 reads them from configuration.yaml, which stays as it is.
    """
    shutil.copy(ROOT / "config" / "configuration.yaml", tmp_path)
    before = yaml.safe_load((tmp_path / "configuration.yaml").read_text())
    load_script("develop_http").main(tmp_path)
    after = yaml.safe_load((tmp_path / "configuration.yaml").read_text())
    try:
        from homeassistant.components.http import config as http_config
    except ImportError:  # Home Assistant 2025
        assert after == before
        assert not (tmp_path / ".storage").exists()
        return
    assert after == {key: value for key, value in before.items() if key != "http"}
    stored = json.loads((tmp_path / ".storage" / http_config.STORAGE_KEY).read_text())
    assert stored["version"] == http_config.STORAGE_VERSION
    data = stored["data"]
    assert (data["pending"], data["yaml_migration_done"]) == (None, True)
    stable = data["stable"]
    assert (stable["server_port"], stable["server_host"]) == (
        before["http"]["server_port"],
        [before["http"]["server_host"]],
    )
