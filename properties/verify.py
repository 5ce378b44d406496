"""`verify`: run every engine over the catalog and merge their results per property.

Engines are modules with `verify_engine(opts: VerifyOptions, progress: Progress) -> list[Result]`:
Z3 proofs and bounded model checking, stateful Hypothesis runs, and the scenario corpus with the
runtime monitors. Every catalog row ends with at least one result; a row no engine checked is reported
as `unknown` with that reason, never silently passed. An engine that raises (a model that crashes
where the engine did not catch it nearer) or outlives its watchdog reports `error` or `timeout` on
every row it covers: never `passed`, never `unknown`.

Each engine runs in a child process (properties/parallel.py `in_child`), so its watchdogs hold even
when a run is stuck inside one C call (a Z3 check, a big-integer power) where SIGALRM never reaches
Python: the parent kills the child once the bound it last armed has passed by a grace period. The
child tells the parent each row as its run decides it (properties/engines.py `streamed`), so a kill
loses only what was not finished: the rows decided before it keep their verdict and evidence, the
stuck run's rows are `timeout` naming it, and the rows not reached are `timeout` saying so.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mip6check.model.config import DEFAULT, Config
from mip6check.properties.catalog import CATALOG, get
from mip6check.properties.engines import SCENARIOS_MODULE, after_kill, row_groups, streamed
from mip6check.properties.parallel import ChildDied, ChildKilled, can_fork, in_child, run_ordered
from mip6check.properties.verdict import Result, Status
from mip6check.properties.watchdog import (
    BudgetExceeded,
    HardBound,
    crash_line,
    crash_text,
    report_bounds,
    wall_clock,
)

# name -> module holding verify_engine; order = run order (cheap and decisive first)
ENGINES: tuple[tuple[str, str], ...] = (
    ("z3", "mip6check.properties.smt.run"),
    ("scenarios", "mip6check.properties.scenarios"),
    ("hypothesis", "mip6check.properties.explore.engine"),
)

Progress = Callable[[str], None]


@dataclass(frozen=True)
class VerifyOptions:
    """What to check and how hard. `budget` "ci" keeps the default run under five minutes on 2 cores."""

    properties: frozenset[str] | None = None
    seed: int = 0
    budget: str = "ci"  # "ci" | "long"
    config: Config = DEFAULT
    out_dir: Path | None = None  # where counterexamples (scenario, pcapng, chart) are written
    engines: tuple[str, ...] = tuple(name for name, _ in ENGINES)
    roots: dict[str, Path] = field(
        default_factory=dict
    )  # e.g. {"scenarios": Path("traces/scenarios")}
    run_wall_s: float | None = None  # one run's watchdog (scenario, proof, search): RUN_WALL_S
    engine_wall_s: float | None = None  # watchdog of one whole engine; None: ENGINE_WALL_S

    def wants(self, pid: str) -> bool:
        return self.properties is None or pid in self.properties


RUN_WALL_S: dict[str, float] = {"quick": 300.0, "ci": 600.0, "long": 3600.0}
"""Wall-clock watchdog of one run of an engine (one scenario, one proof, one bounded model check,
one round of search), per budget: far above what a run takes (the `ci` unrolling to depth 10 takes
about 7 s on an idle core; 120 s was rung by a sound model on 2 cores shared by several test runs),
so only a stuck model rings it."""
ENGINE_WALL_S: dict[str, float] = {"quick": 900.0, "ci": 1800.0, "long": 14400.0}
"""Wall-clock watchdog of one whole engine, per budget (the last resort above the per-run ones)."""


def run_bound(opts: object) -> float:
    """The per-run watchdog for `opts` (a VerifyOptions, or anything with `budget`/`run_wall_s`)."""
    given = getattr(opts, "run_wall_s", None)
    if given is not None:
        return float(given)
    return RUN_WALL_S.get(str(getattr(opts, "budget", "ci")), RUN_WALL_S["ci"])


def _engine_bound(opts: VerifyOptions) -> float:
    if opts.engine_wall_s is not None:
        return opts.engine_wall_s
    return ENGINE_WALL_S.get(opts.budget, ENGINE_WALL_S["ci"])


def _stopped(
    name: str, engine: object, opts: VerifyOptions, status: Status, detail: str, trace: str | None
) -> list[Result]:
    """`status` (error or timeout) on every selected row the engine covers, or on every selected
    row when the engine cannot say which it covers."""
    covered = getattr(engine, "covered", None)
    pids = set(covered()) if callable(covered) else set(CATALOG)
    extra = {"traceback": trace} if trace else None
    return [
        Result(pid, name, status, detail=detail, counterexample=extra)
        for pid in CATALOG
        if pid in pids and opts.wants(pid)
    ]


def select(ids: Sequence[str]) -> frozenset[str] | None:
    """Validate `--property` IDs (UnknownPropertyError for a bad one); empty means all."""
    for pid in ids:
        get(pid)
    return frozenset(ids) if ids else None


def _quiet(_msg: str) -> None:
    pass


@dataclass
class Decided:
    """What an engine's child process has told of its rows: those decided, in run order, and the
    run it started since (engine name and rows), which is the one stuck when the child is killed."""

    rows: list[Result] = field(default_factory=list)
    unit: tuple[str, tuple[str, ...]] | None = None
    outcomes: list[object] = field(default_factory=list)  # runs whose rows rest on them all

    def message(self, msg: tuple[object, ...]) -> None:
        """Take one message of the child: ("unit", engine, pids) or ("rows", [Result, ...])."""
        if msg[0] == "unit" and isinstance(msg[2], tuple):
            self.unit = (str(msg[1]), tuple(str(p) for p in msg[2]))
        elif msg[0] == "rows" and isinstance(msg[1], list):
            self.rows.extend(r for r in msg[1] if isinstance(r, Result))
            self.unit = None
        elif msg[0] == "outcome":
            self.outcomes.append(msg[1])

    def with_rest(
        self, name: str, module: str, engine: object, opts: VerifyOptions, status: Status, why: str
    ) -> list[Result]:
        """The rows decided, then `status` on the stuck run's rows (saying `why`) and on every row
        of the engine not reached (saying so; `why` itself when no run was under way). An engine
        whose rows rest on all its runs (the scenario corpus) judges the runs it had finished."""
        if status is Status.TIMEOUT:
            judged = after_kill(module, opts, self.outcomes, why)
            if judged is not None:
                return [r for r in judged if isinstance(r, Result) and opts.wants(r.property)]
        out = [r for r in self.rows if opts.wants(r.property)]
        done = {(r.property, r.engine) for r in out}
        if self.unit is not None:
            label, pids = self.unit
            stuck = [p for p in CATALOG if p in pids and opts.wants(p) and (p, label) not in done]
            during = f"{label} {', '.join(pids)}"
            if status is Status.TIMEOUT:  # `why` names the stuck run: its bound, then ": ..."
                here, at = why, why.split(": ", 1)[0]
                rest = f"not reached: the {name} engine's process was killed, stuck in {at}"
            else:
                here, rest = f"{why}, during {during}", f"not reached: {why}, during {during}"
            out.extend(Result(p, label, status, detail=here) for p in stuck)
            done |= {(p, label) for p in stuck}
        else:
            rest = why
        groups = row_groups(module)
        if groups is None:
            covered = getattr(engine, "covered", None)
            groups = {name: frozenset(covered() if callable(covered) else CATALOG)}
        for pid in CATALOG:
            for label, group in groups.items():
                if pid in group and opts.wants(pid) and (pid, label) not in done:
                    out.append(Result(pid, label, status, detail=rest))
        return out


def run_engine(
    name: str, module: str, opts: VerifyOptions, progress: Progress = _quiet
) -> list[Result]:
    """One engine's results on the selected rows (`timeout`/`error` on every row it covers when it
    outlives its watchdog or raises), computed in a child process this one kills when a watchdog
    of the engine has passed and the child did not stop itself; the rows the child had decided
    before then keep their verdict. A plain function of picklable values: it runs in a worker too."""
    engine = importlib.import_module(module)
    if not can_fork():
        return _run_here(name, engine, opts, progress)
    bound = HardBound()
    decided = Decided()

    def watch(msg: tuple[object, ...]) -> None:
        bound.message(msg)
        decided.message(msg)
        if msg[0] == "progress":
            progress(str(msg[1]))

    def work(send: Callable[[object], None]) -> list[Result]:
        report_bounds(send)
        with streamed(module, send):
            return _run_here(name, engine, opts, lambda m: send(("progress", m)))

    try:
        return in_child(work, watch, bound.deadline, bound.expired)
    except ChildKilled as e:
        told = decided.unit is not None or module == SCENARIOS_MODULE  # names the stuck run
        why = e.why if told else f"{name} engine: {e.why}"
        return decided.with_rest(name, module, engine, opts, Status.TIMEOUT, why)
    except ChildDied as e:
        detail = f"{name} engine stopped: {e} (a model that exhausts memory, or a crash in C code)"
        return decided.with_rest(name, module, engine, opts, Status.ERROR, detail)


def _run_here(name: str, engine: Any, opts: VerifyOptions, progress: Progress) -> list[Result]:
    """One engine in this process, under its in-process watchdog."""
    try:
        with wall_clock(_engine_bound(opts), f"{name} engine"):
            return [r for r in engine.verify_engine(opts, progress) if opts.wants(r.property)]
    except BudgetExceeded as e:
        return _stopped(name, engine, opts, Status.TIMEOUT, str(e), None)
    except Exception as e:  # noqa: BLE001 - out of the model (or an engine): a failure, shown
        detail = f"{name} engine stopped: the model raised {crash_line(e)}"
        return _stopped(name, engine, opts, Status.ERROR, detail, crash_text(e))


def _engine_job(job: tuple[str, str, VerifyOptions]) -> list[Result]:
    return run_engine(*job)


def run_verify(
    opts: VerifyOptions,
    progress: Progress = _quiet,
    executor: Executor | None = None,
) -> list[Result]:
    """Every selected engine, then one `unknown` result for each selected row that none of them checked.

    With an `executor` (properties/parallel.py) the engines run side by side in its workers; results
    are taken in ENGINES order, so the report is the same as a serial run's."""
    results: list[Result] = []
    chosen = [(name, module) for name, module in ENGINES if name in opts.engines]
    if executor is None:
        for name, module in chosen:
            progress(f"{name}: starting")
            started = time.monotonic()
            try:
                found = run_engine(name, module, opts, progress)
            except KeyboardInterrupt:
                raise Interrupted(_partial(results, name, opts)) from None
            results.extend(found)
            progress(f"{name}: {len(found)} results in {time.monotonic() - started:.1f}s")
    else:
        started = time.monotonic()
        progress(f"{', '.join(n for n, _ in chosen)}: started side by side")
        jobs = [(name, module, opts) for name, module in chosen]

        def done(i: int, found: list[Result]) -> None:
            progress(f"{chosen[i][0]}: {len(found)} results at {time.monotonic() - started:.1f}s")

        k = 0
        try:
            for found in run_ordered(executor, _engine_job, jobs, done):
                results.extend(found)
                k += 1
        except KeyboardInterrupt:
            raise Interrupted(_partial(results, chosen[k][0], opts)) from None
    checked = {r.property for r in results}
    for pid in CATALOG:
        if opts.wants(pid) and pid not in checked:
            results.append(
                Result(
                    pid, "none", Status.UNKNOWN, detail="no engine of this run checks this property"
                )
            )
    order = {pid: i for i, pid in enumerate(CATALOG)}
    results.sort(key=lambda r: (order.get(r.property, len(order)), r.engine))
    return results


class Interrupted(KeyboardInterrupt):
    """Ctrl-C / SIGINT during `verify`: `results` are what the engines that finished decided, then
    one `unknown` ("interrupted") row for every selected property no finished engine judged."""

    def __init__(self, results: list[Result]) -> None:
        super().__init__("interrupted")
        self.results = results


def _partial(results: list[Result], engine: str, opts: VerifyOptions) -> list[Result]:
    checked = {r.property for r in results}
    rest = [
        Result(pid, engine, Status.UNKNOWN, detail=f"interrupted during the {engine} engine")
        for pid in CATALOG
        if opts.wants(pid) and pid not in checked
    ]
    return [*results, *rest]


def failed(results: Sequence[Result]) -> bool:
    """Exit status 1 when any engine found a violation (SPEC findings are not failures)."""
    return any(r.failed for r in results)
