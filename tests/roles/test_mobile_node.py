"""§9, §10: the mobile node driven by RAs, BAs, BRs, tunnelled packets, ICMP errors and time."""

from __future__ import annotations

from mip6check.model.addr import ALL_ROUTERS, a, home_agents_anycast, is_link_local
from mip6check.model.codec import encode_packet
from mip6check.model.codec.values import (
    UDP,
    BindingAck,
    BindingRequest,
    BindingUpdate,
    HomeAddress,
    IPv6Packet,
    NeighborAdvertisement,
    ParamProblem,
    PrefixInfo,
    RouterAdvertisement,
    RouterSolicitation,
)
from mip6check.model.config import DEFAULT, Config, RateScope
from mip6check.model.roles.choices import DEFAULT_CHOICES, Choices
from mip6check.model.roles.events import BindingAckReceived, BindingUpdateSent, Note
from mip6check.model.roles.mobile_node import MobileNode
from tests.roles.fakes import (
    FOREIGN_NET,
    HA_ADDR,
    HOME_NET,
    MN_COA,
    MN_HOME,
    OTHER_NET,
    FakeCore,
    events,
    options_of,
    rx,
)

R1_LL, R2_LL, R0_LL = a("fe80::2"), a("fe80::3"), a("fe80::1")
R1_G = a("2001:db8:2::1")
CN = a("2001:db8:9::9")
COA3 = a("2001:db8:3::100")


def ra(
    router: bytes,
    *prefixes: object,
    glob: bytes | None = None,
    iface: str = "w0",
    now: int = 0,
    mn: MobileNode,
    core: FakeCore,
) -> list:  # type: ignore[type-arg]
    infos = [PrefixInfo(p.length, True, True, 100, 50, p.network) for p in prefixes]  # type: ignore[attr-defined]
    if glob is not None:
        infos.append(PrefixInfo(64, False, False, 100, 50, glob, flags_rest=0x20))
    adv = RouterAdvertisement(options=tuple(infos))
    return mn.on_router_advertisement(
        core, adv, rx(src=router, dst=a("ff02::1"), iface=iface, auth=False, payload=adv), now
    )


def setup(
    cfg: Config = DEFAULT,
    choices: Choices = DEFAULT_CHOICES,
    ha: bytes | None = HA_ADDR,
    home_lifetime: int = 600,
) -> tuple[MobileNode, FakeCore]:
    mn = MobileNode(
        "mn",
        cfg,
        home=MN_HOME,
        home_prefix=HOME_NET,
        home_agent=ha,
        choices=choices,
        home_lifetime=home_lifetime,
    )
    core = FakeCore("mn", addrs={MN_HOME: "w0"})
    return mn, core


def away(
    cfg: Config = DEFAULT,
    choices: Choices = DEFAULT_CHOICES,
    ha: bytes | None = HA_ADDR,
    home_lifetime: int = 600,
) -> tuple[MobileNode, FakeCore, list]:  # type: ignore[type-arg]
    mn, core = setup(cfg, choices, ha, home_lifetime)
    out = mn.moved(core, "w0", 0) + ra(R1_LL, FOREIGN_NET, glob=R1_G, mn=mn, core=core)
    return mn, core, out


def ba(
    mn: MobileNode,
    core: FakeCore,
    seq: int,
    status: int = 0,
    *,
    src: bytes = HA_ADDR,
    auth: bool = True,
    olen: int = 11,
    now: int = 100,
    lifetime: int = 600,
) -> list:  # type: ignore[type-arg]
    b = BindingAck(status, seq, lifetime, lifetime)
    return mn.on_receive(
        core, rx(b, src=src, dst=MN_HOME, auth=auth, lengths=(olen,), via_rh=True), now
    )


