"""`verify`'s stateful Hypothesis engine: the machines' searches (properties/explore/machines.py) as
one Result per judged property, a violation ending a search that then goes on without it."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mip6check.properties.explore import machines as M
from mip6check.properties.explore.coverage import JUDGED
from mip6check.properties.explore.judge import OBSERVER_GAPS
from mip6check.properties.explore.machines import BUDGETS, Failure, Outcome
from mip6check.properties.verdict import Result, Status
from mip6check.properties.watchdog import BudgetExceeded, wall_clock


def results_of(outcome: Outcome, wanted: frozenset[str] | None) -> list[Result]:
    """One Result per monitored property: violated (with the counterexample), passed with the number
    of examples when its monitor saw inputs, unknown when it never did."""
    out: list[Result] = []
    cov = outcome.coverage
    bad = outcome.failure.violation if outcome.failure is not None else None
    for pid in JUDGED:
        if wanted is not None and pid not in wanted:
            continue
        if pid in OBSERVER_GAPS:
            out.append(Result(pid, "hypothesis", Status.UNKNOWN, detail=OBSERVER_GAPS[pid]))
        elif bad is not None and bad.property == pid:
            out.append(
                Result(
                    pid,
                    "hypothesis",
                    Status.VIOLATED,
                    seconds=outcome.seconds,
                    examples=cov.examples,
                    detail=bad.message,
                    violations=(bad,),
                )
            )
        elif cov.saw(pid) == 0:
            out.append(
                Result(
                    pid,
                    "hypothesis",
                    Status.UNKNOWN,
                    seconds=outcome.seconds,
                    examples=cov.examples,
                    detail="the monitor saw no relevant event in this budget (not tested)",
                )
            )
        else:
            out.append(
                Result(
                    pid,
                    "hypothesis",
                    Status.PASSED,
                    seconds=outcome.seconds,
                    examples=cov.examples,
                    detail=f"{cov.saw(pid)} relevant inputs over {cov.examples} runs",
                )
            )
    return out


def verify_engine(opts: Any, progress: Callable[[str], None]) -> list[Result]:
    """`verify`'s stateful Hypothesis engine (properties/verify.py): one Result per judged property.

    Derandomised (or seeded by opts.seed when nonzero). A violation ends a search; the search then
    goes on without that property (at most `ROUNDS` times: a count, not seconds, so the output is
    reproducible), so one broken property does not hide the others. Failing runs are shrunk and
    written under opts.out_dir/<ID>/ only when an output directory is given (shrinking is most of
    the cost). A model that raises fails every property still searched (`error`, with the traceback
    and the shrunk steps that raise it); a round stuck past its watchdog is `timeout`."""
    wanted = opts.properties
    left = frozenset(JUDGED) if wanted is None else frozenset(JUDGED) & wanted
    if not left:
        return []
    budget = opts.budget if opts.budget in BUDGETS else "ci"
    started = time.monotonic()
    violated: dict[str, Result] = {}
    outcome: Outcome | None = None
    from mip6check.properties.verify import run_bound

    bound = run_bound(opts)
    for round_ in range(ROUNDS):
        progress(f"hypothesis: round {round_ + 1}, {len(left)} properties ({budget} budget)")
        # shrinking is what costs: only when counterexample files are asked for
        try:
            with wall_clock(bound, f"hypothesis round {round_ + 1}"):
                outcome = M.explore(
                    properties=left,
                    budget=budget,
                    seed=opts.seed or None,
                    shrink=opts.out_dir is not None,
                )
                f = outcome.failure
                if f is not None and f.violation is None and opts.out_dir is None:
                    # the model raised: shrink to the fewest steps that raise it
                    outcome = M.explore(
                        properties=left, budget=budget, seed=opts.seed or None, shrink=True
                    )
                    f = outcome.failure or f
        except BudgetExceeded as e:
            stuck = f"{e}; {len(violated)} properties decided before it"
            return [
                violated.get(pid)
                or Result(pid, "hypothesis", Status.TIMEOUT, seconds=bound, detail=stuck)
                for pid in JUDGED
                if wanted is None or pid in wanted
            ]
        if f is not None and f.violation is None:
            return [*violated.values(), *_crashed(f, left, outcome, opts)]
        if f is None or f.violation is None:
            break
        pid = f.violation.property
        ce: Any = None
        if opts.out_dir is not None:
            from mip6check.properties.explore.counterexample import write_counterexample

            ce = write_counterexample(f, Path(opts.out_dir) / pid)
        violated[pid] = Result(
            pid,
            "hypothesis",
            Status.VIOLATED,
            seconds=outcome.seconds,
            examples=outcome.coverage.examples,
            detail=f.violation.message,
            violations=(f.violation,),
            counterexample=ce,
        )
        left = left - {pid}
        if not left:
            break
    assert outcome is not None
    final = M.Outcome(None, outcome.coverage, outcome.seconds, budget, outcome.seed)
    results = [violated.get(r.property, r) for r in results_of(final, wanted)]
    progress(
        f"hypothesis: {outcome.coverage.examples} runs, {outcome.coverage.steps} steps in the last"
        f" round, {time.monotonic() - started:.1f}s"
    )
    return results


def _crashed(f: Failure, left: frozenset[str], outcome: Outcome, opts: Any) -> list[Result]:
    """`error` on every property still searched when the model raised: the run that raises (as a
    scenario, shrunk) and the traceback go with each, written under out_dir/crash/ when asked."""
    from mip6check.properties.explore.counterexample import scenario_text

    text = scenario_text(f)
    ce: dict[str, Any] = {"error": f.error, "traceback": f.trace, "steps": f.steps}
    if opts.out_dir is not None:  # the scenario only: replaying it to draw a capture raises again
        where = Path(opts.out_dir) / "crash"
        where.mkdir(parents=True, exist_ok=True)
        (where / "counterexample.scenario").write_text(text, encoding="utf-8")
        ce["scenario"] = str(where / "counterexample.scenario")
    else:
        ce["scenario_text"] = text
    if (f.error or "").startswith("a judge raised"):  # the checker's own fault, said as such
        detail = f"{f.error} after {f.steps} steps (a bug in the checker)"
    else:
        detail = f"the model raised {f.error} after {f.steps} steps (a bug in the model)"
    return [
        Result(
            pid,
            "hypothesis",
            Status.ERROR,
            seconds=outcome.seconds,
            examples=outcome.coverage.examples,
            detail=detail,
            counterexample=ce,
        )
        for pid in JUDGED
        if pid in left
    ]


def covered() -> set[str]:
    """Every property a machine run judges (what `verify` reports when this engine cannot finish)."""
    return set(JUDGED)


ROUNDS = 3
