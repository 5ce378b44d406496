"""Internet checksum (RFC 1071) and the IPv6 pseudo-header (RFC 2460 §8.1, draft §9.1, §7.9).

The one's-complement sum of 16-bit words equals the big-endian integer of the data modulo 0xFFFF
(2**16 = 1 mod 0xFFFF), so a whole buffer is summed with one int.from_bytes and one modulo.
"""

from __future__ import annotations

import struct

_PSEUDO_TAIL = struct.Struct("!IxxxB")


def ones_sum(data: bytes) -> int:
    """One's-complement sum of `data` as 16-bit words (odd length padded with a zero octet)."""
    if len(data) & 1:
        data = data + b"\x00"
    x = int.from_bytes(data, "big")
    s = x % 0xFFFF
    if s == 0 and x != 0:
        return 0xFFFF
    return s


def pseudo_header(src: bytes, dst: bytes, length: int, next_header: int) -> bytes:
    """Source, destination, upper-layer packet length (32 bits), three zeros, Next Header."""
    return src + dst + _PSEUDO_TAIL.pack(length, next_header)


def compute_checksum(src: bytes, dst: bytes, next_header: int, upper: bytes) -> int:
    """Checksum to write into `upper` (whose checksum field must be zero), per RFC 2460 §8.1.

    A UDP result of 0 must be sent as 0xFFFF (the caller, udp encoding, does that).
    """
    s = ones_sum(pseudo_header(src, dst, len(upper), next_header) + upper)
    return (~s) & 0xFFFF


def verify_checksum(src: bytes, dst: bytes, next_header: int, upper: bytes) -> bool:
    """True when `upper` (checksum field as carried) sums to 0xFFFF with its pseudo-header.

    That is `ones_sum(pseudo_header + upper) == 0xFFFF`, written out: the sum is 0xFFFF exactly when
    the padded integer is a nonzero multiple of 0xFFFF."""
    n = len(upper)
    x = int.from_bytes(src + dst + _PSEUDO_TAIL.pack(n, next_header) + upper, "big")
    if n & 1:
        x <<= 8  # the zero pad octet
    return x != 0 and x % 0xFFFF == 0
