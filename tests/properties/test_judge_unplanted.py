"""The judges see a fault nobody planted in the judge itself: runs that exercise a mutant's fault are
flagged under the mutant by the row it breaks, and the same run on the clean model is not.

- BC-EXPIRE (§4.3, §7.3, §7.7), the early side: an entry deleted as expired before the Lifetime
  granted ran out (a timer one second short; an expiry computed in seconds, not milliseconds).
- MN-BA-REJECTED (§5.2, §9.10): the Binding Update List entry of a Binding Update whose acknowledgement
  rejected it (Status >= 128, 128 included) is deleted.
- BC-CREATE (§7.3, §7.7): a correspondent with room answers a valid update 0, not 131.
- BC-STALE-IGNORED (§7.2): an update without a Home Address option changes no cache entry.
- HA-DHAAD-135 (§8.1): an H update to the Home-Agents anycast address is rejected with 135 (scenario
  04: the home agent's unicast answer is judged, not only the anycast one).
- MN-BA-VALIDATE (§9.10): after an acknowledgement it must ignore (here unauthenticated), the mobile
  node still retransmits its update (§9.7); replay charges the missing retransmission though the
  update itself was lost, and a forged acknowledgement is not taken as the home agent's word.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mip6check.model.dsl import parse_scenario
from mip6check.properties.mutants import BY_NAME
from mip6check.properties.runjudge import judge_scenario

EXPIRY = """\
link home prefix 2001:db8:1::/64
link core prefix 2001:db8:3::/64 silent
home-agent HA on home, core
correspondent CN on core
attacker X on core
seed 3

at 2s: inject on core bu from X to CN home 2001:db8:9::1 seq 5 lifetime 2 coa 2001:db8:3::3
at 3.5s: inject on core bu from X to CN home 2001:db8:9::2 seq 5 lifetime 2 coa 2001:db8:3::3
run until 8s
expect: property BC-EXPIRE holds
"""
"""Two correspondent bindings of 2 s; the second update, 0.5 s before the first one's end, makes the
correspondent purge what it takes for expired (§7.7)."""

ROOM = """\
link home prefix 2001:db8:1::/64
link core prefix 2001:db8:3::/64 silent
home-agent HA on home, core
correspondent CN on core
attacker X on core
seed 3

at 2s: inject on core bu from X to CN home 2001:db8:9::1 seq 5 lifetime 20 coa 2001:db8:3::3 flags a
run until 4s
expect by 3s: CN sent ba
"""
"""An update to an empty correspondent cache (capacity 64, stated to replay by the topology)."""

# The home agent's acknowledgement of the update sent on the move never comes (the update is lost on
# its first hop); a Binding Acknowledgement with the STATUS of the test, matching it, comes at 10.5 s.
WAITING = """\
link home prefix 2001:db8:1::/64
link foreign1 prefix 2001:db8:2::/64
link foreign2 prefix 2001:db8:4::/64
link core prefix 2001:db8:3::/64
home-agent HA on home, core
router R1 on foreign1, core
router R2 on foreign2, core
correspondent CN on core
attacker X on core
mobile MN home 2001:db8:1::100 agent HA on foreign1
seed 17

at 10s: move MN to foreign2
at 10.119s: drop next 2 on foreign2
at 10.5s: inject on foreign2 ba from 2001:db8:1::1 to MN status STATUS seq 4809 lifetime 600 OPTIONS
at 14s: send CN -> MN count 3 every 1s flow 1
run until 17s
expect by 10.2s: MN sent bu to 2001:db8:1::1 seq 4809
"""


NO_HAO = """\
link home prefix 2001:db8:1::/64
link core prefix 2001:db8:3::/64
home-agent HA on home, core
correspondent CN on core
attacker X on core
seed 3

