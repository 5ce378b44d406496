"""Replay judges of §5.2 (the granted Lifetime renewed in time, Refresh equal to Lifetime at a node that
is not the home agent) and §9.5 (the care-of address of a Binding Update is one in use): each broken on
purpose in a capture built here with the codec, next to the conforming variant that must stay clean."""

from __future__ import annotations

from pathlib import Path

import pytest

from mip6check.model.addr import a
from mip6check.model.codec import (
    AH,
    UDP,
    BindingAck,
    BindingRequest,
    HomeAddress,
    IPv6Packet,
    NoNextHeader,
    RouterSolicitation,
    Routing0,
    bu,
    dest_options,
    encode_packet,
)
from mip6check.model.codec.pcap import PcapWriter
from mip6check.properties.engines import load
from mip6check.properties.replay import ReplayOptions, replay_file
from mip6check.properties.spec import Engine, engines_of, obligation
from mip6check.properties.spec.lifetimes import (
    coa_unusable,
    extends_remaining,
    lapsed,
    renewal_deadline,
)

HA = a("2001:db8:1::1")
HOME = a("2001:db8:1::100")
HOME2 = a("2001:db8:1::200")
COA1 = a("2001:db8:2::100")
COA2 = a("2001:db8:3::100")
COA_OTHER = a("2001:db8:2::200")
CN = a("2001:db8:4::5")
ICV = bytes(12)

Packets = list[tuple[int, IPv6Packet]]


def bu_pkt(
    src: bytes,
    dst: bytes,
    seq: int,
    lifetime: int,
    *,
    home: bytes = HOME,
    h: bool = False,
    care_of: bytes | None = None,
) -> IPv6Packet:
    opt = bu(seq, lifetime, a=True, h=h, care_of=care_of, id_length=64 if h else 0)
    return IPv6Packet(
        src, dst, (AH(0x100, seq, ICV), dest_options(opt, HomeAddress(home))), NoNextHeader()
    )


def ba_pkt(
    src: bytes,
    coa: bytes,
    seq: int,
    lifetime: int,
    refresh: int | None = None,
    *,
    status: int = 0,
    home: bytes = HOME,
) -> IPv6Packet:
    ba = BindingAck(status, seq, lifetime, lifetime if refresh is None else refresh)
    hs = (Routing0(1, (home,)), AH(0x200, seq, ICV), dest_options(ba))
    return IPv6Packet(src, coa, hs, NoNextHeader())


def data(src: bytes, dst: bytes, n: int, home: bytes = HOME) -> IPv6Packet:
    return IPv6Packet(
        src, dst, (dest_options(HomeAddress(home)),), UDP(5000, 7, f"payload {n}".encode())
    )


def replay(tmp_path: Path, packets: Packets) -> list[tuple[str, int]]:
    path = tmp_path / "capture.pcap"
    with path.open("wb") as f:
        w = PcapWriter(f, linktype=229)
        for t, pkt in packets:
            w.write(encode_packet(pkt), time_ms=1_000_000 + t)
    rep = replay_file(str(path), ReplayOptions())
    return sorted((v.property, v.packet) for v in rep.violations)


def registered(lifetime: int = 10, refresh: int | None = None) -> Packets:
    """A home registration acknowledged at 2 ms with `lifetime` seconds granted."""
    return [
        (0, bu_pkt(COA1, HA, 7, lifetime, h=True)),
        (2, ba_pkt(HA, COA1, 7, lifetime, refresh)),
    ]


# ------------------------------------------------------------ MN-HOMEREG-RENEW (§5.2)


def test_spec_deadline_and_lapse() -> None:
    assert renewal_deadline(2, 10) == 10_002
    assert renewal_deadline(2, 0) is None and renewal_deadline(2, 0xFFFFFFFF) is None
    assert not lapsed(10_002, 10_052, 50) and lapsed(10_002, 10_053, 50)
    ob = obligation("MN-HOMEREG-RENEW")
    assert ob.bound is not None and ob.bound.switch == "expiry_tolerance"
    load(runs_only=True)
    for pid in ("MN-HOMEREG-RENEW", "BC-BA-REFRESH", "MN-COA-IN-USE", "MN-BR-LIFETIME"):
        assert Engine.REPLAY in engines_of(pid)


