"""option_offset: the octet an ICMP Parameter Problem Pointer designates for an option (IPv6 §4.2),
past a Routing header and AH, in a truncated invoking packet too (C17, `--pp2-pointer read`)."""

from __future__ import annotations

from mip6check.model.addr import a
from mip6check.model.codec import encode_packet, option_offset
from mip6check.model.codec.options import bu, dest_options
from mip6check.model.codec.values import AH, UDP, HomeAddress, IPv6Packet, Routing0

SRC, DST, HOME = a("2001:db8:2::100"), a("2001:db8:4::5"), a("2001:db8:1::100")


def test_offsets_after_routing_header_and_ah() -> None:
    opts = dest_options(bu(1, 60), HomeAddress(HOME))
    pkt = IPv6Packet(SRC, DST, (Routing0(1, (HOME,)), AH(0x100, 1, bytes(12)), opts), UDP(1, 2, b""))
    data = encode_packet(pkt)
    at_bu, at_hao = option_offset(data, 195), option_offset(data, 196)
    assert at_bu is not None and at_hao is not None and at_bu < at_hao
    assert data[at_bu] == 195 and data[at_bu + 1] == 8
    assert data[at_hao] == 196 and data[at_hao + 2 : at_hao + 18] == HOME
    assert at_bu >= 40 + 24 + 24 + 2
    assert option_offset(data, 201) is None
    assert option_offset(data[: at_hao - 1], 196) is None  # truncated before the option
    assert option_offset(data[:39], 195) is None
