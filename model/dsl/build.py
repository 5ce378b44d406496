"""Run a `Scenario` in the forwarding engine and judge its expectations (the only dsl module importing net).

Addressing is automatic: a node's interface on a link is named after the link and gets the link's
prefix with interface identifier = the node's 1-based position in the file (mobile nodes keep their
declared home address and autoconfigure care-of addresses). Routers get shortest-path static routes
to every link they are not on, unless a `route` line gives one. Plain routers run the §9.6 previous
router role; home agents serve the prefixes of their links that hold a declared home address.

Expectations are judged against the event log (events up to T for `at`/`by`, the whole run for `never`)
and against node snapshots taken while the run goes (at T for `at`; on a 100 ms grid for `by`/`never`).
`property` expectations need a monitor (properties/ is above this room): the caller passes one.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import BinaryIO, Protocol

from mip6check.model.addr import Addr, Prefix, fmt
from mip6check.model.codec import encode_packet
from mip6check.model.codec.options import dest_options, encode_option
from mip6check.model.codec.values import (
    AH,
    UDP,
    BindingAck,
    BindingRequest,
    BindingUpdate,
    DestOptions,
    DestUnreachable,
    ExtHeader,
    HomeAddress,
    IPv6Packet,
    NeighborAdvertisement,
    NoNextHeader,
    Option,
    ParamProblem,
    PrefixInfo,
    RouterAdvertisement,
    Routing0,
    UnknownOption,
)
from mip6check.model.config import Config
from mip6check.model.dsl import ast as A
from mip6check.model.dsl.errors import ScenarioError
from mip6check.model.dsl.parse import check_scenario
from mip6check.model.dsl.printer import print_condition, print_expectation
from mip6check.model.dsl.switches import config_of
from mip6check.model.errors import ModelUsageError
from mip6check.model.net import Kind, LogRecord, Network
from mip6check.model.roles import ah as ahmod
from mip6check.model.roles.choices import DEFAULT_CHOICES, Choices
from mip6check.model.roles.correspondent import Correspondent
from mip6check.model.roles.events import (
    BindingAckReceived,
    BindingIgnored,
    Delivered,
    Dropped,
    NodeSnapshot,
    Note,
    RoleEvent,
    Transmit,
)
from mip6check.model.roles.home_agent import HomeAgent
from mip6check.model.roles.mobile_node import MobileNode
from mip6check.model.roles.previous_router import PreviousRouter

GRID_MS = 100
"""Snapshot sampling period for `by`/`never` state expectations."""

MN_IFACE = "e0"

DEFAULT_ROUTE = Prefix(bytes(16), 0)


class PropertyMonitor(Protocol):
    """What properties.monitors.MonitorSet offers: events in log order, snapshots, violations."""

    def feed(self, time: int, event: RoleEvent) -> None: ...
    def check_state(self, now: int, snapshots: Mapping[str, NodeSnapshot]) -> None: ...
    def flush(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ExpectationResult:
    """One expectation's verdict: its source line, its text, whether it held, and why not."""

    line: int
    text: str
    ok: bool
    detail: str = ""


@dataclass
class Run:
    """A finished run: the network (log, capture, nodes) and the expectations' verdicts."""

    scenario: A.Scenario
    network: Network
    results: list[ExpectationResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)


# ---------------------------------------------------------------- building the network


