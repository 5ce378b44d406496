"""Rendering of packets and capture records as JSON objects (cli-contract.md) and one-line text.

Reusable: `packet_json(pkt)` gives the contract's per-packet object (src, dst, chain, mip6, routing,
icmpv6, inner, plus `mh` and `checksum_ok`); `packet_text(pkt)` the tcpdump-like line; `record_json` /
`record_text` wrap one capture record (decoded, not IPv6, or in error) for `decode` and `replay`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from mip6check.model.addr import fmt as _fmt_addr
from mip6check.model.codec import (
    AH,
    ESP,
    MH_NAMES,
    TCP,
    UDP,
    BindingAck,
    BindingRequest,
    BindingUpdate,
    DecodeError,
    DestOptions,
    DestUnreachable,
    EchoReply,
    EchoRequest,
    Fragment,
    HomeAddress,
    HopByHop,
    ICMPv6Other,
    IPv6Packet,
    MalformedOption,
    MobilityHeader,
    MTUOption,
    NeighborAdvertisement,
    NeighborSolicitation,
    NoNextHeader,
    Option,
    PacketTooBig,
    Pad1,
    PadN,
    ParamProblem,
    PrefixInfo,
    Raw,
    Redirect,
    RouterAdvertisement,
    RouterSolicitation,
    Routing0,
    Routing2,
    RoutingOther,
    SourceLLA,
    TargetLLA,
    TimeExceeded,
    UnknownOption,
    checksum_ok,
    invoking_packet,
    wire_checksum_ok,
)
from mip6check.model.codec.compile import CompiledOption
from mip6check.model.codec.link import LINKTYPE_NAMES, LinkFrame
from mip6check.model.codec.link import fmt_mac as _fmt_mac
from mip6check.model.codec.options import BY_VALUE
from mip6check.model.codec.pcap import Record, RecordError

Json = dict[str, Any]

# The text form of an address, remembered: captures repeat few addresses, and ipaddress is slow.
_fmt_cached = lru_cache(maxsize=16384)(_fmt_addr)
_fmt_mac_cached = lru_cache(maxsize=4096)(_fmt_mac)


def fmt(addr: bytes) -> str:
    """mip6check.model.addr.fmt, remembered for hashable (bytes) addresses."""
    try:
        return _fmt_cached(addr)
    except TypeError:  # e.g. a bytearray
        return _fmt_addr(addr)


def fmt_mac(lla: bytes) -> str:
    """mip6check.model.codec.link.fmt_mac, remembered for hashable (bytes) addresses."""
    try:
        return _fmt_mac_cached(lla)
    except TypeError:
        return _fmt_mac(lla)


ICMP_TYPES: dict[type, int] = {
    DestUnreachable: 1,
    PacketTooBig: 2,
    TimeExceeded: 3,
    ParamProblem: 4,
    EchoRequest: 128,
    EchoReply: 129,
    RouterSolicitation: 133,
    RouterAdvertisement: 134,
    NeighborSolicitation: 135,
    NeighborAdvertisement: 136,
    Redirect: 137,
}
ICMP_NAMES: dict[type, str] = {
    DestUnreachable: "unreachable",
    PacketTooBig: "too-big",
    TimeExceeded: "time-exceeded",
    ParamProblem: "param-problem",
    EchoRequest: "echo-request",
    EchoReply: "echo-reply",
    RouterSolicitation: "router-solicit",
    RouterAdvertisement: "router-advert",
    NeighborSolicitation: "neighbor-solicit",
    NeighborAdvertisement: "neighbor-advert",
    Redirect: "redirect",
}


# ---------------------------------------------------------------- JSON


_CHAIN_NAMES: dict[type, str] = {
    HopByHop: "hbh",
    DestOptions: "dstopts",
    Routing0: "routing",
    Routing2: "routing",
    RoutingOther: "routing",
    Fragment: "fragment",
    AH: "ah",
    ESP: "esp",
    IPv6Packet: "ipv6",
    TCP: "tcp",
    UDP: "udp",
    NoNextHeader: "none",
    ICMPv6Other: "icmpv6",
    **{t: "icmpv6" for t in ICMP_TYPES},
}


def chain_name(x: object) -> str | int:
    """The contract's name of one Next Header element (or its number when it has no name)."""
    name = _CHAIN_NAMES.get(type(x))
    if name is not None:
        return name
    if isinstance(x, MobilityHeader):
        return x.next_header_number
    if isinstance(x, Raw):
        return x.next_header
    return "?"


