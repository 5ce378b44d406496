"""Run a scenario AST on the forwarding engine, one timeline step at a time (what the machines drive).

`World(scenario)` builds the network once; `apply(step)` executes one timeline step. When the scenario
language's own builder (`model.dsl.build`) is present it is used, so that a counterexample printed as a
`.scenario` replays exactly in `mip6check simulate`; otherwise a local builder with the same reading
stands in (it is the reference the machines were written against).
"""

from __future__ import annotations

import importlib
from dataclasses import replace
from typing import Any, BinaryIO, Protocol

from model.addr import Addr, Prefix, iid_of, is_multicast
from model.codec import encode_packet
from model.codec.options import dest_options
from model.codec.values import (
    AH,
    BindingAck,
    BindingRequest,
    BindingUpdate,
    DestOptions,
    HomeAddress,
    IPv6Packet,
    NoNextHeader,
    Option,
    UnknownOption,
)
from model.config import Config
from model.dsl import ast as A
from model.dsl.switches import config_of
from model.errors import ModelUsageError
from model.net import Kind, Network
from model.roles import ah
from model.roles.correspondent import Correspondent
from model.roles.home_agent import HomeAgent
from model.roles.mobile_node import MobileNode

INJECT_AH = AH(spi=0x100, seq=0, icv=bytes(12))


class Runner(Protocol):
    """What a machine needs from a running scenario."""

    net: Network

    def apply(self, step: A.Step) -> None: ...
    def address(self, node: str) -> Addr: ...


def external_builder() -> Any | None:
    """`model.dsl.build` when it exists and offers the stepwise API, else None."""
    try:
        mod = importlib.import_module("model.dsl.build")
    except ModuleNotFoundError:
        return None
    return mod if hasattr(mod, "Runner") or hasattr(mod, "build") else None


def bu_bytes(
    seq: int,
    lifetime: int,
    *,
    a: bool,
    h: bool,
    coa: Addr | None,
    id_length: int,
) -> bytes:
    """The data octets of a Binding Update option (§5.1 layout), C set iff a care-of address is given."""
    flags = (0x80 if a else 0) | (0x40 if h else 0) | (0x20 if coa is not None else 0)
    out = bytes([flags, id_length & 0xFF]) + (seq & 0xFFFF).to_bytes(2, "big")
    out += (lifetime & 0xFFFFFFFF).to_bytes(4, "big")
    return out + (coa or b"")


def ba_bytes(status: int, seq: int, lifetime: int, refresh: int) -> bytes:
    """The data octets of a Binding Acknowledgement option (§5.2): 11 octets."""
    return (
        bytes([status & 0xFF])
        + (seq & 0xFFFF).to_bytes(2, "big")
        + (lifetime & 0xFFFFFFFF).to_bytes(4, "big")
        + (refresh & 0xFFFFFFFF).to_bytes(4, "big")
    )


