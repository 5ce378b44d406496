"""§9.5 with §9.2: a tunnelled packet that arrives while the mobile node has no default router (it just
re-attached) triggers its Binding Update once the node is settled, instead of one recorded in the
Binding Update List as sent but dropped for lack of a route
(traces/regressions/mn-tunnel-bu-while-unsettled.scenario)."""

from __future__ import annotations

from mip6check.model.addr import a
from mip6check.model.dsl import parse_scenario
from mip6check.model.net import Kind
from mip6check.model.roles.events import BindingUpdateSent, Dropped, Note
from mip6check.properties.explore.driver import BuildWorld

SCENARIO = """\
link LH prefix 2001:db8:1::/64 delay 1ms
link LB prefix 2001:db8:3::/64 delay 1ms
link LN prefix 2001:db8:9::/64 delay 1ms
home-agent HA on LH, LB, LN
correspondent CN on LN
mobile MN home 2001:db8:1::100 agent HA on LH
key MN HA "mn-ha secret"
key MN CN "mn-cn secret"
seed 0
at 1s: move MN to LB
run until 10s
at 10s: send CN -> MN flow 1
at 10s: move MN to LB
run until 16s
"""
CN = a("2001:db8:9::2")


def test_the_triggered_update_waits_for_a_router_and_goes_out() -> None:
    sc = parse_scenario(SCENARIO)
    w = BuildWorld(sc)
    for step in sc.timeline:
        w.apply(step)
    evs = [(r.time, r.event) for r in w.net.log.records if r.kind is Kind.EVENT and r.node == "MN"]
    assert any(isinstance(e, Note) and e.kind == "tunnel-trigger-deferred" for _, e in evs)
    sent = [t for t, e in evs if isinstance(e, BindingUpdateSent) and e.destination == CN]
    later = [t for t in sent if t > 10_000]
    assert later, "no Binding Update to the correspondent after the tunnelled packet"
    dropped = [t for t, e in evs if isinstance(e, Dropped) and e.reason == "no-route"]
    assert not [t for t in later if t in dropped]
