"""Which packets reached their addressee: the run judges (simulate, the scenario corpus) and the
Hypothesis judge excuse a verdict resting on a packet that never arrived (or, sent, never left its
sender: no route, or its address resolution failed)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from mip6check.model.addr import fmt
from mip6check.model.codec.values import IPv6Packet, Routing0
from mip6check.model.net.log import Kind, LogRecord
from mip6check.model.roles.events import BindingUpdateSent, Dropped, Transmit
from mip6check.model.roles.nd import MAX_MULTICAST_SOLICIT, RETRANS_TIMER
from mip6check.properties.replay.facts import facts_of

RECEIPT_RULES = frozenset({"MN-ICMP-PP2-STOP"})
"""Rules on what a node does after it received a packet (§9.9: a Parameter Problem code 2): charged
only when that packet reached the node, not when a router still held it (or dropped it) because the
node had left the link it was addressed to."""

ACK_RULES = frozenset({"MN-BA-ACCEPTED", "MN-BA-REJECTED"})
"""Rules on what a mobile node does after a Binding Acknowledgement (§9.10: it stops retransmitting,
a rejection deletes the entry): charged only when that acknowledgement (the verdict's last related
packet) reached the node, not when a capture upstream saw it and a later hop lost it, held it in an
address-resolution queue that failed (RFC 2461 §7.2.2), or tunnelled it elsewhere."""

IGNORED_ACK_RULES = frozenset({"MN-BA-VALIDATE", "W-BA-MINLEN"})
"""Rules on the retransmission a mobile node still owes after an acknowledgement it must ignore
(§9.10, §9.7). Their verdicts name the update and the acknowledgement (related, in that order) but
rest on the acknowledgement alone: the update is owed again whether or not it reached its
destination, so its loss excuses nothing."""


def resting_on(v_property: str, related: tuple[int, ...]) -> tuple[int, ...]:
    """The related packets a verdict's premise needs to have arrived (the last one alone for
    IGNORED_ACK_RULES, all of them otherwise)."""
    return related[-1:] if v_property in IGNORED_ACK_RULES else related


ANSWER_RULES = frozenset({"MN-TUNNEL-TRIGGERS-BU", "MN-BR-ANSWER"})
"""Rules on the Binding Update a mobile node owes a packet it received (§9.5: a tunnelled packet,
§9.11: a Binding Request): in runs not charged when that packet reached no host (sent to a care-of
address the node had left); the Hypothesis judge leaves out verdicts on packets not arrived."""

UNSENT_RULES = frozenset(
    {"MN-TUNNEL-TRIGGERS-BU", "MN-BR-ANSWER", "MN-HOME-RETX", "MN-BA-VALIDATE", "W-BA-MINLEN"}
)
"""Rules on a Binding Update a mobile node owes (§9.4, §9.5, §9.11; §9.10: the retransmission still
owed after an acknowledgement it had to ignore). One it sent that never reached a link - its address
resolution failed (RFC 2461 §7.2.2: the link lost every solicitation), or it had just re-attached and
knew no router yet (§9.2; IPv6 §4: no route), or it left the link while the update waited for
resolution - was lost like a lost frame, and its absence is not charged."""

HELD_RULES = frozenset({"MN-RATE-LIMIT", "MN-SLOW-RATE", "MN-BACKOFF"})
"""Rules on the gap between a mobile node's Binding Updates (§9.7, §9.8). When the earlier one waited
in the node's own address-resolution queue (RFC 2461 §7.2.2) and had left before the node sent the
later one, the gap on the wire is shorter than the one the node kept by a wait it could not see;
replay's verdict is then left to the runtime monitor, which judges the same rule at the times the
node sent them. Two updates leaving that queue together (the later queued behind the earlier) stay
replay's."""

COUNTED_RULES = frozenset({"MN-HOME-RETX", "MN-BA-VALIDATE", "W-BA-MINLEN"})
"""Of UNSENT_RULES, those whose deadline depends on how many updates the node sent (§9.8: after
MAX_FAST_UPDATES consecutive ones with one care-of address a retransmission waits SLOW_UPDATE_RATE):
an earlier update that never left the node counts there though no capture shows it, so any such one
to that destination before the verdict excuses it (the runtime monitor judges the rule from the
node's own count)."""

QUEUE_DROPS = frozenset({"nd-unreachable", "nd-detached"})
"""Dropped reasons of packets a node's address-resolution queue held (RFC 2461 §7.2.2): resolution
failed, or the interface left its link."""
ROUTE_DROPS = frozenset({"no-route", "no-interface"})
"""Dropped reasons of a packet a node could not send at all, in the instant it sent it (IPv6 §4)."""
RESOLUTION_MS = MAX_MULTICAST_SOLICIT * RETRANS_TIMER  # how long a packet waits before it fails

OWN_BU_RULES = frozenset(
    {
        "MN-SEQ-INCREASE",
        "MN-RETX-SAME-SEQ",
        "MN-BACKOFF",
        "MN-CN-RETX-STOP",
        "MN-RATE-LIMIT",
        "MN-SLOW-RATE",
    }
)
"""Rules judging a mobile node's Binding Update against its earlier ones (§5.1, §9.5, §9.7, §9.8): a
copy someone else put on a link (forged or replayed, §4.2) is none of the node's, and a verdict
comparing with one is not the node's conduct."""


