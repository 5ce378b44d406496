"""The run judges demand the same with the model broken: every mutant of properties/mutants.py (kernel
and role faults) is planted, and the verdicts of the runtime monitors and the whole-log checks on
recorded runs do not move. A judge that called the model would move with it (and miss the fault)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from mip6check.model.addr import a
from mip6check.model.dsl import parse_scenario
from mip6check.model.net.log import Kind, LogRecord
from mip6check.model.roles.events import (
    BindingAckReceived,
    BindingProcessed,
    BindingUpdateSent,
    CacheDeleted,
    CacheUpdated,
    RoleEvent,
    Transmit,
)
from mip6check.properties.logchecks import check_log
from mip6check.properties.monitors import check_run
from mip6check.properties.mutants import MUTANTS
from mip6check.properties.runjudge import judge_scenario, run_facts

CORPUS = Path(__file__).resolve().parents[2] / "traces" / "scenarios"
RUNS = (
    "03-return-home.scenario",
    "07-ba-loss-backoff.scenario",
    "11-legacy-correspondent.scenario",
)


@cache
def recorded(name: str) -> tuple[tuple[LogRecord, ...], object]:
    path = CORPUS / name
    judged = judge_scenario(parse_scenario(path.read_text(encoding="utf-8"), str(path)))
    return tuple(judged.run.network.log.records), run_facts(judged.run)


HOME, COA, HA, CN = (
    a("2001:db8:1::100"),
    a("2001:db8:2::100"),
    a("2001:db8:1::1"),
    a("2001:db8:4::1"),
)

# events at the edges of the draft's decisions, where a mutant and the spec part: equal, half-space
# and wrapped Sequence Numbers, back-off, a BA from another node, an infinite lifetime expiring
EDGES: list[tuple[int, RoleEvent]] = [
    (0, BindingProcessed("HA", HOME, COA, 7, 0, True, True)),
    (0, CacheUpdated("HA", HOME, COA, 7, 60, True, True)),
    (1000, BindingProcessed("HA", HOME, COA, 7, 0, True, True)),
    (1000, CacheUpdated("HA", HOME, COA, 7, 60, True, False)),
    (2000, BindingProcessed("HA", HOME, COA, 32775, 0, True, True)),
    (2000, CacheUpdated("HA", HOME, COA, 32775, 0xFFFFFFFF, True, False)),
    (3000, CacheDeleted("HA", HOME, "expiry", True)),
    (0, BindingUpdateSent("MN", HA, HOME, COA, 65535, 60, True, True, False)),
    (1000, BindingUpdateSent("MN", HA, HOME, COA, 65535, 60, True, True, True)),
    (2000, BindingUpdateSent("MN", HA, HOME, COA, 65535, 60, True, True, True)),
    (5000, BindingUpdateSent("MN", HA, HOME, COA, 0, 60, True, True, False)),
    (5100, BindingAckReceived("MN", CN, 0, 0, "ACCEPTED")),
    (9000, BindingUpdateSent("MN", CN, HOME, COA, 3, 60, False, True, False)),
    (9500, BindingUpdateSent("MN", CN, HOME, COA, 3, 60, False, True, True)),
]


def edge_verdicts() -> list[tuple[str, str, str]]:
    return sorted((v.property, v.node, v.message) for v in check_run(EDGES))


def verdicts(name: str) -> list[tuple[str, str, str]]:
    records, facts = recorded(name)
    events: list[tuple[int, RoleEvent]] = [
        (r.time, r.event)  # type: ignore[misc]
        for r in records
        if r.kind is Kind.EVENT and r.event is not None and not isinstance(r.event, Transmit)
    ]
    found = [*check_run(events), *check_log(records, facts)]  # type: ignore[arg-type]
    return sorted((v.property, v.node, v.message) for v in found)


def test_the_edges_are_judged() -> None:
    assert {p for p, _, _ in edge_verdicts()} >= {
        "BC-SEQ-MONOTONIC",
        "BC-INFINITE",
        "MN-BACKOFF",
        "MN-BA-VALIDATE",
        "MN-RATE-LIMIT",
    }


def test_recorded_runs_have_something_to_judge() -> None:
    for name in RUNS:
        records, _ = recorded(name)
        assert sum(r.kind is Kind.EVENT for r in records) > 20


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_planted_fault_does_not_move_the_judges(mutant: object) -> None:
    baseline = {name: verdicts(name) for name in RUNS}
    edges = edge_verdicts()
    with mutant.applied():  # type: ignore[attr-defined]
        moved = {name: verdicts(name) for name in RUNS}
        moved_edges = edge_verdicts()
    assert moved == baseline
    assert moved_edges == edges
