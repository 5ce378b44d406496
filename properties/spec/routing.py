"""§5.2, §7.9, §8.4: which binding a node routes by, written from the draft (over `Logic`, so Z3 can
hold the kernel's route decisions to them: properties/smt/refine.py, properties/smt/bmc.py).

The rows they serve (BC-ROUTE-VIA-RH, HA-TUNNEL, BC-REJECT-NO-CACHE) are registered with their
judges in binding_cache.py and home_agent.py; this module only states the decisions."""

from __future__ import annotations

from mip6check.properties.spec.logic import Logic, Term
from mip6check.properties.spec.wire import status_accepts


def routes_by_binding(L: Logic, present: Term, ran_out: Term) -> Term:
    """§7.9, §4.3: a node sends a packet for a home address via the care-of address (Routing header)
    exactly while it holds a binding for it whose lifetime has not run out (BC-ROUTE-VIA-RH, BC-EXPIRE)."""
    return L.and_(present, L.not_(ran_out))


def intercepts(L: Logic, present: Term, ran_out: Term, home_registration: Term) -> Term:
    """§8.2, §8.4: a home agent intercepts packets for a home address, and tunnels them to the primary
    care-of address, exactly while it holds a home registration for it that has not run out (HA-TUNNEL)."""
    return L.and_(routes_by_binding(L, present, ran_out), home_registration)


def acknowledged_via(L: Logic, status: Term, bu_care_of: Term, registered_care_of: Term) -> Term:
    """§5.2: a Binding Acknowledgement goes via a care-of address: a rejecting one (Status >= 128) via
    the care-of address of the Binding Update it answers, never one taken from the cache
    (BC-REJECT-NO-CACHE); an accepting one by the binding now registered, whose care-of address is the
    update's own (`registered_care_of`: the update's after a deletion, when none is registered)."""
    return L.ite(status_accepts(L, status), registered_care_of, bu_care_of)


__all__ = ["acknowledged_via", "intercepts", "routes_by_binding"]
