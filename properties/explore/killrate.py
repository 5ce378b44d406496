"""The mutant kill rate of the exploring machines: for each mutant whose expected properties a machine
run can judge, explore under it (monitors restricted to those properties) and see whether one breaks."""

from __future__ import annotations

import time
from dataclasses import dataclass

from mip6check.properties.explore.machines import JUDGED, explore
from mip6check.properties.mutants import MUTANTS, Mutant
from mip6check.properties.watchdog import BudgetExceeded, wall_clock

EQUIVALENT: dict[str, str] = {
    "pp2-ignored": "the Binding Update List keeps its own 'no more updates' set (§9.9), consulted "
    "before the kernel's bu_allowed: the mobile node stops either way",
    "no-more-bu-ignored": "the Binding Update List keeps its own 'no more updates' set (§9.9), "
    "consulted before the kernel's bu_allowed: the mobile node stops either way",
    "no-length-test": "a short option is not decoded as a Binding Update (§7.2), so the kernel's "
    "length test is never asked",
    "infinite-expires": "an infinite entry's expiry is now + 0xffffffff s (§5.1), 136 years past "
    "the three-hour horizon",
    "reject-touches-cache": "the cache writes an entry only for UPDATE and EVICT_AND_UPDATE, and "
    "every rejection (§5.2) is op NONE: the bent entry is never stored",
    "tunnel-any-binding": "the home agent asks for a route only for addresses it defends (§8.2) "
    "and stops defending a home the moment its entry is no home registration, so tunnel_route "
    "never sees an ordinary binding",
}
"""Runtime mutants no run can tell from the clean model, and why (tests/properties/
test_explore_equivalent.py: byte-identical captures on the scenario aimed at each); Z3 kills them on
the kernel. The kill rate is reported over all runtime mutants and over the others."""

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

    @property
    def crashed(self) -> bool:
        """The model raised (or livelocked) on a run the search made: a detection (`verify` reports
        `error` and exits 1), but no property is named."""
        e = self.error
        return e is not None and not e.startswith(("stopped after", "a judge raised"))

    @property
    def outcome(self) -> str:
        if self.killed:
            return "killed"
        if self.crashed:
            return "crash"
        if self.error is not None:
            return "no verdict"
        return "equivalent" if self.mutant in EQUIVALENT else "survived"


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
    """`python -m mip6check.properties.explore.killrate [--seed=N] [BUDGET] [MUTANT...]`: one line
    per mutant as it ends (each search stopped after `BOUND_S` seconds, or the `KILLRATE_BOUND`
    environment variable's value; 0 = no bound). Without a seed each search is derandomised (what
    `verify` runs); a seed draws another sample of the same budget, to see how much the rate moves."""
    import os

    seeds = [a for a in argv if a.startswith("--seed=")]
    argv = [a for a in argv if a not in seeds]
    seed = int(seeds[-1].split("=", 1)[1]) if seeds else None
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
        k = try_mutant(m, budget, seed=seed, bound=bound)
        kills.append(k)
        status = {
            "killed": f"KILLED by {k.found}",
            "crash": f"CRASH (no property): {k.error}",
            "no verdict": f"NO VERDICT: {k.error}",
            "equivalent": "survived (equivalent)",
            "survived": "survived",
        }[k.outcome][:48]
        print(f"{k.mutant:24} {status:48} {k.seconds:6.1f}s aimed {','.join(k.aimed)}", flush=True)
    print(summary(kills, time.monotonic() - t0), flush=True)
    return 0


def summary(kills: list[Kill], seconds: float) -> str:
    """The kill rate over all mutants tried and over the non-equivalent ones, by a named property
    alone and with the crashes (the model raised; no property named) counted as detections."""
    n = len(kills)
    named = sum(k.killed for k in kills)
    crash = sum(k.crashed for k in kills)
    other = [k for k in kills if k.mutant not in EQUIVALENT]
    m = len(other)
    named_m = sum(k.killed for k in other)
    crash_m = sum(k.crashed for k in other)
    stopped = sum(k.outcome == "no verdict" for k in kills)

    def pct(a: int, b: int) -> str:
        return f"{a}/{b} = {a / b:.1%}" if b else f"{a}/0"

    lines = [
        f"kill rate (a property named): {pct(named, n)} of all runtime mutants, "
        f"{pct(named_m, m)} of the {m} not equivalent at run time",
        f"with crashes (model raised, no property named: {crash}): {pct(named + crash, n)} of all, "
        f"{pct(named_m + crash_m, m)} of the non-equivalent",
        f"{n - m} equivalent at run time, {stopped} without a verdict, in {seconds:.0f}s",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
