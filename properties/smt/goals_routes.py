"""Z3 goals of the route decisions the roles take through the kernel (§5.2, §7.9, §8.4): which binding
a packet goes by, where the home agent tunnels, where an acknowledgement is routed. Each is stated
with properties/spec/routing.py, never with the kernel's own code."""

from __future__ import annotations

from typing import Any

import z3

from mip6check.model.roles import kernel as K
from mip6check.properties.smt.obligations import (
    ONLY_DEFAULT,
    SEQ_READINGS,
    BuWorld,
    Obligation,
    _apply_bu,
    _entry_op,
    _over,
    spec_expired,
)
from mip6check.properties.smt.z3logic import Z3, Sym
from mip6check.properties.spec import routing as SR


def bc_route_via_rh() -> list[Obligation]:
    """BC-ROUTE-VIA-RH (§7.9, §4.3): a packet for a home address goes by its binding exactly while the
    entry is present and unexpired, and then to that entry's care-of address."""

    def fn(s: Sym, e: K.Entry, now: Any) -> tuple[list[Any], Any]:
        use, via = K.binding_route(Z3, e, now)
        spec = SR.routes_by_binding(Z3, e.present, spec_expired(e, now))
        return [], z3.And(use == spec, z3.Implies(use, via == e.coa))

    return _over(ONLY_DEFAULT, _entry_op(fn, "binding_route"))


def ha_tunnel() -> list[Obligation]:
    """HA-TUNNEL (§8.2, §8.4): the home agent intercepts exactly while it holds an unexpired home
    registration, and tunnels to that entry's (primary) care-of address."""

    def fn(s: Sym, e: K.Entry, now: Any) -> tuple[list[Any], Any]:
        use, via = K.tunnel_route(Z3, e, now)
        spec = SR.intercepts(Z3, e.present, spec_expired(e, now), e.home_reg)
        return [], z3.And(use == spec, z3.Implies(use, via == e.coa))

    return _over(ONLY_DEFAULT, _entry_op(fn, "tunnel_route"))


def ack_via() -> list[Obligation]:
    """BC-REJECT-NO-CACHE (§5.2), the routing half: the acknowledgement of any Binding Update goes via
    the care-of address §5.2 names (a rejected one's own, never the cache's), after kernel.apply_bu."""

    def goal(w: BuWorld, c: Any) -> tuple[list[Any], Any]:
        via = K.ack_route(Z3, w.status, w.e2, w.bu.coa)
        registered = z3.If(w.e2.present, w.e2.coa, w.bu.coa)
        return [], via == SR.acknowledged_via(Z3, w.status, w.bu.coa, registered)

    return _over(SEQ_READINGS, _apply_bu(goal, "apply_bu, ack_route"))


__all__ = ["ack_via", "bc_route_via_rh", "ha_tunnel"]
