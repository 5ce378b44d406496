"""Neighbor Discovery messages of the IPv6 node (RFC 2461, RFC 2462), by message family: Router
Solicitation/Advertisement (§9.2 movement detection input), Neighbor Solicitation/Advertisement with
proxy answers (§8.2) and unsolicited overrides (§9.13), Duplicate Address Detection.

`NeighborDiscovery` is a mixin of `IPv6Node` (node.py): it reads the node state declared below.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import cast

from mip6check.model.addr import ALL_NODES, UNSPECIFIED, Addr, Prefix, is_link_local, solicited_node
from mip6check.model.codec.values import (
    IPv6Packet,
    NeighborAdvertisement,
    NeighborSolicitation,
    PrefixInfo,
    RouterAdvertisement,
    RouterSolicitation,
    SourceLLA,
    TargetLLA,
)
from mip6check.model.roles.events import Action, Dropped, Note, Transmit
from mip6check.model.roles.hooks import Mobility, NodeCore, Received
from mip6check.model.roles.nd import NeighborCache, NState

ND_HOP_LIMIT = 255  # RFC 2461 §7.1.1: ND messages must arrive with Hop Limit 255
MAX_RA_DELAY = 500  # RFC 2461 §10 MAX_RA_DELAY_TIME (ms) before a solicited RA
DAD_WAIT = 1_000  # RFC 2462: RetransTimer * DupAddrTransmits(1)
ROUTER_LIFETIME = 1_800  # seconds, RFC 2461 §6.2.1 default AdvDefaultLifetime
PREFIX_VALID = 2_592_000  # seconds, AdvValidLifetime default
ROUTER_ADDRESS_FLAG = 0x20  # PrefixInfo.flags_rest bit: R (Router Address), RFC 3775 §7.2
PREFIX_PREFERRED = 604_800  # seconds, AdvPreferredLifetime default


def mcast_lla(addr: Addr) -> bytes:
    """RFC 2464 §7: 33:33 + the last four octets of the multicast address."""
    return b"\x33\x33" + addr[12:16]


# ---------------------------------------------------------------- interfaces


@dataclass(slots=True)
class Interface:
    """One interface's state (mutable, owned by its node)."""

    name: str
    lla: bytes
    link_local: Addr
    prefixes: list[Prefix]  # configured on-link prefixes (advertised by routers)
    addresses: list[Addr]  # unicast addresses other than the link-local one
    attached: bool = False
    learned: dict[Prefix, int | None] = field(
        default_factory=dict
    )  # from RAs: prefix -> expiry (ms)
    routers: dict[Addr, int] = field(default_factory=dict)  # default routers -> expiry (ms)
    advertise: bool = True  # router: send Router Advertisements on this interface
    next_ra: int | None = None  # router: next unsolicited RA
    solicited_ra: int | None = None  # router: pending solicited RA