class LocalWorld:
    """The reference builder: routers and home agents take `<prefix>::1` (::2, ... when several share a
    link), correspondents and attackers `<prefix>::<10 + n>` on their first link, a mobile node its home
    address on its home link or `<prefix> + IID(home)` elsewhere. Keys: the mobile node's home address
    with the peer's first address."""

    def __init__(self, scenario: A.Scenario, capture: BinaryIO | None = None) -> None:
        self.s = scenario
        self.config: Config = config_of(scenario)
        self.net = Network(seed=scenario.seed or 0, config=self.config, capture=capture)
        self._addr: dict[str, Addr] = {}
        self._iface: dict[str, dict[str, str]] = {}  # node -> link -> iface
        self._flow = 0
        net = self.net
        for lk in scenario.links:
            net.add_link(
                lk.name, [lk.prefix], delay=lk.delay, loss=lk.loss, dup=lk.dup, jitter=lk.reorder
            )
        home_of: dict[str, Prefix] = {}
        for n in scenario.nodes:
            if isinstance(n, A.Mobile):
                p = self._prefix_containing(n.home)
                if p is not None:
                    home_of[n.name] = p
        routers = [n for n in scenario.nodes if isinstance(n, A.Router | A.HomeAgent)]
        per_link: dict[str, int] = {}
        for n in routers:
            for lname in n.links:
                per_link[lname] = per_link.get(lname, 0) + 1
        # routers first: their addresses are needed by mobile nodes (home agent address)
        taken: dict[str, int] = {}
        for n in routers:
            if isinstance(n, A.HomeAgent):
                serving = tuple(self._link(lname).prefix for lname in n.links)
                mob = HomeAgent(
                    n.name,
                    self.config,
                    serving=serving,
                    iid_length=64 if n.id_length is None else n.id_length,
                    capacity=64 if n.capacity is None else n.capacity,
                )
                net.add_router(n.name, mob)
            else:
                net.add_router(n.name)
            for i, lname in enumerate(n.links):
                k = taken.get(lname, 0) + 1
                taken[lname] = k
                addr = self._link(lname).prefix.with_iid(k.to_bytes(16, "big"))
                self._addr.setdefault(n.name, addr)
                self._iface.setdefault(n.name, {})[lname] = f"e{i}"
                net.connect(n.name, f"e{i}", lname, addresses=[addr])
        hosts = 0
        for n in scenario.nodes:
            if isinstance(n, A.Correspondent | A.Attacker):
                hosts += 1
                if isinstance(n, A.Correspondent) and not n.legacy:
                    net.add_host(
                        n.name,
                        Correspondent(
                            n.name, self.config, capacity=64 if n.capacity is None else n.capacity
                        ),
                    )
                else:
                    net.add_host(n.name)
                for i, lname in enumerate(n.links):
                    addr = self._link(lname).prefix.with_iid((9 + hosts).to_bytes(16, "big"))
                    self._addr.setdefault(n.name, addr)
                    self._iface.setdefault(n.name, {})[lname] = f"e{i}"
                    net.connect(n.name, f"e{i}", lname, addresses=[addr])
            elif isinstance(n, A.Mobile):
                hp = home_of.get(n.name)
                if hp is None:
                    raise ModelUsageError(f"mobile {n.name}: home address on no declared link")
                ha = self._addr.get(n.agent) if n.agent is not None else None
                net.add_host(
                    n.name,
                    MobileNode(n.name, self.config, home=n.home, home_prefix=hp, home_agent=ha),
                )
                self._addr[n.name] = n.home
                net.add_interface(n.name, "e0", addresses=[n.home])
                for lname in n.links[:1]:
                    net.attach(n.name, "e0", lname, 0)
        for k in scenario.keys:
            a_addr, b_addr = self._key_addrs(k.a, k.b)
            net.add_key(k.a, a_addr, k.b, b_addr, k.secret.encode())

    # ------------------------------------------------------------ lookups

    def _link(self, name: str) -> A.Link:
        lk = self.s.link(name)
        if lk is None:
            raise ModelUsageError(f"no link {name}")
        return lk

    def _prefix_containing(self, addr: Addr) -> Prefix | None:
        return next((lk.prefix for lk in self.s.links if lk.prefix.contains(addr)), None)

    def _key_addrs(self, a: str, b: str) -> tuple[Addr, Addr]:
        return self.address(a), self.address(b)

    def address(self, node: str) -> Addr:
        """The node's main address (a mobile node: its home address)."""
        try:
            return self._addr[node]
        except KeyError:
            raise ModelUsageError(f"no node {node}") from None

    def _ep(self, e: A.Endpoint) -> Addr:
        return self.address(e) if isinstance(e, str) else e

    def home_link(self, node: str) -> str:
        n = self.s.node(node)
        assert isinstance(n, A.Mobile)
        return next(lk.name for lk in self.s.links if lk.prefix.contains(n.home))

    def coa_on(self, node: str, link: str) -> Addr:
        """The care-of address the mobile node forms on `link` (§9.3: link prefix + its IID)."""
        n = self.s.node(node)
        assert isinstance(n, A.Mobile)
        p = self._link(link).prefix
        return p.with_iid(iid_of(n.home, 128 - p.length))

    # ------------------------------------------------------------ steps

    def apply(self, step: A.Step) -> None:
        net = self.net
        if isinstance(step, A.RunUntil):
            net.run_until(step.time)
        elif isinstance(step, A.Move | A.ReturnHome):
            to = step.link if isinstance(step, A.Move) else self.home_link(step.node)
            node = net.node(step.node)
            for iface in sorted(node.ifaces):
                net.detach(step.node, iface, step.time)
            net.attach(step.node, "e0", to, step.time)
        elif isinstance(step, A.Send):
            every = 1_000 if step.every is None else step.every
            for i in range(step.count):
                t = step.time + i * every
                if t > net.now:
                    net.run_until(t)
                self._flow += 1
                flow = step.flow if step.flow is not None else self._flow
                net.send_data(step.src, self._ep(step.dst), flow, t)
        elif isinstance(step, A.DropNext):
            net.run_until(step.time)
            net.link(step.link).drop_next(step.count)
        elif isinstance(step, A.Renumber):
            raise ModelUsageError("renumber is not supported by the reference builder")
        elif isinstance(step, A.Inject):
            self._inject(step)

    def _inject(self, step: A.Inject) -> None:
        net = self.net
        net.run_until(step.time)
        p = step.packet
        if isinstance(p, A.InjectRaw):
            data = p.data
            dst = data[24:40] if len(data) >= 40 else bytes(16)
            net.inject(step.link, data, step.time, dst_lla=self._lla_for(step.link, dst))
            return
        if isinstance(p, A.InjectReplay):
            old = self._last_packet(p)
            if old is not None:
                net.inject(step.link, old, step.time, dst_lla=self._lla_for(step.link, old.dst))
            return
        src, dst = self._ep(p.src), self._ep(p.dst)
        opts: list[Option] = []
        if isinstance(p, A.InjectBU):
            data = bu_bytes(p.seq, p.lifetime, a=p.a, h=p.h, coa=p.coa, id_length=p.id_length or 0)
            if p.length is not None:
                data = (data + bytes(max(0, p.length - len(data))))[: p.length]
            opts.append(UnknownOption(self.config.profile.bu, data))
            if p.hao:
                opts.append(HomeAddress(p.home, opt_type=self.config.profile.hao))
        elif isinstance(p, A.InjectBA):
            refresh = p.lifetime if p.refresh is None else p.refresh
            data = ba_bytes(p.status, p.seq, p.lifetime, refresh)
            if p.length is not None:
                data = (data + bytes(max(0, p.length - len(data))))[: p.length]
                opts.append(UnknownOption(self.config.profile.ba, data))
            else:
                opts.append(
                    BindingAck(
                        p.status, p.seq, p.lifetime, refresh, opt_type=self.config.profile.ba
                    )
                )
        else:
            data = bytes(p.length or 0)
            opts.append(
                UnknownOption(self.config.profile.br, data)
                if p.length
                else BindingRequest(opt_type=self.config.profile.br)
            )
        headers: tuple[Any, ...] = (dest_options(*opts),)
        if p.auth:
            headers = (INJECT_AH, *headers)
        pkt = IPv6Packet(src, dst, headers, NoNextHeader(), hop_limit=64)
        if p.auth:
            key = p.key.encode() if p.key is not None else self._pair_key(p.src, p.dst, src, dst)
            if key is not None:
                pkt = ah.sign(pkt, key, encode_packet)
        net.inject(step.link, pkt, step.time, dst_lla=self._lla_for(step.link, dst))

    def _pair_key(self, a: A.Endpoint, b: A.Endpoint, src: Addr, dst: Addr) -> bytes | None:
        if isinstance(b, str):
            return self.net.node(b).keys.get(src, dst)
        return None

    def _lla_for(self, link: str, dst: Addr) -> bytes:
        """The link-layer address a frame to `dst` on `link` goes to: the owner (or its proxy), else the
        first router on the link, else broadcast-style multicast."""
        if is_multicast(dst):
            return b"\x33\x33" + dst[12:16]
        lk = self.net.link(link)
        for at in lk.attachments:
            if dst in at.node.addresses() or dst in at.node.mobility.proxied():
                return at.lla
        for at in lk.attachments:
            if at.node.is_router:
                return at.lla
        return b"\x33\x33\x00\x00\x00\x01"

    def _last_packet(self, p: A.InjectReplay) -> IPv6Packet | None:
        """The last packet a node transmitted carrying message `p.msg` from `p.src` to `p.dst` (the
        effective source: the Home Address option's address when there is one)."""
        src, dst = self._ep(p.src), self._ep(p.dst)
        want = {A.Msg.BU: BindingUpdate, A.Msg.BA: BindingAck, A.Msg.BR: BindingRequest}.get(p.msg)
        for r in reversed(self.net.log.records):
            if r.kind is not Kind.TX or r.event is None:
                continue
            pkt = r.event.packet  # type: ignore[attr-defined]
            if not isinstance(pkt, IPv6Packet):
                continue
            eff_src, final = ah.endpoints(pkt)
            if final != dst or src not in (eff_src, pkt.src):
                continue
            opts = [o for h in pkt.headers if isinstance(h, DestOptions) for o in h.options]
            if want is None or any(isinstance(o, want) for o in opts):
                return pkt
        return None


