"""The mutant kill rate of the exploring machines: for each mutant whose expected properties a machine
run can judge, explore under it (monitors restricted to those properties) and see whether one breaks."""

from __future__ import annotations

import time
from dataclasses import dataclass

from mip6check.properties.explore.machines import JUDGED, explore
from mip6check.properties.mutants import MUTANTS, Mutant
from mip6check.properties.watchdog import BudgetExceeded, wall_clock

BOUND_S = 240.0
"""Wall-clock seconds one mutant's search may take before it is stopped (no verdict): a mutant that
never deletes entries makes every run carry its whole history to the three-hour horizon."""


@dataclass(frozen=True, slots=True)
class Kill:
    """One mutant's outcome: the properties aimed at, the one found violated (None = survived)."""

    mutant: str
    aimed: tuple[str, ...]
    found: str | None
    steps: int | None
    error: str | None = None  # the model or a judge raised, or the bound rang: no verdict
    seconds: float = 0.0

    @property
    def killed(self) -> bool:
        return self.found is not None


def runtime_mutants() -> list[Mutant]:
    """Mutants that concern runtime behaviour a machine run can judge (some expected property is
    monitored or observed)."""
    return [m for m in MUTANTS if m.catches & frozenset(JUDGED)]


def try_mutant(
    m: Mutant,
    budget: str = "ci",
    seed: int | None = None,
    shrink: bool = False,
    bound: float | None = None,
) -> Kill:
    """Explore under `m`; killed when a violation of one of its expected properties is found; no
    verdict when the model or a judge raised, or the search outlived `bound` seconds."""
    aimed = m.catches & frozenset(JUDGED)
    t0 = time.monotonic()
    try:
        with wall_clock(bound, f"mutant {m.name}"):
            o = explore(properties=aimed, budget=budget, seed=seed, mutant=m, shrink=shrink)
    except BudgetExceeded:
        spent = time.monotonic() - t0
        return Kill(m.name, tuple(sorted(aimed)), None, None, f"stopped after {spent:.0f} s", spent)
    f = o.failure
    v = f.violation if f is not None else None
    return Kill(
        m.name,
        tuple(sorted(aimed)),
        v.property if v is not None else None,
        f.steps if f is not None else None,
        f.error if f is not None and v is None else None,
        time.monotonic() - t0,
    )


def kill_rate(budget: str = "ci", bound: float | None = BOUND_S) -> tuple[list[Kill], float]:
    """Every runtime mutant, and the fraction killed."""
    kills = [try_mutant(m, budget, bound=bound) for m in runtime_mutants()]
    rate = sum(k.killed for k in kills) / len(kills) if kills else 1.0
    return kills, rate


def main(argv: list[str]) -> int:
    """`python -m mip6check.properties.explore.killrate [BUDGET] [MUTANT...]`: one line per mutant as
    it ends (each search stopped after `BOUND_S` seconds, or the `KILLRATE_BOUND` environment
    variable's value; 0 = no bound)."""
    import os

    budget = argv[0] if argv else "ci"
    names = set(argv[1:])
    unknown = names - {m.name for m in runtime_mutants()}
    if unknown:
        print(f"not a runtime mutant: {', '.join(sorted(unknown))}")
        return 2
    bound = float(os.environ.get("KILLRATE_BOUND", BOUND_S)) or None
    ms = [m for m in runtime_mutants() if not names or m.name in names]
    t0 = time.monotonic()
    kills = []
    for m in ms:
        k = try_mutant(m, budget, bound=bound)
        kills.append(k)
        status = f"KILLED by {k.found}" if k.killed else "survived"
        if k.error is not None:
            status = f"ERROR: {k.error}"[:40]
        print(f"{k.mutant:24} {status:40} {k.seconds:6.1f}s aimed {','.join(k.aimed)}", flush=True)
    n = sum(k.killed for k in kills)
    bad = sum(k.error is not None for k in kills)
    errors = f", {bad} raised (no verdict)" if bad else ""
    print(f"kill rate {n}/{len(kills)}{errors} in {time.monotonic() - t0:.0f}s", flush=True)
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
