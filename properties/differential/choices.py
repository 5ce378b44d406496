"""The draft's free choices as the captured node made them (model.roles.choices.Choices filled
from the capture): Sequence Numbers, granted lifetimes and Refresh, whether to ask a correspondent
for an acknowledgement, whether to send Binding Requests (§7.6 MAY, nothing obliges one), how often
to repeat an NA (the most NAs for one target in one announcement). Whether to send a Binding Update at all keeps the model's policy: a node that did not is judged by the spec, and where the spec lets
both be, the divergence is classed as allowed, naming the choice."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from mip6check.model.addr import Addr
from mip6check.model.codec.values import (
    BindingAck,
    BindingRequest,
    BindingUpdate,
    NeighborAdvertisement,
)
from mip6check.model.roles.choices import DEFAULT_CHOICES, Choices
from mip6check.properties.differential.capture import Frame
from mip6check.properties.differential.kinds import final_destination, mip6_option
from mip6check.properties.differential.subjects import Subject

NA_BURST_GAP_MS = 2_000
"""Unsolicited NAs for one target this close are one announcement repeated (RFC 2461 §7.2.6:
MAX_NEIGHBOR_ADVERTISEMENT of them, RetransTimer, 1 s, apart); a later one is a new announcement
(the node returned home again, §9.13)."""


class CapturedChoices:
    """A `Choices` whose answers are the captured node's (module doc). What is one fact per
    destination or address is read in one walk of the capture; what is one per Binding Update or
    Acknowledgement (the steps between Sequence Numbers, granted Lifetimes and Refresh) is `feed`
    frame by frame as the engine's driver reads ahead, and taken as the model decides."""

    def __init__(self, subject: Subject, frames: Iterable[Frame]) -> None:
        self.subject = subject
        self.firsts: dict[Addr, int] = {}
        self.ack: dict[Addr, bool] = {}
        self.brs: set[Addr] = set()
        self.nas: dict[Addr, int] = {}
        self.has_ba = False
        bursts: dict[Addr, tuple[int | None, int]] = {}  # target -> (last NA, NAs in its burst)
        for f in frames:
            if not subject.sent(f):
                continue
            o = mip6_option(f.packet)
            if type(o) is BindingUpdate:
                dest = final_destination(f.packet)
                self.firsts.setdefault(dest, o.seq)
                if not o.h:
                    self.ack.setdefault(dest, o.a)
            elif type(o) is BindingAck and o.status < 128:
                self.has_ba = True
            elif type(o) is BindingRequest:
                self.brs |= {f.packet.dst, final_destination(f.packet)}
            up = f.packet.payload
            if type(up) is NeighborAdvertisement and not up.solicited:
                t, run = bursts.get(up.target, (None, 0))
                run = run + 1 if t is not None and f.time_ms - t <= NA_BURST_GAP_MS else 1
                bursts[up.target] = (f.time_ms, run)
                self.nas[up.target] = max(self.nas.get(up.target, 0), run)
        self.steps: dict[Addr, deque[int]] = {}
        self.last: dict[Addr, int] = {}
        self.granted: deque[int] = deque()
        self.refresh: deque[int] = deque()

    def feed(self, f: Frame) -> None:
        """A frame of the capture, in order, read ahead of the engine's clock."""
        if not self.subject.sent(f):
            return
        o = mip6_option(f.packet)
        if type(o) is BindingUpdate:
            dest = final_destination(f.packet)
            if dest in self.last and o.seq != self.last[dest]:
                self.steps.setdefault(dest, deque()).append((o.seq - self.last[dest]) % 65536)
            self.last[dest] = o.seq
        elif type(o) is BindingAck and o.status < 128:
            self.granted.append(o.lifetime)
            self.refresh.append(o.refresh)

    def choices(self) -> Choices:
        d = DEFAULT_CHOICES
        firsts, steps, granted, refresh = self.firsts, self.steps, self.granted, self.refresh
        ack, brs, nas = self.ack, self.brs, self.nas
        asked: list[Addr] = []  # the destination of the Binding Update being made
        started: set[Addr] = set()

        def initial_seq(rand: Callable[[int, int], int]) -> int:
            dest = asked[-1] if asked else None
            if dest is not None and dest in firsts and dest not in started:
                started.add(dest)
                return firsts[dest]
            return d.initial_seq(rand)

        def seq_step(dest: Addr) -> int:
            first = dest not in asked
            if first:
                asked.append(dest)
            else:
                asked.remove(dest)
                asked.append(dest)
            q = steps.get(dest)
            step = q.popleft() if q and not first else 0
            return (
                step if 0 < step < 1 << 15 else d.seq_step(dest)
            )  # §5.1: a step back is no choice

        def grant(requested: int, home_reg: bool) -> int:
            if granted:
                return min(granted.popleft(), requested)
            return d.grant_lifetime(requested, home_reg)

        def refresh_of(g: int, home_reg: bool) -> int:
            if not home_reg:  # §5.2: a correspondent's Refresh SHOULD equal the Lifetime
                return d.refresh(g, home_reg)
            return min(refresh.popleft(), g) if refresh else d.refresh(g, home_reg)

        return Choices(
            seq_step=seq_step,
            initial_seq=initial_seq,
            resume_seq=d.resume_seq,
            will_create=d.will_create,
            grant_lifetime=grant if self.has_ba else d.grant_lifetime,
            refresh=refresh_of if self.has_ba else d.refresh,
            send_br=lambda a: a in brs,  # §7.6 MAY, and nothing obliges it
            answer_br=d.answer_br,
            private_binding=d.private_binding,
            bu_to_cn=d.bu_to_cn,
            cn_ack=lambda a: ack.get(a, d.cn_ack(a)),
            prev_router_bu=d.prev_router_bu,
            na_rexmit=lambda t: max(nas.get(t, 1) - 1, 0),
            mcast_via_ha=d.mcast_via_ha,
            select_prefix=d.select_prefix,
            secondary_coa=d.secondary_coa,
            retry_rejected=d.retry_rejected,
        )


__all__ = ["CapturedChoices"]
