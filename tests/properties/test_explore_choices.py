"""MAY choices in scenarios and machines: `choice NODE na-rexmit N` fixes how many times a node repeats
its Neighbor Advertisements (§8.2 home agent, §9.13 mobile node; at most MAX_ADVERT_REXMIT), the
machines draw it per run, and a run that took one prints it, so `simulate` replays the same run."""

from __future__ import annotations

import pytest

from mip6check.model.codec.values import NeighborAdvertisement
from mip6check.model.dsl import ast as A
from mip6check.model.dsl import parse_scenario
from mip6check.model.dsl.errors import ScenarioError
from mip6check.model.dsl.printer import print_scenario
from mip6check.model.net import Kind
from mip6check.model.roles.events import Transmit
from mip6check.properties.explore import strategies as S
from mip6check.properties.explore.driver import BuildWorld

BASE = """\
link LH prefix 2001:db8:1::/64 delay 1ms
link LA prefix 2001:db8:2::/64 delay 1ms
home-agent HA on LH, LA
mobile MN home 2001:db8:1::100 agent HA on LH
key MN HA "mn-ha secret"
{choices}seed 0
at 1s: move MN to LA
run until 8s
at 8s: return MN home
run until 14s
"""
HOME = bytes.fromhex("20010db8000100000000000000000100")


def unsolicited_nas(text: str) -> dict[str, int]:
    """Unsolicited Neighbor Advertisements for the home address, per sending node."""
    sc = parse_scenario(text)
    w = BuildWorld(sc)
    for step in sc.timeline:
        w.apply(step)
    out: dict[str, int] = {}
    for r in w.net.log.records:
        if r.kind is Kind.TX and isinstance(r.event, Transmit) and r.node is not None:
            p = r.event.packet.payload
            if isinstance(p, NeighborAdvertisement) and p.target == HOME and not p.solicited:
                out[r.node] = out.get(r.node, 0) + 1
    return out


def test_default_policy_sends_each_advertisement_once() -> None:
    assert unsolicited_nas(BASE.format(choices="")) == {"HA": 1, "MN": 1}


@pytest.mark.parametrize("ha, mn", [(2, 0), (0, 3), (1, 1)])
def test_choice_repeats_the_advertisements(ha: int, mn: int) -> None:
    lines = "".join(f"choice {node} na-rexmit {n}\n" for node, n in (("HA", ha), ("MN", mn)) if n)
    assert unsolicited_nas(BASE.format(choices=lines)) == {"HA": 1 + ha, "MN": 1 + mn}


def test_choice_prints_and_parses_back() -> None:
    sc = parse_scenario(BASE.format(choices="choice HA na-rexmit 2\n"))
    assert sc.choices == (A.Choice("HA", "na-rexmit", 2),)
    text = print_scenario(sc)
    assert "choice HA na-rexmit 2" in text
    assert parse_scenario(text) == sc


@pytest.mark.parametrize(
    "line, says",
    [
        ("choice HA na-rexmit 4\n", "MAX_ADVERT_REXMIT"),
        ("choice HA na-repeat 1\n", "unknown choice"),
        ("choice NOBODY na-rexmit 1\n", "unknown node"),
        ("choice HA na-rexmit 1\nchoice HA na-rexmit 2\n", "already given"),
    ],
)
def test_bad_choice_is_a_scenario_error(line: str, says: str) -> None:
    with pytest.raises(ScenarioError, match=says):
        parse_scenario(BASE.format(choices=line))


def test_machines_state_their_choices_in_the_scenario() -> None:
    """The drawn setup's repeat counts become `choice` lines of the run's scenario (so the printed
    counterexample replays them), and none is written for the default policy."""
    head = S.topology(S.Setup(second_mn=True, na_rexmit_ha=3, na_rexmit_mn=1))
    assert set(head.choices) == {
        A.Choice("HA", "na-rexmit", 3),
        A.Choice("MN", "na-rexmit", 1),
        A.Choice("MN2", "na-rexmit", 1),
    }
    assert S.topology(S.Setup()).choices == ()