def only(pid: str, got: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return [v for v in got if v[0] == pid]


def test_service_used_after_the_granted_lifetime_without_renewal(tmp_path: Path) -> None:
    got = replay(tmp_path, [*registered(), (5_000, data(COA1, CN, 1)), (12_000, data(COA1, CN, 2))])
    assert got == [("MN-HOMEREG-RENEW", 4), ("MN-REFRESH", 4)]  # Refresh = Lifetime here


def test_renewed_before_the_lifetime_ends_is_clean(tmp_path: Path) -> None:
    packets = [
        *registered(),
        (9_000, bu_pkt(COA1, HA, 8, 10, h=True)),
        (9_002, ba_pkt(HA, COA1, 8, 10)),
        (12_000, data(COA1, CN, 2)),
        (18_000, data(COA1, CN, 3)),
    ]
    assert replay(tmp_path, packets) == []


def test_the_renewal_due_again_after_the_renewed_lifetime(tmp_path: Path) -> None:
    packets = [
        *registered(),
        (9_000, bu_pkt(COA1, HA, 8, 10, h=True)),
        (9_002, ba_pkt(HA, COA1, 8, 10)),
        (19_100, data(COA1, CN, 3)),
    ]
    assert only("MN-HOMEREG-RENEW", replay(tmp_path, packets)) == [("MN-HOMEREG-RENEW", 5)]


def test_renewal_bound_is_the_granted_lifetime_not_the_requested(tmp_path: Path) -> None:
    """The home agent grants 5 s of the 10 requested: service used at 6 s breaks the MUST."""
    packets = [
        (0, bu_pkt(COA1, HA, 7, 10, h=True)),
        (2, ba_pkt(HA, COA1, 7, 5)),
        (6_000, data(COA1, CN, 1)),
    ]
    assert only("MN-HOMEREG-RENEW", replay(tmp_path, packets)) == [("MN-HOMEREG-RENEW", 3)]


@pytest.mark.parametrize(
    ("t", "flagged"),
    [(10_002, False), (10_052, False), (10_053, True)],
    ids=["at-expiry", "within-clock-tolerance", "past-it"],
)
def test_the_bound_is_the_lifetime_plus_tolerance(tmp_path: Path, t: int, flagged: bool) -> None:
    got = only("MN-HOMEREG-RENEW", replay(tmp_path, [*registered(), (t, data(COA1, CN, 1))]))
    assert got == ([("MN-HOMEREG-RENEW", 3)] if flagged else [])


def test_not_judged_without_evidence(tmp_path: Path) -> None:
    """Infinite Lifetime, a de-registration, the node sending from another care-of address (it moved: a
    renewal from there may be unseen), or no packet as the home address: nothing to flag."""
    later = (30_000, data(COA1, CN, 1))
    assert replay(tmp_path, [*registered(0xFFFFFFFF), later]) == []
    dereg = [(5_000, bu_pkt(HOME, HA, 8, 0, h=True)), (5_002, ba_pkt(HA, HOME, 8, 0))]
    assert replay(tmp_path, [*registered(), *dereg, later]) == []
    assert replay(tmp_path, [*registered(), (30_000, data(COA2, CN, 1))]) == []
    to_home = IPv6Packet(CN, HOME, (), UDP(7, 5000, b"reply"))
    assert replay(tmp_path, [*registered(), (30_000, to_home)]) == []


# ------------------------------------------------------------ MN-REFRESH (§5.2)


def test_home_agent_refresh_period_not_kept(tmp_path: Path) -> None:
    """Lifetime 60 s, Refresh 10 s: service used at 12 s without a new update breaks the SHOULD only."""
    got = replay(tmp_path, [*registered(60, refresh=10), (12_000, data(COA1, CN, 1))])
    assert got == [("MN-REFRESH", 3)]


def test_home_agent_refresh_period_kept(tmp_path: Path) -> None:
    packets = [
        *registered(60, refresh=10),
        (9_000, bu_pkt(COA1, HA, 8, 60, h=True)),
        (9_002, ba_pkt(HA, COA1, 8, 60, 10)),
        (12_000, data(COA1, CN, 1)),
    ]
    assert replay(tmp_path, packets) == []


def test_correspondent_refresh_not_judged(tmp_path: Path) -> None:
    """A mobile node may let a correspondent's binding go (§9.5): its packets show no need."""
    packets = [
        (0, bu_pkt(COA1, CN, 1, 10)),
        (3, ba_pkt(CN, COA1, 1, 10)),
        (12_000, data(COA1, CN, 1)),
    ]
    assert replay(tmp_path, packets) == []


# ------------------------------------------------------------ BC-BA-REFRESH (§5.2)


def test_correspondent_refresh_differs_from_lifetime(tmp_path: Path) -> None:
    packets = [(0, bu_pkt(COA1, CN, 1, 30)), (3, ba_pkt(CN, COA1, 1, 30, 10))]
    assert replay(tmp_path, packets) == [("BC-BA-REFRESH", 2)]


def test_refresh_free_at_a_home_agent_and_equal_at_a_correspondent(tmp_path: Path) -> None:
    packets = [
        *registered(60, refresh=20),
        (1_000, bu_pkt(COA1, CN, 1, 30)),
        (1_003, ba_pkt(CN, COA1, 1, 30)),
    ]
    assert replay(tmp_path, packets) == []


# ------------------------------------------------------------ MN-COA-IN-USE (§9.5)


@pytest.mark.parametrize(
    "bad",
    [a("ff02::1"), bytes(16), a("::1")],
    ids=["multicast", "unspecified", "loopback"],
)
def test_care_of_address_no_node_can_use(tmp_path: Path, bad: bytes) -> None:
    assert coa_unusable(bad) is not None
    packets = [(0, bu_pkt(COA1, CN, 1, 30, care_of=bad)), (3, ba_pkt(CN, COA1, 1, 30))]
    assert ("MN-COA-IN-USE", 1) in replay(tmp_path, packets)


def test_care_of_address_another_node_is_using(tmp_path: Path) -> None:
    packets = [
        (0, bu_pkt(COA_OTHER, CN, 9, 30, home=HOME2)),  # another mobile node's update from there
        (10, bu_pkt(COA1, HA, 7, 60, h=True, care_of=COA_OTHER)),
        (500, bu_pkt(COA1, CN, 1, 30)),
        (503, ba_pkt(CN, COA1, 1, 30)),
        (1_500, bu_pkt(COA1, HA, 8, 60, h=True, care_of=CN)),  # the correspondent's own address
    ]
    assert replay(tmp_path, packets) == [("MN-COA-IN-USE", 2), ("MN-COA-IN-USE", 5)]


def test_care_of_address_in_use_is_clean(tmp_path: Path) -> None:
    """A Care-of Address field naming an address the node sends from, one the capture never showed,
    its home address (return home), or the source itself: nothing to flag."""
    packets = [
        (0, data(COA2, CN, 1)),
        (10, bu_pkt(COA1, HA, 7, 60, h=True, care_of=COA2)),
        (12, ba_pkt(HA, COA2, 7, 60)),
        (2_000, bu_pkt(COA1, CN, 1, 30, care_of=a("2001:db8:7::100"))),
        (4_000, bu_pkt(COA1, HA, 8, 0, h=True, care_of=HOME)),
        (4_002, ba_pkt(HA, COA1, 8, 0)),
        (6_000, bu_pkt(COA_OTHER, CN, 2, 30, care_of=COA_OTHER)),
    ]
    assert replay(tmp_path, packets) == []


# ------------------------------------------------------------ MN-BR-LIFETIME (§9.11)


def br_pkt(src: bytes, coa: bytes) -> IPv6Packet:
    hs = (Routing0(1, (HOME,)), AH(0x400, 1, ICV), dest_options(BindingRequest()))
    return IPv6Packet(src, coa, hs, NoNextHeader())


def test_spec_extends_remaining() -> None:
    assert extends_remaining(0, 60, 20_000, 41) and not extends_remaining(0, 60, 20_000, 40)
    assert extends_remaining(0, 60, 20_000, 0xFFFFFFFF)
    assert not extends_remaining(0, 0xFFFFFFFF, 20_000, 600)
    assert extends_remaining(0, 0xFFFFFFFF, 20_000, 0xFFFFFFFF)


@pytest.mark.parametrize(
    ("lifetime", "flagged"),
    [(30, True), (40, True), (41, False), (0, False), (0xFFFFFFFF, False)],
    ids=["shorter", "same-end", "extends", "private-zero", "infinite"],
)
def test_binding_request_answer_extends_the_lifetime(
    tmp_path: Path, lifetime: int, flagged: bool
) -> None:
    packets = [
        (0, bu_pkt(COA1, CN, 5, 60)),
        (3, ba_pkt(CN, COA1, 5, 60)),
        (20_000, br_pkt(CN, COA1)),
        (20_000, bu_pkt(COA1, CN, 6, lifetime)),
    ]
    got = [v for v in replay(tmp_path, packets) if v[0] == "MN-BR-LIFETIME"]
    assert got == ([("MN-BR-LIFETIME", 4)] if flagged else [])


def test_update_without_a_request_is_not_judged(tmp_path: Path) -> None:
    packets = [(0, bu_pkt(COA1, CN, 5, 60)), (3, ba_pkt(CN, COA1, 5, 60))]
    packets += [(20_000, bu_pkt(COA1, CN, 6, 10)), (20_003, ba_pkt(CN, COA1, 6, 10))]
    assert replay(tmp_path, packets) == []


# ------------------------------------------------------------ W-AUTOCONF-LLSRC (§9.3)


@pytest.mark.parametrize(
    ("src", "flagged"),
    [(HOME, True), (COA1, True), (a("fe80::100"), False), (bytes(16), False)],
    ids=["home", "care-of", "link-local", "unspecified"],
)
def test_router_solicitation_source(tmp_path: Path, src: bytes, flagged: bool) -> None:
    rs = IPv6Packet(src, a("ff02::2"), (), RouterSolicitation(), hop_limit=255)
    got = replay(tmp_path, [*registered(60), (5_000, rs)])
    assert got == ([("W-AUTOCONF-LLSRC", 3)] if flagged else [])


# ------------------------------------------------------------ MN-HOMEREG-DEST (§5.1)


@pytest.mark.parametrize(
    ("dst", "home", "flagged"),
    [
        (HA, HOME, False),
        (a("2001:db8:1:0:fdff:ffff:ffff:fffe"), HOME, False),  # Home-Agents anycast (§8.1)
        (a("2001:db8:2::1"), COA1, False),  # §9.6: the previous router, home = old care-of
        (CN, HOME, True),
        (HA, a("2001:db8:9::100"), True),
    ],
    ids=["home-agent", "anycast", "previous-router", "correspondent", "off-link-home"],
)
def test_home_registration_destination(
    tmp_path: Path, dst: bytes, home: bytes, flagged: bool
) -> None:
    src = COA2 if home == COA1 else COA1
    got = only(
        "MN-HOMEREG-DEST", replay(tmp_path, [(0, bu_pkt(src, dst, 7, 60, h=True, home=home))])
    )
    assert got == ([("MN-HOMEREG-DEST", 1)] if flagged else [])