at 2s: inject on core bu from X to CN home 2001:db8:9::1 seq 5 lifetime 20 coa 2001:db8:3::3 no-hao
run until 8s
expect: property BC-STALE-IGNORED holds
"""
"""A Binding Update without a Home Address option (§7.2: to be ignored) to a correspondent."""

DHAAD = (
    Path(__file__).resolve().parents[2] / "traces" / "scenarios" / "04-dynamic-ha-discovery.scenario"
).read_text(encoding="utf-8")


def _waiting(status: str, options: str = "") -> str:
    return WAITING.replace("STATUS", status).replace(" OPTIONS", f" {options}" if options else "")


def _flagged(text: str, name: str, mutant: str | None) -> set[str]:
    scenario = parse_scenario(text, name)
    if mutant is None:
        run = judge_scenario(scenario)
    else:
        with BY_NAME[mutant].applied():
            run = judge_scenario(scenario)
    assert all(r.ok for r in run.results if "property" not in r.text), run.results
    return {v.property for v in run.violations}


@pytest.mark.parametrize(
    ("mutant", "text", "pid"),
    [
        ("expiry-in-seconds", EXPIRY, "BC-EXPIRE"),
        ("expire-1s-early", EXPIRY, "BC-EXPIRE"),
        ("status128-accepted", _waiting("128"), "MN-BA-REJECTED"),
        ("ba-reject-keeps-entry", _waiting("129"), "MN-BA-REJECTED"),
        ("never-create", ROOM, "BC-CREATE"),
        ("no-hao-test", NO_HAO, "BC-STALE-IGNORED"),
        ("ba-auth-unchecked", _waiting("0", "no-auth"), "MN-BA-VALIDATE"),
        # B2 read literally (12 octets): an Option Length of 11 decodes, and must still be ignored
        (
            "ba-length-unchecked",
            _waiting("0", "length 11").replace("seed 17\n", "seed 17\nset ba-min-length 12\n"),
            "W-BA-MINLEN",
        ),
    ],
)
def test_fault_flagged_and_clean_model_not(mutant: str, text: str, pid: str) -> None:
    assert pid not in _flagged(text, f"{mutant}.scenario", None)
    assert pid in _flagged(text, f"{mutant}.scenario", mutant)


def test_forged_acknowledgement_is_not_the_home_agents_word() -> None:
    """§4.2, §5.2, §7.2: an acknowledgement with the home agent's address injected between the mobile
    node's update and the home agent's own: unauthenticated, it is not the home agent's account of
    its cache; signed with a guessed key (no key to check it), it acknowledges the same copy of the
    update, so the real acknowledgement of that copy is no Sequence Number reuse."""
    forged = WAITING.replace("at 10.119s: drop next 2 on foreign2\n", "").replace(
        "at 10.5s: inject", "at 10.121s: inject"
    )
    for options in ("no-auth", 'key "attacker guess"'):
        text = forged.replace("STATUS", "0").replace("OPTIONS", options)
        flagged = _flagged(text, "forged-ba.scenario", None)
        assert not flagged & {"BC-SEQ-MONOTONIC", "HA-TUNNEL", "BC-STALE-IGNORED"}, (options, flagged)


def _icmp_scenario() -> str:
    """A correspondent's binding to a care-of address nobody holds (behind the home agent's link),
    three echoes from the home address answered by the binding, each answer's Destination Unreachable
    from the home agent, then one more echo."""
    from mip6check.model.addr import a
    from mip6check.properties.explore import raw as R

    home, cn = a("2001:db8:9::1"), a("2001:db8:3::2")
    gone, router = a("2001:db8:1::7e00"), a("2001:db8:3::1")
    lines = [
        "link home prefix 2001:db8:1::/64",
        "link core prefix 2001:db8:3::/64 silent",
        "home-agent HA on home, core",
        "correspondent CN on core",
        "attacker X on core",
        "seed 3",
        "at 2s: inject on core bu from X to CN home 2001:db8:9::1 seq 5 lifetime 60 "
        "coa 2001:db8:1::7e00 flags a",
    ]
    t = 2500
    for i in range(3):
        lines.append(f'at {t}ms: inject on core raw "{R.echo(home, cn, 3, i).hex()}"')
        quoted = R.routed_reply(cn, gone, home, 3, i)
        lines.append(f'at {t + 500}ms: inject on core raw "{R.unreachable(router, cn, quoted).hex()}"')
        t += 1000
    lines += [
        f'at {t}ms: inject on core raw "{R.echo(home, cn, 5, 0).hex()}"',
        f"run until {t + 2000}ms",
        "expect by 3s: CN sent ba",
    ]
    return "\n".join(lines) + "\n"


def test_route_after_icmp_deletion_is_not_a_missing_routing_header() -> None:
    """§7.8, §7.9: a correspondent that deleted its binding after persistent Destination Unreachable
    errors answers the home address directly; that is no BC-ROUTE-VIA-RH (the binding is gone), while
    one that keeps routing by it is still BC-ICMP-UNREACH."""
    text = _icmp_scenario()
    assert "BC-ROUTE-VIA-RH" not in _flagged(text, "icmp-deleted.scenario", None)
    assert "BC-ICMP-UNREACH" in _flagged(text, "icmp-kept.scenario", "icmp-never-deletes")


def test_anycast_registration_answered_otherwise_than_135_is_flagged() -> None:
    """Scenario 04 under anycast-ignored: the home agent accepts the H update sent to the anycast
    address; replay judges its unicast answer's Status (scenario 04's own expectations then fail,
    which is the point of the mutant)."""
    clean = judge_scenario(parse_scenario(DHAAD, "04.scenario"))
    assert "HA-DHAAD-135" not in {v.property for v in clean.violations}
    with BY_NAME["anycast-ignored"].applied():
        run = judge_scenario(parse_scenario(DHAAD, "04.scenario"))
    assert "HA-DHAAD-135" in {v.property for v in run.violations}
