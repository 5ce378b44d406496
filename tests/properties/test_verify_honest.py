"""`verify` claims only what it checked: a model that raises fails every engine that ran it (with the
traceback and the steps that raise), a model that loops is stopped by the watchdog and reported
`timeout`, and neither ever exits 0. The faults are planted the way a mutation tool would plant
them: one expression of the model's source rewritten (properties/source_faults.py)."""

from __future__ import annotations

import shutil
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from mip6check.cli.main import main
from mip6check.properties.mutants import patched
from mip6check.properties.scenarios import DEFAULT_DIRS
from mip6check.properties.source_faults import rewritten
from mip6check.properties.verdict import Result, Status
from mip6check.properties.verify import VerifyOptions, failed, run_verify
from mip6check.properties.watchdog import BudgetExceeded, wall_clock

MOVE = "mip6check.model.roles.mn_movement:move"
ON_TIMER = "mip6check.model.roles.node:IPv6Node.on_timer"
SCENARIO = "02-handoff-foreign-links.scenario"


@contextmanager
def crashing_move() -> Iterator[None]:
    """`return out + form_coa(...)` -> `out ^ form_coa(...)`: a TypeError on every move."""
    with patched({MOVE: rewritten(MOVE, "out + form_coa", "out ^ form_coa")}):
        yield


@contextmanager
def looping_router() -> Iterator[None]:
    """`ifc.next_ra <= now` -> `<`: a router's timer fires at its deadline and re-arms it there."""
    with patched({ON_TIMER: rewritten(ON_TIMER, "ifc.next_ra <= now", "ifc.next_ra < now")}):
        yield


def one_scenario(tmp_path: Path) -> dict[str, Path]:
    """A corpus of one scenario (a handoff between two foreign links: moves and router timers)."""
    src = next(d / SCENARIO for d in DEFAULT_DIRS if (d / SCENARIO).exists())
    shutil.copy(src, tmp_path / SCENARIO)
    return {"scenarios": tmp_path}


def statuses(results: list[Result], engine: str) -> set[Status]:
    return {r.status for r in results if r.engine == engine}


def test_rewritten_plants_the_fault_and_patched_removes_it() -> None:
    from mip6check.model.roles import mn_movement

    clean = mn_movement.move
    with crashing_move():
        assert mn_movement.move is not clean
        with pytest.raises(ValueError):
            rewritten(MOVE, "no such text", "x")
    assert mn_movement.move is clean


def test_crash_fails_hypothesis_with_traceback_and_shrunk_steps() -> None:
    with crashing_move():
        results = run_verify(VerifyOptions(engines=("hypothesis",)))
    assert failed(results)
    mine = [r for r in results if r.engine == "hypothesis"]
    assert mine and {r.status for r in mine} == {Status.ERROR}  # never passed, never unknown
    ce = mine[0].counterexample
    assert "TypeError" in ce["traceback"] and "out ^ form_coa" in ce["traceback"]
    # shrunk to the move that raises and the run up to it (a plan may reach it in small time steps)
    actions = [ln for ln in ce["scenario_text"].splitlines() if ln.startswith("at ")]
    assert len(actions) == 1 and "move MN" in actions[0], ce["scenario_text"]
    assert ce["steps"] <= 6


def test_crash_fails_the_scenario_corpus(tmp_path: Path) -> None:
    with crashing_move():
        results = run_verify(VerifyOptions(engines=("scenarios",), roots=one_scenario(tmp_path)))
    assert statuses(results, "scenarios") == {Status.ERROR}
    r = next(r for r in results if r.engine == "scenarios")
    assert SCENARIO in r.counterexample["scenario"] and "TypeError" in r.counterexample["traceback"]


def test_crash_in_the_kernel_fails_z3() -> None:
    def broken(*_a: object, **_kw: object) -> object:
        raise ZeroDivisionError("planted")

    props = frozenset({"BC-SEQ-MONOTONIC", "MN-SEQ-INCREASE"})
    with patched({"seq_greater": broken}):
        results = run_verify(VerifyOptions(engines=("z3",), properties=props, budget="quick"))
    z3 = [r for r in results if r.engine.startswith("z3")]
    assert z3 and all(r.status is Status.ERROR for r in z3)
    assert all("ZeroDivisionError" in r.counterexample["traceback"] for r in z3)


def test_crash_exits_1_and_prints_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    with crashing_move():
        rc = main(["verify", "--engine", "hypothesis", "--property", "MN-SEQ-INCREASE"])
    out = capsys.readouterr().out
    assert rc == 1
    assert "ERROR (hypothesis" in out and "TypeError" in out and "move MN" in out
    assert "passed" not in out.split("\n\n")[0]


def test_hang_in_a_scenario_is_a_timeout_not_a_hang(tmp_path: Path) -> None:
    started = time.monotonic()
    with looping_router():
        results = run_verify(
            VerifyOptions(engines=("scenarios",), roots=one_scenario(tmp_path), run_wall_s=2.0)
        )
    assert time.monotonic() - started < 30
    assert statuses(results, "scenarios") == {Status.TIMEOUT} and failed(results)
    r = next(r for r in results if r.engine == "scenarios")
    assert "watchdog" in (r.detail or "") and "0 of 1 scenarios ran to the end" in (r.detail or "")


def test_hang_in_hypothesis_is_a_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    """The machines' driver stops a model whose timers fire without end at one instant
    (ModelLivelock, an `error` naming it); a hang it cannot see is the watchdog's `timeout`. Either
    way never `passed`, exit 1, within the bound."""
    started = time.monotonic()
    with looping_router():
        rc = main(["verify", "--engine", "hypothesis", "--watchdog", "2", "--json"])
    assert time.monotonic() - started < 30
    assert rc == 1
    out = capsys.readouterr().out
    assert '"status": "passed"' not in out
    assert '"status": "timeout"' in out or ('"status": "error"' in out and "ModelLivelock" in out)


def test_watchdog_nests_and_rearms_the_outer_bound() -> None:
    if not hasattr(signal, "setitimer"):
        pytest.skip("no interval timers here")
    with pytest.raises(BudgetExceeded) as outer:
        with wall_clock(0.6, "outer"):
            with wall_clock(5.0, "inner, longer: the outer one stays in charge"):
                pass
            with wall_clock(0.1, "inner"):
                pass  # ends before it rings; the outer bound is re-armed with what it has left
            time.sleep(2)
    assert outer.value.what == "outer"
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_clean_model_bmc_reports_its_fixed_depth() -> None:
    """The budget of bounded model checking is a depth, so two runs report the same one."""
    props = frozenset({"MN-RETX-SAME-SEQ", "SYS-CONVERGE"})
    results = run_verify(VerifyOptions(engines=("z3",), properties=props, budget="quick"))
    bmc = {r.property: r for r in results if r.engine == "z3-bmc"}
    assert bmc["MN-RETX-SAME-SEQ"].status is Status.PASSED
    assert "up to depth 6" in (bmc["MN-RETX-SAME-SEQ"].detail or "")
    assert "up to depth 6" in (bmc["SYS-CONVERGE"].detail or "")
