"""Golden decodes of hand-built Mobile IPv6 packets: bytes written out by hand from wire-formats.md §1,
expected field values written out literally (draft §5.1-§5.4, both option-number profiles)."""

from __future__ import annotations

import pytest

from mip6check.model.addr import a
from mip6check.model.codec import (
    AH,
    DRAFT04,
    DRAFT08,
    BindingAck,
    BindingRequest,
    BindingUpdate,
    DecodeError,
    DestOptions,
    HomeAddress,
    IPv6Packet,
    Limits,
    MalformedOption,
    NoNextHeader,
    Pad1,
    PadN,
    Routing0,
    UnknownOption,
    bu,
    decode_packet,
    dest_options,
    encapsulate,
    encode_packet,
    final_destination,
    has_auth,
    mobility_options,
)

MN_COA = "20010db8000000000000000000000002"  # 2001:db8::2
CN = "20010db8000000000000000000000001"  # 2001:db8::1
HOME = "20010db8000100000000000000000009"  # 2001:db8:1::9


def h(s: str) -> bytes:
    return bytes.fromhex("".join(s.split()))


def bu_packet(hao: str, bu_type: str) -> bytes:
    """IPv6 | DestOptions(HAO @2, PadN, BU with C @22) | AH(ICV 12) | No Next Header."""
    return h(
        "6000 0000 0048 3c40"
        + MN_COA
        + CN
        + "3305"
        + hao
        + "10"
        + HOME
        + "0100"  # Next Header 51 (AH), 48 octets; HAO; PadN(0)
        + bu_type
        + "18 e0 00 0005 0000003c"
        + MN_COA  # BU: A H C, ID Length 0, seq 5, lifetime 60, CoA
        + "3b04 0000 00000100 00000001"
        + "00" * 12  # AH: next 59, SPI 256, seq 1, ICV
    )


@pytest.mark.parametrize(("profile", "hao", "bu_t"), [(DRAFT04, "c4", "c3"), (DRAFT08, "c9", "c6")])
def test_bu_with_care_of_and_hao(profile: object, hao: str, bu_t: str) -> None:
    b = bu_packet(hao, bu_t)
    pkt = decode_packet(b, profile)  # type: ignore[arg-type]
    assert pkt == IPv6Packet(
        src=a("2001:db8::2"),
        dst=a("2001:db8::1"),
        headers=(
            DestOptions(
                (
                    HomeAddress(a("2001:db8:1::9"), b"", int(hao, 16)),
                    PadN(b""),
                    BindingUpdate(
                        seq=5,
                        lifetime=60,
                        a=True,
                        h=True,
                        c=True,
                        id_length=0,
                        care_of=a("2001:db8::2"),
                        reserved=0,
                        ext=b"",
                        opt_type=int(bu_t, 16),
                    ),
                )
            ),
            AH(spi=256, seq=1, icv=bytes(12), reserved=0),
        ),
        payload=NoNextHeader(b""),
        hop_limit=64,
    )
    assert encode_packet(pkt) == b
    assert has_auth(pkt)
    assert [type(o).__name__ for o in mobility_options(pkt)] == ["HomeAddress", "BindingUpdate"]
    # the builder produces exactly these bytes (alignment 4n+2 for HAO and BU, wire-formats §1.5)
    built = IPv6Packet(
        a("2001:db8::2"),
        a("2001:db8::1"),
        (
            dest_options(
                HomeAddress(a("2001:db8:1::9"), opt_type=int(hao, 16)),
                bu(5, 60, a=True, h=True, care_of=a("2001:db8::2"), profile=profile),
            ),  # type: ignore[arg-type]
            AH(256, 1, bytes(12)),
        ),
        NoNextHeader(),
    )
    assert encode_packet(built) == b


def test_hao_201_is_home_address_under_draft04() -> None:
    pkt = decode_packet(bu_packet("c9", "c3"), DRAFT04)
    opts = mobility_options(pkt)
    assert opts[0] == HomeAddress(a("2001:db8:1::9"), b"", 201)


def test_other_profile_numbers_are_unknown() -> None:
    pkt = decode_packet(bu_packet("c4", "c3"), DRAFT08)
    d = pkt.headers[0]
    assert isinstance(d, DestOptions)
    assert d.options[0] == UnknownOption(0xC4, h(HOME))
    assert d.options[2] == UnknownOption(0xC3, h("e0 00 0005 0000003c" + MN_COA))
    assert d.options[2].action == 3  # type: ignore[union-attr]


def test_bu_without_care_of_ba_br() -> None:
    """BU (A, seq 7, lifetime 0) @2; BA (status 0, seq 7, lifetime 60, refresh 30) @15 = 4n+3; BR."""
    b = h(
        "6000 0000 0020 3c40"
        + MN_COA
        + CN
        + "3b03"
        + "c3 08 80 00 0007 00000000"  # BU @2: Length 8, A
        + "00 00 00"  # Pad1 x3 -> BA at offset 15
        + "02 0b 00 0007 0000003c 0000001e"  # BA @15: Length 11
        + "03 00"
        + "01 00"  # BR, PadN(0) -> 32 octets
    )
    pkt = decode_packet(b)
    assert pkt.headers == (
        DestOptions(
            (
                BindingUpdate(
                    seq=7,
                    lifetime=0,
                    a=True,
                    h=False,
                    c=False,
                    id_length=0,
                    care_of=None,
                    reserved=0,
                    ext=b"",
                    opt_type=195,
                ),
                Pad1(),
                Pad1(),
                Pad1(),
                BindingAck(status=0, seq=7, lifetime=60, refresh=30, ext=b"", opt_type=2),
                BindingRequest(b"", 3),
                PadN(b""),
            )
        ),
    )
    assert encode_packet(pkt) == b
    assert not has_auth(pkt)


