"""Checks that need what was received read the octets the engine held (issue 16): the Option Length of
each Mobile IPv6 option, and the AH ICV input (RFC 2402 §3.3.3), are taken from the received bytes,
not from encoding the decoded packet again."""

from __future__ import annotations

import random

from hypothesis import given, settings

from mip6check.model.addr import a
from mip6check.model.codec import (
    AH,
    DRAFT04,
    UDP,
    BindingAck,
    HomeAddress,
    IPv6Packet,
    NoNextHeader,
    Pad1,
    PadN,
    Routing0,
    UnknownOption,
    decode_packet,
    dest_options,
    encode_packet,
)
from mip6check.model.codec.helpers import option_octets
from mip6check.model.codec.options import option_length
from mip6check.model.config import DEFAULT, AuthMode
from mip6check.model.roles import ah as ahmod
from mip6check.model.roles.hooks import Received
from mip6check.model.roles.node import IPv6Node, NoMobility
from tests.codec import strategies as S

MAC = bytes.fromhex("020000000010")
H1 = a("2001:db8:1::10")
X = a("2001:db8:1::2")
FAR = a("2001:db8:9::9")


class _Rec(NoMobility):
    def __init__(self, recognised: frozenset[int]) -> None:
        self.rec = recognised
        self.rx: list[Received] = []

    def recognised_options(self) -> frozenset[int]:
        return self.rec

    def on_receive(self, core, rx, now):  # type: ignore[no-untyped-def]
        self.rx.append(rx)
        return []


def _node(mob: _Rec, auth: AuthMode = AuthMode.PRESENCE) -> IPv6Node:
    def no_encoding(pkt: IPv6Packet) -> bytes:
        raise AssertionError("the node encoded a received packet again")

    from mip6check.model.addr import Prefix

    n = IPv6Node(
        "H",
        DEFAULT.with_switches(auth=auth),
        random.Random(1),
        router=False,
        mobility=mob,
        encode=no_encoding,
    )
    n.add_interface("e0", MAC, [Prefix.parse("2001:db8:1::/64")], [H1])
    n.attach("e0", 0)
    return n


def test_option_length_read_from_the_received_octets() -> None:
    """The node reports the Option Length octet as received: with the octets, not the value's."""
    mob = _Rec(frozenset({DRAFT04.ba}))
    n = _node(mob)
    ba = BindingAck(0, 7, 60, 60, b"\x00")  # Option Length 12 (the literal §5.2 reading)
    pkt = IPv6Packet(X, H1, (AH(1, 1, bytes(12)), dest_options(ba)), NoNextHeader())
    data = encode_packet(pkt)
    got = decode_packet(data)
    n.receive("e0", got, 0, data)
    assert mob.rx[-1].opt_lengths == (12,)
    # the same value with octets that say otherwise: the octets win (nothing is re-encoded)
    forged = bytearray(data)
    i = next(q for o, q, _ in option_octets(data, got) if type(o) is BindingAck)
    assert forged[i + 1] == 12
    n.receive("e0", got, 0, bytes(forged[: i + 1]) + b"\x0b" + bytes(forged[i + 2 :]))
    assert mob.rx[-1].opt_lengths == (11,)


def test_without_octets_the_table_gives_the_length() -> None:
    mob = _Rec(frozenset({DRAFT04.ba, DRAFT04.hao}))
    n = _node(mob)
    pkt = IPv6Packet(
        X, H1, (dest_options(BindingAck(0, 7, 60, 60, b"ab"), HomeAddress(FAR)),), NoNextHeader()
    )
    n.receive("e0", decode_packet(encode_packet(pkt)), 0)
    assert mob.rx[-1].opt_lengths == (13, 16)


def test_ah_verified_over_received_octets_through_a_routing_header() -> None:
    """AuthMode.VERIFY: the ICV is checked over the octets as received (Routing header in its final
    form), with an encoder that fails if called; a tampered octet fails the check."""
    key = b"k" * 20
    mob = _Rec(frozenset())
    n = _node(mob, AuthMode.VERIFY)
    n.keys.add(H1, FAR, key)
    p = IPv6Packet(FAR, X, (Routing0(1, (H1,)), AH(1, 1, b"")), UDP(7001, 7001, b"hello"))
    signed = ahmod.sign(p, key, encode_packet)
    data = encode_packet(signed)
    # the previous hop (X) processed the Routing header: destination H1, Segments Left 0
    at_final = IPv6Packet(
        FAR, H1, (Routing0(0, (X,)), signed.headers[1]), signed.payload, hop_limit=3
    )
    data = encode_packet(at_final)
    assert ahmod.verify_octets(data, decode_packet(data), key)
    got = decode_packet(data)
    n.receive("e0", got, 0, data)
    assert mob.rx[-1].auth is True
    bad = data[:-1] + bytes((data[-1] ^ 1,))
    n.receive("e0", decode_packet(bad), 0, bad)
    assert mob.rx[-1].auth is False


@settings(max_examples=150)
@given(S.packet(DRAFT04))
def test_icv_octets_equal_the_encoded_normal_form(pkt: IPv6Packet) -> None:
    """For every packet the codec round-trips, the ICV input read from the octets is the one the
    sender computes from the value (`encode(normalise(pkt))`)."""
    data = encode_packet(pkt)
    got = decode_packet(data)
    assert ahmod.icv_octets(data, got) == encode_packet(ahmod.normalise(got))
    for o, q, n in option_octets(data, got):
        if type(o) is Pad1:
            assert (data[q], n) == (0, 0)
        else:
            assert data[q] == (1 if type(o) is PadN else o.opt_type)  # type: ignore[union-attr]
            assert n == option_length(o) == data[q + 1]


def test_mutable_option_data_is_zeroed() -> None:
    pkt = IPv6Packet(X, H1, (dest_options(UnknownOption(0x3E, b"abcdef")),), NoNextHeader())
    data = encode_packet(pkt)
    icv_in = ahmod.icv_octets(data, decode_packet(data))
    assert b"abcdef" in data and b"abcdef" not in icv_in
