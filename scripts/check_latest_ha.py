"""Whether a Home Assistant wheel still has every module and name the
integration imports from `homeassistant`.

    python scripts/check_latest_ha.py WHEEL [SOURCE_DIR]

Reads the wheel as a zip (nothing is installed or imported) and the
integration's sources as syntax trees. A module must be in the wheel; a name
imported from it must be bound at its top level (a definition, an assignment
or an import, also under `if` and `try`) or be a submodule of it. A module
with a module-level `__getattr__` or a star import may bind names unseen:
those are accepted and listed. Exit status 1 when something is missing.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path
import sys
import zipfile

INTEGRATION = Path(__file__).resolve().parent.parent / "custom_components"


def imports(source_dir: Path) -> dict[str, dict[str, list[str]]]:
    """module -> name -> where it is imported ("" for `import module`)."""
    found: dict[str, dict[str, list[str]]] = {}
    for path in sorted(source_dir.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            where = (
                f"{path.relative_to(source_dir.parent)}:{getattr(node, 'lineno', 0)}"
            )
            if isinstance(node, ast.Import):
                pairs = [(alias.name, "") for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                pairs = [(node.module, alias.name) for alias in node.names]
            else:
                continue
            for module, name in pairs:
                if module.split(".")[0] == "homeassistant":
                    found.setdefault(module, {}).setdefault(name, []).append(where)
    return found


def _bound(body: Iterable[ast.stmt]) -> Iterator[str | None]:
    """Names a module body binds at its top level; None for a star import."""
    for node in body:
        if isinstance(node, ast.If | ast.Try):
            for block in _blocks(node):
                yield from _bound(block)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                star = alias.name == "*"
                yield None if star else alias.asname or alias.name.split(".")[0]
        else:
            yield from _names(node)


def _blocks(node: ast.If | ast.Try) -> Iterator[list[ast.stmt]]:
    """The statement lists under an `if` or a `try`."""
    yield node.body
    yield node.orelse
    if isinstance(node, ast.Try):
        yield node.finalbody
        for handler in node.handlers:
            yield handler.body


def _names(node: ast.stmt) -> Iterator[str]:
    """What a definition or an assignment binds."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        yield node.name
    elif isinstance(node, ast.TypeAlias):
        yield node.name.id
    elif isinstance(node, ast.Assign):
        for target in node.targets:
            yield from (n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(
        node.target, ast.Name
    ):
        yield node.target.id


def check(wheel: zipfile.ZipFile, wanted: dict[str, dict[str, list[str]]]) -> int:
    """Print what is missing (and what cannot be told); the exit status."""
    files = set(wheel.namelist())

    def module_file(module: str) -> str | None:
        base = module.replace(".", "/")
        for candidate in (f"{base}.py", f"{base}/__init__.py"):
            if candidate in files:
                return candidate
        return None

    missing = 0
    for module, names in sorted(wanted.items()):
        path = module_file(module)
        if path is None:
            missing += 1
            places = sorted({w for ws in names.values() for w in ws})
            print(f"missing module {module} (imported at {', '.join(places)})")
            continue
        bound = set(_bound(ast.parse(wheel.read(path)).body))
        lazy = None in bound or "__getattr__" in bound
        for name, places in sorted(names.items()):
            if not name or name in bound or module_file(f"{module}.{name}"):
                continue
            if lazy:
                print(f"cannot tell: {module}.{name} (bound lazily there)")
                continue
            missing += 1
            print(f"missing name {module}.{name} (imported at {', '.join(places)})")
    count = sum(len(names) for names in wanted.values())
    print(
        f"{len(wanted)} modules, {count} imports checked against"
        f" {Path(wheel.filename or '').name}: {missing} missing"
    )
    return 1 if missing else 0


def main() -> None:
    wheel = Path(sys.argv[1])
    source_dir = Path(sys.argv[2]) if len(sys.argv) > 2 else INTEGRATION
    with zipfile.ZipFile(wheel) as archive:
        raise SystemExit(check(archive, imports(source_dir)))


if __name__ == "__main__":
    main()
