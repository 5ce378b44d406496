"""Rules of the IPv6 specification of the draft's era ([5], draft-ietf-ipngwg-ipv6-spec-v2-00, as
RFC 1883 wrote them) that the roles rely on, and §9.5's updates to correspondents after a move.

What the IPv6 specification demands of a node processing a packet, written apart from the model:
`unrecognised_next_header` (§4), `rh0_error` (§4.4: Hdr Ext Len, Segments Left, the Strict/Loose bit
map). Judges call these on decoded packets; the error each one names is what a node must send.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from mip6check.model.codec.values import (
    AH,
    ESP,
    TCP,
    UDP,
    BindingAck,
    BindingRequest,
    BindingUpdate,
    DestOptions,
    Fragment,
    HomeAddress,
    HopByHop,
    ICMPv6,
    IPv6Packet,
    MalformedOption,
    NoNextHeader,
    Pad1,
    PadN,
    Raw,
    Routing0,
    Routing2,
    RoutingOther,
)
from mip6check.properties.spec.registry import Bound, Observes, register

MAX_RH0_ADDRESSES = 23
"""[5] §4.4: Hdr Ext Len (in 8-octet units, two per address) above 46 is an error: 23 addresses."""

KNOWN_UPPER = (ICMPv6, UDP, TCP, NoNextHeader, IPv6Packet, ESP, AH)
"""What a node of this model recognises after its extension headers (a tunnel is IPv6 in IPv6)."""


class RhError(Enum):
    """[5] §4.4: what a node that is the current destination of a Type 0 Routing header owes."""

    NONE = "none"  # nothing wrong with this hop
    HDR_EXT_LEN = "hdr-ext-len"  # Parameter Problem code 0, pointer at Hdr Ext Len
    SEGMENTS_LEFT = "segments-left"  # Parameter Problem code 0, pointer at Segments Left


@dataclass(frozen=True, slots=True)
class RhHop:
    """One [5] §4.4 hop: the error owed, else the next address and whether it must be a neighbor."""

    error: RhError
    next_address: bytes | None = None
    strict: bool = False


def rh0_hop(rh: Routing0) -> RhHop:
    """[5] §4.4 at the current destination: with Segments Left 0 nothing; then Hdr Ext Len (odd or
    above 46: the decoder gives the addresses, two units each), then Segments Left against the count;
    else the next address i and whether it must be a neighbor. The Strict/Loose map (bits 0 to 23,
    left to right) is read two ways by the era's text: the field's description gives address k bit
    k-1, the processing algorithm tests bit[i]. `strict` is set only where both readings agree, so
    no judge charges a node for the reading it did not take (a named switch is still owed)."""
    if rh.segments_left == 0:
        return RhHop(RhError.NONE)
    n = len(rh.addresses)
    if n > MAX_RH0_ADDRESSES:
        return RhHop(RhError.HDR_EXT_LEN)
    if rh.segments_left > n:
        return RhHop(RhError.SEGMENTS_LEFT)
    i = n - rh.segments_left + 1
    by_field = bool((rh.bitmap >> (24 - i)) & 1)  # address i <-> bit i-1 (the field's description)
    by_algorithm = i < 24 and bool((rh.bitmap >> (23 - i)) & 1)  # bit[i] (the algorithm)
    strict = by_field and by_algorithm
    return RhHop(RhError.NONE, rh.addresses[i - 1], strict)


def unrecognised_next_header(pkt: IPv6Packet) -> bool:
    """[5] §4: the node reached an upper-layer value it does not recognise (a raw payload)."""
    return isinstance(pkt.payload, Raw)


def hbh_not_first(pkt: IPv6Packet) -> int | None:
    """[5] §4.1: the index of a Hop-by-Hop Options header that does not come first, when every header
    before it is processed without an error of its own (then Next Header 0 there is unrecognised)."""
    for i, h in enumerate(pkt.headers):
        if isinstance(h, HopByHop) and i > 0:
            return i if reaches_upper_layer(IPv6Packet(pkt.src, pkt.dst, pkt.headers[:i])) else None
    return None


KNOWN_OPTIONS = (Pad1, PadN, BindingUpdate, BindingAck, BindingRequest, HomeAddress)


def reaches_upper_layer(pkt: IPv6Packet) -> bool:
    """The node that is the packet's final destination processes every header up to the upper layer
    without an error or a discard of its own owed first: Hop-by-Hop only first, no fragment, every
    Routing header with Segments Left 0, every option a known one or of action 00 (skip)."""
    for i, h in enumerate(pkt.headers):
        if isinstance(h, HopByHop) and i > 0:
            return False
        if isinstance(h, Fragment):
            return False
        if isinstance(h, Routing0 | Routing2 | RoutingOther) and h.segments_left:
            return False
        if isinstance(h, HopByHop | DestOptions):
            for o in h.options:
                if isinstance(o, MalformedOption):
                    return False
                if not isinstance(o, KNOWN_OPTIONS) and getattr(o, "opt_type", 0) >> 6:
                    return False
    return True


register(
    "IPV6-UNKNOWN-NH",
    Observes.ABSENCE,
    Bound("answer_timeout", "[5] §4: the Parameter Problem is due; no time is given"),
)
register(
    "IPV6-RH-HDR-EXT-LEN",
    Observes.ABSENCE,
    Bound("answer_timeout", "[5] §4.4: the Parameter Problem is due; no time is given"),
)
register(
    "IPV6-RH-STRICT",
    Observes.ABSENCE,
    Bound("answer_timeout", "[5] §4.4: the Destination Unreachable is due; no time is given"),
)
register("IPV6-NO-ERROR-ON-ERROR", Observes.PACKET)
register("IPV6-ICMP-RATE", Observes.PACKET)
register("IPV6-ICMP-ERROR-SIZE", Observes.PACKET)
register(
    "MN-CN-UPDATE",
    Observes.ABSENCE,
    Bound(
        "answer_timeout",
        "§9.5: 'need not send these Binding Updates immediately', a 'short period'; no number",
    ),
)

__all__ = [
    "KNOWN_UPPER",
    "MAX_RH0_ADDRESSES",
    "RhError",
    "RhHop",
    "hbh_not_first",
    "reaches_upper_layer",
    "rh0_hop",
    "unrecognised_next_header",
]


EXTENSION_HEADERS = (0, 43, 44, 51, 60)  # Hop-by-Hop, Routing, Fragment, AH, Destination Options


def header_walk(data: bytes) -> tuple[list[tuple[int, int, int]], int, int]:
    """([(type, offset, size)] of each extension header, the Next Header value after them and its
    offset) of an encoded packet, read from the octets by each header's own length ([5] §4), so a
    packet cut short (as an ICMP error carries it) or one the codec refuses is still walked."""
    out: list[tuple[int, int, int]] = []
    if len(data) < 40:
        return out, 59, len(data)
    nh, pos = data[6], 40
    while nh in EXTENSION_HEADERS and pos + 2 <= len(data):
        size = 8 if nh == 44 else (data[pos + 1] + 2) * 4 if nh == 51 else (data[pos + 1] + 1) * 8
        out.append((nh, pos, size))
        nh, pos = data[pos], pos + size
    return out, nh, pos


def option_types_at(data: bytes) -> dict[int, int]:
    """Offset -> Option Type of every option of the Hop-by-Hop and Destination Options headers of an
    encoded packet (as an ICMP error carries it, maybe cut short): the octets a Parameter Problem code
    2 may designate (§4.2, RFC 2463 §3.4)."""
    out: dict[int, int] = {}
    for nh, pos, size in header_walk(data)[0]:
        if nh in (0, 60):
            end, p = min(pos + size, len(data)), pos + 2
            while p < end:
                out[p] = data[p]
                p += 1 if data[p] == 0 else 2 + (data[p + 1] if p + 1 < end else 0)
    return out


def carries_icmp_error(data: bytes) -> bool:
    """Does an encoded packet (as an ICMP error carries it, maybe cut short or malformed past its
    extension headers) hold an ICMPv6 error message (type below 128)? Walked by the headers' own
    lengths, so a Routing header the codec refuses still counts (RFC 2463 §2.4 (e.1))."""
    _, nh, pos = header_walk(data)
    return nh == 58 and pos < len(data) and data[pos] < 128


def error_size_fault(error_octets: int, carried: int, invoking: int, mtu: int) -> str | None:
    """RFC 2463 §2.4 (c) on one error packet: an ICMPv6 error carries as much of the invoking packet
    as fits without the error exceeding the minimum IPv6 MTU. `error_octets` is the whole error as
    sent (its IPv6 header, its own extension headers such as an Authentication Header, the ICMPv6
    header and the carried octets), `carried` how much of the invoking packet it carries, `invoking`
    that packet's length, `mtu` the run's reading of the minimum MTU (`Config.icmp_error_mtu`, C21:
    1280 per RFC 2460 §5, or 576 per RFC 1883 §5 and RFC 1885 §2.4 (c), the IPv6 and ICMPv6 the draft
    cites in §6). None when it fits the rule; else what is wrong: longer than `mtu`, or cut short
    although another octet would have fit."""
    if error_octets > mtu:
        return f"the error is {error_octets} octets, above the minimum IPv6 MTU ({mtu})"
    if carried < invoking and error_octets < mtu:
        return (
            f"the error carries {carried} of the invoking packet's {invoking} octets in"
            f" {error_octets}, though {mtu - error_octets} more would fit"
        )
    return None