class BuildWorld:
    """The scenario language's own builder (`model.dsl.build`), driven one timeline step at a time:
    the same addressing, routes, keys and step semantics as `mip6check simulate`, so a machine run and
    the replay of its printed scenario are the same run."""

    def __init__(self, scenario: A.Scenario, capture: BinaryIO | None = None) -> None:
        from model.dsl import build as B

        self._B = B
        self.s = scenario
        self.b = B._Builder(scenario, config_of(scenario), capture)
        self.net = self.b.build()

    def apply(self, step: A.Step) -> None:
        b = self.b
        whole = b.s
        b.s = replace(whole, timeline=(step,))
        try:
            acts = self._B._schedule(b)
        finally:
            b.s = whole
        for t, _, act in acts:
            act(t)

    def address(self, node: str) -> Addr:
        n = self.s.node(node)
        if n is None:
            raise ModelUsageError(f"no node {node}")
        if isinstance(n, A.Mobile):
            return n.home
        return self.b.addr[(node, n.links[0])]


def default_world(scenario: A.Scenario, capture: BinaryIO | None = None) -> Runner:
    """`BuildWorld` when the scenario builder is there (it is what `simulate` runs), else `LocalWorld`."""
    try:
        from model.dsl import build as B
    except ImportError:
        return LocalWorld(scenario, capture)
    if hasattr(B, "_Builder") and hasattr(B, "_schedule"):
        return BuildWorld(scenario, capture)
    return LocalWorld(scenario, capture)