def _shown(c: CompiledOption) -> tuple[tuple[str, bool], ...]:
    """(field name, is an address) of the fields an option's table shows, in wire order."""
    return tuple((f.name, f.is_address) for f in c.layout.fields if f.shown)


def option_json(o: Option, where: str) -> Json | None:
    """A Mobile IPv6 option as the contract's object (None for padding and unknown options): the kind
    and the shown fields of its table (model/codec/layout.py), then `opt_type` and `in`."""
    c = BY_VALUE.get(type(o))
    if c is not None:
        kind = c.layout.kind
        if kind == "PadN":
            return None
        j: Json = {"type": kind}
        shown = _SHOWN.get(type(o))
        if shown is None or shown[0] is not c:  # first use, or the option was registered again
            shown = _SHOWN[type(o)] = (c, _shown(c))
        for name, is_addr in shown[1]:
            v = getattr(o, name)
            j[name] = fmt(v) if is_addr and v is not None else v
        j["opt_type"] = o.opt_type  # type: ignore[union-attr]
        j["in"] = where
        return j
    if isinstance(o, MalformedOption):
        return {"type": o.kind, "malformed": o.reason, "opt_type": o.opt_type, "in": where}
    return None


# value type -> (its compiled option, its shown fields): keyed by type, as hashing the compiled
# option (a dataclass of tables) once per option costs more than the rest of option_json
_SHOWN: dict[type, tuple[CompiledOption, tuple[tuple[str, bool], ...]]] = {}


def _mip6(pkt: IPv6Packet) -> list[Json]:
    out: list[Json] = []
    for h in pkt.headers:
        if isinstance(h, DestOptions | HopByHop):
            where = "dstopts" if isinstance(h, DestOptions) else "hbh"
            for o in h.options:
                j = option_json(o, where)
                if j is not None:
                    out.append(j)
    return out


def routing_json(pkt: IPv6Packet) -> Json | None:
    for h in pkt.headers:
        if isinstance(h, Routing0 | Routing2 | RoutingOther):
            return _routing_header_json(h)
    return None


def _nd_options(opts: tuple[object, ...], j: Json) -> None:
    for o in opts:
        if isinstance(o, SourceLLA):
            j["slla"] = fmt_mac(o.lla)
        elif isinstance(o, TargetLLA):
            j["tlla"] = fmt_mac(o.lla)
        elif isinstance(o, MTUOption):
            j["mtu"] = o.mtu
        elif isinstance(o, PrefixInfo):
            j.setdefault("prefixes", []).append(
                {
                    "prefix": fmt(o.prefix),
                    "length": o.prefix_length,
                    "on_link": o.on_link,
                    "autonomous": o.autonomous,
                    "valid_lifetime": o.valid_lifetime,
                    "preferred_lifetime": o.preferred_lifetime,
                }
            )


def icmpv6_json(u: object, *, invoking: bool = True) -> Json | None:
    """ICMPv6 type, code and the fields that apply (ND flags, target, link-layer addresses); for an
    error message, `invoking` is the invoking packet decoded as far as it goes (one level deep)."""
    if isinstance(u, ICMPv6Other):
        return {"type": u.icmp_type, "code": u.code}
    t = ICMP_TYPES.get(type(u))
    if t is None:
        return None
    j: Json = {"type": t, "code": getattr(u, "code", 0)}
    if invoking and isinstance(u, DestUnreachable | PacketTooBig | TimeExceeded | ParamProblem):
        inv, _ = invoking_packet(u.invoking)
        j["invoking"] = packet_json(inv, invoking=False) if inv is not None else None
    if isinstance(u, PacketTooBig):
        j["mtu"] = u.mtu
    elif isinstance(u, ParamProblem):
        j["pointer"] = u.pointer
    elif isinstance(u, EchoRequest | EchoReply):
        j["ident"], j["seq"] = u.ident, u.seq
    elif isinstance(u, RouterAdvertisement):
        j.update(
            cur_hop_limit=u.cur_hop_limit,
            managed=u.managed,
            other=u.other,
            home_agent=u.home_agent,
            router_lifetime=u.router_lifetime,
            reachable_time=u.reachable_time,
            retrans_timer=u.retrans_timer,
        )
        _nd_options(u.options, j)
    elif isinstance(u, RouterSolicitation):
        _nd_options(u.options, j)
    elif isinstance(u, NeighborSolicitation):
        j["target"] = fmt(u.target)
        _nd_options(u.options, j)
    elif isinstance(u, NeighborAdvertisement):
        j.update(target=fmt(u.target), solicited=u.solicited, override=u.override, router=u.router)
        _nd_options(u.options, j)
    elif isinstance(u, Redirect):
        j.update(target=fmt(u.target), destination=fmt(u.destination))
        _nd_options(u.options, j)
    return j


