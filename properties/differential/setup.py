"""The node the model plays in a differential run, set up from the capture: its interfaces on the
captured links (captured Ethernet and IPv6 addresses), its routes and neighbours, and a mobile node's
home link; with `Sent` and `Run`, what a run produces (properties/differential/harness.py drives it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from mip6check.model.addr import Addr, Prefix, is_link_local, is_multicast, link_local
from mip6check.model.codec import encode_packet
from mip6check.model.codec.values import (
    BindingUpdate,
    IPv6Packet,
    NeighborAdvertisement,
    PrefixInfo,
    RouterAdvertisement,
    TargetLLA,
)
from mip6check.model.config import Config
from mip6check.model.net import Network
from mip6check.model.roles.correspondent import Correspondent
from mip6check.model.roles.events import NodeSnapshot
from mip6check.model.roles.home_agent import HomeAgent
from mip6check.model.roles.mobile_node import MobileNode
from mip6check.model.roles.node import IPv6Node
from mip6check.properties.differential.capture import Frame
from mip6check.properties.differential.kinds import (
    home_address,
    mip6_option,
)
from mip6check.properties.differential.subjects import Subject

GATEWAY = link_local(bytes(8) + bytes.fromhex("00000000fffe0001"))
"""The next hop the model's off-link packets go to: nothing is behind it (the capture answers)."""
GATEWAY_MAC = bytes.fromhex("02fffffffe01")
SYNTH_ROUTER = link_local(bytes(8) + bytes.fromhex("00000000fffe0002"))
SYNTH_MAC = bytes.fromhex("02fffffffe02")
MN_IFACE = "e0"
NAME = "model"


@dataclass(frozen=True, slots=True)
class Sent:
    """A packet the model transmitted: time (ms after the capture's start), link, octets, decoded,
    and the model's state right after (snapshot)."""

    time_ms: int
    link: str
    octets: bytes
    packet: IPv6Packet
    state: NodeSnapshot
    serial: int = 0  # 1, 2, ... in the order sent


@dataclass
class Run:
    """What one differential run produced so far: the model's packets not yet taken by the caller,
    its state at the captured node's packets (by frame number, until taken), and the inputs it was
    given."""

    sent: list[Sent] = field(default_factory=list)
    state_at: dict[int, NodeSnapshot] = field(default_factory=dict)
    injected: int = 0
    originated: int = 0
    implied: int = 0  # packets the capture implies the node received (a tunnel's content)
    own: frozenset[Addr] = (
        frozenset()
    )  # the model's addresses while it sent (care-of addresses too)
    moves: list[tuple[int, str, str]] = field(default_factory=list)  # (ms, link, why)
    subject: Subject | None = None
    neighbours: dict[str, dict[Addr, bytes]] = field(default_factory=dict)  # per link
    serial: int = 0
    last_rs_ms: int | None = None


def _iface_on(net: Network, node: IPv6Node, link: str) -> str | None:
    for name in node.ifaces:
        if net.link_of(NAME, name) == link:
            return name
    return None


def _neighbours(subject: Subject, frames: Iterable[Frame]) -> dict[str, dict[Addr, bytes]]:
    """Per link, every captured source's Ethernet address and every Neighbor Advertisement's
    target link-layer address (what the node's own resolutions were told), the last one seen."""
    out: dict[str, dict[Addr, bytes]] = {}
    for f in frames:
        if f.src_mac is None or subject.sent(f):
            continue
        table = out.setdefault(f.link, {})
        src = f.packet.src
        if any(src) and not is_multicast(src):
            table[src] = f.src_mac
        up = f.packet.payload
        if type(up) is NeighborAdvertisement:
            for o in up.options:
                if type(o) is TargetLLA:
                    table[up.target] = o.lla
    return out


def _learn_neighbours(node: IPv6Node, run: Run, iface: str, link: str | None) -> None:
    """Every captured neighbour on `link` (_neighbours), into the model's neighbour cache for
    `iface` (the captured node knew its neighbours; a resolution of the model's would wait for
    answers the capture never holds), and the stand-in next hop GATEWAY."""
    for addr, mac in run.neighbours.get(link or "", {}).items():
        node.nc.learn(iface, addr, mac, solicited=True, override=True)
    node.nc.learn(iface, GATEWAY, GATEWAY_MAC, solicited=True, override=True, is_router=True)


