"""Whole-log judges of the IPv6 specification's rules the roles rely on, and of §9.5's updates to
correspondents after a move (each with its time bound from the spec registry):

- IPV6-UNKNOWN-NH ([5] §4): a packet a node is the final destination of, whose upper layer it does not
  recognise, draws an ICMP Parameter Problem code 1 to the source, the Pointer at that Next Header field.
- IPV6-RH-HDR-EXT-LEN ([5] §4.4): a Type 0 Routing header with Segments Left above 0 and more than 23
  addresses draws a Parameter Problem code 0 pointing at its Hdr Ext Len field.
- IPV6-RH-STRICT ([5] §4.4): a hop whose Strict/Loose bit is 1 toward an address that is not a neighbor
  is not forwarded and draws an ICMP Destination Unreachable code 2.
- IPV6-ICMP-ERROR-SIZE (RFC 2463 §2.4 (c)): no ICMPv6 error a node originates exceeds the minimum
  IPv6 MTU, measured whole as sent (its own extension headers too); that it carries as much as fits
  is judged with the error owed (the three rows above).
- HA-RA-TUNNEL (§8.5), its scope: a home agent tunnels a Router Advertisement of a home link only to
  mobile nodes homed on that link (one serving two home links must not send one link's to the other's).
- MN-CN-UPDATE (§9.5): after a home registration of a new primary care-of address, every correspondent
  the mobile node's list holds an unexpired entry for gets a Binding Update within the bound.

The error owed is the one that carries the packet as RFC 2463 §2.4 (c) says: as much of it as fits
without the error, measured whole as sent (its own extension headers too), exceeding the minimum
IPv6 MTU; an error cut shorter, or longer than that, is named in the violation.

What a node owes is computed by properties/spec/ipv6.py from the decoded packet; who is a neighbor of
whom comes from the links the run's log shows each node on. Nothing here reads the model's roles.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from mip6check.model.addr import Addr, fmt, is_multicast
from mip6check.model.codec import encode_packet
from mip6check.model.codec.values import (
    BindingAck,
    DestUnreachable,
    ICMPv6Other,
    IPv6Packet,
    PacketTooBig,
    ParamProblem,
    PrefixInfo,
    RouterAdvertisement,
    Routing0,
    TimeExceeded,
)
from mip6check.model.config import Config
from mip6check.model.net.log import Kind, LogRecord
from mip6check.model.roles.events import BindingUpdateSent, Transmit
from mip6check.properties.absences import RunFacts
from mip6check.properties.logfacts import Fate, ba_of, bu_fates, bu_of, violation
from mip6check.properties.spec import Deadlines, obligation
from mip6check.properties.spec.ipv6 import (
    RhError,
    error_size_fault,
    hbh_not_first,
    header_walk,
    reaches_upper_layer,
    rh0_hop,
)
from mip6check.properties.spec.mobile_node import pp2_stops_updates
from mip6check.properties.verdict import Violation

JUDGED: tuple[str, ...] = (
    "HA-RA-TUNNEL",
    "MN-CN-UPDATE",
    "IPV6-UNKNOWN-NH",
    "IPV6-RH-HDR-EXT-LEN",
    "IPV6-RH-STRICT",
    "IPV6-ICMP-ERROR-SIZE",
)
"""The rows these judges decide (declared with the other whole-log checks, properties/logchecks.py)."""


def field_offsets(data: bytes) -> tuple[list[tuple[int, int]], int]:
    """([(type, offset)] of each extension header, offset of the last Next Header field) of an
    encoded packet, read from the octets as [5] §4 lays them out."""
    exts = header_walk(data)[0]
    return [(t, off) for t, off, _ in exts], exts[-1][1] if exts else 6


def _tx(r: LogRecord) -> IPv6Packet | None:
    return r.event.packet if r.kind is Kind.TX and isinstance(r.event, Transmit) else None


@dataclass(frozen=True, slots=True)
class _Due:
    time: int
    node: str
    pkt: IPv6Packet
    step: int
    want: str  # what is owed, for the message
    code: int
    pointer: int | None  # None: a Destination Unreachable


def _received(
    records: Sequence[LogRecord], facts: RunFacts
) -> Iterator[tuple[LogRecord, str, IPv6Packet]]:
    for r in records:
        ev = r.event
        if r.kind is Kind.RX and isinstance(ev, IPv6Packet) and r.node is not None:
            if ev.dst in facts.addresses.get(r.node, frozenset()) and not is_multicast(ev.dst):
                yield r, r.node, ev


def _links(records: Sequence[LogRecord]) -> dict[str, set[str]]:
    """Node -> the links the log shows it sending or receiving on."""
    out: dict[str, set[str]] = {}
    for r in records:
        if r.node is not None and r.link is not None and r.kind in (Kind.TX, Kind.RX):
            out.setdefault(r.node, set()).add(r.link)
    return out


def _owner(facts: RunFacts, a: Addr) -> str | None:
    return next((n for n, addrs in facts.addresses.items() if a in addrs), None)


def ipv6_errors(
    records: Sequence[LogRecord], facts: RunFacts, deadlines: Deadlines, config: Config
) -> list[Violation]:
    """IPV6-UNKNOWN-NH, IPV6-RH-HDR-EXT-LEN, IPV6-RH-STRICT: the error owed, sent within the bound to
    the source with the right code and Pointer (and a strict hop to a non-neighbor not forwarded)."""
    end = records[-1].time if records else 0
    links = _links(records)
    due: list[_Due] = []
    forwarded_strict: list[tuple[LogRecord, str, IPv6Packet, Addr]] = []
    for r, node, pkt in _received(records, facts):
        if is_multicast(pkt.src) or pkt.src == bytes(16):
            continue  # RFC 2463 §2.4 (e): no error to a multicast or unspecified source
        data = encode_packet(pkt)
        exts, last = field_offsets(data)
        late_hbh = hbh_not_first(pkt)
        if late_hbh is not None and len(exts) > late_hbh:
            # [5] §4.1: Next Header 0 anywhere but in the IPv6 header is unrecognised; the Pointer is
            # the Next Header field of the header before it (that header's first octet)
            due.append(_Due(r.time, node, pkt, r.seq, "IPV6-UNKNOWN-NH", 1, exts[late_hbh - 1][1]))
            continue
        rh_i = next((i for i, h in enumerate(pkt.headers) if isinstance(h, Routing0)), None)
        if rh_i is not None:
            rh = pkt.headers[rh_i]
            assert isinstance(rh, Routing0)
            hop = rh0_hop(rh)
            rh_off = next((o for t, o in exts if t == 43), None)
            if hop.error is RhError.HDR_EXT_LEN and rh_off is not None:
                due.append(_Due(r.time, node, pkt, r.seq, "IPV6-RH-HDR-EXT-LEN", 0, rh_off + 1))
                continue
            if hop.next_address is not None and hop.strict:
                nxt = hop.next_address
                owner = _owner(facts, nxt)
                near = owner is not None and bool(links.get(node, set()) & links.get(owner, set()))
                if not near and not is_multicast(nxt) and owner != node:
                    due.append(_Due(r.time, node, pkt, r.seq, "IPV6-RH-STRICT", 2, None))
                    forwarded_strict.append((r, node, pkt, nxt))
                continue
        if reaches_upper_layer(pkt) and _unrecognised(pkt):
            due.append(_Due(r.time, node, pkt, r.seq, "IPV6-UNKNOWN-NH", 1, last))
    out: list[Violation] = []
    errors = _errors_sent(records)
    for d in due:
        ob = obligation(d.want)
        assert ob.bound is not None
        bound = ob.bound.ms(config, deadlines)
        if d.time + bound > end:
            continue
        sent = errors.get(d.node, [])
        if sum(d.time - 1000 < tt <= d.time for tt, _ in sent) >= deadlines.icmp_error_burst:
            continue  # RFC 2463 §2.4 (f): rate limited
        data = encode_packet(d.pkt)
        window = [
            e
            for tt, e in sent
            if d.time <= tt <= d.time + bound and e.dst == d.pkt.src and _invoked_by(e, data)
        ]
        kind = ParamProblem if d.pointer is not None else DestUnreachable
        same = [e for e in window if isinstance(e.payload, kind) and e.payload.code == d.code]
        faults = [f for e in same if (f := _size_fault(e, data, config)) is not None]
        fits = [e for e in same if _size_fault(e, data, config) is None]
        if same and not fits:
            # RFC 2463 §2.4 (c): the error owed carries as much of the packet as fits the minimum MTU
            msg = f"sent {kind.__name__} code {d.code}, but {faults[0]}"
        elif d.pointer is not None and fits:
            ptrs = {e.payload.pointer for e in fits if isinstance(e.payload, ParamProblem)}
            if d.pointer in ptrs:
                continue
            msg = (
                f"sent Parameter Problem code {d.code} with Pointer {sorted(ptrs)}, not {d.pointer}"
            )
        elif same:
            continue
        else:
            what = (
                f"ICMP Parameter Problem code {d.code} (Pointer {d.pointer})"
                if d.pointer is not None
                else f"ICMP Destination Unreachable code {d.code} (not a neighbor)"
            )
            msg = f"sent no {what} to {fmt(d.pkt.src)} within {bound} ms"
        out.append(violation(d.want, d.node, d.time, f"{d.node}: {_why(d)}; {msg}", d.step))
    for r, node, pkt, nxt in forwarded_strict:
        if any(
            p is not None and p.dst == nxt and p.payload == pkt.payload and x.time >= r.time
            for x in records
            if x.node == node and (p := _tx(x)) is not None
        ):
            out.append(
                violation(
                    "IPV6-RH-STRICT",
                    node,
                    r.time,
                    f"{node} forwarded a packet from {fmt(pkt.src)} to {fmt(nxt)}, which is not its"
                    " neighbor, though the Routing header's Strict/Loose bit for that hop is 1",
                    r.seq,
                )
            )
    return out


def _unrecognised(pkt: IPv6Packet) -> bool:
    from mip6check.properties.spec.ipv6 import unrecognised_next_header

    return unrecognised_next_header(pkt)


def _invoked_by(err: IPv6Packet, data: bytes) -> bool:
    """The error carries this packet, maybe cut short: same source, same octets from the upper layer
    on (a node may have swapped the destination and a Routing header address before it refused the
    packet). Whether it carries as much as it must is _size_fault's question."""
    inv = err.payload.invoking if isinstance(err.payload, ParamProblem | DestUnreachable) else b""
    if inv[4:7] != data[4:7] or inv[8:24] != data[8:24]:
        return False  # another Payload Length, Next Header or source: another packet
    exts, _ = field_offsets(data)
    upper = 40 if not exts else _end_of(data, exts[-1])
    return (
        inv[upper:] == data[upper : len(inv)]
        if len(inv) < len(data)
        else inv[upper:] == data[upper:]
    )


