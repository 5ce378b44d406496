"""Link layers: where IPv6 starts in each link type, and non-IPv6 frames reported as such."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mip6check.model.addr import a
from mip6check.model.codec.link import (
    LinkFrame,
    decode_link,
    encode_ethernet,
    fmt_mac,
    multicast_mac,
)
from mip6check.model.errors import ModelUsageError

IP6 = bytes([0x60]) + bytes(39)
MAC1 = bytes.fromhex("00005e005301")
MAC2 = bytes.fromhex("00005e005302")


def test_ethernet_and_vlans() -> None:
    f = decode_link(1, MAC2 + MAC1 + b"\x86\xdd" + IP6)
    assert f.is_ipv6 and f.ipv6_offset == 14 and f.src == MAC1 and f.dst == MAC2
    q = decode_link(1, MAC2 + MAC1 + b"\x81\x00\x00\x05\x86\xdd" + IP6)
    assert q.ipv6_offset == 18 and q.vlans == (5,)
    qinq = decode_link(1, MAC2 + MAC1 + b"\x88\xa8\x00\x64\x81\x00\x00\x05\x86\xdd" + IP6)
    assert qinq.ipv6_offset == 22 and qinq.vlans == (100, 5)
    v4 = decode_link(1, MAC2 + MAC1 + b"\x08\x00" + bytes(20))
    assert not v4.is_ipv6 and v4.ethertype == 0x0800 and "IPv4" in v4.reason and not v4.truncated
    arp = decode_link(1, MAC2 + MAC1 + b"\x08\x06")
    assert arp.ethertype == 0x0806 and "ARP" in arp.reason
    llc = decode_link(1, MAC2 + MAC1 + b"\x00\x30" + b"\x42\x42\x03")
    assert not llc.is_ipv6 and "LLC" in llc.reason
    snap = decode_link(1, MAC2 + MAC1 + b"\x00\x30" + b"\xaa\xaa\x03\x00\x00\x00\x86\xdd" + IP6)
    assert snap.ipv6_offset == 22
    assert decode_link(1, MAC1).truncated
    assert decode_link(1, MAC2 + MAC1 + b"\x81\x00\x00").truncated
    many = decode_link(1, MAC2 + MAC1 + b"\x81\x00\x00\x01" * 20 + b"\x86\xdd")
    assert not many.is_ipv6 and "VLAN" in many.reason


def test_raw_and_cooked() -> None:
    assert decode_link(101, IP6).ipv6_offset == 0
    assert decode_link(229, IP6).ipv6_offset == 0
    v4 = decode_link(101, b"\x45" + bytes(19))
    assert not v4.is_ipv6 and v4.reason == "IPv4"
    assert decode_link(229, b"\x45").is_ipv6  # 229 is IPv6 by definition; the decoder judges
    assert decode_link(101, b"").truncated
    sll = bytes(2) + b"\x00\x01\x00\x06" + MAC1 + bytes(2) + b"\x86\xdd"
    f = decode_link(113, sll + IP6)
    assert f.ipv6_offset == 16 and f.src == MAC1
    assert decode_link(113, sll[:10]).truncated
    sll2 = b"\x86\xdd" + bytes(2) + bytes(4) + b"\x00\x01" + b"\x00" + b"\x06" + MAC1 + bytes(2)
    f = decode_link(276, sll2 + IP6)
    assert f.ipv6_offset == 20 and f.src == MAC1
    v4 = decode_link(276, b"\x08\x00" + sll2[2:])
    assert not v4.is_ipv6 and v4.ethertype == 0x0800


@pytest.mark.parametrize("af", [24, 28, 30])
def test_null_and_loop(af: int) -> None:
    for order in ("little", "big"):
        f = decode_link(0, af.to_bytes(4, order) + IP6)  # type: ignore[arg-type]
        assert f.ipv6_offset == 4 and f.family == af
    assert decode_link(108, af.to_bytes(4, "big") + IP6).ipv6_offset == 4
    v4 = decode_link(0, (2).to_bytes(4, "little"))
    assert not v4.is_ipv6 and v4.family == 2 and v4.reason == "IPv4"
    assert decode_link(0, b"\x18").truncated


def test_unknown_link_type() -> None:
    f = decode_link(105, b"anything")
    assert not f.is_ipv6 and "105" in f.reason and not f.truncated


@given(st.integers(0, 300), st.binary(max_size=64))
def test_never_raises(linktype: int, data: bytes) -> None:
    f = decode_link(linktype, data)
    assert isinstance(f, LinkFrame)
    assert f.ipv6_offset is None or 0 <= f.ipv6_offset <= len(data)


def test_encode_ethernet_and_multicast() -> None:
    pkt = bytes([0x60]) + bytes(23) + a("ff02::1:ff00:1")
    frame = encode_ethernet(MAC1, None, pkt)
    assert frame[:6] == bytes.fromhex("3333ff000001") and frame[12:14] == b"\x86\xdd"
    assert fmt_mac(multicast_mac(a("ff02::2"))) == "33:33:00:00:00:02"
    assert decode_link(1, frame).ipv6_offset == 14
    assert encode_ethernet(MAC1, MAC2, IP6)[:6] == MAC2
    with pytest.raises(ModelUsageError):
        encode_ethernet(MAC1, None, IP6)
    with pytest.raises(ModelUsageError):
        encode_ethernet(MAC1[:3], MAC2, IP6)


def test_ppp_and_cisco_hdlc() -> None:
    assert decode_link(9, b"\xff\x03\x00\x57" + IP6).ipv6_offset == 4
    assert decode_link(9, b"\x00\x57" + IP6).ipv6_offset == 2
    assert decode_link(9, b"\x57" + IP6).ipv6_offset == 1  # protocol field compression
    assert decode_link(50, b"\xff\x03\x00\x21" + bytes(20)).reason == "IPv4"
    assert "0xc021" in decode_link(9, b"\xff\x03\xc0\x21").reason
    assert decode_link(9, b"\xff\x03").truncated and decode_link(9, b"\xff\x03\x00").truncated
    assert decode_link(104, b"\x0f\x00\x86\xdd" + IP6).ipv6_offset == 4
    assert decode_link(104, b"\x0f\x00").truncated
