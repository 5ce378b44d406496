"""Tunnels and their ICMP errors. MN-DECAP (§6): every mobile node decapsulates IPv6-in-IPv6, so one
answering a tunnelled packet with a Parameter Problem code 1 (Next Header 41 unrecognised) breaks it.

ICMP errors relayed by a tunnel entry point (§7.8, RFC 2473 §8): the home agent tunnelling an
intercepted packet (§8.4) or a previous default router tunnelling to a new care-of address (§9.6) gets
the ICMP errors the tunnelled packet causes, and MUST relay them to the packet's original sender, so a
correspondent learns of an unreachable mobile node (what BC-ICMP-UNREACH then acts on).

Judged for Destination Unreachable and Time Exceeded (RFC 2473 §8.2 answers both with an ICMP error to
the original source): the entry point owes the original sender an ICMP error within the answer bound.
Judged only when the capture saw the original packet on its way to the entry point (so it sees the
path a relay takes), at the entry point's first packet after the bound, and not when it had sent
`icmp_error_limit` ICMP errors in the second before (RFC 2463 §2.4 (f) lets it rate-limit). No relay is
owed for an error about an ICMP error (RFC 2463 §2.4 (e)).
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import ClassVar

from mip6check.model.addr import Addr, fmt, is_multicast
from mip6check.model.codec import invoking_packet
from mip6check.model.codec.values import (
    DestUnreachable,
    IPv6Packet,
    PacketTooBig,
    ParamProblem,
    TimeExceeded,
)
from mip6check.properties.replay.base import ObserverBase
from mip6check.properties.replay.facts import PacketFacts
from mip6check.properties.replay.options import ReplayOptions
from mip6check.properties.replay.sa import KeyRing
from mip6check.properties.spec import Deadlines, obligation

ERRORS = (DestUnreachable, TimeExceeded, PacketTooBig, ParamProblem)
RELAYED = (DestUnreachable, TimeExceeded)
SEEN_WINDOW = 10_000  # ms: how recent the capture's sighting of the original packet must be


@dataclass(frozen=True, slots=True)
class _Owed:
    """A relay an entry point owes: to whom, since which error, until when."""

    entry: Addr
    sender: Addr
    target: Addr  # the original packet's destination (the mobile node's home address)
    error: int  # packet index of the error
    deadline: int  # ms


class TunnelErrors(ObserverBase):
    """BC-TUNNEL-ICMP-RELAY and MN-DECAP, judged at each outermost packet."""

    JUDGES: ClassVar[tuple[str, ...]] = ("BC-TUNNEL-ICMP-RELAY", "MN-DECAP")
    """The catalog rows this family's judges flag (checked.py declares their union to the spec)."""
    COUNTS: ClassVar[tuple[str, ...]] = ("BC-TUNNEL-ICMP-RELAY",)
    """Counted: each ICMP error about a packet an entry point tunnelled (a relay owed)."""

    def __init__(self, opts: ReplayOptions, keys: KeyRing | None = None) -> None:
        super().__init__(opts, keys)
        self._native: OrderedDict[tuple[Addr, Addr], int] = OrderedDict()  # (src, dst) -> ms
        self._owed: list[_Owed] = []
        self._errors_sent: dict[Addr, deque[int]] = {}  # node -> times of its ICMP errors (ms)
        bound = obligation("BC-TUNNEL-ICMP-RELAY").bound
        assert bound is not None
        self._relay_ms = bound.ms(self.cfg, Deadlines(answer_timeout=opts.answer_timeout))
        self._burst = self.cfg.icmp_error_limit  # --icmp-error-limit

    def _tunnel_errors(self, f: PacketFacts) -> None:
        """Observe one outermost packet."""
        up = f.upper
        if self._owed:
            self._settle(f, up)
        if isinstance(up, ERRORS):
            times = self._errors_sent.setdefault(f.src, deque(maxlen=self._burst + 1))
            times.append(self._t)
            if isinstance(up, RELAYED):
                self._error_for_tunnel(f, up)
            elif isinstance(up, ParamProblem) and up.code == 1:
                self._refused_tunnel(f, up)
        elif f.inner is None and (f.final_dst in self.homes or f.final_dst in self.coa_home):
            # a packet for a mobile node on its way: what a home agent (§8.4) or a previous
            # router (§9.6) may tunnel
            key = (f.src, f.final_dst)
            self._native[key] = self._t
            self._native.move_to_end(key)
            while len(self._native) > self.o.limits.recent_packets:
                self._native.popitem(last=False)

    def _error_for_tunnel(self, f: PacketFacts, up: DestUnreachable | TimeExceeded) -> None:
        outer, _ = invoking_packet(up.invoking, self.cfg.profile)
        if outer is None or not isinstance(outer.payload, IPv6Packet) or f.dst != outer.src:
            return
        inner = outer.payload
        entry, sender = outer.src, inner.src
        if (
            sender == entry
            or is_multicast(sender)
            or sender == bytes(16)
            or isinstance(inner.payload, ERRORS)
        ):
            return
        seen = self._native.get((sender, inner.dst))
        if seen is None or self._t - seen > SEEN_WINDOW:
            return
        self._saw("BC-TUNNEL-ICMP-RELAY")
        if len(self._owed) < 4096:
            self._owed.append(
                _Owed(entry, sender, inner.dst, self._index, self._t + self._relay_ms)
            )

    def _refused_tunnel(self, f: PacketFacts, up: ParamProblem) -> None:
        """§6 (MN-DECAP): a mobile node answering a packet tunnelled to it with "unrecognised Next
        Header" did not decapsulate it."""
        node = self.coa_home.get(f.src, f.src)
        if node not in self.homes:
            return
        outer, _ = invoking_packet(up.invoking, self.cfg.profile)
        if outer is None or not isinstance(outer.payload, IPv6Packet) or outer.dst != f.src:
            return
        self._flag(
            "MN-DECAP",
            node,
            f"answered the IPv6-in-IPv6 packet from {fmt(outer.src)} to {fmt(f.src)} with a "
            "Parameter Problem code 1 (Next Header unrecognised): every mobile node decapsulates",
            section="6",
        )

    def _settle(self, f: PacketFacts, up: object) -> None:
        keep: list[_Owed] = []
        src = self.alias.get(f.src, f.src)  # the entry point may relay from another address
        for o in self._owed:
            entry = self.alias.get(o.entry, o.entry)
            if src == entry and isinstance(up, ERRORS) and f.dst == o.sender:
                continue  # relayed
            if src == entry and self._t > o.deadline + self.tol:
                if not self._rate_limited(o):
                    self._flag(
                        "BC-TUNNEL-ICMP-RELAY",
                        o.entry,
                        f"the ICMP error in packet {o.error} about a packet {fmt(o.entry)} tunnelled "
                        f"for {fmt(o.target)} was not relayed to its original sender "
                        f"{fmt(o.sender)} within {self._relay_ms / 1000:g} s (RFC 2473 §8), though "
                        f"{fmt(o.entry)} kept sending",
                        (o.error,),
                        key=o.error,
                    )
                continue
            keep.append(o)
        self._owed = keep

    def _rate_limited(self, o: _Owed) -> bool:
        """RFC 2463 §2.4 (f): the entry point sent `icmp_error_limit` errors within a second."""
        times = self._errors_sent.get(o.entry, ())
        start = o.deadline - self._relay_ms - 1_000
        return sum(1 for t in times if start <= t <= o.deadline) >= self._burst


__all__ = ["TunnelErrors"]
