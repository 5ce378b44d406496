"""What the differential replay compares: the kind of a packet a node sends (Mobile IPv6 signalling,
tunnels, ICMPv6 errors, unsolicited or proxy Neighbor Advertisements, data it originates), the key
that pairs a captured packet with the model's, and the application's view of an originated packet
(before the node's Mobile IPv6 layer added a Routing header, a Home Address option or a tunnel).

Router Solicitations, Router Advertisements and Neighbor Solicitations are compared too (a mobile
node's RS source is §9.3's, a home agent's RA carries §7.x flags and options), paired within the
window RFC 2461 gives their random timers (ND_WINDOW_MS). Not compared (no Mobile IPv6 decision):
solicited Neighbor Advertisements for the sender's own address, MLD, Redirects; and packets a
router forwards for others."""

from __future__ import annotations

from mip6check.model.addr import Addr
from mip6check.model.codec.options import dest_options
from mip6check.model.codec.values import (
    BindingAck,
    BindingRequest,
    BindingUpdate,
    DestOptions,
    DestUnreachable,
    EchoReply,
    ExtHeader,
    HomeAddress,
    IPv6Packet,
    MalformedOption,
    NeighborAdvertisement,
    NeighborSolicitation,
    NoNextHeader,
    PacketTooBig,
    ParamProblem,
    Redirect,
    RouterAdvertisement,
    RouterSolicitation,
    Routing0,
    TimeExceeded,
)

ERRORS = (DestUnreachable, PacketTooBig, TimeExceeded, ParamProblem)
ND_OTHER = (RouterSolicitation, RouterAdvertisement, NeighborSolicitation, Redirect)
ND_KINDS = {RouterSolicitation: "rs", RouterAdvertisement: "ra", NeighborSolicitation: "ns"}
ND_WINDOW_MS = {
    "rs": 1_000,  # RFC 2461 §6.3.7: a random delay of up to MAX_RTR_SOLICITATION_DELAY (1 s)
    "ra": 500,  # RFC 2461 §6.2.6: a solicited RA after a random delay up to MAX_RA_DELAY_TIME
    "ns": 1_000,  # RFC 2461 §7.2.2, RFC 2462 §5.4.2: RetransTimer, MAX_RTR_SOLICITATION_DELAY
}
"""The pairing window of a Neighbor Discovery kind, when wider than `--time-tolerance`."""
MIP6 = {BindingUpdate: "BU", BindingAck: "BA", BindingRequest: "BR"}


def mip6_option(pkt: IPv6Packet) -> object | None:
    """The first Binding Update, Acknowledgement or Request the packet carries (malformed included)."""
    for h in pkt.headers:
        if type(h) is DestOptions:
            for o in h.options:
                if type(o) in MIP6 or type(o) is MalformedOption and o.kind in ("BU", "BA", "BR"):
                    return o
    return None


def home_address(pkt: IPv6Packet) -> Addr | None:
    for h in pkt.headers:
        if type(h) is DestOptions:
            for o in h.options:
                if type(o) is HomeAddress:
                    return o.home_address
    return None


def final_destination(pkt: IPv6Packet) -> Addr:
    """The destination after the Routing header's remaining hops (RFC 2460 §4.4)."""
    for h in pkt.headers:
        if type(h) is Routing0 and h.segments_left and h.addresses:
            return h.addresses[-1]
    return pkt.dst


