"""The engine with the model playing one captured node: its interfaces on the capture's links (its
captured Ethernet and IPv6 addresses), every other node's captured packet addressed to it injected
as octets at its captured time, the data the captured node originated handed to the model's
application interface at the same times, and everything the model transmits collected as octets
and decoded again (the codec both ways)."""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from functools import partial

from mip6check.model.addr import Addr, Prefix, fmt, is_multicast
from mip6check.model.codec import decode_packet, encode_packet
from mip6check.model.codec.values import (
    UDP,
    BindingUpdate,
    DestUnreachable,
    IPv6Packet,
    PrefixInfo,
    RouterAdvertisement,
    RouterSolicitation,
)
from mip6check.model.config import Config
from mip6check.model.net import Kind, Network
from mip6check.model.roles.events import Transmit
from mip6check.model.roles.mobile_node import MobileNode
from mip6check.model.roles.node import IPv6Node
from mip6check.properties.differential.capture import Frame
from mip6check.properties.differential.choices import CapturedChoices
from mip6check.properties.differential.kinds import (
    ND_WINDOW_MS,
    application_view,
    final_destination,
    home_address,
    kind_of,
    mip6_option,
)
from mip6check.properties.differential.setup import (
    MN_IFACE,
    NAME,
    Run,
    Sent,
    _announce,
    _fixed_node,
    _iface_on,
    _learn_neighbours,
    _mobile_node,
    _move,
    _neighbours,
    _stand_in_ra,
)
from mip6check.properties.differential.subjects import Subject

LOOKAHEAD_MS = 300
"""How far the capture is read ahead of the engine's clock: the events of a frame (a Lifetime
chosen 250 ms before its Binding Update, a tunnel's implied interception) are scheduled before the
clock reaches them."""

_CATEGORY = 1 << 40
"""Events of the capture are ordered as if all were scheduled at the start, by kind then frame
(inject, originate, lifetime, move, stand-in RA, first update, solicitation, interception, state),
before any the engine schedules itself at the same millisecond."""
INJECT, ORIGINATE, LIFETIME, MOVE, ANNOUNCE, FIRST_BU, SOLICIT, IMPLIED, STATE = range(1, 10)


