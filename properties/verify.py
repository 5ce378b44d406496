"""`verify`: run every engine over the catalog and merge their results per property (issue 5).

Engines are modules with `verify_engine(opts: VerifyOptions, progress: Progress) -> list[Result]`:
Z3 proofs and bounded model checking, stateful Hypothesis runs, and the scenario corpus with the
runtime monitors. Every catalog row ends with at least one result; a row no engine checked is reported
as `unknown` with that reason, never silently passed.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mip6check.model.config import DEFAULT, Config
from mip6check.properties.catalog import CATALOG, get
from mip6check.properties.verdict import Result, Status

# name -> module holding verify_engine; order = run order (cheap and decisive first)
ENGINES: tuple[tuple[str, str], ...] = (
    ("z3", "mip6check.properties.smt.run"),
    ("scenarios", "mip6check.properties.scenarios"),
    ("hypothesis", "mip6check.properties.explore.machines"),
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

    def wants(self, pid: str) -> bool:
        return self.properties is None or pid in self.properties


def select(ids: Sequence[str]) -> frozenset[str] | None:
    """Validate `--property` IDs (UnknownPropertyError for a bad one); empty means all."""
    for pid in ids:
        get(pid)
    return frozenset(ids) if ids else None


def run_verify(opts: VerifyOptions, progress: Progress = lambda _msg: None) -> list[Result]:
    """Every selected engine, then one `unknown` result for each selected row that none of them checked."""
    results: list[Result] = []
    for name, module in ENGINES:
        if name not in opts.engines:
            continue
        progress(f"{name}: starting")
        started = time.monotonic()
        engine = importlib.import_module(module)
        found = [r for r in engine.verify_engine(opts, progress) if opts.wants(r.property)]
        results.extend(found)
        progress(f"{name}: {len(found)} results in {time.monotonic() - started:.1f}s")
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


def failed(results: Sequence[Result]) -> bool:
    """Exit status 1 when any engine found a violation (SPEC findings are not failures)."""
    return any(r.failed for r in results)
