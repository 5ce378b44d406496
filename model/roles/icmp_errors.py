"""ICMPv6 error helpers for the node (RFC 2463 §2.4): which packets may draw an error, where a Parameter
Problem pointer points in the invoking packet's octets, and the error rate limit.

Pure functions over values and encoded octets; the node decides when to call them.
"""

from __future__ import annotations

from mip6check.model.codec.values import (
    DestUnreachable,
    ICMPv6Other,
    PacketTooBig,
    ParamProblem,
    TimeExceeded,
    Upper,
)
from mip6check.model.config import Config

EXT_NUMBERS = (
    0,
    43,
    44,
    51,
    60,
)  # Next Header values that are extension headers in IPv6Packet.headers
ICMP_ERRORS = (DestUnreachable, PacketTooBig, TimeExceeded, ParamProblem)
# the IPv6 header (40) and ICMPv6 header (8) of an error without extension headers
ERROR_HEADERS = 48


def invoking_room(cfg: Config) -> int:
    """RFC 2463 §2.4 (c) (RFC 1885 §2.4 (c) in the draft's day): how many octets of the invoking
    packet an error carries so that it fills, and does not exceed, the minimum IPv6 MTU of the reading
    in force (`icmp_error_mtu`: 1280 per RFC 2460 §5, or RFC 1883 §5's 576; C21)."""
    return cfg.icmp_error_mtu - ERROR_HEADERS


def is_error(up: Upper) -> bool:
    """An ICMPv6 error message (type < 128): never answered with another error (§2.4 (e.1))."""
    return isinstance(up, ICMP_ERRORS) or (type(up) is ICMPv6Other and up.icmp_type < 128)


def ext_offsets(data: bytes) -> list[int]:
    """Octet offsets of the extension headers in an encoded packet, in order."""
    out: list[int] = []
    pos, nh = 40, data[6] if len(data) > 6 else 59
    while nh in EXT_NUMBERS and pos + 2 <= len(data):
        out.append(pos)
        if nh == 44:
            ln = 8
        elif nh == 51:
            ln = (data[pos + 1] + 2) * 4
        else:
            ln = (data[pos + 1] + 1) * 8
        nh = data[pos]
        pos += ln
    return out


def option_offset(data: bytes, hdr_off: int, index: int) -> int:
    """Offset of the `index`-th option (Pad1 counted) of the options header at `hdr_off`."""
    p = hdr_off + 2
    for _ in range(index):
        p += 1 if data[p] == 0 else 2 + data[p + 1]
    return p


def upper_of(data: bytes) -> tuple[int, int]:
    """(upper-layer Next Header value, its offset) of an encoded packet."""
    pos, nh = 40, data[6]
    while nh in EXT_NUMBERS and pos + 2 <= len(data):
        ln = 8 if nh == 44 else (data[pos + 1] + 2) * 4 if nh == 51 else (data[pos + 1] + 1) * 8
        nh = data[pos]
        pos += ln
    return nh, pos


def is_error_bytes(data: bytes) -> bool:
    """Does an encoded packet carry an ICMPv6 error message?"""
    nh, pos = upper_of(data)
    return nh == 58 and pos < len(data) and data[pos] < 128


class RateLimit:
    """At most `count` errors in any `window` ms (RFC 2463 §2.4 (f)); None disables it."""

    def __init__(self, limit: tuple[int, int] | None) -> None:
        self.limit = limit
        self._sent: list[int] = []

    def allow(self, now: int) -> bool:
        if self.limit is None:
            return True
        count, window = self.limit
        sent = self._sent
        while sent and sent[0] <= now - window:
            sent.pop(0)
        if len(sent) >= count:
            return False
        sent.append(now)
        return True
