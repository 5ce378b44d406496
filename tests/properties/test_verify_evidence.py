"""The scenario corpus reports `passed` only on inputs its judges had: a row whose judges saw nothing
in any scenario is `unknown`, however many scenarios ran (properties/evidence.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mip6check.properties.evidence import COUNTED
from mip6check.properties.mutants import patched
from mip6check.properties.scenarios import (
    DEFAULT_DIRS,
    ScenarioOutcome,
    outcomes,
    results_of,
    run_one,
)
from mip6check.properties.verdict import Status

RELAY = "27-tunnel-icmp-relay.scenario"
RATE = "25-ipv6-base-errors.scenario"


def corpus_file(name: str) -> Path:
    return next(d / name for d in DEFAULT_DIRS if (d / name).exists())


@pytest.fixture(scope="module")
def corpus() -> list[ScenarioOutcome]:
    return list(outcomes())


def test_every_passed_row_rests_on_judge_inputs(corpus: list[ScenarioOutcome]) -> None:
    totals: dict[str, int] = {}
    for o in corpus:
        for pid, n in o.inputs:
            assert n > 0, (o.path.name, pid)
            totals[pid] = totals.get(pid, 0) + n
    results = results_of(corpus, DEFAULT_DIRS)
    passed = [r for r in results if r.status is Status.PASSED]
    assert passed
    for r in passed:
        assert totals.get(r.property, 0) > 0, r.property  # never on "a scenario ran"
        assert r.examples == totals[r.property], r.property
        assert "inputs" in (r.detail or "") or "premises met" in (r.detail or "")
    for r in results:
        if r.status is Status.UNKNOWN:
            assert r.property not in totals and r.examples == 0


def test_the_rows_no_run_exercised_before_are_exercised(corpus: list[ScenarioOutcome]) -> None:
    """BC-TUNNEL-ICMP-RELAY (scenario 27: an ICMP error about a tunnelled packet) and
    IPV6-ICMP-RATE (scenario 25: 101 errors owed within 100 ms) rest on their premises met."""
    by_name = {o.path.name: dict(o.inputs) for o in corpus}
    assert by_name[RELAY].get("BC-TUNNEL-ICMP-RELAY", 0) >= 1
    assert by_name[RATE].get("IPV6-ICMP-RATE", 0) >= 1
    assert {"BC-TUNNEL-ICMP-RELAY", "IPV6-ICMP-RATE"} <= COUNTED
    results = {r.property: r for r in results_of(corpus, DEFAULT_DIRS)}
    for pid in ("BC-TUNNEL-ICMP-RELAY", "IPV6-ICMP-RATE"):
        assert results[pid].status is Status.PASSED and "premises met" in (
            results[pid].detail or ""
        )


def test_a_row_without_inputs_is_unknown_not_passed() -> None:
    path = corpus_file(RELAY)
    bare = ScenarioOutcome(path, (), (), (), 0, 10, 0.0)
    one = ScenarioOutcome(path, (), (), (), 0, 10, 0.0, inputs=(("BC-TUNNEL-ICMP-RELAY", 2),))
    results = {r.property: r for r in results_of([bare, one], DEFAULT_DIRS)}
    relay = results["BC-TUNNEL-ICMP-RELAY"]
    assert relay.status is Status.PASSED and relay.examples == 2
    assert "in 1 of 2 scenarios" in (relay.detail or "")
    others = [r for pid, r in results.items() if pid != "BC-TUNNEL-ICMP-RELAY"]
    assert others and all(r.status is Status.UNKNOWN and r.examples == 0 for r in others)
    assert "not exercised" in (others[0].detail or "")


def test_scenario_27_catches_a_home_agent_that_relays_nothing() -> None:
    """The relay owed (§7.8, RFC 2473 §8) is judged: a node that never relays breaks it."""
    with patched({"mip6check.model.roles.node:IPv6Node._tunnel_error_relay": _no_relay}):
        outcome = run_one(corpus_file(RELAY))[0]
    assert "BC-TUNNEL-ICMP-RELAY" in {v.property for v in outcome.replay_violations}


def _no_relay(*_a: object, **_kw: object) -> list[object]:
    return []
