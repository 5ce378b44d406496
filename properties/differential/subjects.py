"""Which captured node the model plays (`--model ROLE|ADDRESS`): its role, addresses and, where the
capture's link layer tells nodes apart, its link-layer addresses; and, for a mobile node, its home
address, home agent and the care-of addresses the capture shows it using."""

from __future__ import annotations

import ipaddress
from collections import OrderedDict, deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from mip6check.model.addr import Addr, Prefix, is_link_local, is_multicast
from mip6check.model.codec.values import BindingUpdate, IPv6Packet, PrefixInfo, RouterAdvertisement
from mip6check.model.net.topology import INJECT_LLA
from mip6check.properties.differential.capture import Frame
from mip6check.properties.differential.kinds import home_address, mip6_option
from mip6check.properties.replay import Topology

ROLES = {"home-agent": "home_agent", "mobile-node": "mobile_node", "correspondent": "correspondent"}
"""`--model` role names and the role replay's cast gives."""


class SelectionError(ValueError):
    """A `--model` value naming no node of the capture (exit 2)."""


@dataclass(frozen=True)
class Subject:
    """A node the model plays: `role` one of ROLES, `address` its name in the cast, `addresses`
    every global address it uses (a mobile node: home and care-of addresses), `macs` the Ethernet
    addresses that are its alone (empty: the capture does not tell nodes apart by them)."""

    role: str
    address: Addr
    addresses: frozenset[Addr]
    macs: frozenset[bytes] = frozenset()
    link_locals: frozenset[Addr] = frozenset()
    home_agent: Addr | None = None  # a mobile node's
    coas: tuple[Addr, ...] = ()  # a mobile node's, in the order first used
    serving: tuple[Prefix, ...] = ()  # a home agent's home prefixes
    id_length: int = 64  # a home agent's interface-identifier length (§8.2)
    notes: list[str] = field(default_factory=list)

    @property
    def own(self) -> frozenset[Addr]:
        return self.addresses | self.link_locals

    def sent(self, f: Frame) -> bool:
        """The node put this frame on the link (by its Ethernet address, else its IPv6 source)."""
        if self.macs:
            return f.src_mac in self.macs
        return f.packet.src in self.addresses

    def receives(self, f: Frame) -> bool:
        """The frame was addressed to the node (its Ethernet address or a group; else its IPv6
        destination, a group, or for a home agent an address of a prefix it serves)."""
        if self.sent(f):
            return False
        if self.macs and f.dst_mac is not None:
            return f.dst_mac in self.macs or bool(f.dst_mac[0] & 1)
        dst = f.packet.dst
        if dst in self.own or is_multicast(dst):
            return True
        return self.role == "home_agent" and any(p.contains(dst) for p in self.serving)


def _fmt(a: Addr) -> str:
    return str(ipaddress.IPv6Address(a))


def parse_selector(text: str) -> str | Addr:
    """A role name of ROLES or an IPv6 address (SelectionError otherwise)."""
    if text in ROLES:
        return ROLES[text]
    try:
        return ipaddress.IPv6Address(text).packed
    except ValueError:
        names = ", ".join(ROLES)
        raise SelectionError(
            f"--model {text}: neither a role ({names}) nor an IPv6 address"
        ) from None


def select(
    selectors: Sequence[str],
    cast: Sequence[tuple[str, tuple[str, ...]]],
    frames: Iterable[Frame],
    topology: Topology,
) -> list[Subject]:
    """The subjects the selectors name, in cast order, each once (SelectionError if one names none)."""
    roles = {ipaddress.IPv6Address(a).packed: set(r) for a, r in cast}
    coas = {
        h: [c for c in cs if not roles.get(c, set()) & {"home_agent", "correspondent"}]
        for h, cs in _care_of_addresses(frames).items()
    }
    owner = {c: h for h, cs in coas.items() for c in cs}
    chosen: dict[Addr, str] = {}
    for text in selectors:
        sel = parse_selector(text)
        if isinstance(sel, str):
            hits = [a for a, r in roles.items() if sel in r]
            if not hits:
                raise SelectionError(f"--model {text}: the capture shows no {text}")
            for a in hits:
                chosen.setdefault(a, sel)
            continue
        a = owner.get(sel, sel)
        seen = _roles_seen(a, frames)
        r = (roles.get(a, set()) or seen) - ({"home_agent"} if "not_home_agent" in seen else set())
        if seen and not r & {"home_agent", "mobile_node", "correspondent"}:
            r = r | {"correspondent"}  # §8.2: a node answering 132 is a correspondent
        found = next((x for x in ("home_agent", "mobile_node", "correspondent") if x in r), None)
        if found is None:
            raise SelectionError(
                f"--model {text}: not a home agent, mobile node or correspondent of the capture"
            )
        chosen.setdefault(a, found)
    out: list[Subject] = []
    for a, role in chosen.items():
        if any(a in s.own for s in out):
            continue  # another address of a node already chosen
        mine = {role, "care_of_address"} if role == "mobile_node" else {role}
        others = frozenset(x for x, r in roles.items() if r - mine) | frozenset(
            c for c, h in owner.items() if h != a
        )
        s = _subject(a, role, frames, topology, coas, others)
        if not any(s.macs & o.macs for o in out):  # else the same node by its Ethernet address
            out.append(s)
    return out


