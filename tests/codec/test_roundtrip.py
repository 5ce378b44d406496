"""decode(encode(x)) == x for every value; encode(decode(b)) == b byte for byte; arbitrary bytes only
ever raise DecodeError."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mip6check.model.codec import (
    DRAFT04,
    DRAFT08,
    DecodeError,
    IPv6Packet,
    Profile,
    checksum_ok,
    decode_packet,
    decode_partial,
    encode_packet,
    invoking_packet,
)
from tests.codec import strategies as S

A = bytes(15) + b"\x01"
B = bytes(15) + b"\x02"


def _rt(pkt: IPv6Packet, profile: Profile = DRAFT04) -> None:
    b = encode_packet(pkt)
    got = decode_packet(b, profile)
    assert got == pkt
    assert encode_packet(got) == b  # stored checksums and lengths written as read
    assert checksum_ok(got) in (True, None)


@given(S.packet(DRAFT04))
def test_packet_roundtrip_draft04(pkt: IPv6Packet) -> None:
    _rt(pkt, DRAFT04)


@given(S.packet(DRAFT08))
def test_packet_roundtrip_draft08(pkt: IPv6Packet) -> None:
    _rt(pkt, DRAFT08)


@given(S.profiles.flatmap(lambda p: st.tuples(st.just(p), S.options_list(p))))
def test_dest_options_roundtrip(po: tuple[Profile, tuple[object, ...]]) -> None:
    from mip6check.model.codec import DestOptions, NoNextHeader

    p, opts = po
    _rt(IPv6Packet(A, B, (DestOptions(opts),), NoNextHeader()), p)  # type: ignore[arg-type]


@given(S.ext_header(DRAFT04))
def test_each_ext_header(h: object) -> None:
    from mip6check.model.codec import NoNextHeader

    _rt(IPv6Packet(A, B, (h,), NoNextHeader()))  # type: ignore[arg-type]


@given(S.icmpv6)
def test_each_icmpv6(m: object) -> None:
    _rt(IPv6Packet(A, B, (), m))  # type: ignore[arg-type]


@given(S.mobility_header)
def test_each_mobility_header(m: object) -> None:
    _rt(IPv6Packet(A, B, (), m))  # type: ignore[arg-type]


@given(S.packet(DRAFT04), st.integers(0, 0xFFFF), st.binary(max_size=8))
def test_stored_checksum_and_padding_bytes_exact(pkt: IPv6Packet, ck: int, pad: bytes) -> None:
    """Any checksum as carried is written back unchanged; link padding after Payload Length is ignored."""
    b = bytearray(encode_packet(pkt))
    got = decode_packet(bytes(b) + pad)
    assert encode_packet(got) == bytes(b)


@given(st.binary(max_size=200))
def test_arbitrary_bytes_only_decode_error(data: bytes) -> None:
    for p in (DRAFT04, DRAFT08):
        try:
            decode_packet(data, p)
        except DecodeError as e:
            assert 0 <= e.offset <= len(data)
        pkt, err = decode_partial(data, p)
        assert pkt is not None or err is not None


@given(st.binary(min_size=40, max_size=200).map(lambda b: b"\x60" + b[1:]))
def test_arbitrary_v6_bytes_only_decode_error(data: bytes) -> None:
    try:
        pkt = decode_packet(data)
    except DecodeError as e:
        assert 0 <= e.offset <= len(data)
    else:
        encode_packet(pkt)  # whatever decodes re-encodes
    invoking_packet(data)


@given(S.packet(DRAFT04), st.data())
def test_mutated_packets_only_decode_error(pkt: IPv6Packet, data: st.DataObject) -> None:
    b = bytearray(encode_packet(pkt))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(b) - 1))
        b[i] = data.draw(S.u8)
    cut = data.draw(st.integers(0, len(b)))
    for blob in (bytes(b), bytes(b[:cut])):
        try:
            got = decode_packet(blob, data.draw(S.profiles))
        except DecodeError as e:
            assert 0 <= e.offset <= len(blob)
        else:
            got2 = decode_packet(encode_packet(got), DRAFT04)
            assert isinstance(got2, IPv6Packet)
        invoking_packet(blob)