class _Builder:
    def __init__(
        self, s: A.Scenario, config: Config, capture: BinaryIO | None, log_packets: bool = True
    ) -> None:
        self.s = s
        self.config = config
        self.net = Network(
            seed=s.seed or 0, config=config, capture=capture, log_packets=log_packets
        )
        self.addr: dict[tuple[str, str], Addr] = {}  # (node, link) -> address
        self.homes = {n.home for n in s.nodes if isinstance(n, A.Mobile)}
        self.prefix: dict[str, Prefix] = {link.name: link.prefix for link in s.links}
        self.silent = {link.name for link in s.links if link.silent}
        self.decls: dict[str, A.Node] = {n.name: n for n in s.nodes}  # name -> declaration
        self.flow = 1000

    def home_link(self, home: Addr) -> A.Link:
        for link in self.s.links:
            if link.prefix.contains(home):
                return link
        raise ModelUsageError(f"no link holds the home address {fmt(home)}")

    def node_addr(self, index: int, link: str) -> Addr:
        iid = index + 1
        p = self.prefix[link]
        while True:
            addr = p.with_iid(iid.to_bytes(16, "big"))
            if addr not in self.homes:
                return addr
            iid += 1000

    def build(self) -> Network:
        s, net, cfg = self.s, self.net, self.config
        for link in s.links:
            net.add_link(
                link.name,
                [link.prefix],
                delay=max(link.delay, 1),
                loss=link.loss,
                dup=link.dup,
                jitter=link.reorder,
            )
        for i, n in enumerate(s.nodes):
            if not isinstance(n, A.Mobile):
                for ln in n.links:
                    self.addr[(n.name, ln)] = self.node_addr(i, ln)
        for n in s.nodes:
            try:
                self.add_node(n, cfg)
            except ModelUsageError as e:
                if isinstance(e, ScenarioError):
                    raise
                raise ScenarioError(n.pos.line, n.pos.column, str(e), filename=s.filename) from None
        self.routes()
        for k in s.keys:
            secret = k.secret.encode()
            for x in self.identities(k.a):
                for y in self.identities(k.b):
                    net.add_key(k.a, x, k.b, y, secret)
        return net

    def choices(self, node: str) -> Choices:
        """The node's MAY choices: the default policy, with the scenario's `choice` lines for it."""
        fixed = {c.name: c.value for c in self.s.choices if c.node == node}
        if "na-rexmit" not in fixed:
            return DEFAULT_CHOICES
        n = fixed["na-rexmit"]
        return replace(DEFAULT_CHOICES, na_rexmit=lambda _addr: n)

    def add_node(self, n: A.Node, cfg: Config) -> None:
        net = self.net
        if isinstance(n, A.Mobile):
            hl = self.home_link(n.home)
            ha = None if n.agent is None else self.addr[(n.agent, hl.name)]
            at_home = n.links[0] == hl.name
            net.add_host(
                n.name,
                MobileNode(
                    n.name,
                    cfg,
                    home=n.home,
                    home_prefix=hl.prefix,
                    home_agent=ha,
                    at_home=at_home,
                    choices=self.choices(n.name),
                ),
            )
            net.add_interface(n.name, MN_IFACE, addresses=[n.home])
            net.attach(n.name, MN_IFACE, n.links[0], 0)
            return
        if isinstance(n, A.HomeAgent):
            serving = tuple(
                self.prefix[ln]
                for ln in n.links
                if any(self.prefix[ln].contains(h) for h in self.homes)
            ) or tuple(self.prefix[ln] for ln in n.links)
            role = HomeAgent(
                n.name,
                cfg,
                serving=serving,
                iid_length=n.id_length if n.id_length is not None else 64,
                capacity=n.capacity if n.capacity is not None else 64,
                choices=self.choices(n.name),
            )
            net.add_router(n.name, role)
        elif isinstance(n, A.Router):
            net.add_router(n.name, PreviousRouter(n.name, cfg, choices=self.choices(n.name)))
        elif isinstance(n, A.Correspondent):
            if n.legacy:
                net.add_host(n.name)
            else:
                cap = n.capacity if n.capacity is not None else 64
                net.add_host(n.name, Correspondent(n.name, cfg, capacity=cap))
        else:
            net.add_host(n.name)
        for ln in n.links:
            net.connect(
                n.name,
                ln,
                ln,
                addresses=[self.addr[(n.name, ln)]],
                prefixes=[self.prefix[ln]],
                advertise=ln not in self.silent,
            )

    def identities(self, name: str) -> list[Addr]:
        n = self.decls.get(name)
        if isinstance(n, A.Mobile):
            return [n.home]
        return [a for (nn, _), a in self.addr.items() if nn == name]

    def routers(self) -> list[A.Node]:
        return [n for n in self.s.nodes if isinstance(n, A.Router | A.HomeAgent)]

    def routes(self) -> None:
        given = {(r.router, r.prefix) for r in self.s.routes}
        for r in self.s.routes:
            self.net.add_route(r.router, r.prefix, r.via, r.next_hop)
        for link in self.s.links:
            self.routes_to(link.name, link.prefix, given)
        self.silent_defaults()

    def silent_defaults(self) -> None:
        """Hosts on a `silent` link hear no Router Advertisements (RFC 2461 §6.3.4 would give them a
        default router): they get a static default route via the link's first declared router."""
        routers = self.routers()
        for n in self.s.nodes:
            if isinstance(n, A.Router | A.HomeAgent | A.Mobile):
                continue
            for ln in n.links:
                if ln not in self.silent:
                    continue
                first = next((r for r in routers if ln in r.links), None)
                if first is not None:
                    self.net.add_route(n.name, DEFAULT_ROUTE, ln, self.addr[(first.name, ln)])

    def routes_to(
        self, target: str, prefix: Prefix, given: Collection[tuple[str, Prefix]] = ()
    ) -> None:
        """Breadth-first from the target link: each router reaches it via the router that found it."""
        routers = self.routers()
        done = {n.name for n in routers if target in n.links}
        frontier = [n for n in routers if n.name in done]
        while frontier:
            nxt: list[A.Node] = []
            for q in frontier:
                for ln in q.links:
                    for r in routers:
                        if r.name in done or ln not in r.links:
                            continue
                        done.add(r.name)
                        nxt.append(r)
                        if (r.name, prefix) not in given:
                            self.net.add_route(r.name, prefix, ln, self.addr[(q.name, ln)])
            frontier = nxt


