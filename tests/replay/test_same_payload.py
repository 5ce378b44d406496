"""A correspondent that sends one payload twice — to the home address (tunnelled by the home agent,
§8.4), then with a Routing header after route optimisation (§7.9) — sends its own packet: no
HA-NO-RH-FOR-INTERCEPTED against the home agent, through replay of a capture, the scenario engine and
the Hypothesis judge. The same shape with a home agent that adds a Routing header is still flagged."""

from __future__ import annotations

import io
import json
from pathlib import Path

from mip6check.model.dsl import parse_scenario
from mip6check.model.dsl.build import run_scenario
from mip6check.properties.explore.driver import BuildWorld
from mip6check.properties.explore.machines import Judge
from mip6check.properties.mutants import BY_NAME
from mip6check.properties.replay import ReplayOptions, replay_file
from mip6check.properties.scenarios import replay_topology, run_one

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "traces" / "captures"
SCENARIO = ROOT / "traces" / "scenarios" / "23-same-payload-twice.scenario"
PID = "HA-NO-RH-FOR-INTERCEPTED"
HA_ADDS_RH = BY_NAME["ha-rh-not-tunnel"]


def _manifest(name: str) -> dict:
    entries = json.loads((CAPTURES / "manifest.json").read_text())["captures"]
    return next(e for e in entries if e["file"] == name)


def test_capture_correspondent_sends_its_own_copy() -> None:
    entry = _manifest("cn-same-payload-after-ro.pcapng")
    assert entry["kind"] == "conforming" and entry["expected"] == []
    rep = replay_file(str(CAPTURES / entry["file"]))
    assert rep.decoded == 6 and rep.violations == ()


def test_capture_home_agent_copy_still_flagged() -> None:
    """The sender's only Binding Update deleted its binding: only the home agent can have routed it."""
    rep = replay_file(str(CAPTURES / "ha-adds-rh-after-cn-dereg.pcapng"))
    assert [(v.property, v.packet, v.node) for v in rep.violations] == [(PID, 5, "2001:db8:1::1")]


def _simulated_replay() -> list[str]:
    buf = io.BytesIO()
    run = run_scenario(
        parse_scenario(SCENARIO.read_text(encoding="utf-8"), SCENARIO.name), capture=buf
    )
    path = Path(__file__).with_name(".same-payload.pcapng")
    try:
        path.write_bytes(buf.getvalue())
        rep = replay_file(
            str(path), ReplayOptions(config=run.network.config, topology=replay_topology(run))
        )
    finally:
        path.unlink(missing_ok=True)
    return [v.property for v in rep.violations]


def test_simulation_same_payload_twice() -> None:
    assert _simulated_replay() == []
    outcome, _run, _ms = run_one(SCENARIO)
    assert (
        outcome.failed_expectations == ()
        and outcome.replay_violations == ()
        and outcome.monitor_violations == ()
    )


def test_simulation_home_agent_adding_rh_is_flagged() -> None:
    with HA_ADDS_RH.applied():
        assert PID in _simulated_replay()


def _judged() -> list[str]:
    sc = parse_scenario(SCENARIO.read_text(encoding="utf-8"), SCENARIO.name)
    world = BuildWorld(sc)
    judge = Judge(sc, world, None)
    found = []
    for step in sc.timeline:
        world.apply(step)
        found = judge.step()
    return [v.property for v in found]


def test_hypothesis_judge_same_payload_twice() -> None:
    """The stateful judge feeds the observer what each node consumed; the same run gives no verdict.
    (It does not feed the packet the home agent intercepts, so it cannot judge HA-NO-RH-FOR-INTERCEPTED
    against a home agent that adds a Routing header either: that verdict comes from replay.)"""
    assert _judged() == []