def _plain(v: object) -> object:
    return v.hex() if isinstance(v, bytes) else v


def mh_json(u: object) -> Json | None:
    """RFC 6275 Mobility Header (decoded for today's captures): type, its fields, option types."""
    if not isinstance(u, MobilityHeader):
        return None
    return {
        "mh_type": u.mh_type,
        "name": MH_NAMES.get(u.mh_type, str(u.mh_type)),
        "fields": {k: _plain(v) for k, v in u.fields},
        "options": [{"type": o.opt_type, "data": o.data.hex()} for o in u.options],
    }


def packet_json(pkt: IPv6Packet, *, invoking: bool = True) -> Json:
    """The contract's per-packet object for one IPv6 packet (inner packets recursively)."""
    j: Json = {"src": fmt(pkt.src), "dst": fmt(pkt.dst)}
    _packet_fields(pkt, j, invoking)
    return j


def _packet_fields(pkt: IPv6Packet, j: Json, invoking: bool) -> None:
    """packet_json's fields after src and dst, added to `j` in the contract's order: one pass over
    the headers for chain, mip6 and routing (the same values as chain_name, _mip6 and routing_json)."""
    chain: list[str | int] = []
    mip6: list[Json] = []
    routing: Json | None = None
    for h in pkt.headers:
        th = type(h)
        name = _CHAIN_NAMES.get(th)
        chain.append(name if name is not None else chain_name(h))
        if th is DestOptions or th is HopByHop:
            where = "dstopts" if th is DestOptions else "hbh"
            for o in h.options:  # type: ignore[union-attr]
                if type(o) not in _NO_JSON:
                    oj = option_json(o, where)
                    if oj is not None:
                        mip6.append(oj)
        elif routing is None and (
            th in _ROUTING_TYPES
            or (th not in _HEADER_TYPES and isinstance(h, Routing0 | Routing2 | RoutingOther))
        ):
            routing = _routing_header_json(h)
        elif th not in _HEADER_TYPES and isinstance(h, DestOptions | HopByHop):
            where = (
                "dstopts" if isinstance(h, DestOptions) else "hbh"
            )  # a subclass: the general path
            mip6.extend(x for x in (option_json(o, where) for o in h.options) if x is not None)
    u = pkt.payload
    tu = type(u)
    name = _CHAIN_NAMES.get(tu)
    chain.append(name if name is not None else chain_name(u))
    j["chain"] = chain
    j["mip6"] = mip6
    j["routing"] = routing
    j["icmpv6"] = icmpv6_json(u, invoking=invoking) if tu not in _NOT_ICMP else None
    j["inner"] = packet_json(u, invoking=invoking) if isinstance(u, IPv6Packet) else None
    j["mh"] = mh_json(u) if tu not in _NOT_ICMP else None
    j["hop_limit"] = pkt.hop_limit


# exact codec types that option_json / icmpv6_json / mh_json answer None for
_NO_JSON = frozenset((Pad1, PadN, UnknownOption))
_NOT_ICMP = frozenset((UDP, TCP, NoNextHeader, ESP, Raw, IPv6Packet))
_ROUTING_TYPES = frozenset((Routing0, Routing2, RoutingOther))
_HEADER_TYPES = frozenset((DestOptions, HopByHop, Fragment, AH, *_ROUTING_TYPES))


