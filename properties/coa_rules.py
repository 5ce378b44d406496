"""Whole-log judge of MN-COA-IN-USE (§9.5): the care-of address a mobile node names in a Binding Update
(Care-of Address field, else the Source Address) is one it is using, or its home address.

A run's log knows what a capture does not: which node sends each packet and which addresses each node
holds (RunFacts). A care-of address breaks the rule when no node can be using it (multicast, unspecified,
loopback) or when another node of the run holds it and this mobile node never sends from it. Nothing
here reads the model's roles.
"""

from __future__ import annotations

from collections.abc import Sequence

from mip6check.model.addr import Addr, fmt
from mip6check.model.net.log import Kind, LogRecord
from mip6check.model.roles.events import Transmit
from mip6check.properties.absences import RunFacts
from mip6check.properties.logfacts import bu_of, violation
from mip6check.properties.spec.lifetimes import coa_in_use, coa_unusable
from mip6check.properties.verdict import Violation

JUDGED: tuple[str, ...] = ("MN-COA-IN-USE",)
"""The rows this judge decides (declared with the other whole-log checks, properties/logchecks.py)."""


def coa_of_updates(records: Sequence[LogRecord], facts: RunFacts) -> list[Violation]:
    """MN-COA-IN-USE (§9.5) over every Binding Update a mobile node of the run transmits."""
    sent_from: dict[str, set[Addr]] = {}
    updates: list[tuple[LogRecord, str, Addr, Addr]] = []  # (record, node, home, care-of)
    for r in records:
        if r.kind is not Kind.TX or not isinstance(r.event, Transmit) or r.node is None:
            continue
        pkt = r.event.packet
        sent_from.setdefault(r.node, set()).add(pkt.src)
        if r.node not in facts.home_links:
            continue
        got = bu_of(pkt)
        if got is None:
            continue
        bu, home = got
        updates.append((r, r.node, home, bu.care_of if bu.care_of is not None else pkt.src))
    out: list[Violation] = []
    seen: set[tuple[str, Addr]] = set()
    for r, node, home, coa in updates:
        mine = frozenset(sent_from.get(node, ())) | facts.addresses.get(node, frozenset())
        why = coa_unusable(coa)
        if why is None and not coa_in_use(coa, home, mine):
            holder = next(
                (n for n, addrs in sorted(facts.addresses.items()) if n != node and coa in addrs),
                None,
            )
            why = None if holder is None else f"an address of {holder}"
        if why is None or (node, coa) in seen:
            continue
        seen.add((node, coa))
        out.append(
            violation(
                "MN-COA-IN-USE",
                node,
                r.time,
                f"{node} sent a Binding Update for {fmt(home)} naming care-of address {fmt(coa)}, "
                f"{why}, which {node} never sends from",
                r.seq,
            )
        )
    return out


__all__ = ["JUDGED", "coa_of_updates"]