class ModelRun:
    """The engine with the model as `subject`, driven window by window: `feed` each captured frame
    in file order (its events are scheduled), `advance(t)` runs the engine to t (collecting what the
    model sends into `run.sent`, which the caller empties), `close()` after the last frame. The
    capture is walked a few times first for what a node knows from the start (its interfaces,
    routes, neighbours, choices); the engine's log is emptied as it goes."""

    def __init__(
        self,
        subject: Subject,
        frames: Iterable[Frame],
        config: Config,
        *,
        keys: Sequence[tuple[Addr, Addr, bytes]] = (),
        capacity: int | None = None,
    ) -> None:
        self.subject = subject
        self.config = config
        self.net = net = Network(seed=0, config=config)
        self.links = links = list(dict.fromkeys(f.link for f in frames))
        for name in links:
            net.add_link(name, (), delay=0)
        self.chosen = CapturedChoices(subject, frames)
        choices = self.chosen.choices()
        if subject.role == "mobile_node":
            node = _mobile_node(net, subject, frames, config, choices)
        else:
            node = _fixed_node(net, subject, frames, config, choices, capacity or 64)
        self.node = node
        for src, dst, key in keys:
            node.keys.add(src, dst, key)  # both directions unless the file gives the reverse too
        self.run = run = Run(subject=subject, neighbours=_neighbours(subject, frames))
        if subject.role == "mobile_node":
            _learn_neighbours(node, run, MN_IFACE, net.link_of(NAME, MN_IFACE))
        else:
            for name in node.ifaces:
                _learn_neighbours(node, run, name, name)
        self.closed = _closed_ports(subject, frames, config)
        self.sim = net.sim
        self._base = self.sim._seq  # noqa: SLF001 (the scheduler's counter, see _at)
        self.sim._seq = self._base + 16 * _CATEGORY  # noqa: SLF001 (the engine's own come after)
        self._index = 0
        self._current: str | None = None  # the link the mobile node was last seen sending on
        self._advertised: set[tuple[str, Addr]] = set()
        self._away = False
        self._asked: set[Addr] = set()
        self._recent: deque[tuple[int, bytes]] = deque()  # others' packets of the last 300 ms
        self._recent_count: dict[bytes, int] = {}
        self._tunnels: deque[Frame] = deque()  # tunnels whose interception is still to decide
        self._fed_ms = 0
        self._seen = 0

    def _at(self, t: int, category: int, fn: Callable[[int], None]) -> None:
        """Schedule at t in the order of (category, frame index) (module doc of _CATEGORY)."""
        seq = self._base + category * _CATEGORY + self._index
        t = max(t, self.sim.now)  # a frame more than LOOKAHEAD_MS out of time order: now
        heapq.heappush(self.sim._heap, (t, seq, fn))  # noqa: SLF001

    def feed(self, f: Frame) -> None:
        """Schedule what this captured frame brings (its time must be LOOKAHEAD_MS ahead of the
        engine's clock, which `advance` keeps)."""
        net, node, subject, run = self.net, self.node, self.subject, self.run
        self._index += 1
        self._decide(f.time_ms)
        self.chosen.feed(f)
        sent = subject.sent(f)
        if subject.receives(f):
            self._at(f.time_ms, INJECT, partial(_inject_at, net, node, subject, f, run))
        if sent:  # data the node originated, a home agent's own included
            if kind_of(f.packet, subject.own) == "data":
                app = application_view(f.packet, self.config.profile.hao)
                self._at(f.time_ms, ORIGINATE, partial(_originate, net, app, run))
        if subject.role == "mobile_node":
            self._mobile(f, sent)
        if subject.role == "home_agent":
            if sent:
                self._tunnels.append(f)
            else:
                body = _body(f.octets)
                self._recent.append((f.time_ms, body))
                self._recent_count[body] = self._recent_count.get(body, 0) + 1
            self._forget((self._tunnels[0].time_ms if self._tunnels else f.time_ms) - 300)
        if sent and kind_of(f.packet, subject.own) is not None:  # compared: its state is shown
            self._at(f.time_ms + 1, STATE, partial(_keep_state, run, node, f.number))
        self._fed_ms = max(self._fed_ms, f.time_ms)

    def close(self) -> None:
        """No frame follows: the interceptions still undecided are decided."""
        self._decide(None)

    def advance(self, until_ms: int) -> None:
        """Run the engine to `until_ms`: every event at or before it."""
        net, node, run, sim = self.net, self.node, self.run, self.sim
        profile = self.config.profile
        while (nt := sim.next_time()) is not None and nt <= until_ms:
            sim.step()
            recs = net.log.records
            while self._seen < len(recs):  # what the transport answers below is logged as it goes
                r = recs[self._seen]
                self._seen += 1
                if r.kind is Kind.TX and r.node == NAME and isinstance(r.event, Transmit):
                    octets = encode_packet(r.event.packet)
                    pkt = decode_packet(octets, profile)
                    run.serial += 1
                    run.sent.append(
                        Sent(r.time, r.link or "", octets, pkt, node.snapshot(r.time), run.serial)
                    )
                    if type(pkt.payload) is RouterSolicitation:
                        run.last_rs_ms = r.time
                    run.own |= frozenset(node.addresses())
                elif self.closed and r.kind is Kind.RX and r.node == NAME:
                    _port_unreachable(net, node, self.closed, r.event, r.link, r.time)
            if self._seen > 256:  # what is read is not kept (the records' numbers start again)
                del recs[: self._seen]
                self._seen = 0

    # ------------------------------------------------------------ per frame

    def _mobile(self, f: Frame, sent: bool) -> None:
        """A mobile node's choices and movement as the frame shows them (the functions below)."""
        if not sent:
            up = f.packet.payload
            if type(up) is RouterAdvertisement:
                for opt in up.options:
                    if type(opt) is PrefixInfo:
                        self._advertised.add((f.link, opt.prefix[:8]))
            return
        net, node, subject, run = self.net, self.node, self.subject, self.run
        o = mip6_option(f.packet)
        if type(o) is BindingUpdate:
            self._at(max(f.time_ms - 250, 0), LIFETIME, _lifetime_choice(node, subject, f, o))
        self._current = self._current or f.link
        if f.link != self._current:
            self._current = f.link
            self._at(f.time_ms, MOVE, partial(_move_at, net, f.link, run, "seen there"))
        k = kind_of(f.packet, subject.own)
        if k not in (None, *ND_WINDOW_MS):  # ND says nothing of where the node is (RS from home)
            src = f.packet.src
            self._away = self._away or src in subject.coas
            at = (f.link, src[:8])
            if (src in subject.coas or (self._away and src == subject.address)) and (
                at not in self._advertised
            ):
                self._advertised.add(at)
                ra = _stand_in_ra(Prefix(src[:8] + bytes(8), 64), len(self._advertised))
                self._at(f.time_ms, ANNOUNCE, partial(_announce_at, net, f.link, ra, run))
        if type(o) is BindingUpdate:
            ask = _first_update(net, node, subject, f, o, run, self._asked)
            if ask is not None:
                self._at(f.time_ms, FIRST_BU, partial(_later, net, ask))
        if k == "rs":
            self._at(f.time_ms, SOLICIT, partial(_later, net, partial(_solicit, net, node, run)))

    def _forget(self, before_ms: int) -> None:
        while self._recent and self._recent[0][0] < before_ms:
            _, old = self._recent.popleft()
            n = self._recent_count[old] - 1
            if n:
                self._recent_count[old] = n
            else:
                del self._recent_count[old]

    def _decide(self, now_ms: int | None) -> None:
        """§8.4: a tunnel of the home agent's whose inner packet the capture does not show arriving
        within 300 ms before it (taken on another link) hands the model that packet: decided once
        every frame up to the tunnel's millisecond is read."""
        while self._tunnels and (now_ms is None or self._tunnels[0].time_ms < now_ms):
            f = self._tunnels.popleft()
            self._forget(f.time_ms - 300)
            inner = f.packet.payload
            if type(inner) is not IPv6Packet or inner.src in self.subject.own:
                continue
            octets = encode_packet(inner)
            if _body(octets) in self._recent_count:
                continue
            g = Frame(f.number, f.link, f.time_ns, f.time_ms, None, None, octets, inner)
            inject: Callable[[int], None] = partial(
                _inject_at, self.net, self.node, self.subject, g, self.run, implied=True
            )
            seq = self._base + IMPLIED * _CATEGORY + f.number
            at = max(f.time_ms, self.sim.now)
            heapq.heappush(self.sim._heap, (at, seq, inject))  # noqa: SLF001


