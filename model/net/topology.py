"""The network: links, nodes, interfaces, routes, keys, movement and data traffic, driven by the scheduler.

Every Transmit is encoded with the codec, framed as Ethernet, captured and logged, then after the link's
delay each receiving interface (matching link-layer address, or multicast) decodes the bytes itself:
no object crosses a link. A receiver's DecodeError is logged and handed to the node as
malformed input. Operations taking `now` first run the scheduler up to `now`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from functools import partial
from typing import BinaryIO

from mip6check.model.addr import Addr, Prefix
from mip6check.model.codec import decode_packet, encode_packet
from mip6check.model.codec.values import IPv6Packet
from mip6check.model.config import DEFAULT, Config
from mip6check.model.errors import DecodeError, ModelUsageError
from mip6check.model.net.capture import Capture
from mip6check.model.net.links import Attachment, Link
from mip6check.model.net.log import EventLog, Kind
from mip6check.model.net.sim import Scheduler
from mip6check.model.roles.events import Action, NodeSnapshot, Transmit
from mip6check.model.roles.hooks import Mobility
from mip6check.model.roles.node import IPv6Node, data_packet

ETHERTYPE_IPV6 = b"\x86\xdd"
INJECT_LLA = bytes.fromhex("02fffffffffe")  # source MAC of frames injected from outside any node


class Network:
    """Builder and runner of a simulated topology (seeded: same calls, same log, same capture)."""

    def __init__(
        self,
        seed: int = 0,
        config: Config = DEFAULT,
        *,
        capture: BinaryIO | None = None,
        log_packets: bool = True,
    ) -> None:
        """`log_packets=False` keeps tx/rx records out of the log (long benchmark runs: the log then
        holds role events, losses and decode errors only; `frames`/`hops` still count)."""
        self.seed = seed
        self.log_packets = log_packets
        self.config = config
        self.sim = Scheduler(seed)
        self.log = EventLog(self.snapshots)
        self.capture = Capture(capture) if capture is not None else None
        self.links: dict[str, Link] = {}
        self.nodes: dict[str, IPv6Node] = {}
        self._where: dict[tuple[str, str], Link] = {}
        self._armed: dict[str, int] = {}
        self._mac = 0
        self.frames = 0
        self.hops = 0  # frames decoded at a receiver

    # ------------------------------------------------------------ building

    def add_link(
        self,
        name: str,
        prefixes: Iterable[Prefix | str] = (),
        *,
        delay: int = 1,
        loss: float = 0.0,
        dup: float = 0.0,
        jitter: int = 0,
    ) -> Link:
        if name in self.links:
            raise ModelUsageError(f"link {name} exists")
        ps = tuple(p if isinstance(p, Prefix) else Prefix.parse(p) for p in prefixes)
        link = Link(
            name,
            ps,
            index=len(self.links),
            seed=self.seed,
            delay=delay,
            loss=loss,
            dup=dup,
            jitter=jitter,
        )
        self.links[name] = link
        if self.capture is not None:
            self.capture.add_link(name, ", ".join(str(p) for p in ps))
        return link

    def add_node(
        self,
        name: str,
        *,
        router: bool,
        mobility: Mobility | None = None,
        config: Config | None = None,
        ra_interval: tuple[int, int] = (1_000, 3_000),
    ) -> IPv6Node:
        if name in self.nodes:
            raise ModelUsageError(f"node {name} exists")
        node = IPv6Node(
            name,
            config or self.config,
            random.Random(f"{self.seed}:node:{name}"),
            router=router,
            mobility=mobility,
            ra_interval=ra_interval,
        )
        self.nodes[name] = node
        return node

    def add_router(self, name: str, mobility: Mobility | None = None, **kw: object) -> IPv6Node:
        return self.add_node(name, router=True, mobility=mobility, **kw)  # type: ignore[arg-type]

    def add_host(self, name: str, mobility: Mobility | None = None, **kw: object) -> IPv6Node:
        return self.add_node(name, router=False, mobility=mobility, **kw)  # type: ignore[arg-type]

    def new_lla(self) -> bytes:
        self._mac += 1
        return bytes.fromhex("020000") + self._mac.to_bytes(3, "big")

    def add_interface(
        self,
        node: str,
        iface: str,
        *,
        addresses: Iterable[Addr | str] = (),
        prefixes: Iterable[Prefix | str] | None = None,
        lla: bytes | None = None,
        advertise: bool = True,
    ) -> None:
        """Create an interface (detached). `prefixes` are its configured on-link prefixes."""
        from mip6check.model.addr import a as parse

        n = self.node(node)
        addrs = [x if isinstance(x, bytes) else parse(x) for x in addresses]
        ps = [p if isinstance(p, Prefix) else Prefix.parse(p) for p in (prefixes or ())]
        n.add_interface(iface, lla or self.new_lla(), ps, addrs, advertise=advertise)

    def connect(
        self,
        node: str,
        iface: str,
        link: str,
        *,
        addresses: Iterable[Addr | str] = (),
        prefixes: Iterable[Prefix | str] | None = None,
        lla: bytes | None = None,
        now: int | None = None,
        advertise: bool = True,
    ) -> None:
        """Create `iface` if needed and attach it to `link`. Routers default to the link's prefixes;
        `advertise=False` keeps a router's Router Advertisements off this link."""
        n = self.node(node)
        lk = self.link(link)
        if iface not in n.ifaces:
            if prefixes is None and n.is_router:
                prefixes = lk.prefixes
            self.add_interface(
                node, iface, addresses=addresses, prefixes=prefixes, lla=lla, advertise=advertise
            )
        elif addresses or prefixes:
            raise ModelUsageError(f"{node}.{iface} exists: give addresses when it is created")
        self.attach(node, iface, link, self.sim.now if now is None else now)

    def add_route(
        self, node: str, prefix: Prefix | str, iface: str, next_hop: Addr | str | None = None
    ) -> None:
        from mip6check.model.addr import a as parse

        p = prefix if isinstance(prefix, Prefix) else Prefix.parse(prefix)
        nh = parse(next_hop) if isinstance(next_hop, str) else next_hop
        self.node(node).add_route(p, iface, nh)

    def compute_routes(self) -> int:
        """Install static routes on every router for every link prefix it is not on: shortest path in
        router hops over the links as they are now (ties: router and link names). Returns how many.

        The next hop is the neighbouring router's first global address on the shared link (its
        link-local one when it has none). Call after building the topology; hosts use RAs."""
        routers = sorted(n for n, node in self.nodes.items() if node.is_router)
        # adjacency: router -> [(link, iface)]
        on: dict[str, list[tuple[str, str]]] = {r: [] for r in routers}
        for (node, iface), lk in sorted(self._where.items()):
            if node in on:
                on[node].append((lk.name, iface))
        members: dict[str, list[tuple[str, str]]] = {}
        for r in routers:
            for lname, iface in on[r]:
                members.setdefault(lname, []).append((r, iface))
        installed = 0
        for src in routers:
            # BFS from src; first_hop[router] = (out iface, next-hop address)
            first: dict[str, tuple[str, Addr]] = {}  # insertion order = BFS order = distance order
            seen = {src}
            frontier = [src]
            while frontier:
                nxt: list[str] = []
                for r in frontier:
                    for lname, iface in on[r]:
                        for peer, piface in members.get(lname, []):
                            if peer in seen:
                                continue
                            seen.add(peer)
                            if r == src:
                                pif = self.nodes[peer].ifaces[piface]
                                first[peer] = (
                                    iface,
                                    pif.addresses[0] if pif.addresses else pif.link_local,
                                )
                            else:
                                first[peer] = first[r]
                            nxt.append(peer)
                frontier = nxt
            mine = {lname for lname, _ in on[src]}
            done: set[Prefix] = set()
            for dist_router in first:
                for lname, _ in on[dist_router]:
                    if lname in mine:
                        continue
                    for p in self.links[lname].prefixes:
                        if p in done:
                            continue
                        done.add(p)
                        iface, nh = first[dist_router]
                        self.nodes[src].add_route(p, iface, nh)
                        installed += 1
        return installed

    def add_key(self, a_node: str, a_addr: Addr, b_node: str, b_addr: Addr, key: bytes) -> None:
        """An AH security association between two nodes' addresses (both directions, both nodes)."""
        self.node(a_node).keys.add(a_addr, b_addr, key)
        self.node(b_node).keys.add(b_addr, a_addr, key)

    def node(self, name: str) -> IPv6Node:
        n = self.nodes.get(name)
        if n is None:
            raise ModelUsageError(f"no node {name}")
        return n

    def link(self, name: str) -> Link:
        lk = self.links.get(name)
        if lk is None:
            raise ModelUsageError(f"no link {name}")
        return lk

    def link_of(self, node: str, iface: str) -> str | None:
        lk = self._where.get((node, iface))
        return lk.name if lk is not None else None

    # ------------------------------------------------------------ movement (§9.2, §9.12)

    def attach(self, node: str, iface: str, link: str, now: int) -> None:
        self._advance(now)
        n = self.node(node)
        if (node, iface) in self._where:
            raise ModelUsageError(
                f"{node}.{iface} is on {self._where[(node, iface)].name}: detach first"
            )
        lk = self.link(link)
        lk.attach(n, iface)
        self._where[(node, iface)] = lk
        self.log.append(now, Kind.MOVE, node, link, detail=f"{node}.{iface} attached to {link}")
        self._handle(n, n.attach(iface, now), now)

    def detach(self, node: str, iface: str, now: int) -> None:
        self._advance(now)
        n = self.node(node)
        lk = self._where.pop((node, iface), None)
        if lk is None:
            return
        lk.detach(n, iface)
        self.log.append(
            now, Kind.MOVE, node, lk.name, detail=f"{node}.{iface} detached from {lk.name}"
        )
        self._handle(n, n.detach(iface, now), now)

    def move(self, node: str, iface: str, to_link: str, now: int) -> None:
        """Detach `iface` from its link (if any) and attach it to `to_link`."""
        self.detach(node, iface, now)
        self.attach(node, iface, to_link, now)

    # ------------------------------------------------------------ traffic

    def send_data(self, node: str, dst: Addr, flow: int, now: int, src: Addr | None = None) -> None:
        """Originate a UDP data packet carrying `flow` (hooks.data_payload) from `node` to `dst`."""
        self._advance(now)
        n = self.node(node)
        pkt = data_packet(src if src is not None else n.source_for(dst), dst, flow)
        self.log.append(now, Kind.APP, node, event=pkt, detail=f"flow {flow}")
        self._handle(n, n.originate(pkt, now), now)

    def originate(self, node: str, packet: IPv6Packet, now: int) -> None:
        self._advance(now)
        n = self.node(node)
        self.log.append(now, Kind.APP, node, event=packet)
        self._handle(n, n.originate(packet, now), now)

    def inject(
        self,
        link: str,
        packet: IPv6Packet | bytes,
        now: int,
        *,
        dst_lla: bytes | None = None,
        src_lla: bytes = INJECT_LLA,
    ) -> None:
        """Put a frame on `link` from outside any node (an off-path attacker, a replay). Without
        `dst_lla` the frame goes to the owner of the destination on the link (or its proxy), else to
        the first router on the link (by name); a multicast destination maps as RFC 2464 says."""
        self._advance(now)
        lk = self.link(link)
        data = packet if isinstance(packet, bytes) else encode_packet(packet)
        if dst_lla is None:
            if len(data) < 40:
                raise ModelUsageError("inject: dst_lla is needed for fewer than 40 octets")
            dst_lla = self._lla_for(lk, data[24:40])
            if dst_lla is None:
                raise ModelUsageError(f"inject: no interface on {link} takes that destination")
        self._put(lk, None, dst_lla + src_lla + ETHERTYPE_IPV6 + data, now, Kind.INJECT, None)

    def _lla_for(self, lk: Link, dst: Addr) -> bytes | None:
        if dst[0] == 0xFF:
            return b"\x33\x33" + dst[12:16]
        for at in lk.attachments:
            if at.node.iface_of(dst) == at.iface or at.node.mobility.proxied().get(dst) == at.iface:
                return at.lla
        routers = sorted((at.node.name, at.lla) for at in lk.attachments if at.node.is_router)
        return routers[0][1] if routers else None

    def apply(self, node: str, actions: list[Action], now: int) -> None:
        """Carry out actions a node's role produced outside the engine's own calls (e.g. a scenario
        asking a home agent to advertise new prefixes, §8.5): transmit, log events, re-arm timers."""
        self._advance(now)
        n = self.node(node)
        n.invalidate()  # the role was driven directly: its timers may have changed
        self._handle(n, actions, now)

    def renumber(self, link: str, old: Prefix, new: Prefix, now: int) -> dict[str, list[Addr]]:
        """Renumber `link` from prefix `old` to `new` (§8.5's scenario): the link and every router on
        it take `new` in place of `old`, and each router gains, beside its old addresses, the address
        in `new` with the same interface identifier. Returns router -> the addresses it gained.
        Routes to `new` elsewhere and the home agents' own announcements are the caller's to make."""
        self._advance(now)
        lk = self.link(link)
        lk.prefixes = tuple(new if p == old else p for p in lk.prefixes)
        gained: dict[str, list[Addr]] = {}
        for at in lk.attachments:
            node = at.node
            if not node.is_router:
                continue
            ifc = node.ifaces[at.iface]
            node.set_prefixes(at.iface, [new if p == old else p for p in ifc.prefixes])
            for x in [x for x in ifc.addresses if old.contains(x)]:
                y = new.with_iid(x)
                if node.iface_of(y) is None:
                    node.add_address(at.iface, y)
                    gained.setdefault(node.name, []).append(y)
            self._handle(node, node.flush(now), now)
        return gained

    def at(self, t: int, fn: Callable[[int], None]) -> None:
        """Schedule `fn(t)` on the network's clock (scenario timelines)."""
        self.sim.at(t, fn)

    def run_until(self, t: int) -> None:
        self.sim.run_until(t)

    @property
    def now(self) -> int:
        return self.sim.now

    def snapshots(self, now: int) -> dict[str, NodeSnapshot]:
        return {name: n.snapshot(now) for name, n in self.nodes.items()}

    # ------------------------------------------------------------ the engine

    def _advance(self, now: int) -> None:
        if now < self.sim.now:
            raise ModelUsageError(f"time {now} ms is in the past (clock at {self.sim.now} ms)")
        if now > self.sim.now:
            self.sim.run_until(now)

    def _handle(self, node: IPv6Node, actions: list[Action], now: int) -> None:
        log = self.log
        for act in actions:
            if type(act) is Transmit:
                self._transmit(node, act, now)
            else:
                log.append(now, Kind.EVENT, node.name, event=act)
        self._arm(node, now)

    def _arm(self, node: IPv6Node, now: int) -> None:
        d = node.next_deadline()
        if d is None:
            return
        d = max(d, now)
        cur = self._armed.get(node.name)
        if cur is not None and cur <= d:
            return
        self._armed[node.name] = d
        self.sim.at(d, partial(self._fire, node))

    def _fire(self, node: IPv6Node, t: int) -> None:
        if self._armed.get(node.name) == t:
            del self._armed[node.name]
        d = node.next_deadline()
        if d is not None and d <= t:
            self._handle(node, node.on_timer(t), t)
        else:
            self._arm(node, t)

    def _transmit(self, node: IPv6Node, act: Transmit, now: int) -> None:
        lk = self._where.get((node.name, act.iface))
        if lk is None:
            self.log.append(
                now, Kind.EVENT, node.name, event=None, detail=f"transmit on detached {act.iface}"
            )
            return
        data = encode_packet(act.packet)
        frame = act.dst_lla + node.lla(act.iface) + ETHERTYPE_IPV6 + data
        self._put(lk, node, frame, now, Kind.TX, act)

    def _put(
        self,
        lk: Link,
        sender: IPv6Node | None,
        frame: bytes,
        now: int,
        kind: Kind,
        act: Transmit | None,
    ) -> None:
        idx = self.frames
        self.frames += 1
        if self.capture is not None:
            self.capture.write(lk.name, now, frame)
        src_iface = act.iface if act is not None else None
        if self.log_packets or kind is Kind.INJECT:
            self.log.append(
                now, kind, sender.name if sender is not None else None, lk.name, idx, act
            )
        delays = lk.fate()
        if not delays:
            self.log.append(
                now, Kind.LOST, sender.name if sender is not None else None, lk.name, idx
            )
            return
        for d in delays:
            self.sim.at(now + d, partial(self._deliver, lk, frame, idx, sender, src_iface))

    def _deliver(
        self,
        lk: Link,
        frame: bytes,
        idx: int,
        sender: IPv6Node | None,
        src_iface: str | None,
        t: int,
    ) -> None:
        dst = frame[:6]
        data = frame[14:]
        if not dst[0] & 1:  # unicast: the one interface with that address
            for at in tuple(lk.by_lla.get(dst, ())):
                if not (at.node is sender and at.iface == src_iface):
                    self._receive(lk, at, data, idx, t)
            return
        ipv6_group = dst[:2] == b"\x33\x33"  # else broadcast or a non-IPv6 group: every interface
        for at in list(lk.attachments):
            if at.node is sender and at.iface == src_iface:
                continue
            if ipv6_group and not at.node.listens(dst):
                continue  # the NIC's multicast filter (RFC 2464 §7)
            self._receive(lk, at, data, idx, t)

    def _receive(self, lk: Link, at: Attachment, data: bytes, idx: int, t: int) -> None:
        node = at.node
        self.hops += 1
        try:
            pkt = decode_packet(data, node.config.profile)
        except DecodeError as err:
            err.frame_index = idx
            self.log.append(t, Kind.DECODE_ERROR, node.name, lk.name, idx, err, detail=str(err))
            self._handle(node, node.receive_malformed(at.iface, data, err, t), t)
            return
        if self.log_packets:
            self.log.append(t, Kind.RX, node.name, lk.name, idx, pkt)
        self._handle(node, node.receive(at.iface, pkt, t, data), t)
