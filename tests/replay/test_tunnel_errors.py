"""BC-TUNNEL-ICMP-RELAY (§7.8, RFC 2473 §8): a tunnel entry point relays the ICMP errors a tunnelled
packet causes to the packet's original sender. Captures built here with the codec: the home agent
intercepts a correspondent's packet, tunnels it, and a router on the tunnel's path reports it."""

from __future__ import annotations

from pathlib import Path

import pytest

from mip6check.model.addr import a
from mip6check.model.codec import (
    AH,
    UDP,
    BindingAck,
    DestUnreachable,
    HomeAddress,
    IPv6Packet,
    NoNextHeader,
    Routing0,
    bu,
    dest_options,
    encapsulate,
    encode_packet,
)
from mip6check.model.codec.pcap import PcapWriter
from mip6check.model.codec.values import ParamProblem, TimeExceeded
from mip6check.properties.replay import ReplayOptions, replay_file

HA = a("2001:db8:1::1")
HOME = a("2001:db8:1::100")
COA = a("2001:db8:2::100")
CN = a("2001:db8:4::5")
ROUTER = a("2001:db8:3::fe")
ICV = bytes(12)
Packets = list[tuple[int, IPv6Packet]]


def registered() -> Packets:
    opts = dest_options(bu(7, 600, a=True, h=True, id_length=64), HomeAddress(HOME))
    ba = dest_options(BindingAck(0, 7, 600, 600))
    return [
        (0, IPv6Packet(COA, HA, (AH(0x100, 7, ICV), opts), NoNextHeader())),
        (2, IPv6Packet(HA, COA, (Routing0(1, (HOME,)), AH(0x200, 7, ICV), ba), NoNextHeader())),
    ]


ORIGINAL = IPv6Packet(CN, HOME, (), UDP(7, 5000, b"to the mobile node"))
TUNNELLED = encapsulate(ORIGINAL, HA, COA)


def reported(t: int, error: object = None) -> Packets:
    """The original packet, its tunnelled copy, and an error about that copy sent to the home agent."""
    err = error if error is not None else DestUnreachable(3, encode_packet(TUNNELLED))
    return [
        (t, ORIGINAL),
        (t + 1, TUNNELLED),
        (t + 5, IPv6Packet(ROUTER, HA, (), err)),  # type: ignore[arg-type]
    ]


def later(t: int) -> tuple[int, IPv6Packet]:
    """The home agent goes on sending (another tunnelled packet)."""
    return (t, encapsulate(IPv6Packet(CN, HOME, (), UDP(7, 5000, b"more")), HA, COA))


def replay(tmp_path: Path, packets: Packets) -> list[tuple[str, int]]:
    path = tmp_path / "c.pcap"
    with path.open("wb") as f:
        w = PcapWriter(f, linktype=229)
        for t, pkt in packets:
            w.write(encode_packet(pkt), time_ms=1_000_000 + t)
    rep = replay_file(str(path), ReplayOptions())
    return sorted((v.property, v.packet) for v in rep.violations if v.property.startswith("BC-T"))


@pytest.mark.parametrize("kind", ["unreachable", "time-exceeded"])
def test_error_not_relayed(tmp_path: Path, kind: str) -> None:
    err = (
        DestUnreachable(3, encode_packet(TUNNELLED))
        if kind == "unreachable"
        else TimeExceeded(0, encode_packet(TUNNELLED))
    )
    packets = [*registered(), *reported(1_000, err), later(7_000), later(8_000)]
    assert replay(tmp_path, packets) == [("BC-TUNNEL-ICMP-RELAY", 6)]


def test_error_relayed_is_clean(tmp_path: Path) -> None:
    relay = IPv6Packet(HA, CN, (), DestUnreachable(3, encode_packet(ORIGINAL)))
    packets = [*registered(), *reported(1_000), (1_010, relay), later(7_000)]
    assert replay(tmp_path, packets) == []


def test_within_the_bound_and_without_a_later_packet_nothing_is_judged(tmp_path: Path) -> None:
    assert replay(tmp_path, [*registered(), *reported(1_000), later(5_000)]) == []
    assert replay(tmp_path, [*registered(), *reported(1_000)]) == []


def test_no_relay_owed(tmp_path: Path) -> None:
    """Not for an error about an ICMP error, not when the capture missed the original packet (the
    relay's path is unseen), not for an error sent to another node than the entry point."""
    err = DestUnreachable(
        3, encode_packet(encapsulate(IPv6Packet(CN, HOME, (), DestUnreachable(1, b"")), HA, COA))
    )
    packets = [*registered(), *reported(1_000, err), later(7_000)]
    assert replay(tmp_path, packets) == []
    unseen = [*registered(), *reported(1_000)[1:], later(7_000)]
    assert replay(tmp_path, unseen) == []
    elsewhere = IPv6Packet(ROUTER, CN, (), DestUnreachable(3, encode_packet(TUNNELLED)))
    packets = [*registered(), *reported(1_000)[:2], (1_005, elsewhere), later(7_000)]
    assert replay(tmp_path, packets) == []


# ------------------------------------------------------------ MN-DECAP (§6)


def refused(by: bytes) -> IPv6Packet:
    """A Parameter Problem code 1 about the tunnelled packet, pointing at its Next Header (41)."""
    return IPv6Packet(by, HA, (), ParamProblem(1, 6, encode_packet(TUNNELLED)))


@pytest.mark.parametrize(
    ("by", "flagged"), [(COA, True), (ROUTER, False)], ids=["mobile-node", "router"]
)
def test_mobile_node_refusing_a_tunnel(tmp_path: Path, by: bytes, flagged: bool) -> None:
    packets = [*registered(), (1_000, ORIGINAL), (1_001, TUNNELLED), (1_002, refused(by))]
    got = [v for v in replay_all(tmp_path, packets) if v[0] == "MN-DECAP"]
    assert got == ([("MN-DECAP", 5)] if flagged else [])


def replay_all(tmp_path: Path, packets: Packets) -> list[tuple[str, int]]:
    path = tmp_path / "d.pcap"
    with path.open("wb") as f:
        w = PcapWriter(f, linktype=229)
        for t, pkt in packets:
            w.write(encode_packet(pkt), time_ms=1_000_000 + t)
    return sorted(
        (v.property, v.packet) for v in replay_file(str(path), ReplayOptions()).violations
    )
