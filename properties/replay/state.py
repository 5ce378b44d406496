"""Per-flow and per-node knowledge kept by the replay observers (§4.3, §9.5: what each side must hold).

A *flow* is one (home address, destination) pair: the mobile node's Binding Update List entry for that
destination (§4.3, C16 key) seen from its Binding Updates, and the destination's Binding Cache entry for
that home address, known only as far as the capture reveals it (an acknowledgement, or the node routing
by it). Unknown stays unknown: `known` is "unknown" until evidence arrives.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from mip6check.model.addr import Addr


@dataclass(frozen=True, slots=True)
class SeenBU:
    """One observed Binding Update (§5.1) with the §7.2 facts the receiver would test."""

    index: int
    t: int  # ms
    src: Addr
    dst: Addr
    home: Addr
    coa: Addr
    seq: int
    lifetime: int
    a: bool
    h: bool
    id_length: int
    auth: bool
    has_hao: bool
    length_ok: bool


@dataclass(frozen=True, slots=True)
class SeenBA:
    """One observed Binding Acknowledgement (§5.2); `outcome` is the spec's BAAction as §9.10 judges it."""

    index: int
    t: int
    seq: int
    status: int
    outcome: int


class Flow:
    """What is known about one (home address, destination) pair."""

    __slots__ = (
        "home",
        "dst",
        "bus",
        "bas",
        "chain_first",
        "copies",
        "interval",
        "exact",
        "fast_count",
        "fast_max",
        "last_coa",
        "invalid_ba",
        "pp2",
        "gap",
        "known",
        "k_seq",
        "k_coa",
        "k_home_reg",
        "k_expiry",
        "k_bu",
        "k_ba",
        "effect",
        "prev_bind",
        "unreach",
        "unacked",
    )

    def __init__(self, home: Addr, dst: Addr) -> None:
        self.home = home
        self.dst = dst
        self.bus: deque[SeenBU] = deque(maxlen=16)  # observed BUs, capture order
        self.bas: deque[SeenBA] = deque(maxlen=8)
        # mobile node side (§9.7, §9.8): the current retransmission chain
        self.chain_first: SeenBU | None = None
        self.copies = 0
        self.interval = 0  # lower bound of the current retransmission timeout (ms)
        self.exact = False  # the whole chain was seen, so `interval` is exact
        self.fast_count = 0  # lower bound of consecutive BUs with the same care-of address
        self.fast_max = 0  # upper bound of the same, counting updates the capture may have missed
        self.last_coa: Addr | None = None
        self.invalid_ba: int | None = None  # a BA the MN had to ignore since the last BU (§9.10)
        self.pp2: int | None = None  # ICMP Parameter Problem code 2 for a BU (§9.9)
        self.gap = False  # the capture shows evidence of missing packets on this flow
        # receiver side (§4.3, §7.3-§7.7): "unknown" | "present" | "absent"
        self.known = "unknown"
        self.k_seq: int | None = None
        self.k_coa: Addr | None = None
        self.k_home_reg = False
        self.k_expiry: int | None = None  # ms; None = infinite
        self.k_bu: SeenBU | None = None  # the BU whose acceptance fixed this knowledge
        self.k_ba: int | None = None  # the BA packet that revealed it
        self.effect: int | None = None  # packet where the receiver was seen using the binding
        self.prev_bind: tuple[Addr, int] | None = None  # (care-of address, BA index) superseded
        self.unacked: list[int] = []  # BUs with A the receiver used without acknowledging (§7.5)
        self.unreach: list[int] = []  # ICMP Destination Unreachable for packets routed by it (§7.8)

    def last_bu(self) -> SeenBU | None:
        return self.bus[-1] if self.bus else None

    def last_mn_bu(self) -> SeenBU | None:
        """The last BU that passed the authentication test: the mobile node's own (a BU failing it
        may be a forgery, so the mobile node's rules never judge it)."""
        for b in reversed(self.bus):
            if b.auth:
                return b
        return None

    def bu_with_seq(self, seq: int) -> SeenBU | None:
        for b in reversed(self.bus):
            if b.seq == seq:
                return b
        return None

    def first_sent(self, bu: SeenBU) -> int:
        """When the first kept copy of `bu` (same Sequence Number and care-of address: it and its §9.7
        retransmissions) was seen; the receiver may have acted on that one."""
        return min((b.t for b in self.bus if b.seq == bu.seq and b.coa == bu.coa), default=bu.t)

    def ba_for(self, seq: int, since: int) -> SeenBA | None:
        for a in reversed(self.bas):
            if a.seq == seq and a.t >= since:
                return a
        return None


class Obligation:
    """Something a node should do by `deadline` (ms); judged at that node's first packet after it."""

    __slots__ = ("kind", "deadline", "flow", "origin", "related", "done", "extra")

    def __init__(
        self,
        kind: str,
        deadline: int,
        flow: Flow | None,
        origin: int,
        related: tuple[int, ...],
        extra: Addr | None = None,
    ) -> None:
        self.kind = kind
        self.deadline = deadline
        self.flow = flow
        self.origin = origin
        self.related = related
        self.done = False
        self.extra = extra