# ---------------------------------------------------------------- the timeline


def _endpoint_addr(b: _Builder, ep: A.Endpoint, link: str) -> Addr:
    if isinstance(ep, bytes):
        return ep
    n = b.decls.get(ep)
    if isinstance(n, A.Mobile):
        return n.home
    if (ep, link) in b.addr:
        return b.addr[(ep, link)]
    assert n is not None
    return b.addr[(ep, n.links[0])]


def _mobile_dst(b: _Builder, ep: A.Endpoint, now: int) -> tuple[Addr, tuple[ExtHeader, ...]]:
    """Where a packet for a mobile node goes: its care-of address with a Routing header to the home
    address when it is away (§5.2), else the address itself."""
    if isinstance(ep, str) and isinstance(b.decls.get(ep), A.Mobile):
        n = b.decls.get(ep)
        assert isinstance(n, A.Mobile)
        snap = b.net.node(ep).snapshot(now)
        if snap.at_home is False and snap.care_of:
            return snap.care_of[0], (Routing0(1, (n.home,)),)
        return n.home, ()
    return _endpoint_addr(b, ep, ""), ()


def _key_for(b: _Builder, src: A.Endpoint, dst: A.Endpoint, explicit: str | None) -> bytes | None:
    if explicit is not None:
        return explicit.encode()
    if isinstance(src, str) and isinstance(dst, str):
        for k in b.s.keys:
            if {k.a, k.b} == {src, dst}:
                return k.secret.encode()
    return None


def _override(opt: Option, length: int | None) -> Option:
    """The option with its Option Length forced (data truncated or zero-padded): a malformed option."""
    if length is None:
        return opt
    data = encode_option(opt)[2:]
    data = (data + bytes(max(0, length - len(data))))[:length]
    return UnknownOption(encode_option(opt)[0], data)


def _signed(pkt: IPv6Packet, auth: bool, key: bytes | None) -> IPv6Packet:
    if not auth:
        return pkt
    pkt = IPv6Packet(pkt.src, pkt.dst, (AH(0x100, 0, bytes(12)), *pkt.headers), pkt.payload)
    if key is not None:
        pkt = ahmod.sign(pkt, key, encode_packet)
    return pkt


