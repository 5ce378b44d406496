"""IPv6Node driven directly with packet values and time: ND, RA, forwarding, RH0, options, tunnels, AH."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from mip6check.model.addr import ALL_NODES, UNSPECIFIED, Prefix, a, solicited_node
from mip6check.model.codec import decode_packet, encode_packet
from mip6check.model.codec.options import dest_options
from mip6check.model.codec.values import (
    AH,
    UDP,
    DestOptions,
    DestUnreachable,
    HomeAddress,
    IPv6Packet,
    NeighborAdvertisement,
    NeighborSolicitation,
    ParamProblem,
    PrefixInfo,
    RouterAdvertisement,
    Routing0,
    SourceLLA,
    TargetLLA,
    TimeExceeded,
    UnknownOption,
)
from mip6check.model.config import DEFAULT, AuthMode
from mip6check.model.errors import DecodeError, ModelUsageError
from mip6check.model.roles.events import Action, Delivered, Dropped, Note, Transmit
from mip6check.model.roles.hooks import NodeCore, Received, data_payload
from mip6check.model.roles.nd import NeighborCache, NState
from mip6check.model.roles.node import MIN_MTU, IPv6Node, NoMobility, data_packet, mcast_lla
from mip6check.model.roles.routing import RhVerdict, rh0_final_form, rh0_step

MAC_R = bytes.fromhex("020000000001")
MAC_H = bytes.fromhex("020000000010")
MAC_X = bytes.fromhex("0200000000aa")
P1 = Prefix.parse("2001:db8:1::/64")
P2 = Prefix.parse("2001:db8:2::/64")
H1 = a("2001:db8:1::10")
R1 = a("2001:db8:1::1")
R2 = a("2001:db8:2::1")
B2 = a("2001:db8:2::20")
FAR = a("2001:db8:9::9")


class Recorder(NoMobility):
    """A mobility stand-in that records what the node hands it and recognises chosen option types."""

    def __init__(
        self, recognised: frozenset[int] = frozenset(), proxied: dict[bytes, str] | None = None
    ):
        self.rec = recognised
        self.rx: list[Received] = []
        self.errors: list[tuple[object, Received]] = []
        self.ras: list[RouterAdvertisement] = []
        self.ra_rx: list[Received] = []
        self._proxied = proxied or {}

    def recognised_options(self) -> frozenset[int]:
        return self.rec

    def on_receive(self, core: NodeCore, rx: Received, now: int) -> list[Action]:
        self.rx.append(rx)
        return super().on_receive(core, rx, now)

    def on_icmp_error(self, core: NodeCore, msg: object, rx: Received, now: int) -> list[Action]:  # type: ignore[override]
        self.errors.append((msg, rx))
        return []

    def on_router_advertisement(
        self, core: NodeCore, ra: RouterAdvertisement, rx: Received, now: int
    ) -> list[Action]:
        self.ras.append(ra)
        self.ra_rx.append(rx)
        return []

    def proxied(self) -> dict[bytes, str]:
        return self._proxied


def host(
    mob: Recorder | None = None,
    *,
    auth: AuthMode = AuthMode.PRESENCE,
    addrs: tuple[bytes, ...] = (H1,),
    prefixes: tuple[Prefix, ...] = (P1,),
) -> IPv6Node:
    n = IPv6Node(
        "H", DEFAULT.with_switches(auth=auth), random.Random(1), router=False, mobility=mob
    )
    n.add_interface("e0", MAC_H, prefixes, addrs)
    n.attach("e0", 0)
    return n


def router() -> IPv6Node:
    r = IPv6Node("R", DEFAULT, random.Random(2), router=True)
    r.add_interface("e1", MAC_R, [P1], [R1])
    r.add_interface("e2", bytes.fromhex("020000000002"), [P2], [R2])
    r.attach("e1", 0)
    r.attach("e2", 0)
    return r


def tx(actions: list[Action]) -> list[Transmit]:
    return [x for x in actions if isinstance(x, Transmit)]


def learn(node: IPv6Node, iface: str, addr: bytes, lla: bytes) -> None:
    node.nc.learn(iface, addr, lla, solicited=True, override=True)


def wire(pkt: IPv6Packet) -> IPv6Packet:
    """What the receiver sees: the packet through the codec."""
    return decode_packet(encode_packet(pkt))


# ---------------------------------------------------------------- basics and misuse


def test_link_local_from_eui64_and_misuse_raises() -> None:
    n = host()
    assert n.ifaces["e0"].link_local == a("fe80::ff:fe00:10")
    with pytest.raises(ModelUsageError):
        n.add_interface("e0", MAC_H)
    with pytest.raises(ModelUsageError):
        n.receive("nope", data_packet(FAR, H1, 1), 0)
    with pytest.raises(ModelUsageError):
        n.add_address("e0", ALL_NODES)
    with pytest.raises(ModelUsageError):  # never assigned to an interface (RFC 2373 §2.5.2)
        n.add_address("e0", UNSPECIFIED)


def test_host_attach_sends_router_solicitation_from_link_local() -> None:
    n = IPv6Node("H", DEFAULT, random.Random(1), router=False)
    n.add_interface("e0", MAC_H, [], [H1])
    (rs,) = tx(n.attach("e0", 0))
    assert rs.packet.src == n.ifaces["e0"].link_local  # W-AUTOCONF-LLSRC
    assert rs.packet.hop_limit == 255 and rs.dst_lla == mcast_lla(rs.packet.dst)


# ---------------------------------------------------------------- Neighbor Discovery


def test_nd_resolution_queues_then_flushes() -> None:
    n = host()
    out = n.originate(data_packet(H1, a("2001:db8:1::77"), 5), 10)
    (ns,) = tx(out)
    assert isinstance(ns.packet.payload, NeighborSolicitation)
    assert ns.packet.dst == solicited_node(a("2001:db8:1::77"))
    assert n.nc.get("e0", a("2001:db8:1::77")).state is NState.INCOMPLETE  # type: ignore[union-attr]
    na = IPv6Packet(
        a("2001:db8:1::77"),
        H1,
        (),
        NeighborAdvertisement(
            a("2001:db8:1::77"), solicited=True, override=True, options=(TargetLLA(MAC_X),)
        ),
        hop_limit=255,
    )
    (data,) = tx(n.receive("e0", wire(na), 20))
    assert (
        data.dst_lla == MAC_X
        and data.packet.payload == data_packet(H1, a("2001:db8:1::77"), 5).payload
    )


def test_nd_retransmits_then_gives_up() -> None:
    n = host()
    n.originate(data_packet(H1, a("2001:db8:1::77"), 5), 0)
    sent = 1
    t = 0
    dropped: list[Dropped] = []
    while (d := n.next_deadline()) is not None and t < 10_000:
        t = d
        out = n.on_timer(t)
        sent += len([x for x in tx(out) if isinstance(x.packet.payload, NeighborSolicitation)])
        dropped += [x for x in out if isinstance(x, Dropped)]
    assert sent == 3 and [x.reason for x in dropped] == ["nd-unreachable"]
    assert n.nc.get("e0", a("2001:db8:1::77")) is None


def test_router_gives_address_unreachable_code3_for_forwarded_packets() -> None:
    r = router()
    learn(r, "e1", H1, MAC_H)
    r.receive("e1", wire(data_packet(H1, B2, 1)), 0)
    out: list[Action] = []
    t = 0
    while (d := r.next_deadline()) is not None and d < 5_000:
        t = d
        out += r.on_timer(t)
    du = [x for x in tx(out) if isinstance(x.packet.payload, DestUnreachable)]
    assert len(du) == 1 and du[0].packet.payload.code == 3 and du[0].packet.dst == H1  # type: ignore[union-attr]


def test_ns_answered_and_solicitor_learned() -> None:
    n = host()
    ns = IPv6Packet(
        a("fe80::1"),
        solicited_node(H1),
        (),
        NeighborSolicitation(H1, (SourceLLA(MAC_R),)),
        hop_limit=255,
    )
    (na,) = tx(n.receive("e0", wire(ns), 0))
    p = na.packet.payload
    assert (
        isinstance(p, NeighborAdvertisement) and p.solicited and p.override and na.dst_lla == MAC_R
    )
    assert p.options == (TargetLLA(MAC_H),)
    assert n.nc.lla_of("e0", a("fe80::1")) == MAC_R
    bad = replace(ns, hop_limit=64)
    assert [x.reason for x in n.receive("e0", wire(bad), 0) if isinstance(x, Dropped)] == [
        "nd-hop-limit"
    ]


def test_unsolicited_na_override_rules() -> None:
    n = host()
    t = a("2001:db8:1::5")
    learn(n, "e0", t, MAC_R)

    def na(o: bool) -> IPv6Packet:
        return wire(
            IPv6Packet(
                t,
                ALL_NODES,
                (),
                NeighborAdvertisement(t, override=o, options=(TargetLLA(MAC_X),)),
                hop_limit=255,
            )
        )

    n.receive("e0", na(False), 0)
    assert n.nc.lla_of("e0", t) == MAC_R  # O=0: keep
    n.receive("e0", na(True), 0)
    assert n.nc.lla_of("e0", t) == MAC_X  # O=1 overrides (§9.13 return home, §8.2 gratuitous NA)
    other = a("2001:db8:1::6")
    n.receive(
        "e0",
        wire(
            IPv6Packet(
                other,
                ALL_NODES,
                (),
                NeighborAdvertisement(other, override=True, options=(TargetLLA(MAC_X),)),
                hop_limit=255,
            )
        ),
        0,
    )
    assert n.nc.get("e0", other) is None  # no entry: discarded


def test_dad_probe_defence_and_conflict() -> None:
    n = host()
    n.add_address("e0", a("2001:db8:1::99"))
    out = n.originate(data_packet(H1, H1, 1), 0)  # any entry point flushes the DAD probe
    probes = [x for x in tx(out) if x.packet.src == UNSPECIFIED]
    assert len(probes) == 1 and probes[0].packet.payload.target == a("2001:db8:1::99")  # type: ignore[union-attr]
    # another node probing for our (established) address is defended
    probe = IPv6Packet(UNSPECIFIED, solicited_node(H1), (), NeighborSolicitation(H1), hop_limit=255)
    (d,) = tx(n.receive("e0", wire(probe), 5))
    assert d.packet.dst == ALL_NODES and isinstance(d.packet.payload, NeighborAdvertisement)
    # a conflicting NA during our DAD removes the tentative address
    na = IPv6Packet(
        a("fe80::99"),
        ALL_NODES,
        (),
        NeighborAdvertisement(a("2001:db8:1::99"), override=True, options=(TargetLLA(MAC_X),)),
        hop_limit=255,
    )
    out = n.receive("e0", wire(na), 10)
    assert any(isinstance(x, Note) and x.kind == "dad-failed" for x in out)
    assert a("2001:db8:1::99") not in n.addresses()


def test_proxy_answers_for_mobility_proxied() -> None:
    home = a("2001:db8:1::100")
    r = IPv6Node(
        "HA", DEFAULT, random.Random(3), router=True, mobility=Recorder(proxied={home: "e1"})
    )
    r.add_interface("e1", MAC_R, [P1], [R1])
    r.attach("e1", 0)
    ns = IPv6Packet(
        a("fe80::5"),
        solicited_node(home),
        (),
        NeighborSolicitation(home, (SourceLLA(MAC_X),)),
        hop_limit=255,
    )
    (na,) = tx(r.receive("e1", wire(ns), 0))
    p = na.packet.payload
    assert (
        isinstance(p, NeighborAdvertisement)
        and p.target == home
        and p.options == (TargetLLA(MAC_R),)
    )
    assert p.solicited and not p.override and p.router
    dad = IPv6Packet(
        UNSPECIFIED, solicited_node(home), (), NeighborSolicitation(home), hop_limit=255
    )
    (defend,) = tx(r.receive("e1", wire(dad), 1))
    assert defend.packet.dst == ALL_NODES  # DAD defence for the home address (§8.2)


# ---------------------------------------------------------------- Router Advertisements


def test_router_periodic_and_solicited_ra() -> None:
    r = router()
    t = r.next_deadline()
    assert t is not None and t <= 500
    ras = tx(r.on_timer(t))
    assert {x.iface for x in ras} <= {"e1", "e2"} and ras
    ra = ras[0].packet
    assert ra.hop_limit == 255 and ra.dst == ALL_NODES
    assert any(isinstance(o, PrefixInfo) and o.on_link for o in ra.payload.options)  # type: ignore[union-attr]


def test_ra_teaches_default_router_prefixes_and_mobility() -> None:
    mob = Recorder()
    n = host(mob, addrs=(H1,), prefixes=())
    assert tx(n.originate(data_packet(H1, FAR, 1), 0)) == []  # no route yet
    ra = IPv6Packet(
        a("fe80::1"),
        ALL_NODES,
        (),
        RouterAdvertisement(
            router_lifetime=1800,
            options=(SourceLLA(MAC_R), PrefixInfo(64, True, True, 100, 50, P1.network)),
        ),
        hop_limit=255,
    )
    n.receive("e0", wire(ra), 100)
    assert len(mob.ras) == 1 and n.default_routers(100) == [("e0", a("fe80::1"))]
    assert P1 in n.on_link_prefixes("e0")
    (out,) = tx(n.originate(data_packet(H1, FAR, 1), 200))
    assert out.dst_lla == MAC_R  # off-link via the default router, LLA from the RA
    (nb,) = tx(n.originate(data_packet(H1, a("2001:db8:1::33"), 1), 200))
    assert isinstance(nb.packet.payload, NeighborSolicitation)  # on-link: resolved directly
    assert n.default_routers(1_800_101) == []  # router lifetime runs out
    n.detach("e0", 300)
    assert n.default_routers(300) == [] and P1 not in n.on_link_prefixes("e0")


# ---------------------------------------------------------------- forwarding and ICMP errors


def test_forwarding_decrements_hop_limit_and_time_exceeded() -> None:
    r = router()
    learn(r, "e2", B2, MAC_X)
    learn(r, "e1", H1, MAC_H)
    (f,) = tx(r.receive("e1", wire(replace(data_packet(H1, B2, 1), hop_limit=9)), 0))
    assert f.iface == "e2" and f.dst_lla == MAC_X and f.packet.hop_limit == 8
    out = r.receive("e1", wire(replace(data_packet(H1, B2, 1), hop_limit=1)), 0)
    (te,) = tx(out)
    assert (
        isinstance(te.packet.payload, TimeExceeded) and te.packet.dst == H1 and te.packet.src == R1
    )
    assert any(isinstance(x, Dropped) and x.reason == "hop-limit" for x in out)


def test_no_route_gives_destination_unreachable_and_host_does_not_forward() -> None:
    r = router()
    learn(r, "e1", H1, MAC_H)
    (du,) = tx(r.receive("e1", wire(data_packet(H1, FAR, 1)), 0))
    assert isinstance(du.packet.payload, DestUnreachable) and du.packet.payload.code == 0
    n = host()
    assert [
        x.reason
        for x in n.receive("e0", wire(data_packet(R1, FAR, 1)), 0)
        if isinstance(x, Dropped)
    ] == ["not-for-us"]


def test_never_icmp_about_icmp_error_and_truncated_to_1280() -> None:
    r = router()
    learn(r, "e1", H1, MAC_H)
    err = IPv6Packet(H1, B2, (), TimeExceeded(0, b"x" * 40), hop_limit=1)
    assert tx(r.receive("e1", wire(err), 0)) == []
    big = IPv6Packet(H1, B2, (), UDP(1, 2, bytes(3000)), hop_limit=1)
    (te,) = tx(r.receive("e1", wire(big), 0))
    assert len(encode_packet(te.packet)) == MIN_MTU


# ---------------------------------------------------------------- Routing header type 0 (wire-formats §4.2)


def rh_packet(dst: bytes, addrs: tuple[bytes, ...], sl: int, hop: int = 64) -> IPv6Packet:
    return IPv6Packet(FAR, dst, (Routing0(sl, addrs),), UDP(7001, 7001, data_payload(3)), hop)


def test_rh0_step_pure() -> None:
    s = rh0_step(Routing0(1, (B2,)), H1)
    assert s.verdict is RhVerdict.FORWARD and s.new_dst == B2 and s.header == Routing0(0, (H1,))
    assert rh0_step(Routing0(0, (B2,)), H1).verdict is RhVerdict.NEXT_HEADER
    assert rh0_step(Routing0(3, (B2,)), H1).verdict is RhVerdict.PARAM_SEGMENTS_LEFT
    assert rh0_step(Routing0(1, (ALL_NODES,)), H1).verdict is RhVerdict.MULTICAST
    assert rh0_step(Routing0(1, (B2,) * 24), H1).verdict is RhVerdict.PARAM_HDR_EXT_LEN
    rh, d = rh0_final_form(Routing0(2, (B2, R2)), H1)
    assert d == R2 and rh == Routing0(0, (H1, B2))


def test_rh0_swap_and_forward_from_host() -> None:
    n = host()
    n.nc.learn("e0", a("fe80::1"), MAC_R, solicited=True, override=True)
    n.ifaces["e0"].routers[a("fe80::1")] = 10**9
    (f,) = tx(n.receive("e0", wire(rh_packet(H1, (B2,), 1, hop=5)), 0))
    rh = f.packet.headers[0]
    assert f.packet.dst == B2 and rh == Routing0(0, (H1,)) and f.packet.hop_limit == 4


def test_rh0_local_resubmission_delivers_via_rh() -> None:
    home = a("2001:db8:7::100")
    mob = Recorder()
    n = host(mob, addrs=(H1, home))
    out = n.receive("e0", wire(rh_packet(H1, (home,), 1, hop=1)), 0)  # §7.9: CoA then home address
    (d,) = [x for x in out if isinstance(x, Delivered)]
    assert d.via == "rh" and d.dst == home and mob.rx[0].final_dst == home and mob.rx[0].via_rh


def test_rh0_errors() -> None:
    n = host()
    learn(n, "e0", a("2001:db8:1::2"), MAC_X)
    src_on_link = a("2001:db8:1::2")
    p = replace(rh_packet(H1, (B2,), 2), src=src_on_link)
    (pp,) = tx(n.receive("e0", wire(p), 0))
    assert isinstance(pp.packet.payload, ParamProblem) and pp.packet.payload.code == 0
    assert pp.packet.payload.pointer == 40 + 3  # Segments Left
    out = n.receive("e0", wire(replace(rh_packet(H1, (ALL_NODES,), 1), src=src_on_link)), 0)
    assert tx(out) == [] and [x.reason for x in out if isinstance(x, Dropped)] == ["rh-multicast"]
    out = n.receive("e0", wire(replace(rh_packet(H1, (B2,), 1, hop=1), src=src_on_link)), 0)
    (te,) = tx(out)
    assert isinstance(te.packet.payload, TimeExceeded)


def test_rh0_odd_hdr_ext_len_from_bytes_is_parameter_problem() -> None:
    n = host()
    learn(n, "e0", a("2001:db8:1::2"), MAC_X)
    data = bytearray(encode_packet(replace(rh_packet(H1, (B2,), 1), src=a("2001:db8:1::2"))))
    data[41] = 1  # Hdr Ext Len odd
    with pytest.raises(DecodeError) as ei:
        decode_packet(bytes(data))
    out = n.receive_malformed("e0", bytes(data), ei.value, 0)
    (pp,) = tx(out)
    assert isinstance(pp.packet.payload, ParamProblem) and pp.packet.payload.pointer == 41


# ---------------------------------------------------------------- options (V6 §4.2, W-UNKNOWN-OPT-11X)


def opt_packet(dst: bytes, *opts: object) -> IPv6Packet:
    return IPv6Packet(
        a("2001:db8:1::2"), dst, (dest_options(*opts),), UDP(7001, 7001, data_payload(0))
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("otype", "icmp", "delivered"),
    [(0x1E, False, True), (0x5E, False, False), (0x9E, True, False), (0xDE, True, False)],
)
def test_unknown_option_action_bits_unicast(otype: int, icmp: bool, delivered: bool) -> None:
    n = host()
    learn(n, "e0", a("2001:db8:1::2"), MAC_X)
    out = n.receive("e0", wire(opt_packet(H1, UnknownOption(otype, b"\x00\x00"))), 0)
    assert bool(tx(out)) == icmp and any(isinstance(x, Delivered) for x in out) == delivered
    if icmp:
        pp = tx(out)[0].packet.payload
        assert isinstance(pp, ParamProblem) and pp.code == 2
        data = encode_packet(opt_packet(H1, UnknownOption(otype, b"\x00\x00")))
        assert data[pp.pointer] == otype


@pytest.mark.parametrize(("otype", "icmp"), [(0x9E, True), (0xDE, False)])
def test_unknown_option_multicast_destination(otype: int, icmp: bool) -> None:
    n = host()
    learn(n, "e0", a("2001:db8:1::2"), MAC_X)
    out = n.receive("e0", wire(opt_packet(ALL_NODES, UnknownOption(otype, b"\x00\x00"))), 0)
    assert bool(tx(out)) == icmp


def test_legacy_node_answers_home_address_option_with_code2() -> None:
    n = host()  # NoMobility: HAO (type 196 = 110xxxxx) is unknown
    learn(n, "e0", a("2001:db8:1::2"), MAC_X)
    (pp,) = tx(n.receive("e0", wire(opt_packet(H1, HomeAddress(a("2001:db8:5::1")))), 0))
    assert pp.packet.payload.code == 2 and pp.packet.dst == a("2001:db8:1::2")  # type: ignore[union-attr]


def test_home_address_option_substitutes_source_when_recognised() -> None:
    mob = Recorder(frozenset({DEFAULT.profile.hao}))
    n = host(mob)
    home = a("2001:db8:5::1")
    out = n.receive("e0", wire(opt_packet(H1, HomeAddress(home))), 0)
    (rx,) = mob.rx
    assert (
        rx.src == home
        and rx.hao == home
        and rx.options == (HomeAddress(home),)
        and rx.opt_lengths == (16,)
    )
    assert [x.src for x in out if isinstance(x, Delivered)] == [home]


# ---------------------------------------------------------------- tunnels


def test_tunnel_decapsulation_sets_tunnel_outer() -> None:
    home = a("2001:db8:7::100")
    mob = Recorder()
    n = host(mob, addrs=(H1, home))
    inner = data_packet(B2, home, 42)
    outer = IPv6Packet(R2, H1, (), inner)
    out = n.receive("e0", wire(outer), 0)
    assert mob.rx[0].tunnel_outer is not None and mob.rx[0].tunnel_outer.src == R2
    assert [(x.via, x.flow) for x in out if isinstance(x, Delivered)] == [("tunnel", 42)]


def test_tunnel_depth_limit() -> None:
    n = host()
    p = data_packet(B2, H1, 1)
    for _ in range(6):
        p = IPv6Packet(R2, H1, (), p)
    assert [x.reason for x in n.receive("e0", wire(p), 0) if isinstance(x, Dropped)] == [
        "tunnel-depth"
    ]


# ---------------------------------------------------------------- AH (§7.2 test 1)


def ah_packet(src: bytes, dst: bytes) -> IPv6Packet:
    return IPv6Packet(src, dst, (AH(0x100, 1, b""),), UDP(7001, 7001, data_payload(0)))


@pytest.mark.parametrize("with_key", [True, False])
def test_ah_verify_with_and_without_key(with_key: bool) -> None:
    key = b"k" * 20
    mob = Recorder()
    rx_node = host(mob, auth=AuthMode.VERIFY)
    rx_node.keys.add(H1, a("2001:db8:1::2"), key)
    sender = IPv6Node("S", DEFAULT, random.Random(5), router=False)
    sender.add_interface("e0", MAC_X, [P1], [a("2001:db8:1::2")])
    sender.attach("e0", 0)
    if with_key:
        sender.keys.add(a("2001:db8:1::2"), H1, key)
    learn(sender, "e0", H1, MAC_H)
    (t,) = tx(sender.send(ah_packet(a("2001:db8:1::2"), H1), 0))
    rx_node.receive("e0", wire(t.packet), 0)
    assert mob.rx[-1].auth is with_key


def test_ah_presence_mode_and_tamper() -> None:
    key = b"k" * 20
    mob = Recorder()
    n = host(mob)
    n.receive("e0", wire(ah_packet(a("2001:db8:1::2"), H1)), 0)
    assert mob.rx[-1].auth is True  # PRESENCE: AH present is enough
    v = host(Recorder(), auth=AuthMode.VERIFY)
    v.keys.add(H1, a("2001:db8:1::2"), key)
    from mip6check.model.roles import ah as ahmod

    signed = ahmod.sign(ah_packet(a("2001:db8:1::2"), H1), key, encode_packet)
    assert ahmod.verify(wire(signed), key, encode_packet)
    assert ahmod.verify(replace(wire(signed), hop_limit=3), key, encode_packet)  # mutable field
    tampered = replace(signed, payload=UDP(7001, 7001, data_payload(1)))
    assert not ahmod.verify(wire(tampered), key, encode_packet)


def test_ah_survives_routing_header_swap() -> None:
    key = b"q" * 20
    from mip6check.model.roles import ah as ahmod

    p = IPv6Packet(FAR, H1, (Routing0(1, (B2,)), AH(1, 1, b"")), UDP(7001, 7001, b"x"))
    signed = ahmod.sign(p, key, encode_packet)
    step = rh0_step(Routing0(1, (B2,)), H1)
    assert step.header is not None and step.new_dst is not None
    at_final = replace(
        wire(signed), dst=step.new_dst, headers=(step.header, signed.headers[1]), hop_limit=1
    )
    assert ahmod.verify(wire(at_final), key, encode_packet)


# ---------------------------------------------------------------- neighbor cache unit


def test_neighbor_cache_queue_bound_and_stale() -> None:
    nc = NeighborCache()
    for i in range(20):
        nc.start("e0", H1, data_packet(H1, H1, i), 0)
    e = nc.get("e0", H1)
    assert e is not None and len(e.queue) == 16
    rel = nc.learn("e0", H1, MAC_X, solicited=False, override=False)
    assert rel is not None and len(rel.packets) == 16 and nc.get("e0", H1).state is NState.STALE  # type: ignore[union-attr]
    assert nc.next_deadline() is None


def test_hop_by_hop_unknown_option_checked_by_router() -> None:
    from mip6check.model.codec.options import pad_options
    from mip6check.model.codec.values import HopByHop

    r = router()
    learn(r, "e1", H1, MAC_H)
    p = IPv6Packet(
        H1, B2, (HopByHop(pad_options((UnknownOption(0x9E, b"\x00\x00"),))),), UDP(1, 2, b"")
    )
    (pp,) = tx(r.receive("e1", wire(p), 0))
    assert isinstance(pp.packet.payload, ParamProblem) and pp.packet.payload.code == 2
    assert isinstance(p.headers[0], HopByHop) and not isinstance(p.headers[0], DestOptions)


# ---------------------------------------------------------------- more header rules


def test_unknown_routing_type_with_segments_left_points_at_type() -> None:
    from mip6check.model.codec.values import RoutingOther

    n = host()
    learn(n, "e0", a("2001:db8:1::2"), MAC_X)
    p = IPv6Packet(a("2001:db8:1::2"), H1, (RoutingOther(7, 1, bytes(4)),), UDP(1, 2, b""))
    (pp,) = tx(n.receive("e0", wire(p), 0))
    assert isinstance(pp.packet.payload, ParamProblem) and pp.packet.payload.pointer == 42
    ok = IPv6Packet(
        a("2001:db8:1::2"), H1, (RoutingOther(7, 0, bytes(4)),), UDP(7001, 7001, data_payload(1))
    )
    assert any(
        isinstance(x, Delivered) for x in n.receive("e0", wire(ok), 0)
    )  # Segments Left 0: ignored


def test_unknown_next_header_and_late_hop_by_hop_are_code1() -> None:
    from mip6check.model.codec.values import HopByHop, Raw

    n = host()
    learn(n, "e0", a("2001:db8:1::2"), MAC_X)
    (pp,) = tx(n.receive("e0", wire(IPv6Packet(a("2001:db8:1::2"), H1, (), Raw(253, b"abc"))), 0))
    assert isinstance(pp.packet.payload, ParamProblem) and (
        pp.packet.payload.code,
        pp.packet.payload.pointer,
    ) == (1, 6)
    late = IPv6Packet(
        a("2001:db8:1::2"), H1, (dest_options(), HopByHop(dest_options().options)), UDP(1, 2, b"")
    )
    (pp2,) = tx(n.receive("e0", wire(late), 0))
    assert isinstance(pp2.packet.payload, ParamProblem) and (
        pp2.packet.payload.code,
        pp2.packet.payload.pointer,
    ) == (1, 40)


def test_fragments_dropped_and_anycast_accepted() -> None:
    from mip6check.model.codec.values import Fragment

    class Anycast(Recorder):
        def anycast(self) -> tuple[bytes, ...]:
            return (a("2001:db8:1::fdff:ffff:ffff:fffe"),)

    mob = Anycast()
    n = host(mob)
    frag = IPv6Packet(FAR, H1, (Fragment(0, True, 9),), UDP(1, 2, b""))
    assert [x.reason for x in n.receive("e0", wire(frag), 0) if isinstance(x, Dropped)] == [
        "fragment-unsupported"
    ]
    n.receive("e0", wire(data_packet(FAR, a("2001:db8:1::fdff:ffff:ffff:fffe"), 8)), 0)
    assert mob.rx and mob.rx[-1].final_dst == a("2001:db8:1::fdff:ffff:ffff:fffe")


def test_strict_bit_requires_neighbor() -> None:
    n = host()
    n.nc.learn("e0", a("fe80::1"), MAC_R, solicited=True, override=True)
    n.ifaces["e0"].routers[a("fe80::1")] = 10**9
    learn(n, "e0", a("2001:db8:1::2"), MAC_X)
    p = IPv6Packet(a("2001:db8:1::2"), H1, (Routing0(1, (B2,), bitmap=1 << 23),), UDP(1, 2, b""))
    out = n.receive("e0", wire(p), 0)
    (du,) = tx(out)
    assert isinstance(du.packet.payload, DestUnreachable) and du.packet.payload.code == 2
    # the error carries the packet as it arrived, not its rewritten form (RFC 2463 §3.1)
    assert du.packet.payload.invoking == encode_packet(p)


def test_strict_hop_with_no_route_is_not_a_neighbor() -> None:
    """V6 §4.4: a strict hop whose address is no neighbor gets code 2, also when no route leads there
    at all (code 0, no route, is for a packet with no strict hop)."""
    n = host()
    learn(n, "e0", a("2001:db8:1::2"), MAC_X)
    p = IPv6Packet(a("2001:db8:1::2"), H1, (Routing0(1, (B2,), bitmap=1 << 23),), UDP(1, 2, b""))
    (du,) = tx(n.receive("e0", wire(p), 0))
    assert isinstance(du.packet.payload, DestUnreachable) and du.packet.payload.code == 2
    assert du.packet.payload.invoking == encode_packet(p)
    loose = replace(p, headers=(Routing0(1, (B2,)),))
    (du0,) = tx(n.receive("e0", wire(loose), 0))
    assert isinstance(du0.packet.payload, DestUnreachable) and du0.packet.payload.code == 0
    assert du0.packet.payload.invoking == encode_packet(loose)


def test_no_route_error_carries_the_packet_as_received() -> None:
    """A router's Destination Unreachable carries the invoking packet with its Hop Limit as it
    arrived (RFC 2463 §3.1), not the decremented copy it would have forwarded."""
    r = router()
    learn(r, "e1", H1, MAC_H)
    p = data_packet(H1, a("2001:db8:99::1"), 1)
    (du,) = tx(r.receive("e1", wire(p), 0))
    assert isinstance(du.packet.payload, DestUnreachable) and du.packet.payload.code == 0
    assert du.packet.payload.invoking == encode_packet(p)


def test_icmp_error_reaches_mobility_and_echo_is_answered() -> None:
    mob = Recorder()
    n = host(mob)
    learn(n, "e0", a("2001:db8:1::2"), MAC_X)
    err = IPv6Packet(
        a("2001:db8:1::2"), H1, (), DestUnreachable(3, encode_packet(data_packet(H1, B2, 1)))
    )
    assert tx(n.receive("e0", wire(err), 0)) == [] and len(mob.errors) == 1
    from mip6check.model.codec.values import EchoReply, EchoRequest

    (rep,) = tx(
        n.receive("e0", wire(IPv6Packet(a("2001:db8:1::2"), H1, (), EchoRequest(3, 4, b"z"))), 0)
    )
    assert rep.packet.payload == EchoReply(3, 4, b"z") and rep.packet.dst == a("2001:db8:1::2")


def test_icmp_errors_are_rate_limited() -> None:
    r = router()
    r.icmp_limit.limit = (3, 1_000)
    learn(r, "e1", H1, MAC_H)
    p = wire(replace(data_packet(H1, B2, 1), hop_limit=1))
    sent = [len(tx(r.receive("e1", p, t))) for t in (0, 10, 20, 30, 1_005)]
    assert sent == [1, 1, 1, 0, 1]


def test_ra_carries_router_address_with_r_bit() -> None:
    r = router()
    t = r.next_deadline()
    assert t is not None
    ras = [x for x in tx(r.on_timer(t)) if x.iface == "e1"] or [
        x for x in tx(r.on_timer(600)) if x.iface == "e1"
    ]
    (pi,) = [o for o in ras[0].packet.payload.options if isinstance(o, PrefixInfo)]  # type: ignore[union-attr]
    assert pi.prefix == R1 and pi.flags_rest == 0x20 and pi.prefix_length == 64
    n = host(prefixes=())
    n.receive("e0", wire(ras[0].packet), 700)
    assert P1 in n.on_link_prefixes("e0")  # the host masks the prefix


def test_tunnelled_inner_packet_with_ah_is_signed_by_the_tunnel_entry() -> None:
    key = b"t" * 20
    ha = IPv6Node("HA", DEFAULT, random.Random(7), router=True)
    ha.add_interface("e1", MAC_R, [P1], [R1])
    ha.attach("e1", 0)
    ha.keys.add(a("fe80::1"), ALL_NODES, key)
    learn(ha, "e1", H1, MAC_H)
    inner = IPv6Packet(
        a("fe80::1"), ALL_NODES, (AH(0x100, 0, bytes(12)),), RouterAdvertisement(), hop_limit=255
    )
    (t,) = tx(ha.send(IPv6Packet(R1, H1, (), inner), 0))
    mob = Recorder()
    mn = host(mob, auth=AuthMode.VERIFY)
    mn.keys.add(a("fe80::1"), ALL_NODES, key)
    mn.receive("e0", wire(t.packet), 1)
    assert mob.ra_rx and mob.ra_rx[-1].auth is True and mob.ra_rx[-1].tunnel_outer is not None


def test_rh_strict_hop_limit_switch() -> None:
    home = a("2001:db8:7::100")
    n = IPv6Node(
        "H", DEFAULT.with_switches(rh_strict_hop_limit=True), random.Random(1), router=False
    )
    n.add_interface("e0", MAC_H, [P1], [H1, home])
    n.attach("e0", 0)
    learn(n, "e0", a("2001:db8:1::2"), MAC_X)
    p = replace(rh_packet(H1, (home,), 1, hop=1), src=a("2001:db8:1::2"))
    out = n.receive("e0", wire(p), 0)
    assert not any(isinstance(x, Delivered) for x in out)
    assert [type(t.packet.payload) for t in tx(out)] == [TimeExceeded]
    ok = n.receive("e0", wire(replace(p, hop_limit=2)), 0)
    assert any(isinstance(x, Delivered) and x.via == "rh" for x in ok)


def test_tunnel_entry_point_relays_errors_about_its_tunnel() -> None:
    """§7.8, RFC 2473 §8.2: an error about a packet this node tunnelled goes back to the original
    sender as Destination Unreachable code 3 carrying the original packet; not for an error about
    an error, not for another node's tunnel."""
    from mip6check.model.codec import encapsulate
    from mip6check.model.codec.values import TimeExceeded

    r = router()
    learn(r, "e1", H1, MAC_H)
    learn(r, "e2", B2, MAC_X)
    original = data_packet(B2, FAR, 1)  # from B2, tunnelled by R toward H1
    tunnelled = encapsulate(original, R1, H1)
    (du,) = tx(
        r.receive(
            "e1", wire(IPv6Packet(H1, R1, (), DestUnreachable(3, encode_packet(tunnelled)))), 0
        )
    )
    assert du.packet.dst == B2 and isinstance(du.packet.payload, DestUnreachable)
    assert du.packet.payload.code == 3 and du.packet.payload.invoking == encode_packet(original)
    (te,) = tx(
        r.receive("e1", wire(IPv6Packet(H1, R1, (), TimeExceeded(0, encode_packet(tunnelled)))), 10)
    )
    assert te.packet.dst == B2
    foreign = encapsulate(original, H1, R1)  # not this node's tunnel
    assert (
        tx(
            r.receive(
                "e1", wire(IPv6Packet(H1, R1, (), DestUnreachable(3, encode_packet(foreign)))), 20
            )
        )
        == []
    )
