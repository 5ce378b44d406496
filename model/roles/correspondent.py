"""Correspondent node operation (§7): what every IPv6 node does with Mobile IPv6 options.

§7.1 Home Address option (never touches the cache), §7.2 Binding Update validation (silent discard),
§7.3/§7.4 cache and delete, §7.5 Binding Acknowledgements, §7.6 Binding Requests, §7.7 replacement,
§7.8 ICMP errors, §7.9 sending via a Routing header. Decisions are the kernel's (`PY`).
"""

from __future__ import annotations

from mip6check.model.addr import Addr, Prefix, is_link_local, is_multicast
from mip6check.model.codec.options import stated_binding_update
from mip6check.model.codec.values import (
    TCP,
    UDP,
    BindingAck,
    BindingRequest,
    BindingUpdate,
    DestUnreachable,
    ICMPv6,
    IPv6Packet,
    MalformedOption,
    Raw,
    RouterAdvertisement,
)
from mip6check.model.config import BuCLength, Config
from mip6check.model.roles import kernel as K
from mip6check.model.roles.binding_cache import ABSENT, BindingCache, BuDecision
from mip6check.model.roles.choices import DEFAULT_CHOICES, Choices
from mip6check.model.roles.events import (
    Action,
    BindingIgnored,
    BindingProcessed,
    Delivered,
    NodeSnapshot,
    Note,
)
from mip6check.model.roles.hooks import NodeCore, Received
from mip6check.model.roles.logic import PY
from mip6check.model.roles.packets import (
    add_final_option,
    add_routing,
    ba_packet,
    bu_fixed_length,
    has_routing,
    invoking_addresses,
    option_length,
)
from mip6check.model.roles.timers import TimerSet


def flow_of(pkt: IPv6Packet) -> int:
    """The flow/packet identifier the SYS properties follow: the first 4 octets of UDP/TCP data."""
    u = pkt.payload
    data = u.payload if isinstance(u, (UDP, TCP)) else u.data if isinstance(u, Raw) else b""
    return int.from_bytes(data[:4], "big") if data else 0


