"""Raw packets the exploring machines put on a link, encoded through the codec (model/codec): Echo
Requests that make a node send to a home address (so the binding it holds for it is used, §7.9),
ICMP Destination Unreachable about packets a node routed by a binding (§7.8). Each is a whole IPv6 packet as bytes, stated in a scenario as
`inject on LINK raw "hex"` and judged by the spec like any other packet."""

from __future__ import annotations

from mip6check.model.addr import Addr
from mip6check.model.codec.encode import encode_packet
from mip6check.model.codec.values import (
    DestUnreachable,
    EchoReply,
    EchoRequest,
    IPv6Packet,
    Routing0,
)

MIN_MTU_ERROR = 1280 - 48
"""An ICMPv6 error carries as much of the invoking packet as fits in the minimum MTU (RFC 2463 §2.4)."""


def echo(src: Addr, dst: Addr, ident: int, seq: int) -> bytes:
    """An Echo Request from `src` (a home address, maybe nobody's) to `dst`: the reply goes to `src`
    as the node's Binding Cache routes it (§7.9)."""
    return encode_packet(IPv6Packet(src, dst, (), EchoRequest(ident & 0xFFFF, seq & 0xFFFF)))


def routed_reply(src: Addr, coa: Addr, home: Addr, ident: int, seq: int) -> bytes:
    """The packet a node routes to `home` by its binding to `coa` (a Routing header, §7.9), as an
    ICMP error about it would quote it."""
    pkt = IPv6Packet(src, coa, (Routing0(1, (home,)),), EchoReply(ident & 0xFFFF, seq & 0xFFFF))
    return encode_packet(pkt)


def unreachable(src: Addr, dst: Addr, invoking: bytes, code: int = 3) -> bytes:
    """ICMP Destination Unreachable (code 3: address unreachable) from `src` to `dst` quoting
    `invoking` (§7.8: persistent ones make a correspondent delete the binding in use)."""
    err = DestUnreachable(code, invoking[:MIN_MTU_ERROR])
    return encode_packet(IPv6Packet(src, dst, (), err))
