"""Mobile node movement (§9.2, §9.3, §9.12, §9.13, §8.5 on the receiving side): functions over a
`MobileNode`, split from mobile_node.py (STYLE principle 9).

A new default router on a new link is movement; the new primary care-of address is formed from its
prefix with the MN's IID, at most once per MAX_UPDATE_RATE; the home prefix on-link again is home.
Addresses come only from prefixes stateless autoconfiguration accepts (RFC 2462 §5.5.3): a prefix
that leaves no room for the 64-bit interface identifier is ignored, with a note, never used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mip6check.model.addr import (
    UNSPECIFIED,
    Addr,
    Prefix,
    iid_of,
    is_link_local,
    is_multicast,
    link_local,
    site_local,
)
from mip6check.model.codec.values import PrefixInfo, RouterAdvertisement
from mip6check.model.roles import kernel as K
from mip6check.model.roles.events import Action, Note
from mip6check.model.roles.hooks import NodeCore, Received
from mip6check.model.roles.logic import PY
from mip6check.model.roles.packets import unsolicited_na

if TYPE_CHECKING:
    from mip6check.model.roles.mobile_node import MobileNode

NA_REXMIT_INTERVAL = 1_000  # RFC 2461 RETRANS_TIMER between repeated unsolicited NAs (§9.13 MAY)
IID_BITS = 64
"""The interface identifier's length on the links modelled (RFC 2464 §4: Ethernet's is 64 bits), the
one the home address carries and every address the mobile node forms reuses."""
AUTOCONF = "RFC2462 5.5.3"


@dataclass(frozen=True, slots=True)
class PendingBU:
    """A Binding Update decided but held back by §9.8 rate limiting (sent when allowed)."""

    destination: Addr
    home: Addr
    coa: Addr
    lifetime: int
    home_reg: bool
    ack: bool
    id_length: int
    src: Addr
    section: str


@dataclass(frozen=True, slots=True)
class Router:
    """The default router: its (link-local) address, interface, global address if known, its on-link
    prefixes, and those of them with the Autonomous flag (RFC 2462 §5.5.3 (a): only these may give
    addresses)."""

    address: Addr
    iface: str
    global_address: Addr | None
    prefixes: tuple[Prefix, ...]
    autonomous: tuple[Prefix, ...]


def autoconf_address(p: Prefix, iid_source: Addr) -> Addr | None:
    """The address stateless autoconfiguration forms on prefix `p` with the interface identifier of
    `iid_source` (RFC 2462 §5.5.3), or None: a link-local prefix (b), a prefix whose length plus the
    identifier's IID_BITS is not 128 (d), or one giving no unicast address (the unspecified address,
    a multicast one: RFC 2373 §2.5.2, §2.7) forms none."""
    if p.length != 128 - IID_BITS or is_link_local(p.network):
        return None
    addr = p.with_iid(iid_of(iid_source, IID_BITS))
    return None if addr == UNSPECIFIED or is_multicast(addr) else addr


def ignored_prefixes(mn: MobileNode, prefixes: tuple[Prefix, ...]) -> list[Action]:
    """A note for each autonomous prefix autoconfiguration ignores (RFC 2462 §5.5.3 (d) asks that
    the length mismatch be logged); link-local ones (b) and those without the Autonomous flag (a)
    are ignored silently."""
    return [
        Note(mn.name, "prefix-ignored", str(p), AUTOCONF)
        for p in prefixes
        if not is_link_local(p.network) and autoconf_address(p, mn.home) is None
    ]


def router_advertisement(
    mn: MobileNode, core: NodeCore, ra: RouterAdvertisement, rx: Received, now: int
) -> list[Action]:
    """§9.2: a new default router on a new link means movement; the home prefix means home (§9.13);
    an RA tunnelled from the home agent must be authenticated (§8.5). Every on-link prefix counts
    for where the node is; only those autoconfiguration accepts give addresses (RFC 2462 §5.5.3)."""
    infos = [o for o in ra.options if isinstance(o, PrefixInfo) and o.on_link]
    prefixes = tuple(Prefix(o.prefix, o.prefix_length) for o in infos)
    auto = tuple(Prefix(o.prefix, o.prefix_length) for o in infos if o.autonomous)
    if rx.tunnel_outer is not None:
        if not rx.auth:
            return home_ra(mn, core, auto, rx, now)
        return ignored_prefixes(mn, auto) + home_ra(mn, core, auto, rx, now)
    gaddr = next(
        (o.prefix for o in ra.options if isinstance(o, PrefixInfo) and o.flags_rest & 0x20), None
    )
    gaddr = gaddr or (None if is_link_local(rx.packet.src) else rx.packet.src)
    router = Router(rx.packet.src, rx.iface, gaddr, prefixes, auto)
    return ignored_prefixes(mn, auto) + _local_ra(mn, core, router, now)


def _local_ra(mn: MobileNode, core: NodeCore, router: Router, now: int) -> list[Action]:
    """An RA received on the link the node is on (§9.2, §9.13)."""
    at_home_link = any(p.contains(mn.home) for p in router.prefixes)
    if mn.router is not None and (mn.router.address, mn.router.iface) == (
        router.address,
        router.iface,
    ):
        before, mn.router, mn.router_ok = mn.router, router, True
        if at_home_link and not mn.at_home:
            return return_home(mn, core, router, now)
        if not mn.at_home and not _usable(mn, before) and _usable(mn, router):
            return form_coa(
                mn, core, now
            )  # §9.3: the movement's address, now that one can be formed
        return []
    if mn.router is not None and mn.router_ok:
        return secondary(mn, core, router, now)
    if at_home_link:
        if mn.at_home:
            mn.router, mn.router_ok = router, True
            return []
        return return_home(mn, core, router, now)
    return move(mn, core, router, now)


def home_ra(
    mn: MobileNode, core: NodeCore, prefixes: tuple[Prefix, ...], rx: Received, now: int
) -> list[Action]:
    """§8.5: only an authenticated RA from the home agent changes the home prefix; the new home
    address is autoconfigured (the MN's IID on the new prefix) and, unless ID Length already makes
    the home agent serve it, registered."""
    if not rx.auth:
        return [Note(mn.name, "ra-unauthenticated", "", "8.5")]
    formed = [(p, autoconf_address(p, mn.home)) for p in prefixes]
    fresh = [p for p, x in formed if x is not None]
    added = [x for x in dict.fromkeys(x for _, x in formed if x is not None) if x not in mn.homes]
    mn.homes = (*mn.homes, *added)
    if fresh and mn.home_prefix not in fresh:
        mn.home_prefix = fresh[0]
    out: list[Action] = [Note(mn.name, "home-renumbered", a.hex(), "8.5") for a in added]
    if added and mn.id_length == 0 and not mn.at_home:
        out += mn.register(core, now)
    return out


def secondary(mn: MobileNode, core: NodeCore, router: Router, now: int) -> list[Action]:
    """§9.3: a new prefix while the default router is still reachable MAY give a non-primary CoA."""
    out: list[Action] = []
    for p in router.autonomous:
        coa = autoconf_address(p, mn.home)
        if coa is None or not mn.choices.secondary_coa(p.network):
            continue
        if coa not in mn.coas:
            core.add_address(router.iface, coa)
            mn.coas.append(coa)
            out.append(Note(mn.name, "coa-formed", "secondary " + coa.hex(), "9.3"))
    return out


def move(mn: MobileNode, core: NodeCore, router: Router, now: int) -> list[Action]:
    out: list[Action] = [Note(mn.name, "movement", router.iface, "9.2")]
    old = mn.router
    if (
        old is not None
        and not mn.at_home
        and mn.primary is not None
        and old.global_address is not None
        and any(p.contains(mn.primary) for p in old.prefixes)
    ):
        # §9.6: the previous default router is the one whose prefix gave the primary care-of
        # address; a router left before a new address was formed (deferred, §9.3) is not it
        mn.prev = (old.global_address, mn.primary)
    mn.router, mn.router_ok, mn.at_home = router, True, False
    return out + form_coa(mn, core, now)


def _usable(mn: MobileNode, router: Router) -> tuple[Prefix, ...]:
    """The router's prefixes a care-of address can be formed from (RFC 2462 §5.5.3)."""
    return tuple(p for p in router.autonomous if autoconf_address(p, mn.home) is not None)


def form_coa(mn: MobileNode, core: NodeCore, now: int) -> list[Action]:
    """§9.3: the new primary CoA from the new router's prefix and the MN's IID, at most once per
    MAX_UPDATE_RATE (kernel.coa_formation_ok); otherwise deferred."""
    r = mn.router
    if r is None or mn.at_home:
        return []
    usable = _usable(mn, r)
    if not usable:
        return [Note(mn.name, "no-prefix", r.iface, "9.3")]
    ok = K.coa_formation_ok(
        PY,
        mn.config,
        formed_before=mn.last_coa_formed is not None,
        now=now,
        last_formed=mn.last_coa_formed or 0,
    )
    if not ok:
        assert mn.last_coa_formed is not None
        mn.timers.arm(("coa",), mn.last_coa_formed + mn.config.max_update_rate)
        return [Note(mn.name, "coa-deferred", "", "9.3")]
    i = mn.choices.select_prefix(tuple(p.network for p in usable))
    coa = autoconf_address(usable[min(max(i, 0), len(usable) - 1)], mn.home)
    assert coa is not None  # `usable` holds only prefixes that form one
    if coa == mn.primary:
        return []
    ll = link_local(mn.home)
    if ll not in core.addresses():
        core.add_address(r.iface, ll)
    if coa not in core.addresses():
        core.add_address(r.iface, coa)
    mn.coas = [coa, *[c for c in mn.coas if c != coa]]  # the old primary stays (§9.12)
    mn.primary, mn.last_coa_formed = coa, now
    out: list[Action] = [Note(mn.name, "coa-formed", coa.hex(), "9.3")]
    out += mn.register(core, now)
    if mn.prev is not None and mn.choices.prev_router_bu(mn.prev[0]):
        dst, old_coa = mn.prev
        out += mn.queue_bu(
            core, PendingBU(dst, old_coa, coa, mn.cn_lifetime, True, True, 0, coa, "9.6"), now
        )
    for rec in mn.bul.records():
        if not rec.home_reg and rec.destination != mn.ha and mn.choices.bu_to_cn(rec.destination):
            out += mn.queue_bu(
                core,
                PendingBU(
                    rec.destination,
                    rec.home,
                    coa,
                    mn.cn_lifetime,
                    False,
                    mn.choices.cn_ack(rec.destination),
                    0,
                    coa,
                    "9.5",
                ),
                now,
            )
    return out


# ------------------------------------------------------------ §9.13
def return_home(mn: MobileNode, core: NodeCore, router: Router, now: int) -> list[Action]:
    """§9.13: BU with CoA = home address (H, A) and all-nodes NAs (S = 0, O = 1) for every home
    address on the on-link prefixes, link-local and site-local included."""
    mn.router, mn.router_ok, mn.at_home = router, True, True
    mn.primary, mn.prev = None, None
    out: list[Action] = [Note(mn.name, "returned-home", router.iface, "9.13")]
    for home in mn.registered_homes():
        if mn.ha is not None:
            out += mn.queue_bu(
                core,
                PendingBU(
                    mn.ha,
                    home,
                    home,
                    mn.home_lifetime,
                    True,
                    True,
                    mn.id_length,
                    home,
                    "9.13",
                ),
                now,
            )
    for rec in mn.bul.records():
        if not rec.home_reg and mn.choices.bu_to_cn(rec.destination):
            out += mn.queue_bu(
                core,
                PendingBU(
                    rec.destination, rec.home, rec.home, 0, False, False, 0, rec.home, "9.13"
                ),
                now,
            )
    ll = link_local(mn.home)
    for target in home_targets(mn, router.prefixes):
        out += send_na(mn, core, router.iface, ll, target, now)
        n = min(max(mn.choices.na_rexmit(target), 0), mn.config.max_advert_rexmit)
        if n:
            mn.na_left[target] = (router.iface, n)
            mn.timers.arm(("na", target), now + NA_REXMIT_INTERVAL)
    mn.coas = []
    return out


def home_targets(mn: MobileNode, prefixes: tuple[Prefix, ...]) -> tuple[Addr, ...]:
    out: list[Addr] = list(mn.homes)
    for h in mn.homes:
        for p in prefixes:
            x = autoconf_address(p, h)
            if x is not None:
                out.append(x)
        out += [link_local(h), site_local(h)]
    return tuple(dict.fromkeys(out))


def send_na(
    mn: MobileNode, core: NodeCore, iface: str, src: Addr, target: Addr, now: int
) -> list[Action]:
    return core.send_on_link(iface, unsolicited_na(src, target, core.lla(iface)), None, now)
