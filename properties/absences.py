"""Whole-log judges of actions the draft demands, judged from the packets a run put on its links (with
a time bound from the spec registry, never a number of their own):

- MN-RETURN-HOME (§9.13): a mobile node whose home registration is in force and which attaches to its
  home link sends its home agent a de-registration (H set, care-of address = home address, or
  Lifetime 0) within the bound.
- HA-TUNNEL (§8.4): a packet a home agent receives for a home address it holds a home registration
  for leaves it tunnelled, the outer Source Address the home agent's own, the outer Destination the
  care-of address of that registration.
- W-UNKNOWN-OPT-11X (§5.1, §5.4, IPv6 §4.2): a node without Mobile IPv6 that receives, addressed to
  itself, a Destination option whose type starts with the bits 11 (a Binding Update or a Home Address
  option) answers the source with ICMP Parameter Problem code 2 (not for a multicast destination;
  beyond the RFC 2463 error rate limit a node may stay silent).
- BC-EXPIRE (§4.3, §7.7): a node does not route by a binding past the lifetime it granted, nor after
  deleting it: a packet it originates with a Routing header through the care-of address of such a
  binding is a use of an entry that is gone.
- BC-BA-ON-A (§7.5): a Binding Update with the A bit that the receiver processed is answered with a
  Binding Acknowledgement carrying its Sequence Number (unless a frame the receiver sent meanwhile was
  lost: its answer may wait on Neighbor Discovery that was).

What the run is (each mobile node's home links, each node's addresses) comes from the run's driver as
a `RunFacts`; the judges read nothing from the model's roles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from mip6check.model.addr import Addr, fmt, is_multicast
from mip6check.model.codec import encode_packet, option_offset
from mip6check.model.codec.values import (
    DestOptions,
    DestUnreachable,
    IPv6Packet,
    NeighborAdvertisement,
    NeighborSolicitation,
    PacketTooBig,
    ParamProblem,
    Redirect,
    RouterAdvertisement,
    RouterSolicitation,
    Routing0,
    TimeExceeded,
)
from mip6check.model.config import Config
from mip6check.model.net.log import Kind, LogRecord
from mip6check.model.roles.events import (
    BindingProcessed,
    CacheDeleted,
    CacheUpdated,
    Dropped,
    Transmit,
)
from mip6check.properties.logfacts import ba_of, bu_of, violation
from mip6check.properties.receipt import RESOLUTION_MS
from mip6check.properties.spec import PY, Deadlines, obligation
from mip6check.properties.spec.wire import ran_out, status_accepts
from mip6check.properties.verdict import Violation

ICMP_ERRORS = (DestUnreachable, PacketTooBig, TimeExceeded, ParamProblem)
_ND = (
    NeighborSolicitation,
    NeighborAdvertisement,
    RouterSolicitation,
    RouterAdvertisement,
    Redirect,
)


@dataclass(frozen=True)
class RunFacts:
    """What a run's driver states about its cast: the links whose prefix holds each mobile node's home
    address, each node's own addresses, and each mobile node's home addresses."""

    home_links: Mapping[str, frozenset[str]] = field(default_factory=dict)
    addresses: Mapping[str, frozenset[Addr]] = field(default_factory=dict)
    no_mobility: frozenset[str] = frozenset()  # nodes that recognise no Mobile IPv6 option
    homes: Mapping[str, frozenset[Addr]] = field(
        default_factory=dict
    )  # each mobile node's home addresses


@dataclass
class _Registration:
    home: Addr
    seq: int
    lifetime: int
    sent_at: int
    acked_at: int | None = None


def _tx(r: LogRecord) -> IPv6Packet | None:
    return r.event.packet if r.kind is Kind.TX and isinstance(r.event, Transmit) else None


def return_home_deregistration(
    records: Sequence[LogRecord], facts: RunFacts, deadlines: Deadlines, config: Config
) -> list[Violation]:
    """MN-RETURN-HOME (§9.13), the de-registration: after attaching to a home link while a home
    registration of its home address is in force, the node sends a Binding Update with H set asking
    for deletion. A §9.6 binding at a previous router (H set, an old care-of address as the "home")
    is not one: it ends with its own Lifetime."""
    ob = obligation("MN-RETURN-HOME")
    assert ob.bound is not None
    bound = ob.bound.ms(config, deadlines)
    end = records[-1].time if records else 0
    regs: dict[tuple[str, Addr], _Registration] = {}
    due: list[tuple[int, str, Addr, int]] = []  # (attached at, node, home, log step)
    deregs: dict[str, list[tuple[int, Addr]]] = {}
    left: dict[str, list[int]] = {}  # node -> times it detached from a home link
    for r in records:
        pkt = _tx(r)
        if pkt is not None and r.node is not None:
            got = bu_of(pkt)
            if got is not None and got[0].h:
                bu, home = got
                if home not in facts.homes.get(r.node, frozenset((home,))):
                    continue  # §9.6: a previous router's binding for an old care-of address
                coa = bu.care_of if bu.care_of is not None else pkt.src
                if bu.lifetime == 0 or coa == home:
                    deregs.setdefault(r.node, []).append((r.time, home))
                    regs.pop((r.node, home), None)
                else:
                    regs[(r.node, home)] = _Registration(home, bu.seq, bu.lifetime, r.time)
        elif r.kind is Kind.RX and isinstance(r.event, IPv6Packet) and r.node is not None:
            ba = ba_of(r.event)
            if ba is not None and status_accepts(PY, ba.status):
                for (n, _h), reg in regs.items():
                    if n == r.node and reg.seq == ba.seq and reg.acked_at is None:
                        reg.acked_at = r.time
                        reg.lifetime = min(reg.lifetime, ba.lifetime)
        elif r.kind is Kind.MOVE and r.node is not None and "detached from" in r.detail:
            if r.link in facts.home_links.get(r.node, frozenset()):
                left.setdefault(r.node, []).append(r.time)
        elif r.kind is Kind.MOVE and r.node is not None and "attached to" in r.detail:
            if r.link not in facts.home_links.get(r.node, frozenset()):
                continue
            for (n, home), reg in regs.items():
                if n != r.node or reg.acked_at is None:
                    continue
                if ran_out(PY, reg.acked_at, reg.lifetime, r.time):
                    continue  # no registration left to end
                due.append((r.time, n, home, r.seq))
    out: list[Violation] = []
    for t, node, home, step in due:
        if t + bound > end:
            continue  # the run ended before the bound
        if any(t <= tt <= t + bound and h == home for tt, h in deregs.get(node, [])):
            continue
        if any(t <= tt < t + bound for tt in left.get(node, [])):
            continue  # it left the home link again first (a move, §9.2): it registers from there
        out.append(
            violation(
                "MN-RETURN-HOME",
                node,
                t,
                f"{node} attached to its home link with the home registration of {fmt(home)} in "
                f"force, but sent no de-registration (H, care-of address = home address) within "
                f"{bound} ms",
                step,
            )
        )
    return out


@dataclass
class _Held:
    coa: Addr
    granted_at: int
    lifetime: int


def _same(a: IPv6Packet, b: object) -> bool:
    """`b` is the packet `a` (addresses, headers and upper layer; the Hop Limit may have dropped)."""
    return (
        isinstance(b, IPv6Packet)
        and a.src == b.src
        and a.dst == b.dst
        and a.headers == b.headers
        and a.payload == b.payload
    )


class _Resolution:
    """RFC 2461 §7.2.2 as the log shows it: each node's multicast solicitations and the
    advertisements it received, to tell how long a packet it sent may wait for address resolution."""

    def __init__(self, records: Sequence[LogRecord]) -> None:
        self.solicited: dict[str, list[tuple[int, Addr]]] = {}  # node -> (ms, target)
        self.resolved: dict[str, list[tuple[int, Addr]]] = {}  # node -> (ms, target) answered
        for r in records:
            ev = r.event
            if r.node is None:
                continue
            if r.kind is Kind.RX and isinstance(ev, IPv6Packet):
                if isinstance(ev.payload, NeighborAdvertisement):
                    self.resolved.setdefault(r.node, []).append((r.time, ev.payload.target))
                continue
            pkt = _tx(r)
            if pkt is not None and isinstance(pkt.payload, NeighborSolicitation):
                if is_multicast(pkt.dst) and any(pkt.src):  # resolution, not DAD or a probe
                    self.solicited.setdefault(r.node, []).append((r.time, pkt.payload.target))

    def due(self, node: str, target: Addr, t: int, bound: int, end: int) -> int | None:
        """By when a packet `node` owed at `t` (within `bound`) toward `target` must be on the wire:
        while `node` resolves `target` the packet waits in its queue until an advertisement answers
        (then `bound` more), and is discarded (None) when the attempt's solicitations all go
        unanswered; past the run's `end` when the run ended while it waited."""
        attempt = min(
            (
                tt
                for tt, tg in self.solicited.get(node, [])
                if tg == target and t - RESOLUTION_MS <= tt <= t + bound
            ),
            default=None,
        )
        if attempt is None:
            return t + bound
        answer = min(
            (
                tt
                for tt, tg in self.resolved.get(node, [])
                if tg == target and attempt <= tt <= attempt + RESOLUTION_MS
            ),
            default=None,
        )
        if answer is not None:
            return max(t + bound, answer + bound)
        return None if attempt + RESOLUTION_MS <= end else end + 1