def test_movement_forms_coa_and_registers() -> None:
    mn, core, out = away()
    kinds = [e.kind for e in events(out, Note)]
    assert kinds[:3] == ["link-change", "movement", "coa-formed"]
    rs = core.on_link[0][1]
    assert (
        isinstance(rs.payload, RouterSolicitation)
        and is_link_local(rs.src)
        and rs.dst == ALL_ROUTERS
    )
    assert mn.primary == MN_COA and not mn.at_home and core.addrs[MN_COA] == "w0"
    (sent,) = events(out, BindingUpdateSent)
    assert (sent.destination, sent.home, sent.coa, sent.home_reg, sent.ack_requested) == (
        HA_ADDR,
        MN_HOME,
        MN_COA,
        True,
        True,
    )
    pkt = core.sent[-1]
    b, hao = options_of(pkt)
    assert isinstance(b, BindingUpdate) and b.h and b.a and b.id_length == 64 and b.care_of is None
    assert hao == HomeAddress(MN_HOME) and pkt.src == MN_COA and pkt.dst == HA_ADDR
    encode_packet(pkt)
    snap = mn.snapshot("mn", 0)
    assert (
        snap.care_of == (MN_COA,) and snap.at_home is False and snap.bul[0].destination == HA_ADDR
    )


def test_at_home_ra_is_not_movement() -> None:
    mn, core = setup()
    assert ra(R0_LL, HOME_NET, mn=mn, core=core) == [] and mn.at_home


def test_home_registration_backoff_forever_and_ack() -> None:
    mn, core, out = away(home_lifetime=10**6)
    seq = events(out, BindingUpdateSent)[0].seq
    times, t = [], 0
    for _ in range(12):
        t = mn.next_deadline()  # type: ignore[assignment]
        got = events(mn.on_timer(core, t), BindingUpdateSent)
        assert got and got[0].retransmission and got[0].seq == seq
        times.append(t)
    gaps = [b - a_ for a_, b in zip([0, *times], times, strict=False)]
    assert gaps[:9] == [1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000]
    assert gaps[9:] == [256000] * 3  # §9.4: on at MAX_BINDACK_TIMEOUT
    res = ba(mn, core, seq, now=t + 5)
    assert events(res, BindingAckReceived)[0].outcome == "ACCEPTED"
    rec = mn.bul.get(HA_ADDR, MN_HOME)
    assert rec is not None and rec.acked and not rec.retx_on and mn.ha_reg_expiry == t + 5 + 600_000


def test_unacked_registration_renewed_at_bul_expiry() -> None:
    mn, core, out = away()
    first = events(out, BindingUpdateSent)[0].seq
    sent = []
    while (t := mn.next_deadline()) is not None and t <= 600_000:
        sent += events(mn.on_timer(core, t), BindingUpdateSent)
    assert sent[-1].retransmission is False and all(e.seq == first for e in sent[:-1])


def test_ba_validation() -> None:
    mn, core, out = away()
    seq = events(out, BindingUpdateSent)[0].seq
    assert events(ba(mn, core, seq, auth=False), BindingAckReceived)[0].outcome == "IGNORE"
    assert events(ba(mn, core, seq, olen=10), BindingAckReceived)[0].outcome == "IGNORE"
    assert events(ba(mn, core, (seq + 1) % 65536), BindingAckReceived)[0].outcome == "IGNORE"
    mn12, core12, out12 = away(DEFAULT.with_switches(ba_min_length=12))
    s12 = events(out12, BindingUpdateSent)[0].seq
    assert events(ba(mn12, core12, s12, olen=11), BindingAckReceived)[0].outcome == "IGNORE"
    assert events(ba(mn12, core12, s12, olen=12), BindingAckReceived)[0].outcome == "ACCEPTED"
    assert mn.bul.get(HA_ADDR, MN_HOME).retx_on  # type: ignore[union-attr]


def test_rejection_deletes_entry_and_forgets_ha() -> None:
    mn, core, out = away()
    seq = events(out, BindingUpdateSent)[0].seq
    res = ba(mn, core, seq, 133)
    assert events(res, BindingAckReceived)[0].outcome == "REJECTED"
    assert mn.bul.get(HA_ADDR, MN_HOME) is None and mn.ha is None and mn.next_deadline() is None


