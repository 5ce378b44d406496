"""Mobile node operation (§9, §10): movement, care-of addresses, Binding Update sending.

§9.1 sending away from home (HAO + care-of source), §9.2 movement detection (RAs and the engine's
`moved`/`router_unreachable`), §9.3 CoA formation (MN-COA-RATE), §9.4 home registration (DHAAD when
no HA is known, same HA first), §9.5 BUs to correspondents, §9.6 to the previous default router,
§9.7/§9.8 retransmission and rate limits, §9.12 several CoAs, §9.13 returning home, §10 multicast.
Received-message families (BA, BR, tunnel trigger, ICMP) live in mn_signalling.py.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from model.addr import (
    ALL_ROUTERS,
    Addr,
    Prefix,
    home_agents_anycast,
    iid_of,
    is_link_local,
    is_multicast,
    link_local,
    site_local,
)
from model.codec import encapsulate
from model.codec.values import (
    BindingAck,
    BindingUpdate,
    HomeAddress,
    ICMPv6,
    IPv6Packet,
    MalformedOption,
    PrefixInfo,
    RouterAdvertisement,
    RouterSolicitation,
    SourceLLA,
)
from model.config import Config
from model.roles import kernel as K
from model.roles.binding_update_list import BindingUpdateList
from model.roles.choices import DEFAULT_CHOICES, Choices
from model.roles.correspondent import Correspondent
from model.roles.events import Action, BindingUpdateSent, NodeSnapshot, Note
from model.roles.hooks import NodeCore, Received
from model.roles.logic import PY
from model.roles.mn_signalling import handle_ba, handle_br, handle_icmp, tunnel_trigger
from model.roles.packets import add_final_option, bu_packet, unsolicited_na

NA_REXMIT_INTERVAL = 1_000


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
    """The default router: its (link-local) address, interface, global address if known, prefixes."""

    address: Addr
    iface: str
    global_address: Addr | None
    prefixes: tuple[Prefix, ...]


class MobileNode(Correspondent):
    """§9. `home`: the home address (others in `other_homes`); `home_agent`: None = discover (§8.1)."""

    def __init__(
        self,
        name: str,
        config: Config,
        *,
        home: Addr,
        home_prefix: Prefix,
        home_agent: Addr | None = None,
        other_homes: tuple[Addr, ...] = (),
        id_length: int = 64,
        home_lifetime: int = 600,
        cn_lifetime: int = 300,
        at_home: bool = True,
        capacity: int = 64,
        choices: Choices = DEFAULT_CHOICES,
    ) -> None:
        super().__init__(name, config, capacity=capacity, choices=choices)
        self.homes = (home, *other_homes)
        self.home_prefix = home_prefix
        self.ha = home_agent
        self.ha_reg_expiry: int | None = None
        self.id_length = id_length
        self.home_lifetime = home_lifetime
        self.cn_lifetime = cn_lifetime
        self.at_home = at_home
        self.primary: Addr | None = None
        self.coas: list[Addr] = []  # every care-of address in use, primary included (§9.12)
        self.router: Router | None = None
        self.router_ok = False
        self.prev: tuple[Addr, Addr] | None = None  # (previous router's address, old primary CoA)
        self.last_coa_formed: int | None = None
        self.bul = BindingUpdateList(name, config)
        self.pending: dict[tuple[Addr, Addr], PendingBU] = {}
        self._na_left: dict[Addr, tuple[str, int]] = {}

    @property
    def home(self) -> Addr:
        return self.homes[0]

    def anycast_for(self, home: Addr) -> Addr:
        """§8.1, wire-formats 4.4: the Home-Agents anycast address of the home subnet."""
        return self.config.ha_anycast or home_agents_anycast(self.home_prefix)

    # ------------------------------------------------------------ engine API (§9.2)
    def moved(self, core: NodeCore, iface: str, now: int) -> list[Action]:
        """Lower-layer indication of a link change: not movement by itself (§9.2); the default router is
        presumed gone and a Router Solicitation (link-local source, W-AUTOCONF-LLSRC) is sent."""
        self.router_ok = False
        ll = link_local(self.home)
        if ll not in core.addresses():
            core.add_address(iface, ll)
        rs = IPv6Packet(
            ll, ALL_ROUTERS, (), RouterSolicitation((SourceLLA(core.lla(iface)),)), hop_limit=255
        )
        return [
            Note(self.name, "link-change", iface, "9.2"),
            *core.send_on_link(iface, rs, None, now),
        ]

    def router_unreachable(self, now: int) -> list[Action]:
        """Neighbor Unreachability Detection says the default router is gone (§9.2)."""
        self.router_ok = False
        return [Note(self.name, "router-unreachable", "", "9.2")]

    def on_router_advertisement(
        self, core: NodeCore, ra: RouterAdvertisement, rx: Received, now: int
    ) -> list[Action]:
        """§9.2: a new default router on a new link means movement; the home prefix means home (§9.13);
        an RA tunnelled from the home agent must be authenticated (§8.5)."""
        infos = [o for o in ra.options if isinstance(o, PrefixInfo)]
        prefixes = tuple(Prefix(o.prefix, o.prefix_length) for o in infos if o.on_link)
        if rx.tunnel_outer is not None:
            return self._home_ra(core, prefixes, rx, now)
        gaddr = next((o.prefix for o in infos if o.flags_rest & 0x20), None)
        gaddr = gaddr or (None if is_link_local(rx.packet.src) else rx.packet.src)
        router = Router(rx.packet.src, rx.iface, gaddr, prefixes)
        at_home_link = any(p.contains(self.home) for p in prefixes)
        if self.router is not None and (self.router.address, self.router.iface) == (
            router.address,
            router.iface,
        ):
            self.router, self.router_ok = router, True
            if at_home_link and not self.at_home:
                return self._return_home(core, router, now)
            return []
        if self.router is not None and self.router_ok:
            return self._secondary(core, router, now)
        if at_home_link:
            if self.at_home:
                self.router, self.router_ok = router, True
                return []
            return self._return_home(core, router, now)
        return self._move(core, router, now)

    def _home_ra(
        self, core: NodeCore, prefixes: tuple[Prefix, ...], rx: Received, now: int
    ) -> list[Action]:
        if not rx.auth:
            return [Note(self.name, "ra-unauthenticated", "", "8.5")]
        new = [
            p.with_iid(iid_of(self.home, 128 - p.length))
            for p in prefixes
            if not is_link_local(p.network)
        ]
        added = [a for a in new if a not in self.homes]
        self.homes = (*self.homes, *added)
        return [Note(self.name, "home-renumbered", a.hex(), "8.5") for a in added]

    def _secondary(self, core: NodeCore, router: Router, now: int) -> list[Action]:
        """§9.3: a new prefix while the default router is still reachable MAY give a non-primary CoA."""
        out: list[Action] = []
        for p in router.prefixes:
            if is_link_local(p.network) or not self.choices.secondary_coa(p.network):
                continue
            coa = p.with_iid(iid_of(self.home, 128 - p.length))
            if coa not in self.coas:
                core.add_address(router.iface, coa)
                self.coas.append(coa)
                out.append(Note(self.name, "coa-formed", "secondary " + coa.hex(), "9.3"))
        return out

    def _move(self, core: NodeCore, router: Router, now: int) -> list[Action]:
        out: list[Action] = [Note(self.name, "movement", router.iface, "9.2")]
        old = self.router
        if (
            old is not None
            and not self.at_home
            and self.primary is not None
            and old.global_address is not None
        ):
            self.prev = (old.global_address, self.primary)
        self.router, self.router_ok, self.at_home = router, True, False
        return out + self._form_coa(core, now)

    def _form_coa(self, core: NodeCore, now: int) -> list[Action]:
        """§9.3: the new primary CoA from the new router's prefix and the MN's IID, at most once per
        MAX_UPDATE_RATE (kernel.coa_formation_ok); otherwise deferred."""
        r = self.router
        if r is None or self.at_home:
            return []
        usable = tuple(p for p in r.prefixes if not is_link_local(p.network))
        if not usable:
            return [Note(self.name, "no-prefix", r.iface, "9.3")]
        ok = K.coa_formation_ok(
            PY,
            self.config,
            formed_before=self.last_coa_formed is not None,
            now=now,
            last_formed=self.last_coa_formed or 0,
        )
        if not ok:
            assert self.last_coa_formed is not None
            self.timers.arm(("coa",), self.last_coa_formed + self.config.max_update_rate)
            return [Note(self.name, "coa-deferred", "", "9.3")]
        i = self.choices.select_prefix(tuple(p.network for p in usable))
        p = usable[min(max(i, 0), len(usable) - 1)]
        coa = p.with_iid(iid_of(self.home, 128 - p.length))
        if coa == self.primary:
            return []
        ll = link_local(self.home)
        if ll not in core.addresses():
            core.add_address(r.iface, ll)
        if coa not in core.addresses():
            core.add_address(r.iface, coa)
        self.coas = [coa, *[c for c in self.coas if c != coa]]  # the old primary stays (§9.12)
        self.primary, self.last_coa_formed = coa, now
        out: list[Action] = [Note(self.name, "coa-formed", coa.hex(), "9.3")]
        out += self.register(core, now)
        if self.prev is not None and self.choices.prev_router_bu(self.prev[0]):
            dst, old_coa = self.prev
            out += self.queue_bu(
                core, PendingBU(dst, old_coa, coa, self.cn_lifetime, True, True, 0, coa, "9.6"), now
            )
        for rec in self.bul.records():
            if (
                not rec.home_reg
                and rec.destination != self.ha
                and self.choices.bu_to_cn(rec.destination)
            ):
                out += self.queue_bu(
                    core,
                    PendingBU(
                        rec.destination,
                        rec.home,
                        coa,
                        self.cn_lifetime,
                        False,
                        self.choices.cn_ack(rec.destination),
                        0,
                        coa,
                        "9.5",
                    ),
                    now,
                )
        return out

    def register(self, core: NodeCore, now: int) -> list[Action]:
        """§9.4: H = 1, A = 1, HAO; to the known HA (the current one first, MN-SAME-HA-FIRST), else to
        the Home-Agents anycast address (§8.1). One BU per set of home addresses sharing an IID."""
        if self.primary is None:
            return []
        out: list[Action] = []
        for home in self._registered_homes():
            dst = self.ha if self.ha is not None else self.anycast_for(home)
            out += self.queue_bu(
                core,
                PendingBU(
                    dst,
                    home,
                    self.primary,
                    self.home_lifetime,
                    True,
                    True,
                    self.id_length,
                    self.primary,
                    "9.4",
                ),
                now,
            )
        return out

    def _registered_homes(self) -> list[Addr]:
        seen: list[bytes] = []
        out: list[Addr] = []
        for h in self.homes:
            iid = iid_of(h, self.id_length)
            if self.id_length == 0 or iid not in seen:
                seen.append(iid)
                out.append(h)
        return out

    # ------------------------------------------------------------ §9.13
    def _return_home(self, core: NodeCore, router: Router, now: int) -> list[Action]:
        """§9.13: BU with CoA = home address (H, A) and all-nodes NAs (S = 0, O = 1) for every home
        address on the on-link prefixes, link-local and site-local included."""
        self.router, self.router_ok, self.at_home = router, True, True
        self.primary, self.prev = None, None
        out: list[Action] = [Note(self.name, "returned-home", router.iface, "9.13")]
        for home in self._registered_homes():
            if self.ha is not None:
                out += self.queue_bu(
                    core,
                    PendingBU(
                        self.ha,
                        home,
                        home,
                        self.home_lifetime,
                        True,
                        True,
                        self.id_length,
                        home,
                        "9.13",
                    ),
                    now,
                )
        for rec in self.bul.records():
            if not rec.home_reg and self.choices.bu_to_cn(rec.destination):
                out += self.queue_bu(
                    core,
                    PendingBU(
                        rec.destination, rec.home, rec.home, 0, False, False, 0, rec.home, "9.13"
                    ),
                    now,
                )
        ll = link_local(self.home)
        for target in self.home_targets(router.prefixes):
            out += self._na(core, router.iface, ll, target, now)
            n = min(max(self.choices.na_rexmit(target), 0), self.config.max_advert_rexmit)
            if n:
                self._na_left[target] = (router.iface, n)
                self.timers.arm(("na", target), now + NA_REXMIT_INTERVAL)
        self.coas = []
        return out

    def home_targets(self, prefixes: tuple[Prefix, ...]) -> tuple[Addr, ...]:
        out: list[Addr] = list(self.homes)
        for h in self.homes:
            for p in prefixes:
                if not is_link_local(p.network):
                    out.append(p.with_iid(iid_of(h, 128 - p.length)))
            out += [link_local(h), site_local(h)]
        return tuple(dict.fromkeys(out))

    def _na(self, core: NodeCore, iface: str, src: Addr, target: Addr, now: int) -> list[Action]:
        return core.send_on_link(iface, unsolicited_na(src, target, core.lla(iface)), None, now)

    # ------------------------------------------------------------ sending BUs (§9.4-§9.8)
    def queue_bu(self, core: NodeCore, p: PendingBU, now: int) -> list[Action]:
        """Send now if §9.8/§9.9 allow (kernel.bu_allowed), else hold it until the rate limit allows."""
        when = self.bul.earliest(p.destination, now, p.coa)
        if when is None:
            return [Note(self.name, "bu-suppressed", p.destination.hex(), "9.9")]
        if when > now:
            self.pending[(p.destination, p.home)] = p
            self.timers.arm(("bu", p.destination, p.home), when)
            return [Note(self.name, "bu-deferred", p.destination.hex(), "9.8")]
        self.pending.pop((p.destination, p.home), None)
        self.timers.cancel(("bu", p.destination, p.home))
        step = self.choices.seq_step(p.destination)
        init = self.choices.initial_seq(core.random)
        rec, out = self.bul.new_bu(
            p.destination,
            p.home,
            p.coa,
            now,
            lifetime=p.lifetime,
            home_reg=p.home_reg,
            ack=p.ack,
            step=step,
            initial_seq=init,
            id_length=p.id_length,
            src=p.src,
        )
        return [
            *out,
            *self._emit_bu(
                core,
                p.destination,
                p.home,
                rec.coa,
                rec.seq,
                p.lifetime,
                p.home_reg,
                p.ack,
                p.id_length,
                p.src,
                False,
                p.section,
                now,
            ),
        ]

    def _emit_bu(
        self,
        core: NodeCore,
        dst: Addr,
        home: Addr,
        coa: Addr,
        seq: int,
        lifetime: int,
        h: bool,
        a: bool,
        id_length: int,
        src: Addr,
        retx: bool,
        section: str,
        now: int,
    ) -> list[Action]:
        care_of = coa if coa != src else None
        bu = BindingUpdate(
            seq,
            lifetime,
            a,
            h,
            care_of is not None,
            id_length,
            care_of,
            0,
            b"",
            self.config.profile.bu,
        )
        pkt = bu_packet(src, dst, bu, home, self.config.profile.hao)
        ev = BindingUpdateSent(self.name, dst, home, coa, seq, lifetime, h, a, retx, section)
        return [ev, *core.send(pkt, now)]

    # ------------------------------------------------------------ received signalling (mn_signalling.py)
    def on_receive(self, core: NodeCore, rx: Received, now: int) -> list[Action]:
        return tunnel_trigger(self, core, rx, now) + super().on_receive(core, rx, now)

    def _on_ba(
        self, core: NodeCore, rx: Received, ba: BindingAck | MalformedOption, olen: int, now: int
    ) -> list[Action]:
        return handle_ba(self, core, rx, ba, olen, now)

    def _on_br(self, core: NodeCore, rx: Received, now: int) -> list[Action]:
        return handle_br(self, core, rx, now)

    def on_icmp_error(self, core: NodeCore, msg: ICMPv6, rx: Received, now: int) -> list[Action]:
        return handle_icmp(self, core, msg, now) + super().on_icmp_error(core, msg, rx, now)

    # ------------------------------------------------------------ §9.1, §10 output
    def on_output(self, core: NodeCore, packet: IPv6Packet, now: int) -> IPv6Packet | list[Action]:
        """Away from home, a packet from the home address gets a HAO and the primary CoA as source
        (§9.1); a global multicast one may instead be reverse-tunnelled to the HA (§10)."""
        if not self.at_home and self.primary is not None and packet.src in self.homes:
            scope = packet.dst[1] & 0x0F if is_multicast(packet.dst) else 0
            if scope > 2 and self.ha is not None and self.choices.mcast_via_ha(packet.dst):
                outer = encapsulate(packet, self.primary, self.ha)
                return [
                    Note(self.name, "mcast-via-ha", packet.dst.hex(), "10"),
                    *core.send(outer, now),
                ]
            packet = add_final_option(
                packet, HomeAddress(packet.src, opt_type=self.config.profile.hao)
            )
            packet = replace(packet, src=self.primary)
        return super().on_output(core, packet, now)

    # ------------------------------------------------------------ timers and views
    def on_timer(self, core: NodeCore, now: int) -> list[Action]:
        out = super().on_timer(core, now)
        gone = self.bul.expire(now)
        out += gone
        if any(
            getattr(e, "home", None) in self.homes and getattr(e, "destination", None) == self.ha
            for e in gone
        ):
            out += self.register(
                core, now
            )  # §9.4: a registration still wanted outlives its BU's lifetime
        if self.ha_reg_expiry is not None and now >= self.ha_reg_expiry:
            self.ha_reg_expiry = None
        for key in self.timers.pop_expired(now):
            assert isinstance(key, tuple)
            if key[0] == "bu":
                p = self.pending.pop((key[1], key[2]), None)
                if p is not None:
                    out += self.queue_bu(core, p, now)
            elif key[0] == "coa":
                out += self._form_coa(core, now)
            elif key[0] == "refresh":
                if not self.at_home and self.primary is not None:
                    out += self.register(core, now)
            elif key[0] == "na":
                iface, left = self._na_left.pop(key[1], ("", 0))
                if left > 0 and self.at_home:
                    out += self._na(core, iface, link_local(self.home), key[1], now)
                    if left > 1:
                        self._na_left[key[1]] = (iface, left - 1)
                        self.timers.arm(key, now + NA_REXMIT_INTERVAL)
        for dst, home in self.bul.due(now):
            rec = self.bul.retransmit(dst, home, now)
            out += self._emit_bu(
                core,
                dst,
                home,
                rec.coa,
                rec.seq,
                rec.lifetime,
                rec.home_reg,
                rec.ack,
                rec.id_length,
                rec.src,
                True,
                "9.7",
                now,
            )
        return out

    def next_deadline(self) -> int | None:
        ds = [d for d in (super().next_deadline(), self.bul.next_deadline()) if d is not None]
        return min(ds) if ds else None

    def snapshot(self, name: str, now: int) -> NodeSnapshot:
        return NodeSnapshot(
            name, now, self.cache.views(), self.bul.views(), tuple(self.coas), self.at_home
        )
