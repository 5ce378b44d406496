"""The Hypothesis judge is told the cast exactly as `simulate` states it (§8.2 ID Length, §7.7
capacity), so a home agent that is right by its own declaration is never flagged."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from mip6check.model.dsl import ast as A
from mip6check.model.dsl import parse_scenario
from mip6check.properties.explore.counterexample import confirm
from mip6check.properties.explore.driver import BuildWorld
from mip6check.properties.explore.judge import replay_options
from mip6check.properties.scenarios import replay_topology, run_one

ROOT = Path(__file__).resolve().parents[2]
ID48 = ROOT / "traces" / "scenarios" / "21-ha-id-length-136.scenario"


def test_judge_takes_the_home_agents_id_length_from_the_scenario() -> None:
    sc = parse_scenario(ID48.read_text(), str(ID48))
    got = replay_options(sc, BuildWorld(sc)).topology
    assert [h.id_length for h in got.home_agents] == [48]


def test_judge_and_simulate_state_the_same_cast() -> None:
    """Where the scenario fixes the cast (no dynamic home agent discovery, §9.4), the judge, built
    before the run, is told what `simulate` states after it."""
    for path in sorted((ROOT / "traces" / "scenarios").glob("*.scenario"))[:12] + [ID48]:
        sc = parse_scenario(path.read_text(), str(path))
        if any(isinstance(n, A.Mobile) and n.agent is None for n in sc.nodes):
            continue
        assert replay_options(sc, BuildWorld(sc)).topology == replay_topology(run_one(path)[1]), path


def test_status_136_by_the_declared_id_length_is_not_flagged() -> None:
    """The home agent answers a 64-bit ID Length with 136 because its own is 48: conforming."""
    sc = parse_scenario(ID48.read_text(), str(ID48))
    found = confirm(SimpleNamespace(scenario=sc))
    assert found == [], [(v.property, v.message) for v in found]