def _closed_ports(
    subject: Subject, frames: Iterable[Frame], config: Config
) -> set[tuple[Addr, int]]:
    """(address, UDP port) the captured node answered with Destination Unreachable code 4: no
    listener there (RFC 2463 §3.1). Which ports have one is the node's configuration, not the
    draft's: the model's hosts hand every datagram to the application, and the harness, standing in
    for the transport, answers these ones through the model's own ICMP error path (its rate limit,
    RFC 2463 §2.4 (f), and its choice of the invoking packet's octets)."""
    from mip6check.model.codec.ipv6 import invoking_packet

    out: set[tuple[Addr, int]] = set()
    for f in frames:
        up = f.packet.payload
        if not subject.sent(f) or type(up) is not DestUnreachable or up.code != 4:
            continue
        inv, _ = invoking_packet(up.invoking, config.profile)
        if inv is not None and type(inv.payload) is UDP:
            out.add((final_destination(inv), inv.payload.dport))
    return out


def _port_unreachable(
    net: Network,
    node: IPv6Node,
    closed: set[tuple[Addr, int]],
    pkt: object,
    link: str | None,
    t: int,
) -> None:
    """A datagram the model took for itself, to a port with no listener: the transport's answer."""
    if type(pkt) is not IPv6Packet or type(pkt.payload) is not UDP or link is None:
        return
    dst = final_destination(pkt)
    if (dst, pkt.payload.dport) not in closed or dst not in node.addresses():
        return
    iface = _iface_on(net, node, link)
    if iface is None:
        return
    err = node._icmp_error(iface, pkt, partial(DestUnreachable, 4), t)  # noqa: SLF001
    net.apply(NAME, err, t)


def _inject(
    net: Network, node: IPv6Node, subject: Subject, f: Frame, run: Run, *, implied: bool = False
) -> None:
    """Put the captured frame on the model's link, addressed to the model (a group as captured)."""
    iface = _iface_on(net, node, f.link)
    if iface is None:
        return
    dst_mac = f.dst_mac if f.dst_mac is not None and f.dst_mac[0] & 1 else None
    if dst_mac is None and is_multicast(f.packet.dst):
        dst_mac = b"\x33\x33" + f.packet.dst[12:16]
    net.inject(
        f.link,
        f.octets,
        f.time_ms,
        dst_lla=dst_mac or node.lla(iface),
        src_lla=f.src_mac or bytes.fromhex("02fffffffffe"),
    )
    run.injected += 1
    run.implied += implied