def _routing_header_json(h: object) -> Json | None:
    """routing_json's object for one Routing header."""
    if isinstance(h, Routing0):
        return {
            "type": 0,
            "segments_left": h.segments_left,
            "addresses": [fmt(x) for x in h.addresses],
        }
    if isinstance(h, Routing2):
        return {"type": 2, "segments_left": h.segments_left, "addresses": [fmt(h.home_address)]}
    if isinstance(h, RoutingOther):
        return {"type": h.routing_type, "segments_left": h.segments_left, "addresses": []}
    return None


def error_json(e: DecodeError) -> Json:
    return {"offset": e.offset, "reason": e.reason, "layer": e.layer, "field": e.field}


def _safe_checksum(pkt: IPv6Packet) -> bool | None:
    try:
        return checksum_ok(pkt)
    except DecodeError:
        return None


@dataclass(frozen=True, slots=True)
class Decoded:
    """One capture record through the link layer and the codec: what `decode` and `replay` print."""

    record: Record | RecordError
    link: LinkFrame | None = None
    packet: IPv6Packet | None = None  # decoded (possibly partly, when `error` is set)
    error: DecodeError | None = None


_EMPTY: Json = {
    "src": None,
    "dst": None,
    "chain": [],
    "mip6": [],
    "routing": None,
    "icmpv6": None,
    "inner": None,
}


def record_json(d: Decoded) -> Json:
    """The full JSON Lines object of one record (index, time, the packet fields, error, extras)."""
    r = d.record
    if isinstance(r, RecordError):
        j: Json = {"index": r.index, "time": None, **_EMPTY}
        j["error"] = {"offset": 0, "reason": r.reason, "layer": "capture", "field": "record"}
        j["file_offset"] = r.file_offset
        return j
    pkt = d.packet
    if pkt is not None:
        j = {"index": r.index, "time": r.time, "src": fmt(pkt.src), "dst": fmt(pkt.dst)}
        _packet_fields(pkt, j, True)
    else:
        j = {"index": r.index, "time": r.time}
        j.update(_EMPTY)
    j["error"] = error_json(d.error) if d.error is not None else None
    j["link"] = LINKTYPE_NAMES.get(r.linktype, r.linktype)
    link = d.link
    if link is not None and link.ipv6_offset is None and not link.truncated:
        j["not_ipv6"] = {
            "reason": link.reason,
            "ethertype": link.ethertype,
            "family": link.family,
        }
    if link is not None and link.vlans:
        j["vlans"] = list(link.vlans)
    if pkt is not None and d.error is None:
        j["checksum_ok"] = _record_checksum(r, link, pkt)
    if r.note:
        j["note"] = r.note
    j["orig_len"] = r.orig_len
    j["caplen"] = len(r.data)
    return j


def _record_checksum(r: Record, link: LinkFrame | None, pkt: IPv6Packet) -> bool | None:
    """checksum_ok of a packet decoded without error from this record: verified over the record's
    own octets where the link layer says where the packet starts (no re-encoding)."""
    off = link.ipv6_offset if link is not None else None
    if off is not None:
        try:
            return wire_checksum_ok(r.data, pkt, off)
        except IndexError:  # a packet value that was not decoded from these octets
            pass
    return _safe_checksum(pkt)


# ---------------------------------------------------------------- text


def option_text(o: Option) -> str | None:
    if isinstance(o, BindingUpdate):
        flags = "".join(f" {n}" for n, v in (("a", o.a), ("h", o.h), ("c", o.c)) if v)
        coa = f" coa={fmt(o.care_of)}" if o.care_of is not None else ""
        return f"BU{flags} seq={o.seq} life={o.lifetime} idlen={o.id_length}{coa}"
    if isinstance(o, BindingAck):
        return f"BA status={o.status} seq={o.seq} life={o.lifetime} refresh={o.refresh}"
    if isinstance(o, BindingRequest):
        return "BR"
    if isinstance(o, HomeAddress):
        return f"HAO {fmt(o.home_address)}"
    if isinstance(o, MalformedOption):
        return f"{o.kind}(malformed: {o.reason})"
    if isinstance(o, Raw | NoNextHeader):
        return None
    t = getattr(o, "opt_type", None)
    return f"opt{t}" if t is not None else None