class Correspondent:
    """§7: a node that caches bindings (capacity bounded, §7.7) and routes to them (§7.9)."""

    is_home_agent = False

    def __init__(
        self, name: str, config: Config, *, capacity: int = 64, choices: Choices = DEFAULT_CHOICES
    ) -> None:
        self.name = name
        self.config = config
        self.choices = choices
        self.cache = BindingCache(name, config, capacity)
        self.timers = TimerSet()

    # ------------------------------------------------------------ hooks.Mobility
    def recognised_options(self) -> frozenset[int]:
        p = self.config.profile
        return frozenset({p.bu, p.ba, p.br, p.hao})

    def on_receive(self, core: NodeCore, rx: Received, now: int) -> list[Action]:
        """Mobile IPv6 options in order; a BU failing §7.2 discards the whole packet (silently)."""
        out: list[Action] = []
        lengths = (
            rx.opt_lengths
            if len(rx.opt_lengths) == len(rx.options)
            else tuple(option_length(o) for o in rx.options)
        )
        for opt, olen in zip(rx.options, lengths, strict=True):
            if isinstance(opt, MalformedOption) and self.config.bu_c_length is not BuCLength.LAYOUT:
                # §5.1, §7.2 (B1, C5): C set and the length the reading asks for, without a care-of field
                opt = stated_binding_update(opt, bu_fixed_length(True, self.config)) or opt
            if isinstance(opt, BindingUpdate) or (
                isinstance(opt, MalformedOption) and opt.kind == "BU"
            ):
                acts, keep = self._on_bu(core, rx, opt, olen, now)
                out.extend(acts)
                if not keep:
                    return out
            elif isinstance(opt, BindingAck) or (
                isinstance(opt, MalformedOption) and opt.kind == "BA"
            ):
                out.extend(self._on_ba(core, rx, opt, olen, now))
            elif isinstance(opt, BindingRequest):
                out.extend(self._on_br(core, rx, now))
            # HomeAddress: §7.1 substitution is done by the node (rx.src); it never touches the cache (§5.4).
        out.extend(self._deliver(core, rx, now))
        return out

    def _deliver(self, core: NodeCore, rx: Received, now: int) -> list[Action]:
        if isinstance(rx.packet.payload, (UDP, TCP, Raw)):
            via = "tunnel" if rx.tunnel_outer is not None else "rh" if rx.via_rh else "direct"
            return [Delivered(self.name, rx.src, rx.final_dst, via, flow_of(rx.packet))]
        return []

    def intercept(
        self, core: NodeCore, packet: IPv6Packet, iface: str, now: int
    ) -> list[Action] | None:
        return None

    def on_output(self, core: NodeCore, packet: IPv6Packet, now: int) -> IPv6Packet | list[Action]:
        """§7.9: a packet to an address with a binding goes via its care-of address in a Routing header;
        §7.6: near expiry of an entry in use, a Binding Request rides along (rate-limited, MAY)."""
        if has_routing(packet) or is_multicast(packet.dst):
            return packet
        found = self.cache.route(packet.dst, now)
        if found is None:
            return packet
        rec, via = found
        out = add_routing(packet, via)
        near = not rec.infinite and rec.expiry - now < self.config.br_threshold
        fresh = rec.br_sent is None or now - rec.br_sent >= self.config.br_min_interval
        if near and fresh and self.choices.send_br(rec.home):
            out = add_final_option(out, BindingRequest(opt_type=self.config.profile.br))
            self.cache.note_br(rec.home, now)
            return [Note(self.name, "binding-request", rec.home.hex(), "7.6"), *core.send(out, now)]
        return out

    def on_icmp_error(self, core: NodeCore, msg: ICMPv6, rx: Received, now: int) -> list[Action]:
        """§7.8: persistent Destination Unreachable for packets routed by a binding deletes the entry."""
        if not isinstance(msg, DestUnreachable):
            return []
        dst, final, _ = invoking_addresses(msg.invoking, self.config)
        if dst is None or final is None:
            return []
        rec = self.cache.get(final)
        if rec is None or dst not in (rec.coa, rec.home):
            return []
        return list(self.cache.icmp_unreachable(final, self.config.unreach_persist))

    def on_router_advertisement(
        self, core: NodeCore, ra: RouterAdvertisement, rx: Received, now: int
    ) -> list[Action]:
        return []

    def proxied(self) -> dict[Addr, str]:
        return {}

    def anycast(self) -> tuple[Addr, ...]:
        return ()

    def on_timer(self, core: NodeCore, now: int) -> list[Action]:
        return list(self.cache.expire(now))

    def next_deadline(self) -> int | None:
        ds = [d for d in (self.cache.next_deadline(), self.timers.next_deadline()) if d is not None]
        return min(ds) if ds else None

    def snapshot(self, name: str, now: int) -> NodeSnapshot:
        return NodeSnapshot(name, now, binding_cache=self.cache.views())

    # ------------------------------------------------------------ §7.2-§7.5
    def _home_on_link(self, core: NodeCore, home: Addr) -> bool:
        return False

    def _ha_id_length(self, core: NodeCore, home: Addr) -> int:
        return 0

    def _ba_source(self, core: NodeCore, rx: Received, home: Addr, to_anycast: bool) -> Addr:
        return rx.final_dst

    def _after_bu(
        self,
        core: NodeCore,
        rx: Received,
        bu: BindingUpdate,
        d: BuDecision,
        was_home_reg: bool,
        now: int,
    ) -> list[Action]:
        """Extra work of a home agent after a Binding Update was decided (§8.2, §8.3)."""
        return []

    def _on_ba(
        self, core: NodeCore, rx: Received, ba: BindingAck | MalformedOption, olen: int, now: int
    ) -> list[Action]:
        """A BA at a node that sent no BU: nothing to match (§9.10 is the mobile node's)."""
        return []

    def _on_br(self, core: NodeCore, rx: Received, now: int) -> list[Action]:
        """A Binding Request at a node that is not a mobile node: skipped (000 option type, §5.3)."""
        return []

    def _granted(self, requested: int, h: bool) -> int:
        if requested == 0:
            return 0
        g = self.choices.grant_lifetime(requested, h)
        return max(1, min(g, requested))

    def _on_bu(
        self, core: NodeCore, rx: Received, bu: BindingUpdate | MalformedOption, olen: int, now: int
    ) -> tuple[list[Action], bool]:
        """§7.2 tests (kernel), then §7.3/§7.4/§8.x via the cache; §7.5 acknowledgement. (actions, keep?)"""
        home = rx.hao
        if isinstance(bu, MalformedOption):
            check = K.Check(
                K.bu_check(
                    PY,
                    self.config,
                    auth=rx.auth,
                    length_ok=False,
                    has_hao=home is not None,
                    has_entry=False,
                    entry_seq=0,
                    seq=0,
                )
            )
            return [BindingIgnored(self.name, home, None, check.name, "7.2")], False
        coa = bu.care_of if bu.c and bu.care_of is not None else rx.packet.src
        key = home if home is not None else b""
        to_anycast = rx.final_dst in self.anycast()
        lifetime = self._granted(bu.lifetime, bu.h)
        bu_in = K.BUIn(
            rx.auth,
            olen >= bu_fixed_length(bu.c, self.config),
            home is not None,
            bu.h,
            bu.seq,
            lifetime,
            key,
            coa,
        )
        env = K.NodeEnv(
            self.is_home_agent,
            home is not None and self._home_on_link(core, key),
            bu.id_length,
            self._ha_id_length(core, key),
            to_anycast,
            False,
            False,
            self.choices.will_create(key),
        )
        out: list[Action] = list(
            self.cache.expire(now)
        )  # an expired entry takes no part (BC-EXPIRE)
        old = self.cache.get(key)
        was_home_reg = old is not None and old.home_reg
        d = self.cache.process(bu_in, env, now, id_length=bu.id_length)
        out.extend(d.events)
        if d.check is K.Check.EQUAL_SEQ_REACK and old is not None and home is not None:
            acted = self._ack(
                core, rx, bu, home, coa, K.Status.ACCEPTED, old.lifetime, to_anycast, now
            )
            out.extend(acted)
            out.append(BindingProcessed(self.name, home, coa, bu.seq, 0, False, bool(acted), "7.2"))
            return out, True
        if d.check is not K.Check.VALID or home is None:
            out.append(BindingIgnored(self.name, home, bu.seq, d.check.name, "7.2"))
            return out, False
        out.extend(self._after_bu(core, rx, bu, d, was_home_reg, now))
        acted = self._ack(core, rx, bu, home, coa, d.status, lifetime, to_anycast, now)
        out.extend(acted)
        section = "8.1" if d.status == K.Status.DHAAD_RESPONSE else "8.2" if bu.h else "7.5"
        out.append(
            BindingProcessed(
                self.name, home, coa, bu.seq, d.status, d.changed, bool(acted), section, bu.lifetime
            )
        )
        return out, True

    def _ack(
        self,
        core: NodeCore,
        rx: Received,
        bu: BindingUpdate,
        home: Addr,
        coa: Addr,
        status: int,
        lifetime: int,
        to_anycast: bool,
        now: int,
    ) -> list[Action]:
        """§7.5, §5.2: BA when A is set; accepted -> routed by the entry; rejected (or an accepted deletion,
        B8) -> routed to the BU's home address via the BU's care-of address, never using the cache."""
        if not bu.a:
            return []
        ok = bool(K.accepted(PY, status))
        granted = lifetime if ok else 0
        refresh = min(self.choices.refresh(granted, bu.h), granted) if ok else 0
        ba = BindingAck(status, bu.seq, granted, refresh, opt_type=self.config.profile.ba)
        rec = self.cache.get(home)
        via = K.ack_route(PY, status, rec.kernel() if rec is not None else ABSENT, coa)
        src = self._ba_source(core, rx, home, to_anycast)
        return core.send(ba_packet(src, via, home, ba), now)


def on_link(prefixes: tuple[Prefix, ...], addr: Addr) -> bool:
    """Is `addr` on-link with respect to a Prefix List (the link-local prefix does not count)?"""
    return not is_link_local(addr) and any(
        p.contains(addr) for p in prefixes if not is_link_local(p.network)
    )
