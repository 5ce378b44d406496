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


ROOMS = {"model": "mip6check.model", "properties": "mip6check.properties", "cli": "mip6check.cli"}


def _package(path: Path) -> list[str]:
    """The dotted package a file of a room belongs to, as installed (model/x/y.py -> mip6check.model.x)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[0] in ROOMS:
        parts = [*ROOMS[parts[0]].split("."), *parts[1:]]
    return parts[:-1]


def _imports(path: Path) -> list[str]:
    """Every module a file imports, relative imports resolved against its package (`from ..roles
    import kernel` in mip6check/model/net/x.py is mip6check.model.roles and mip6check.model.roles.kernel)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                pkg = _package(path)
                up = pkg[: len(pkg) - (node.level - 1)] if node.level > 1 else pkg
                base = ".".join([*up, *([node.module] if node.module else [])])
            names.append(base)
            if node.level:
                names.extend(f"{base}.{alias.name}" for alias in node.names)
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


# the checkers that must judge without the model's decisions: they may read the codec and the data
# types the model logs, never model.roles (a fault planted there would otherwise blind them)
SPEC_SIDE = {
    "properties/spec": ("mip6check.model.roles", "mip6check.model.net", "mip6check.model.dsl"),
    "properties/replay": ("mip6check.model.roles", "mip6check.model.net", "mip6check.model.dsl"),
}


def _bad_imports(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    return bad


def test_spec_imports_nothing_of_the_model_it_judges() -> None:
    assert not (bad := _bad_imports("properties/spec", SPEC_SIDE["properties/spec"])), "\n".join(
        bad
    )


def test_replay_imports_nothing_of_the_model_it_judges() -> None:
    bad = _bad_imports("properties/replay", SPEC_SIDE["properties/replay"])
    assert not bad, "\n".join(bad)


def test_relative_imports_are_resolved(tmp_path: Path) -> None:
    """A relative import cannot hide an upward one: `from ..roles import kernel` is seen."""
    probe = ROOT / "model" / "net" / "sim.py"
    tree_names = _imports(probe)
    assert all(not n.startswith(".") for n in tree_names)
    fake = ROOT / "properties" / "spec" / "_probe_for_layers_test.py"
    fake.write_text("from ...model.roles import kernel\nfrom .. import monitors\n")
    try:
        names = _imports(fake)
        assert _bad_imports("properties/spec", SPEC_SIDE["properties/spec"])
    finally:
        fake.unlink()
    assert "mip6check.model.roles.kernel" in names and "mip6check.properties.monitors" in names


def test_every_folder_has_a_rule() -> None:
    """A new folder under model/ or properties/ falls under a dependency rule, so it cannot escape one."""
    ruled = [*FORBIDDEN, *SPEC_SIDE]
    for room in ("model", "properties"):
        for d in sorted(p for p in (ROOT / room).rglob("*") if p.is_dir() and any(p.glob("*.py"))):
            rel = d.relative_to(ROOT).as_posix()
            assert any(rel == r or rel.startswith(r + "/") for r in ruled) or rel == "model", rel


def test_model_basics_import_no_room() -> None:
    """addr, errors, config: the shared basics import no room above the codec's value types."""
    above = ("mip6check.model.roles", "mip6check.model.net", "mip6check.model.dsl", "mip6check.cli")
    for name in ("addr.py", "errors.py", "config.py"):
        for imp in _imports(ROOT / "model" / name):
            assert not any(
                imp == f or imp.startswith(f + ".") for f in (*above, "mip6check.properties")
            ), (name, imp)
