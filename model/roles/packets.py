"""Packet builders shared by the mobility roles (values only; the engine encodes them).

Header order is the project's reading (wire-formats §7, C10): `IPv6, [Routing], AH, DestOpts, upper`.
"""

from __future__ import annotations

from dataclasses import replace

from mip6check.model.addr import ALL_NODES, Addr, is_multicast
from mip6check.model.codec import encapsulate, encode_packet, final_destination, invoking_packet
from mip6check.model.codec.layout import BINDING_UPDATE
from mip6check.model.codec.options import dest_options
from mip6check.model.codec.options import option_length as option_length
from mip6check.model.codec.values import (
    AH,
    BindingAck,
    BindingUpdate,
    DestOptions,
    DestUnreachable,
    ExtHeader,
    HomeAddress,
    HopByHop,
    IPv6Packet,
    MalformedOption,
    NeighborAdvertisement,
    NoNextHeader,
    Option,
    Pad1,
    PadN,
    Routing0,
    TargetLLA,
    Upper,
)
from mip6check.model.config import BuCLength, Config
from mip6check.model.roles.icmp_errors import invoking_room

PLACEHOLDER_AH = AH(spi=0x100, seq=0, icv=bytes(12))
"""§4.2, §5.1, §5.2: AH on every BU/BA packet. Zero ICV: node.py re-signs on output when a key exists."""


def bu_fixed_length(c: bool, cfg: Config) -> int:
    """§5.1, §7.2 (B1, C5): the fixed part the Option Length must reach, from the Binding Update's
    table: 8, or with C 24 (the layout) / 16 (the text's "+8 if C", under bu_c_length=literal) / 8
    (§7.2's test without the C bit, under bu_c_length=ignore-c)."""
    if cfg.bu_c_length is BuCLength.LITERAL:
        return BINDING_UPDATE.stated_fixed_length(c)
    if cfg.bu_c_length is BuCLength.IGNORE_C:
        return BINDING_UPDATE.fixed_length(False)
    return BINDING_UPDATE.fixed_length(c)


def routed(
    src: Addr, via: Addr, final: Addr, headers: tuple[ExtHeader, ...], payload: Upper
) -> IPv6Packet:
    """§7.9: one-segment type 0 Routing header: Destination = care-of address, Address[1] = home address."""
    return IPv6Packet(src, via, (Routing0(1, (final,)), *headers), payload)


def ba_packet(src: Addr, coa: Addr, home: Addr, ba: BindingAck) -> IPv6Packet:
    """§5.2, §7.5: a BA alone (Next Header 59) with AH, routed via the care-of address to the home address."""
    return routed(src, coa, home, (PLACEHOLDER_AH, dest_options(ba)), NoNextHeader())


def bu_packet(src: Addr, dst: Addr, bu: BindingUpdate, home: Addr, hao_type: int) -> IPv6Packet:
    """§5.1, §9.4: a BU with its Home Address option and AH, no payload."""
    return IPv6Packet(
        src,
        dst,
        (PLACEHOLDER_AH, dest_options(bu, HomeAddress(home, opt_type=hao_type))),
        NoNextHeader(),
    )


def _real(opts: tuple[Option, ...]) -> tuple[Option, ...]:
    return tuple(o for o in opts if not isinstance(o, (Pad1, PadN)))


def add_final_option(pkt: IPv6Packet, opt: Option) -> IPv6Packet:
    """Add `opt` to the Destination Options header for the final destination (the last header),
    creating one after every other extension header when there is none (C10 reading)."""
    hs = list(pkt.headers)
    if hs and isinstance(hs[-1], DestOptions):
        hs[-1] = dest_options(*_real(hs[-1].options), opt)
    else:
        hs.append(dest_options(opt))
    return replace(pkt, headers=tuple(hs))


def add_routing(pkt: IPv6Packet, coa: Addr) -> IPv6Packet:
    """§7.9: route `pkt` via `coa`: Destination = coa; a one-segment RH0 naming the original destination
    goes right after any Hop-by-Hop header."""
    hs = list(pkt.headers)
    at = 1 if hs and isinstance(hs[0], HopByHop) else 0
    hs.insert(at, Routing0(1, (pkt.dst,)))
    return replace(pkt, dst=coa, headers=tuple(hs))


def has_routing(pkt: IPv6Packet) -> bool:
    return final_destination(pkt) != pkt.dst


def tunnel(inner: IPv6Packet, src: Addr, dst: Addr) -> IPv6Packet:
    """§8.4 (TUN §3.1): IPv6-in-IPv6; the inner Hop Limit is decremented on entering the tunnel."""
    return encapsulate(replace(inner, hop_limit=max(inner.hop_limit - 1, 0)), src, dst)


def unsolicited_na(src: Addr, target: Addr, lla: bytes) -> IPv6Packet:
    """§8.2, §9.13: NA to all-nodes for `target` with a Target Link-layer Address, S = 0, O = 1."""
    na = NeighborAdvertisement(
        target, router=False, solicited=False, override=True, options=(TargetLLA(lla),)
    )
    return IPv6Packet(src, ALL_NODES, (), na, hop_limit=255)


def dest_unreachable(src: Addr, invoking: IPv6Packet, code: int, cfg: Config) -> IPv6Packet | None:
    """ICMPv6 Destination Unreachable about `invoking`, to its source (None when that is multicast),
    carrying as much of it as fits the minimum MTU of `cfg`'s reading (RFC 2463 §2.4 (c), C21)."""
    if is_multicast(invoking.src):
        return None
    body = encode_packet(invoking)[: invoking_room(cfg)]
    return IPv6Packet(src, invoking.src, (), DestUnreachable(code, body), hop_limit=64)


def invoking_addresses(data: bytes, cfg: Config) -> tuple[Addr | None, Addr | None, bool | None]:
    """(destination, final destination, carried a BU? (None: unknown)) of an ICMP error's invoking packet."""
    pkt, _err = invoking_packet(data, cfg.profile)
    if pkt is None:
        if len(data) >= 40:
            return data[24:40], data[24:40], None
        return None, None, None
    has_bu = any(
        isinstance(o, BindingUpdate) or (isinstance(o, MalformedOption) and o.kind == "BU")
        for h in pkt.headers
        if isinstance(h, DestOptions)
        for o in h.options
    )
    return pkt.dst, final_destination(pkt), has_bu