def _packet(b: _Builder, link: str, p: A.Packet, now: int) -> IPv6Packet | bytes | None:
    prof = b.config.profile
    if isinstance(p, A.InjectRaw):
        return p.data
    if isinstance(p, A.InjectReplay):
        return _replay(b, link, p)
    src = _endpoint_addr(b, p.src, link)
    if isinstance(p, A.InjectBU):
        dst = _endpoint_addr(b, p.dst, link)
        opt: Option = BindingUpdate(
            p.seq, p.lifetime, p.a, p.h, p.coa is not None, p.id_length or 0, p.coa, 0, b"", prof.bu
        )
        opts: list[Option] = [_override(opt, p.length)]
        if p.hao:
            opts.append(HomeAddress(p.home, b"", prof.hao))
        pkt = IPv6Packet(src, dst, (dest_options(*opts),), NoNextHeader())
        return _signed(pkt, p.auth, _key_for(b, p.src, p.dst, p.key))
    dst, rh = _mobile_dst(b, p.dst, now)
    if isinstance(p, A.InjectBA):
        refresh = p.refresh if p.refresh is not None else p.lifetime
        opt = _override(BindingAck(p.status, p.seq, p.lifetime, refresh, b"", prof.ba), p.length)
    else:
        opt = _override(BindingRequest(b"", prof.br), p.length)
    pkt = IPv6Packet(src, dst, (*rh, dest_options(opt)), NoNextHeader())
    return _signed(pkt, p.auth, _key_for(b, p.src, p.dst, p.key))


def _replay(b: _Builder, link: str, p: A.InjectReplay) -> bytes | None:
    srcs = set(_addrs_of(b, p.src))
    dsts = set(_addrs_of(b, p.dst))
    for r in reversed(b.net.log.records):
        if r.kind is not Kind.TX or not isinstance(r.event, Transmit):
            continue
        pkt = r.event.packet
        if any(m is p.msg for m, _ in _messages(pkt)) and (
            srcs & _sources(pkt) and dsts & _destinations(pkt)
        ):
            return encode_packet(pkt)
    return None


def _dst_lla(net: Network, link: str, data: bytes) -> bytes | None:
    if len(data) < 40 or data[24] == 0xFF:
        return None
    dst = data[24:40]
    ats = net.link(link).attachments
    for at in ats:
        if dst in at.node.addresses():
            return at.lla
    for at in ats:
        if at.node.is_router:
            return at.lla
    return b"\xff" * 6


def _inject(b: _Builder, step: A.Inject, now: int) -> None:
    made = _packet(b, step.link, step.packet, now)
    if made is None:
        b.net.log.append(now, Kind.INJECT, None, step.link, detail="replay: nothing to replay yet")
        return
    data = made if isinstance(made, bytes) else encode_packet(made)
    b.net.inject(step.link, data, now, dst_lla=_dst_lla(b.net, step.link, data))


def _renumber(b: _Builder, step: A.Renumber, now: int) -> None:
    """The link's routers take the new prefix (same interface identifiers) and every router learns
    a route to it; mobile nodes hear of it through their own protocol (§8.5): each home agent
    serving the old prefix announces the new one."""
    net = b.net
    old = b.prefix[step.link]
    b.prefix[step.link] = step.prefix
    net.renumber(step.link, old, step.prefix, now)
    for at in net.link(step.link).attachments:
        node = at.node
        if not node.is_router:
            continue
        mine = b.addr.get((node.name, step.link))
        if mine is not None:
            b.addr[(node.name, step.link)] = step.prefix.with_iid(mine)
        role = node.mobility
        if isinstance(role, HomeAgent) and role.serving:
            role.serving = tuple(step.prefix if p == old else p for p in role.serving)
            ra = RouterAdvertisement(
                router_lifetime=1800,
                options=tuple(
                    PrefixInfo(p.length, True, True, 2_592_000, 604_800, p.network)
                    for p in node.ifaces[at.iface].prefixes
                ),
            )
            net.apply(node.name, role.advertise_prefixes(node, at.iface, ra, now), now)
    b.routes_to(step.link, step.prefix)


