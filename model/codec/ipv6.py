"""IPv6 packets: the fixed header (IPv6 spec §3), the extension-header chain (§4; ordered, duplicates
kept), and the upper layer. `decode_packet` returns a value or raises DecodeError, nothing else.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from mip6check.model.codec import icmpv6 as _icmp
from mip6check.model.codec import mh as _mh
from mip6check.model.codec import transport as _tr
from mip6check.model.codec.buffer import fail, maker
from mip6check.model.codec.options import Decoders, decode_options, option_decoders
from mip6check.model.codec.routing import decode_routing
from mip6check.model.codec.values import (
    AH,
    DRAFT04,
    ESP,
    DestOptions,
    ExtHeader,
    Fragment,
    HopByHop,
    IPv6Packet,
    NoNextHeader,
    Profile,
    Raw,
    Upper,
)
from mip6check.model.errors import DecodeError, ModelUsageError

_HDR = struct.Struct("!IHBB")
_FRAG = struct.Struct("!BBHI")
_AH = struct.Struct("!BBHII")
_II = struct.Struct("!II")


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on absurd input: exceeding one is a DecodeError naming it."""

    max_tunnel_depth: int = 8
    max_ext_headers: int = 64
    max_options: int = 256

    def __post_init__(self) -> None:
        # tunnels are decoded by recursion: a deeper limit would turn into RecursionError
        if not 0 <= self.max_tunnel_depth <= MAX_TUNNEL_DEPTH:
            raise ModelUsageError(f"max_tunnel_depth must be 0..{MAX_TUNNEL_DEPTH}")


MAX_TUNNEL_DEPTH = 128


DEFAULT_LIMITS = Limits()
_mk_pkt = maker(IPv6Packet)
_mk_dst = maker(DestOptions)
_mk_hbh = maker(HopByHop)
_mk_ah = maker(AH)
_mk_none = maker(NoNextHeader)
_mk_frag = maker(Fragment)
_mk_esp = maker(ESP)
_mk_raw = maker(Raw)
_EXT = frozenset((0, 43, 44, 51, 60))
_MH = frozenset(_mh.MH_NUMBERS)


def decode_packet(
    data: bytes,
    profile: Profile = DRAFT04,
    *,
    limits: Limits = DEFAULT_LIMITS,
    base_offset: int = 0,
) -> IPv6Packet:
    """Decode one IPv6 packet. Octets beyond Payload Length are link padding and ignored."""
    if type(data) is not bytes:
        data = bytes(data)
    return _decode(
        data, 0, len(data), option_decoders(profile), limits, base_offset, 0, False, None
    )


def decode_partial(
    data: bytes,
    profile: Profile = DRAFT04,
    *,
    limits: Limits = DEFAULT_LIMITS,
    base_offset: int = 0,
) -> tuple[IPv6Packet | None, DecodeError | None]:
    """Decode as far as the bytes go: headers decoded before the first error are kept, the rest becomes
    Raw(next_header, octets). Returns (packet or None when even the fixed header fails, first error)."""
    errs: list[DecodeError] = []
    try:
        pkt = _decode(
            bytes(data), 0, len(data), option_decoders(profile), limits, base_offset, 0, False, errs
        )
    except DecodeError as e:
        return None, e
    return pkt, (errs[0] if errs else None)


def invoking_packet(
    data: bytes,
    profile: Profile = DRAFT04,
    *,
    limits: Limits = DEFAULT_LIMITS,
    base_offset: int = 0,
) -> tuple[IPv6Packet | None, DecodeError | None]:
    """The invoking packet carried by an ICMPv6 error (RFC 2463 §3), decoded as far as it goes;
    truncation is normal there and is returned, not raised."""
    return decode_partial(data, profile, limits=limits, base_offset=base_offset)


_OPTIONS_HEADERS = (0, 60)  # Hop-by-Hop, Destination Options (IPv6 §4.3, §4.6)
_SKIPPED_HEADERS = {43: 8, 44: 8, 51: 4}  # Routing, Fragment, AH: (length unit in octets)


def option_offset(data: bytes, opt_type: int) -> int | None:
    """The offset in `data` (an IPv6 packet, maybe truncated as an ICMP error carries it) of the Option
    Type octet of the first option `opt_type` in an options header, None without one: what an ICMP
    Parameter Problem Pointer designates (IPv6 §4.2, RFC 2463 §3.4)."""
    if len(data) < 40:
        return None
    nh, pos = data[6], 40
    while pos + 2 <= len(data):
        if nh in _OPTIONS_HEADERS:
            end = min(pos + (data[pos + 1] + 1) * 8, len(data))
            p = pos + 2
            while p < end:
                t = data[p]
                if t == opt_type:
                    return p
                p += 1 if t == 0 else (2 + data[p + 1] if p + 1 < end else end)
        elif nh in _SKIPPED_HEADERS:
            unit = _SKIPPED_HEADERS[nh]
            end = pos + (8 if nh == 44 else (data[pos + 1] + (2 if nh == 51 else 1)) * unit)
        else:
            return None
        nh, pos = data[pos], end
    return None


