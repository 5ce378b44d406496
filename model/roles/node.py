"""The sans-I/O IPv6 node, host or router: ND, forwarding, Routing header, tunnels, options, ICMP, AH.

It implements `NodeCore` (hooks.py) and drives a `Mobility` at the seam's fixed points: received
packets for this node (§7.1 Home Address substitution done here), ICMP errors (§7.8, §9.9), Router
Advertisements (§9.2), interception of packets not for this node (§8.4), proxy ND (§8.2) and the
Home-Agents anycast address (§8.1). Malformed or unexpected input never raises: it becomes the reaction
the IPv6 specifications require plus a `Dropped` event. Misuse raises ModelUsageError.

Readings taken here (documented choices, wire-formats.md §5 C11 and ND details):
* a Routing header hop whose next address is this node is resubmitted locally without the Hop Limit
  test (no hop is consumed); Config.rh_strict_hop_limit applies it (C11's strict reading: a packet
  reaching the care-of address with Hop Limit 1 is dropped with Time Exceeded);
* Duplicate Address Detection is optimistic (RFC 4429): an added address is usable at once and answers
  Neighbor Solicitations with O=0; a conflict seen within RetransTimer removes it (Note "dad-failed");
* Router Advertisements carry the router's global address with the R bit (RFC 3775 §7.2), the only
  way a mobile node can address its previous router (§9.6); `ra_router_address=False` turns it off;
* ICMPv6 errors are rate limited (RFC 2463 §2.4 (f)): `Config.icmp_error_limit` a second, the switch
  `--icmp-error-limit` (`icmp_limit` overrides it); see docs/engine.md.
* under AuthMode.VERIFY a failed or unkeyed AH ICV does not drop the packet: it reaches the mobility
  role with `auth=False`, so §7.2's first test rejects it observably (BindingIgnored).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from types import EllipsisType

from mip6check.model.addr import (
    ALL_NODES,
    ALL_ROUTERS,
    UNSPECIFIED,
    Addr,
    Prefix,
    is_link_local,
    is_multicast,
    link_local,
    solicited_node,
)
from mip6check.model.codec import encode_packet
from mip6check.model.codec.helpers import header_offsets, option_octets
from mip6check.model.codec.options import option_length
from mip6check.model.codec.values import (
    AH,
    ESP,
    MIP6_OPTIONS,
    UDP,
    DestOptions,
    DestUnreachable,
    EchoReply,
    EchoRequest,
    ExtHeader,
    Fragment,
    HomeAddress,
    HopByHop,
    ICMPv6,
    IPv6Packet,
    NeighborAdvertisement,
    NeighborSolicitation,
    Option,
    Pad1,
    PadN,
    ParamProblem,
    Raw,
    Redirect,
    RouterAdvertisement,
    RouterSolicitation,
    Routing0,
    Routing2,
    RoutingOther,
    SourceLLA,
    TimeExceeded,
)
from mip6check.model.config import AuthMode, Config
from mip6check.model.errors import DecodeError, ModelUsageError
from mip6check.model.roles import ah as ahmod
from mip6check.model.roles.events import Action, Delivered, Dropped, NodeSnapshot, Transmit
from mip6check.model.roles.hooks import (
    DATA_PORT,
    Mobility,
    NodeCore,
    Received,
    data_payload,
    flow_of,
)
from mip6check.model.roles.icmp_errors import (
    RateLimit,
    ext_offsets,
    invoking_room,
    is_error,
    is_error_bytes,
    option_offset,
)
from mip6check.model.roles.nd import NeighborCache, NState
from mip6check.model.roles.nd_messages import (
    MAX_RA_DELAY,
    ND_HOP_LIMIT,
    Interface,
    NeighborDiscovery,
    mcast_lla,
)
from mip6check.model.roles.routing import RhVerdict, Route, RoutingTable, rh0_step

__all__ = ["IPv6Node", "NoMobility", "Interface", "mcast_lla", "MAX_TUNNEL_DEPTH", "MIN_MTU"]

MIN_MTU = 1280  # RFC 2460 §5's minimum MTU; the bound on an error is the config's `icmp_error_mtu`
MAX_TUNNEL_DEPTH = 4  # nested IPv6-in-IPv6 decapsulations before the packet is dropped (TUN §4.1.1)
_PAD = (Pad1, PadN)


def _eui64_iid(lla: bytes) -> bytes:
    """Modified EUI-64 interface identifier of a 6-octet MAC (RFC 2464 §4), as 16 octets."""
    if len(lla) != 6:
        raise ModelUsageError("link-layer addresses are 6 octets")
    iid = bytes([lla[0] ^ 0x02]) + lla[1:3] + b"\xff\xfe" + lla[3:6]
    return bytes(8) + iid


# ---------------------------------------------------------------- legacy mobility (no Mobile IPv6)


class NoMobility:
    """A node without Mobile IPv6: recognises no option, so the draft's 11-typed options (BU, HAO) draw
    ICMP Parameter Problem code 2 (W-UNKNOWN-OPT-11X); data packets are still delivered."""

    def recognised_options(self) -> frozenset[int]:
        return frozenset()

    def on_receive(self, core: NodeCore, rx: Received, now: int) -> list[Action]:
        flow = flow_of(rx.packet)
        if flow is None:
            return []
        via = "tunnel" if rx.tunnel_outer is not None else "rh" if rx.via_rh else "direct"
        return [Delivered(core.name, rx.src, rx.final_dst, via, flow)]

    def intercept(
        self, core: NodeCore, packet: IPv6Packet, iface: str, now: int
    ) -> list[Action] | None:
        return None

    def on_output(self, core: NodeCore, packet: IPv6Packet, now: int) -> IPv6Packet | list[Action]:
        return packet

    def on_icmp_error(self, core: NodeCore, msg: ICMPv6, rx: Received, now: int) -> list[Action]:
        return []

    def on_router_advertisement(
        self, core: NodeCore, ra: RouterAdvertisement, rx: Received, now: int
    ) -> list[Action]:
        return []

    def proxied(self) -> dict[Addr, str]:
        return {}

    def anycast(self) -> tuple[Addr, ...]:
        return ()

    def on_timer(self, core: NodeCore, now: int) -> list[Action]:
        return []

    def next_deadline(self) -> int | None:
        return None

    def snapshot(self, name: str, now: int) -> NodeSnapshot:
        return NodeSnapshot(name, now)


@dataclass(frozen=True, slots=True)
class _Verdict:
    """Result of scanning one options header: go on (with what was found) or stop with actions."""

    ok: bool
    actions: list[Action]
    hao: Addr | None = None
    mip6: tuple[Option, ...] = ()


# ---------------------------------------------------------------- the node


class IPv6Node(NeighborDiscovery):
    """An IPv6 host or router, sans-I/O. Implements NodeCore for its `mobility`."""

    def __init__(
        self,
        name: str,
        config: Config,
        rng: random.Random,
        *,
        router: bool,
        mobility: Mobility | None = None,
        keys: ahmod.KeyTable | None = None,
        ra_interval: tuple[int, int] = (1_000, 3_000),
        encode: Callable[[IPv6Packet], bytes] = encode_packet,
        icmp_limit: tuple[int, int] | None | EllipsisType = ...,
        ra_router_address: bool = True,
    ) -> None:
        if ra_interval[0] < 0 or ra_interval[0] > ra_interval[1]:
            raise ModelUsageError("ra_interval is (min, max) ms with 0 <= min <= max")
        self.name = name
        self.config = config
        self.is_router = router
        self.mobility: Mobility = mobility if mobility is not None else NoMobility()
        self.keys = keys if keys is not None else ahmod.KeyTable()
        self.ra_interval = ra_interval
        self.ra_router_address = (
            ra_router_address  # RAs carry the R-bit router address (§9.6 needs it)
        )
        self._rng = rng
        self._encode = encode
        # RFC 2463 §2.4 (f): by default `icmp_error_limit` errors a second (the switch); None: no limit
        self.icmp_limit = RateLimit(
            (config.icmp_error_limit, 1_000) if icmp_limit is ... else icmp_limit
        )
        self.ifaces: dict[str, Interface] = {}
        self.routes = RoutingTable()
        self.nc = NeighborCache()
        self._addr_iface: dict[Addr, str] = {}
        self._sol: set[bytes] = set()  # low 3 octets of our addresses (solicited-node groups)
        self._tentative: dict[Addr, tuple[str, int]] = {}
        self._pending_dad: list[tuple[str, Addr]] = []
        self._up: set[str] = set()  # attached interfaces
        self._rcache: dict[tuple[Addr, str | None], tuple[tuple[str, Addr] | None, int | None]] = {}
        self._mob_dirty = True  # next_deadline: the role's deadline must be asked again
        self._mob_dl: int | None = None
        self._mob_of: Mobility | None = None
        self._prox_of: dict[Addr, str] | None = None  # _proxied_groups cache
        self._prox_len = 0
        self._prox_low: frozenset[bytes] = frozenset()
        self._wire: tuple[IPv6Packet, bytes, int] | None = (
            None  # the packet being received, its octets
        )

    # ------------------------------------------------------------ configuration (the scenario's API)

    def add_interface(
        self,
        name: str,
        lla: bytes,
        prefixes: Iterable[Prefix] = (),
        addresses: Iterable[Addr] = (),
        *,
        advertise: bool = True,
    ) -> Interface:
        """An interface with its link-layer address; its link-local address comes from the EUI-64 IID.
        `advertise=False` keeps a router silent on it (a core link without hosts)."""
        if name in self.ifaces:
            raise ModelUsageError(f"{self.name}: interface {name} exists")
        ll = link_local(_eui64_iid(lla))
        ifc = Interface(name, bytes(lla), ll, list(prefixes), [], advertise=advertise)
        self.ifaces[name] = ifc
        self._own(ll, name)
        for a_ in addresses:
            self._check_addr(a_)
            ifc.addresses.append(a_)
            self._own(a_, name)
        return ifc

    def add_route(self, prefix: Prefix, iface: str, next_hop: Addr | None = None) -> None:
        self._iface(iface)
        self.routes.add(Route(prefix, iface, next_hop))
        self._rcache.clear()

    def set_prefixes(self, iface: str, prefixes: Iterable[Prefix]) -> None:
        """Replace the interface's configured on-link prefixes (a renumbered link, §8.5)."""
        self._iface(iface).prefixes = list(prefixes)
        self._rcache.clear()

    def flush(self, now: int) -> list[Action]:
        """What configuration calls left to send: DAD probes for addresses added (RFC 2462 §5.4.2)."""
        out: list[Action] = []
        self._flush_dad(now, out)
        return out

    def attach(self, iface: str, now: int) -> list[Action]:
        """The interface joins a link (§9.2 movement): routers schedule an RA, hosts solicit one."""
        ifc = self._iface(iface)
        if ifc.attached:
            return []
        ifc.attached = True
        self._up.add(iface)
        self._rcache.clear()
        if self.is_router:
            if ifc.advertise:
                ifc.next_ra = now + self._rng.randint(0, MAX_RA_DELAY)
            return []
        moved = getattr(self.mobility, "moved", None)
        self._mob_dirty = True
        if callable(moved):  # a mobile node solicits itself (§9.2 lower-layer indication)
            out: list[Action] = moved(self, iface, now)
            self._flush_dad(now, out)
            return out
        rs = IPv6Packet(
            ifc.link_local,
            ALL_ROUTERS,
            (),
            RouterSolicitation((SourceLLA(ifc.lla),)),
            hop_limit=ND_HOP_LIMIT,
        )
        return [Transmit(iface, mcast_lla(ALL_ROUTERS), rs)]

    def detach(self, iface: str, now: int) -> list[Action]:
        """The interface leaves its link: its neighbors, routers and learned prefixes are forgotten."""
        ifc = self._iface(iface)
        out: list[Action] = []
        if not ifc.attached:
            return out
        ifc.attached = False
        self._up.discard(iface)
        self._rcache.clear()
        ifc.next_ra = ifc.solicited_ra = None
        ifc.learned.clear()
        ifc.routers.clear()
        for e in self.nc.flush_iface(iface):
            out.extend(Dropped(self.name, "nd-detached") for _ in e.queue)
        for a_, (i, _) in list(self._tentative.items()):
            if i == iface:
                del self._tentative[a_]
        return out

    # ------------------------------------------------------------ NodeCore

    def addresses(self) -> tuple[Addr, ...]:
        return tuple(self._addr_iface)

    def iface_of(self, addr: Addr) -> str | None:
        return self._addr_iface.get(addr)

    def on_link_prefixes(self, iface: str | None = None) -> tuple[Prefix, ...]:
        ifs = self.ifaces.values() if iface is None else (self._iface(iface),)
        out: list[Prefix] = []
        for ifc in ifs:
            for p in ifc.prefixes:
                if p not in out:
                    out.append(p)
            for p in ifc.learned:
                if p not in out:
                    out.append(p)
        return tuple(out)

    def lla(self, iface: str) -> bytes:
        return self._iface(iface).lla

    def add_address(self, iface: str, addr: Addr) -> None:
        ifc = self._iface(iface)
        self._check_addr(addr)
        if addr in self._addr_iface:
            return
        ifc.addresses.append(addr)
        self._own(addr, iface)
        if ifc.attached:
            self._pending_dad.append((iface, addr))

    def remove_address(self, iface: str, addr: Addr) -> None:
        ifc = self._iface(iface)
        if addr in ifc.addresses:
            ifc.addresses.remove(addr)
        if self._addr_iface.get(addr) == iface:
            del self._addr_iface[addr]
            self._rcache.clear()
            self._tentative.pop(addr, None)
            self._sol = {x[13:] for x in self._addr_iface}

    def send(self, packet: IPv6Packet, now: int) -> list[Action]:
        """Originate without on_output: route, resolve with ND, sign AH when keyed, transmit."""
        return self._route_out(packet, now, sign=True)

    def send_on_link(
        self, iface: str, packet: IPv6Packet, dst_lla: bytes | None, now: int
    ) -> list[Action]:
        ifc = self._iface(iface)
        if not ifc.attached:
            return [Dropped(self.name, "iface-detached")]
        pkt = self._sign(packet)
        if dst_lla is not None:
            return [Transmit(iface, dst_lla, pkt)]
        if is_multicast(pkt.dst):
            return [Transmit(iface, mcast_lla(pkt.dst), pkt)]
        return self._resolve(iface, pkt.dst, pkt, now)

    def random(self, lo: int, hi: int) -> int:
        return self._rng.randint(lo, hi)

    # ------------------------------------------------------------ engine entry points

    def originate(self, packet: IPv6Packet, now: int) -> list[Action]:
        """A packet from this node's upper layer: mobility.on_output first (§7.9, §9.1, §10), then route."""
        self._mob_dirty = True
        r = self.mobility.on_output(self, packet, now)
        out = self.send(r, now) if isinstance(r, IPv6Packet) else list(r)
        self._flush_dad(now, out)
        return out

    def receive(
        self, iface: str, packet: IPv6Packet, now: int, wire: bytes | None = None
    ) -> list[Action]:
        """A decoded packet from the link on `iface`; `wire`, the octets it was decoded from, lets the
        checks that need what was received (Option Length, the AH ICV) read them instead of encoding."""
        ifc = self.ifaces.get(iface)
        if ifc is None:
            raise ModelUsageError(f"{self.name} has no interface {iface}")
        if not ifc.attached:
            return [Dropped(self.name, "iface-detached")]
        self._wire = (packet, wire, 0) if wire is not None else None
        try:
            out = self._input(iface, packet, now, None, 0)
        finally:
            self._wire = None
        self._flush_dad(now, out)
        return out

    def _received(self, pkt: IPv6Packet) -> tuple[bytes, int] | None:
        """(octets, offset) `pkt` was decoded from, when it is the received packet or one it tunnels."""
        w = self._wire
        return (w[1], w[2]) if w is not None and w[0] is pkt else None

    def _opt_lengths(self, pkt: IPv6Packet, mip6: list[Option]) -> tuple[int, ...]:
        """The Option Length octet of each option as received; without the octets, from its table."""
        rx = self._received(pkt)
        if rx is None:
            return tuple([option_length(o) for o in mip6])
        got = {id(o): n for o, _, n in option_octets(rx[0], pkt, rx[1])}
        return tuple([got[id(o)] for o in mip6])

    def receive_malformed(
        self, iface: str, data: bytes, err: DecodeError, now: int
    ) -> list[Action]:
        """Bytes the codec refused. An odd Routing header Hdr Ext Len at its destination draws Parameter
        Problem code 0 (V6 §4.4); anything else is dropped."""
        out: list[Action] = [Dropped(self.name, f"decode:{err.layer}.{err.field}")]
        if err.layer == "RH0" and err.field == "hdr_ext_len" and len(data) >= 40:
            src, dst = data[8:24], data[24:40]
            if dst in self._addr_iface and not is_error_bytes(data):
                out += self._error_to(
                    iface, src, dst, data, lambda d: ParamProblem(0, err.offset, d), now
                )
        return out

    def on_timer(self, now: int) -> list[Action]:
        out: list[Action] = []
        for iface, addr, e in self.nc.due(now):
            if e.solicits >= self.nc.max_solicit:
                self.nc.remove(iface, addr)
                for p in e.queue:  # RFC 2461 §7.2.2: address unreachable
                    out.append(Dropped(self.name, "nd-unreachable", "RFC2461 7.2.2"))
                    if p.src not in self._addr_iface:
                        out += self._icmp_error(iface, p, lambda d: DestUnreachable(3, d), now)
            else:
                self.nc.retransmitted(e, now)
                out.append(self._ns(iface, addr))
        for a_, (_, t) in list(self._tentative.items()):
            if t <= now:
                del self._tentative[a_]
        if self.is_router:
            for ifc in self.ifaces.values():
                if not ifc.attached:
                    continue
                send = False
                if ifc.solicited_ra is not None and ifc.solicited_ra <= now:
                    ifc.solicited_ra = None
                    send = True
                if ifc.next_ra is not None and ifc.next_ra <= now:
                    ifc.next_ra = now + self._rng.randint(*self.ra_interval)
                    send = True
                if send:
                    out.append(self._ra(ifc))
        self._mob_dirty = True
        out += self.mobility.on_timer(self, now)
        self._flush_dad(now, out)
        return out

    def next_deadline(self) -> int | None:
        """The earliest timer: neighbor solicitations, DAD, RAs, and the mobility role's.

        The role's deadline is cached and asked again only after a hook that may arm a timer ran
        (`_mob_dirty`; an `intercept` that returns None arms none), so forwarding and ND traffic do
        not rescan a role's Binding Cache per packet. Who drives the role directly calls
        `invalidate()` (Network.apply does)."""
        mob = self.mobility
        if self._mob_dirty or mob is not self._mob_of:
            self._mob_dl = mob.next_deadline()
            self._mob_of = mob
            self._mob_dirty = False
        best = self._mob_dl
        nc = self.nc.next_deadline()
        if nc is not None and (best is None or nc < best):
            best = nc
        if self._tentative:
            for _, t in self._tentative.values():
                if best is None or t < best:
                    best = t
        if self.is_router:
            for ifc in self.ifaces.values():
                if ifc.attached:
                    t1 = ifc.next_ra
                    if t1 is not None and (best is None or t1 < best):
                        best = t1
                    t1 = ifc.solicited_ra
                    if t1 is not None and (best is None or t1 < best):
                        best = t1
        return best

    def invalidate(self) -> None:
        """The mobility role was driven from outside the node's entry points: ask its deadline again."""
        self._mob_dirty = True

    def snapshot(self, now: int) -> NodeSnapshot:
        return self.mobility.snapshot(self.name, now)

    # ------------------------------------------------------------ queries (tests, scenarios)

    def source_for(self, dst: Addr) -> Addr:
        """The address to send from: link-local for link-local destinations, else the first unicast one."""
        for ifc in self.ifaces.values():
            if is_link_local(dst):
                if ifc.attached:
                    return ifc.link_local
            elif ifc.addresses:
                return ifc.addresses[0]
        raise ModelUsageError(f"{self.name} has no address to send to that destination from")

    def default_routers(self, now: int) -> list[tuple[str, Addr]]:
        return [
            (ifc.name, r)
            for ifc in self.ifaces.values()
            if ifc.attached
            for r, t in ifc.routers.items()
            if t > now
        ]

    # ------------------------------------------------------------ internals: addresses

    def _iface(self, name: str) -> Interface:
        ifc = self.ifaces.get(name)
        if ifc is None:
            raise ModelUsageError(f"{self.name} has no interface {name}")
        return ifc

    @staticmethod
    def _check_addr(addr: Addr) -> None:
        if len(addr) != 16 or is_multicast(addr) or addr == UNSPECIFIED:
            raise ModelUsageError("a unicast address of 16 octets is needed")

    def _own(self, addr: Addr, iface: str) -> None:
        self._rcache.clear()
        self._addr_iface[addr] = iface
        self._sol.add(addr[13:])

    def listens(self, mac: bytes) -> bool:
        """The interfaces' multicast filter (RFC 2464 §7: a group's 33:33 MAC is its last four
        octets): all-nodes, all-routers on routers, and the solicited-node groups of our addresses
        and of the addresses we proxy (§8.2). Frames to other groups never reach the IPv6 layer,
        which would discard them anyway (`_input`: a group we did not join)."""
        if mac[2] == 0xFF:
            low = mac[3:]
            return low in self._sol or low in self._proxied_groups()
        return mac == _MAC_ALL_NODES or (self.is_router and mac == _MAC_ALL_ROUTERS)

    def _proxied_groups(self) -> frozenset[bytes]:
        """Low three octets of the proxied addresses (their solicited-node groups), kept while the
        role hands back the same unchanged mapping (HomeAgent rebuilds it on every change)."""
        prox = self.mobility.proxied()
        if prox is not self._prox_of or len(prox) != self._prox_len:
            self._prox_of, self._prox_len = prox, len(prox)
            self._prox_low = frozenset(p[13:] for p in prox)
        return self._prox_low

    def _is_local(self, dst: Addr) -> bool:
        if dst in self._addr_iface:
            return True
        if dst[0] == 0xFF:
            if dst == ALL_NODES or (self.is_router and dst == ALL_ROUTERS):
                return True
            if dst[:13] == _SOL_PREFIX:
                low = dst[13:]
                return low in self._sol or low in self._proxied_groups()
            return False
        return dst in self.mobility.anycast()

    # ------------------------------------------------------------ internals: input

    def _input(
        self, iface: str, pkt: IPv6Packet, now: int, outer: IPv6Packet | None, depth: int
    ) -> list[Action]:
        local = self._is_local(pkt.dst)
        if not local and pkt.dst[0] == 0xFF:
            return []  # a group we did not join: not ours, not an error
        start = 0
        hs = pkt.headers
        if hs and type(hs[0]) is HopByHop:  # every node on the path examines Hop-by-Hop (V6 §4.3)
            h0 = hs[0]
            assert isinstance(h0, HopByHop)
            v = self._options(iface, pkt, 0, h0.options, now, dest=False)
            if not v.ok:
                return v.actions
            start = 1
        if local:
            return self._local(iface, pkt, now, outer, depth, start)
        r = self.mobility.intercept(self, pkt, iface, now)
        if r is not None:  # (None: nothing intercepted, so no timer armed: Mobility contract)
            self._mob_dirty = True
            return r
        if not self.is_router:
            return [Dropped(self.name, "not-for-us")]
        return self._forward(iface, pkt, now)

    def _forward(self, iface: str, pkt: IPv6Packet, now: int) -> list[Action]:
        """V6 §4/§5: routers forward with Hop Limit decrement; link-local never crosses a router."""
        if is_link_local(pkt.dst) or is_link_local(pkt.src):
            return [Dropped(self.name, "link-local-scope", "V6 2.5.8")]
        if pkt.hop_limit <= 1:
            return [
                Dropped(self.name, "hop-limit", "V6 4"),
                *self._icmp_error(iface, pkt, lambda d: TimeExceeded(0, d), now),
            ]
        fwd = IPv6Packet(
            pkt.src,
            pkt.dst,
            pkt.headers,
            pkt.payload,
            pkt.hop_limit - 1,
            pkt.traffic_class,
            pkt.flow_label,
        )
        return self._route_out(fwd, now, sign=False, in_iface=iface, invoking=pkt)

    def _local(
        self,
        iface: str,
        pkt: IPv6Packet,
        now: int,
        outer: IPv6Packet | None,
        depth: int,
        start: int,
    ) -> list[Action]:
        arrived = pkt
        hao: Addr | None = None
        mip6: list[Option] = []
        auth = False
        via_rh = False
        i = start
        while i < len(pkt.headers):
            h: ExtHeader = pkt.headers[i]
            t = type(h)
            if t is DestOptions:
                assert isinstance(h, DestOptions)
                v = self._options(iface, pkt, i, h.options, now, dest=True)
                if not v.ok:
                    return v.actions
                if v.hao is not None:
                    hao = v.hao
                mip6.extend(v.mip6)
            elif t is Routing0:
                assert isinstance(h, Routing0)
                step = rh0_step(h, pkt.dst)
                vd = step.verdict
                if vd is RhVerdict.FORWARD:
                    assert step.new_dst is not None and step.header is not None
                    hs2 = pkt.headers[:i] + (step.header,) + pkt.headers[i + 1 :]
                    if (
                        self._is_local(step.new_dst)
                        and not is_multicast(step.new_dst)
                        and not (self.config.rh_strict_hop_limit and pkt.hop_limit <= 1)
                    ):
                        # local resubmission (§7.9); the strict reading also spends a hop
                        hl = pkt.hop_limit - 1 if self.config.rh_strict_hop_limit else pkt.hop_limit
                        pkt = replace(pkt, dst=step.new_dst, headers=hs2, hop_limit=hl)
                        via_rh = True
                        continue
                    if pkt.hop_limit <= 1:
                        return [
                            Dropped(self.name, "rh-hop-limit", "V6 4.4"),
                            *self._icmp_error(iface, arrived, lambda d: TimeExceeded(0, d), now),
                        ]
                    fwd = replace(pkt, dst=step.new_dst, headers=hs2, hop_limit=pkt.hop_limit - 1)
                    return self._route_out(
                        fwd, now, sign=False, in_iface=iface, strict=step.strict, invoking=arrived
                    )
                if vd is RhVerdict.MULTICAST:
                    return [Dropped(self.name, "rh-multicast", "V6 4.4")]
                if vd is not RhVerdict.NEXT_HEADER:
                    field_off = 1 if vd is RhVerdict.PARAM_HDR_EXT_LEN else 3
                    return [
                        Dropped(self.name, vd.value, "V6 4.4"),
                        *self._param_problem(iface, pkt, 0, i, field_off, now),
                    ]
            elif t is Routing2 or t is RoutingOther:
                assert isinstance(h, (Routing2, RoutingOther))
                if h.segments_left:  # an unrecognised Routing Type with segments left (V6 §4.4)
                    return [
                        Dropped(self.name, "rh-type", "V6 4.4"),
                        *self._param_problem(iface, pkt, 0, i, 2, now),
                    ]
            elif t is AH:
                auth = self._auth_ok(pkt, arrived)
            elif t is Fragment:
                return [Dropped(self.name, "fragment-unsupported", "V6 4.5")]
            elif t is HopByHop:  # only allowed first (V6 §4.1): unrecognised Next Header value 0
                return [
                    Dropped(self.name, "hbh-not-first", "V6 4.1"),
                    *self._param_problem(iface, pkt, 1, i - 1, 0, now),
                ]
            i += 1
        up = pkt.payload
        tu = type(up)
        if tu is IPv6Packet:
            assert isinstance(up, IPv6Packet)
            if is_multicast(pkt.dst):
                return [Dropped(self.name, "tunnel-to-multicast")]
            if depth >= MAX_TUNNEL_DEPTH:
                return [Dropped(self.name, "tunnel-depth", "TUN 4.1.1")]
            octets = self._received(arrived)
            if octets is not None:  # the inner packet's octets follow the outer headers
                self._wire = (up, octets[0], header_offsets(octets[0], arrived, octets[1])[1])
            return self._input(iface, up, now, pkt, depth + 1)  # decapsulate (TUN §3.2)
        if tu is ESP:
            auth = self.config.auth is AuthMode.PRESENCE
        rx = Received(
            arrived,
            iface,
            hao if hao is not None else pkt.src,
            pkt.dst,
            tuple(mip6),
            hao,
            auth,
            via_rh,
            outer,
            self._opt_lengths(arrived, mip6) if mip6 else (),
        )
        if tu is Raw:
            return [
                Dropped(self.name, "unknown-next-header", "V6 4"),
                *self._param_problem(iface, pkt, 1, len(pkt.headers) - 1, 0, now),
            ]
        if is_error(up):
            self._mob_dirty = True
            relay = self._tunnel_error_relay(iface, up, now)
            return [*relay, *self.mobility.on_icmp_error(self, up, rx, now)]  # type: ignore[arg-type]
        if tu is NeighborSolicitation:
            assert isinstance(up, NeighborSolicitation)
            return self._on_ns(iface, pkt, up, now)
        if tu is NeighborAdvertisement:
            assert isinstance(up, NeighborAdvertisement)
            return self._on_na(iface, pkt, up, now)
        if tu is RouterSolicitation:
            assert isinstance(up, RouterSolicitation)
            return self._on_rs(iface, pkt, up, now)
        if tu is RouterAdvertisement:
            assert isinstance(up, RouterAdvertisement)
            return self._on_ra(iface, pkt, up, rx, now)
        if tu is Redirect:
            return [Dropped(self.name, "redirect-ignored")]
        if tu is EchoRequest and not is_multicast(pkt.dst):
            assert isinstance(up, EchoRequest)
            reply = IPv6Packet(pkt.dst, rx.src, (), EchoReply(up.ident, up.seq, up.data))
            return self.originate(reply, now)
        self._mob_dirty = True
        return self.mobility.on_receive(self, rx, now)

    def _tunnel_error_relay(self, iface: str, err: object, now: int) -> list[Action]:
        """§7.8, RFC 2473 §8.2: an ICMP Destination Unreachable or Time Exceeded about a packet this
        node tunnelled (IPv6 in IPv6, outer source its own) is relayed to the original sender as a
        Destination Unreachable, code 3, carrying the original packet."""
        if not isinstance(err, DestUnreachable | TimeExceeded):
            return []
        data = err.invoking
        if len(data) < 80 or data[6] != 41 or data[8:24] not in self._addr_iface:
            return []
        inner = data[40:]
        to = inner[8:24]
        if to in self._addr_iface or is_error_bytes(inner):
            return []  # our own packet, or an error about an error (RFC 2463 §2.4 (e))
        return self._error_to(iface, to, inner[24:40], inner, lambda d: DestUnreachable(3, d), now)

    def _options(
        self,
        iface: str,
        pkt: IPv6Packet,
        hidx: int,
        opts: tuple[Option, ...],
        now: int,
        *,
        dest: bool,
    ) -> _Verdict:
        """V6 §4.2 option rules; recognised Mobile IPv6 options (Destination Options only) are collected
        and the Home Address option gives the effective source (§7.1)."""
        rec = self.mobility.recognised_options()
        hao: Addr | None = None
        mip6: list[Option] = []
        for k, o in enumerate(opts):
            if type(o) in _PAD:
                continue
            ot: int = o.opt_type  # type: ignore[union-attr]
            if dest and ot in rec and isinstance(o, MIP6_OPTIONS):
                mip6.append(o)
                if type(o) is HomeAddress:
                    hao = o.home_address
                continue
            action = ot >> 6
            if action == 0:
                continue
            reason = f"unknown-option-{ot}"
            if action == 1 or (action == 3 and is_multicast(pkt.dst)):
                return _Verdict(False, [Dropped(self.name, reason, "V6 4.2")])
            acts: list[Action] = [Dropped(self.name, reason, "V6 4.2")]
            acts += self._param_problem(
                iface, pkt, 2, hidx, -1, now, option=k, mcast_ok=action == 2
            )
            return _Verdict(False, acts)
        return _Verdict(True, [], hao, tuple(mip6))

    def _auth_ok(self, pkt: IPv6Packet, arrived: IPv6Packet) -> bool:
        """§7.2 (1): AH present, or (AuthMode.VERIFY) its ICV verified with the pair's key, over the
        octets as received (`arrived`, before any Routing-header step) when the node has them."""
        if self.config.auth is AuthMode.PRESENCE:
            return True
        key = self.keys.get(*ahmod.endpoints(pkt))
        if key is None:
            return False
        rx = self._received(arrived)
        if rx is not None:
            return ahmod.verify_octets(rx[0], arrived, key, rx[1])
        return ahmod.verify(pkt, key, self._encode)

    # ------------------------------------------------------------ internals: output

    def _sign(self, pkt: IPv6Packet) -> IPv6Packet:
        """Fill the AH ICV when this node holds the key for the packet's (source, destination); an
        inner packet this node tunnels (e.g. the home agent's §8.5 Router Advertisement) likewise."""
        for h in pkt.headers:
            if type(h) is AH:
                key = self.keys.get(*ahmod.endpoints(pkt))
                return pkt if key is None else ahmod.sign(pkt, key, self._encode)
        inner = pkt.payload
        if type(inner) is IPv6Packet:
            signed = self._sign(inner)
            if signed is not inner:
                return replace(pkt, payload=signed)
        return pkt

    def _select_route(self, dst: Addr, src: Addr, now: int) -> tuple[str, Addr] | None:
        """Cached `_compute_route`: the cache is cleared on every routing change and an entry lives at
        most until the earliest expiry of any learned prefix or default router."""
        key = (dst, self._addr_iface.get(src))
        hit = self._rcache.get(key)
        if hit is not None and (hit[1] is None or hit[1] > now):
            return hit[0]
        r = self._compute_route(dst, src, now)
        exp: int | None = None
        for ifc in self.ifaces.values():
            for t in ifc.routers.values():
                if t > now and (exp is None or t < exp):
                    exp = t
            for t2 in ifc.learned.values():
                if t2 is not None and t2 > now and (exp is None or t2 < exp):
                    exp = t2
        self._rcache[key] = (r, exp)
        return r

    def _compute_route(self, dst: Addr, src: Addr, now: int) -> tuple[str, Addr] | None:
        """(iface, next hop): connected prefixes, static routes (longest match), then a default router
        learned from RAs, preferring the interface the source address belongs to (§9.12)."""
        src_if = self._addr_iface.get(src)
        if is_link_local(dst):
            if src_if is not None and self.ifaces[src_if].attached:
                return src_if, dst
            for ifc in self.ifaces.values():
                if ifc.attached:
                    return ifc.name, dst
            return None
        best: tuple[int, str, Addr] | None = None
        for ifc in self.ifaces.values():
            if not ifc.attached:
                continue
            for p in ifc.prefixes:
                if p.contains(dst) and (best is None or p.length > best[0]):
                    best = (p.length, ifc.name, dst)
            for p, exp in ifc.learned.items():
                if (
                    (exp is None or exp > now)
                    and p.contains(dst)
                    and (best is None or p.length > best[0])
                ):
                    best = (p.length, ifc.name, dst)
        r = self.routes.lookup(dst, self._up)
        if r is not None and (best is None or r.prefix.length > best[0]):
            best = (r.prefix.length, r.iface, r.next_hop if r.next_hop is not None else dst)
        if best is not None:
            return best[1], best[2]
        order = sorted(self.ifaces.values(), key=lambda i: i.name != src_if)
        for ifc in order:
            if ifc.attached:
                for rtr, exp in ifc.routers.items():
                    if exp > now:
                        return ifc.name, rtr
        return None

    def _route_out(
        self,
        pkt: IPv6Packet,
        now: int,
        *,
        sign: bool,
        in_iface: str | None = None,
        strict: bool = False,
        invoking: IPv6Packet | None = None,
    ) -> list[Action]:
        """Send or forward `pkt`. `invoking`: the packet as it arrived, which an ICMP error about it
        carries (RFC 2463 §3.1), when `pkt` is its rewritten form (a Routing header hop, V6 §4.4)."""
        if sign:
            pkt = self._sign(pkt)
        dst = pkt.dst
        if is_multicast(dst):
            iface = self._addr_iface.get(pkt.src)
            if iface is None or not self.ifaces[iface].attached:
                iface = next((n for n, i in self.ifaces.items() if i.attached), None)
            if iface is None:
                return [Dropped(self.name, "no-interface")]
            return [Transmit(iface, mcast_lla(dst), pkt)]
        if dst in self._addr_iface and in_iface is None:  # to ourselves: loop back
            return self._input(self._addr_iface[dst], pkt, now, None, 0)
        sel = self._select_route(dst, pkt.src, now)
        about = invoking if invoking is not None else pkt
        # V6 §4.4 strict bit: the next address must be a neighbor (no route at all: not one either)
        if strict and (sel is None or sel[1] != dst):
            acts: list[Action] = [Dropped(self.name, "rh-strict-not-neighbor", "V6 4.4")]
            if in_iface is not None:
                acts += self._icmp_error(in_iface, about, lambda d: DestUnreachable(2, d), now)
            return acts
        if sel is None:
            acts = [Dropped(self.name, "no-route", "V6 4")]
            if in_iface is not None:
                acts += self._icmp_error(in_iface, about, lambda d: DestUnreachable(0, d), now)
            return acts
        iface, nh = sel
        return self._resolve(iface, nh, pkt, now)

    def _resolve(self, iface: str, nh: Addr, pkt: IPv6Packet, now: int) -> list[Action]:
        e = self.nc.get(iface, nh)
        if e is not None and e.lla is not None and e.state is not NState.INCOMPLETE:
            return [Transmit(iface, e.lla, pkt)]
        if e is not None:
            self.nc.start(iface, nh, pkt, now)
            return []
        self.nc.start(iface, nh, pkt, now)
        return [self._ns(iface, nh)]

    # ------------------------------------------------------------ internals: ICMP errors (RFC 2463 §2.4)

    def _param_problem(
        self,
        iface: str,
        pkt: IPv6Packet,
        code: int,
        hidx: int,
        field_off: int,
        now: int,
        *,
        option: int | None = None,
        mcast_ok: bool = False,
    ) -> list[Action]:
        """Parameter Problem with the pointer at header `hidx` (+field_off, or its option `option`);
        hidx -1 is the fixed header (Next Header field at 6)."""
        data = self._encode(pkt)
        offs = ext_offsets(data)
        if hidx < 0:
            ptr = 6
        elif hidx >= len(offs):
            return []
        elif option is not None:
            ptr = option_offset(data, offs[hidx], option)
        else:
            ptr = offs[hidx] + field_off
        return self._icmp_error(
            iface, pkt, lambda d: ParamProblem(code, ptr, d), now, data=data, mcast_ok=mcast_ok
        )

    def _icmp_error(
        self,
        iface: str,
        invoking: IPv6Packet,
        make: Callable[[bytes], ICMPv6],
        now: int,
        *,
        data: bytes | None = None,
        mcast_ok: bool = False,
    ) -> list[Action]:
        """Never about an ICMP error, never to a multicast or unspecified source, never about a multicast
        destination except Parameter Problem code 2 for 10-typed options (RFC 2463 §2.4 (e))."""
        up = invoking.payload
        if is_error(up):
            return []
        if is_multicast(invoking.dst) and not mcast_ok:
            return []
        if data is None:
            data = self._encode(invoking)
        return self._error_to(iface, invoking.src, invoking.dst, data, make, now)

    def _error_to(
        self,
        iface: str,
        to: Addr,
        about_dst: Addr,
        data: bytes,
        make: Callable[[bytes], ICMPv6],
        now: int,
    ) -> list[Action]:
        if is_multicast(to) or to == UNSPECIFIED:
            return []
        if about_dst in self._addr_iface:
            src = about_dst
        else:
            ifc = self.ifaces[iface]
            src = ifc.addresses[0] if ifc.addresses and not is_link_local(to) else ifc.link_local
            if is_link_local(src) and not is_link_local(to):
                src = next((a_ for a_ in self._addr_iface if not is_link_local(a_)), src)
        if not self.icmp_limit.allow(now):
            return [Dropped(self.name, "icmp-rate-limited", "RFC2463 2.4")]
        body = data[: invoking_room(self.config)]
        return self.send(IPv6Packet(src, to, (), make(body), hop_limit=64), now)


_SOL_PREFIX = solicited_node(bytes(16))[:13]
_MAC_ALL_NODES = mcast_lla(ALL_NODES)
_MAC_ALL_ROUTERS = mcast_lla(ALL_ROUTERS)


def describe(node: IPv6Node) -> dict[str, object]:
    """A small plain view of a node's IPv6 state (for logs and tests)."""
    return {
        "name": node.name,
        "router": node.is_router,
        "interfaces": {
            n: {"attached": i.attached, "addresses": [a_.hex() for a_ in i.addresses]}
            for n, i in node.ifaces.items()
        },
        "neighbors": [(i, a_.hex(), e.state.value) for i, a_, e in node.nc.entries()],
    }


def data_packet(src: Addr, dst: Addr, flow: int) -> IPv6Packet:
    """A UDP data packet carrying a flow id (see hooks.data_payload)."""
    return IPv6Packet(src, dst, (), UDP(DATA_PORT, DATA_PORT, data_payload(flow)))
