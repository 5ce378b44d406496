"""Routing headers: type 0 in the era's layout (IPv6 spec v2-00 §4.4, draft §7.9), type 2 (RFC 6275 §6.4).

Type 0: Reserved (8) + Strict/Loose Bit Map (24), then Hdr Ext Len / 2 addresses (any number);
an odd Hdr Ext Len is a DecodeError. Other routing types are RoutingOther values.
"""

from __future__ import annotations

from mip6check.model.codec.buffer import U32, fail, maker
from mip6check.model.codec.values import Routing0, Routing2, RoutingOther
from mip6check.model.errors import ModelUsageError

RoutingHeader = Routing0 | Routing2 | RoutingOther
_mk_rh0 = maker(Routing0)
_mk_rh2 = maker(Routing2)
_mk_rho = maker(RoutingOther)


def decode_routing(data: bytes, pos: int, end: int, base: int) -> RoutingHeader:
    """Decode the Routing header occupying data[pos:end] (its Hdr Ext Len already applied)."""
    hlen = data[pos + 1]
    rtype = data[pos + 2]
    segleft = data[pos + 3]
    if rtype == 0:
        if hlen & 1:
            fail(base + pos + 1, "RH0", "hdr_ext_len", f"Hdr Ext Len {hlen} is odd")
        w = U32.unpack_from(data, pos + 4)[0]
        p = pos + 8
        if end - p == 16:  # one address: the common case (a correspondent's route optimisation)
            return _mk_rh0(segleft, (data[p:end],), w >> 24, w & 0xFFFFFF)
        addrs = tuple([data[i : i + 16] for i in range(p, end, 16)])
        return _mk_rh0(segleft, addrs, w >> 24, w & 0xFFFFFF)
    if rtype == 2:
        if hlen != 2:
            fail(
                base + pos + 1, "RH2", "hdr_ext_len", f"Hdr Ext Len {hlen} is not 2 (RFC 6275 §6.4)"
            )
        return _mk_rh2(segleft, data[pos + 8 : pos + 24], U32.unpack_from(data, pos + 4)[0])
    return _mk_rho(rtype, segleft, data[pos + 4 : end])


def encode_routing(h: RoutingHeader, next_header: int) -> bytes:
    """The wire form of a Routing header, Hdr Ext Len computed from the value."""
    if isinstance(h, Routing0):
        n = len(h.addresses)
        if n > 127:
            raise ModelUsageError("Routing type 0 holds at most 127 addresses")
        return (
            bytes((next_header, 2 * n, 0, h.segments_left))
            + U32.pack(((h.reserved & 0xFF) << 24) | (h.bitmap & 0xFFFFFF))
            + b"".join(h.addresses)
        )
    if isinstance(h, Routing2):
        return bytes((next_header, 2, 2, h.segments_left)) + U32.pack(h.reserved) + h.home_address
    body = h.data
    if (len(body) + 4) % 8 or len(body) + 4 > 2048:
        raise ModelUsageError(
            "RoutingOther data must make the header a multiple of 8 octets (<= 2048)"
        )
    return bytes((next_header, (len(body) + 4) // 8 - 1, h.routing_type, h.segments_left)) + body


def routing_final(h: RoutingHeader) -> bytes | None:
    """The final destination a Routing header names, or None when Segments Left is 0 (RFC 2460 §8.1)."""
    if h.segments_left == 0:
        return None
    if isinstance(h, Routing0):
        return h.addresses[-1] if h.addresses else None
    if isinstance(h, Routing2):
        return h.home_address
    return None