def _decode(
    data: bytes,
    pos: int,
    end: int,
    table: Decoders,
    limits: Limits,
    base: int,
    depth: int,
    exact: bool,
    errs: list[DecodeError] | None,
) -> IPv6Packet:
    if end - pos < 40:
        fail(base + pos, "IPv6", "header", f"truncated: {end - pos} octets, need 40")
    vtf, plen, nh, hlim = _HDR.unpack_from(data, pos)
    if vtf >> 28 != 6:
        fail(base + pos, "IPv6", "version", f"version {vtf >> 28}, not 6")
    p = pos + 40
    pend = p + plen
    if pend > end or (exact and pend != end):
        e = DecodeError(
            base + pos + 4,
            "IPv6",
            "payload_length",
            f"Payload Length {plen} but {end - p} octets follow",
        )
        if errs is None:
            raise e
        errs.append(e)
        pend = end
    headers: list[ExtHeader] = []
    payload: Upper
    try:
        while nh in _EXT:
            if pend - p < 8:
                fail(
                    base + p,
                    "IPv6",
                    "ext_header",
                    f"truncated extension header {nh}: {pend - p} octets",
                )
            if nh == 51:
                size = (data[p + 1] + 2) * 4
                if size < 12:
                    fail(
                        base + p + 1,
                        "AH",
                        "payload_len",
                        f"Payload Len {data[p + 1]} is below the 12-octet minimum",
                    )
            elif nh == 44:
                size = 8
            else:
                size = (data[p + 1] + 1) * 8
            q = p + size
            if q > pend:
                fail(
                    base + p + 1,
                    "IPv6",
                    "hdr_ext_len",
                    f"header {nh} of {size} octets runs past the payload",
                )
            h: ExtHeader
            if nh == 60:
                h = _mk_dst(
                    decode_options(data, p + 2, q, table, base, "DestOptions", limits.max_options)
                )
            elif nh == 0:
                h = _mk_hbh(
                    decode_options(data, p + 2, q, table, base, "HopByHop", limits.max_options)
                )
            elif nh == 43:
                h = decode_routing(data, p, q, base)
            elif nh == 44:
                _n, r, w, ident = _FRAG.unpack_from(data, p)
                h = _mk_frag(w >> 3, bool(w & 1), ident, r, (w >> 1) & 3)
            else:
                _n, _l, r, spi, seq = _AH.unpack_from(data, p)
                h = _mk_ah(spi, seq, data[p + 12 : q], r)
            headers.append(h)
            if len(headers) > limits.max_ext_headers:
                fail(
                    base + p,
                    "IPv6",
                    "ext_headers",
                    f"more than max_ext_headers={limits.max_ext_headers}",
                )
            nh = data[p]
            p = q
            if type(h) is Fragment and (h.offset or h.more):
                break  # a fragment: what follows is not decodable on its own
        if headers and type(headers[-1]) is Fragment and (headers[-1].offset or headers[-1].more):
            payload = _mk_raw(nh, data[p:pend])
        else:
            payload = _upper(data, p, pend, nh, table, limits, base, depth, errs)
    except DecodeError as e:
        if errs is None:
            raise
        errs.append(e)
        payload = _mk_raw(nh, data[p:pend])
    return _mk_pkt(
        data[pos + 8 : pos + 24],
        data[pos + 24 : pos + 40],
        tuple(headers),
        payload,
        hlim,
        (vtf >> 20) & 0xFF,
        vtf & 0xFFFFF,
    )


def _upper(
    data: bytes,
    p: int,
    end: int,
    nh: int,
    table: Decoders,
    limits: Limits,
    base: int,
    depth: int,
    errs: list[DecodeError] | None,
) -> Upper:
    if nh == 58:
        return _icmp.decode_icmpv6(data, p, end, base)
    if nh == 17:
        return _tr.decode_udp(data, p, end, base)
    if nh == 6:
        return _tr.decode_tcp(data, p, end, base)
    if nh == 59:
        return _mk_none(data[p:end])
    if nh in _MH:
        return _mh.decode_mh(data, p, end, base, nh)
    if nh == 41:
        if depth >= limits.max_tunnel_depth:
            fail(
                base + p,
                "IPv6",
                "tunnel",
                f"nesting deeper than max_tunnel_depth={limits.max_tunnel_depth}",
            )
        return _decode(data, p, end, table, limits, base, depth + 1, True, errs)
    if nh == 50:
        if end - p < 8:
            fail(base + p, "ESP", "header", f"truncated: {end - p} octets, need 8")
        spi, seq = _II.unpack_from(data, p)
        return _mk_esp(spi, seq, data[p + 8 : end])
    return _mk_raw(nh, data[p:end])
