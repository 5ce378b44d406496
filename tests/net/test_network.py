"""The forwarding engine end to end: every hop through bytes, determinism, impairments, capture."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from mip6check.model.addr import a
from mip6check.model.codec.pcap import Record, iter_records
from mip6check.model.codec.values import UDP, EchoRequest, IPv6Packet
from mip6check.model.errors import DecodeError, ModelUsageError
from mip6check.model.net import Kind, Network, Scheduler
from mip6check.model.roles.events import Delivered, Dropped
from mip6check.model.roles.hooks import data_payload

A = a("2001:db8:1::10")
B = a("2001:db8:2::20")


def two_hosts_and_router(
    seed: int = 1, capture: io.BytesIO | None = None, **link: object
) -> Network:
    net = Network(seed=seed, capture=capture)
    net.add_link("L1", ["2001:db8:1::/64"], **link)  # type: ignore[arg-type]
    net.add_link("L2", ["2001:db8:2::/64"], **link)  # type: ignore[arg-type]
    net.add_router("R")
    net.connect("R", "e1", "L1", addresses=["2001:db8:1::1"])
    net.connect("R", "e2", "L2", addresses=["2001:db8:2::1"])
    net.add_host("A")
    net.add_host("B")
    net.connect("A", "e0", "L1", addresses=[A])
    net.connect("B", "e0", "L2", addresses=[B])
    return net


def delivered(net: Network) -> list[Delivered]:
    return [e for e in net.log.events(Delivered)]  # type: ignore[misc]


def test_scheduler_order_and_misuse() -> None:
    s = Scheduler(0)
    seen: list[tuple[int, str]] = []
    s.at(5, lambda t: seen.append((t, "b")))
    s.at(5, lambda t: seen.append((t, "c")))
    s.at(1, lambda t: seen.append((t, "a")))
    s.run_until(10)
    assert seen == [(1, "a"), (5, "b"), (5, "c")] and s.now == 10
    with pytest.raises(ModelUsageError):
        s.at(3, lambda t: None)
    with pytest.raises(ModelUsageError):
        s.run_until(2)


def test_end_to_end_through_router_both_ways() -> None:
    net = two_hosts_and_router()
    net.run_until(4_000)  # RAs teach default routers
    net.send_data("A", B, 1, 4_000)
    net.send_data("B", A, 2, 4_000)
    net.run_until(5_000)
    got = {(d.node, d.flow, d.via) for d in delivered(net)}
    assert got == {("B", 1, "direct"), ("A", 2, "direct")}
    counts = net.log.counts()
    assert counts["R"].sent >= 2 and counts["B"].received >= 1
    assert net.hops > 0 and all(r.kind is not Kind.DECODE_ERROR for r in net.log)


def test_echo_request_answered() -> None:
    net = two_hosts_and_router()
    net.run_until(4_000)
    net.originate("A", IPv6Packet(A, B, (), EchoRequest(1, 1, b"hi")), 4_000)
    net.run_until(5_000)
    replies = [r for r in net.log.of(Kind.RX, "A") if type(r.event.payload).__name__ == "EchoReply"]  # type: ignore[attr-defined]
    assert len(replies) == 1


def test_hop_limit_expiry_at_router() -> None:
    net = two_hosts_and_router()
    net.run_until(4_000)
    net.originate("A", IPv6Packet(A, B, (), UDP(1, 2, b""), hop_limit=1), 4_000)
    net.run_until(5_000)
    assert any(isinstance(e, Dropped) and e.reason == "hop-limit" for e in net.log.events(node="R"))
    te = [r for r in net.log.of(Kind.RX, "A") if type(r.event.payload).__name__ == "TimeExceeded"]  # type: ignore[attr-defined]
    assert len(te) == 1


def log_lines(seed: int, **link: object) -> list[str]:
    net = two_hosts_and_router(seed, **link)
    net.run_until(3_000)
    for i in range(40):
        net.send_data("A", B, i, 3_000 + 10 * i)
    net.run_until(10_000)
    return net.log.lines()


def test_same_seed_same_log_with_impairments() -> None:
    kw = {"loss": 0.2, "dup": 0.2, "jitter": 30}
    l1 = log_lines(7, **kw)
    assert l1 == log_lines(7, **kw)
    assert l1 != log_lines(8, **kw)


def test_loss_duplication_and_reordering_happen() -> None:
    net = two_hosts_and_router(3, loss=0.1, dup=0.3, jitter=50)
    net.run_until(3_000)
    for i in range(100):
        net.send_data("A", B, i, 3_000 + 5 * i)
    net.run_until(20_000)
    flows = [d.flow for d in delivered(net) if d.node == "B"]
    assert net.log.of(Kind.LOST)  # loss
    assert len(flows) != len(set(flows))  # duplicates
    assert flows != sorted(flows)  # reordering


def test_drop_next() -> None:
    net = two_hosts_and_router()
    net.run_until(4_000)
    net.link("L2").drop_next(1)
    net.send_data("A", B, 1, 4_000)  # R resolves B: the NS is lost, then retransmitted
    net.run_until(8_000)
    assert len(net.log.of(Kind.LOST)) == 1
    assert [d.flow for d in delivered(net)] == [1]


def test_decode_failure_is_logged_as_drop() -> None:
    net = two_hosts_and_router()
    net.run_until(1_000)
    bad = bytes.fromhex("60000000000811ff") + bytes(32)  # payload length 8, no payload octets
    net.inject("L1", bad[:24] + bytes.fromhex("ff020000000000000000000000000001"), 1_000)
    net.run_until(1_100)
    errs = net.log.of(Kind.DECODE_ERROR)
    assert errs and all(isinstance(r.event, DecodeError) for r in errs)
    assert {r.node for r in errs} == {"A", "R"}


def test_move_between_links_learns_new_router() -> None:
    net = two_hosts_and_router()
    net.run_until(4_000)
    assert net.node("A").default_routers(4_000)[0][0] == "e0"
    net.move("A", "e0", "L2", 4_000)
    assert net.link_of("A", "e0") == "L2" and net.node("A").default_routers(4_000) == []
    net.run_until(5_000)  # RS on attach -> solicited RA within 500 ms
    assert net.node("A").default_routers(5_000) == [("e0", net.node("R").ifaces["e2"].link_local)]


def test_two_interfaces_on_two_links() -> None:
    net = two_hosts_and_router()
    net.add_host("M")
    net.connect("M", "if1", "L1", addresses=["2001:db8:1::50"])
    net.connect("M", "if2", "L2", addresses=["2001:db8:2::50"])
    net.run_until(4_000)
    net.send_data("A", a("2001:db8:1::50"), 5, 4_000)
    net.send_data("B", a("2001:db8:2::50"), 6, 4_000)
    net.run_until(5_000)
    assert sorted(d.flow for d in delivered(net) if d.node == "M") == [5, 6]


def test_capture_reads_back() -> None:
    buf = io.BytesIO()
    net = two_hosts_and_router(capture=buf)
    net.run_until(4_000)
    net.send_data("A", B, 1, 4_000)
    net.run_until(5_000)
    recs = [r for r in iter_records(io.BytesIO(buf.getvalue())) if isinstance(r, Record)]
    assert len(recs) == net.frames == len(net.log.of(Kind.TX))
    tx_times = [r.time for r in net.log.of(Kind.TX)]
    assert [round(r.time * 1000) for r in recs] == tx_times


@pytest.mark.tshark
@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")
def test_capture_opens_in_tshark(tmp_path: Path) -> None:
    path = tmp_path / "sim.pcapng"
    with path.open("wb") as f:
        net = two_hosts_and_router(capture=f)  # type: ignore[arg-type]
        net.run_until(4_000)
        net.send_data("A", B, 1, 4_000)
        net.run_until(5_000)
    out = subprocess.run(
        ["tshark", "-r", str(path), "-T", "fields", "-e", "frame.interface_name", "-e", "ipv6.dst"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    lines = [x for x in out.stdout.splitlines() if x]
    assert len(lines) == net.frames
    assert any(line.startswith("L2") and "2001:db8:2::20" in line for line in lines)


def test_compute_routes_over_a_chain_of_routers() -> None:
    net = Network(seed=2)
    for i in range(4):
        net.add_link(f"L{i}", [f"2001:db8:{i}::/64"])
    for i in range(3):  # R0: L0-L1, R1: L1-L2, R2: L2-L3
        net.add_router(f"R{i}")
        net.connect(f"R{i}", "a", f"L{i}", addresses=[f"2001:db8:{i}::1"])
        net.connect(f"R{i}", "b", f"L{i + 1}", addresses=[f"2001:db8:{i + 1}::2"])
    assert net.compute_routes() == 6  # each router: the two links it is not on
    net.add_host("A")
    net.connect("A", "e0", "L0", addresses=["2001:db8:0::10"])
    net.add_host("B")
    net.connect("B", "e0", "L3", addresses=["2001:db8:3::10"])
    net.run_until(3_000)
    net.send_data("A", a("2001:db8:3::10"), 9, 3_000)
    net.send_data("B", a("2001:db8:0::10"), 10, 3_000)
    net.run_until(5_000)
    assert sorted((d.node, d.flow) for d in delivered(net)) == [("A", 10), ("B", 9)]


def test_same_seed_same_capture_bytes() -> None:
    def run(seed: int) -> bytes:
        buf = io.BytesIO()
        net = two_hosts_and_router(seed, capture=buf, loss=0.1, jitter=20)
        net.run_until(3_000)
        for i in range(20):
            net.send_data("A", B, i, 3_000 + 7 * i)
        net.run_until(8_000)
        return buf.getvalue()

    assert run(11) == run(11)


def test_apply_and_at() -> None:
    net = two_hosts_and_router()
    seen: list[int] = []
    net.at(1_500, seen.append)
    net.run_until(4_000)
    a_node = net.node("A")
    acts = a_node.send(IPv6Packet(A, B, (), UDP(7001, 7001, data_payload(5))), 4_000)
    net.apply("A", acts, 4_000)
    net.run_until(5_000)
    assert seen == [1_500] and [d.flow for d in delivered(net)] == [5]


def test_log_packets_off_keeps_events_only() -> None:
    net = Network(seed=1, log_packets=False)
    net.add_link("L1", ["2001:db8:1::/64"])
    net.add_host("A")
    net.add_host("C")
    net.connect("A", "e0", "L1", addresses=[A], prefixes=["2001:db8:1::/64"])
    net.connect("C", "e0", "L1", addresses=["2001:db8:1::30"])
    net.send_data("A", a("2001:db8:1::30"), 3, 10)
    net.run_until(1_000)
    assert not net.log.of(Kind.TX) and not net.log.of(Kind.RX) and net.frames > 0
    assert [d.flow for d in delivered(net)] == [3]


def test_renumber_gives_routers_the_new_prefix() -> None:
    from mip6check.model.addr import Prefix
    from mip6check.model.roles.nd_messages import ROUTER_ADDRESS_FLAG

    net = two_hosts_and_router()
    net.run_until(4_000)
    old, new = Prefix.parse("2001:db8:1::/64"), Prefix.parse("2001:db8:9::/64")
    gained = net.renumber("L1", old, new, 4_000)
    assert gained == {"R": [a("2001:db8:9::1")]}
    assert net.link("L1").prefixes == (new,)
    r = net.node("R")
    assert r.ifaces["e1"].prefixes == [new] and a("2001:db8:1::1") in r.addresses()
    net.run_until(8_000)  # the router's next RAs on L1 carry the new prefix (with the R bit)
    ras = [
        rec.event.packet.payload  # type: ignore[union-attr]
        for rec in net.log.of(Kind.TX, "R")
        if rec.time > 4_000
        and rec.link == "L1"
        and type(rec.event.packet.payload).__name__ == "RouterAdvertisement"  # type: ignore[union-attr]
    ]
    assert ras
    pi = [o for o in ras[-1].options if type(o).__name__ == "PrefixInfo"]
    assert [(o.prefix, o.flags_rest & ROUTER_ADDRESS_FLAG) for o in pi] == [
        (a("2001:db8:9::1"), ROUTER_ADDRESS_FLAG)
    ]
    with pytest.raises(ModelUsageError):
        net.renumber("L9", old, new, 8_000)


def test_multicast_frames_reach_only_listening_interfaces() -> None:
    """RFC 2464 §7: a solicited-node group's frames reach the interfaces that joined it."""
    net = Network(seed=1)
    net.add_link("L1", ["2001:db8:1::/64"])
    for i, name in enumerate(("A", "C", "D"), start=1):
        net.add_host(name)
        net.connect(
            name, "e0", "L1", addresses=[a(f"2001:db8:1::{i}")], prefixes=["2001:db8:1::/64"]
        )
    net.run_until(2_000)
    before = {n: len(net.log.of(Kind.RX, n)) for n in ("C", "D")}
    net.send_data("A", a("2001:db8:1::2"), 3, 2_000)  # A resolves C: NS to C's group
    net.run_until(3_000)
    rx = {n: [r.event for r in net.log.of(Kind.RX, n)][before[n] :] for n in ("C", "D")}
    kinds = {n: [type(p.payload).__name__ for p in v] for n, v in rx.items()}  # type: ignore[union-attr]
    assert kinds["C"] == ["NeighborSolicitation", "UDP"]
    assert kinds["D"] == []
    assert [d.flow for d in delivered(net)] == [3]
