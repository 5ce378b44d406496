"""The README's generated tables (switches, conformance) match the code that generates them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_generated_tables_are_fresh() -> None:
    spec = importlib.util.spec_from_file_location("gen_readme", ROOT / "scripts" / "gen_readme.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert gen.regenerate(text) == text, "run: python scripts/gen_readme.py --write"


def test_every_catalog_row_is_checked_somewhere() -> None:
    assert "**not checked**" not in (ROOT / "README.md").read_text(encoding="utf-8")
