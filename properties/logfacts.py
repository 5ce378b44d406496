"""Small readers shared by the whole-log judges: the Mobile IPv6 options of a logged packet, what
became of each Binding Update a node says it sent, and a Violation cited from the spec registry."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from enum import Enum

from mip6check.model.addr import Addr
from mip6check.model.codec import final_destination
from mip6check.model.codec.values import (
    BindingAck,
    BindingUpdate,
    DestOptions,
    HomeAddress,
    IPv6Packet,
)
from mip6check.model.net.log import Kind, LogRecord
from mip6check.model.roles.events import BindingUpdateSent, Dropped, Transmit
from mip6check.properties.receipt import QUEUE_DROPS, RESOLUTION_MS, ROUTE_DROPS
from mip6check.properties.spec import obligation
from mip6check.properties.verdict import Violation


def violation(pid: str, node: str, time: int, message: str, step: int) -> Violation:
    """A breach of `pid` at `time` (ms), cited with the registered obligation's sections and level."""
    ob = obligation(pid)
    return Violation(
        pid, ", ".join(ob.sections), ob.level, node, message, time=time / 1000, step=step
    )


def _options(pkt: IPv6Packet) -> list[object]:
    return [o for h in pkt.headers if isinstance(h, DestOptions) for o in h.options]


def hao_of(pkt: IPv6Packet) -> Addr | None:
    """The Home Address option's address, if the packet carries one (§5.4)."""
    return next((o.home_address for o in _options(pkt) if isinstance(o, HomeAddress)), None)


def bu_of(pkt: IPv6Packet) -> tuple[BindingUpdate, Addr] | None:
    """The Binding Update of a packet and its Home Address option's address (§5.1)."""
    bu = next((o for o in _options(pkt) if isinstance(o, BindingUpdate)), None)
    home = hao_of(pkt)
    return (bu, home) if bu is not None and home is not None else None


def ba_of(pkt: IPv6Packet) -> BindingAck | None:
    """The Binding Acknowledgement a packet carries (§5.2)."""
    return next((o for o in _options(pkt) if isinstance(o, BindingAck)), None)


class Fate(Enum):
    """What became of a Binding Update a mobile node says it sent (its BindingUpdateSent event)."""

    CARRIED = "carried"  # the node put a packet with that update on a link
    DROPPED = "dropped"  # its IPv6 layer discarded it: no route, or address resolution failed


def bu_fates(records: Sequence[LogRecord]) -> dict[int, Fate]:
    """Log position (`seq`) of each BindingUpdateSent event -> what the node's IPv6 layer did with the
    update: a frame the node put on a link carried it (same home address, destination and Sequence
    Number, first unmatched event first), or the node dropped a packet for lack of a route in the
    instant it sent it (IPv6 §4) or when its address resolution failed within the solicitations'
    time (RFC 2461 §7.2.2). An event with neither is the role's word alone: nothing left the node."""
    pending: dict[tuple[str, Addr, Addr, int], deque[tuple[int, int]]] = {}
    out: dict[int, Fate] = {}
    for r in records:
        ev = r.event
        if r.kind is Kind.EVENT and isinstance(ev, BindingUpdateSent):
            key = (ev.node, ev.home, ev.destination, ev.seq)
            if key in pending or len(pending) < 4096:
                pending.setdefault(key, deque(maxlen=64)).append((r.time, r.seq))
        elif r.kind is Kind.EVENT and isinstance(ev, Dropped):
            if ev.reason not in ROUTE_DROPS | QUEUE_DROPS:
                continue
            since = r.time - RESOLUTION_MS if ev.reason in QUEUE_DROPS else r.time
            for key in [k for k in pending if k[0] == ev.node]:
                q = pending[key]
                out.update((s, Fate.DROPPED) for t, s in q if t >= since)
                left = deque(((t, s) for t, s in q if t < since), maxlen=64)
                if left:
                    pending[key] = left
                else:
                    del pending[key]
        elif r.kind is Kind.TX and isinstance(ev, Transmit) and r.node is not None:
            got = bu_of(ev.packet)
            if got is None and (bu := _bu(ev.packet)) is not None:
                got = (bu, ev.packet.src)  # no Home Address option: the source is the home
            if got is None:
                continue
            key = (r.node, got[1], final_destination(ev.packet), got[0].seq)
            waiting = pending.get(key)
            if waiting:
                out[waiting.popleft()[1]] = Fate.CARRIED
                if not waiting:
                    del pending[key]
    return out


def _bu(pkt: IPv6Packet) -> BindingUpdate | None:
    return next((o for o in _options(pkt) if isinstance(o, BindingUpdate)), None)


__all__ = ["Fate", "ba_of", "bu_fates", "bu_of", "hao_of", "violation"]
