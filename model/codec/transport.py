"""UDP (RFC 768) and TCP (RFC 793) headers as carried over IPv6; checksums are verified elsewhere."""

from __future__ import annotations

import struct

from mip6check.model.codec.buffer import fail, maker
from mip6check.model.codec.values import TCP, UDP
from mip6check.model.errors import ModelUsageError

_UDP = struct.Struct("!HHHH")
_TCP = struct.Struct("!HHIIHHHH")
_mk_udp = maker(UDP)
_mk_tcp = maker(TCP)


def decode_udp(data: bytes, pos: int, end: int, base: int) -> UDP:
    """UDP: the payload is every octet up to the end of the IPv6 payload; Length is kept as read."""
    if end - pos < 8:
        fail(base + pos, "UDP", "header", f"truncated: {end - pos} octets, need 8")
    sp, dp, ln, ck = _UDP.unpack_from(data, pos)
    return _mk_udp(sp, dp, data[pos + 8 : end], ck, ln)


def decode_tcp(data: bytes, pos: int, end: int, base: int) -> TCP:
    if end - pos < 20:
        fail(base + pos, "TCP", "header", f"truncated: {end - pos} octets, need 20")
    sp, dp, seq, ack, w, win, ck, urg = _TCP.unpack_from(data, pos)
    hl = (w >> 12) * 4
    if hl < 20 or pos + hl > end:
        fail(
            base + pos + 12,
            "TCP",
            "data_offset",
            f"Data Offset {w >> 12} gives {hl} octets with {end - pos} present",
        )
    return _mk_tcp(
        sp, dp, seq, ack, w & 0xFFF, win, urg, data[pos + 20 : pos + hl], data[pos + hl : end], ck
    )


def encode_udp(u: UDP) -> bytes:
    ln = u.length if u.length is not None else 8 + len(u.payload)
    return _UDP.pack(u.sport, u.dport, ln & 0xFFFF, u.checksum or 0) + u.payload


def encode_tcp(t: TCP) -> bytes:
    n = len(t.options)
    if n % 4 or n > 40:
        raise ModelUsageError(f"TCP options must be a multiple of 4 octets, at most 40 (got {n})")
    w = ((20 + n) // 4) << 12 | (t.flags & 0xFFF)
    return (
        _TCP.pack(t.sport, t.dport, t.seq, t.ack, w, t.window, t.checksum or 0, t.urgent)
        + t.options
        + t.payload
    )