def _size_fault(err: IPv6Packet, data: bytes, config: Config) -> str | None:
    """RFC 2463 §2.4 (c) for an error carrying `data`: the error measured whole as it was sent, its
    own extension headers (an Authentication Header, a Home Address option) counted octet for octet,
    against the run's minimum MTU (`icmp_error_mtu`, C21)."""
    inv = err.payload.invoking if isinstance(err.payload, ParamProblem | DestUnreachable) else b""
    return error_size_fault(len(encode_packet(err)), len(inv), len(data), config.icmp_error_mtu)


def _end_of(data: bytes, ext: tuple[int, int]) -> int:
    nh, off = ext
    if nh == 44:
        return off + 8
    if nh == 51:
        return off + (data[off + 1] + 2) * 4
    return off + (data[off + 1] + 1) * 8


def _why(d: _Due) -> str:
    if d.want == "IPV6-UNKNOWN-NH":
        return f"received from {fmt(d.pkt.src)} an unrecognised Next Header value"
    if d.want == "IPV6-RH-HDR-EXT-LEN":
        rh = next(h for h in d.pkt.headers if isinstance(h, Routing0))
        return f"received a Routing header with {len(rh.addresses)} addresses (at most 23)"
    return "received a strict Routing header hop toward an address that is not a neighbor"


