"""Give the development instance its HTTP settings the way its version keeps them.

    python scripts/develop_http.py CONFIG_DIR

Home Assistant 2025 reads `http:` from configuration.yaml. Home Assistant 2026
moves it into its store once and, for settings that came from YAML, asks in
the UI to confirm them: unconfirmed, it reverts to port 8123 and restarts five
minutes later. Where the running version keeps them in its store, they are
written there as confirmed ("stable") settings and the YAML block is removed.
"""

from __future__ import annotations

from datetime import UTC, datetime
import json
from pathlib import Path
import sys

import yaml


def main(config_dir: Path) -> None:
    """Move the YAML `http:` block into the store, where the version has one."""
    try:
        from homeassistant.components.http import config as http_config
    except ImportError:  # Home Assistant 2025: YAML it is
        return
    path = config_dir / "configuration.yaml"
    text = path.read_text(encoding="utf-8")
    http = yaml.safe_load(text)["http"]
    stable = {
        "server_port": http["server_port"],
        "server_host": [http["server_host"]],
        "cors_allowed_origins": ["https://cast.home-assistant.io"],
        "login_attempts_threshold": -1,
        "ip_ban_enabled": True,
        "ssl_profile": "intermediate_v6",
        "use_x_frame_options": True,
        "created_at": datetime.now(UTC).isoformat(),
        "error": None,
        "error_message": None,
    }
    store = config_dir / ".storage" / http_config.STORAGE_KEY
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_text(
        json.dumps(
            {
                "version": http_config.STORAGE_VERSION,
                "minor_version": 1,
                "key": http_config.STORAGE_KEY,
                "data": {
                    "stable": stable,
                    "pending": None,
                    "yaml_migration_done": True,
                },
            },
            indent=2,
        )
    )
    block = text[text.index("\nhttp:\n") :]
    block = block[: block.index("\n\n") + 1]
    path.write_text(text.replace(block, "\n"), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
