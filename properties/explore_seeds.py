"""`explore --seeds K --workers N`: one search per seed, side by side; the first counterexample in seed
order wins, so the outcome is the same for any number of workers (properties/parallel.py).

Coverage is summed over the seeds up to and including the winner (over every seed when none fails):
what was searched to reach the verdict, independent of which later seeds happened to run meanwhile.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import Executor
from dataclasses import dataclass, fields

from mip6check.properties.explore.coverage import Coverage
from mip6check.properties.explore.machines import Outcome, explore
from mip6check.properties.mutants import BY_NAME


@dataclass(frozen=True, slots=True)
class SeedJob:
    """One search: its seed, the aimed properties (None: all), budget and mutant name."""

    seed: int
    properties: frozenset[str] | None
    budget: str
    mutant: str | None


def explore_job(job: SeedJob) -> Outcome:
    """Run one seed's search (in a worker: the mutant is looked up there by name)."""
    mutant = BY_NAME[job.mutant] if job.mutant is not None else None
    return explore(properties=job.properties, budget=job.budget, seed=job.seed, mutant=mutant)


def merged_coverage(outcomes: list[Outcome]) -> Coverage:
    """The coverage of several searches added up (counts and counters field by field)."""
    total = Coverage()
    for o in outcomes:
        for f in fields(Coverage):
            mine, theirs = getattr(total, f.name), getattr(o.coverage, f.name)
            if isinstance(mine, Counter):
                mine.update(theirs)
            elif isinstance(mine, int):
                setattr(total, f.name, mine + theirs)
    return total


@dataclass(frozen=True, slots=True)
class SeedsOutcome:
    """The winning search (or None), its seed, and the coverage up to it."""

    winner: Outcome | None
    seed: int | None
    coverage: Coverage
    searched: tuple[int, ...]  # the seeds whose coverage is counted


def explore_seeds(ex: Executor, jobs: list[SeedJob]) -> SeedsOutcome:
    """Search every seed of `jobs` on `ex`; the first failure in the jobs' order wins (the searches
    of later seeds are cancelled when they have not started)."""
    futures = [ex.submit(explore_job, j) for j in jobs]
    seen: list[Outcome] = []
    try:
        for j, f in zip(jobs, futures, strict=True):
            o = f.result()
            seen.append(o)
            if o.failure is not None:
                return SeedsOutcome(
                    o, j.seed, merged_coverage(seen), tuple(x.seed for x in jobs[: len(seen)])
                )
    finally:
        for f in futures:
            f.cancel()
    return SeedsOutcome(None, None, merged_coverage(seen), tuple(j.seed for j in jobs))
