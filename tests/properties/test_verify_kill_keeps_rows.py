"""A child process killed in the middle of an engine loses only what was not finished: the rows its
runs had decided before the stuck one keep their verdict and evidence, the stuck run's rows are
`timeout` naming it, and the rows not reached are `timeout` saying so; exit 1, and the rows come in
the order an unkilled run gives them."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mip6check.cli.main import main
from mip6check.properties.catalog import CATALOG
from mip6check.properties.engines import SMT_MODULE, row_groups
from mip6check.properties.mutants import patched
from mip6check.properties.scenarios import DEFAULT_DIRS, run_one
from mip6check.properties.smt.induction import run_proof
from mip6check.properties.verdict import Result, Status, Violation
from mip6check.properties.verify import Decided, VerifyOptions, run_verify
from mip6check.properties.watchdog import grace

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX fork")

FIRST, STUCK, LAST = "BC-STALE-IGNORED", "BC-HAO-NO-STATE", "BC-DELETE"
"""Three Z3 proofs, in the engine's order, none of them also a bounded model check."""
WALL = 3.0
"""`--watchdog`: long enough for the runs before the stuck one on a loaded machine (one Z3 proof
takes about 0.2 s, one scenario about 0.5 s on an idle core)."""
SLACK = 25.0
"""Seconds allowed above the bound for the first proof, forking and a loaded machine."""


def _hang_second(pid: str, budget_s: float = 5.0) -> Result:
    """The Z3 engine's proof step, stuck inside one C call (`sum` over 10^13) for the second proof."""
    if pid == STUCK:
        sum(range(10**13))
    return run_proof(pid, budget_s)


@contextmanager
def second_proof_hangs() -> Iterator[None]:
    with patched({"mip6check.properties.smt.run:run_proof": _hang_second}):
        yield


SOME = (FIRST, STUCK, LAST, "BC-SEQ-MONOTONIC", "SYS-CONVERGE", "SPEC-SEQ-HALF")
"""The three proofs, the first proof of all (its ID also a bounded model check), a bounded model
check only, and a finding: every kind of Z3 row, before and after the stuck proof."""


def _rows(capsys: pytest.CaptureFixture[str], workers: int) -> tuple[int, list[dict[str, Any]]]:
    argv = ["verify", "--engine", "z3", "--property", *SOME, "--watchdog", str(WALL)]
    started = time.monotonic()
    rc = main([*argv, "--no-timing", "--json", "--workers", str(workers)])
    took = time.monotonic() - started
    # the bound of one proof run, doubled by the engine's guard, then the grace period
    assert took < 2 * WALL + grace(2 * WALL) + SLACK, took
    return rc, list(json.loads(capsys.readouterr().out)["results"])


def test_the_proofs_before_a_stuck_one_stay_proved(capsys: pytest.CaptureFixture[str]) -> None:
    """With the engine in this process's child (1 worker) or in a pool worker's (2 workers): the
    same bytes both times, and the (property, engine) rows of an unkilled run in its order."""
    with second_proof_hangs():
        rc, rows = _rows(capsys, 1)
        assert (rc, rows) == _rows(capsys, 2)
    groups = row_groups(SMT_MODULE)
    assert groups is not None and rc == 1
    order = list(CATALOG)
    whole = sorted(
        ((p, e) for p in SOME for e, pids in groups.items() if p in pids),
        key=lambda k: (order.index(k[0]), k[1]),
    )
    assert [(r["property"], r["engine"]) for r in rows] == whole
    status = {(r["property"], r["engine"]): r["status"] for r in rows}
    proved = {("BC-SEQ-MONOTONIC", "z3"), (FIRST, "z3")}  # the first two proofs of the engine
    assert {status[k] for k in proved} == {"proved"}
    assert {status[k] for k in whole if k not in proved} == {"timeout"}
    by = {(r["property"], r["engine"]): r for r in rows}
    stuck, rest = by[(STUCK, "z3")]["detail"], by[(LAST, "z3")]["detail"]
    assert stuck.startswith(f"z3 {STUCK}: no verdict within {2 * WALL:g} s") and "killed" in stuck
    assert "last progress" not in stuck  # that of the proofs before, which are reported
    assert rest.startswith("not reached") and f"stuck in z3 {STUCK}" in rest
    # the proof's own evidence went with it, as an unkilled run reports it
    rc_clean = main(["verify", "--engine", "z3", "--property", FIRST, "--no-timing", "--json"])
    clean = json.loads(capsys.readouterr().out)["results"]
    assert rc_clean == 0 and clean == [by[(FIRST, "z3")]]