def kind_of(pkt: IPv6Packet, own: frozenset[Addr]) -> str | None:
    """The compared kind of a packet the node sent, or None when it is not compared (module doc).
    `own`: the sender's addresses (an unsolicited NA or one for another's address is compared)."""
    opt = mip6_option(pkt)
    up = pkt.payload
    carried = type(up) not in (NoNextHeader, IPv6Packet) and not isinstance(up, ND_OTHER)
    if opt is not None and not (type(opt) is BindingRequest and carried):
        return MIP6.get(type(opt)) or getattr(opt, "kind", "BU")  # a BR may ride on data (§5.3)
    if type(up) is IPv6Packet:
        return "tunnel"
    if isinstance(up, ERRORS):
        return "icmp-error"
    if type(up) is NeighborAdvertisement:
        if not up.solicited or up.target not in own:
            return "na"
        return None
    nd = ND_KINDS.get(type(up))
    if nd is not None:
        return nd
    if isinstance(up, ND_OTHER) or type(up).__name__ == "ICMPv6Other":
        return None
    if pkt.src not in own and home_address(pkt) not in own:
        return None  # forwarded for another node
    return "echo-reply" if type(up) is EchoReply else "data"


def key_of(kind: str, pkt: IPv6Packet) -> tuple[object, ...]:
    """What pairs a captured packet with the model's: kind, final destination, and what it is about
    (the home address of a signalling packet, the inner packet's ends for a tunnel, the NA target)."""
    if kind == "tunnel":
        inner = pkt.payload
        assert type(inner) is IPv6Packet
        return (kind, inner.src, final_destination(inner))
    if kind == "na":
        up = pkt.payload
        assert type(up) is NeighborAdvertisement
        return (kind, up.target)
    if kind == "ns":
        ns = pkt.payload
        assert type(ns) is NeighborSolicitation
        return (kind, ns.target)
    if kind == "ra":
        return (kind, pkt.src)  # the advertising interface (its link-local address), any group
    return (kind, final_destination(pkt))


def window_ms(kind: str, tolerance_ms: int) -> int:
    """How far apart in time a captured and a model packet of `kind` may pair."""
    return max(tolerance_ms, ND_WINDOW_MS.get(kind, 0))


def about(key: tuple[object, ...]) -> object:
    """The address a key is about (final destination, tunnelled packet's destination, NA target);
    None for Neighbor Discovery's RS, RA and NS, which are about the link, not an address."""
    if key[0] in ND_WINDOW_MS:
        return None
    return key[-1]


def application_view(pkt: IPv6Packet, hao_type: int = 196) -> IPv6Packet:
    """The packet as the application handed it to the node: the Routing header to the final
    destination, the Home Address option (its address back as the source), Binding options riding
    on it (§5.3) and a reverse tunnel taken away (§6, §9.1, §10). An option of 16 octets numbered as the Home Address option but for
    its action bits (§5.4: they are part of the type) is taken as one the node meant to send."""
    if type(pkt.payload) is IPv6Packet and not any(type(h) is DestOptions for h in pkt.headers):
        return application_view(pkt.payload, hao_type)
    src, dst = pkt.src, final_destination(pkt)
    headers: list[ExtHeader] = []
    for h in pkt.headers:
        if type(h) is Routing0:
            continue
        if type(h) is DestOptions:
            hao = [o for o in h.options if type(o) is HomeAddress or _hao_like(o, hao_type)]
            if hao:
                first = hao[0]
                src = first.home_address if type(first) is HomeAddress else first.data[:16]  # type: ignore[union-attr]
            rest = tuple(
                o for o in h.options if o not in hao and not _pad(o) and type(o) not in MIP6
            )
            if not rest:
                continue
            headers.append(dest_options(*rest))
            continue
        headers.append(h)
    return IPv6Packet(src, dst, tuple(headers), pkt.payload, pkt.hop_limit)


def _hao_like(o: object, hao_type: int) -> bool:
    data = getattr(o, "data", None)
    kind = getattr(o, "opt_type", None)
    return (
        type(o).__name__ == "UnknownOption"
        and isinstance(kind, int)
        and isinstance(data, bytes)
        and len(data) == 16
        and kind & 0x1F == hao_type & 0x1F
    )


def _pad(o: object) -> bool:
    return type(o).__name__ in ("Pad1", "PadN")


__all__ = [
    "ND_WINDOW_MS",
    "about",
    "application_view",
    "final_destination",
    "home_address",
    "key_of",
    "kind_of",
    "window_ms",
]