def test_bu_c_with_length_16_is_malformed() -> None:
    """wire-formats §7 (B1): C=1 with the stated Length 16 is malformed under the default reading."""
    data = "20 00 0009 00000064" + "00" * 8
    b = h("6000 0000 0018 3c40" + MN_COA + CN + "3b02" + "c3 10" + data + "01 02 0000")
    pkt = decode_packet(b)
    d = pkt.headers[0]
    assert isinstance(d, DestOptions)
    assert d.options[0] == MalformedOption(195, "BU", h(data), "C set but Option Length 16 < 24")
    assert encode_packet(pkt) == b


def test_short_ba_and_hao_are_malformed() -> None:
    b = h("6000 0000 0010 3c40" + MN_COA + CN + "3b01" + "02 0a" + "00" * 10 + "c4 00")
    d = decode_packet(b).headers[0]
    assert isinstance(d, DestOptions)
    assert d.options == (
        MalformedOption(2, "BA", bytes(10), "Option Length 10 < 11"),
        MalformedOption(196, "HAO", b"", "Option Length 0 < 16"),
    )


def test_ba_via_routing_header_final_destination() -> None:
    """§7.9: BA to the MN's home address via its care-of address with a one-segment type 0 RH."""
    b = h(
        "6000 0000 0048 2b40"
        + CN
        + MN_COA
        + "3302 0001 00000000"
        + HOME  # RH0: next 51, Hdr Ext Len 2, type 0, segleft 1, bitmap 0
        + "3c04 0000 00000200 00000009"
        + "00" * 12  # AH
        + "3b02 0000000000 02 0b 80 0005 00000000 00000000 01 02 0000"  # 5x Pad1, BA @7 (4n+3), PadN
    )
    pkt = decode_packet(b)
    assert pkt.headers[0] == Routing0(
        segments_left=1, addresses=(a("2001:db8:1::9"),), reserved=0, bitmap=0
    )
    assert final_destination(pkt) == a("2001:db8:1::9")
    assert mobility_options(pkt) == (BindingAck(128, 5, 0, 0, b"", 2),)
    assert encode_packet(pkt) == b


def test_decode_errors_point_at_input() -> None:
    b = bu_packet("c4", "c3")
    with pytest.raises(DecodeError) as e:
        decode_packet(b[:60], base_offset=14)
    assert (e.value.offset, e.value.layer, e.value.field) == (14 + 4, "IPv6", "payload_length")
    odd = h(
        "6000 0000 0018 2b40" + MN_COA + CN + "3b01 0001 00000000" + HOME[: 16 * 2 - 16] + "00" * 8
    )
    with pytest.raises(DecodeError) as e:
        decode_packet(odd)
    assert (e.value.offset, e.value.layer, e.value.field) == (41, "RH0", "hdr_ext_len")


def test_limits() -> None:
    inner = IPv6Packet(a("::1"), a("::2"))
    for _ in range(3):
        inner = encapsulate(inner, a("::3"), a("::4"))
    b = encode_packet(inner)
    assert decode_packet(b) == inner
    with pytest.raises(DecodeError, match="max_tunnel_depth"):
        decode_packet(b, limits=Limits(max_tunnel_depth=2))
    many = IPv6Packet(a("::1"), a("::2"), (DestOptions((PadN(bytes(4)),)),) * 5)
    with pytest.raises(DecodeError, match="max_ext_headers"):
        decode_packet(encode_packet(many), limits=Limits(max_ext_headers=4))
    pads = IPv6Packet(a("::1"), a("::2"), (DestOptions((Pad1(),) * 14),))
    with pytest.raises(DecodeError, match="max_options"):
        decode_packet(encode_packet(pads), limits=Limits(max_options=10))


def test_offsets_absolute_through_tunnels() -> None:
    """An error inside a tunnelled packet points into the outermost buffer (plus base_offset)."""
    inner = IPv6Packet(a("::1"), a("::2"), (dest_options(HomeAddress(a("::9"))),), NoNextHeader())
    b = bytearray(encode_packet(encapsulate(inner, a("::3"), a("::4"))))
    # outer header 40, inner header 40, DestOptions at 80: Next Header, Hdr Ext Len, HAO type @82, length @83
    assert b[82] == 196 and b[83] == 16
    b[83] = 200
    with pytest.raises(DecodeError) as e:
        decode_packet(bytes(b), base_offset=14)
    assert (e.value.offset, e.value.layer, e.value.field) == (
        14 + 83,
        "DestOptions",
        "option_length",
    )