def _roles_seen(a: Addr, frames: Iterable[Frame]) -> set[str]:
    """A role for an address replay's cast leaves without one (a malformed or unanswered Binding
    Update): home agent if it got a home registration or sent an acknowledgement, mobile node if
    its Binding Updates or Home Address options name it, else correspondent if it sent anything."""
    out: set[str] = set()
    for f in frames:
        o = mip6_option(f.packet)
        name = getattr(o, "kind", None) or type(o).__name__
        if f.packet.dst == a and name in ("BindingUpdate", "BU") and getattr(o, "h", False):
            if "not_home_agent" not in out:
                out.add("home_agent")
        if f.packet.src == a and name in ("BindingAck", "BA"):
            if getattr(o, "status", 0) == 132:  # §8.2: "not a home agent"
                out.discard("home_agent")
                out.add("not_home_agent")
            out.add("home_agent" if "home_agent" in out else "correspondent")
        if home_address(f.packet) == a:
            out.add("mobile_node")
        if f.packet.src == a or f.packet.dst == a:
            out.add("correspondent")
    return out


def _care_of_addresses(frames: Iterable[Frame]) -> dict[Addr, list[Addr]]:
    """Home address -> care-of addresses, from Binding Updates (source and C field) and Home Address
    options, in the order first seen."""
    out: dict[Addr, list[Addr]] = {}
    for f in frames:
        pkt = f.packet
        home = home_address(pkt)
        if home is None and type(pkt.payload) is IPv6Packet and pkt.payload.src != pkt.src:
            inner = pkt.payload
            if mip6_option(inner) is not None or home_address(inner) is None:
                continue
        if home is None:
            continue
        got = out.setdefault(home, [])
        for c in (pkt.src, _c_field(pkt)):
            if c is not None and c != home and c not in got and not is_link_local(c):
                got.append(c)
    return out


def _c_field(pkt: IPv6Packet) -> Addr | None:
    o = mip6_option(pkt)
    return o.care_of if type(o) is BindingUpdate else None


def _subject(
    a: Addr,
    role: str,
    frames: Iterable[Frame],
    topo: Topology,
    coas: dict[Addr, list[Addr]],
    others: frozenset[Addr],
) -> Subject:
    addrs = {a}
    ha: Addr | None = None
    serving: tuple[Prefix, ...] = ()
    id_length = 64
    if role == "mobile_node":
        addrs |= set(coas.get(a, ()))
        ha = dict(topo.mobile_nodes).get(a) or _home_agent_of(a, frames)
        if ha is not None and not _on_home_subnet(ha, a, topo):
            ha = None  # §9.4: no home agent known on the home link: the model discovers one (§8.1)
    if role == "home_agent":
        spec = next((s for s in topo.home_agents if s.address == a), None)
        if spec is not None:
            addrs |= set(spec.aliases)
            serving, id_length = spec.prefixes, spec.id_length
        if not serving:
            serving = tuple(p for p in topo.home_prefixes if p.contains(a)) or (
                Prefix(a[:8] + bytes(8), 64),
            )
    macs, lls = _macs(frozenset(addrs), frames, others, final_hops=role != "mobile_node")
    return Subject(
        role,
        a,
        frozenset(addrs),
        macs,
        lls,
        home_agent=ha,
        coas=tuple(coas.get(a, ())),
        serving=serving,
        id_length=id_length,
    )


def _on_home_subnet(ha: Addr, home: Addr, topo: Topology) -> bool:
    """§5.1: a home registration goes to a router sharing the subnet prefix of the home address:
    the home agent is on a prefix the topology gives it (or the /64 of its address) that holds the
    home address, as replay's MN-HOMEREG-DEST reads it."""
    spec = next((s for s in topo.home_agents if s.address == ha), None)
    own = spec.prefixes if spec is not None and spec.prefixes else ()
    prefixes = own or tuple(p for p in topo.home_prefixes if p.contains(ha))
    prefixes = prefixes or (Prefix(ha[:8] + bytes(8), 64),)
    return any(p.contains(home) for p in prefixes)


