"""Mobile node operation (§9, §10): movement, care-of addresses, Binding Update sending.

§9.1 sending away from home (HAO + care-of source), §9.2 movement detection (RAs and the engine's
`moved`/`router_unreachable`), §9.3 CoA formation (MN-COA-RATE), §9.4 home registration (DHAAD when
no HA is known, same HA first), §9.5 BUs to correspondents, §9.6 to the previous default router,
§9.7/§9.8 retransmission and rate limits, §9.12 several CoAs, §9.13 returning home, §10 multicast.
Movement (RAs, CoA formation, returning home) lives in mn_movement.py; received signalling (BA, BR,
tunnel trigger, ICMP) in mn_signalling.py.
"""

from __future__ import annotations

from dataclasses import replace

from mip6check.model.addr import (
    ALL_ROUTERS,
    Addr,
    Prefix,
    home_agents_anycast,
    iid_of,
    is_multicast,
    link_local,
)
from mip6check.model.codec import encapsulate
from mip6check.model.codec.values import (
    BindingAck,
    BindingUpdate,
    HomeAddress,
    ICMPv6,
    IPv6Packet,
    MalformedOption,
    RouterAdvertisement,
    RouterSolicitation,
    SourceLLA,
)
from mip6check.model.config import Config
from mip6check.model.roles.binding_update_list import BindingUpdateList
from mip6check.model.roles.choices import DEFAULT_CHOICES, Choices
from mip6check.model.roles.correspondent import Correspondent
from mip6check.model.roles.events import Action, BindingUpdateSent, BulChanged, NodeSnapshot, Note
from mip6check.model.roles.hooks import NodeCore, Received
from mip6check.model.roles.mn_movement import (
    NA_REXMIT_INTERVAL,
    PendingBU,
    Router,
    form_coa,
    router_advertisement,
    send_na,
)
from mip6check.model.roles.mn_signalling import (
    answer_waiting_brs,
    handle_ba,
    handle_br,
    handle_icmp,
    tunnel_trigger,
)
from mip6check.model.roles.packets import add_final_option, bu_packet


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
        self.br_waiting: dict[Addr, Addr] = {}  # BR sender -> home address, while between links
        # §9.5 tunnel triggers while between links: (correspondent, home address), sent once settled
        self.trigger_waiting: dict[tuple[Addr, Addr], None] = {}
        self.na_left: dict[Addr, tuple[str, int]] = {}

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

    def on_router_advertisement(
        self, core: NodeCore, ra: RouterAdvertisement, rx: Received, now: int
    ) -> list[Action]:
        """§9.2, §9.13, §8.5: see mn_movement.router_advertisement."""
        out = router_advertisement(self, core, ra, rx, now)
        return out + answer_waiting_brs(self, core, now)

    def router_unreachable(self, now: int) -> list[Action]:
        """Neighbor Unreachability Detection says the default router is gone (§9.2)."""
        self.router_ok = False
        return [Note(self.name, "router-unreachable", "", "9.2")]

    def register(self, core: NodeCore, now: int) -> list[Action]:
        """§9.4: H = 1, A = 1, HAO; to the known HA (the current one first, MN-SAME-HA-FIRST), else to
        the Home-Agents anycast address (§8.1). One BU per set of home addresses sharing an IID."""
        if self.primary is None:
            return []
        out: list[Action] = []
        for home in self.registered_homes():
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

    def registered_homes(self) -> list[Addr]:
        seen: list[bytes] = []
        out: list[Addr] = []
        for h in self.homes:
            iid = iid_of(h, self.id_length)
            if self.id_length == 0 or iid not in seen:
                seen.append(iid)
                out.append(h)
        return out

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
            resume=self.choices.resume_seq(p.destination),
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
        # §9.4: a registration still wanted outlives its BU's lifetime (also an unanswered DHAAD BU)
        if any(
            isinstance(e, BulChanged)
            and e.home in self.homes
            and e.destination in (self.ha, self.anycast_for(e.home))
            for e in gone
        ):
            out += self.register(core, now)
        if self.ha_reg_expiry is not None and now >= self.ha_reg_expiry:
            self.ha_reg_expiry = None
        for key in self.timers.pop_expired(now):
            assert isinstance(key, tuple)
            if key[0] == "bu":
                p = self.pending.pop((key[1], key[2]), None)
                if p is not None:
                    out += self.queue_bu(core, p, now)
            elif key[0] == "coa":
                out += form_coa(self, core, now)
                out += answer_waiting_brs(self, core, now)
            elif key[0] == "refresh":
                if not self.at_home and self.primary is not None:
                    out += self.register(core, now)
            elif key[0] == "na":
                iface, left = self.na_left.pop(key[1], ("", 0))
                if left > 0 and self.at_home:
                    out += send_na(self, core, iface, link_local(self.home), key[1], now)
                    if left > 1:
                        self.na_left[key[1]] = (iface, left - 1)
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
