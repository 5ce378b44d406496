"""AH Integrity Check Value: keyed HMAC-SHA1-96 over the packet's immutable fields (RFC 1826/2402 §3.3.3).

This is what makes §7.2's first test real in the simulator: a node holding the (source, destination) key
computes the ICV when sending, and the receiver recomputes it; an attacker without the key cannot.
Mutable fields are zeroed before hashing: Class, Flow Label, Hop Limit, the data of options whose
change bit (0x20 of the type) is set, and the ICV itself; a Type 0 Routing header is hashed in the form
the final destination will see (final address in the IPv6 Destination, Segments Left 0).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import replace

from mip6check.model.addr import Addr
from mip6check.model.codec.helpers import header_offsets
from mip6check.model.codec.values import (
    AH,
    DestOptions,
    ExtHeader,
    HomeAddress,
    HopByHop,
    IPv6Packet,
    Option,
    Routing0,
    UnknownOption,
)
from mip6check.model.roles.routing import rh0_final_form

ICV_LEN = 12  # HMAC-SHA1-96 (RFC 2404)

Encoder = Callable[[IPv6Packet], bytes]


class KeyTable:
    """Per-(source, destination) keys; `add` installs both directions by default."""

    def __init__(self) -> None:
        self._keys: dict[tuple[Addr, Addr], bytes] = {}

    def add(self, a: Addr, b: Addr, key: bytes, *, symmetric: bool = True) -> None:
        self._keys[(a, b)] = key
        if symmetric:
            self._keys[(b, a)] = key

    def get(self, src: Addr, dst: Addr) -> bytes | None:
        return self._keys.get((src, dst))

    def __len__(self) -> int:
        return len(self._keys)


def endpoints(pkt: IPv6Packet) -> tuple[Addr, Addr]:
    """(effective source, final destination): the Home Address option's address if any (§7.1), and the
    last Routing header address when segments remain. These select the security association."""
    src, dst = pkt.src, pkt.dst
    for h in pkt.headers:
        if type(h) is Routing0 and h.segments_left and h.addresses:
            dst = h.addresses[-1]
        elif type(h) is DestOptions:
            for o in h.options:
                if type(o) is HomeAddress:
                    src = o.home_address
    return src, dst


def _zero_mutable(opts: tuple[Option, ...]) -> tuple[Option, ...]:
    out: list[Option] = []
    for o in opts:
        if type(o) is UnknownOption and o.opt_type & 0x20:
            out.append(UnknownOption(o.opt_type, bytes(len(o.data))))
        else:
            out.append(o)
    return tuple(out)


def normalise(pkt: IPv6Packet) -> IPv6Packet:
    """The packet with every mutable field zeroed or predicted (the ICV input, before encoding)."""
    dst = pkt.dst
    hs: list[ExtHeader] = []
    for h in pkt.headers:
        t = type(h)
        if t is Routing0:
            assert isinstance(h, Routing0)
            rh, dst = rh0_final_form(h, dst)
            hs.append(rh)
        elif t is AH:
            assert isinstance(h, AH)
            hs.append(AH(h.spi, h.seq, bytes(len(h.icv)), h.reserved))
        elif t is HopByHop:
            assert isinstance(h, HopByHop)
            hs.append(HopByHop(_zero_mutable(h.options)))
        elif t is DestOptions:
            assert isinstance(h, DestOptions)
            hs.append(DestOptions(_zero_mutable(h.options)))
        else:
            hs.append(h)
    return IPv6Packet(pkt.src, dst, tuple(hs), pkt.payload, 0, 0, 0)


def compute_icv(pkt: IPv6Packet, key: bytes, encode: Encoder) -> bytes:
    """HMAC-SHA1-96 over the normalised packet's octets."""
    return hmac.new(key, encode(normalise(pkt)), hashlib.sha1).digest()[:ICV_LEN]


def icv_octets(data: bytes, pkt: IPv6Packet, start: int = 0) -> bytes:
    """The ICV input from the octets as received (`data[start:]`, decoded as `pkt`): a copy with the
    mutable fields zeroed and the Type 0 Routing header put in its final form, in place. For a packet
    the codec round-trips these are the octets of `encode(normalise(pkt))`, without encoding again."""
    offs, _, end = header_offsets(data, pkt, start)
    b = bytearray(data[start:end])
    b[0], b[1], b[2], b[3], b[7] = 0x60, 0, 0, 0, 0  # Class, Flow Label, Hop Limit
    dst = pkt.dst
    for h, p in zip(pkt.headers, offs, strict=True):
        q = p - start
        t = type(h)
        if t is Routing0:
            assert isinstance(h, Routing0)
            rh, dst = rh0_final_form(h, dst)
            b[q + 3] = 0
            b[q + 8 : q + 8 + 16 * len(rh.addresses)] = b"".join(rh.addresses)
        elif t is AH:
            b[q + 12 : q + (b[q + 1] + 2) * 4] = bytes((b[q + 1] + 2) * 4 - 12)
        elif t is HopByHop or t is DestOptions:
            r, hend = q + 2, q + (b[q + 1] + 1) * 8
            while r < hend:
                if b[r] == 0:
                    r += 1
                    continue
                n = b[r + 1]
                if b[r] & 0x20:  # option data that may change en route (IPv6 §4.2)
                    b[r + 2 : r + 2 + n] = bytes(n)
                r += 2 + n
    b[24:40] = dst
    return bytes(b)


def verify_octets(data: bytes, pkt: IPv6Packet, key: bytes, start: int = 0) -> bool:
    """`verify` over the octets as received (see `icv_octets`)."""
    ah = find_ah(pkt)
    if ah is None:
        return False
    icv = hmac.new(key, icv_octets(data, pkt, start), hashlib.sha1).digest()[:ICV_LEN]
    return hmac.compare_digest(ah.icv, icv)


def find_ah(pkt: IPv6Packet) -> AH | None:
    for h in pkt.headers:
        if type(h) is AH:
            assert isinstance(h, AH)
            return h
    return None


def sign(pkt: IPv6Packet, key: bytes, encode: Encoder) -> IPv6Packet:
    """Fill the (first) AH header's ICV. The ICV field gets its 12-octet size first so lengths are final."""
    ah = find_ah(pkt)
    if ah is None:
        return pkt
    sized = AH(ah.spi, ah.seq, bytes(ICV_LEN), ah.reserved)
    hs = tuple(sized if h is ah else h for h in pkt.headers)
    pre = replace(pkt, headers=hs)
    icv = compute_icv(pre, key, encode)
    return replace(
        pkt,
        headers=tuple(AH(ah.spi, ah.seq, icv, ah.reserved) if h is ah else h for h in pkt.headers),
    )


def verify(pkt: IPv6Packet, key: bytes, encode: Encoder) -> bool:
    ah = find_ah(pkt)
    if ah is None:
        return False
    return hmac.compare_digest(ah.icv, compute_icv(pkt, key, encode))
