"""The draft's free choices as the captured node made them (model.roles.choices.Choices filled
from the capture): Sequence Numbers, granted lifetimes and Refresh, whether to ask a correspondent
for an acknowledgement, whether to send Binding Requests (§7.6 MAY, nothing obliges one), how often
to repeat an NA. Whether to send a Binding Update at all keeps the model's policy: a node that did not is judged by the spec, and where the spec lets
both be, the divergence is classed as allowed, naming the choice."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence

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


def captured_choices(subject: Subject, frames: Sequence[Frame]) -> Choices:
    """A `Choices` whose answers are the captured node's (module doc)."""
    mine = [f for f in frames if subject.sent(f)]
    bus = [
        (final_destination(f.packet), o)
        for f in mine
        if type(o := mip6_option(f.packet)) is BindingUpdate
    ]
    bas = [o for f in mine if type(o := mip6_option(f.packet)) is BindingAck and o.status < 128]
    firsts: dict[Addr, int] = {}
    steps: dict[Addr, deque[int]] = {}
    last: dict[Addr, int] = {}
    for dest, bu in bus:
        if dest not in firsts:
            firsts[dest] = bu.seq
        elif bu.seq != last[dest]:
            steps.setdefault(dest, deque()).append((bu.seq - last[dest]) % 65536)
        last[dest] = bu.seq
    ack = {d: bu.a for d, bu in reversed(bus) if not bu.h}
    granted = deque(ba.lifetime for ba in bas)
    refresh = deque(ba.refresh for ba in bas)
    brs = {
        a
        for f in mine
        if type(mip6_option(f.packet)) is BindingRequest
        for a in (f.packet.dst, final_destination(f.packet))
    }
    nas: dict[Addr, int] = {}
    for f in mine:
        up = f.packet.payload
        if type(up) is NeighborAdvertisement and not up.solicited:
            nas[up.target] = nas.get(up.target, 0) + 1
    d = DEFAULT_CHOICES
    has_ba = bool(bas)

    asked: list[
        Addr
    ] = []  # the destination of the Binding Update being made (seq_step comes first)
    started: set[Addr] = set()

    def initial_seq(rand: Callable[[int, int], int]) -> int:
        dest = asked[-1] if asked else None
        if dest is not None and dest in firsts and dest not in started:
            started.add(dest)
            return firsts[dest]
        return d.initial_seq(rand)

    def seq_step(dest: Addr) -> int:
        first = dest not in asked
        asked.append(dest)
        q = steps.get(dest)
        step = q.popleft() if q and not first else 0
        return step if 0 < step < 1 << 15 else d.seq_step(dest)  # §5.1: a step back is no choice

    def grant(requested: int, home_reg: bool) -> int:
        return (
            min(granted.popleft(), requested) if granted else d.grant_lifetime(requested, home_reg)
        )

    def refresh_of(g: int, home_reg: bool) -> int:
        if not home_reg:  # §5.2: a correspondent's Refresh SHOULD equal the Lifetime: no choice
            return d.refresh(g, home_reg)
        return min(refresh.popleft(), g) if refresh else d.refresh(g, home_reg)

    return Choices(
        seq_step=seq_step,
        initial_seq=initial_seq,
        resume_seq=d.resume_seq,
        will_create=d.will_create,
        grant_lifetime=grant if has_ba else d.grant_lifetime,
        refresh=refresh_of if has_ba else d.refresh,
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


__all__ = ["captured_choices"]