def _attach(net: Network, node: str, link: str, now: int) -> None:
    """§9.12: one more interface on `link` (e0 first if it is free; e1, e2 ... after that)."""
    ifaces = list(net.node(node).ifaces)
    if any(net.link_of(node, i) == link for i in ifaces):
        raise ModelUsageError(f"{node} is already on {link}")
    free = [i for i in ifaces if net.link_of(node, i) is None]
    if free:
        iface = free[0]
    else:
        iface = f"e{len(ifaces)}"
        net.add_interface(node, iface)
    net.attach(node, iface, link, now)


def _detach(net: Network, node: str, link: str, now: int) -> None:
    for iface in net.node(node).ifaces:
        if net.link_of(node, iface) == link:
            net.detach(node, iface, now)
            return
    raise ModelUsageError(f"{node} is not on {link}")


def _schedule(b: _Builder) -> list[tuple[int, tuple[int, int], Callable[[int], None]]]:
    """Every timeline step (and every packet of a `send ... count N`) as (time, order, action)."""
    out: list[tuple[int, tuple[int, int], Callable[[int], None]]] = []
    net = b.net
    for i, step in enumerate(b.s.timeline):
        order = (i, 0)
        if isinstance(step, A.Move):
            mv = step

            def do_move(t: int, mv: A.Move = mv) -> None:
                net.move(mv.node, MN_IFACE, mv.link, t)

            out.append((step.time, order, do_move))
        elif isinstance(step, A.Attach):

            def do_attach(t: int, st: A.Attach = step) -> None:
                _attach(net, st.node, st.link, t)

            out.append((step.time, order, do_attach))
        elif isinstance(step, A.Detach):

            def do_detach(t: int, st: A.Detach = step) -> None:
                _detach(net, st.node, st.link, t)

            out.append((step.time, order, do_detach))
        elif isinstance(step, A.ReturnHome):
            n = b.decls.get(step.node)
            assert isinstance(n, A.Mobile)
            home = b.home_link(n.home).name

            def do_home(t: int, name: str = step.node, home: str = home) -> None:
                net.move(name, MN_IFACE, home, t)

            out.append((step.time, order, do_home))
        elif isinstance(step, A.Send):
            every = step.every if step.every is not None else 1000
            for k in range(step.count):
                if step.flow is None:
                    b.flow += 1
                flow = step.flow if step.flow is not None else b.flow

                def do_send(t: int, sd: A.Send = step, flow: int = flow) -> None:
                    net.send_data(sd.src, _endpoint_addr(b, sd.dst, ""), flow, t)

                out.append((step.time + k * every, (i, k), do_send))
        elif isinstance(step, A.DropNext):

            def do_drop(t: int, dn: A.DropNext = step) -> None:
                net.run_until(t)
                net.link(dn.link).drop_next(dn.count)

            out.append((step.time, order, do_drop))
        elif isinstance(step, A.Renumber):

            def do_renumber(t: int, rn: A.Renumber = step) -> None:
                net.run_until(t)
                _renumber(b, rn, t)

            out.append((step.time, order, do_renumber))
        elif isinstance(step, A.Inject):

            def do_inject(t: int, ij: A.Inject = step) -> None:
                _inject(b, ij, t)

            out.append((step.time, order, do_inject))
        else:
            out.append((step.time, order, net.run_until))
    out.sort(key=lambda x: (x[0], x[1]))
    return out


# ---------------------------------------------------------------- reading packets for expectations


def _messages(pkt: IPv6Packet) -> Iterator[tuple[A.Msg, dict[str, int | Addr | None]]]:
    """The messages a packet carries (through tunnels), each with the fields expectations filter on."""
    hao = None
    for h in pkt.headers:
        if isinstance(h, DestOptions):
            for o in h.options:
                if isinstance(o, HomeAddress):
                    hao = o.home_address
    for h in pkt.headers:
        if not isinstance(h, DestOptions):
            continue
        for o in h.options:
            if isinstance(o, BindingUpdate):
                yield (
                    A.Msg.BU,
                    {
                        "seq": o.seq,
                        "lifetime": o.lifetime,
                        "home": hao or pkt.src,
                        "coa": o.care_of or pkt.src,
                    },
                )
            elif isinstance(o, BindingAck):
                yield A.Msg.BA, {"seq": o.seq, "lifetime": o.lifetime, "status": o.status}
            elif isinstance(o, BindingRequest):
                yield A.Msg.BR, {}
    u = pkt.payload
    if isinstance(u, ParamProblem):
        yield A.Msg.PARAM_PROBLEM, {"code": u.code}
    elif isinstance(u, DestUnreachable):
        yield A.Msg.UNREACHABLE, {"code": u.code}
    elif isinstance(u, NeighborAdvertisement):
        yield A.Msg.NA, {}
    elif isinstance(u, RouterAdvertisement):
        yield A.Msg.RA, {}
    elif isinstance(u, UDP):
        yield A.Msg.DATA, {}
    elif isinstance(u, IPv6Packet):
        yield from _messages(u)


