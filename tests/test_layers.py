"""One-way dependencies between rooms (STYLE.md): codec <- roles <- net <- dsl <- properties <- cli."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# room -> rooms it must never import
FORBIDDEN = {
    "model/codec": (
        "mip6check.model.roles",
        "mip6check.model.net",
        "mip6check.model.dsl",
        "mip6check.properties",
        "mip6check.cli",
        "z3",
        "hypothesis",
        "lark",
    ),
    "model/roles": (
        "mip6check.model.net",
        "mip6check.model.dsl",
        "mip6check.properties",
        "mip6check.cli",
        "z3",
        "hypothesis",
        "lark",
    ),
    "model/net": (
        "mip6check.model.dsl",
        "mip6check.properties",
        "mip6check.cli",
        "z3",
        "hypothesis",
        "lark",
    ),
    "model/dsl": ("mip6check.properties", "mip6check.cli", "z3", "hypothesis"),
    "properties": ("mip6check.cli",),
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_no_upward_imports() -> None:
    bad = []
    for room, forbidden in FORBIDDEN.items():
        for path in sorted((ROOT / room).rglob("*.py")):
            for name in _imports(path):
                if any(name == f or name.startswith(f + ".") for f in forbidden):
                    bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not bad, "\n".join(bad)


def test_rooms_imported_under_one_name() -> None:
    """Every import of a room goes through mip6check.*: a bare `model`/`properties`/`cli` would load
    a second copy of the module (and collide with other projects' packages once installed)."""
    bad = []
    for folder in ("model", "properties", "cli", "tests", "bench", "tools", "fuzz", "scripts"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for name in _imports(path):
                if name.split(".")[0] in ("model", "properties", "cli"):
                    bad.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not bad, "\n".join(bad)


def test_model_never_imports_lark_outside_dsl() -> None:
    for path in (ROOT / "model").rglob("*.py"):
        if "dsl" in path.parts:
            continue
        assert not any(n.startswith("lark") for n in _imports(path)), path