def _header_text(h: object) -> str:
    if isinstance(h, DestOptions | HopByHop):
        parts = [p for p in (option_text(o) for o in h.options) if p]
        name = "dstopts" if isinstance(h, DestOptions) else "hbh"
        return f"{name}[{'; '.join(parts)}]" if parts else name
    if isinstance(h, Routing0):
        return f"rh0[left={h.segments_left} {','.join(fmt(x) for x in h.addresses)}]"
    if isinstance(h, Routing2):
        return f"rh2[left={h.segments_left} {fmt(h.home_address)}]"
    if isinstance(h, RoutingOther):
        return f"rh{h.routing_type}[left={h.segments_left}]"
    if isinstance(h, Fragment):
        return f"frag[off={h.offset}{' M' if h.more else ''} id={h.ident:#x}]"
    if isinstance(h, AH):
        return "ah"
    return str(chain_name(h))


def _kv(k: str, v: object) -> str:
    """`flag` for a true boolean, `prefix=P/len` for prefixes, else `k=v`."""
    if v is True:
        return k
    if k == "prefixes" and isinstance(v, list):
        return " ".join(
            f"prefix={p['prefix']}/{p['length']}{' L' if p['on_link'] else ''}{' A' if p['autonomous'] else ''}"
            for p in v
        )
    return f"{k}={_plain(v)}"


def _upper_text(u: object) -> str:
    if isinstance(u, IPv6Packet):
        return "ipv6 | " + packet_text(u)
    if isinstance(u, NoNextHeader):
        return ""
    if isinstance(u, ESP):
        return f"esp[spi={u.spi:#x} seq={u.seq}]"
    if isinstance(u, UDP):
        return f"udp {u.sport} > {u.dport} len={len(u.payload)}"
    if isinstance(u, TCP):
        return f"tcp {u.sport} > {u.dport} flags={u.flags:#x} len={len(u.payload)}"
    if isinstance(u, MobilityHeader):
        fields = " ".join(_kv(k, v) for k, v in u.fields if v is not False)
        name = MH_NAMES.get(u.mh_type, f"type{u.mh_type}")
        return f"mh {name}" + (f" {fields}" if fields else "")
    if isinstance(u, Raw):
        return f"proto {u.next_header} len={len(u.data)}"
    j = icmpv6_json(u, invoking=False)
    if j is not None:
        name = ICMP_NAMES.get(type(u), f"type{j['type']}")
        extra = " ".join(
            _kv(k, v) for k, v in j.items() if k not in ("type", "code") and v is not False
        )
        code = f" code={j['code']}" if j["code"] else ""
        inv = ""
        if isinstance(u, DestUnreachable | PacketTooBig | TimeExceeded | ParamProblem):
            pkt, _ = invoking_packet(u.invoking)
            inv = f" (invoking {fmt(pkt.src)} > {fmt(pkt.dst)})" if pkt is not None else ""
        return f"icmp6 {name}{code}" + (f" {extra}" if extra else "") + inv
    return str(chain_name(u))


def packet_text(pkt: IPv6Packet) -> str:
    """`src > dst hdr hdr upper`: a tcpdump-like line naming the Mobile IPv6 options and fields."""
    parts = [f"{fmt(pkt.src)} > {fmt(pkt.dst)}"]
    parts.extend(_header_text(h) for h in pkt.headers)
    up = _upper_text(pkt.payload)
    if up:
        parts.append(up)
    return " ".join(parts)


def time_text(time_ns: int) -> str:
    s, ns = divmod(time_ns, 1_000_000_000)
    return f"{s}.{ns // 1000:06d}"


def record_text(d: Decoded) -> str:
    """One human line per record: index, time, the packet (or why it is not IPv6), any error."""
    r = d.record
    if isinstance(r, RecordError):
        return f"{r.index} - capture error at byte {r.file_offset}: {r.reason}"
    head = f"{r.index} {time_text(r.time_ns)}"
    if d.link is not None and not d.link.is_ipv6 and not d.link.truncated:
        return f"{head} not IPv6: {d.link.reason}"
    body = packet_text(d.packet) if d.packet is not None else ""
    if d.error is not None:
        e = d.error
        body += f" [error at {e.offset}: {e.layer}.{e.field}: {e.reason}]"
    if r.note:
        body += f" [{r.note}]"
    return f"{head} {body.strip()}"