def test_dhaad_learns_home_agent() -> None:
    mn, core, out = away(ha=None)
    anycast = home_agents_anycast(HOME_NET)
    (sent,) = events(out, BindingUpdateSent)
    assert sent.destination == anycast
    res = ba(mn, core, sent.seq, 135, src=HA_ADDR, now=2000)
    assert mn.ha == HA_ADDR and "ha-discovered" in [e.kind for e in events(res, Note)]
    (again,) = events(res, BindingUpdateSent)
    assert again.destination == HA_ADDR and mn.bul.get(anycast, MN_HOME) is None


def test_136_retries_without_id_length() -> None:
    mn, core, out = away()
    res = ba(mn, core, events(out, BindingUpdateSent)[0].seq, 136, now=5000)
    assert mn.id_length == 0 and options_of(core.sent[-1])[0].id_length == 0  # type: ignore[union-attr]
    assert events(res, BindingUpdateSent)


def tunnelled(
    outer_src: bytes = HA_ADDR,
    outer_dst: bytes = MN_COA,
    inner_src: bytes = CN,
    inner_dst: bytes = MN_HOME,
) -> object:
    inner = IPv6Packet(inner_src, inner_dst, (), UDP(1, 2, b"\0\0\0\1"))
    outer = IPv6Packet(outer_src, outer_dst, (), inner)
    return rx(src=inner_src, dst=inner_dst, packet=inner, tunnel_outer=outer)


def test_tunnel_trigger_four_tests() -> None:
    mn, core, _ = away()
    out = mn.on_receive(core, tunnelled(), 5000)  # type: ignore[arg-type]
    (sent,) = events(out, BindingUpdateSent)
    assert (sent.destination, sent.coa, sent.home_reg, sent.ack_requested) == (
        CN,
        MN_COA,
        False,
        False,
    )
    for bad in (dict(outer_dst=COA3), dict(inner_dst=a("2001:db8:1::7")), dict(outer_src=CN)):
        m2, c2, _ = away()
        assert not events(m2.on_receive(c2, tunnelled(**bad), 5000), BindingUpdateSent)  # type: ignore[arg-type]
    m3, c3, _ = away()
    plain = rx(src=CN, dst=MN_HOME, payload=UDP(1, 2))
    assert not events(m3.on_receive(c3, plain, 5000), BindingUpdateSent)
    m4, c4, _ = away(choices=Choices(bu_to_cn=lambda d: False))
    assert not events(m4.on_receive(c4, tunnelled(), 5000), BindingUpdateSent)  # type: ignore[arg-type]


def test_cn_retransmission_stops_at_cap() -> None:
    mn, core, _ = away(choices=Choices(cn_ack=lambda d: True))
    ba(mn, core, mn.bul.get(HA_ADDR, MN_HOME).seq, now=10)  # type: ignore[union-attr]
    mn.on_receive(core, tunnelled(), 5000)  # type: ignore[arg-type]
    n, t = 0, 5000
    while (d := mn.next_deadline()) is not None and d < 300_000:
        t = d
        n += len(
            [
                e
                for e in mn.on_timer(core, t)
                if isinstance(e, BindingUpdateSent) and e.destination == CN
            ]
        )
    assert n == 8 and not mn.bul.get(CN, MN_HOME).retx_on  # type: ignore[union-attr]


def test_rate_limit_defers_and_coa_rate() -> None:
    mn, core, _ = away()
    mn.moved(core, "w1", 300)
    out = ra(R2_LL, OTHER_NET, iface="w1", now=300, mn=mn, core=core)
    assert "coa-deferred" in [e.kind for e in events(out, Note)] and mn.primary == MN_COA
    out = mn.on_timer(core, 1000)
    assert mn.primary == COA3
    sent = [e for e in out if isinstance(e, BindingUpdateSent) and e.destination == HA_ADDR]
    assert sent and not sent[0].retransmission and sent[0].coa == COA3  # a new BU supersedes


