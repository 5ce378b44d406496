"""Absence and receiver-side judges of whole runs (properties/absences.py), each shown firing on a run
whose model was broken on purpose, and silent on the clean run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mip6check.model.dsl import parse_scenario
from mip6check.model.roles import home_agent, mn_movement
from mip6check.properties.runjudge import JudgedRun, judge_scenario

CORPUS = Path(__file__).resolve().parents[2] / "traces" / "scenarios"
RETURN_HOME = CORPUS / "03-return-home.scenario"


def judged(path: Path) -> JudgedRun:
    return judge_scenario(parse_scenario(path.read_text(encoding="utf-8"), str(path)))


def flagged(run: JudgedRun, pid: str) -> list[str]:
    return [v.message for v in run.violations if v.property == pid]


@pytest.fixture
def clean() -> JudgedRun:
    return judged(RETURN_HOME)


def test_clean_run_is_silent(clean: JudgedRun) -> None:
    assert flagged(clean, "MN-RETURN-HOME") == []
    assert flagged(clean, "HA-TUNNEL") == []
    assert clean.ok


@pytest.fixture
def no_deregistration(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A mobile node that, back home, sends its Neighbor Advertisements but no de-registration."""
    original: Callable[..., Any] = mn_movement.return_home

    def forgetful(mn: Any, core: Any, router: Any, now: int) -> Any:
        ha, mn.ha = mn.ha, None
        try:
            return original(mn, core, router, now)
        finally:
            mn.ha = ha

    monkeypatch.setattr(mn_movement, "return_home", forgetful)
    yield


def test_missing_deregistration_on_return_home(no_deregistration: None) -> None:
    """MN-RETURN-HOME (§9.13): the Neighbor Advertisements alone do not satisfy it. The whole-log
    judge says so, and replay too (the home agent's Status 135 answer to the update the node sent the
    Home-Agents anycast address instead, §8.1, no longer hides the flow from it)."""
    run = judged(RETURN_HOME)
    msgs = flagged(run, "MN-RETURN-HOME")
    (msg,) = [m for m in msgs if "sent no de-registration" in m]
    assert "2001:db8:1::100" in msg
    assert any("no de-registration" in m and m != msg for m in msgs)
    assert not run.ok


def _tunnel_with(change: Callable[[Any, bytes, bytes], tuple[bytes, bytes]]) -> Callable[..., Any]:
    original: Callable[..., Any] = home_agent.tunnel

    def broken(inner: Any, src: bytes, dst: bytes) -> Any:
        return original(inner, *change(inner, src, dst))

    return broken


def test_tunnel_outer_source_must_be_the_home_agents(monkeypatch: pytest.MonkeyPatch) -> None:
    """HA-TUNNEL (§8.4): a home agent that puts the inner source as the outer source is caught by the
    whole-log judge, which knows the home agent's addresses from the run (replay judges it too)."""
    monkeypatch.setattr(home_agent, "tunnel", _tunnel_with(lambda inner, _s, d: (inner.src, d)))
    msgs = flagged(judged(RETURN_HOME), "HA-TUNNEL")
    assert (
        "tunnelled a packet for 2001:db8:1::100: outer source 2001:db8:3::3 is not an address of HA"
        in msgs
    )


def test_tunnel_outer_destination_must_be_the_care_of_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(home_agent, "tunnel", _tunnel_with(lambda inner, s, _d: (s, inner.src)))
    msgs = flagged(judged(RETURN_HOME), "HA-TUNNEL")
    assert any("outer destination 2001:db8:3::3 is not the care-of address" in m for m in msgs)


def test_intercepted_packet_not_tunnelled(monkeypatch: pytest.MonkeyPatch) -> None:
    """HA-TUNNEL (§8.4) as an absence: the home agent takes the packet and sends nothing."""
    original = home_agent.HomeAgent.intercept

    def swallow(self: Any, core: Any, packet: Any, iface: str, now: int) -> Any:
        out = original(self, core, packet, iface, now)
        if out is None:
            return None
        return [a for a in out if type(a).__name__ != "Transmit"]

    monkeypatch.setattr(home_agent.HomeAgent, "intercept", swallow)
    msgs = flagged(judged(RETURN_HOME), "HA-TUNNEL")
    assert msgs and all("was not tunnelled" in m for m in msgs)


def test_bounds_come_from_the_registry() -> None:
    from mip6check.model.config import DEFAULT
    from mip6check.properties.spec import Deadlines, obligation

    ob = obligation("HA-TUNNEL")
    assert ob.bound is not None and ob.bound.switch == "forward_window"
    assert ob.bound.ms(DEFAULT, replace(Deadlines(), forward_window=3)) == 3


