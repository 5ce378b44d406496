"""Alignment builder (wire-formats §1.5), convenience readers, ICMPv6 invoking packets, misuse errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mip6check.model.addr import a
from mip6check.model.codec import (
    AH,
    DRAFT04,
    ESP,
    UDP,
    BindingAck,
    BindingUpdate,
    DestOptions,
    EchoRequest,
    HomeAddress,
    IPv6Packet,
    NoNextHeader,
    Option,
    Pad1,
    PadN,
    ParamProblem,
    Routing0,
    checksum_ok,
    compute_checksum,
    decode_packet,
    dest_options,
    encapsulate,
    encode_packet,
    final_destination,
    has_auth,
    invoking_packet,
    mobility_options,
    upper_layer,
)
from mip6check.model.codec.options import encode_option
from mip6check.model.errors import ModelUsageError
from tests.codec import strategies as S

A, B, H = a("2001:db8::2"), a("2001:db8::1"), a("2001:db8:1::9")


@given(st.lists(S.option(DRAFT04), max_size=6), st.booleans())
def test_dest_options_alignment(opts: list[Option], hao8: bool) -> None:
    d = dest_options(*opts, hao_8n6=hao8)
    off = 2
    for o in d.options:
        if isinstance(o, BindingUpdate | HomeAddress) and not (hao8 and isinstance(o, HomeAddress)):
            assert off % 4 == 2
        elif isinstance(o, HomeAddress):
            assert off % 8 == 6
        elif isinstance(o, BindingAck):
            assert off % 4 == 3
        off += len(encode_option(o))
    assert off % 8 == 0
    assert [o for o in d.options if not isinstance(o, PadN) and type(o).__name__ != "Pad1"] == [
        o for o in opts if not isinstance(o, PadN) and type(o).__name__ != "Pad1"
    ]
    pkt = IPv6Packet(A, B, (d,), NoNextHeader())
    assert decode_packet(encode_packet(pkt)) == pkt


def test_readers() -> None:
    inner = IPv6Packet(H, B, (Routing0(1, (H, A)),), UDP(1, 2, b"x"))
    assert final_destination(inner) == A
    assert upper_layer(inner) == UDP(1, 2, b"x")
    t = encapsulate(inner, A, B, hop_limit=9)
    assert t == IPv6Packet(A, B, (), inner, 9)
    got = decode_packet(encode_packet(t))
    assert got == t and checksum_ok(got) is True
    assert has_auth(IPv6Packet(A, B, (), ESP(1, 2, b"")))
    assert has_auth(IPv6Packet(A, B, (AH(1, 2, b""),)))
    assert not has_auth(inner)
    p = IPv6Packet(
        A, B, (DestOptions((HomeAddress(H), PadN(b""))), dest_options(BindingAck(0, 1, 2, 3)))
    )
    assert mobility_options(p) == (HomeAddress(H), BindingAck(0, 1, 2, 3))


def test_checksum_uses_home_address_and_final_destination() -> None:
    p = IPv6Packet(A, B, (dest_options(HomeAddress(H)), Routing0(1, (A,))), EchoRequest(1, 1))
    b = encode_packet(p)
    body = bytearray(b[-8:])
    ck = int.from_bytes(body[2:4], "big")
    body[2:4] = b"\x00\x00"
    assert ck == compute_checksum(
        H, A, 58, bytes(body)
    )  # src = HoA (§9.1), dst = final RH address (§7.9)
    got = decode_packet(b)
    assert checksum_ok(got) is True
    assert checksum_ok(IPv6Packet(A, B)) is None


def test_invoking_packet_truncated() -> None:
    orig = encode_packet(IPv6Packet(A, B, (dest_options(HomeAddress(H)),), UDP(1, 2, bytes(100))))
    err = IPv6Packet(B, A, (), ParamProblem(2, 42, orig[:70]))
    got = decode_packet(encode_packet(err))
    assert isinstance(got.payload, ParamProblem)
    pkt, e = invoking_packet(got.payload.invoking)
    assert pkt is not None and e is not None
    assert pkt.src == A and isinstance(pkt.headers[0], DestOptions)
    assert e.field == "payload_length"
    pkt, e = invoking_packet(b"\x60\x00")
    assert pkt is None and e is not None


def test_encode_misuse_raises_model_usage_error() -> None:
    with pytest.raises(ModelUsageError):
        encode_packet(IPv6Packet(A, B, (DestOptions((HomeAddress(H),)),)))  # 20 octets: not 8n
    with pytest.raises(ModelUsageError):
        encode_packet(IPv6Packet(A, B, (AH(1, 2, b"abc"),)))


def test_encode_out_of_range_is_model_usage_error() -> None:
    with pytest.raises(ModelUsageError):
        encode_packet(IPv6Packet(A, B, (DestOptions((BindingAck(0, 70000, 1, 1), Pad1())),)))
    with pytest.raises(ModelUsageError):
        encode_packet(IPv6Packet(A[:4], B))
    with pytest.raises(ModelUsageError):
        encode_packet(IPv6Packet(A, B, (), UDP(70000, 1)))


def test_fragments_keep_the_rest_raw() -> None:
    """A fragment (offset > 0 or M set) cannot be decoded past the Fragment header: Raw(next header, octets)."""
    from mip6check.model.codec import Fragment, Raw

    for off, more in ((0, True), (5, False), (5, True)):
        p = IPv6Packet(A, B, (Fragment(off, more, 77),), Raw(17, b"\x00\x01\x00\x02rest"))
        assert decode_packet(encode_packet(p)) == p
    whole = IPv6Packet(A, B, (Fragment(0, False, 77),), UDP(1, 2, b"x"))
    assert decode_packet(encode_packet(whole)) == whole
