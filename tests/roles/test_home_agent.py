"""§8 (and §9.6's previous router): home registration, proxy ND, interception, renumbering."""

from __future__ import annotations

import pytest

from mip6check.model.addr import ALL_NODES, a, home_agents_anycast, is_link_local
from mip6check.model.codec import encode_packet
from mip6check.model.codec.values import (
    AH,
    UDP,
    BindingAck,
    BindingUpdate,
    DestUnreachable,
    HomeAddress,
    IPv6Packet,
    NeighborAdvertisement,
    PrefixInfo,
    RouterAdvertisement,
    TargetLLA,
)
from mip6check.model.config import DEFAULT
from mip6check.model.roles.choices import DEFAULT_CHOICES, Choices
from mip6check.model.roles.events import (
    BindingProcessed,
    CacheDeleted,
    CacheUpdated,
    Dropped,
    Intercepted,
)
from mip6check.model.roles.home_agent import HomeAgent
from mip6check.model.roles.previous_router import PreviousRouter
from tests.roles.fakes import (
    FOREIGN_NET,
    HA_ADDR,
    HOME_NET,
    LL_NET,
    MN_COA,
    MN_HOME,
    FakeCore,
    events,
    options_of,
    rx,
)

HA_LL = a("fe80::1")
CN = a("2001:db8:9::9")


def make(capacity: int = 8, choices: Choices = DEFAULT_CHOICES) -> tuple[HomeAgent, FakeCore]:
    ha = HomeAgent("ha", DEFAULT, serving=(HOME_NET,), capacity=capacity, choices=choices)
    core = FakeCore(
        "ha",
        is_router=True,
        addrs={HA_ADDR: "home", HA_LL: "home"},
        prefixes={"home": (HOME_NET, LL_NET)},
    )
    return ha, core


def reg(
    ha: HomeAgent,
    core: FakeCore,
    seq: int = 1,
    now: int = 0,
    *,
    home: bytes = MN_HOME,
    coa: bytes = MN_COA,
    lifetime: int = 100,
    id_length: int = 0,
    dst: bytes = HA_ADDR,
    a_bit: bool = True,
) -> list:  # type: ignore[type-arg]
    b = BindingUpdate(seq, lifetime, a=a_bit, h=True, id_length=id_length)
    return ha.on_receive(core, rx(b, HomeAddress(home), src=coa, dst=dst, hao=home), now)


def status(out: list) -> int:  # type: ignore[type-arg]
    return events(out, BindingProcessed)[0].status  # type: ignore[no-any-return]


def test_registration_accepted_with_gratuitous_na() -> None:
    ha, core = make()
    out = reg(ha, core)
    assert status(out) == 0
    rec = ha.cache.get(MN_HOME)
    assert rec is not None and rec.home_reg and rec.coa == MN_COA
    assert events(out, CacheUpdated)[0].section == "8.2"
    ((iface, na_pkt),) = core.on_link
    na = na_pkt.payload
    assert iface == "home" and na_pkt.dst == ALL_NODES and na_pkt.src == HA_LL
    assert isinstance(na, NeighborAdvertisement) and na.target == MN_HOME
    assert (na.solicited, na.override) == (False, True) and na.options == (
        TargetLLA(core.lla("home")),
    )
    assert ha.proxied() == {MN_HOME: "home"}
    (ba_pkt,) = core.sent
    assert ba_pkt.dst == MN_COA and isinstance(options_of(ba_pkt)[0], BindingAck)
    reg(ha, core, 2, 10)  # an update of an existing registration sends no new NAs
    assert len(core.on_link) == 1


def test_id_length_covers_every_prefix_and_local_scopes() -> None:
    ha, core = make()
    reg(ha, core, id_length=64)
    targets = {p.payload.target for _, p in core.on_link}  # type: ignore[union-attr]
    assert targets == {MN_HOME, a("fe80::100"), a("fec0::100")}
    assert set(ha.proxied()) == targets


@pytest.mark.parametrize(
    ("kw", "code"),
    [({"home": a("2001:db8:7::100")}, 133), ({"id_length": 48}, 136)],
)
def test_rejections(kw: dict, code: int) -> None:  # type: ignore[type-arg]
    ha, core = make()
    out = reg(ha, core, **kw)
    assert status(out) == code and len(ha.cache) == 0 and not core.on_link
    pkt = core.sent[0]
    assert pkt.dst == MN_COA and options_of(pkt)[0].status == code  # type: ignore[union-attr]


def test_dhaad_anycast_is_135_from_unicast() -> None:
    ha, core = make()
    anycast = home_agents_anycast(HOME_NET)
    assert ha.anycast() == (anycast,)
    out = reg(ha, core, dst=anycast)
    assert status(out) == 135 and len(ha.cache) == 0
    assert core.sent[0].src == HA_ADDR and events(out, BindingProcessed)[0].section == "8.1"


def test_full_cache_home_registration_is_131_and_home_entries_never_evicted() -> None:
    ha, core = make(capacity=1)
    reg(ha, core)
    out = reg(ha, core, home=a("2001:db8:1::200"))
    assert status(out) == 131 and ha.cache.get(MN_HOME) is not None
    ha2, core2 = make(capacity=2)
    reg(ha2, core2)
    cn_bu = BindingUpdate(1, 100)
    other, third = a("2001:db8:5::1"), a("2001:db8:5::2")
    ha2.on_receive(core2, rx(cn_bu, HomeAddress(other), src=MN_COA, dst=HA_ADDR, hao=other), 0)
    out = ha2.on_receive(
        core2, rx(cn_bu, HomeAddress(third), src=MN_COA, dst=HA_ADDR, hao=third), 100
    )
    assert events(out, CacheDeleted) == [CacheDeleted("ha", other, "evict", False, "7.7")]
    assert ha2.cache.get(MN_HOME) is not None


