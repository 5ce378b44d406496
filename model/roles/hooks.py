"""The seam between the IPv6 node (node.py: ND, forwarding, headers) and the mobility roles (§7-§10).

node.py owns `NodeCore` and calls a node's `Mobility` at fixed points of its receive and send paths.
A node without mobility support (a legacy correspondent) has `NoMobility`, which recognises no option.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from mip6check.model.addr import Addr, Prefix
from mip6check.model.codec.values import ICMPv6, IPv6Packet, Option, RouterAdvertisement
from mip6check.model.config import Config
from mip6check.model.roles.events import Action, NodeSnapshot


@dataclass(frozen=True, slots=True)
class Received:
    """A packet addressed to this node, after the node processed its headers (§7.1, IPv6 §4).

    `src` is the effective source (the Home Address option's address when one was present, §7.1);
    `options` are the Mobile IPv6 options found in Destination Options headers, in order; `auth` is the
    §7.2 authentication test's result (AH/ESP present, or ICV verified under AuthMode.VERIFY);
    `tunnel_outer` is the outer packet when this one arrived IPv6-in-IPv6 (§9.5); `via_rh` is true when
    a Routing header brought it here; `final_dst` the address it was finally delivered to.
    """

    packet: IPv6Packet  # as it arrived (outermost, or the inner one after decapsulation)
    iface: str
    src: Addr
    final_dst: Addr
    options: tuple[Option, ...]
    hao: Addr | None
    auth: bool
    via_rh: bool
    tunnel_outer: IPv6Packet | None
    opt_lengths: tuple[int, ...] = ()  # Option Length octet of each entry of `options`, as received


class NodeCore(Protocol):
    """Services node.py offers to mobility roles. Every method is pure with respect to time: `now` in."""

    name: str
    config: Config
    is_router: bool

    def addresses(self) -> tuple[Addr, ...]: ...
    def iface_of(self, addr: Addr) -> str | None: ...
    def on_link_prefixes(self, iface: str | None = None) -> tuple[Prefix, ...]: ...
    def lla(self, iface: str) -> bytes: ...
    def add_address(self, iface: str, addr: Addr) -> None: ...
    def remove_address(self, iface: str, addr: Addr) -> None: ...
    def send(self, packet: IPv6Packet, now: int) -> list[Action]:
        """Originate: route, resolve the next hop with ND, transmit (mobility on_output is NOT re-run)."""
        ...

    def send_on_link(
        self, iface: str, packet: IPv6Packet, dst_lla: bytes | None, now: int
    ) -> list[Action]: ...
    def random(self, lo: int, hi: int) -> int:
        """The node's injected seeded RNG (inclusive bounds)."""
        ...


class Mobility(Protocol):
    """A node's mobility behaviour: correspondent (§7), home agent (§8), mobile node (§9, §10)."""

    def recognised_options(self) -> frozenset[int]:
        """Option Types this node understands; others follow the IPv6 unknown-option rules (W-UNKNOWN-OPT-11X)."""
        ...

    def on_receive(self, core: NodeCore, rx: Received, now: int) -> list[Action]:
        """Mobile IPv6 options and upper-layer hand-off for a packet addressed to this node."""
        ...

    def intercept(
        self, core: NodeCore, packet: IPv6Packet, iface: str, now: int
    ) -> list[Action] | None:
        """A packet not addressed to this node (home agent interception, §8.4). None = not taken."""
        ...

    def on_output(self, core: NodeCore, packet: IPv6Packet, now: int) -> IPv6Packet | list[Action]:
        """An originated packet before routing: add a Routing header (§7.9), a Home Address option (§9.1),
        or send it otherwise (reverse tunnel, §10) by returning actions."""
        ...

    def on_icmp_error(self, core: NodeCore, msg: ICMPv6, rx: Received, now: int) -> list[Action]:
        """ICMPv6 errors (§7.8, §9.9)."""
        ...

    def on_router_advertisement(
        self, core: NodeCore, ra: RouterAdvertisement, rx: Received, now: int
    ) -> list[Action]:
        """Movement detection input (§9.2)."""
        ...

    def proxied(self) -> dict[Addr, str]:
        """Addresses whose Neighbor Solicitations this node answers (proxy ND, §8.2), with the interface."""
        ...

    def anycast(self) -> tuple[Addr, ...]:
        """Extra addresses this node accepts packets for (the Home-Agents anycast address, §8.1)."""
        ...

    def on_timer(self, core: NodeCore, now: int) -> list[Action]: ...
    def next_deadline(self) -> int | None: ...
    def snapshot(self, name: str, now: int) -> NodeSnapshot: ...


# ---------------------------------------------------------------- data traffic (flow ids for SYS properties)

DATA_PORT = 7001  # UDP port of the simulator's data packets (both ends)
DATA_MAGIC = b"MIP6FLOW"


def data_payload(flow: int) -> bytes:
    """The UDP payload of a simulated data packet: the 32-bit flow id first (so a reader taking the first
    four octets, as correspondent.flow_of does, agrees), then a magic."""
    return (flow & 0xFFFFFFFF).to_bytes(4, "big") + DATA_MAGIC


def flow_of(packet: IPv6Packet) -> int | None:
    """The flow id a data packet carries (looking inside IPv6-in-IPv6), or None for other packets."""
    from mip6check.model.codec.values import UDP

    p: object = packet
    while isinstance(p, IPv6Packet):
        p = p.payload
    if isinstance(p, UDP) and len(p.payload) == 12 and p.payload[4:] == DATA_MAGIC:
        return int.from_bytes(p.payload[:4], "big")
    return None
