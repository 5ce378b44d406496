"""Every counterexample `explore` ever found that exposed a bug is replayed here (traces/regressions/).

Each file states its expected verdict as expectations (`expect: property ID holds`). Properties with a
runtime monitor are judged by `mip6check simulate` itself; the others (judged by the replay observers)
by replaying the scenario under the machines' own judge. A file marked `# known-open: ID` records a
model bug not fixed yet: it is expected to fail until it is (non-strict).
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from mip6check.cli.cmd_simulate import simulate
from mip6check.model.dsl import ast as A
from mip6check.model.dsl import parse_scenario
from mip6check.properties import engines
from mip6check.properties.explore.counterexample import confirm
from mip6check.properties.monitors import MONITORED
from mip6check.properties.spec import Engine, engines_of

engines.load()

ROOT = Path(__file__).resolve().parents[2] / "traces" / "regressions"
FILES = sorted(ROOT.glob("*.scenario"))


def test_there_are_regressions() -> None:
    assert FILES, "traces/regressions/ holds the counterexamples explore found"


def failures(path: Path) -> list[str]:
    """The expectations of one regression file that do not hold."""
    text = path.read_text(encoding="utf-8")
    run = simulate(text, str(path))
    observed = {
        e.property_id: e.holds
        for e in parse_scenario(text, str(path)).expectations
        if isinstance(e, A.ExpectProperty)
        and e.property_id not in MONITORED
        and Engine.HYPOTHESIS in engines_of(e.property_id)  # else simulate's verdict stands
    }
    bad = [r.text for r in run.results if not r.ok and not any(p in r.text for p in observed)]
    if observed:
        sc = parse_scenario(text, str(path))
        seen = {v.property for v in confirm(SimpleNamespace(scenario=sc), only=frozenset(observed))}
        bad += [f"property {p}" for p, holds in observed.items() if (p not in seen) != holds]
    return bad


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_regression_replays_to_its_expected_verdict(path: Path) -> None:
    open_bug = re.search(r"^# known-open: (\S+)", path.read_text(encoding="utf-8"), re.M)
    bad = failures(path)
    if open_bug is not None:
        if bad:
            pytest.xfail(f"known open model bug: {open_bug.group(1)} ({bad[0]})")
        return
    assert not bad, bad


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_regression_is_clean_under_the_run_judges(path: Path) -> None:
    """`simulate` (and so `verify`'s scenario corpus) judges each regression with every run judge:
    the clean model breaks nothing there that the file does not announce."""
    text = path.read_text(encoding="utf-8")
    if re.search(r"^# known-open: ", text, re.M):
        pytest.skip("a known open model bug")
    run = simulate(text, str(path))
    assert [r.text for r in run.results if not r.ok] == []
    assert run.violations == (), [(v.property, v.message) for v in run.violations]
