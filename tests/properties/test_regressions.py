"""Every counterexample `explore` ever found that exposed a bug is replayed here (traces/regressions/).

Each file states its expected verdict as expectations (`expect: property ID holds`). A file marked
`# known-open: ID` records a model bug not fixed yet: it is expected to fail until it is (non-strict).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli.cmd_simulate import simulate

ROOT = Path(__file__).resolve().parents[2] / "traces" / "regressions"
FILES = sorted(ROOT.glob("*.scenario"))


def test_there_are_regressions() -> None:
    assert FILES, "traces/regressions/ holds the counterexamples explore found"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_regression_replays_to_its_expected_verdict(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    open_bug = re.search(r"^# known-open: (\S+)", text, re.M)
    run = simulate(text, str(path))
    failed = [r for r in run.results if not r.ok]
    if open_bug is not None:
        if failed:
            pytest.xfail(f"known open model bug: {open_bug.group(1)} ({failed[0].text})")
        return
    assert not failed, [(r.text, r.detail) for r in failed]