def test_missing_parameter_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    """W-UNKNOWN-OPT-11X (§5.1, §5.4): a node without Mobile IPv6 that swallows a Binding Update
    (as if it recognised the option) instead of answering Parameter Problem code 2 is caught."""
    from mip6check.model.codec.values import DRAFT04
    from mip6check.model.roles.node import NoMobility

    legacy = CORPUS / "11-legacy-correspondent.scenario"
    assert flagged(judged(legacy), "W-UNKNOWN-OPT-11X") == []
    monkeypatch.setattr(
        NoMobility, "recognised_options", lambda self: frozenset({DRAFT04.bu, DRAFT04.hao})
    )
    msgs = flagged(judged(legacy), "W-UNKNOWN-OPT-11X")
    assert msgs and all("sent no ICMP Parameter Problem code 2" in m for m in msgs)
    assert any("CN recognises no Mobile IPv6 option" in m for m in msgs)


def test_missing_binding_acknowledgement(monkeypatch: pytest.MonkeyPatch) -> None:
    """BC-BA-ON-A (§7.5): a receiver that processes a Binding Update with A set and answers nothing."""
    from mip6check.model.roles.correspondent import Correspondent

    first = CORPUS / "01-first-registration.scenario"
    assert flagged(judged(first), "BC-BA-ON-A") == []
    monkeypatch.setattr(Correspondent, "_ack", lambda self, *a, **k: [])
    msgs = flagged(judged(first), "BC-BA-ON-A")
    assert any(
        "HA processed the Binding Update" in m and "sent no Binding Acknowledgement" in m
        for m in msgs
    )


ISLAND = """\
link home prefix 2001:db8:1::/64
link foreign1 prefix 2001:db8:2::/64
link core prefix 2001:db8:3::/64
link island prefix 2001:db8:7::/64
home-agent HA on home, core
router R1 on foreign1, core
correspondent CN on core
mobile MN home 2001:db8:1::100 agent HA on foreign1
seed 5

at 8s: send CN -> MN flow 1
at 20s: move MN to island
at 330s: send CN -> MN flow 2
run until 340s

expect by 9s: MN sent bu to CN
"""


def test_binding_used_past_the_lifetime_granted(monkeypatch: pytest.MonkeyPatch) -> None:
    """BC-EXPIRE (§4.3, §7.7): the mobile node goes where it cannot refresh its binding; a correspondent
    whose cache never lets the entry go routes flow 2 through the old care-of address 22 s after the
    300 s it granted. The whole-log judge sees the use, the monitor the entry held."""
    from mip6check.model.roles import binding_cache as bc

    scenario = parse_scenario(ISLAND, "island.scenario")
    clean = judge_scenario(scenario)
    assert clean.ok and flagged(clean, "BC-EXPIRE") == []

    def route(self: Any, home: bytes, now: int, *, home_registration: bool = False) -> Any:
        rec = self._entries.get(home)  # every entry held, expired or not
        if rec is None or (home_registration and not rec.home_reg):
            return None
        return rec, rec.coa

    monkeypatch.setattr(bc.BindingCache, "route", route)
    monkeypatch.setattr(bc.BindingCache, "expire", lambda self, now: [])
    monkeypatch.setattr(bc.BindingCache, "next_deadline", lambda self: None)
    msgs = flagged(judge_scenario(scenario), "BC-EXPIRE")
    assert any(
        m.startswith(
            "CN routed a packet for 2001:db8:1::100 through care-of address 2001:db8:2::100"
        )
        and "after the lifetime granted (300 s" in m
        for m in msgs
    )
    assert any(m.startswith("entry for 2001:db8:1::100 still held") for m in msgs)


def test_binding_ack_acted_on_without_a_matching_update() -> None:
    """MN-BA-VALIDATE (§9.10) in a run: a mobile node that does not check the Sequence Number acts on
    the forged acknowledgement (seq 12345, from the attacker) of scenario 17; the monitor says so."""
    from mip6check.properties.mutants import BY_NAME

    forged = CORPUS / "17-replay-stale-bu-and-forged-ba.scenario"
    assert flagged(judged(forged), "MN-BA-VALIDATE") == []
    with BY_NAME["ba-seq-unchecked"].applied():
        msgs = flagged(judged(forged), "MN-BA-VALIDATE")
    assert msgs == [
        "acted on a Binding Acknowledgement (Status 0, accepted) from 2001:db8:3::4: no Binding "
        "Update with Sequence Number 12345 is outstanding"
    ]
