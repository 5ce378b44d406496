"""Stateful Hypothesis over the forwarding engine: machines, counterexamples, kill rate.

`explore(...)` searches; `verify_engine(opts, progress)` (engine.py) is the `verify` entry point;
`write_counterexample(failure, dir)` writes the `.scenario`, pcapng and message sequence chart.
"""

from __future__ import annotations

from mip6check.properties.explore.counterexample import confirm, write_counterexample
from mip6check.properties.explore.coverage import JUDGED, Coverage
from mip6check.properties.explore.engine import verify_engine
from mip6check.properties.explore.machines import (
    BUDGETS,
    Failure,
    MobilityMachine,
    Outcome,
    explore,
)
from mip6check.properties.hypothesis_pin import pin

pin()  # a seed walks the same wherever the package is installed (hypothesis_pin.py)

__all__ = [
    "BUDGETS",
    "JUDGED",
    "Coverage",
    "Failure",
    "MobilityMachine",
    "Outcome",
    "confirm",
    "explore",
    "verify_engine",
    "write_counterexample",
]
