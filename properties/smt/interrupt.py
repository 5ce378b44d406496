"""Ctrl-C during a Z3 check: Z3 catches SIGINT itself and answers `unknown` ("interrupted from
keyboard"), so without this a run would go on and report the cut-short check as a budget limit."""

from __future__ import annotations

from typing import Any

import z3


def check(solver: Any, *assumptions: Any) -> Any:
    """`solver.check(...)`, raising KeyboardInterrupt when Z3 stopped because of Ctrl-C / SIGINT."""
    r = solver.check(*assumptions)
    if r == z3.unknown:
        raise_if_interrupted(solver)
    return r


def raise_if_interrupted(solver: Any) -> None:
    """Raise KeyboardInterrupt if the solver's last `unknown` came from an interrupt (Z3 says
    "interrupted from keyboard"; "canceled" is its word for a timeout, which is no interrupt)."""
    reason = str(solver.reason_unknown())
    if "interrupted" in reason:
        raise KeyboardInterrupt(f"z3: {reason}")