def ha_tunnel(
    records: Sequence[LogRecord], facts: RunFacts, deadlines: Deadlines, config: Config
) -> list[Violation]:
    """HA-TUNNEL (§8.4): each packet a node receives for a home address it holds an unexpired home
    registration for is tunnelled within the bound, outer source its own, outer destination the
    registered care-of address; while its solicitations resolve the care-of address the tunnel may
    wait for them, and it is lost with them when no advertisement answers (RFC 2461 §7.2.2)."""
    ob = obligation("HA-TUNNEL")
    assert ob.bound is not None
    bound = ob.bound.ms(config, deadlines)
    end = records[-1].time if records else 0
    held: dict[tuple[str, Addr], _Held] = {}
    pending: list[tuple[int, str, IPv6Packet, _Held, int]] = []
    sent: dict[str, list[tuple[int, IPv6Packet, int]]] = {}
    resolution = _Resolution(records)
    for r in records:
        ev = r.event
        if isinstance(ev, CacheUpdated):
            if ev.home_reg:
                held[(ev.node, ev.home)] = _Held(ev.coa, r.time, ev.lifetime)
            else:
                held.pop((ev.node, ev.home), None)
        elif isinstance(ev, CacheDeleted):
            held.pop((ev.node, ev.home), None)
        elif r.kind is Kind.RX and isinstance(ev, IPv6Packet) and r.node is not None:
            h = held.get((r.node, ev.dst))
            if (
                h is None
                or ran_out(PY, h.granted_at, h.lifetime, r.time)
                or ev.hop_limit <= 1
                or is_multicast(ev.src)
                or isinstance(ev.payload, _ND)
            ):
                continue
            pending.append((r.time, r.node, ev, h, r.seq))
        pkt = _tx(r)
        if pkt is not None and r.node is not None and isinstance(pkt.payload, IPv6Packet):
            sent.setdefault(r.node, []).append((r.time, pkt, r.seq))
    out: list[Violation] = []
    used: set[int] = set()  # tunnels already matched to an intercepted packet
    for t, node, inner, h, step in pending:
        due = resolution.due(node, h.coa, t, bound, end)
        if due is None:
            continue  # resolution failed: the queued tunnel was discarded (a lost frame)
        if due > end:
            continue
        # each tunnel carries one packet: identical packets (a flow repeating its payload) take
        # the tunnels in turn, so a later one's tunnel is not taken for this one's
        tunnels = [
            (p, sq)
            for tt, p, sq in sent.get(node, [])
            if t <= tt <= due and sq not in used and _same(inner, p.payload)
        ]
        mine = facts.addresses.get(node, frozenset())
        if not tunnels:
            out.append(
                violation(
                    "HA-TUNNEL",
                    node,
                    t,
                    f"a packet from {fmt(inner.src)} for {fmt(inner.dst)}, whose home registration "
                    f"{node} holds (care-of {fmt(h.coa)}), was not tunnelled within {due - t} ms",
                    step,
                )
            )
            continue
        # the one sent where this packet's registration pointed, if any (a tunnel held for address
        # resolution may leave after a later packet's, RFC 2461 §7.2.2)
        p, first = next(((q, sq) for q, sq in tunnels if q.dst == h.coa), tunnels[0])
        used.add(first)
        wrong = []
        if mine and p.src not in mine:
            wrong.append(f"outer source {fmt(p.src)} is not an address of {node}")
        if p.dst != h.coa:
            wrong.append(f"outer destination {fmt(p.dst)} is not the care-of address {fmt(h.coa)}")
        if wrong:
            out.append(
                violation(
                    "HA-TUNNEL",
                    node,
                    t,
                    f"tunnelled a packet for {fmt(inner.dst)}: " + "; ".join(wrong),
                    step,
                )
            )
    return out


