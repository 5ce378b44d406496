"""The mutant kill rate of the exploring machines: for each mutant whose expected properties a machine
run can judge, explore under it (monitors restricted to those properties) and see whether one breaks."""

from __future__ import annotations

from dataclasses import dataclass

from mip6check.properties.explore.machines import JUDGED, explore
from mip6check.properties.mutants import MUTANTS, Mutant


@dataclass(frozen=True, slots=True)
class Kill:
    """One mutant's outcome: the properties aimed at, the one found violated (None = survived)."""

    mutant: str
    aimed: tuple[str, ...]
    found: str | None
    steps: int | None
    error: str | None = None  # the model or a judge raised: neither killed nor survived

    @property
    def killed(self) -> bool:
        return self.found is not None


def runtime_mutants() -> list[Mutant]:
    """Mutants that concern runtime behaviour a machine run can judge (some expected property is
    monitored or observed)."""
    return [m for m in MUTANTS if m.catches & frozenset(JUDGED)]


def try_mutant(
    m: Mutant, budget: str = "ci", seed: int | None = None, shrink: bool = False
) -> Kill:
    """Explore under `m`; killed when a violation of one of its expected properties is found."""
    aimed = m.catches & frozenset(JUDGED)
    o = explore(properties=aimed, budget=budget, seed=seed, mutant=m, shrink=shrink)
    f = o.failure
    v = f.violation if f is not None else None
    return Kill(
        m.name,
        tuple(sorted(aimed)),
        v.property if v is not None else None,
        f.steps if f is not None else None,
        f.error if f is not None and v is None else None,
    )


def kill_rate(budget: str = "ci") -> tuple[list[Kill], float]:
    """Every runtime mutant, and the fraction killed."""
    kills = [try_mutant(m, budget) for m in runtime_mutants()]
    rate = sum(k.killed for k in kills) / len(kills) if kills else 1.0
    return kills, rate


def main(argv: list[str]) -> int:
    """`python -m properties.explore.killrate [BUDGET] [MUTANT...]`: one line per mutant as it ends."""
    import time

    budget = argv[0] if argv else "ci"
    names = set(argv[1:])
    ms = [m for m in runtime_mutants() if not names or m.name in names]
    t0 = time.monotonic()
    kills = []
    for m in ms:
        k = try_mutant(m, budget)
        kills.append(k)
        status = f"KILLED by {k.found}" if k.killed else "survived"
        if k.error is not None:
            status = f"ERROR: {k.error}"[:40]
        print(f"{k.mutant:24} {status:40} aimed {','.join(k.aimed)}", flush=True)
    n = sum(k.killed for k in kills)
    bad = sum(k.error is not None for k in kills)
    errors = f", {bad} raised (no verdict)" if bad else ""
    print(f"kill rate {n}/{len(kills)}{errors} in {time.monotonic() - t0:.0f}s", flush=True)
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
