"""The Z3 engine of `verify`: inductive proofs, SPEC findings and bounded model checking, as `Result`s.

`run_all(properties, budget_s)` is the entry point; `verify_engine(opts, progress)` adapts it to
properties/verify.py ("ci" budget: about 30 s, "long": 10 minutes, nearly all of it bounded model
checking; proofs and findings take well under a second each).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from mip6check.model.config import DEFAULT, Config
from mip6check.properties.smt.bmc import CHECKS, bmc, results
from mip6check.properties.smt.induction import PROOFS, run_proof
from mip6check.properties.smt.spec import FINDINGS
from mip6check.properties.verdict import Result

BMC_SAFETY = tuple(c for c in CHECKS if c != "SYS-CONVERGE")
BMC_TAME = ("SYS-CONVERGE",)
# "quick": the mutant kill runs of properties/killrate.py (proofs are unaffected; BMC gets ~5 s)
BUDGETS = {"quick": 5.0, "ci": 30.0, "long": 600.0}


def covered() -> set[str]:
    """Every property ID this engine reports on."""
    return set(PROOFS) | set(FINDINGS) | set(CHECKS)


def run_all(
    properties: set[str] | frozenset[str] | None = None,
    budget_s: float = 30.0,
    cfg: Config = DEFAULT,
    progress: Callable[[str], None] = lambda _m: None,
    max_depth: int = 40,
) -> list[Result]:
    """Proofs, then findings, then BMC (the safety checks get 60% of what is left, SYS-CONVERGE the rest).
    `cfg` is the reading BMC runs under; each proof states its own readings in its detail."""
    t0 = time.monotonic()
    want: Callable[[str], bool] = (
        (lambda p: True) if properties is None else (lambda p: p in properties)
    )
    out: list[Result] = []
    for pid in PROOFS:
        if want(pid):
            out.append(run_proof(pid, budget_s=max(1.0, min(20.0, budget_s / 4))))
            progress(f"z3 {pid}: {out[-1].status.value}")
    for pid, finding in FINDINGS.items():
        if want(pid):
            out.append(finding())
            progress(f"z3 {pid}: {out[-1].status.value}")
    left = budget_s - (time.monotonic() - t0)
    safety = tuple(c for c in BMC_SAFETY if want(c))
    tame = tuple(c for c in BMC_TAME if want(c))
    if safety:
        share = left * (0.6 if tame else 1.0)
        rep = bmc(cfg, max_depth=max_depth, budget_s=max(1.0, share), checks=safety)
        progress(f"z3-bmc safety: depth {rep.depth} in {rep.seconds:.1f}s")
        out.extend(results(rep))
    if tame:
        left = budget_s - (time.monotonic() - t0)
        rep = bmc(cfg, max_depth=max_depth, budget_s=max(1.0, left), checks=tame, tame=True)
        progress(f"z3-bmc SYS-CONVERGE: depth {rep.depth} in {rep.seconds:.1f}s")
        for r in results(rep):
            out.append(_tame_detail(r))
    return out


def _tame_detail(r: Result) -> Result:
    extra = " (safety form: acknowledged home registration = HA binding; MN steps seq by 1, infinite lifetimes)"
    return replace(r, detail=(r.detail or "") + extra)


def verify_engine(opts: Any, progress: Callable[[str], None]) -> list[Result]:
    """properties/verify.py's engine hook: `opts` is a VerifyOptions (properties, budget, config)."""
    budget = BUDGETS.get(getattr(opts, "budget", "ci"), BUDGETS["ci"])
    return run_all(
        getattr(opts, "properties", None), budget, getattr(opts, "config", DEFAULT), progress
    )


def kill_table() -> dict[str, tuple[str, ...]]:
    """Mutant name -> the Z3 proofs (among its `catches`) that fail under it; empty = survived.
    The Z3 kill rate is the share of non-empty rows (issue 5: target 100%)."""
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