def test_decided_rows_without_a_run_under_way() -> None:
    """Killed between runs (the engine's own bound): every row not decided carries the kill text."""
    d = Decided()
    d.message(("unit", "z3", (FIRST,)))
    d.message(("rows", [Result(FIRST, "z3", Status.PROVED, examples=3)]))
    d.message(("progress", "z3 x"))
    opts = VerifyOptions(engines=("z3",), properties=frozenset({FIRST, LAST}))
    got = d.with_rest("z3", "mip6check.properties.smt.run", None, opts, Status.TIMEOUT, "why")
    assert [(r.property, r.status, r.detail) for r in got] == [
        (FIRST, Status.PROVED, None),
        (LAST, Status.TIMEOUT, "why"),
    ]


FIRST_S, STUCK_S = "01-first-registration.scenario", "02-handoff-foreign-links.scenario"
CORPUS = (FIRST_S, STUCK_S, "03-return-home.scenario")
PLANTED = "MN-SEQ-INCREASE"


def _corpus(tmp_path: Path) -> dict[str, Path]:
    for name in CORPUS:
        src = next(d / name for d in DEFAULT_DIRS if (d / name).exists())
        shutil.copy(src, tmp_path / name)
    return {"scenarios": tmp_path}


def _planted(stuck: Callable[[], object]) -> Callable[[Path], Any]:
    """`run_one` with a planted violation in the first scenario and the second one stuck."""

    def run(path: Path) -> Any:
        if path.name == STUCK_S:
            stuck()
        got = run_one(path)
        if path.name != FIRST_S:
            return got
        seen = Violation(PLANTED, "§10.7", "MUST", "MN", "planted")
        return (replace(got[0], monitor_violations=(seen,)), *got[1:])

    return run


def _in_c() -> object:
    return sum(range(10**13))


def _in_python() -> object:
    while True:
        time.sleep(0.01)


def _corpus_rows(tmp_path: Path, stuck: Callable[[], object]) -> list[Result]:
    opts = VerifyOptions(engines=("scenarios",), roots=_corpus(tmp_path), run_wall_s=WALL)
    with patched({"mip6check.properties.scenarios:run_one": _planted(stuck)}):
        return run_verify(opts)


def test_a_killed_corpus_keeps_what_its_finished_scenarios_found(tmp_path: Path) -> None:
    """The second of three scenarios stuck in C: the violation the first one found stands, the rest
    is `timeout` on one scenario of three, as when the run's own watchdog stops it in Python."""
    started = time.monotonic()
    killed = _corpus_rows(tmp_path, _in_c)
    assert time.monotonic() - started < WALL + grace(WALL) + SLACK
    by = {r.property: r for r in killed if r.engine == "scenarios"}
    assert by[PLANTED].status is Status.VIOLATED and "planted" in (by[PLANTED].detail or "")
    rest = [r for r in by.values() if r.property != PLANTED]
    assert rest and {r.status for r in rest} == {Status.TIMEOUT}
    detail = rest[0].detail or ""
    assert f"scenario {STUCK_S}: no verdict within {WALL:g} s" in detail and "killed" in detail
    assert "1 of 3 scenarios ran to the end" in detail
    assert rest[0].counterexample == {"scenario": str(tmp_path / STUCK_S)}
    # the same rows as the in-process watchdog gives a run stuck in Python
    here = _corpus_rows(tmp_path, _in_python)
    assert [(r.property, r.engine, r.status) for r in here] == [
        (r.property, r.engine, r.status) for r in killed
    ]


def _die_second(pid: str, budget_s: float = 5.0) -> Result:
    """The second proof's process ends outright (as memory exhausted, or a crash in C code would)."""
    if pid == STUCK:
        os._exit(3)
    return run_proof(pid, budget_s)


def test_a_child_that_dies_keeps_the_rows_before() -> None:
    opts = VerifyOptions(engines=("z3",), properties=frozenset({FIRST, STUCK, LAST}))
    with patched({"mip6check.properties.smt.run:run_proof": _die_second}):
        got = run_verify(opts)
    assert [(r.property, r.status) for r in got] == [
        (FIRST, Status.PROVED),
        (STUCK, Status.ERROR),
        (LAST, Status.ERROR),
    ]
    stuck, rest = got[1].detail or "", got[2].detail or ""
    assert "exited with status 3" in stuck and stuck.endswith(f"during z3 {STUCK}")
    assert rest.startswith("not reached: ") and "exited with status 3" in rest