def _body(octets: bytes) -> bytes:
    """A packet's octets without its Hop Limit (a forwarded copy differs only there)."""
    return octets[:7] + octets[8:]


def _lifetime_choice(
    node: IPv6Node, subject: Subject, f: Frame, o: BindingUpdate
) -> Callable[[int], None]:
    """§5.1: the Lifetime a mobile node requests is its own choice: before each Binding Update
    the captured node sent, the model is set to request the same (home registrations and the rest
    apart), so the field differs only when the model decides something else."""
    role = node.mobility
    assert isinstance(role, MobileNode)
    own = o.h and home_address(f.packet) == subject.address

    def choose(t: int, life: int = o.lifetime, own: bool = own) -> None:
        if own:
            role.home_lifetime = life
        else:
            role.cn_lifetime = life

    return choose


def _first_update(
    net: Network,
    node: IPv6Node,
    subject: Subject,
    f: Frame,
    o: BindingUpdate,
    run: Run,
    done: set[Addr],
) -> Callable[[int], None] | None:
    """§9.5, §9.6: a mobile node MAY send a Binding Update to a correspondent or its previous
    router; the first one to each such destination is that choice, taken from the capture: the
    model is asked then to send one (its own: its care-of address, lifetime, flags), unless it
    already has (a Binding Update List entry or one held back by the rate limit there)."""
    from mip6check.model.roles.mn_movement import PendingBU

    role = node.mobility
    assert isinstance(role, MobileNode)
    dest = f.packet.dst
    if dest in done or (o.h and home_address(f.packet) in (subject.address, None)):
        return None  # §9.4: home registrations are the model's own decision
    done.add(dest)
    hao = home_address(f.packet) or f.packet.src
    prev = hao in subject.coas  # §9.6: for the old care-of address, to the previous router
    life, src = o.lifetime, f.packet.src

    def make() -> PendingBU:
        coa = role.primary or src
        if prev:
            return PendingBU(dest, hao, coa, life, True, True, 0, coa, "9.6")
        ack = role.choices.cn_ack(dest)
        return PendingBU(dest, role.home, coa, life, False, ack, 0, coa, "9.5")

    def ask(t: int) -> None:
        p = make()
        if role.bul.get(p.destination, p.home) is not None:
            return
        if (p.destination, p.home) in role.pending:
            return
        net.apply(NAME, role.queue_bu(node, p, t), t)
        run.moves.append((t, "", f"first Binding Update to {fmt(p.destination)} (MAY)"))

    return ask  # after what arrives at t


def _solicit(net: Network, node: IPv6Node, run: Run, t: int) -> None:
    """§9.2: a mobile node MAY send a Router Solicitation at any time; one the captured node sent
    is that choice, taken from the capture: the model is given then what prompts its own, a
    lower-layer indication of a link change (§9.2: it SHOULD then solicit), unless it has just
    solicited (a move) within RFC 2461's MAX_RTR_SOLICITATION_DELAY. The RS it sends is its own."""
    if run.last_rs_ms is not None and t - run.last_rs_ms <= ND_WINDOW_MS["rs"]:
        return
    role = node.mobility
    assert isinstance(role, MobileNode)
    net.apply(NAME, role.moved(node, MN_IFACE, t), t)
    run.moves.append((t, "", "Router Solicitation (MAY, §9.2)"))


def _inject_at(
    net: Network,
    node: IPv6Node,
    subject: Subject,
    f: Frame,
    run: Run,
    t: int,
    *,
    implied: bool = False,
) -> None:
    del t  # the frame's own time
    _inject(net, node, subject, f, run, implied=implied)


def _keep_state(run: Run, node: IPv6Node, number: int, t: int) -> None:
    run.state_at[number] = node.snapshot(t)


def _later(net: Network, fn: Callable[[int], None], t: int) -> None:
    net.at(t, fn)


def _move_at(net: Network, link: str, run: Run, why: str, t: int) -> None:
    _move(net, link, t, run, why)


def _announce_at(net: Network, link: str, ra: IPv6Packet, run: Run, t: int) -> None:
    _announce(net, link, ra, t, run)


def _originate(net: Network, app: IPv6Packet, run: Run, t: int) -> None:
    net.originate(NAME, app, t)
    run.originated += 1


__all__ = ["LOOKAHEAD_MS", "ModelRun", "Run", "Sent"]
