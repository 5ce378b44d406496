"""A run stuck inside one C call (a Z3 check, a big-integer loop) never returns to Python, where the
in-process watchdog's SIGALRM is handled; `verify` still ends within its bound plus the grace period,
with `timeout` on the stuck engine's rows and exit 1, because each engine runs in a child process the
parent kills (properties/parallel.py `in_child`)."""

from __future__ import annotations

import os
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from mip6check.cli.main import main
from mip6check.properties.mutants import patched
from mip6check.properties.parallel import ChildDied, ChildKilled, in_child
from mip6check.properties.scenarios import DEFAULT_DIRS
from mip6check.properties.verdict import Result, Status
from mip6check.properties.verify import VerifyOptions, failed, run_verify
from mip6check.properties.watchdog import HardBound, grace, wall_clock

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX fork")

NEXT_SEQ = "mip6check.model.roles.kernel:next_seq"
SCENARIO = "01-first-registration.scenario"
SLACK = 20.0
"""Seconds allowed above bound + grace for forking, imports and a loaded machine."""
KERNEL_WALL = 3.0
"""The bound of the scenario whose kernel hangs: long enough for the run to reach its first Binding
Update on a loaded machine (with 1 s, the in-process watchdog rang first under a load of 11 on 2
cores, before the run had reached the hang)."""


def _stuck_in_c(*_a: object, **_kw: object) -> object:
    """A big-integer loop inside one C call: `sum` over a range never checks for signals."""
    return sum(range(10**13))


@contextmanager
def hung_kernel() -> Iterator[None]:
    """The kernel's §5.1 sequence step (every new Binding Update) stuck inside C code."""
    with patched({NEXT_SEQ: _stuck_in_c}):
        yield


def one_scenario(tmp_path: Path) -> dict[str, Path]:
    src = next(d / SCENARIO for d in DEFAULT_DIRS if (d / SCENARIO).exists())
    shutil.copy(src, tmp_path / SCENARIO)
    return {"scenarios": tmp_path}


def test_big_int_hang_in_the_kernel_is_a_timeout(tmp_path: Path) -> None:
    started = time.monotonic()
    with hung_kernel():
        results = run_verify(
            VerifyOptions(
                engines=("scenarios",), roots=one_scenario(tmp_path), run_wall_s=KERNEL_WALL
            )
        )
    took = time.monotonic() - started
    assert took < KERNEL_WALL + grace(KERNEL_WALL) + SLACK, took
    mine = [r for r in results if r.engine == "scenarios"]
    assert mine and {r.status for r in mine} == {Status.TIMEOUT} and failed(results)
    detail = mine[0].detail or ""
    assert (
        f"scenario {SCENARIO}: no verdict within {KERNEL_WALL:g} s" in detail and "killed" in detail
    )
    assert "0 of 1 scenarios ran to the end" in detail


def _fermat(_opts: Any, _progress: Callable[[str], None]) -> list[Result]:
    """An engine whose one check is a Z3 problem it does not finish (x³ + y³ = z³ over the
    positive integers), under a 1 s watchdog that only Python would hear."""
    import z3

    x, y, z = z3.Ints("x y z")
    s = z3.Solver()
    s.add(x > 0, y > 0, z > 0, x * x * x + y * y * y == z * z * z)
    with wall_clock(1.0, "z3 fermat-3"):
        s.check()
    return [Result("BC-SEQ-MONOTONIC", "z3", Status.PROVED)]


def test_hang_inside_a_z3_check_is_a_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    started = time.monotonic()
    with patched({"mip6check.properties.smt.run:verify_engine": _fermat}):
        rc = main(["verify", "--engine", "z3", "--no-timing", "--workers", "1"])
    took = time.monotonic() - started
    out = capsys.readouterr().out
    assert rc == 1 and took < 1.0 + grace(1.0) + SLACK, (rc, took)
    assert "TIMEOUT (z3" in out and "z3 fermat-3: no verdict within 1 s" in out
    assert " proved" not in out and " passed" not in out


def test_hang_with_engines_side_by_side(tmp_path: Path) -> None:
    """The same bound in the engines' worker pool (`--workers 2`)."""
    from mip6check.properties.parallel import executor

    with hung_kernel(), executor(2) as ex:
        results = run_verify(
            VerifyOptions(
                engines=("scenarios",), roots=one_scenario(tmp_path), run_wall_s=KERNEL_WALL
            ),
            executor=ex,
        )
    assert {r.status for r in results if r.engine == "scenarios"} == {Status.TIMEOUT}


def test_in_child_passes_messages_results_and_exceptions() -> None:
    seen: list[object] = []

    def work(send: Callable[[object], None]) -> int:
        send("hello")
        return os.getpid()

    child = in_child(work, seen.append, lambda: None, lambda: "")
    assert seen == ["hello"] and child != os.getpid()

    def raises(_send: Callable[[object], None]) -> None:
        raise ValueError("planted")

    with pytest.raises(ValueError, match="planted"):
        in_child(raises, seen.append, lambda: None, lambda: "")

    def dies(_send: Callable[[object], None]) -> None:
        os._exit(3)

    with pytest.raises(ChildDied, match="status 3"):
        in_child(dies, seen.append, lambda: None, lambda: "")


def test_in_child_kills_at_the_deadline_and_leaves_no_process() -> None:
    pids: list[int] = []

    def spin(send: Callable[[object], None]) -> None:
        send(os.getpid())
        _stuck_in_c()

    due = time.monotonic() + 1.0
    with pytest.raises(ChildKilled, match="too late"):
        in_child(spin, lambda m: pids.append(int(m)), lambda: due, lambda: "too late")
    assert pids and not Path(f"/proc/{pids[0]}").exists() or sys.platform != "linux"


def test_hard_bound_follows_the_innermost_armed_bound() -> None:
    b = HardBound()
    assert b.deadline() is None
    b.message(("arm", "engine", 100.0))
    outer = b.deadline()
    b.message(("arm", "scenario x", 2.0))
    b.message(("progress", "scenarios: x"))
    inner = b.deadline()
    assert outer is not None and inner is not None and inner < outer
    assert inner - time.monotonic() <= 2.0 + grace(2.0)
    why = b.expired()
    assert why.startswith("scenario x: no verdict within 2 s") and "killed" in why
    b.message(("progress", "scenarios: y"))
    assert "its last progress: scenarios: y" in b.expired()
    b.message(("disarm",))
    assert b.deadline() == outer
