"""The Z3 engine of `verify`: inductive proofs, SPEC findings and bounded model checking, as `Result`s.

`run_all(properties, budget_s)` is the entry point; `verify_engine(opts, progress)` adapts it to
properties/verify.py. There the budget is a fixed unrolling depth (`BMC_DEPTHS`: "ci" 10 steps for
the safety checks, 8 for SYS-CONVERGE), so two runs report the same depth; the wall clock is only a
watchdog: a check that has not reached its depth when it rings is `timeout`, with the depth it had
fully checked. A proof, finding or unrolling that raises out of the model is `error`, with the
traceback (proofs and findings take well under a second each).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from mip6check.model.config import DEFAULT, Config
from mip6check.properties.smt.bmc import CHECKS, bmc, results
from mip6check.properties.smt.induction import PROOFS, run_proof
from mip6check.properties.smt.spec import FINDINGS
from mip6check.properties.verdict import Result, Status
from mip6check.properties.watchdog import BudgetExceeded, crash_line, crash_text, wall_clock

BMC_SAFETY = tuple(c for c in CHECKS if c != "SYS-CONVERGE")
BMC_TAME = ("SYS-CONVERGE",)
# "quick": the mutant kill runs of properties/killrate.py (proofs are unaffected; BMC gets ~5 s)
BUDGETS = {"quick": 5.0, "ci": 30.0, "long": 600.0}
BMC_DEPTHS: dict[str, tuple[int, int]] = {"quick": (6, 6), "ci": (10, 8), "long": (13, 9)}
"""Per `verify` budget: the depth bounded model checking must reach (safety checks, SYS-CONVERGE).
Measured on the clean model: 10 safety steps about 7 s, 8 SYS-CONVERGE steps about 6 s."""


def covered() -> set[str]:
    """Every property ID this engine reports on."""
    return set(PROOFS) | set(FINDINGS) | set(CHECKS)


def run_all(
    properties: set[str] | frozenset[str] | None = None,
    budget_s: float = 30.0,
    cfg: Config = DEFAULT,
    progress: Callable[[str], None] = lambda _m: None,
    max_depth: int = 40,
    depths: tuple[int, int] | None = None,
) -> list[Result]:
    """Proofs, then findings, then BMC. Without `depths`, BMC goes as deep as `budget_s` allows (the
    safety checks get 60% of what is left, SYS-CONVERGE the rest); with `depths` (safety, converge)
    it must reach them, `budget_s` being only the watchdog of each unrolling: one that stops short
    is `timeout`. `cfg` is the reading BMC runs under; each proof states its own readings."""
    t0 = time.monotonic()
    want: Callable[[str], bool] = (
        (lambda p: True) if properties is None else (lambda p: p in properties)
    )
    out: list[Result] = []
    proof_s = max(1.0, min(20.0, budget_s / 4))
    for pid in PROOFS:
        if want(pid):
            out.extend(_guarded("z3", (pid,), budget_s, partial(_proof, pid, proof_s)))
            progress(f"z3 {pid}: {out[-1].status.value}")
    for pid, finding in FINDINGS.items():
        if want(pid):
            out.extend(_guarded("z3", (pid,), budget_s, partial(_finding, finding)))
            progress(f"z3 {pid}: {out[-1].status.value}")
    safety = tuple(c for c in BMC_SAFETY if want(c))
    tame = tuple(c for c in BMC_TAME if want(c))
    if safety:
        if depths is None:
            left = budget_s - (time.monotonic() - t0)
            depth, wall = max_depth, max(1.0, left * (0.6 if tame else 1.0))
        else:
            depth, wall = depths[0], budget_s
        out.extend(
            _guarded(
                "z3-bmc",
                safety,
                wall,
                lambda: _bmc_results(cfg, depth, wall, safety, False, depths is not None, progress),
            )
        )
    if tame:
        if depths is None:
            depth, wall = max_depth, max(1.0, budget_s - (time.monotonic() - t0))
        else:
            depth, wall = depths[1], budget_s
        out.extend(
            _guarded(
                "z3-bmc",
                tame,
                wall,
                lambda: _bmc_results(cfg, depth, wall, tame, True, depths is not None, progress),
            )
        )
    return out


def _proof(pid: str, budget_s: float) -> list[Result]:
    return [run_proof(pid, budget_s)]


def _finding(finding: Callable[[], Result]) -> list[Result]:
    return [finding()]


def _bmc_results(
    cfg: Config,
    depth: int,
    wall: float,
    checks: tuple[str, ...],
    tame: bool,
    fixed: bool,
    progress: Callable[[str], None],
) -> list[Result]:
    """One unrolling; with a `fixed` depth, checks it did not reach within `wall` are `timeout`."""
    rep = bmc(cfg, max_depth=depth, budget_s=wall, checks=checks, tame=tame)
    progress(f"z3-bmc {'SYS-CONVERGE' if tame else 'safety'}: depth {rep.depth}")
    out = [_tame_detail(r) if tame else r for r in results(rep)]
    if not fixed or rep.complete:
        return out
    why = (
        f"bounded model checking stopped at depth {rep.depth} of {depth}: the watchdog"
        f" ({wall:g} s) rang or the solver gave up [{rep.reading}]"
    )
    return [
        r if r.status is Status.VIOLATED else replace(r, status=Status.TIMEOUT, detail=why)
        for r in out
    ]


def _guarded(
    engine: str, pids: tuple[str, ...], wall: float, work: Callable[[], list[Result]]
) -> list[Result]:
    """`work()` under a watchdog; `error` (model raised) or `timeout` on `pids` instead of a verdict."""
    started = time.monotonic()
    try:
        with wall_clock(wall + min(wall, 30.0), f"{engine} {', '.join(pids)}"):
            return work()
    except BudgetExceeded as e:
        took = time.monotonic() - started
        return [Result(p, engine, Status.TIMEOUT, took, detail=str(e)) for p in pids]
    except Exception as e:  # noqa: BLE001 - the model raised while Z3 ran it: a failure, shown
        took = time.monotonic() - started
        detail = f"the model raised {crash_line(e)} while {engine} ran it (a bug in the model)"
        trace = {"traceback": crash_text(e)}
        return [
            Result(p, engine, Status.ERROR, took, detail=detail, counterexample=trace) for p in pids
        ]


def _tame_detail(r: Result) -> Result:
    extra = " (safety form: acknowledged home registration = HA binding; MN steps seq by 1, infinite lifetimes)"
    return replace(r, detail=(r.detail or "") + extra)


def verify_engine(opts: Any, progress: Callable[[str], None]) -> list[Result]:
    """properties/verify.py's engine hook: `opts` is a VerifyOptions (properties, budget, config)."""
    from mip6check.properties.verify import run_bound

    name = getattr(opts, "budget", "ci")
    return run_all(
        getattr(opts, "properties", None),
        run_bound(opts),
        getattr(opts, "config", DEFAULT),
        progress,
        depths=BMC_DEPTHS.get(name, BMC_DEPTHS["ci"]),
    )


def kill_table() -> dict[str, tuple[str, ...]]:
    """Mutant name -> the Z3 proofs (among its `catches`) that fail under it; empty = survived.
    The Z3 kill rate is the share of non-empty rows (target: 100%)."""
    from mip6check.properties.mutants import MUTANTS

    out: dict[str, tuple[str, ...]] = {}
    for m in MUTANTS:
        with m.applied():
            out[m.name] = tuple(
                sorted(
                    p for p in m.catches if p in PROOFS and run_proof(p).status.value == "violated"
                )
            )
    return out