def _destinations(pkt: IPv6Packet) -> set[Addr]:
    out = {pkt.dst}
    for h in pkt.headers:
        if isinstance(h, Routing0):
            out.update(h.addresses)
    if isinstance(pkt.payload, IPv6Packet):
        out |= _destinations(pkt.payload)
    return out


def _sources(pkt: IPv6Packet) -> set[Addr]:
    out = {pkt.src}
    for h in pkt.headers:
        if isinstance(h, DestOptions):
            out.update(o.home_address for o in h.options if isinstance(o, HomeAddress))
    if isinstance(pkt.payload, IPv6Packet):
        out |= _sources(pkt.payload)
    return out


def _addrs_of(b: _Builder, ep: A.Endpoint) -> list[Addr]:
    """Every address an endpoint is known by: literal, or a node's configured and current addresses."""
    if isinstance(ep, bytes):
        return [ep]
    out = list(b.identities(ep))
    if ep in b.net.nodes:
        out += [a for a in b.net.node(ep).addresses() if a[:2] != b"\xfe\x80"]
    return out


# ---------------------------------------------------------------- judging expectations


def _state_holds(b: _Builder, c: A.Condition, snaps: Mapping[str, NodeSnapshot]) -> bool:
    if isinstance(c, A.CacheHas):
        return any(
            e.home == c.home
            and (c.coa is None or e.coa == c.coa)
            and (not c.home_reg or e.home_reg)
            for e in snaps[c.node].binding_cache
        )
    if isinstance(c, A.CacheLacks):
        return all(e.home != c.home for e in snaps[c.node].binding_cache)
    if isinstance(c, A.CacheSize):
        return len(snaps[c.node].binding_cache) == c.size
    if isinstance(c, A.BulHas):
        dests = set(_addrs_of(b, c.dest))
        present = any(e.destination in dests for e in snaps[c.node].bul)
        return present == c.present
    if isinstance(c, A.IsHome):
        return snaps[c.node].at_home is c.home
    raise AssertionError(c)


_STATE = (A.CacheHas, A.CacheLacks, A.CacheSize, A.BulHas, A.IsHome)


def _count_events(b: _Builder, c: A.Condition, until: int | None) -> tuple[int, int]:
    """(matching events up to `until`, the count needed) for an event condition."""
    net = b.net
    recs = [r for r in net.log.records if until is None or r.time <= until]
    if isinstance(c, A.Delivered):
        srcs = set(_addrs_of(b, c.src))
        n = sum(
            1
            for r in recs
            if r.kind is Kind.EVENT
            and r.node == c.dst
            and isinstance(e := r.event, Delivered)
            and e.src in srcs
            and (c.flow is None or e.flow == c.flow)
            and (c.via is None or e.via == c.via.value)
        )
        return n, c.count or 1
    if isinstance(c, A.DroppedAt):
        n = 0
        for r in recs:
            if r.node != c.node:
                continue
            if r.kind is Kind.EVENT and isinstance(r.event, Dropped):
                reason = r.event.reason
            elif r.kind is Kind.DECODE_ERROR:
                reason = "decode " + r.detail
            else:
                continue
            if c.reason is None or c.reason.lower() in reason.lower():
                n += 1
        return n, 1
    if isinstance(c, A.Noted):
        n = sum(
            1
            for r in recs
            if r.kind is Kind.EVENT
            and r.node == c.node
            and isinstance(r.event, Note)
            and r.event.kind == c.kind
        )
        return n, 1
    assert isinstance(c, A.MsgEvent)
    return _count_msgs(b, c, recs), c.count or 1


