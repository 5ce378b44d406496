"""What one decoded IPv6 packet shows, in the terms the replay observers reason with (§5, §6, §8.4).

`facts_of(pkt)` flattens the header chain of one IPv6 level once: the Mobile IPv6 options of its
Destination Options headers (§5.1-§5.4), the Routing header's final segment (§7.9), whether AH or ESP
is present (§4.2), the upper layer, and the inner packet of an IPv6-in-IPv6 tunnel (§8.4).
"""

from __future__ import annotations

from dataclasses import dataclass

from mip6check.model.addr import Addr
from mip6check.model.codec.buffer import maker
from mip6check.model.codec.values import (
    AH,
    ESP,
    BindingAck,
    BindingRequest,
    BindingUpdate,
    DestOptions,
    HomeAddress,
    IPv6Packet,
    MalformedOption,
    NoNextHeader,
    Option,
    Pad1,
    PadN,
    Routing0,
    Routing2,
    RoutingOther,
    UnknownOption,
    Upper,
)


@dataclass(frozen=True, slots=True)
class PacketFacts:
    """One IPv6 level of a packet. `final_dst` is the Routing header's last address when segments are
    left (§7.9), else the Destination Address; `rh` the first type 0 Routing header."""

    src: Addr
    dst: Addr
    final_dst: Addr
    rh: Routing0 | None
    bu: BindingUpdate | None
    ba: BindingAck | None
    br: BindingRequest | None
    hao: HomeAddress | None
    malformed: tuple[MalformedOption, ...]
    unknown: tuple[UnknownOption, ...]  # unknown options of Destination Options headers
    auth: bool  # AH or ESP present (§4.2)
    upper: Upper
    inner: IPv6Packet | None
    other_rh: bool  # a Routing header other than type 0 (e.g. RFC 6275 type 2)


_mk_facts = maker(PacketFacts)  # positional, every field: one per packet and level (for speed)
_PADDING = (Pad1, PadN)
_OTHER_RH = (Routing2, RoutingOther)


def facts_of(pkt: IPv6Packet) -> PacketFacts:
    """Flatten one IPv6 level (the options of every Destination Options header, in order)."""
    payload = pkt.payload
    inner = payload if isinstance(payload, IPv6Packet) else None
    if not pkt.headers:  # the common case: nothing to flatten
        esp = isinstance(payload, ESP)
        return _mk_facts(
            pkt.src,
            pkt.dst,
            pkt.dst,
            None,
            None,
            None,
            None,
            None,
            (),
            (),
            esp,
            payload,
            inner,
            False,
        )
    rh: Routing0 | None = None
    other_rh = False
    bu = ba = br = hao = None
    malformed: list[MalformedOption] = []
    unknown: list[UnknownOption] = []
    auth = False
    for h in pkt.headers:
        if isinstance(h, DestOptions):
            for o in h.options:
                if isinstance(o, _PADDING):
                    continue
                bu, ba, br, hao = _note_option(o, bu, ba, br, hao, malformed, unknown)
        elif isinstance(h, Routing0):
            if rh is None:
                rh = h
        elif isinstance(h, AH):
            auth = True
        elif isinstance(h, _OTHER_RH):
            other_rh = True
    if isinstance(payload, ESP):
        auth = True
    final = pkt.dst
    if rh is not None and rh.segments_left > 0 and rh.addresses:
        final = rh.addresses[-1]
    return _mk_facts(
        pkt.src,
        pkt.dst,
        final,
        rh,
        bu,
        ba,
        br,
        hao,
        tuple(malformed) if malformed else (),
        tuple(unknown) if unknown else (),
        auth,
        payload,
        inner,
        other_rh,
    )


def _note_option(
    o: Option,
    bu: BindingUpdate | None,
    ba: BindingAck | None,
    br: BindingRequest | None,
    hao: HomeAddress | None,
    malformed: list[MalformedOption],
    unknown: list[UnknownOption],
) -> tuple[BindingUpdate | None, BindingAck | None, BindingRequest | None, HomeAddress | None]:
    if isinstance(o, BindingUpdate):
        bu = bu or o
    elif isinstance(o, BindingAck):
        ba = ba or o
    elif isinstance(o, BindingRequest):
        br = br or o
    elif isinstance(o, HomeAddress):
        hao = hao or o
    elif isinstance(o, MalformedOption):
        malformed.append(o)
    elif isinstance(o, UnknownOption):
        unknown.append(o)
    return bu, ba, br, hao


def no_payload(f: PacketFacts) -> bool:
    """§5.2: a rejecting BA travels in a packet whose last Next Header is 59."""
    return isinstance(f.upper, NoNextHeader)


def malformed_seq(m: MalformedOption) -> int | None:
    """The Sequence Number of a too-short BU or BA, when its octets reach that far (§5.1, §5.2)."""
    if m.kind == "BU" and len(m.data) >= 4:
        return int.from_bytes(m.data[2:4], "big")
    if m.kind == "BA" and len(m.data) >= 3:
        return int.from_bytes(m.data[1:3], "big")
    return None
