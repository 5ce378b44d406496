"""The role mutants: faults in the roles (model/roles/*.py) outside the decision kernel, each with the
properties the runtime engines must report (properties/mutants.py gathers the catalogues)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from mip6check.model.roles import kernel as K
from mip6check.properties.mutant_patch import (
    Mutant,
    _resolve,
)

# ---------------------------------------------------------------------------------------------------
# Role-level mutants: faults that live in the roles (model/roles/*.py), not in the decision kernel.
# Each patches one method or helper of one role module through `patched()`; Z3 proofs over the kernel
# cannot see them, so the runtime engines (scenario corpus with monitors and capture replay, Hypothesis
# machines) must. `layer == "role"` tells properties/killrate.py which engines to try first.

_C = "mip6check.model.roles.correspondent"
_HA = "mip6check.model.roles.home_agent"
_MN = "mip6check.model.roles.mobile_node"
_MOV = "mip6check.model.roles.mn_movement"
_BUL = "mip6check.model.roles.binding_update_list"
_BC = "mip6check.model.roles.binding_cache"
_ND = "mip6check.model.roles.nd_messages"


def _orig(target: str) -> Any:
    """The value a 'module:Attr.path' target has now (unpatched when a mutant's replacements are built)."""
    owner, name = _resolve(target)
    return getattr(owner, name)


def _r(
    name: str,
    section: str,
    description: str,
    catches: set[str],
    make: Callable[[], dict[str, Any]],
) -> Mutant:
    """A role-level mutant: `make()` returns {'module:Attr.path': replacement} built over `_orig`."""
    return Mutant(
        name,
        section,
        description,
        tuple(sorted(make())),
        frozenset(catches),
        lambda _o: make(),
        "role",
    )


def _without_ah(pkt: Any) -> Any:
    """The packet with its Authentication Header(s) left out (§4.2's AH requirement broken)."""
    from mip6check.model.codec.values import AH

    return replace(pkt, headers=tuple(h for h in pkt.headers if not isinstance(h, AH)))


def _hao_binds() -> dict[str, Any]:
    """§7.1, §5.4: a Home Address option creates or refreshes a Binding Cache entry (home -> source)."""
    from mip6check.model.codec.values import BindingUpdate, MalformedOption
    from mip6check.model.roles.binding_cache import CacheRecord
    from mip6check.model.roles.events import CacheUpdated

    target = f"{_C}:Correspondent.on_receive"
    real = _orig(target)

    def on_receive(self: Any, core: Any, rx: Any, now: int) -> Any:
        out = real(self, core, rx, now)
        has_bu = any(isinstance(o, (BindingUpdate, MalformedOption)) for o in rx.options)
        home, coa = rx.hao, rx.packet.src
        if home is None or has_bu or home == coa:
            return out
        old = self.cache.get(home)
        seq = old.seq if old is not None else 0
        reg = old.home_reg if old is not None else False
        self.cache._entries[home] = CacheRecord(
            home, coa, seq, reg, now + 60_000, False, now, lifetime=60
        )
        return [*out, CacheUpdated(self.name, home, coa, seq, 60, reg, old is None, "7.1")]

    return {target: on_receive}


def _ha_tunnels_local_scope() -> dict[str, Any]:
    """§8.2: intercepted packets for the link-local/site-local address are tunnelled, not dropped."""
    from mip6check.model.addr import is_link_local, is_site_local
    from mip6check.model.roles.events import Intercepted
    from mip6check.model.roles.packets import tunnel

    target = f"{_HA}:HomeAgent.intercept"
    real = _orig(target)

    def intercept(self: Any, core: Any, packet: Any, iface: str, now: int) -> Any:
        home = self._home_of(packet.dst)
        found = self.cache.route(home, now, home_registration=True) if home is not None else None
        local = is_link_local(packet.dst) or is_site_local(packet.dst)
        if found is None or not local:
            return real(self, core, packet, iface, now)
        _, via = found
        outer = tunnel(packet, self._unicast(core, home), via)
        return [Intercepted(self.name, home, "tunnel", via, "8.4"), *core.send(outer, now)]

    return {target: intercept}


def _ha_stale_coa() -> dict[str, Any]:
    """§8.4: the tunnel goes to the first care-of address ever registered for the destination, not
    the primary one (a fresh memory per application of the mutant)."""
    target = f"{_HA}:tunnel"
    real = _orig(target)
    first: dict[tuple[bytes, bytes], bytes] = {}
    return {
        target: lambda inner, src, dst: real(inner, src, first.setdefault((src, inner.dst), dst))
    }


def _ha_rh_not_tunnel() -> dict[str, Any]:
    """§8.4: intercepted packets forwarded with an added Routing header instead of a tunnel."""
    from mip6check.model.roles.packets import add_routing

    return {f"{_HA}:tunnel": lambda inner, src, dst: add_routing(inner, dst)}


def _no_proxy_na() -> dict[str, Any]:
    """§8.2: Neighbor Solicitations for a proxied (covered) home address go unanswered."""
    target = f"{_ND}:NeighborDiscovery._on_ns"
    real = _orig(target)

    def on_ns(self: Any, iface: str, pkt: Any, ns: Any, now: int) -> Any:
        if ns.target in self.mobility.proxied() and ns.target not in self.addresses():
            return []
        return real(self, iface, pkt, ns, now)

    return {target: on_ns}


def _ha_idlen_dropped() -> dict[str, Any]:
    """§8.2: the home agent reads every Binding Update as if ID Length were 0 (no 136, and only the
    home address itself is defended)."""
    from mip6check.model.codec.values import BindingUpdate

    target = f"{_C}:Correspondent._on_bu"
    real = _orig(target)

    def on_bu(self: Any, core: Any, rx: Any, bu: Any, olen: int, now: int) -> Any:
        if self.is_home_agent and isinstance(bu, BindingUpdate):
            bu = replace(bu, id_length=0)
        return real(self, core, rx, bu, olen, now)

    return {target: on_bu}


def _ba_packet(bend: Callable[[Any, Any], Any]) -> dict[str, Any]:
    """The correspondent's/home agent's Binding Acknowledgement packet bent by `bend(real, args)`."""
    target = f"{_C}:ba_packet"
    real = _orig(target)
    return {target: lambda src, coa, home, ba: bend(real, (src, coa, home, ba))}


def _ba_direct(real: Any, args: tuple[Any, ...]) -> Any:
    from mip6check.model.codec.options import dest_options
    from mip6check.model.codec.values import IPv6Packet, NoNextHeader
    from mip6check.model.roles.packets import PLACEHOLDER_AH

    src, coa, _home, ba = args
    return IPv6Packet(src, coa, (PLACEHOLDER_AH, dest_options(ba)), NoNextHeader())


def _ba_payload(real: Any, args: tuple[Any, ...]) -> Any:
    from mip6check.model.codec.values import UDP

    pkt = real(*args)
    return replace(pkt, payload=UDP(434, 434, b"rejected")) if args[3].status >= 128 else pkt


def _bu_packet(bend: Callable[[Any, Any], Any]) -> dict[str, Any]:
    """The mobile node's Binding Update packet bent by `bend(real, args)`."""
    target = f"{_MN}:bu_packet"
    real = _orig(target)
    return {target: lambda src, dst, bu, home, hao_type: bend(real, (src, dst, bu, home, hao_type))}


def _bu_no_hao(real: Any, args: tuple[Any, ...]) -> Any:
    from mip6check.model.codec.options import dest_options
    from mip6check.model.codec.values import IPv6Packet, NoNextHeader
    from mip6check.model.roles.packets import PLACEHOLDER_AH

    src, dst, bu, _home, _t = args
    return IPv6Packet(src, dst, (PLACEHOLDER_AH, dest_options(bu)), NoNextHeader())


def _mn_home_source() -> dict[str, Any]:
    """§9.1: away from home, packets keep the home address as source (no HAO, no care-of source)."""
    real = _orig(f"{_C}:Correspondent.on_output")
    return {
        f"{_MN}:MobileNode.on_output": lambda self, core, packet, now: real(self, core, packet, now)
    }


def _homereg_no_a() -> dict[str, Any]:
    """§9.4: home registrations sent without the A bit."""
    target = f"{_MN}:MobileNode._emit_bu"
    real = _orig(target)

    def emit(
        self: Any,
        core: Any,
        dst: Any,
        home: Any,
        coa: Any,
        seq: int,
        life: int,
        h: bool,
        a: bool,
        *rest: Any,
    ) -> Any:
        return real(self, core, dst, home, coa, seq, life, h, a and not h, *rest)

    return {target: emit}


def _rate_1s_short() -> dict[str, Any]:
    """§9.8: the mobile node's own rate limiter waits one second less than MAX_UPDATE_RATE /
    SLOW_UPDATE_RATE (off by one second)."""
    target = f"{_BUL}:BindingUpdateList.earliest"
    real = _orig(target)

    def earliest(self: Any, destination: Any, now: int, coa: Any = None) -> Any:
        when = real(self, destination, now, coa)
        return when if when is None or when <= now else max(now, when - 1000)

    return {target: earliest}


def _ra_unauth() -> dict[str, Any]:
    """§8.5: Router Advertisements tunnelled to an away mobile node without AH."""
    target = f"{_HA}:encapsulate"
    real = _orig(target)
    return {target: lambda inner, src, dst, *a: real(_without_ah(inner), src, dst, *a)}


def _delete_keeps_entry() -> dict[str, Any]:
    """§7.4, §8.3: the cache answers a deletion as done (Status 0) but keeps the entry, silently."""
    from mip6check.model.roles.events import CacheDeleted

    target = f"{_BC}:BindingCache.process"
    real = _orig(target)

    def process(self: Any, bu: Any, env: Any, now: int, *, id_length: int = 0) -> Any:
        old = self.get(bu.home)
        d = real(self, bu, env, now, id_length=id_length)
        if old is None or d.op is not K.CacheOp.DELETE or self.get(bu.home) is not None:
            return d
        self._entries[bu.home] = old
        kept = tuple(e for e in d.events if not (isinstance(e, CacheDeleted) and e.reason == "bu"))
        return replace(d, events=kept)

    return {target: process}


def _rs_from_home() -> dict[str, Any]:
    """§9.3: the Router Solicitation sent on a link change uses the home address as source."""
    from mip6check.model.codec.values import RouterSolicitation
    from mip6check.model.roles.events import Transmit

    target = f"{_MN}:MobileNode.moved"
    real = _orig(target)

    def moved(self: Any, core: Any, iface: str, now: int) -> Any:
        return [
            replace(a, packet=replace(a.packet, src=self.home))
            if isinstance(a, Transmit) and isinstance(a.packet.payload, RouterSolicitation)
            else a
            for a in real(self, core, iface, now)
        ]

    return {target: moved}


def _prev_router_bu_not_h() -> dict[str, Any]:
    """§9.6: the Binding Update to the previous default router is sent without the H bit."""
    target = f"{_MN}:MobileNode.queue_bu"
    real = _orig(target)

    def queue_bu(self: Any, core: Any, p: Any, now: int) -> Any:
        return real(self, core, replace(p, home_reg=False) if p.section == "9.6" else p, now)

    return {target: queue_bu}


_NODE = "mip6check.model.roles.node"
_ROUTING = "mip6check.model.roles.routing"
_ICMP = "mip6check.model.roles.icmp_errors"


def _src(
    target: str, old: str, new: str, source: str | None = None
) -> Callable[[], dict[str, Any]]:
    """{target: the function at `source` (default `target`) with `old` rewritten to `new`}."""
    from mip6check.properties.source_faults import rewritten

    return lambda: {target: rewritten(source or target, old, new)}


def _nothing(*_a: Any, **_kw: Any) -> list[Any]:
    return []


ROLE_MUTANTS: tuple[Mutant, ...] = (
    _r(
        "hao-creates-entry",
        "7.1",
        "a Home Address option creates or refreshes a Binding Cache entry at a correspondent",
        {"BC-HAO-NO-STATE"},
        _hao_binds,
    ),
    _r(
        "ha-tunnels-local-scope",
        "8.2",
        "home agent tunnels packets for the link-local/site-local address instead of dropping them",
        {"HA-LOCAL-SCOPE-DROP"},
        _ha_tunnels_local_scope,
    ),
    _r(
        "ha-tunnels-stale-coa",
        "8.4",
        "home agent tunnels to the first care-of address registered, not the primary one",
        {"HA-TUNNEL"},
        _ha_stale_coa,
    ),
    _r(
        "ha-rh-not-tunnel",
        "8.4",
        "home agent forwards intercepted packets with a Routing header instead of a tunnel",
        {"HA-NO-RH-FOR-INTERCEPTED", "HA-TUNNEL"},
        _ha_rh_not_tunnel,
    ),
    _r(
        "ha-no-gratuitous-na",
        "8.2",
        "no gratuitous Neighbor Advertisements on a new home registration",
        {"HA-GRATUITOUS-NA"},
        lambda: {f"{_HA}:HomeAgent._na": _nothing},
    ),
    _r(
        "ha-covers-home-only",
        "8.2",
        "ID Length > 0 still defends only the home address (no other prefixes, link-/site-local)",
        {"HA-GRATUITOUS-NA", "HA-PROXY-NS"},
        lambda: {f"{_HA}:HomeAgent.covered": lambda self, core, home, id_length: (home,)},
    ),
    _r(
        "ha-no-proxy-na",
        "8.2",
        "Neighbor Solicitations for a registered home address are not answered by the home agent",
        {"HA-PROXY-NS"},
        _no_proxy_na,
    ),
    _r(
        "ha-idlen-ignored",
        "8.2",
        "home agent ignores the ID Length field (no Status 136, no address coverage)",
        {"HA-IDLEN-136", "HA-GRATUITOUS-NA"},
        _ha_idlen_dropped,
    ),
    _r(
        "ha-ba-from-anycast",
        "8.1",
        "the 135 answer to a Home-Agents anycast Binding Update has the anycast source",
        {"HA-DHAAD-135"},
        lambda: {
            f"{_HA}:HomeAgent._ba_source": lambda self, core, rx, home, to_anycast: rx.final_dst
        },
    ),
    _r(
        "ha-ra-unauthenticated",
        "8.5",
        "Router Advertisements tunnelled after a home prefix change carry no AH",
        {"HA-RA-TUNNEL"},
        _ra_unauth,
    ),
    _r(
        "ba-without-rh",
        "5.2",
        "Binding Acknowledgement sent straight to the care-of address, no Routing header",
        {"W-BA-VIA-RH"},
        lambda: _ba_packet(_ba_direct),
    ),
    _r(
        "ba-without-ah",
        "5.2",
        "Binding Acknowledgement sent without AH",
        {"W-BA-NEEDS-AUTH"},
        lambda: _ba_packet(lambda real, a: _without_ah(real(*a))),
    ),
    _r(
        "ba-reject-with-payload",
        "5.2",
        "a rejecting Binding Acknowledgement carries a payload (Next Header not 59)",
        {"W-BA-REJECT-NOPAYLOAD"},
        lambda: _ba_packet(_ba_payload),
    ),
    _r(
        "ba-seq-not-copied",
        "5.2",
        "Binding Acknowledgement Sequence Number is not the Binding Update's",
        {"BC-BA-SEQ"},
        lambda: _ba_packet(
            lambda real, a: real(*a[:3], replace(a[3], seq=(a[3].seq + 1) % K.SEQ_MOD))
        ),
    ),
    _r(
        "ba-not-sent",
        "7.5",
        "a Binding Update with the A bit is never acknowledged",
        {"BC-BA-ON-A"},
        lambda: {f"{_C}:Correspondent._ack": _nothing},
    ),
    _r(
        "delete-keeps-entry",
        "7.4",
        "a valid deletion (Lifetime 0 or care-of = home) is acknowledged but the entry is kept",
        {"BC-DELETE", "HA-DEREG"},
        _delete_keeps_entry,
    ),
    _r(
        "cn-no-rh",
        "7.9",
        "a node holding a binding sends to the home address directly, no Routing header",
        {"BC-ROUTE-VIA-RH"},
        lambda: {f"{_C}:add_routing": lambda pkt, coa: pkt},
    ),
    _r(
        "bu-without-ah",
        "5.1",
        "mobile node sends Binding Updates without AH",
        {"W-BU-NEEDS-AUTH"},
        lambda: _bu_packet(lambda real, a: _without_ah(real(*a))),
    ),
    _r(
        "bu-without-hao",
        "5.1",
        "mobile node sends Binding Updates without a Home Address option",
        {"W-BU-NEEDS-HAO", "MN-HOMEREG-FORM"},
        lambda: _bu_packet(_bu_no_hao),
    ),
    _r(
        "homereg-without-a",
        "9.4",
        "home registrations sent with A = 0",
        {"MN-HOMEREG-FORM"},
        _homereg_no_a,
    ),
    _r(
        "mn-home-source-away",
        "9.1",
        "away from home, packets leave with the home address as source and no Home Address option",
        {"MN-HAO-OUT"},
        _mn_home_source,
    ),
    _r(
        "mn-pp2-ignored",
        "9.9",
        "ICMP Parameter Problem code 2 for a Binding Update is ignored by the mobile node",
        {"MN-ICMP-PP2-STOP"},
        lambda: {f"{_MN}:handle_icmp": _nothing},
    ),
    _r(
        "mn-br-ignored",
        "9.11",
        "Binding Requests are never answered",
        {"MN-BR-ANSWER"},
        lambda: {f"{_MN}:handle_br": _nothing},
    ),
    _r(
        "mn-no-tunnel-trigger",
        "9.5",
        "a tunnelled packet never triggers a Binding Update to its sender",
        {"MN-TUNNEL-TRIGGERS-BU"},
        lambda: {f"{_MN}:tunnel_trigger": _nothing},
    ),
    _r(
        "mn-home-no-na",
        "9.13",
        "back home, no unsolicited Neighbor Advertisements for the home addresses",
        {"MN-RETURN-HOME"},
        lambda: {f"{_MOV}:send_na": _nothing, f"{_MN}:send_na": _nothing},
    ),
    _r(
        "mn-rs-from-home",
        "9.3",
        "the Router Solicitation after a link change has the home address as source",
        {"W-AUTOCONF-LLSRC"},
        _rs_from_home,
    ),
    _r(
        "prev-router-bu-not-h",
        "9.6",
        "the Binding Update to the previous default router lacks the H bit",
        {"MN-PREV-ROUTER-BU"},
        _prev_router_bu_not_h,
    ),
    _r(
        "mn-rate-1s-short",
        "9.8",
        "the mobile node's rate limiter waits one second less than required",
        {"MN-RATE-LIMIT", "MN-SLOW-RATE"},
        _rate_1s_short,
    ),
    # one expression of a role's source rewritten, as a mutation tool would (properties/source_faults)
    _r(
        "pp-unknown-nh-dropped",
        "6",
        "a packet with an unrecognised Next Header is discarded without the Parameter Problem",
        {"IPV6-UNKNOWN-NH"},
        _src(
            _NODE + ":IPv6Node._local",
            "*self._param_problem(iface, pkt, 1, len(pkt.headers) - 1, 0, now),",
            "*[],",
        ),
    ),
    _r(
        "pp-unknown-nh-pointer",
        "6",
        "the Parameter Problem for an unrecognised Next Header points one octet past the field",
        {"IPV6-UNKNOWN-NH"},
        _src(
            _NODE + ":IPv6Node._local",
            "len(pkt.headers) - 1, 0, now)",
            "len(pkt.headers) - 1, 1, now)",
        ),
    ),
    _r(
        "pp-pointer-header-lengths",
        "6",
        "Parameter Problem pointers count every header up to 44 (Routing, Hop-by-Hop) as 8 octets long"
        " (found by the cosmic-ray sample, bench/mutation.py)",
        {"IPV6-UNKNOWN-NH"},
        _src(_NODE + ":ext_offsets", "if nh == 44:", "if nh <= 44:", _ICMP + ":ext_offsets"),
    ),
    _r(
        "pp-hbh-first-not-walked",
        "6",
        "a leading Hop-by-Hop header is not taken for an extension header when the Parameter Problem"
        " pointer is placed, so the error owed behind it is never sent (found by the cosmic-ray"
        " sample, bench/mutation.py)",
        {"IPV6-UNKNOWN-NH"},
        _src(
            _NODE + ":ext_offsets",
            "while nh in EXT_NUMBERS and",
            "while nh in EXT_NUMBERS[1:] and",
            _ICMP + ":ext_offsets",
        ),
    ),
    _r(
        "pp2-pointer-padn-misread",
        "5.1",
        "a Parameter Problem code 2 points past a PadN option by reading its length one octet too far"
        " (found by the cosmic-ray sample, bench/mutation.py)",
        {"W-UNKNOWN-OPT-11X"},
        _src(
            _NODE + ":option_offset",
            "2 + data[p + 1]",
            "2 + data[p + 2]",
            _ICMP + ":option_offset",
        ),
    ),
    _r(
        "icmp-error-behind-headers-unseen",
        "6",
        "an ICMP error behind extension headers is not recognised as one (the header walk stops at"
        " once), so a malformed one draws a Parameter Problem (found by the cosmic-ray sample,"
        " bench/mutation.py)",
        {"IPV6-NO-ERROR-ON-ERROR"},
        _src(
            _ICMP + ":upper_of",
            "while nh in EXT_NUMBERS and pos + 2 <= len(data):",
            "while nh in EXT_NUMBERS and pos ** 2 <= len(data):",
        ),
    ),
    _r(
        "pp-hbh-not-first-pointer",
        "6",
        "the Parameter Problem for a Hop-by-Hop header that is not first points two headers on"
        " (found by the cosmic-ray sample, bench/mutation.py)",
        {"IPV6-UNKNOWN-NH"},
        _src(
            _NODE + ":IPv6Node._local",
            "*self._param_problem(iface, pkt, 1, i - 1, 0, now)",
            "*self._param_problem(iface, pkt, 1, i + 1, 0, now)",
        ),
    ),
    _r(
        "rh-24-addresses-accepted",
        "6",
        "a Type 0 Routing header with 24 addresses is processed instead of drawing a Parameter Problem",
        {"IPV6-RH-HDR-EXT-LEN"},
        _src(_NODE + ":rh0_step", "if n > 23:", "if n > 24:", _ROUTING + ":rh0_step"),
    ),
    _r(
        "rh-strict-bit-misread",
        "6",
        "the Strict/Loose bit of a hop is read from the map's right end (23 & (i - 1) for 23 - (i - 1))"
        " (found by the cosmic-ray sample, bench/mutation.py)",
        {"IPV6-RH-STRICT"},
        _src(_NODE + ":rh0_step", "(23 - (i - 1))", "(23 & (i - 1))", _ROUTING + ":rh0_step"),
    ),
    _r(
        "rh-strict-bit-ignored",
        "6",
        "a strict Routing header hop toward a non-neighbor is forwarded like a loose one",
        {"IPV6-RH-STRICT"},
        _src(
            _NODE + ":IPv6Node._route_out",
            "if strict and (sel is None or sel[1] != dst):",
            "if False:",
        ),
    ),
    _r(
        "mn-no-cn-update-after-move",
        "9.5",
        "after a move the mobile node sends no Binding Update to the correspondents in its list",
        {"MN-CN-UPDATE"},
        _src(_MOV + ":form_coa", "for rec in mn.bul.records():", "for rec in ():"),
    ),
    _r(
        "ha-ra-tunnel-other-link",
        "8.5",
        "the home agent tunnels a renumbered link's Router Advertisement to every registered mobile"
        " node, also those homed on its other home links",
        {"HA-RA-TUNNEL"},
        _src(_HA + ":HomeAgent.advertise_prefixes", " or entry[0] != iface", ""),
    ),
)
"""Faults in the roles; each expected to be caught at run time by the properties in `catches`."""