def _home_agent_of(home: Addr, frames: Iterable[Frame]) -> Addr | None:
    """The destination of the first home registration (a BU with H) for this home address."""
    for f in frames:
        o = mip6_option(f.packet)
        if type(o) is BindingUpdate and o.h and home_address(f.packet) in (home, None):
            if home_address(f.packet) == home or f.packet.src == home:
                return f.packet.dst
    return None


def _macs(
    addrs: frozenset[Addr],
    frames: Iterable[Frame],
    others: frozenset[Addr],
    *,
    final_hops: bool,
) -> tuple[frozenset[bytes], frozenset[Addr]]:
    """The node's Ethernet addresses and the other addresses it sends from (aliases, link-local).

    An Ethernet address is the node's when it first put on a link a packet from one of the node's
    addresses (a copy a router forwards later is not its own), or advertised one of them as its
    router address (RFC 2461 R flag, §9.6), or (`final_hops`, not for a mobile node, whose home
    address its home agent intercepts) took packets for them that nobody passed on. None is trusted when one of them also sends for another
    node of the cast (a capture whose Ethernet addresses do not tell nodes apart)."""
    macs: set[bytes] = set()
    for f in _originals(frames):
        if f.src_mac is not None and (f.packet.src in addrs or _router_address(f) in addrs):
            macs.add(f.src_mac)
    if final_hops:
        macs |= _final_hops(addrs, frames)
    macs.discard(INJECT_LLA)  # the engine's frames from outside any node (a replay, a forgery)
    srcs = {f.packet.src for f in _originals(frames) if f.src_mac in macs}
    if not macs or srcs & (others - addrs):
        return frozenset(), frozenset()  # one Ethernet address sending for several nodes
    if len({f.src_mac for f in frames}) < 2:
        return frozenset(), frozenset()  # one made-up sender for every packet
    return frozenset(macs), frozenset(a for a in srcs if any(a) and a not in addrs)


def _final_hops(addrs: frozenset[Addr], frames: Iterable[Frame]) -> set[bytes]:
    """Ethernet addresses that took a packet for one of `addrs` that nobody passed on (no copy of
    it from another sender within 300 ms): the node's own interfaces, where it sent nothing from
    those addresses (a home agent's interface on a core link). One walk, 300 ms remembered."""
    recent: dict[bytes, deque[tuple[int, bytes | None]]] = {}
    order: deque[tuple[int, bytes]] = deque()
    waiting: deque[tuple[int, bytes, bytes | None, bytes]] = deque()  # (t, body, sender, receiver)
    out: set[bytes] = set()

    def decide(until: int | None) -> None:
        while waiting and (until is None or waiting[0][0] + COPY_MS < until):
            t, body, sender, m = waiting.popleft()
            copies = recent.get(body, ())
            if not any(mac != sender and t <= tc <= t + COPY_MS for tc, mac in copies):
                out.add(m)

    for f in frames:
        decide(f.time_ms)
        while order and order[0][0] < f.time_ms - 2 * COPY_MS:
            _, old = order.popleft()
            q = recent.get(old)
            if q is not None:
                q.popleft()
                if not q:
                    del recent[old]
        body = f.octets[:7] + f.octets[8:]
        recent.setdefault(body, deque()).append((f.time_ms, f.src_mac))
        order.append((f.time_ms, body))
        m = f.dst_mac
        if m is None or m[0] & 1 or f.packet.dst not in addrs or f.packet.src in addrs:
            continue
        waiting.append((f.time_ms, body, f.src_mac, m))
    decide(None)
    return out


COPY_MS = 300
"""A packet seen again within this is the same transmission (a copy on another link, forwarded)."""


def _originals(frames: Iterable[Frame]) -> Iterator[Frame]:
    """Frames that are not a copy of an earlier one (same packet but for the Hop Limit, within
    300 ms: the same transmission forwarded or seen on another link); 300 ms remembered."""
    seen: OrderedDict[bytes, int] = OrderedDict()
    for f in frames:
        while seen:
            oldest = next(iter(seen.values()))
            if oldest >= f.time_ms - COPY_MS:
                break
            seen.popitem(last=False)
        body = f.octets[:7] + f.octets[8:]
        t = seen.pop(body, None)
        seen[body] = f.time_ms
        if t is None or f.time_ms - t > COPY_MS:
            yield f


def _router_address(f: Frame) -> Addr | None:
    up = f.packet.payload
    if type(up) is RouterAdvertisement:
        for o in up.options:
            if type(o) is PrefixInfo and o.flags_rest & 0x20:
                return o.prefix
    return None


__all__ = ["ROLES", "SelectionError", "Subject", "parse_selector", "select"]
