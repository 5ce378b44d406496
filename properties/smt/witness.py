"""Shared plumbing of the SPEC findings (properties/smt/spec.py, findings_format.py, findings_runs.py):
time a finding, ask Z3 for a smallest model, or for the validity of a claim.

A finding's status is "finding" when the defect is shown with a witness; "violated" when what the row
claims could not be shown (the witness is gone: the claim is wrong, or the definitions moved).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import z3

from mip6check.properties.verdict import Result, Status

ENGINE = "z3"

Outcome = tuple[Status, str, Any]


def timed(pid: str, fn: Callable[[], Outcome]) -> Result:
    """Run one finding and wrap it as a `Result` of the z3 engine."""
    t0 = time.monotonic()
    status, detail, witness = fn()
    return Result(pid, ENGINE, status, time.monotonic() - t0, detail=detail, witness=witness)


def solve(*cs: Any, minimize: tuple[Any, ...] = ()) -> Any | None:
    """A model of the constraints (smallest values first for `minimize`), or None when unsat/unknown."""
    opt = z3.Optimize()
    opt.add(*cs)
    for m in minimize:
        opt.minimize(m)
    return opt.model() if opt.check() == z3.sat else None


def valid(*cs: Any) -> bool:
    """True when the conjunction of `cs` is unsatisfiable (its negation holds for all inputs)."""
    s = z3.Solver()
    s.add(*cs)
    return bool(s.check() == z3.unsat)


def gone(what: str) -> Outcome:
    """The outcome of a finding whose witness could not be found."""
    return Status.VIOLATED, what, None


__all__ = ["ENGINE", "Outcome", "gone", "solve", "timed", "valid"]
