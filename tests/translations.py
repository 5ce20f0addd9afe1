"""What the translation files must hold for what the integration shows.

Used by `test_translations` (the files, the code, `services.yaml` and
`icons.json`) and by conftest's `translations_hold_what_was_shown`, which
checks every flow step, error, abort and translated exception that any test
makes the integration show.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
import json
from pathlib import Path
import re
from typing import Any

from homeassistant.data_entry_flow import FlowResult, FlowResultType
from homeassistant.helpers.selector import SelectSelector

from custom_components.sms_gateway.const import DOMAIN

PACKAGE = Path(__file__).parent.parent / "custom_components" / DOMAIN
LANGUAGES = ("en", "zh-Hans")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def load(language: str) -> dict[str, Any]:
    """The translation file of `language`."""
    return json.loads(
        (PACKAGE / "translations" / f"{language}.json").read_text(encoding="utf-8")
    )


def flatten(tree: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Each leaf of `tree` as (`a.b.c`, value)."""
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            yield from flatten(value, f"{path}.")
        else:
            yield path, value


def placeholders(text: str) -> set[str]:
    """The `{name}` placeholders of a translated string."""
    return set(_PLACEHOLDER.findall(text))


def has(strings: Mapping[str, Any], path: str) -> bool:
    """Whether `strings` has a string at the dotted `path`."""
    node: Any = strings
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return isinstance(node, str) and bool(node.strip())


def text(strings: Mapping[str, Any], path: str) -> str:
    """The string at the dotted `path`."""
    node: Any = strings
    for part in path.split("."):
        node = node[part]
    return str(node)


def flow_keys(category: str, result: FlowResult) -> list[str]:
    """The keys a flow result of `category` (config, options) is shown with."""
    step = f"{category}.step.{result.get('step_id')}"
    kind = result["type"]
    if kind is FlowResultType.ABORT:
        return [f"{category}.abort.{result['reason']}"]
    if kind is FlowResultType.MENU:
        return [f"{step}.menu_options.{option}" for option in result["menu_options"]]
    if kind is not FlowResultType.FORM:
        return []
    keys = [f"{step}.title"]
    if (schema := result.get("data_schema")) is not None:
        for field, validator in schema.schema.items():
            keys += [f"{step}.data.{field}", f"{step}.data_description.{field}"]
            keys += selector_keys(validator)
    keys += [f"{category}.error.{error}" for error in (result["errors"] or {}).values()]
    return keys


def selector_keys(validator: Any) -> list[str]:
    """The option keys of a translated select selector (none for others)."""
    if not isinstance(validator, SelectSelector):
        return []
    config = validator.config
    if not (key := config.get("translation_key")):
        return []
    return [
        f"selector.{key}.options.{option if isinstance(option, str) else option['value']}"
        for option in config["options"]
    ]


def exception_problems(
    strings: Mapping[str, Any], key: str, given: Mapping[str, str] | None
) -> list[str]:
    """What is wrong with raising the translated exception `key` with `given`."""
    path = f"exceptions.{key}.message"
    if not has(strings, path):
        return [f"{path} is missing"]
    wanted = placeholders(text(strings, path))
    if wanted - set(given or {}):
        return [f"{path} needs {sorted(wanted)}, was given {sorted(given or {})}"]
    return []