def _fields_match(c: A.MsgEvent, f: Mapping[str, int | Addr | None]) -> bool:
    for name in ("seq", "lifetime", "status", "code", "home", "coa"):
        want = getattr(c, name)
        if want is not None and f.get(name) != want:
            return False
    return True


def _count_msgs(b: _Builder, c: A.MsgEvent, recs: Sequence[LogRecord]) -> int:
    peers = set(_addrs_of(b, c.peer)) if c.peer is not None else None
    n = 0
    if c.verb is A.Verb.IGNORED:
        for r in recs:
            if r.kind is not Kind.EVENT or r.node != c.node:
                continue
            e = r.event
            if c.msg is A.Msg.BU and isinstance(e, BindingIgnored):
                if (c.home is None or e.home == c.home) and (c.seq is None or e.seq == c.seq):
                    n += 1
            elif c.msg is A.Msg.BA and isinstance(e, BindingAckReceived) and e.outcome == "IGNORE":
                src_ok = peers is None or e.source in peers
                if (
                    src_ok
                    and (c.seq is None or e.seq == c.seq)
                    and (c.status is None or e.status == c.status)
                ):
                    n += 1
        return n
    kind = Kind.TX if c.verb is A.Verb.SENT else Kind.RX
    me = set(_addrs_of(b, c.node))
    seen: set[int] = set()
    for r in recs:
        if r.kind is not kind or r.node != c.node:
            continue
        pkt = r.event.packet if isinstance(r.event, Transmit) else r.event
        if not isinstance(pkt, IPv6Packet):
            continue
        if c.verb is A.Verb.SENT:
            if not (_sources(pkt) & me) and b.net.node(c.node).is_router:
                continue  # forwarded, not sent
            if peers is not None and not (_destinations(pkt) & peers):
                continue
        else:
            if not (_destinations(pkt) & me):
                continue  # passing through
            if peers is not None and not (_sources(pkt) & peers):
                continue
        if c.octets is not None and len(encode_packet(pkt)) != c.octets:
            continue  # `octets N`: the whole packet as it went on the wire
        if any(m is c.msg and _fields_match(c, f) for m, f in _messages(pkt)):
            key = r.frame if r.frame is not None else -r.seq - 1
            if key not in seen:
                seen.add(key)
                n += 1
    return n


def _judge(
    b: _Builder, e: A.Expect, samples: list[tuple[int, dict[str, NodeSnapshot]]]
) -> ExpectationResult:
    c = e.condition
    text = print_expectation(e)
    line = e.pos.line
    if isinstance(c, _STATE):
        times = [t for t, _ in samples]
        if e.when is A.When.AT:
            i = bisect.bisect_right(times, e.time or 0) - 1
            if i < 0:
                return ExpectationResult(line, text, False, "no snapshot at that time")
            ok = _state_holds(b, c, samples[i][1])
            return ExpectationResult(line, text, ok, "" if ok else f"not so at {samples[i][0]} ms")
        window = [s for s in samples if e.when is A.When.NEVER or s[0] <= (e.time or 0)]
        hits = [t for t, snaps in window if _state_holds(b, c, snaps)]
        if e.when is A.When.BY:
            return ExpectationResult(
                line, text, bool(hits), "" if hits else "never so in the window"
            )
        return ExpectationResult(line, text, not hits, f"so at {hits[0]} ms" if hits else "")
    n, need = _count_events(b, c, None if e.when is A.When.NEVER else e.time)
    if e.when is A.When.NEVER:
        ok = n < need
        return ExpectationResult(line, text, ok, "" if ok else f"{n} seen")
    return ExpectationResult(line, text, n >= need, "" if n >= need else f"{n} seen, {need} needed")


# ---------------------------------------------------------------- the entry point


