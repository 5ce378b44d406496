"""Loads every engine module so each has declared, in the spec registry, which obligations it judges;
`engines_of(pid)` is then complete. The declarations themselves live beside each engine's judges.

Also how `verify` learns an engine's rows as they are decided (`streamed`), so a child process
killed mid-engine loses only the run that was stuck, not the proofs finished before it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    """While an engine runs in its child process: `tell(("unit", engine, pids))` as each of its
    guarded runs starts (a proof, a finding, an unrolling) and `tell(("rows", [Result, ...]))` with
    the rows that run decided, as soon as it returns. The Z3 engine's runs all go through one
    guard (`_guarded`: watchdog, error and timeout rows), which is wrapped here; an engine with no
    such guard streams nothing, and its rows are known only when it returns."""
    if module != SMT_MODULE:
        yield
        return
    from mip6check.properties.smt import run

    inner: Callable[..., Any] = run._guarded

    def guarded(engine: str, pids: tuple[str, ...], *rest: Any) -> Any:
        tell(("unit", engine, tuple(pids)))
        rows = inner(engine, pids, *rest)
        tell(("rows", list(rows)))
        return rows

    setattr(run, "_guarded", guarded)  # noqa: B010 - a module attribute, restored below
    try:
        yield
    finally:
        setattr(run, "_guarded", inner)  # noqa: B010


__all__ = ["load", "row_groups", "streamed"]
