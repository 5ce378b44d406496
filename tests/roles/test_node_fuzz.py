"""Malformed input never raises out of the node: mutated packets become events (STYLE §7)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from mip6check.model.addr import ALL_NODES, ALL_ROUTERS, UNSPECIFIED, Prefix, a, solicited_node
from mip6check.model.codec import decode_packet, encode_packet
from mip6check.model.codec.options import dest_options, pad_options
from mip6check.model.codec.values import (
    AH,
    UDP,
    EchoRequest,
    HomeAddress,
    HopByHop,
    IPv6Packet,
    NeighborAdvertisement,
    NeighborSolicitation,
    NoNextHeader,
    PrefixInfo,
    RouterAdvertisement,
    RouterSolicitation,
    Routing0,
    SourceLLA,
    TargetLLA,
    UnknownOption,
)
from mip6check.model.config import DEFAULT, AuthMode
from mip6check.model.errors import DecodeError
from mip6check.model.roles.node import IPv6Node, NoMobility

H = a("2001:db8:1::10")
R = a("2001:db8:1::1")
S = a("2001:db8:1::2")
LL = a("fe80::1")
MAC = bytes.fromhex("0200000000aa")

CORPUS = [
    IPv6Packet(
        LL,
        ALL_NODES,
        (),
        RouterAdvertisement(options=(SourceLLA(MAC), PrefixInfo(64, True, True, 9, 9, H))),
        hop_limit=255,
    ),
    IPv6Packet(LL, ALL_ROUTERS, (), RouterSolicitation((SourceLLA(MAC),)), hop_limit=255),
    IPv6Packet(
        LL, solicited_node(H), (), NeighborSolicitation(H, (SourceLLA(MAC),)), hop_limit=255
    ),
    IPv6Packet(UNSPECIFIED, solicited_node(H), (), NeighborSolicitation(H), hop_limit=255),
    IPv6Packet(
        S, H, (), NeighborAdvertisement(S, True, True, True, (TargetLLA(MAC),)), hop_limit=255
    ),
    IPv6Packet(S, H, (Routing0(1, (a("2001:db8:2::9"),)),), UDP(1, 2, b"x")),
    IPv6Packet(
        S,
        H,
        (dest_options(HomeAddress(a("2001:db8:5::1")), UnknownOption(0xDE, b"12")),),
        UDP(1, 2, b""),
    ),
    IPv6Packet(S, H, (HopByHop(pad_options((UnknownOption(0x9E, b"\x00\x00"),))),), UDP(1, 2, b"")),
    IPv6Packet(S, H, (AH(1, 1, bytes(12)),), NoNextHeader()),
    IPv6Packet(S, H, (), IPv6Packet(S, H, (), EchoRequest(1, 1, b"hi"))),
    IPv6Packet(S, a("2001:db8:2::9"), (), UDP(1, 2, b"fwd"), hop_limit=1),
]
WIRE = [encode_packet(p) for p in CORPUS]


def nodes() -> list[IPv6Node]:
    out = []
    for router, auth in ((False, AuthMode.PRESENCE), (True, AuthMode.VERIFY)):
        n = IPv6Node(
            "N",
            DEFAULT.with_switches(auth=auth),
            random.Random(0),
            router=router,
            mobility=NoMobility(),
        )
        n.add_interface(
            "e0", bytes.fromhex("020000000010"), [Prefix.parse("2001:db8:1::/64")], [H, R]
        )
        n.add_interface("e1", bytes.fromhex("020000000011"), [Prefix.parse("2001:db8:2::/64")], [])
        n.attach("e0", 0)
        n.attach("e1", 0)
        n.nc.learn("e0", S, MAC, solicited=True, override=True)
        out.append(n)
    return out


@settings(max_examples=300)
@given(
    st.integers(0, len(WIRE) - 1),
    st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 255)), max_size=6),
    st.integers(0, 3),
)
def test_mutated_packets_never_raise(which: int, flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(WIRE[which])
    for pos, val in flips:
        if data:
            data[pos % len(data)] = val
    raw = bytes(data[: len(data) - cut * 8] if cut and len(data) > 48 else data)
    for n in nodes():
        try:
            pkt = decode_packet(raw)
        except DecodeError as e:
            n.receive_malformed("e0", raw, e, 1)
            continue
        n.receive("e0", pkt, 1)
        t = n.next_deadline()
        if t is not None:
            n.on_timer(max(t, 1))
