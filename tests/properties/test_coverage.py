"""Clause coverage: every clause mapped, to known property IDs and existing modules; CLI output."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from mip6check.properties.catalog import CATALOG
from mip6check.properties.coverage import (
    DESCRIPTIVE,
    Coverage,
    build,
    load_clauses,
    load_map,
    render_text,
)

ROOT = Path(__file__).resolve().parents[2]
DRAFT = ROOT.parent / "shared" / "spec" / "000_5ef8facd5bbaef68.txt"


def test_every_clause_is_mapped_to_known_ids_and_existing_modules() -> None:
    report = build()
    assert report.problems == (), "\n".join(report.problems)
    t = report.totals()
    assert t["unmapped"] == 0
    assert t["clauses"] == t["property"] + t["implemented"] + t["out_of_scope"]


def test_out_of_scope_reasons_are_explicit() -> None:
    for r in build().rows:
        if r.coverage is Coverage.OUT_OF_SCOPE:
            assert r.reason and len(r.reason) > 15, r.clause.id


def test_clause_ids_are_stable_and_unique() -> None:
    clauses = load_clauses()
    ids = [c.id for c in clauses]
    assert len(ids) == len(set(ids)) >= 200
    for c in clauses:
        assert c.id.startswith(f"C{c.section}-")
        assert c.keyword in c.keywords
        assert "**" not in c.text and "](#)" not in c.text and "Expires 21 May" not in c.text
    by_id = {c.id: c for c in clauses}
    assert by_id["C7.2-03"].text.startswith("Any Binding Update not satisfying all of these tests")
    assert by_id["C7.2-03"].text.endswith("MUST be discarded.")  # joined across the page-28 footer
    assert len(by_id["C7.2-01"].items) == 4  # the four §7.2 tests
    assert by_id["C5.2-08"].section == "5.2"  # A2: lost heading restored
    assert by_id["C5.4-01"].section == "5.4"  # A3: lost heading restored


def test_problems_are_detected() -> None:
    clauses = load_clauses()
    mapping = dict(load_map())
    first = clauses[0].id
    mapping[first] = {"properties": ["NO-SUCH-ID"], "modules": ["model/roles/nowhere.py"]}
    del mapping[clauses[1].id]
    mapping["C99-01"] = {"out_of_scope": "editorial"}
    problems = build(clauses, mapping).problems
    text = "\n".join(problems)
    assert "unknown property ID 'NO-SUCH-ID'" in text
    assert "model/roles/nowhere.py' does not exist" in text
    assert f"{clauses[1].id} (§{clauses[1].section}) is unmapped" in text
    assert "C99-01 names no extracted clause" in text


def test_extraction_is_reproducible() -> None:
    if not DRAFT.is_file():
        pytest.skip("../shared/spec draft is absent")
    spec = importlib.util.spec_from_file_location(
        "extract_clauses", ROOT / "scripts" / "extract_clauses.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["extract_clauses"] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    fresh = mod.render(mod.extract(DRAFT.read_text(encoding="utf-8")))
    committed = (ROOT / "properties" / "clauses.json").read_text(encoding="utf-8")
    assert fresh == committed, "run: python scripts/extract_clauses.py"


def test_reverse_index_and_text() -> None:
    report = build()
    assert "C9.7-02" in report.clauses_of("MN-RETX-SAME-SEQ")
    # SYS rows are run-level properties; the rest cite a clause unless their text has no keyword
    orphans = [p for p in report.properties_without_clause() if not p.startswith("SYS-")]
    assert sorted(orphans) == sorted(DESCRIPTIVE), orphans
    assert set(report.properties_without_clause()) <= set(CATALOG)
    out = render_text(report)
    assert "clauses:" in out and "covered by property" in out


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    from mip6check.cli import cmd_coverage

    p = argparse.ArgumentParser()
    cmd_coverage.add_arguments(p)
    code = cmd_coverage.run(p.parse_args(["--json"]))
    doc = json.loads(capsys.readouterr().out)
    assert code == (1 if doc["problems"] else 0)
    assert doc["totals"]["clauses"] == len(doc["clauses"])
    assert {"id", "section", "keyword", "text", "status", "properties", "modules", "reason"} <= set(
        doc["clauses"][0]
    )


def test_conformance_table_by_section() -> None:
    from mip6check.properties.coverage import render_markdown

    report = build()
    secs = report.by_section()
    assert sum(n for _, n, _, _, _ in secs) == report.totals()["clauses"]
    row = dict((s, (m, p)) for s, _, m, p, _ in secs)["9.7"]
    assert "MN-RETX-SAME-SEQ" in row[1] and "model/roles/kernel.py" in row[0]
    md = render_markdown(report)
    assert md.startswith("| § | clauses |") and "| 9.7 | 3 |" in md


def test_engines_per_row_are_derived_from_the_registry() -> None:
    """Which engines judge a row comes from the engines' declarations in the spec registry: a new
    declaration shows up in `coverage` without any list being edited."""
    from mip6check.properties.coverage import SHORT
    from mip6check.properties.spec import Engine, registry

    report = build()
    assert report.unjudged() == []
    assert Engine.MONITOR in report.engines["BC-UNIQUE"]
    assert (
        Engine.LOG in report.engines["HA-TUNNEL"] and Engine.REPLAY in report.engines["HA-TUNNEL"]
    )
    assert report.engines["SPEC-SEQ-HALF"] == (Engine.SMT,)
    line = next(ln for ln in render_text(report).splitlines() if ln.startswith("C9.11-"))
    assert "MN-BR-ANSWER [rep" in line
    saved = dict(registry._JUDGES)
    try:
        registry._JUDGES[Engine.LOG] = (*saved[Engine.LOG], "MN-BR-ANSWER")
        again = build()
        assert Engine.LOG in again.engines["MN-BR-ANSWER"]
        assert f"MN-BR-ANSWER [{SHORT[Engine.LOG]}," in render_text(again)
        registry._JUDGES[Engine.SMT] = tuple(p for p in saved[Engine.SMT] if p != "SPEC-SEQ-HALF")
        assert "SPEC-SEQ-HALF" in build().unjudged()
    finally:
        registry._JUDGES.clear()
        registry._JUDGES.update(saved)


def test_cli_json_names_the_engines(capsys: pytest.CaptureFixture[str]) -> None:
    from mip6check.cli import cmd_coverage

    p = argparse.ArgumentParser()
    cmd_coverage.add_arguments(p)
    cmd_coverage.run(p.parse_args(["--json"]))
    doc = json.loads(capsys.readouterr().out)
    assert doc["engines"]["BC-EXPIRE"][:3] == ["monitor", "log", "replay"]
    assert doc["unjudged"] == []
    row = next(c for c in doc["clauses"] if "BC-EXPIRE" in c["properties"])
    assert row["engines"]["BC-EXPIRE"] == doc["engines"]["BC-EXPIRE"]
