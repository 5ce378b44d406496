"""Loads every engine module so each has declared, in the spec registry, which obligations it judges;
`engines_of(pid)` is then complete. The declarations themselves live beside each engine's judges."""

from __future__ import annotations

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


__all__ = ["load"]