def test_deregistration_stops_interception() -> None:
    ha, core = make()
    reg(ha, core)
    out = reg(ha, core, 2, 10, coa=MN_HOME)
    assert status(out) == 0 and events(out, CacheDeleted)[0].section == "8.3"
    assert (
        ha.proxied() == {}
        and ha.intercept(core, IPv6Packet(CN, MN_HOME, (), UDP(1, 2)), "up", 20) is None
    )


def test_intercept_tunnels_to_primary_coa() -> None:
    ha, core = make()
    reg(ha, core)
    inner = IPv6Packet(CN, MN_HOME, (), UDP(1, 2, b"x"), hop_limit=30)
    out = ha.intercept(core, inner, "up", 5)
    assert out is not None and events(out, Intercepted) == [
        Intercepted("ha", MN_HOME, "tunnel", MN_COA, "8.4")
    ]
    outer = core.sent[-1]
    assert (outer.src, outer.dst, outer.headers) == (HA_ADDR, MN_COA, ())
    assert outer.payload == IPv6Packet(CN, MN_HOME, (), UDP(1, 2, b"x"), hop_limit=29)
    assert ha.intercept(core, IPv6Packet(CN, a("2001:db8:1::999"), (), UDP(1, 2)), "up", 5) is None


def test_local_scope_dropped_with_code_3() -> None:
    ha, core = make()
    reg(ha, core, id_length=64)
    n = len(core.sent)
    pkt = IPv6Packet(a("fe80::5"), a("fe80::100"), (), UDP(1, 2))
    out = ha.intercept(core, pkt, "home", 5)
    assert out is not None and events(out, Dropped) and events(out, Intercepted)[0].action == "drop"
    err = core.sent[-1]
    assert (
        isinstance(err.payload, DestUnreachable)
        and err.payload.code == 3
        and err.dst == a("fe80::5")
    )
    assert err.payload.invoking == encode_packet(pkt)
    ha.intercept(core, IPv6Packet(a("ff02::1"), a("fec0::100"), (), UDP(1, 2)), "home", 6)
    assert len(core.sent) == n + 1  # multicast source: no ICMP error


def test_na_retransmissions_and_expiry() -> None:
    ha, core = make(choices=Choices(na_rexmit=lambda addr: 2))
    reg(ha, core, lifetime=5)
    assert ha.next_deadline() == 1000
    ha.on_timer(core, 1000)
    ha.on_timer(core, 2000)
    ha.on_timer(core, 3000)
    assert len(core.on_link) == 3
    out = ha.on_timer(core, 5000)
    assert events(out, CacheDeleted)[0].reason == "expiry" and ha.proxied() == {}


def test_renumbering_tunnels_authenticated_ra() -> None:
    ha, core = make()
    ra = RouterAdvertisement(options=(PrefixInfo(64, True, True, 100, 50, a("2001:db8:11::")),))
    assert ha.advertise_prefixes(core, "home", ra, 0) == []  # nobody away: nothing tunnelled
    reg(ha, core)
    n = len(core.sent)
    ha.advertise_prefixes(core, "home", ra, 10)
    (outer,) = core.sent[n:]
    inner = outer.payload
    assert outer.dst == MN_COA and isinstance(inner, IPv6Packet) and inner.payload == ra
    assert any(isinstance(h, AH) for h in inner.headers) and is_link_local(inner.src)
    assert inner.hop_limit == 255  # originated by the HA: valid for ND at the mobile node


def test_previous_router_serves_old_coa() -> None:
    pr = PreviousRouter("pr", DEFAULT)
    router = a("2001:db8:2::1")
    core = FakeCore("pr", is_router=True, addrs={router: "f"}, prefixes={"f": (FOREIGN_NET,)})
    new_coa = a("2001:db8:3::100")
    out = pr.on_receive(
        core,
        rx(
            BindingUpdate(1, 30, a=True, h=True),
            HomeAddress(MN_COA),
            src=new_coa,
            dst=router,
            hao=MN_COA,
        ),
        0,
    )
    assert status(out) == 0 and pr.anycast() == ()
    got = pr.intercept(core, IPv6Packet(a("2001:db8:9::9"), MN_COA, (), UDP(1, 2)), "up", 1)
    assert got is not None and core.sent[-1].dst == new_coa


def test_configured_anycast_switch() -> None:
    cfg = DEFAULT.with_switches(ha_anycast=a("2001:db8:1::fe"))
    ha = HomeAgent("ha", cfg, serving=(HOME_NET,))
    core = FakeCore("ha", is_router=True, addrs={HA_ADDR: "home"}, prefixes={"home": (HOME_NET,)})
    assert ha.anycast() == (a("2001:db8:1::fe"),)
    out = reg(ha, core, dst=a("2001:db8:1::fe"))
    assert status(out) == 135 and core.sent[0].src == HA_ADDR
    assert status(reg(ha, core, dst=home_agents_anycast(HOME_NET))) == 0  # not this node's anycast


def test_registration_after_expiry_is_new_again() -> None:
    ha, core = make()
    reg(ha, core, lifetime=5)
    out = reg(ha, core, 2, 5000)  # the old entry ran out at 5000: a new registration, new NAs
    assert events(out, CacheDeleted)[0].reason == "expiry" and events(out, CacheUpdated)[0].created
    assert len(core.on_link) == 2
