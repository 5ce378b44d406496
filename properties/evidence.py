"""How much each row's run judges saw in one simulated run: the count a `passed` of the scenario
corpus rests on. A row whose judges saw nothing in any scenario was not checked, however many
scenarios ran, so `verify` reports it `unknown`, never `passed`.

Two measures, the better one where a judge gives it. Replay families that count their premises
(`ObserverBase.COUNTS`: e.g. an ICMP error about a tunnelled packet for BC-TUNNEL-ICMP-RELAY, a node
running into its ICMPv6 error limit for IPV6-ICMP-RATE) say how often the rule applied, and that
count alone decides. Every other row is measured as the Hypothesis engine measures it
(properties/explore/coverage.py): the role events its monitor takes, the packets of the kind its
replay judge is about; rows only the whole-log checks judge by the packets or data they read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from mip6check.model.codec.values import IPv6Packet, RouterAdvertisement
from mip6check.model.net import Kind
from mip6check.model.net.log import LogRecord
from mip6check.model.roles.events import RoleEvent, Transmit
from mip6check.properties.explore.coverage import Coverage
from mip6check.properties.replay.observer import Observer

COUNTED: frozenset[str] = frozenset(Observer.counted())
"""Rows whose evidence is their judge's own count of premises met."""

LOG_KINDS: dict[str, str] = {
    "SYS-DELIVERY": "data",  # a packet a scenario sends to a node (§4.1, §8.4)
    "BC-HAO-SUBSTITUTE": "hao",
    "MN-CN-UPDATE": "bu-h",  # a home registration, after which correspondents are owed updates
    "IPV6-UNKNOWN-NH": "param-problem",
    "IPV6-RH-HDR-EXT-LEN": "rh",
    "IPV6-RH-STRICT": "rh",
}
"""Rows only the whole-log checks judge, by the kind of packet (or scenario data) they read."""

TUNNELLED_RA = ("HA-RA-TUNNEL",)
"""Rows judged on Router Advertisements a home agent tunnels (§8.5; counted here: the coverage
kind looks at the outer packet's upper layer, which an Authentication Header on the inner RA hides)."""


def _tunnels_ra(pkt: IPv6Packet) -> bool:
    inner = pkt.payload
    return isinstance(inner, IPv6Packet) and isinstance(inner.payload, RouterAdvertisement)


def judge_inputs(
    records: Sequence[LogRecord],
    premises: Iterable[tuple[str, int]],
    rows: Iterable[str],
    fast: int,
) -> dict[str, int]:
    """Each of `rows` -> how many inputs its run judges had in this run: `premises` (the replay
    report's `inputs`) for the COUNTED rows, else the events and packets of its kind in the log
    (`fast`: the configuration's fast-update count, which MN-SLOW-RATE's inputs depend on)."""
    cov = Coverage()
    cov.new_example()
    data = ras = 0
    injected: set[int] = set()
    for r in records:
        ev = r.event
        if r.kind is Kind.EVENT and isinstance(ev, RoleEvent):
            cov.event(ev, fast)
        elif r.kind is Kind.TX and isinstance(ev, Transmit) and isinstance(ev.packet, IPv6Packet):
            cov.packet(ev.packet)
            ras += _tunnels_ra(ev.packet)
        elif r.kind is Kind.INJECT and r.frame is not None:
            injected.add(r.frame)
        elif r.kind is Kind.RX and r.frame in injected and isinstance(ev, IPv6Packet):
            injected.discard(r.frame)  # an injected frame, counted once, where it arrived
            cov.packet(ev)
        elif r.kind is Kind.APP:
            data += 1
    counted: Mapping[str, int] = dict(premises)
    out: dict[str, int] = {}
    for pid in rows:
        if pid in COUNTED:
            out[pid] = counted.get(pid, 0)
        elif pid in TUNNELLED_RA:
            out[pid] = ras
        elif pid in LOG_KINDS:
            kind = LOG_KINDS[pid]
            out[pid] = data if kind == "data" else cov.packets.get(kind, 0)
        else:
            out[pid] = cov.saw(pid)
    return out


__all__ = ["COUNTED", "LOG_KINDS", "TUNNELLED_RA", "judge_inputs"]
