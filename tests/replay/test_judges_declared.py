"""Which rows replay judges is derived, not kept by hand: each observer family lists the rows it flags
(`JUDGES`), a source scan shows the list is exactly what its code can flag, and the union is what
replay declares to the spec registry. Each declared row is shown firing by a corpus capture."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from mip6check.properties.catalog import CATALOG
from mip6check.properties.replay.checked import CHECKED
from mip6check.properties.replay.observer import Observer
from mip6check.properties.spec import Engine, engines_of, judged_by

ROOT = Path(__file__).resolve().parents[2]
REPLAY = ROOT / "properties" / "replay"


def _scan(path: Path) -> tuple[set[str], set[str]]:
    """(catalog IDs the module's code names, IDs its classes' JUDGES list)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    declared: set[str] = set()
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            if any(isinstance(t, ast.Name) and t.id == "JUDGES" for t in targets):
                for c in ast.walk(node):
                    if isinstance(c, ast.Constant) and isinstance(c.value, str):
                        declared.add(c.value)
                        skip.add(id(c))
    named = {
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant)
        and isinstance(n.value, str)
        and n.value in CATALOG
        and id(n) not in skip
    }
    return named, declared


def test_each_family_declares_exactly_the_rows_it_flags() -> None:
    union: set[str] = set()
    for path in sorted(REPLAY.glob("*.py")):
        if path.name == "checked.py":
            continue
        named, declared = _scan(path)
        assert named == declared, (
            f"{path.name}: flags {sorted(named - declared)} undeclared, declares {sorted(declared - named)} it never flags"
        )
        union |= declared
    assert union == set(Observer.judged()) == set(CHECKED)


def test_replay_declared_to_the_registry() -> None:
    assert judged_by(Engine.REPLAY) == CHECKED
    assert list(CHECKED) == [p for p in CATALOG if p in CHECKED]
    for pid in CHECKED:
        assert Engine.REPLAY in engines_of(pid)
    assert Engine.REPLAY not in engines_of("SYS-DELIVERY")


def test_every_declared_row_fires_on_a_corpus_capture() -> None:
    """A row replay claims to judge is shown firing by a capture built to break it."""
    entries = json.loads((ROOT / "traces" / "captures" / "manifest.json").read_text())["captures"]
    fired = {e["property"] for c in entries for e in c["expected"]}
    assert not (missing := sorted(set(CHECKED) - fired)), missing