def _need_packet_log(s: A.Scenario) -> None:
    """Refuse what cannot be judged or played without tx/rx records."""
    for e in s.expectations:
        if (
            isinstance(e, A.Expect)
            and isinstance(e.condition, A.MsgEvent)
            and e.condition.verb is not A.Verb.IGNORED
        ):
            raise ModelUsageError(f"line {e.pos.line}: {print_expectation(e)} needs the packet log")
    for st in s.timeline:
        if isinstance(st, A.Inject) and isinstance(st.packet, A.InjectReplay):
            raise ModelUsageError(f"line {st.pos.line}: a replay needs the packet log")


def run_scenario(
    scenario: A.Scenario,
    *,
    capture: BinaryIO | None = None,
    config: Config | None = None,
    monitor: Callable[[Config], PropertyMonitor] | None = None,
    monitored: Collection[str] = (),
    violations: Callable[[PropertyMonitor], Collection[str]] | None = None,
    log_packets: bool = True,
) -> Run:
    """Build the network, play the timeline, sample snapshots, judge every expectation.

    `monitor(config)` makes a property monitor (properties.monitors.MonitorSet); `violations(m)` lists
    the property IDs it flagged; `monitored` are the IDs it can judge at all. `log_packets=False`
    keeps tx/rx records out of the log (long runs, benchmarks): expectations on sent or received
    messages and `replay` injections need them, so such scenarios are refused.
    """
    check_scenario(scenario)
    if not log_packets:
        _need_packet_log(scenario)
    cfg = config or config_of(scenario)
    b = _Builder(scenario, cfg, capture, log_packets)
    net = b.build()
    mon = monitor(cfg) if monitor is not None else None
    end = scenario.end_time
    exps = [e for e in scenario.expectations if isinstance(e, A.Expect)]
    need_grid = (
        any(isinstance(e.condition, _STATE) and e.when is not A.When.AT for e in exps)
        or mon is not None
    )
    checkpoints = {e.time for e in exps if e.when is A.When.AT and e.time is not None}
    if need_grid:
        checkpoints.update(range(0, end + 1, GRID_MS))
    checkpoints.add(end)
    samples: list[tuple[int, dict[str, NodeSnapshot]]] = []
    fed = 0

    def sample(t: int) -> None:
        nonlocal fed
        net.run_until(t)
        snaps = net.snapshots(t)
        samples.append((t, snaps))
        if mon is not None:
            recs = net.log.records
            for r in recs[fed:]:
                if (
                    r.kind is Kind.EVENT
                    and r.event is not None
                    and not isinstance(r.event, Transmit)
                ):
                    mon.feed(r.time, r.event)  # type: ignore[arg-type]
            fed = len(recs)
            mon.check_state(t, snaps)

    # snapshots are taken before the steps of the same instant run ("at T" = state reached by T)
    events = _schedule(b)
    events += [(t, (-1, 0), sample) for t in checkpoints]
    events.sort(key=lambda x: (x[0], x[1]))
    for t, (i, _), act in events:
        try:
            act(t)
        except ModelUsageError as err:  # the scenario asked for something the engine refuses
            if isinstance(err, ScenarioError) or i < 0:
                raise
            p = scenario.timeline[i].pos
            raise ScenarioError(p.line, p.column, str(err), filename=scenario.filename) from None
    if mon is not None:
        mon.flush()
    run = Run(scenario, net)
    flagged = set(violations(mon)) if (mon is not None and violations is not None) else set()
    for e in scenario.expectations:
        if isinstance(e, A.ExpectProperty):
            text = print_expectation(e)
            if mon is None or e.property_id not in monitored:
                run.results.append(
                    ExpectationResult(
                        e.pos.line,
                        text,
                        False,
                        f"{e.property_id} is not judged by a runtime monitor",
                    )
                )
                continue
            held = e.property_id not in flagged
            ok = held == e.holds
            detail = "" if ok else ("violated" if not held else "held throughout the run")
            run.results.append(ExpectationResult(e.pos.line, text, ok, detail))
        else:
            run.results.append(_judge(b, e, samples))
    return run


__all__ = ["ExpectationResult", "PropertyMonitor", "Run", "print_condition", "run_scenario"]
