"""Encoding IPv6 packets: lengths and Next Header values derived from the value (IPv6 spec §4), checksums
as stored or computed over the pseudo-header (RFC 2460 §8.1 with draft §9.1 and §7.9)."""

from __future__ import annotations

import struct

from mip6check.model.codec import icmpv6 as _icmp
from mip6check.model.codec import mh as _mh
from mip6check.model.codec import transport as _tr
from mip6check.model.codec.checksum import compute_checksum
from mip6check.model.codec.options import encode_options
from mip6check.model.codec.routing import encode_routing, routing_final
from mip6check.model.codec.values import (
    AH,
    ESP,
    TCP,
    UDP,
    DestOptions,
    ExtHeader,
    Fragment,
    HomeAddress,
    HopByHop,
    IPv6Packet,
    NoNextHeader,
    Raw,
    Routing0,
    Routing2,
    RoutingOther,
    Upper,
)
from mip6check.model.errors import ModelUsageError

_HDR = struct.Struct("!IHBB")
_FRAG = struct.Struct("!BBHI")
_AH = struct.Struct("!BBHII")
_II = struct.Struct("!II")


def header_number(x: ExtHeader | Upper) -> int:
    """The Next Header value that announces `x`."""
    t = type(x)
    if t is DestOptions:
        return 60
    if t is HopByHop:
        return 0
    if t is Routing0 or t is Routing2 or t is RoutingOther:
        return 43
    if t is Fragment:
        return 44
    if t is AH:
        return 51
    if t is IPv6Packet:
        return 41
    if t is UDP:
        return 17
    if t is TCP:
        return 6
    if t is NoNextHeader:
        return 59
    if t is ESP:
        return 50
    if t is Raw:
        return x.next_header  # type: ignore[union-attr]
    if t is _mh.MobilityHeader:
        return x.next_header_number  # type: ignore[union-attr]
    return 58


def encode_header(h: ExtHeader, nh: int) -> bytes:
    if isinstance(h, (DestOptions, HopByHop)):
        body = encode_options(h.options)
        n = len(body) + 2
        if n % 8 or n > 2048:
            raise ModelUsageError(
                f"options header of {n} octets is not a multiple of 8 (use dest_options())"
            )
        return bytes((nh, n // 8 - 1)) + body
    if isinstance(h, Fragment):
        return _FRAG.pack(nh, h.reserved, (h.offset << 3) | ((h.res2 & 3) << 1) | h.more, h.ident)
    if isinstance(h, AH):
        n = 12 + len(h.icv)
        if n % 4 or n > 1028:
            raise ModelUsageError("AH ICV length must be a multiple of 4 octets")
        return _AH.pack(nh, n // 4 - 2, h.reserved, h.spi, h.seq) + h.icv
    return encode_routing(h, nh)


def pseudo_addresses(pkt: IPv6Packet) -> tuple[bytes, bytes]:
    """Pseudo-header (source, destination): the Home Address option's address when present (§9.1), the
    final Routing-header address when Segments Left > 0 (§7.9, RFC 2460 §8.1)."""
    src, dst = pkt.src, pkt.dst
    hao = False
    for h in pkt.headers:
        if type(h) is DestOptions and not hao:
            for o in h.options:
                if type(o) is HomeAddress:
                    src, hao = o.home_address, True
                    break
        elif type(h) is Routing0 or type(h) is Routing2 or type(h) is RoutingOther:
            f = routing_final(h)
            if f is not None:
                dst = f
    return src, dst


def encode_upper(pkt: IPv6Packet, *, fill_checksum: bool = True) -> bytes:
    """The upper layer's octets; a None checksum is computed over the pseudo-header when `fill_checksum`."""
    u = pkt.payload
    t = type(u)
    if t is IPv6Packet:
        return _encode_packet(u)  # type: ignore[arg-type]
    if t is NoNextHeader:
        return u.trailing  # type: ignore[union-attr]
    if t is Raw:
        return u.data  # type: ignore[union-attr]
    if t is ESP:
        return _II.pack(u.spi, u.seq) + u.data  # type: ignore[union-attr]
    if t is UDP:
        b = _tr.encode_udp(u)  # type: ignore[arg-type]
        at = 6
    elif t is TCP:
        b = _tr.encode_tcp(u)  # type: ignore[arg-type]
        at = 16
    elif t is _mh.MobilityHeader:
        b = _mh.encode_mh(u)  # type: ignore[arg-type]
        at = 4
    else:
        b = _icmp.encode_icmpv6(u)  # type: ignore[arg-type]
        at = 2
    if fill_checksum and u.checksum is None:  # type: ignore[union-attr]
        src, dst = pseudo_addresses(pkt)
        ck = compute_checksum(src, dst, header_number(u), b)
        if ck == 0 and t is UDP:
            ck = 0xFFFF
        b = b[:at] + bytes((ck >> 8, ck & 0xFF)) + b[at + 2 :]
    return b


def encode_packet(pkt: IPv6Packet) -> bytes:
    """The wire form: lengths and Next Header values derived from the value, checksums as stored or computed.

    A value that cannot be written (a field out of range, an address not 16 octets, an options header
    that is not a multiple of 8 octets) raises ModelUsageError: the caller's mistake, not the input's.
    """
    try:
        return _encode_packet(pkt)
    except (struct.error, OverflowError, ValueError, TypeError) as e:
        raise ModelUsageError(f"cannot encode {type(pkt).__name__}: {e}") from e


def _encode_packet(pkt: IPv6Packet) -> bytes:
    if len(pkt.src) != 16 or len(pkt.dst) != 16:
        raise ModelUsageError("IPv6 addresses must be 16 octets")
    parts: list[bytes] = []
    hs = pkt.headers
    for i, h in enumerate(hs):
        parts.append(encode_header(h, header_number(hs[i + 1] if i + 1 < len(hs) else pkt.payload)))
    parts.append(encode_upper(pkt))
    body = b"".join(parts)
    if len(body) > 0xFFFF:
        raise ModelUsageError(f"payload of {len(body)} octets exceeds 65535 (no jumbograms)")
    first = header_number(hs[0] if hs else pkt.payload)
    vtf = (6 << 28) | ((pkt.traffic_class & 0xFF) << 20) | (pkt.flow_label & 0xFFFFF)
    return _HDR.pack(vtf, len(body), first, pkt.hop_limit) + pkt.src + pkt.dst + body