class NeighborDiscovery:
    """ND message handling over the node's interfaces, neighbor cache and addresses."""

    name: str
    is_router: bool
    mobility: Mobility
    ifaces: dict[str, Interface]
    nc: NeighborCache
    _addr_iface: dict[Addr, str]
    _tentative: dict[Addr, tuple[str, int]]
    _pending_dad: list[tuple[str, Addr]]
    _rng: random.Random
    ra_router_address: bool
    _rcache: dict[tuple[Addr, str | None], tuple[tuple[str, Addr] | None, int | None]]
    _mob_dirty: bool

    def remove_address(self, iface: str, addr: Addr) -> None:
        raise NotImplementedError

    def _flush_dad(self, now: int, out: list[Action]) -> None:
        """Send the DAD probes for addresses added since the last entry point (RFC 2462 §5.4.2)."""
        while self._pending_dad:
            iface, addr = self._pending_dad.pop(0)
            if self._addr_iface.get(addr) != iface or not self.ifaces[iface].attached:
                continue
            self._tentative[addr] = (iface, now + DAD_WAIT)
            ns = IPv6Packet(
                UNSPECIFIED,
                solicited_node(addr),
                (),
                NeighborSolicitation(addr),
                hop_limit=ND_HOP_LIMIT,
            )
            out.append(Transmit(iface, mcast_lla(ns.dst), ns))

    def _dad_failed(self, iface: str, addr: Addr) -> list[Action]:
        owner = self._addr_iface.get(addr, iface)
        self.remove_address(owner, addr)
        return [Note(self.name, "dad-failed", addr.hex(), "RFC2462 5.4.5")]

    def _ns(self, iface: str, target: Addr) -> Transmit:
        ifc = self.ifaces[iface]
        dst = solicited_node(target)
        ns = IPv6Packet(
            ifc.link_local,
            dst,
            (),
            NeighborSolicitation(target, (SourceLLA(ifc.lla),)),
            hop_limit=ND_HOP_LIMIT,
        )
        return Transmit(iface, mcast_lla(dst), ns)

    def _na(
        self,
        iface: str,
        target: Addr,
        dst: Addr,
        dst_lla: bytes,
        *,
        solicited: bool,
        override: bool,
    ) -> Transmit:
        ifc = self.ifaces[iface]
        src = target if target in self._addr_iface else ifc.link_local
        na = NeighborAdvertisement(
            target, self.is_router, solicited, override, (TargetLLA(ifc.lla),)
        )
        return Transmit(iface, dst_lla, IPv6Packet(src, dst, (), na, hop_limit=ND_HOP_LIMIT))

    def _on_ns(
        self, iface: str, pkt: IPv6Packet, ns: NeighborSolicitation, now: int
    ) -> list[Action]:
        if pkt.hop_limit != ND_HOP_LIMIT:
            return [Dropped(self.name, "nd-hop-limit", "RFC2461 7.1.1")]
        target = ns.target
        mine = self._addr_iface.get(target) == iface or (
            target in self._addr_iface and self._addr_iface[target] == iface
        )
        proxied = self.mobility.proxied().get(target) == iface
        if pkt.src == UNSPECIFIED:  # Duplicate Address Detection probe (RFC 2462 §5.4.3)
            if target in self._tentative and self._tentative[target][0] == iface:
                return self._dad_failed(iface, target)
            if mine or proxied:  # defend (§8.2 for proxied home addresses)
                return [
                    self._na(
                        iface,
                        target,
                        ALL_NODES,
                        mcast_lla(ALL_NODES),
                        solicited=False,
                        override=not proxied,
                    )
                ]
            return []
        out: list[Action] = []
        slla = next((o.lla for o in ns.options if type(o) is SourceLLA), None)
        if slla is not None:
            rel = self.nc.learn(iface, pkt.src, slla, solicited=False, override=True)
            if rel is not None:
                out += [Transmit(iface, rel.lla, p) for p in rel.packets]
        if not (mine or proxied):
            return out
        lla = slla if slla is not None else self.nc.lla_of(iface, pkt.src)
        if lla is None:
            return [*out, Dropped(self.name, "ns-no-source-lla", "RFC2461 7.2.4")]
        # solicited NA; a proxy (RFC 2461 §7.2.8) or an optimistic address still in DAD (RFC 4429
        # §3.3) answers without overriding, an owner overrides
        override = not proxied and target not in self._tentative
        out.append(self._na(iface, target, pkt.src, lla, solicited=True, override=override))
        return out

    def _on_na(
        self, iface: str, pkt: IPv6Packet, na: NeighborAdvertisement, now: int
    ) -> list[Action]:
        if pkt.hop_limit != ND_HOP_LIMIT:
            return [Dropped(self.name, "nd-hop-limit", "RFC2461 7.1.1")]
        target = na.target
        if target in self._tentative:
            return self._dad_failed(iface, target)
        if target in self._addr_iface:
            return [Note(self.name, "duplicate-address", target.hex(), "RFC2461 7.2.5")]
        tlla = next((o.lla for o in na.options if type(o) is TargetLLA), None)
        e = self.nc.get(iface, target)
        if e is None:
            return []  # RFC 2461 §7.2.5: no entry, silently discarded
        if tlla is None:
            if e.state is NState.INCOMPLETE:
                return []
            tlla = e.lla
        assert tlla is not None
        rel = self.nc.learn(
            iface, target, tlla, solicited=na.solicited, override=na.override, is_router=na.router
        )
        if rel is None:
            return []
        return [Transmit(iface, rel.lla, p) for p in rel.packets]

    def _on_rs(self, iface: str, pkt: IPv6Packet, rs: RouterSolicitation, now: int) -> list[Action]:
        if not self.is_router:
            return []
        if pkt.hop_limit != ND_HOP_LIMIT:
            return [Dropped(self.name, "nd-hop-limit", "RFC2461 7.1.1")]
        slla = next((o.lla for o in rs.options if type(o) is SourceLLA), None)
        if slla is not None and pkt.src != UNSPECIFIED:
            self.nc.learn(iface, pkt.src, slla, solicited=False, override=True)
        ifc = self.ifaces[iface]
        if ifc.advertise and ifc.solicited_ra is None:
            ifc.solicited_ra = now + self._rng.randint(0, MAX_RA_DELAY)
        return []

    def _on_ra(
        self, iface: str, pkt: IPv6Packet, ra: RouterAdvertisement, rx: Received, now: int
    ) -> list[Action]:
        if pkt.hop_limit != ND_HOP_LIMIT or not is_link_local(pkt.src):
            return [Dropped(self.name, "ra-invalid", "RFC2461 6.1.2")]
        ifc = self.ifaces[iface]
        host = (
            not self.is_router
        )  # routers learn neither prefixes nor default routers (RFC 2461 §6.2.7)
        stale = (
            False  # a learned prefix or router appeared, vanished or expires sooner: routes change
        )
        for o in ra.options:
            if type(o) is SourceLLA:
                assert isinstance(o, SourceLLA)
                self.nc.learn(iface, pkt.src, o.lla, solicited=False, override=True, is_router=True)
            elif type(o) is PrefixInfo and host:
                assert isinstance(o, PrefixInfo)
                if o.on_link and 0 < o.prefix_length <= 128 and not is_link_local(o.prefix):
                    p = Prefix(
                        Prefix(o.prefix, o.prefix_length).with_iid(bytes(16)), o.prefix_length
                    )
                    if o.valid_lifetime == 0:
                        if p in ifc.learned:
                            del ifc.learned[p]
                            stale = True
                    else:
                        exp = (
                            None
                            if o.valid_lifetime == 0xFFFFFFFF
                            else now + o.valid_lifetime * 1000
                        )
                        if p not in ifc.learned:
                            stale = True
                        else:
                            old = ifc.learned[p]
                            if exp is not None and (old is None or exp < old):
                                stale = True
                        ifc.learned[p] = exp
        if host:
            if ra.router_lifetime:
                exp2 = now + ra.router_lifetime * 1000
                old2 = ifc.routers.get(pkt.src)
                if old2 is None or exp2 < old2:
                    stale = True
                ifc.routers[pkt.src] = exp2
            elif ifc.routers.pop(pkt.src, None) is not None:
                stale = True
        if stale:  # cached routes live until the earliest expiry they saw: only these matter
            self._rcache.clear()
        if any(type(o) is PrefixInfo and not 0 <= o.prefix_length <= 128 for o in ra.options):
            # RFC 2461 §6.3.4: an invalid Prefix Information option is ignored, so mobility never sees it
            ra = replace(
                ra,
                options=tuple(
                    o for o in ra.options if not (type(o) is PrefixInfo and o.prefix_length > 128)
                ),
            )
        self._mob_dirty = True
        return self.mobility.on_router_advertisement(cast(NodeCore, self), ra, rx, now)

    def _ra(self, ifc: Interface) -> Transmit:
        opts: list[SourceLLA | PrefixInfo] = [SourceLLA(ifc.lla)]
        for p in ifc.prefixes:
            # the R bit of later drafts (RFC 3775 §7.2): the Prefix field holds the router's own
            # global address, so a mobile node can address its previous default router (§9.6)
            mine = (
                next((x for x in ifc.addresses if p.contains(x)), None)
                if self.ra_router_address
                else None
            )
            opts.append(
                PrefixInfo(
                    p.length,
                    True,
                    True,
                    PREFIX_VALID,
                    PREFIX_PREFERRED,
                    mine if mine is not None else p.network,
                    flags_rest=ROUTER_ADDRESS_FLAG if mine is not None else 0,
                )
            )
        ra = RouterAdvertisement(router_lifetime=ROUTER_LIFETIME, options=tuple(opts))
        return Transmit(
            ifc.name,
            mcast_lla(ALL_NODES),
            IPv6Packet(ifc.link_local, ALL_NODES, (), ra, hop_limit=ND_HOP_LIMIT),
        )