def test_slow_rate_after_max_fast_updates() -> None:
    mn, core, _ = away()
    ba(mn, core, mn.bul.get(HA_ADDR, MN_HOME).seq, now=10)  # type: ignore[union-attr]
    sends = []
    for t in range(0, 40_000, 1000):
        for e in mn.on_receive(core, tunnelled(), 2000 + t) + mn.on_timer(core, 2000 + t):  # type: ignore[arg-type]
            if isinstance(e, BindingUpdateSent) and e.destination == CN:
                sends.append(2000 + t)
    gaps = [b - a_ for a_, b in zip(sends, sends[1:], strict=False)]
    assert gaps[:4] == [1000] * 4 and all(g >= 10_000 for g in gaps[4:]) and len(gaps) > 4


def test_aggregate_rate_scope() -> None:
    mn, core, _ = away(DEFAULT.with_switches(rate_scope=RateScope.AGGREGATE))
    out = mn.on_receive(core, tunnelled(), 500)  # type: ignore[arg-type]
    assert not events(out, BindingUpdateSent) and mn.next_deadline() == 1000


def test_previous_router_bu() -> None:
    mn, core, _ = away()
    mn.moved(core, "w1", 2000)
    out = ra(R2_LL, OTHER_NET, iface="w1", now=2000, mn=mn, core=core)
    prev = [e for e in events(out, BindingUpdateSent) if e.destination == R1_G]
    assert prev and (prev[0].home, prev[0].coa, prev[0].home_reg) == (MN_COA, COA3, True)
    pkt = next(p for p in core.sent if p.dst == R1_G)
    assert pkt.src == COA3 and HomeAddress(MN_COA) in options_of(pkt)
    assert mn.snapshot("mn", 2000).care_of == (COA3, MN_COA)  # old CoA kept (§9.12)


def test_param_problem_stops_bus() -> None:
    mn, core, _ = away()
    mn.on_receive(core, tunnelled(), 5000)  # type: ignore[arg-type]
    bu_pkt = core.sent[-1]
    out = mn.on_icmp_error(
        core, ParamProblem(2, 42, encode_packet(bu_pkt)), rx(src=CN, dst=MN_COA), 5100
    )
    assert "no-more-bu" in [e.kind for e in events(out, Note)] and mn.bul.no_more_bu(CN)
    out = mn.on_receive(core, tunnelled(), 9000)  # type: ignore[arg-type]
    assert not events(out, BindingUpdateSent) and "bu-suppressed" in [
        e.kind for e in events(out, Note)
    ]


def test_binding_request_answered_or_private() -> None:
    for private, life in ((False, 300), (True, 0)):
        mn, core, _ = away(choices=Choices(private_binding=lambda s, p=private: p))  # type: ignore[misc]
        out = mn.on_receive(core, rx(BindingRequest(), src=CN, dst=MN_HOME, via_rh=True), 5000)
        (sent,) = events(out, BindingUpdateSent)
        assert sent.destination == CN and sent.lifetime == life
    mn, core, _ = away(choices=Choices(answer_br=lambda s: False))
    assert not events(
        mn.on_receive(core, rx(BindingRequest(), src=CN, dst=MN_HOME), 5000), BindingUpdateSent
    )


