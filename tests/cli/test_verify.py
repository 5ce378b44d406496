"""`mip6check verify`: the JSON/JUnit contract, exit codes, property selection, determinism."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mip6check.cli.main import main

STATUSES = {"proved", "passed", "violated", "finding", "unknown"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    rc = main(["verify", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def test_unknown_property_is_exit_2_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = run(capsys, "--property", "BC-NOPE")
    assert rc == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "BC-NOPE" in err


def test_z3_subset_json_and_junit(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    xml = tmp_path / "v.xml"
    props = ["BC-SEQ-MONOTONIC", "BC-HOMEREG-NOEVICT", "SPEC-SEQ-HALF", "MN-BACKOFF"]
    rc, out, _ = run(capsys, "--engine", "z3", "--json", "--junit", str(xml), "--property", *props)
    assert rc == 0
    results = json.loads(out)["results"]
    assert {r["property"] for r in results} == set(props)
    for r in results:
        assert {"property", "engine", "status"} <= set(r) and r["status"] in STATUSES
    by = {(r["property"], r["engine"]): r for r in results}
    assert by[("BC-SEQ-MONOTONIC", "z3")]["status"] == "proved"
    half = by[("SPEC-SEQ-HALF", "z3")]
    assert half["status"] == "finding" and half["witness"]
    cases = ET.parse(xml).getroot().iter("testcase")
    assert len(list(cases)) == len(results)


def test_same_seed_same_output(capsys: pytest.CaptureFixture[str]) -> None:
    def once() -> list[dict[str, object]]:
        rc, out, _ = run(
            capsys,
            "--engine",
            "z3",
            "--json",
            "--seed",
            "3",
            "--property",
            "MN-RETX-SAME-SEQ",
            "SPEC-SEQ-NONTRANSITIVE",
        )
        assert rc == 0
        return [{k: v for k, v in r.items() if k != "seconds"} for r in json.loads(out)["results"]]

    assert once() == once()


def test_human_table(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = run(capsys, "--engine", "z3", "--property", "HA-NOT-HOME-133")
    assert rc == 0
    assert out.splitlines()[0].split() == ["property", "engine", "status", "time"]
    assert "HA-NOT-HOME-133" in out and "proved" in out


def test_unchecked_rows_are_reported_unknown(capsys: pytest.CaptureFixture[str]) -> None:
    """A row that the selected engines do not check is never silently passed, and a run that checked
    nothing at all does not exit 0."""
    rc, out, err = run(capsys, "--engine", "z3", "--json", "--property", "W-AUTOCONF-LLSRC")
    results = json.loads(out)["results"]
    assert rc == 2 and err.startswith("mip6check: verify: nothing was checked")
    assert [(r["property"], r["engine"], r["status"]) for r in results] == [
        ("W-AUTOCONF-LLSRC", "none", "unknown")
    ]


def test_no_timing_is_byte_identical(capsys: pytest.CaptureFixture[str]) -> None:
    argv = (
        "--engine",
        "z3",
        "--json",
        "--no-timing",
        "--property",
        "BC-UNIQUE",
        "SPEC-SEQ-HALF",
        "MN-SLOW-RATE",
    )
    first = run(capsys, *argv)
    second = run(capsys, *argv)
    assert first[0] == 0 and first[1] == second[1]
    assert '"seconds"' not in first[1]
