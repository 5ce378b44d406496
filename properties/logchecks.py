"""Checks over the engine's whole log (packets received and role events together), for the properties
that neither a role event nor a capture shows alone:

- BC-HAO-SUBSTITUTE (§5.4, §7.1): a data packet that arrived with a Home Address option is delivered
  to the upper layer with the home address as its source.
- SYS-DELIVERY (§4.1, §8.4): once a mobile node's home registration is acknowledged, and while it does
  not move and no packet is lost, every data packet sent to its home address reaches it (directly, by
  Routing header, or through the tunnel) within `deadline_ms`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from model.addr import Addr, fmt
from model.codec.values import DestOptions, HomeAddress, IPv6Packet
from model.net.log import Kind, LogRecord
from model.roles.events import BindingAckReceived, BindingUpdateSent, Delivered
from model.roles.hooks import flow_of
from properties.catalog import CATALOG
from properties.verdict import Violation


def _violation(pid: str, node: str, time: int, message: str, step: int) -> Violation:
    p = CATALOG[pid]
    return Violation(
        pid, ", ".join(p.sections), p.level, node, message, time=time / 1000, step=step
    )


def hao_of(pkt: IPv6Packet) -> Addr | None:
    for h in pkt.headers:
        if isinstance(h, DestOptions):
            for o in h.options:
                if isinstance(o, HomeAddress):
                    return o.home_address
    return None


def hao_substitution(records: Sequence[LogRecord]) -> list[Violation]:
    """BC-HAO-SUBSTITUTE: pair each received data packet carrying a HAO with the delivery of its flow
    at the same node and instant; the delivered source must be the home address."""
    out: list[Violation] = []
    pending: dict[tuple[str, int, int], Addr] = {}  # (node, time, flow) -> home address
    for r in records:
        if r.kind is Kind.RX and isinstance(r.event, IPv6Packet) and r.node is not None:
            home = hao_of(r.event)
            flow = flow_of(r.event)
            if home is not None and flow is not None:
                pending[(r.node, r.time, flow)] = home
        elif r.kind is Kind.EVENT and isinstance(r.event, Delivered):
            home = pending.pop((r.event.node, r.time, r.event.flow), None)
            if home is not None and r.event.src != home:
                out.append(
                    _violation(
                        "BC-HAO-SUBSTITUTE",
                        r.event.node,
                        r.time,
                        f"flow {r.event.flow} arrived with Home Address option {fmt(home)} but was delivered "
                        f"from {fmt(r.event.src)}",
                        r.seq,
                    )
                )
    return out


@dataclass
class _Mobile:
    homes: set[Addr]
    acked_at: int | None = None  # time of the acknowledgement of the current home registration
    pending: dict[int, int] | None = None  # seq of the outstanding home registration -> time


def delivery(records: Sequence[LogRecord], deadline_ms: int = 2_000) -> list[Violation]:
    """SYS-DELIVERY under its premises: registration acknowledged, no movement since, no loss."""
    mobiles: dict[str, _Mobile] = {}
    owner: dict[Addr, str] = {}
    lossy: list[int] = []  # times of lost or undecodable frames
    moves: dict[str, list[int]] = {}
    due: list[tuple[int, str, int, Addr, int]] = []  # (time, mobile, flow, home, step)
    delivered: dict[tuple[str, int], list[int]] = {}
    for r in records:
        ev = r.event
        if r.kind in (Kind.LOST, Kind.DECODE_ERROR):
            lossy.append(r.time)
        elif r.kind is Kind.MOVE and r.node is not None:
            moves.setdefault(r.node, []).append(r.time)
            if r.node in mobiles:
                mobiles[r.node].acked_at = None
        elif isinstance(ev, BindingUpdateSent) and ev.home_reg and ev.coa != ev.home:
            m = mobiles.setdefault(ev.node, _Mobile(set()))
            m.homes.add(ev.home)
            owner[ev.home] = ev.node
            if not ev.retransmission:
                m.pending = {ev.seq: r.time}
        elif isinstance(ev, BindingAckReceived) and ev.outcome == "ACCEPTED":
            m2 = mobiles.get(ev.node)
            if m2 is not None and m2.pending and ev.seq in m2.pending:
                m2.acked_at = r.time
        elif isinstance(ev, BindingUpdateSent) and ev.home_reg and ev.coa == ev.home:
            if ev.node in mobiles:
                mobiles[ev.node].acked_at = None  # returning home: the registration ends (§9.13)
        elif isinstance(ev, Delivered):
            delivered.setdefault((ev.node, ev.flow), []).append(r.time)
        elif r.kind is Kind.APP and isinstance(ev, IPv6Packet):
            node = owner.get(ev.dst)
            flow = flow_of(ev)
            if node is not None and flow is not None and mobiles[node].acked_at is not None:
                due.append((r.time, node, flow, ev.dst, r.seq))
    end = records[-1].time if records else 0
    out: list[Violation] = []
    for t, node, flow, home, step in due:
        if t + deadline_ms > end:
            continue  # the run ended before the deadline
        if any(t <= x <= t + deadline_ms for x in lossy) or any(
            t <= x <= t + deadline_ms for x in moves.get(node, ())
        ):
            continue  # a premise does not hold
        times = delivered.get((node, flow), [])
        hit = next((x for x in times if t <= x <= t + deadline_ms), None)
        if hit is None:
            out.append(
                _violation(
                    "SYS-DELIVERY",
                    node,
                    t,
                    f"flow {flow} sent to home address {fmt(home)} after the home registration was acknowledged "
                    f"did not reach {node} within {deadline_ms} ms",
                    step,
                )
            )
        else:
            times.remove(hit)
    return out


def check_log(records: Sequence[LogRecord]) -> list[Violation]:
    """Every whole-log check."""
    return [*hao_substitution(records), *delivery(records)]


CHECKED_BY_LOG: tuple[str, ...] = ("BC-HAO-SUBSTITUTE", "SYS-DELIVERY")