def _fixed_node(
    net: Network,
    subject: Subject,
    frames: Iterable[Frame],
    config: Config,
    choices: object,
    capacity: int,
) -> IPv6Node:
    """A home agent (router) or correspondent (host) with an interface on every link it sent on,
    named after the link, with the addresses it used there; static routes as the capture shows."""
    from mip6check.model.roles.choices import Choices

    assert isinstance(choices, Choices)
    if subject.role == "home_agent":
        role: Correspondent = HomeAgent(
            NAME,
            config,
            serving=subject.serving,
            iid_length=subject.id_length,
            capacity=capacity,
            choices=choices,
        )
        node = net.add_router(NAME, role)
    elif _without_mobile_ipv6(subject, frames):
        node = net.add_host(NAME)
    else:
        node = net.add_host(NAME, Correspondent(NAME, config, capacity=capacity, choices=choices))
    for name, addrs, prefixes, mac in _interfaces(subject, frames):
        net.connect(NAME, name, name, addresses=addrs, prefixes=prefixes, lla=mac, now=0)
    _routes(node, subject, frames)
    return node


def _interfaces(
    subject: Subject, frames: Iterable[Frame]
) -> list[tuple[str, list[Addr], list[Prefix], bytes]]:
    """(link, addresses, on-link prefixes, Ethernet address) of each interface the node had: a
    link it sent on (or, when Ethernet addresses do not tell nodes apart, where it was addressed).
    A global address goes on the link whose Router Advertisements from the node announce its
    prefix, else on the first link it was sent from; a home agent serves its home prefixes on the
    link holding an address of theirs (else its first link)."""
    sent_on: dict[str, bytes | None] = {}
    first_from: dict[Addr, str] = {}
    announced: dict[bytes, str] = {}
    for f in frames:
        if subject.sent(f):
            if f.link not in sent_on or sent_on[f.link] is None:
                sent_on[f.link] = f.src_mac
            src = f.packet.src
            if (src in subject.own) and not is_link_local(src) and any(src):
                first_from.setdefault(src, f.link)
            up = f.packet.payload
            if type(up) is RouterAdvertisement:
                for o in up.options:
                    if type(o) is PrefixInfo:
                        announced.setdefault(o.prefix[:8], f.link)
                        if o.flags_rest & 0x20:
                            first_from.setdefault(o.prefix, f.link)
        elif not subject.macs and subject.receives(f):
            sent_on.setdefault(f.link, None)
    if not sent_on:
        sent_on[next((f.link for f in frames), "L0")] = None
    links = list(sent_on)
    place: dict[str, list[Addr]] = {name: [] for name in links}
    for a in [subject.address, *sorted(subject.addresses - {subject.address}), *first_from]:
        if a in [x for v in place.values() for x in v]:
            continue
        if subject.role == "mobile_node" or not (a in first_from or a == subject.address):
            continue
        link = announced.get(a[:8]) or first_from.get(a) or links[0]
        place.setdefault(link, []).append(a)
    out = []
    for i, name in enumerate(links):
        addrs = place.get(name, [])
        prefixes = list(dict.fromkeys(Prefix(a[:8] + bytes(8), 64) for a in addrs))
        prefixes += [
            Prefix(p + bytes(8), 64)
            for p, at in announced.items()
            if at == name and Prefix(p + bytes(8), 64) not in prefixes
        ]
        if subject.role == "home_agent":
            for p in subject.serving:
                home_link = next(
                    (n for n, v in place.items() if any(p.contains(a) for a in v)), links[0]
                )
                if home_link == name and p not in prefixes:
                    prefixes.append(p)
        out.append((name, addrs, prefixes, sent_on[name] or _mac(i + 1)))
    return out


def _without_mobile_ipv6(subject: Subject, frames: Iterable[Frame]) -> bool:
    """The node answered a Binding Update with Parameter Problem code 2 (§5.1: the option type is
    unrecognised): it has no Mobile IPv6, and the model plays it as a plain IPv6 node."""
    from mip6check.model.codec.values import ParamProblem

    return any(
        subject.sent(f) and type(f.packet.payload) is ParamProblem and f.packet.payload.code == 2
        for f in frames
    )


def _mac(i: int) -> bytes:
    return bytes.fromhex("020000fe00") + bytes([i & 0xFF])


def _routes(node: IPv6Node, subject: Subject, frames: Iterable[Frame]) -> None:
    """Host routes to every off-link destination the captured node sent to, via the link it used,
    and a default route via the first link (all through GATEWAY)."""
    done: set[Addr] = set()
    for f in frames:
        if not subject.sent(f) or f.link not in node.ifaces:
            continue
        dst = f.packet.dst
        if dst in done or is_multicast(dst) or is_link_local(dst):
            continue
        done.add(dst)
        if not any(p.contains(dst) for p in node.ifaces[f.link].prefixes):
            node.add_route(Prefix(dst, 128), f.link, GATEWAY)
    first = next(iter(node.ifaces))
    node.add_route(Prefix(bytes(16), 0), first, GATEWAY)


