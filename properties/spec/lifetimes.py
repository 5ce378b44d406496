"""§5.2, §9.5: what the granted Lifetime and Refresh of a Binding Acknowledgement oblige, and which
care-of address a Binding Update may name.

- MN-HOMEREG-RENEW (§5.2): a mobile node that still needs its home agent's service after the Lifetime
  that home agent granted MUST send it a new Binding Update before that Lifetime ends.
- MN-REFRESH (§5.2): a mobile node still using a binding sends a new Binding Update within the Refresh
  period the acknowledgement recommended.
- BC-BA-REFRESH (§5.2): a node that accepts a Binding Update without serving as the mobile node's home
  agent SHOULD set the Refresh of its acknowledgement equal to its Lifetime.
- MN-BR-LIFETIME (§9.11): the Binding Update answering a Binding Request extends the lifetime remaining
  from the previous one sent to that node.
- MN-COA-IN-USE (§9.5): the care-of address of a Binding Update (Care-of Address field, else the Source
  Address) is one of the care-of addresses the mobile node is using, or its home address.
"""

from __future__ import annotations

from mip6check.model.addr import Addr
from mip6check.model.addr import is_multicast as _is_multicast
from mip6check.properties.spec.registry import Bound, Observes, register
from mip6check.properties.spec.wire import INFINITE

UNSPECIFIED = bytes(16)
LOOPBACK = bytes(15) + b"\x01"


def renewal_deadline(granted_at_ms: int, lifetime_s: int) -> int | None:
    """§5.2: the moment a home agent's service ends unless renewed: the acknowledgement's time plus the
    Lifetime it granted. None when nothing must be renewed: Lifetime 0 (nothing granted) or infinity
    (§5.1: never expires)."""
    if lifetime_s == 0 or lifetime_s == INFINITE:
        return None
    return granted_at_ms + lifetime_s * 1000


def lapsed(deadline_ms: int, now_ms: int, tolerance_ms: int) -> bool:
    """§5.2: a new Binding Update is due "before the expiration of this period": at `now_ms`, with none
    sent since the grant, the period has lapsed unrenewed. `tolerance_ms` is the named switch for how
    late past it a renewal may be seen (clock skew between capture points)."""
    return now_ms > deadline_ms + tolerance_ms


def refresh_as_required(home_agent: bool, lifetime_s: int, refresh_s: int) -> bool:
    """§5.2: a node not serving as the mobile node's home agent SHOULD set Refresh equal to Lifetime;
    a home agent chooses Refresh freely (e.g. by how it stores the binding)."""
    return home_agent or refresh_s == lifetime_s


def extends_remaining(
    prev_sent_ms: int, prev_lifetime_s: int, now_ms: int, lifetime_s: int
) -> bool:
    """§9.11: a Binding Update answering a Binding Request SHOULD carry "a new lifetime, extending any
    current lifetime remaining from a previous Binding Update sent to this node": it ends later than the
    previous one (infinity ends never: after an infinite one only infinity keeps it)."""
    if prev_lifetime_s == INFINITE:
        return lifetime_s == INFINITE
    if lifetime_s == INFINITE:
        return True
    return now_ms + lifetime_s * 1000 > prev_sent_ms + prev_lifetime_s * 1000


def coa_unusable(coa: Addr) -> str | None:
    """§9.5 with RFC 2373: why `coa` cannot be an address any node is using as its own (multicast,
    unspecified, loopback), else None."""
    if _is_multicast(coa):
        return "a multicast address"
    if coa == UNSPECIFIED:
        return "the unspecified address"
    if coa == LOOPBACK:
        return "the loopback address"
    return None


def coa_in_use(coa: Addr, home: Addr, in_use: frozenset[Addr]) -> bool:
    """§9.5: the care-of address of a Binding Update is one the mobile node is using (`in_use`: the
    addresses it holds or sends from) or its home address."""
    return coa == home or coa in in_use


register(
    "MN-HOMEREG-RENEW",
    Observes.ABSENCE,
    Bound(
        "expiry_tolerance",
        "§5.2: before the expiration of the Lifetime granted in the home agent's acknowledgement "
        "(the bound is that Lifetime; the switch is how late past it a renewal may be seen)",
    ),
)
register(
    "MN-REFRESH",
    Observes.ABSENCE,
    Bound(
        "expiry_tolerance",
        "§5.2: the Refresh period an accepting acknowledgement recommends (the bound is that Refresh; "
        "the switch is how late past it a refresh may be seen)",
    ),
)
register("BC-BA-REFRESH", Observes.PACKET)
register("MN-COA-IN-USE", Observes.PACKET)
register("MN-HOMEREG-DEST", Observes.PACKET)
register("MN-BR-LIFETIME", Observes.PACKET)

__all__ = [
    "coa_in_use",
    "coa_unusable",
    "extends_remaining",
    "lapsed",
    "refresh_as_required",
    "renewal_deadline",
]
