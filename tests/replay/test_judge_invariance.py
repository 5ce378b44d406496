"""The stateful Hypothesis judge (runtime monitors and the replay observer over a run's log) judges by
the spec: re-judging the same recorded runs with every kernel mutant of `properties/mutants.py`
planted gives exactly the verdicts the judge gives without it. The runs are the scenario corpus, clean
and under role faults that the judge flags, so there are verdicts to move."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from mip6check.model.dsl import ast as A
from mip6check.model.dsl import parse_scenario
from mip6check.properties.explore.driver import BuildWorld
from mip6check.properties.explore.judge import Judge
from mip6check.properties.mutants import ALL_MUTANTS, BY_NAME, Mutant

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "traces" / "scenarios").glob("*.scenario"))
KERNEL_MUTANTS = [m for m in ALL_MUTANTS if m.layer == "kernel"]
# role faults (outside the kernel) that give the judge verdicts on the corpus runs
FAULTS = (
    "ha-tunnels-stale-coa",
    "ha-ba-from-anycast",
    "ba-without-rh",
    "ba-seq-not-copied",
    "ba-reject-with-payload",
    "mn-pp2-ignored",
    "prev-router-bu-not-h",
)


@dataclass
class Run:
    name: str
    head: A.Scenario
    world: BuildWorld
    verdicts: tuple[tuple[str, int | None, str, str], ...] = ()


def _key(vs: list) -> tuple[tuple[str, int | None, str, str], ...]:
    return tuple(sorted((v.property, v.packet, v.node, v.message) for v in vs))


def _judge(run: Run) -> tuple[tuple[str, int | None, str, str], ...]:
    judge = Judge(run.head, run.world, None)
    return _key(judge.step())


def _run(path: Path) -> Run:
    sc = parse_scenario(path.read_text(encoding="utf-8"), path.name)
    world = BuildWorld(sc)
    for step in sc.timeline:
        world.apply(step)
    return Run(path.name, sc, world)


@pytest.fixture(scope="module")
def runs() -> list[Run]:
    out = [_run(p) for p in SCENARIOS]
    for name in FAULTS:
        with BY_NAME[name].applied():
            for p in SCENARIOS[:6]:
                r = _run(p)
                r.name = f"{p.name} under {name}"
                out.append(r)
    for r in out:
        r.verdicts = _judge(r)
    return out


def test_runs_have_verdicts(runs: list[Run]) -> None:
    assert len(runs) > len(SCENARIOS)
    assert sum(len(r.verdicts) for r in runs) >= 30


@pytest.mark.parametrize("mutant", KERNEL_MUTANTS, ids=[m.name for m in KERNEL_MUTANTS])
def test_kernel_mutant_does_not_move_the_judge(mutant: Mutant, runs: list[Run]) -> None:
    moved = []
    with mutant.applied():
        for r in runs:
            got = _judge(r)
            if got != r.verdicts:
                lost = sorted({v[:2] for v in r.verdicts} - {v[:2] for v in got})
                gained = sorted({v[:2] for v in got} - {v[:2] for v in r.verdicts})
                moved.append(f"{r.name}: lost {lost}, gained {gained}")
    assert not moved, "\n".join(moved)
