"""dsl.build: automatic addressing and routes, timeline steps, and the meaning of at / by / never."""

from __future__ import annotations

from mip6check.model.addr import a
from mip6check.model.dsl import parse_scenario
from mip6check.model.dsl.build import run_scenario
from mip6check.model.net import Kind

TOPO = """\
link home prefix 2001:db8:1::/64
link foreign1 prefix 2001:db8:2::/64
link core prefix 2001:db8:3::/64
home-agent HA on home, core
router R1 on foreign1, core
correspondent CN on core legacy
attacker X on core
mobile MN home 2001:db8:1::100 agent HA on foreign1
seed 5
"""


def run(extra: str):  # type: ignore[no-untyped-def]
    return run_scenario(parse_scenario(TOPO + extra))


def verdicts(extra: str) -> list[bool]:
    return [r.ok for r in run(extra).results]


def test_addresses_are_prefix_plus_position_in_file() -> None:
    net = run("run until 1s\n").network
    assert a("2001:db8:1::1") in net.node("HA").addresses()
    assert a("2001:db8:3::1") in net.node("HA").addresses()
    assert a("2001:db8:2::2") in net.node("R1").addresses()
    assert a("2001:db8:3::3") in net.node("CN").addresses()
    assert a("2001:db8:1::100") in net.node("MN").addresses()


def test_at_by_never_on_state_and_events() -> None:
    assert verdicts(
        "run until 10s\n"
        "expect at 0s: HA cache size 0\n"  # at: the state at that instant
        "expect at 8s: HA cache size 1\n"
        "expect by 8s: HA cache has 2001:db8:1::100\n"  # by: at some sampled time up to T
        "expect by 8s: HA cache lacks 2001:db8:1::100\n"
        "expect never: HA cache size 2\n"  # never: at no sampled time
        "expect never: HA cache has 2001:db8:1::100\n"  # (it does, from about 1 s)
        "expect by 8s: MN sent bu to HA\n"
        "expect at 0s: MN sent bu to HA\n"  # events up to T: none yet at 0 s
        "expect never: MN sent bu to HA count 3\n"  # never reaches 3
        "expect never: MN sent bu to CN\n"
    ) == [True, True, True, True, True, False, True, False, True, True]


def test_send_count_every_and_delivery_counts() -> None:
    assert verdicts(
        "at 5s: send CN -> MN count 4 every 500ms flow 9\n"
        "run until 10s\n"
        "expect by 8s: delivered CN -> MN flow 9 via tunnel count 4\n"
        "expect by 8s: delivered CN -> MN flow 9 count 5\n"
        "expect by 5200ms: delivered CN -> MN flow 9 count 2\n"
    ) == [True, False, False]


def test_drop_next_loses_frames() -> None:
    r = run("at 5s: drop next 2 on core\nat 5s: send CN -> MN flow 1\nrun until 8s\n")
    lost = [rec for rec in r.network.log.of(Kind.LOST) if rec.link == "core"]
    assert len(lost) == 2


def test_inject_forged_bu_reaches_the_home_agent() -> None:
    r = run(
        "at 5s: inject on core bu from X to HA home 2001:db8:1::100 seq 1 lifetime 60 flags a h no-auth\n"
        "run until 6s\n"
        "expect by 6s: HA ignored bu home 2001:db8:1::100 seq 1\n"
        "expect by 6s: HA received bu from X seq 1\n"
    )
    assert [x.ok for x in r.results] == [True, True]
    assert r.network.log.of(Kind.INJECT)


def test_replay_with_nothing_to_replay_is_logged_not_raised() -> None:
    r = run("at 0s: inject on core replay ba from HA to MN\nrun until 1s\n")
    assert any("nothing to replay" in rec.detail for rec in r.network.log.of(Kind.INJECT))


def test_property_expectations_without_a_monitor_do_not_pass() -> None:
    (res,) = run("run until 1s\nexpect: property BC-UNIQUE holds\n").results
    assert not res.ok and "not judged" in res.detail


def test_same_seed_same_run() -> None:
    assert (
        run("at 3s: send CN -> MN\nrun until 6s\n").network.log.lines()
        == run("at 3s: send CN -> MN\nrun until 6s\n").network.log.lines()
    )


SILENT = """\
link home prefix 2001:db8:1::/64
link foreign1 prefix 2001:db8:2::/64
link core prefix 2001:db8:3::/64 silent
home-agent HA on home, core
router R1 on foreign1, core
correspondent CN on core
mobile MN home 2001:db8:1::100 agent HA on foreign1
seed 5
at 5s: send MN -> CN count 3 flow 4
at 6s: send CN -> MN count 3 flow 5
run until 10s
expect never: HA sent ra to CN
expect never: R1 sent ra to CN
expect by 9s: delivered MN -> CN flow 4 count 3
expect by 9s: delivered CN -> MN flow 5 count 3
"""


def test_silent_link_carries_no_router_advertisements() -> None:
    r = run_scenario(parse_scenario(SILENT))
    assert r.ok, [x for x in r.results if not x.ok]
    net = r.network
    for rec in net.log.of(Kind.TX):
        assert not (
            rec.link == "core" and type(rec.event.packet.payload).__name__ == "RouterAdvertisement"
        )  # type: ignore[union-attr]
    # the host on the silent link routes through the link's first router, HA
    assert [(str(x.prefix), x.iface) for x in net.node("CN").routes.routes()] == [("::/0", "core")]
    # the same topology with RAs on the core: the correspondent learns its routers from them
    loud = run_scenario(parse_scenario(SILENT.replace(" silent", ""))).network
    assert any(
        rec.link == "core" and type(rec.event.packet.payload).__name__ == "RouterAdvertisement"  # type: ignore[union-attr]
        for rec in loud.log.of(Kind.TX)
    )
    assert loud.node("CN").routes.routes() == ()


def test_without_the_packet_log_events_are_judged_and_packet_expectations_refused() -> None:
    import pytest

    from mip6check.model.errors import ModelUsageError

    quiet = SILENT.replace("expect never: HA sent ra to CN\nexpect never: R1 sent ra to CN\n", "")
    r = run_scenario(parse_scenario(quiet), log_packets=False)
    assert r.ok and not r.network.log.of(Kind.TX) and r.network.hops > 0
    with pytest.raises(ModelUsageError, match="needs the packet log"):
        run_scenario(parse_scenario(SILENT), log_packets=False)