def test_returning_home() -> None:
    mn, core, _ = away()
    mn.moved(core, "w0", 5000)
    out = ra(R0_LL, HOME_NET, iface="w0", now=5000, mn=mn, core=core)
    assert mn.at_home and "returned-home" in [e.kind for e in events(out, Note)]
    (sent,) = [e for e in events(out, BindingUpdateSent) if e.destination == HA_ADDR]
    assert sent.coa == MN_HOME and sent.home_reg and sent.ack_requested
    pkt = next(p for p in reversed(core.sent) if p.dst == HA_ADDR)
    assert pkt.src == MN_HOME and HomeAddress(MN_HOME) in options_of(pkt)
    nas = [p.payload for _, p in core.on_link if isinstance(p.payload, NeighborAdvertisement)]
    assert {n.target for n in nas} == {MN_HOME, a("fe80::100"), a("fec0::100")}
    assert all(not n.solicited and n.override for n in nas)
    res = ba(mn, core, sent.seq, now=5100)
    assert "deregistered" in [e.kind for e in events(res, Note)] and mn.ha_reg_expiry is None


def test_output_away_adds_hao_and_multicast_via_ha() -> None:
    mn, core, _ = away()
    out = mn.on_output(core, IPv6Packet(MN_HOME, CN, (), UDP(1, 2)), 10)
    assert (
        isinstance(out, IPv6Packet)
        and out.src == MN_COA
        and options_of(out) == (HomeAddress(MN_HOME),)
    )
    other = IPv6Packet(MN_COA, CN, (), UDP(1, 2))
    assert mn.on_output(core, other, 10) == other
    acts = mn.on_output(core, IPv6Packet(MN_HOME, a("ff0e::5"), (), UDP(1, 2)), 10)
    assert isinstance(acts, list)
    outer = core.sent[-1]
    assert (outer.src, outer.dst) == (MN_COA, HA_ADDR) and outer.payload.src == MN_HOME  # type: ignore[union-attr]
    home_mn, home_core = setup()
    p = IPv6Packet(MN_HOME, CN, (), UDP(1, 2))
    assert home_mn.on_output(home_core, p, 0) == p


def test_bul_expiry_and_same_ha_first() -> None:
    mn, core, out = away()
    ba(mn, core, events(out, BindingUpdateSent)[0].seq, now=10, lifetime=600)
    mn.moved(core, "w1", 2000)
    out = ra(R2_LL, OTHER_NET, iface="w1", now=2000, mn=mn, core=core)
    assert [e.destination for e in events(out, BindingUpdateSent) if e.home_reg][0] == HA_ADDR
    out = mn.on_timer(core, 2000 + 600_000)
    assert any(getattr(e, "op", None) == "delete" for e in out)


def test_tunnelled_router_advertisement_needs_auth() -> None:
    mn, core, _ = away()
    adv = RouterAdvertisement(options=(PrefixInfo(64, True, True, 100, 50, a("2001:db8:11::")),))
    outer = IPv6Packet(HA_ADDR, MN_COA, (), IPv6Packet(a("fe80::1"), a("ff02::1"), (), adv))
    r = rx(src=a("fe80::1"), dst=a("ff02::1"), tunnel_outer=outer, auth=False, payload=adv)
    assert [e.kind for e in mn.on_router_advertisement(core, adv, r, 10)] == ["ra-unauthenticated"]  # type: ignore[union-attr]
    r2 = rx(src=a("fe80::1"), dst=a("ff02::1"), tunnel_outer=outer, auth=True, payload=adv)
    mn.on_router_advertisement(core, adv, r2, 10)
    assert a("2001:db8:11::100") in mn.homes


def test_new_coa_is_not_held_by_the_slow_rate() -> None:
    mn, core, _ = away()
    for t in (1000, 3000, 7000, 15000):
        mn.on_timer(core, t)
    assert mn.bul.get(HA_ADDR, MN_HOME).fast_count == 5  # type: ignore[union-attr]
    assert mn.bul.earliest(HA_ADDR, 16_000) == 25_000  # same CoA: SLOW_UPDATE_RATE (§9.8)
    mn.moved(core, "w1", 16_000)
    out = ra(R2_LL, OTHER_NET, iface="w1", now=16_000, mn=mn, core=core)
    sent = [e for e in events(out, BindingUpdateSent) if e.destination == HA_ADDR]
    assert sent and sent[0].coa == COA3 and not sent[0].retransmission


