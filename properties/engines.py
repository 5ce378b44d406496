"""Loads every engine module so each has declared, in the spec registry, which obligations it judges;
`engines_of(pid)` is then complete. The declarations themselves live beside each engine's judges.

Also how `verify` learns an engine's rows as they are decided (`streamed`), so a child process
killed mid-engine loses only the run that was stuck, not the proofs finished before it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mip6check.properties.spec import Engine, declare, judged_by

_loaded: set[str] = set()


def load(*, runs_only: bool = False) -> None:
    """Import the engines (once). `runs_only` stops after the engines that judge a simulated run."""
    if "runs" not in _loaded:
        from mip6check.properties import logchecks, monitors  # noqa: F401  (they declare on import)
        from mip6check.properties.replay.checked import CHECKED

        if not judged_by(Engine.REPLAY):
            declare(Engine.REPLAY, CHECKED)
        _loaded.add("runs")
    if runs_only or "all" in _loaded:
        return
    from mip6check.properties.explore.machines import JUDGED, OBSERVER_GAPS
    from mip6check.properties.smt.run import covered

    if not judged_by(Engine.HYPOTHESIS):
        declare(Engine.HYPOTHESIS, [p for p in JUDGED if p not in OBSERVER_GAPS])
    if not judged_by(Engine.SMT):
        declare(Engine.SMT, covered())
    _loaded.add("all")


SMT_MODULE = "mip6check.properties.smt.run"
SCENARIOS_MODULE = "mip6check.properties.scenarios"

Tell = Callable[[tuple[object, ...]], None]


def row_groups(module: str) -> dict[str, frozenset[str]] | None:
    """The rows an engine reports, by the engine name they carry (the Z3 engine's proofs and
    findings as `z3`, its bounded model checks as `z3-bmc`), or None when they all carry the
    engine's own name."""
    if module != SMT_MODULE:
        return None
    from mip6check.properties.smt.bmc import CHECKS
    from mip6check.properties.smt.induction import PROOFS
    from mip6check.properties.smt.spec import FINDINGS

    return {"z3": frozenset(PROOFS) | frozenset(FINDINGS), "z3-bmc": frozenset(CHECKS)}


@contextmanager
def streamed(module: str, tell: Tell) -> Iterator[None]:
    """While an engine runs in its child process, tell the parent what it has finished, as soon as
    it has: the Z3 engine's runs (a proof, a finding, an unrolling) all go through one guard
    (`_guarded`: watchdog, error and timeout rows), so `tell(("unit", engine, pids))` as each starts
    and `tell(("rows", [Result, ...]))` with the rows it decided; the scenario corpus's rows rest on
    every scenario, so `tell(("outcome", ScenarioOutcome))` after each scenario (`after_kill` turns
    them into rows). Other engines tell nothing: their rows are known only when they return."""
    if module == SMT_MODULE:
        from mip6check.properties.smt import run

        inner: Callable[..., Any] = run._guarded

        def guarded(engine: str, pids: tuple[str, ...], *rest: Any) -> Any:
            tell(("unit", engine, tuple(pids)))
            rows = inner(engine, pids, *rest)
            tell(("rows", list(rows)))
            return rows

        with _replaced(run, "_guarded", guarded):
            yield
    elif module == SCENARIOS_MODULE:
        from mip6check.properties import scenarios

        each: Callable[..., Iterator[Any]] = scenarios.outcomes

        def outcomes(*args: Any, **kwargs: Any) -> Iterator[Any]:
            for o in each(*args, **kwargs):
                tell(("outcome", o))
                yield o

        with _replaced(scenarios, "outcomes", outcomes):
            yield
    else:
        yield


@contextmanager
def _replaced(owner: object, name: str, new: object) -> Iterator[None]:
    old = getattr(owner, name)
    setattr(owner, name, new)
    try:
        yield
    finally:
        setattr(owner, name, old)


def after_kill(module: str, opts: Any, told: list[Any], why: str) -> list[Any] | None:
    """The rows of an engine whose child was killed, from the outcomes it had told (`streamed`), or
    None when they cannot say: for the scenario corpus, its rows over the scenarios that ran to the
    end and the next one, stuck (`timeout` saying `why`), as its own watchdog would have reported."""
    if module != SCENARIOS_MODULE:
        return None
    from mip6check.properties import scenarios as S

    load(runs_only=True)  # which rows the runs judge (the child loaded it, this process may not)
    runs = [o for o in told if isinstance(o, S.ScenarioOutcome)]
    root = getattr(opts, "roots", {}).get("scenarios")  # as scenarios.verify_engine reads it
    where_from = (Path(root),) if root else S.DEFAULT_DIRS
    seen = {o.path for o in runs}
    stuck = next((p for p in S.scenario_files(where_from) if p not in seen), None)
    if stuck is None:  # every scenario had run: the corpus's judgement itself was stuck
        return None
    last = S.ScenarioOutcome(stuck, (), (), (), 0, 0, 0.0, timeout=why)
    return S.results_of([*runs, last], where_from)


__all__ = ["after_kill", "load", "row_groups", "streamed"]
