"""Readers other rooms need over decoded packets, and small builders (tunnels §7.9/§8.4, checksums §9.1)."""

from __future__ import annotations

from mip6check.model.codec import mh as _mh
from mip6check.model.codec.checksum import verify_checksum
from mip6check.model.codec.encode import encode_upper, header_number, pseudo_addresses
from mip6check.model.codec.routing import routing_final
from mip6check.model.codec.values import (
    AH,
    ESP,
    MIP6_OPTIONS,
    TCP,
    UDP,
    DestOptions,
    DestUnreachable,
    EchoReply,
    EchoRequest,
    Fragment,
    HopByHop,
    ICMPv6Other,
    IPv6Packet,
    NeighborAdvertisement,
    NeighborSolicitation,
    NoNextHeader,
    Option,
    PacketTooBig,
    ParamProblem,
    Raw,
    Redirect,
    RouterAdvertisement,
    RouterSolicitation,
    Routing0,
    Routing2,
    RoutingOther,
    TimeExceeded,
    Upper,
)

_CHECKSUMMED = (
    UDP,
    TCP,
    _mh.MobilityHeader,
    DestUnreachable,
    PacketTooBig,
    TimeExceeded,
    ParamProblem,
    EchoRequest,
    EchoReply,
    RouterSolicitation,
    RouterAdvertisement,
    NeighborSolicitation,
    NeighborAdvertisement,
    Redirect,
    ICMPv6Other,
)
_CHECKSUMMED_TYPES = frozenset(_CHECKSUMMED)
_NO_CHECKSUM = frozenset((NoNextHeader, ESP, Raw))  # upper layers without one: nothing to walk
# header_number of the checksummed types whose number is their type's (a Mobility Header's is not)
_NUMBERS: dict[type, int] = {t: 17 if t is UDP else 6 if t is TCP else 58 for t in _CHECKSUMMED}
del _NUMBERS[_mh.MobilityHeader]


def mobility_options(pkt: IPv6Packet) -> tuple[Option, ...]:
    """BU/BA/BR/HAO/MalformedOption values in any Destination Options header of `pkt` (not of a
    tunnelled inner packet), in wire order (wire-formats §7, C10: placement is reported, not assumed)."""
    out: list[Option] = []
    for h in pkt.headers:
        if type(h) is DestOptions:
            out.extend(o for o in h.options if isinstance(o, MIP6_OPTIONS))
    return tuple(out)


def has_auth(pkt: IPv6Packet) -> bool:
    """True when the packet carries an AH header or an ESP payload (§4.2, §5.1: "AH or ESP present")."""
    return type(pkt.payload) is ESP or any(type(h) is AH for h in pkt.headers)


def final_destination(pkt: IPv6Packet) -> bytes:
    """The address the packet is finally for: the last Routing-header address still to visit, else dst."""
    dst = pkt.dst
    for h in pkt.headers:
        if type(h) is Routing0 or type(h) is Routing2 or type(h) is RoutingOther:
            f = routing_final(h)
            if f is not None:
                dst = f
    return dst


def upper_layer(pkt: IPv6Packet) -> Upper:
    """The element after the extension headers of `pkt` (an inner IPv6Packet for a tunnel)."""
    return pkt.payload


def innermost(pkt: IPv6Packet) -> IPv6Packet:
    """Follow IPv6-in-IPv6 payloads to the innermost packet."""
    while type(pkt.payload) is IPv6Packet:
        pkt = pkt.payload
    return pkt


def encapsulate(inner: IPv6Packet, src: bytes, dst: bytes, hop_limit: int = 64) -> IPv6Packet:
    """IPv6-in-IPv6 (the tunnelling draft [4], §8.4): a new outer header around `inner`."""
    return IPv6Packet(src, dst, (), inner, hop_limit)


def checksum_ok(pkt: IPv6Packet) -> bool | None:
    """Does the stored upper-layer checksum verify? None when the upper layer has no checksum (or the
    value holds None, meaning "compute on encode"). Tunnels are followed to the inner packet."""
    pkt = innermost(pkt)
    u = pkt.payload
    if not isinstance(u, _CHECKSUMMED) or u.checksum is None:
        return None
    src, dst = pseudo_addresses(pkt)
    return verify_checksum(src, dst, header_number(u), encode_upper(pkt, fill_checksum=False))


def header_offsets(data: bytes, pkt: IPv6Packet, start: int = 0) -> tuple[list[int], int, int]:
    """Where `pkt`'s parts lie in the octets it was decoded from (`data[start:]`, decoded without
    error): the offset of each extension header, of the upper layer, and the end of the payload
    (octets after Payload Length are link padding). Read from the header lengths on the wire."""
    p = start + 40
    end = p + (data[start + 4] << 8 | data[start + 5])
    offs: list[int] = []
    for h in pkt.headers:
        offs.append(p)
        t = type(h)
        if t is AH:
            p += (data[p + 1] + 2) * 4
        elif t is Fragment:
            p += 8
        else:
            p += (data[p + 1] + 1) * 8
    return offs, p, end


def option_octets(data: bytes, pkt: IPv6Packet, start: int = 0) -> list[tuple[Option, int, int]]:
    """Each option of `pkt`'s Hop-by-Hop and Destination Options headers with the offset of its Option
    Type in `data` and its Option Length octet as received (Pad1: length 0), in wire order."""
    out: list[tuple[Option, int, int]] = []
    offs, _, _ = header_offsets(data, pkt, start)
    for h, p in zip(pkt.headers, offs, strict=True):
        if type(h) is DestOptions or type(h) is HopByHop:
            q = p + 2
            for o in h.options:
                if data[q] == 0:
                    out.append((o, q, 0))
                    q += 1
                else:
                    out.append((o, q, data[q + 1]))
                    q += 2 + data[q + 1]
    return out


def wire_checksum_ok(data: bytes, pkt: IPv6Packet, start: int = 0) -> bool | None:
    """`checksum_ok(pkt)` computed over the octets `pkt` was decoded from, without encoding it again.

    `data[start:]` must be the octets given to the decoder, which returned `pkt` without error; the
    upper layer is found by walking the header lengths on the wire (tunnels to the inner packet), and
    its checksum is verified over those octets with the pseudo-header of `pseudo_addresses` (§9.1,
    §7.9). For such a packet the encoder reproduces the upper layer byte for byte, so the answer is
    the same as `checksum_ok(pkt)`'s."""
    if type(pkt.payload) in _NO_CHECKSUM:
        return None
    while True:  # header_offsets' walk, without its list of offsets
        p = start + 40
        end = p + (data[start + 4] << 8 | data[start + 5])
        for h in pkt.headers:
            t = type(h)
            if t is AH:
                p += (data[p + 1] + 2) * 4
            elif t is Fragment:
                p += 8
            else:
                p += (data[p + 1] + 1) * 8
        u = pkt.payload
        if type(u) is not IPv6Packet:
            break
        pkt, start = u, p
    if type(u) not in _CHECKSUMMED_TYPES and not isinstance(u, _CHECKSUMMED):
        return None
    if u.checksum is None:  # type: ignore[union-attr]
        return None
    src, dst = pseudo_addresses(pkt) if pkt.headers else (pkt.src, pkt.dst)
    nh = _NUMBERS.get(type(u))
    return verify_checksum(src, dst, header_number(u) if nh is None else nh, data[p:end])