def _eleven_options(pkt: IPv6Packet) -> list[int]:
    """Types of the packet's Destination options whose two high-order bits are 11 (§5.1, §5.4)."""
    types = [
        int(getattr(o, "opt_type", 0))
        for h in pkt.headers
        if isinstance(h, DestOptions)
        for o in h.options
    ]
    return [t for t in types if t >> 6 == 3]


def _errors(pkt: IPv6Packet) -> bool:
    return isinstance(pkt.payload, ICMP_ERRORS)


def parameter_problem(
    records: Sequence[LogRecord], facts: RunFacts, deadlines: Deadlines, config: Config
) -> list[Violation]:
    """W-UNKNOWN-OPT-11X: the Parameter Problem code 2 a node without Mobile IPv6 owes the source."""
    ob = obligation("W-UNKNOWN-OPT-11X")
    assert ob.bound is not None
    bound = ob.bound.ms(config, deadlines)
    end = records[-1].time if records else 0
    due: list[tuple[int, str, IPv6Packet, int]] = []
    errors: dict[str, list[tuple[int, IPv6Packet]]] = {}
    for r in records:
        pkt = _tx(r)
        if pkt is not None and r.node is not None and _errors(pkt):
            errors.setdefault(r.node, []).append((r.time, pkt))
        ev = r.event
        if (
            r.kind is Kind.RX
            and isinstance(ev, IPv6Packet)
            and r.node in facts.no_mobility
            and ev.dst in facts.addresses.get(r.node, frozenset())
            and not is_multicast(ev.dst)
            and _eleven_options(ev)
        ):
            due.append((r.time, r.node, ev, r.seq))
    out: list[Violation] = []
    for t, node, pkt, step in due:
        if t + bound > end:
            continue
        sent = errors.get(node, [])
        # the Pointer designates the first option it cannot recognise (IPv6 §4.2, RFC 2463 §3.4)
        want = option_offset(encode_packet(pkt), _eleven_options(pkt)[0])
        answers = [
            e.payload.pointer
            for tt, e in sent
            if t <= tt <= t + bound
            and isinstance(e.payload, ParamProblem)
            and e.payload.code == 2
            and e.dst == pkt.src
        ]
        if want in answers:
            continue
        types = ", ".join(str(x) for x in _eleven_options(pkt))
        if answers:
            out.append(
                violation(
                    "W-UNKNOWN-OPT-11X",
                    node,
                    t,
                    f"{node} received option type {types} (high bits 11) from {fmt(pkt.src)} and "
                    f"sent Parameter Problem code 2 with Pointer {sorted(set(answers))}, not {want}"
                    " (the option's Option Type octet)",
                    step,
                )
            )
            continue
        if sum(t - 1000 < tt <= t for tt, _ in sent) >= deadlines.icmp_error_burst:
            continue  # RFC 2463 §2.4 (f): rate limited
        out.append(
            violation(
                "W-UNKNOWN-OPT-11X",
                node,
                t,
                f"{node} recognises no Mobile IPv6 option, received option type {types} (high bits "
                f"11) from {fmt(pkt.src)}, and sent no ICMP Parameter Problem code 2 within "
                f"{bound} ms",
                step,
            )
        )
    return out