def _errors_sent(records: Sequence[LogRecord]) -> dict[str, list[tuple[int, IPv6Packet]]]:
    out: dict[str, list[tuple[int, IPv6Packet]]] = {}
    for r in records:
        p = _tx(r)
        if (
            p is not None
            and r.node is not None
            and isinstance(p.payload, ParamProblem | DestUnreachable)
        ):
            out.setdefault(r.node, []).append((r.time, p))
    return out


@dataclass
class _Entry:
    """What the mobile node last sent a destination: when, for how long, which care-of address."""

    sent: int
    lifetime: int  # seconds, as sent
    coa: Addr


def cn_update(
    records: Sequence[LogRecord], facts: RunFacts, deadlines: Deadlines, config: Config
) -> list[Violation]:
    """MN-CN-UPDATE (§9.5): on each home registration of a new primary care-of address, each
    correspondent with an unexpired list entry (not deleted, not rejected, not refused by ICMP code 2)
    gets a Binding Update with a different care-of address (the new one, or a deletion) in the bound.
    A Binding Update with H to a previous default router (§9.6: its home address is a care-of address
    the node used before) registers no primary care-of address.

    What the list holds is read from the updates the node put on a link. An update the node's IPv6
    layer dropped (no route, failed address resolution) was sent and lost like a lost frame: it
    counts (it enters the list, a deletion ends the entry). One the node only says it sent (its
    BindingUpdateSent event, no frame, no drop) counts for nothing."""
    ob = obligation("MN-CN-UPDATE")
    assert ob.bound is not None
    bound = ob.bound.ms(config, deadlines)
    end = records[-1].time if records else 0
    fates = bu_fates(records)
    lists: dict[str, dict[Addr, _Entry]] = {}
    home_coa: dict[str, Addr] = {}
    used: dict[str, set[Addr]] = {}  # care-of addresses each node named in its Binding Updates
    due: list[tuple[int, str, Addr, Addr, int]] = []  # (time, node, correspondent, old coa, step)
    sends: dict[tuple[str, Addr], list[tuple[int, Addr]]] = {}
    for r in records:
        pkt = _tx(r)
        if pkt is not None and r.node in facts.home_links:
            got = bu_of(pkt)
            if got is None:
                continue
            bu, home = got
            coa = bu.care_of if bu.care_of is not None else pkt.src
            node = r.node
            assert node is not None
            sends.setdefault((node, pkt.dst), []).append((r.time, coa))
            mine = lists.setdefault(node, {})
            mine_coas = used.setdefault(node, set())
            previous_router = home in mine_coas  # §9.6: its home is an old care-of address
            if coa != home and len(mine_coas) < 4096:  # a de-registration names no care-of
                mine_coas.add(coa)
            if bu.h and previous_router:
                continue  # no home registration: no new primary care-of address for §9.5
            if bu.h:
                if bu.lifetime and coa != home and home_coa.get(node) != coa:
                    for cn, e in mine.items():
                        if e.lifetime and r.time < e.sent + e.lifetime * 1000 and e.coa != coa:
                            due.append((r.time, node, cn, e.coa, r.seq))
                    home_coa[node] = coa
                continue
            if bu.lifetime == 0 or coa == home:
                mine.pop(pkt.dst, None)
            else:
                mine[pkt.dst] = _Entry(r.time, bu.lifetime, coa)
        elif (
            isinstance(r.event, BindingUpdateSent)
            and r.node in facts.home_links
            and not r.event.home_reg
            and fates.get(r.seq) is not None
        ):
            ev = r.event
            deletion = ev.lifetime == 0 or ev.coa == ev.home
            if fates[r.seq] is Fate.DROPPED:
                # sent, and lost before any link (no route yet after a move, IPv6 §4; failed
                # address resolution, RFC 2461 §7.2.2): it counts as sent and enters the list (§9.5)
                sends.setdefault((ev.node, ev.destination), []).append((r.time, ev.coa))
                if not deletion:
                    entry = _Entry(r.time, ev.lifetime, ev.coa)
                    lists.setdefault(ev.node, {})[ev.destination] = entry
            if deletion:  # one on a link or dropped there ends the entry; one only claimed does not
                lists.get(r.node or "", {}).pop(ev.destination, None)
        elif r.kind is Kind.RX and isinstance(r.event, IPv6Packet) and r.node in facts.home_links:
            ev_rx = r.event
            ba: BindingAck | None = ba_of(ev_rx)
            # §9.9 (C17): a code 2 error ends the updates to that node (under --pp2-pointer read,
            # only one whose Pointer designates the Binding Update option)
            refused = (
                isinstance(ev_rx.payload, ParamProblem)
                and ev_rx.payload.code == 2
                and pp2_stops_updates(config, ev_rx.payload.pointer, ev_rx.payload.invoking)
            )
            if (ba is not None and ba.status >= 128) or refused:
                lists.get(r.node or "", {}).pop(ev_rx.src, None)
    out: list[Violation] = []
    for t, node, cn, old, step in due:
        before = [c for tt, c in sends.get((node, cn), []) if tt < t]
        # §9.8: after MAX_FAST_UPDATES consecutive updates with one care-of address the node may
        # already be at the slow rate toward this correspondent: the update may wait that long too
        slow = len(before) >= config.max_fast_updates and all(
            c == before[-1] for c in before[-config.max_fast_updates :]
        )
        limit = bound + (config.slow_update_rate if slow else config.max_update_rate)
        if t + limit > end:
            continue
        if any(t <= tt <= t + limit and c != old for tt, c in sends.get((node, cn), [])):
            continue
        out.append(
            violation(
                "MN-CN-UPDATE",
                node,
                t,
                f"{node} registered a new primary care-of address with its home agent but sent"
                f" correspondent {fmt(cn)}, which its Binding Update List still holds (care-of"
                f" {fmt(old)}), no Binding Update within {limit} ms",
                step,
            )
        )
    return out