def packet_key(pkt: IPv6Packet) -> object:
    """What identifies a packet across hops: source, headers other than Routing, and payload (the hop
    limit and a Routing header's swap change on the way)."""
    hs = tuple(h for h in pkt.headers if not isinstance(h, Routing0))
    return (pkt.src, hs, pkt.payload)


_Key = tuple[str, bytes, bytes, int]  # (node, home address, destination, Sequence Number)


class SenderQueue:
    """The Binding Updates each mobile node sent (its `BindingUpdateSent` events), against the frames
    that carried them: which left later than sent (held by its address resolution, RFC 2461 §7.2.2)
    and which never left it (dropped there, or for lack of a route, IPv6 §4). Fed log records in
    order."""

    def __init__(self) -> None:
        self._sent: dict[_Key, deque[int]] = {}  # sent, not yet on a link: times (ms)
        self._dropped: dict[_Key, deque[int]] = {}  # dropped by failed address resolution
        self.held: set[int] = set()  # capture frames (1-based) of updates that left late
        self.sent_at: dict[int, int] = {}  # capture frame of an update -> when its node sent it
        self.frame_time: dict[int, int] = {}  # capture frame (1-based) -> time put on a link
        self.frame_addrs: dict[int, frozenset[bytes]] = {}  # capture frame -> its addresses

    def feed(self, r: LogRecord) -> None:
        """Take one log record into account."""
        ev = r.event
        if r.kind is Kind.EVENT and isinstance(ev, BindingUpdateSent):
            key = (ev.node, ev.home, ev.destination, ev.seq)
            if key in self._sent or len(self._sent) < 4096:
                self._sent.setdefault(key, deque(maxlen=64)).append(r.time)
        elif (
            r.kind is Kind.EVENT
            and isinstance(ev, Dropped)
            and ev.reason in QUEUE_DROPS | ROUTE_DROPS
        ):
            # a queue held it at most its solicitations' time (an older update still unsent was
            # replaced there by a newer one, not lost); a route failure drops it the instant it is sent
            since = r.time - RESOLUTION_MS if ev.reason in QUEUE_DROPS else r.time
            for key in [k for k in self._sent if k[0] == ev.node]:
                recent = [t for t in self._sent.pop(key) if t >= since]
                if recent:
                    self._dropped.setdefault(key, deque(maxlen=64)).extend(recent)
                if len(self._dropped) > 4096:
                    self._dropped.pop(next(iter(self._dropped)))
        elif (
            r.kind is Kind.TX
            and isinstance(ev, Transmit)
            and r.frame is not None
            and r.node is not None
        ):
            self._transmitted(r.node, r.frame + 1, r.time, ev.packet)

    def _transmitted(self, node: str, frame: int, t: int, pkt: IPv6Packet) -> None:
        if len(self.frame_time) > 8192:
            old = next(iter(self.frame_time))
            self.frame_time.pop(old)
            self.frame_addrs.pop(old, None)
        self.frame_time[frame] = t
        f = facts_of(pkt)
        addrs = {f.src, f.final_dst}
        if f.inner is not None:
            fi = facts_of(f.inner)
            addrs |= {fi.src, fi.final_dst}
        self.frame_addrs[frame] = frozenset(addrs)
        if f.bu is None:
            return
        home = f.hao.home_address if f.hao is not None else f.src
        key = (node, home, f.final_dst, f.bu.seq)
        for table in (self._sent, self._dropped):
            q = table.get(key)
            if q:
                sent = q.popleft()
                if sent < t:
                    self.held.add(frame)
                self.sent_at[frame] = sent
                if len(self.sent_at) > 8192:
                    self.sent_at.pop(next(iter(self.sent_at)))
                if not q:
                    del table[key]
                return

    def held_before(self, later: int | None, earlier: Iterable[int]) -> bool:
        """Did an earlier Binding Update (1-based frames) wait in its sender's address-resolution queue
        and leave before the node sent the `later` one? (Not when the later one was sent while the
        earlier still waited: the two then leave together, the node's own burst.)"""
        if later is None or later not in self.sent_at:
            return False
        sent = self.sent_at[later]
        return any(f in self.held and self.frame_time.get(f, sent + 1) <= sent for f in earlier)

    def dropped_answer(
        self, home: str, frames: Iterable[int | None], until: int | None, counted: bool = False
    ) -> bool:
        """Did the mobile node with home address `home` (as a verdict names it) send a Binding Update
        to an address of one of these frames, at or after the first of them (`counted`: at any time
        before) and before `until` (the verdict's frame), that never left it?"""
        known = [f for f in frames if f is not None and f in self.frame_time]
        if not known:
            return False
        since = -1 if counted else min(self.frame_time[f] for f in known)
        end = self.frame_time.get(until) if until is not None else None
        peers: set[bytes] = set()
        for f in known:
            peers |= self.frame_addrs.get(f, frozenset())
        return any(
            fmt(h) == home
            and dst in peers
            and any(since <= t and (end is None or t <= end) for t in q)
            for (_n, h, dst, _s), q in self._dropped.items()
        )


__all__ = [
    "ANSWER_RULES",
    "COUNTED_RULES",
    "HELD_RULES",
    "OWN_BU_RULES",
    "RECEIPT_RULES",
    "ACK_RULES",
    "IGNORED_ACK_RULES",
    "resting_on",
    "SenderQueue",
    "UNSENT_RULES",
    "packet_key",
]
