"""Small modules with one job each: no module of properties/ (the checker) grows past about 600
lines; a larger one is split by the jobs it holds."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 650
"""About 600 lines, with room for a docstring or a table row before a split is due."""


def test_no_module_of_the_checker_is_over_the_limit() -> None:
    sizes = {
        p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in sorted((ROOT / "properties").rglob("*.py"))
    }
    assert len(sizes) > 50
    assert {p: n for p, n in sizes.items() if n > LIMIT} == {}