def ra_tunnel_scope(records: Sequence[LogRecord], facts: RunFacts) -> list[Violation]:
    """HA-RA-TUNNEL (§8.5): each Router Advertisement a node tunnels goes to a care-of address of a
    mobile node homed on a link the node advertised those prefixes on (natively, within 2 s)."""
    native: dict[str, list[tuple[int, str, frozenset[bytes]]]] = {}
    tunnelled: list[tuple[LogRecord, str, IPv6Packet, frozenset[bytes]]] = []
    for r in records:
        p = _tx(r)
        if p is None or r.node is None or r.link is None:
            continue
        if isinstance(p.payload, RouterAdvertisement):
            native.setdefault(r.node, []).append((r.time, r.link, _prefixes(p.payload)))
        elif isinstance(p.payload, IPv6Packet):
            ra = p.payload.payload
            if isinstance(ra, RouterAdvertisement):
                tunnelled.append((r, r.node, p, _prefixes(ra)))
    out: list[Violation] = []
    for r, node, p, mine in tunnelled:
        seen = native.get(node, [])
        links = {lk for t, lk, pre in seen if abs(t - r.time) <= 2000 and pre & mine}
        mn = _owner(facts, p.dst)
        if not links or mn is None or mn not in facts.home_links:
            continue  # not seen advertised natively, or not to a known mobile node: nothing to compare
        if facts.home_links[mn] & links:
            continue
        out.append(
            violation(
                "HA-RA-TUNNEL",
                node,
                r.time,
                f"{node} tunnelled the Router Advertisement of {', '.join(sorted(links))} to"
                f" {mn} (care-of {fmt(p.dst)}), which is homed on"
                f" {', '.join(sorted(facts.home_links[mn])) or 'no link of the run'}",
                r.seq,
            )
        )
    return out