def binding_ack(
    records: Sequence[LogRecord], facts: RunFacts, deadlines: Deadlines, config: Config
) -> list[Violation]:
    """BC-BA-ON-A: a processed Binding Update with A set draws a Binding Acknowledgement (its seq),
    sent toward the update's source; while the node resolves that address the answer may wait for
    it, and is lost with it when no advertisement answers (RFC 2461 §7.2.2)."""
    ob = obligation("BC-BA-ON-A")
    assert ob.bound is not None
    bound = ob.bound.ms(config, deadlines)
    end = records[-1].time if records else 0
    received: dict[tuple[str, int, Addr, int], IPv6Packet] = {}  # (node, time, home, seq)
    due: list[tuple[int, str, Addr, int, int, Addr]] = []  # ..., where the answer goes (§5.2)
    acks: dict[str, list[tuple[int, int]]] = {}
    dropped: set[tuple[str, int]] = set()
    lost: dict[str, list[int]] = {}
    resolution = _Resolution(records)
    for r in records:
        ev = r.event
        if r.kind is Kind.RX and isinstance(ev, IPv6Packet) and r.node is not None:
            got = bu_of(ev)
            if got is not None and got[0].a:
                received[(r.node, r.time, got[1], got[0].seq)] = ev
        elif isinstance(ev, BindingProcessed):
            bu_pkt = received.get((ev.node, r.time, ev.home, ev.seq))
            if bu_pkt is not None:
                due.append((r.time, ev.node, ev.home, ev.seq, r.seq, bu_pkt.src))
        elif isinstance(ev, Dropped):
            dropped.add((ev.node, r.time))
        elif r.kind is Kind.LOST and r.node is not None:
            lost.setdefault(r.node, []).append(r.time)
        pkt = _tx(r)
        if pkt is not None and r.node is not None:
            ba = ba_of(pkt)
            if ba is not None:
                acks.setdefault(r.node, []).append((r.time, ba.seq))
    out: list[Violation] = []
    for t, node, home, seq, step, to in due:
        by = resolution.due(node, to, t, bound, end)
        if by is None or by > end or (node, t) in dropped:
            continue  # resolution of its destination failed, the run ended first, or no route
        if any(t <= tt <= by for tt in lost.get(node, [])):
            continue  # a frame of the node was lost meanwhile (the answer may wait on ND that was)
        if any(t <= tt <= by and s == seq for tt, s in acks.get(node, [])):
            continue
        out.append(
            violation(
                "BC-BA-ON-A",
                node,
                t,
                f"{node} processed the Binding Update {seq} for {fmt(home)} with the A bit set but "
                f"sent no Binding Acknowledgement within {by - t} ms",
                step,
            )
        )
    return out