def _mobile_node(
    net: Network, subject: Subject, frames: Iterable[Frame], config: Config, choices: object
) -> IPv6Node:
    """A mobile node with its home address, home agent, the lifetimes and ID Length its Binding
    Updates requested, at home or away as its first packet shows; attached where it first sent."""
    from mip6check.model.roles.choices import Choices

    assert isinstance(choices, Choices)
    home = subject.address
    home_bu: BindingUpdate | None = None
    cn_bu: BindingUpdate | None = None
    first_link: str | None = None
    mac: bytes | None = None
    any_link: str | None = None
    for f in frames:
        any_link = any_link or f.link
        if not subject.sent(f):
            continue
        first_link = first_link or f.link
        mac = mac or f.src_mac
        o = mip6_option(f.packet)
        if type(o) is BindingUpdate:
            if o.h and home_bu is None:
                home_bu = o
            if not o.h and o.lifetime and cn_bu is None:
                cn_bu = o
    first_link = first_link or any_link or "L0"
    at_home = _home_link(home, first_link, frames, subject)
    role = MobileNode(
        NAME,
        config,
        home=home,
        home_prefix=Prefix(home[:8] + bytes(8), 64),
        home_agent=subject.home_agent,
        id_length=home_bu.id_length if home_bu is not None else 64,
        home_lifetime=home_bu.lifetime if home_bu is not None and home_bu.lifetime else 600,
        cn_lifetime=cn_bu.lifetime if cn_bu is not None else 300,
        at_home=at_home,
        choices=choices,
    )
    node = net.add_host(NAME, role)
    mac = mac if subject.macs else None
    net.add_interface(NAME, MN_IFACE, addresses=[home], lla=mac or _mac(1))
    net.attach(NAME, MN_IFACE, first_link, 0)
    return node


def _home_link(home: Addr, link: str, frames: Iterable[Frame], subject: Subject) -> bool:
    """The mobile node starts at home when a Router Advertisement on its first link announces the
    home prefix (§9.13), or, with none there, when its first global source is the home address
    without a Home Address option."""
    seen = False
    first: IPv6Packet | None = None
    for f in frames:
        up = f.packet.payload
        if f.link == link and type(up) is RouterAdvertisement:
            seen = True
            if any(type(o) is PrefixInfo and o.prefix[:8] == home[:8] for o in up.options):
                return True
        p = f.packet
        if first is None and subject.sent(f) and not is_link_local(p.src) and any(p.src):
            first = p
    if seen:
        return False
    return first is not None and first.src == home and home_address(first) is None


def _move(net: Network, link: str, t: int, run: Run, why: str) -> None:
    if net.link_of(NAME, MN_IFACE) != link:
        net.move(NAME, MN_IFACE, link, t)
        run.moves.append((t, link, why))
        _learn_neighbours(net.node(NAME), run, MN_IFACE, link)


def _announce(net: Network, link: str, ra: IPv6Packet, t: int, run: Run) -> None:
    """A new care-of address with no Router Advertisement of its prefix in the capture: the node
    moved (§9.2) to a link the capture records as `link` (a capture on one interface shows every
    link the node visited as one): it is attached there anew, and the stand-in router announces."""
    net.detach(NAME, MN_IFACE, t)
    _move(net, link, t, run, "care-of address used there")
    src_mac = SYNTH_MAC[:5] + ra.src[15:16]
    net.inject(link, encode_packet(ra), t, dst_lla=b"\x33\x33\x00\x00\x00\x01", src_lla=src_mac)
    run.moves.append((t, link, "stand-in Router Advertisement"))


def _stand_in_ra(p: Prefix, i: int) -> IPv6Packet:
    """A Router Advertisement of `p` from the i-th stand-in router (each move a new router)."""
    from mip6check.model.addr import ALL_NODES
    from mip6check.model.codec.values import SourceLLA

    mac = SYNTH_MAC[:5] + bytes([i & 0xFF])
    return IPv6Packet(
        SYNTH_ROUTER[:15] + bytes([i & 0xFF]),
        ALL_NODES,
        (),
        RouterAdvertisement(
            router_lifetime=1800,
            options=(SourceLLA(mac), PrefixInfo(64, True, True, 2592000, 604800, p.network)),
        ),
        hop_limit=255,
    )


__all__ = ["GATEWAY", "Run", "Sent"]
