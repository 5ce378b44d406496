"""Static routing table with longest-prefix match, and the Type 0 Routing header step (V6 §4.4).

The Routing header step is a pure function so the node, tests and replay share one reading of
wire-formats.md §4.2.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from mip6check.model.addr import Addr, Prefix, is_multicast
from mip6check.model.codec.values import Routing0


@dataclass(frozen=True, slots=True)
class Route:
    """`next_hop` None: the prefix is on-link on `iface` (the destination itself is the next hop)."""

    prefix: Prefix
    iface: str
    next_hop: Addr | None = None


class RoutingTable:
    """Routes kept sorted longest prefix first; the first match wins (ties: insertion order)."""

    def __init__(self) -> None:
        self._routes: list[Route] = []

    def add(self, route: Route) -> None:
        self._routes.append(route)
        self._routes.sort(key=lambda r: -r.prefix.length)

    def remove_iface(self, iface: str) -> None:
        self._routes = [r for r in self._routes if r.iface != iface]

    def lookup(self, dst: Addr, usable: frozenset[str] | set[str] | None = None) -> Route | None:
        for r in self._routes:
            if (usable is None or r.iface in usable) and r.prefix.contains(dst):
                return r
        return None

    def routes(self) -> tuple[Route, ...]:
        return tuple(self._routes)


class RhVerdict(Enum):
    """Outcome of one Type 0 Routing header step (wire-formats.md §4.2)."""

    NEXT_HEADER = "next-header"  # Segments Left 0: process the next header
    PARAM_HDR_EXT_LEN = "param-hdr-ext-len"  # ICMP Parameter Problem code 0 -> Hdr Ext Len
    PARAM_SEGMENTS_LEFT = "param-segments-left"  # ICMP Parameter Problem code 0 -> Segments Left
    MULTICAST = "multicast"  # drop: next address or destination is multicast
    FORWARD = "forward"  # swapped: resubmit with the new destination


@dataclass(frozen=True, slots=True)
class RhStep:
    verdict: RhVerdict
    header: Routing0 | None = None  # the updated header (FORWARD)
    new_dst: Addr | None = None
    strict: bool = False  # the strict bit for this hop (next hop must be a neighbor)


def rh0_step(rh: Routing0, dst: Addr) -> RhStep:
    """One pass of V6 §4.4 for a node that is the current destination (hop limit is the caller's)."""
    if rh.segments_left == 0:
        return RhStep(RhVerdict.NEXT_HEADER)
    n = len(rh.addresses)
    if n > 23:  # Hdr Ext Len = 2n > 46
        return RhStep(RhVerdict.PARAM_HDR_EXT_LEN)
    if rh.segments_left > n:
        return RhStep(RhVerdict.PARAM_SEGMENTS_LEFT)
    sl = rh.segments_left - 1
    i = n - sl  # 1-based index of the next address
    nxt = rh.addresses[i - 1]
    if is_multicast(nxt) or is_multicast(dst):
        return RhStep(RhVerdict.MULTICAST)
    addrs = rh.addresses[: i - 1] + (dst,) + rh.addresses[i:]
    strict = bool((rh.bitmap >> (23 - (i - 1))) & 1) if i - 1 < 24 else False
    return RhStep(RhVerdict.FORWARD, Routing0(sl, addrs, rh.reserved, rh.bitmap), nxt, strict)


def rh0_final_form(rh: Routing0, dst: Addr) -> tuple[Routing0, Addr]:
    """The header and destination as the final node will see them (RFC 2402 §3.3.3.1: the AH ICV is
    computed over that form)."""
    n = len(rh.addresses)
    k = max(0, min(n, n - rh.segments_left))
    full = rh.addresses[:k] + (dst,) + rh.addresses[k:]
    return Routing0(0, full[:-1], rh.reserved, rh.bitmap), full[-1]