def use_after_expiry(
    records: Sequence[LogRecord], facts: RunFacts, deadlines: Deadlines, config: Config
) -> list[Violation]:
    """BC-EXPIRE: no packet a node originates is routed (Routing header via the care-of address) by a
    binding whose granted lifetime ran out, or that it deleted, unless granted again since."""
    grants: dict[tuple[str, Addr], tuple[_Held, bool]] = {}  # (node, home) -> (grant, deleted)
    late = deadlines.expiry_tolerance
    out: list[Violation] = []
    for r in records:
        ev = r.event
        if isinstance(ev, CacheUpdated):
            grants[(ev.node, ev.home)] = (_Held(ev.coa, r.time, ev.lifetime), False)
        elif isinstance(ev, CacheDeleted) and (ev.node, ev.home) in grants:
            grants[(ev.node, ev.home)] = (grants[(ev.node, ev.home)][0], True)
        pkt = _tx(r)
        if pkt is None or r.node is None or ba_of(pkt) is not None:
            continue  # a Binding Acknowledgement is routed by the Binding Update, not the cache (§7.5)
        if pkt.src not in facts.addresses.get(r.node, frozenset({pkt.src})):
            continue  # forwarded, not originated
        rh = next((h for h in pkt.headers if isinstance(h, Routing0)), None)
        if rh is None or rh.segments_left == 0 or not rh.addresses:
            continue
        home = rh.addresses[-1]
        got = grants.get((r.node, home))
        if got is None:
            continue
        held, deleted = got
        if pkt.dst != held.coa:
            continue
        if deleted or ran_out(PY, held.granted_at, held.lifetime, r.time - late):
            why = (
                "after deleting it"
                if deleted
                else f"{r.time - held.granted_at - held.lifetime * 1000} ms after the lifetime "
                f"granted ({held.lifetime} s at {held.granted_at / 1000:.3f} s) ran out"
            )
            out.append(
                violation(
                    "BC-EXPIRE",
                    r.node,
                    r.time,
                    f"{r.node} routed a packet for {fmt(home)} through care-of address "
                    f"{fmt(held.coa)} by its binding {why}",
                    r.seq,
                )
            )
    return out


__all__ = [
    "RunFacts",
    "binding_ack",
    "ha_tunnel",
    "parameter_problem",
    "return_home_deregistration",
    "use_after_expiry",
]