def _prefixes(ra: RouterAdvertisement) -> frozenset[bytes]:
    return frozenset(o.prefix[:8] for o in ra.options if isinstance(o, PrefixInfo))


_ERRORS = (DestUnreachable, PacketTooBig, TimeExceeded, ParamProblem)


def _originated_errors(pkt: IPv6Packet, own: frozenset[Addr]) -> Iterator[IPv6Packet]:
    """The ICMPv6 errors (type below 128) in a packet a node sends from its own address: the packet
    itself, or the inner packet of a tunnel it builds (the outer one may exceed the MTU, RFC 2473)."""
    if pkt.src not in own:
        return  # forwarded: the error is its originator's
    up = pkt.payload
    if isinstance(up, _ERRORS) or (isinstance(up, ICMPv6Other) and up.icmp_type < 128):
        yield pkt
    elif isinstance(up, IPv6Packet):
        yield from _originated_errors(up, own)


def error_sizes(records: Sequence[LogRecord], facts: RunFacts, config: Config) -> list[Violation]:
    """IPV6-ICMP-ERROR-SIZE: every ICMPv6 error a node originates is at most the minimum IPv6 MTU of
    the run's reading (`icmp_error_mtu`, C21), its octets counted as they leave the node (RFC 2463
    §2.4 (c))."""
    out: list[Violation] = []
    for r in records:
        p = _tx(r)
        if p is None or r.node is None:
            continue
        for err in _originated_errors(p, facts.addresses.get(r.node, frozenset())):
            size = len(encode_packet(err))
            carried = getattr(err.payload, "invoking", b"")
            # only the upper bound: whether it carries as much as fits needs the packet it is about
            # (ipv6_errors, with the error owed)
            fault = error_size_fault(size, len(carried), len(carried), config.icmp_error_mtu)
            if fault is not None:
                out.append(
                    violation(
                        "IPV6-ICMP-ERROR-SIZE",
                        r.node,
                        r.time,
                        f"{r.node} sent {fmt(err.dst)} an ICMPv6 {type(err.payload).__name__}"
                        f" carrying {len(carried)} octets of its invoking packet: {fault}",
                        r.seq,
                    )
                )
    return out


def check(
    records: Sequence[LogRecord], facts: RunFacts, deadlines: Deadlines, config: Config
) -> list[Violation]:
    """Every judge of this module (the whole-log checks call it when the run's facts are known)."""
    return [
        *ipv6_errors(records, facts, deadlines, config),
        *error_sizes(records, facts, config),
        *cn_update(records, facts, deadlines, config),
        *ra_tunnel_scope(records, facts),
    ]


__all__ = [
    "JUDGED",
    "check",
    "cn_update",
    "error_sizes",
    "field_offsets",
    "ipv6_errors",
    "ra_tunnel_scope",
]
