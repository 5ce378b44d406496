"""Neighbor cache (RFC 2461 §7.3, the draft's reference for ND): address resolution state per interface.

Small on purpose: INCOMPLETE entries queue packets and retransmit Neighbor Solicitations until they give
up; complete entries are REACHABLE (from a solicited advertisement) or STALE (learned unsolicited).
Neighbor Unreachability Detection is not modelled (the draft's §9.2 movement detection is fed by RAs).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from mip6check.model.addr import Addr
from mip6check.model.codec.values import (
    BindingUpdate,
    DestOptions,
    HomeAddress,
    IPv6Packet,
    NoNextHeader,
)

RETRANS_TIMER = 1_000  # RFC 2461 §10 RetransTimer (ms)
MAX_MULTICAST_SOLICIT = 3  # RFC 2461 §10
MAX_QUEUE = 16  # packets held per INCOMPLETE entry (RFC 2461 §7.2.2: "at least one")


class NState(Enum):
    INCOMPLETE = "incomplete"
    REACHABLE = "reachable"
    STALE = "stale"


@dataclass(slots=True)
class NEntry:
    """One neighbor (mutable: owned by the cache only)."""

    state: NState
    lla: bytes | None = None
    is_router: bool = False
    queue: list[IPv6Packet] = field(default_factory=list)
    solicits: int = 0
    next_retx: int | None = None


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a cache update releases: the link-layer address and the packets that waited for it."""

    lla: bytes
    packets: tuple[IPv6Packet, ...]


def _update_of(p: IPv6Packet) -> tuple[BindingUpdate, Addr] | None:
    """(Binding Update, home address) of a packet that carries only a Binding Update (no upper layer)."""
    if not isinstance(p.payload, NoNextHeader):
        return None
    bu: BindingUpdate | None = None
    home = p.src
    for h in p.headers:
        if isinstance(h, DestOptions):
            for o in h.options:
                if isinstance(o, BindingUpdate):
                    bu = o
                elif isinstance(o, HomeAddress):
                    home = o.home_address
    return (bu, home) if bu is not None else None


def supersedes(new: IPv6Packet, old: IPv6Packet) -> bool:
    """Is `new` a later Binding Update (another Sequence Number) for the binding `old` updates: same
    source, destination and home address, both packets nothing but the update (§9.5)?"""
    if new.src != old.src or new.dst != old.dst:
        return False
    a, b = _update_of(new), _update_of(old)
    return a is not None and b is not None and a[1] == b[1] and a[0].seq != b[0].seq


class NeighborCache:
    """(iface, address) -> NEntry with the RFC 2461 §7.2.5 update rules (Override flag)."""

    def __init__(
        self, retrans: int = RETRANS_TIMER, max_solicit: int = MAX_MULTICAST_SOLICIT
    ) -> None:
        self.retrans = retrans
        self.max_solicit = max_solicit
        self._e: dict[tuple[str, Addr], NEntry] = {}
        self._pending: dict[tuple[str, Addr], NEntry] = {}  # INCOMPLETE entries (retransmitting)

    def get(self, iface: str, addr: Addr) -> NEntry | None:
        return self._e.get((iface, addr))

    def lla_of(self, iface: str, addr: Addr) -> bytes | None:
        e = self._e.get((iface, addr))
        return e.lla if e is not None else None

    def start(self, iface: str, addr: Addr, packet: IPv6Packet | None, now: int) -> NEntry:
        """Create an INCOMPLETE entry (first solicitation being sent now), or queue on an existing one."""
        e = self._e.get((iface, addr))
        if e is None:
            e = NEntry(NState.INCOMPLETE, solicits=1, next_retx=now + self.retrans)
            self._e[(iface, addr)] = e
            self._pending[(iface, addr)] = e
        if packet is not None and e.state is NState.INCOMPLETE:
            if packet in e.queue:
                # the same packet again (a Binding Update retransmitted, §9.7, while the first copy
                # still waits here): both would leave in one instant, two updates 0 s apart (§9.8)
                return e
            # a newer Binding Update for the same binding replaces one still waiting (§9.5: the list
            # entry already reflects it); both would leave in one instant, 0 s apart (§9.8)
            e.queue = [q for q in e.queue if not supersedes(packet, q)]
            if len(e.queue) >= MAX_QUEUE:
                e.queue.pop(0)  # §7.2.2: oldest packets are replaced first
            e.queue.append(packet)
        return e

    def learn(
        self,
        iface: str,
        addr: Addr,
        lla: bytes,
        *,
        solicited: bool,
        override: bool,
        is_router: bool | None = None,
    ) -> Resolution | None:
        """RFC 2461 §7.2.5 / §7.2.3: apply an NA (or an NS/RS/RA source LLA, solicited=False, override=True
        when the address changes only STALE). Returns queued packets released by an INCOMPLETE entry."""
        key = (iface, addr)
        e = self._e.get(key)
        if e is None:
            self._e[key] = NEntry(
                NState.REACHABLE if solicited else NState.STALE, lla=lla, is_router=bool(is_router)
            )
            return None
        if is_router is not None:
            e.is_router = is_router
        if e.state is NState.INCOMPLETE:
            e.lla = lla
            e.state = NState.REACHABLE if solicited else NState.STALE
            e.next_retx = None
            self._pending.pop(key, None)
            e.solicits = 0
            q, e.queue = tuple(e.queue), []
            return Resolution(lla, q)
        if lla != e.lla:
            if override:
                e.lla = lla
                e.state = NState.REACHABLE if solicited else NState.STALE
            elif solicited:
                e.state = (
                    NState.STALE
                )  # §7.2.5: O=0 with a different address: keep the old one, STALE
        elif solicited:
            e.state = NState.REACHABLE
        return None

    def due(self, now: int) -> list[tuple[str, Addr, NEntry]]:
        """INCOMPLETE entries whose retransmission time has come (the caller resends or gives up)."""
        return [
            (k[0], k[1], e)
            for k, e in self._pending.items()
            if e.next_retx is not None and e.next_retx <= now
        ]

    def retransmitted(self, e: NEntry, now: int) -> None:
        e.solicits += 1
        e.next_retx = now + self.retrans

    def remove(self, iface: str, addr: Addr) -> NEntry | None:
        self._pending.pop((iface, addr), None)
        return self._e.pop((iface, addr), None)

    def flush_iface(self, iface: str) -> list[NEntry]:
        gone = [k for k in self._e if k[0] == iface]
        for k in gone:
            self._pending.pop(k, None)
        return [self._e.pop(k) for k in gone]

    def next_deadline(self) -> int | None:
        if not self._pending:
            return None
        return min(e.next_retx for e in self._pending.values() if e.next_retx is not None)

    def entries(self) -> list[tuple[str, Addr, NEntry]]:
        return [(k[0], k[1], e) for k, e in self._e.items()]