def test_renumbered_home_registered_when_id_length_zero() -> None:
    mn = MobileNode(
        "mn", DEFAULT, home=MN_HOME, home_prefix=HOME_NET, home_agent=HA_ADDR, id_length=0
    )
    core = FakeCore("mn", addrs={MN_HOME: "w0"})
    mn.moved(core, "w0", 0)
    ra(R1_LL, FOREIGN_NET, mn=mn, core=core)
    adv = RouterAdvertisement(options=(PrefixInfo(64, True, True, 100, 50, a("2001:db8:11::")),))
    outer = IPv6Packet(HA_ADDR, MN_COA, (), IPv6Packet(a("fe80::1"), a("ff02::1"), (), adv))
    r = rx(src=a("fe80::1"), dst=a("ff02::1"), tunnel_outer=outer, auth=True, payload=adv)
    out = mn.on_router_advertisement(core, adv, r, 5000) + mn.on_timer(core, 6000)
    homes = {e.home for e in events(out, BindingUpdateSent)}  # one per second to the HA (§9.8)
    assert a("2001:db8:11::100") in homes and mn.home_prefix.network == a("2001:db8:11::")


def test_return_home_na_repeats() -> None:
    mn, core, _ = away(choices=Choices(na_rexmit=lambda t: 3))
    mn.moved(core, "w0", 5000)
    ra(R0_LL, HOME_NET, iface="w0", now=5000, mn=mn, core=core)
    first = len([p for _, p in core.on_link if isinstance(p.payload, NeighborAdvertisement)])
    for t in range(6000, 12_000, 1000):
        mn.on_timer(core, t)
    total = len([p for _, p in core.on_link if isinstance(p.payload, NeighborAdvertisement)])
    assert first == 3 and total == 3 * (1 + DEFAULT.max_advert_rexmit)


def test_unanswered_dhaad_is_retried_after_its_lifetime() -> None:
    mn, core, out = away(ha=None)
    anycast = home_agents_anycast(HOME_NET)
    first = events(out, BindingUpdateSent)[0]
    assert first.destination == anycast
    sent = []
    while (t := mn.next_deadline()) is not None and t <= 600_000:
        sent += events(mn.on_timer(core, t), BindingUpdateSent)
    assert sent[-1].destination == anycast and not sent[-1].retransmission


def test_binding_request_between_links_waits_for_the_new_coa() -> None:
    mn, core = setup()
    mn.moved(core, "w0", 0)
    out = mn.on_receive(core, rx(BindingRequest(), src=CN, dst=MN_HOME), 0)
    assert not events(out, BindingUpdateSent) and events(out, Note)[0].kind == "br-deferred"
    out = ra(R1_LL, FOREIGN_NET, mn=mn, core=core, now=50)
    (ans,) = [e for e in events(out, BindingUpdateSent) if e.destination == CN]
    assert ans.coa == MN_COA and ans.lifetime == mn.cn_lifetime and not mn.br_waiting


def test_sequence_keeps_increasing_after_the_entry_is_gone() -> None:
    mn, core = setup()
    ra(R0_LL, HOME_NET, mn=mn, core=core)
    (first,) = events(
        mn.on_receive(core, rx(BindingRequest(), src=CN, dst=MN_HOME), 10), BindingUpdateSent
    )
    assert first.lifetime == 0
    mn.on_timer(core, 10)  # Lifetime 0: the BUL entry expires at once
    assert mn.bul.get(CN, MN_HOME) is None
    mn.moved(core, "w0", 2000)
    ra(R1_LL, FOREIGN_NET, mn=mn, core=core, now=2000)
    out = mn.on_receive(core, tunnelled(), 5000)  # type: ignore[arg-type]
    (again,) = [e for e in events(out, BindingUpdateSent) if e.destination == CN]
    assert again.seq == (first.seq + 1) % 65536  # MN-SEQ-INCREASE (§5.1)
