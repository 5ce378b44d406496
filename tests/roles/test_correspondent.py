"""§7: correspondent node behaviour, driven with hand-built Received values and explicit time."""

from __future__ import annotations

import pytest

from mip6check.model.addr import a
from mip6check.model.codec import encode_packet
from mip6check.model.codec.values import (
    AH,
    UDP,
    BindingAck,
    BindingRequest,
    BindingUpdate,
    DestUnreachable,
    HomeAddress,
    IPv6Packet,
    MalformedOption,
    NoNextHeader,
    Routing0,
)
from mip6check.model.config import DEFAULT, BuCLength, SeqHalf
from mip6check.model.roles.choices import Choices
from mip6check.model.roles.correspondent import Correspondent
from mip6check.model.roles.events import (
    BindingIgnored,
    BindingProcessed,
    CacheDeleted,
    CacheUpdated,
    Delivered,
    Note,
)
from tests.roles.fakes import CN_ADDR, MN_COA, MN_HOME, FakeCore, events, options_of, rx

COA2 = a("2001:db8:5::100")


def bu(seq: int, lifetime: int = 60, **kw: object) -> BindingUpdate:
    return BindingUpdate(seq, lifetime, **kw)  # type: ignore[arg-type]


def send_bu(
    cn: Correspondent,
    core: FakeCore,
    b: BindingUpdate | MalformedOption,
    now: int = 0,
    *,
    home: bytes | None = MN_HOME,
    src: bytes = MN_COA,
    auth: bool = True,
    lengths: tuple[int, ...] = (),
    payload: object = None,
) -> list:  # type: ignore[type-arg]
    opts = (b, HomeAddress(home)) if home is not None else (b,)
    ls = lengths + (16,) if lengths and home is not None else lengths
    return cn.on_receive(
        core, rx(*opts, src=src, dst=CN_ADDR, hao=home, auth=auth, lengths=ls, payload=payload), now
    )  # type: ignore[arg-type]


@pytest.fixture
def env() -> tuple[Correspondent, FakeCore]:
    return Correspondent("cn", DEFAULT), FakeCore("cn", addrs={CN_ADDR: "if0"})


def test_hao_alone_never_touches_cache(env: tuple[Correspondent, FakeCore]) -> None:
    cn, core = env
    out = cn.on_receive(
        core,
        rx(
            HomeAddress(MN_HOME),
            src=MN_COA,
            dst=CN_ADDR,
            hao=MN_HOME,
            payload=UDP(1, 2, b"\0\0\0\7"),
        ),
        0,
    )
    assert len(cn.cache) == 0 and not core.sent
    assert events(out, Delivered) == [Delivered("cn", MN_HOME, CN_ADDR, "direct", 7)]


def test_valid_bu_creates_and_acks_via_routing_header(env: tuple[Correspondent, FakeCore]) -> None:
    cn, core = env
    out = send_bu(cn, core, bu(7, 60, a=True), 1000)
    rec = cn.cache.get(MN_HOME)
    assert rec is not None and rec.coa == MN_COA and rec.seq == 7 and rec.expiry == 61_000
    assert events(out, CacheUpdated)[0].created
    (bp,) = events(out, BindingProcessed)
    assert (
        bp.node,
        bp.home,
        bp.coa,
        bp.seq,
        bp.status,
        bp.cache_changed,
        bp.ack_sent,
        bp.section,
    ) == ("cn", MN_HOME, MN_COA, 7, 0, True, True, "7.5")
    (pkt,) = core.sent
    assert pkt.dst == MN_COA and pkt.src == CN_ADDR and isinstance(pkt.payload, NoNextHeader)
    assert isinstance(pkt.headers[0], Routing0) and pkt.headers[0].addresses == (MN_HOME,)
    assert any(isinstance(h, AH) for h in pkt.headers)
    (ba,) = options_of(pkt)
    assert isinstance(ba, BindingAck) and ba.status == 0 and ba.seq == 7 and ba.lifetime == 60
    encode_packet(pkt)


def test_care_of_field_wins_over_source(env: tuple[Correspondent, FakeCore]) -> None:
    cn, core = env
    send_bu(cn, core, bu(1, c=True, care_of=COA2))
    rec = cn.cache.get(MN_HOME)
    assert rec is not None and rec.coa == COA2


@pytest.mark.parametrize(
    ("kw", "reason"),
    [
        ({"auth": False}, "NO_AUTH"),
        ({"home": None}, "NO_HAO"),
        ({"lengths": (7,)}, "TOO_SHORT"),
    ],
)
def test_silent_discards(env: tuple[Correspondent, FakeCore], kw: dict, reason: str) -> None:  # type: ignore[type-arg]
    cn, core = env
    out = send_bu(cn, core, bu(1, a=True), payload=UDP(1, 2, b"x"), **kw)
    assert [e.reason for e in events(out, BindingIgnored)] == [reason]
    assert events(out, BindingIgnored)[0].section == "7.2"
    assert not core.sent and len(cn.cache) == 0 and not events(out, Delivered)


def test_malformed_bu_is_too_short(env: tuple[Correspondent, FakeCore]) -> None:
    cn, core = env
    out = send_bu(cn, core, MalformedOption(195, "BU", b"\x80\0\0", "short"))
    assert [e.reason for e in events(out, BindingIgnored)] == ["TOO_SHORT"]


def test_c_bit_length_switch() -> None:
    b = BindingUpdate(1, 60, a=True, c=True, care_of=None, ext=bytes(8))
    for cfg, expect in (
        (DEFAULT, "TOO_SHORT"),
        (DEFAULT.with_switches(bu_c_length=BuCLength.LITERAL), None),
    ):
        cn, core = Correspondent("cn", cfg), FakeCore(addrs={CN_ADDR: "if0"})
        out = send_bu(cn, core, b, lengths=(16,))
        got = [e.reason for e in events(out, BindingIgnored)]
        assert got == ([expect] if expect else [])
        if expect is None:
            rec = cn.cache.get(MN_HOME)
            assert rec is not None and rec.coa == MN_COA  # no CoA field: the Source Address


@pytest.mark.parametrize(
    ("half", "new", "ok"),
    [
        (SeqHalf.ACCEPT, 16, True),
        (SeqHalf.ACCEPT, 32783, True),
        (SeqHalf.ACCEPT, 14, False),
        (SeqHalf.ACCEPT, 15, False),
        (SeqHalf.ACCEPT, 32784, False),
        (SeqHalf.REJECT, 32783, False),
        (SeqHalf.REJECT, 32782, True),
        (SeqHalf.REJECT, 16, True),
        (SeqHalf.REJECT, 14, False),
    ],
)
def test_sequence_conformance_pairs(half: SeqHalf, new: int, ok: bool) -> None:
    cn, core = (
        Correspondent("cn", DEFAULT.with_switches(seq_half=half)),
        FakeCore(addrs={CN_ADDR: "if0"}),
    )
    send_bu(cn, core, bu(15))
    out = send_bu(cn, core, bu(new, c=True, care_of=COA2), 10)
    rec = cn.cache.get(MN_HOME)
    assert rec is not None
    assert (rec.seq, rec.coa) == ((new, COA2) if ok else (15, MN_COA))
    assert bool(events(out, BindingIgnored)) is not ok
    if not ok:
        assert events(out, BindingIgnored)[0].reason == "STALE_SEQ"


@pytest.mark.parametrize(("stored", "new"), [(65535, 0), (65000, 100), (0, 32767)])
def test_sequence_wrap(stored: int, new: int) -> None:
    cn, core = Correspondent("cn", DEFAULT), FakeCore(addrs={CN_ADDR: "if0"})
    send_bu(cn, core, bu(stored))
    send_bu(cn, core, bu(new), 5)
    assert cn.cache.get(MN_HOME).seq == new  # type: ignore[union-attr]


def test_equal_sequence_reack_switch() -> None:
    cfg = DEFAULT.with_switches(seq_equal_ack=True)
    cn, core = Correspondent("cn", cfg), FakeCore(addrs={CN_ADDR: "if0"})
    send_bu(cn, core, bu(5, a=True))
    out = send_bu(cn, core, bu(5, a=True), 100)
    assert len(core.sent) == 2 and events(out, BindingProcessed)[0].cache_changed is False
    assert not events(out, BindingIgnored)


@pytest.mark.parametrize("kw", [{"lifetime": 0}, {"c": True, "care_of": MN_HOME}])
def test_delete_requests(env: tuple[Correspondent, FakeCore], kw: dict) -> None:  # type: ignore[type-arg]
    cn, core = env
    send_bu(cn, core, bu(1))
    b = BindingUpdate(
        2, kw.get("lifetime", 60), a=True, c=kw.get("c", False), care_of=kw.get("care_of")
    )
    out = send_bu(cn, core, b, 5)
    assert cn.cache.get(MN_HOME) is None
    assert events(out, CacheDeleted) == [CacheDeleted("cn", MN_HOME, "bu", False, "7.4")]
    pkt = core.sent[-1]
    assert pkt.dst == (MN_COA if not kw.get("c") else MN_HOME)  # B8: the BU's care-of address
    assert events(out, BindingProcessed)[0].status == 0


def test_home_registration_at_plain_node_is_132(env: tuple[Correspondent, FakeCore]) -> None:
    cn, core = env
    send_bu(cn, core, bu(1, 100))
    out = send_bu(cn, core, bu(2, 60, a=True, h=True, c=True, care_of=COA2), 5)
    assert (
        events(out, BindingProcessed)[0].status == 132
        and not events(out, BindingProcessed)[0].cache_changed
    )
    rec = cn.cache.get(MN_HOME)
    assert rec is not None and rec.coa == MN_COA and rec.seq == 1  # BC-REJECT-NO-CACHE
    pkt = core.sent[-1]
    assert pkt.dst == COA2 and isinstance(
        pkt.payload, NoNextHeader
    )  # via the BU's CoA, not the cache
    assert options_of(pkt)[0].status == 132  # type: ignore[union-attr]


def test_will_create_declined_is_131() -> None:
    cn = Correspondent("cn", DEFAULT, choices=Choices(will_create=lambda h: False))
    core = FakeCore(addrs={CN_ADDR: "if0"})
    out = send_bu(cn, core, bu(1, a=True))
    assert events(out, BindingProcessed)[0].status == 131 and len(cn.cache) == 0


def test_lru_replacement_spares_recent() -> None:
    cn, core = Correspondent("cn", DEFAULT, capacity=2), FakeCore(addrs={CN_ADDR: "if0"})
    h1, h2, h3 = a("2001:db8:1::1"), a("2001:db8:1::2"), a("2001:db8:1::3")
    send_bu(cn, core, bu(1), 0, home=h1)
    send_bu(cn, core, bu(1), 10, home=h2)
    cn.cache.lookup(h1, 20)  # h1 in use: h2 is least recently used
    out = send_bu(cn, core, bu(1), 30, home=h3)
    assert events(out, CacheDeleted) == [CacheDeleted("cn", h2, "evict", False, "7.7")]
    assert {r.home for r in cn.cache.records()} == {h1, h3}


def test_granted_lifetime_choice_and_expiry(env: tuple[Correspondent, FakeCore]) -> None:
    cn = Correspondent("cn", DEFAULT, choices=Choices(grant_lifetime=lambda req, h: 10))
    core = FakeCore(addrs={CN_ADDR: "if0"})
    send_bu(cn, core, bu(1, 600, a=True))
    assert options_of(core.sent[0])[0].lifetime == 10  # type: ignore[union-attr]
    assert cn.next_deadline() == 10_000
    assert cn.on_timer(core, 9_999) == []
    assert cn.on_timer(core, 10_000) == [CacheDeleted("cn", MN_HOME, "expiry", False, "4.3")]


def test_infinite_lifetime_never_expires(env: tuple[Correspondent, FakeCore]) -> None:
    cn, core = env
    send_bu(cn, core, bu(1, 0xFFFFFFFF))
    assert cn.next_deadline() is None and cn.on_timer(core, 10**12) == []


def test_output_uses_routing_header_and_binding_request(
    env: tuple[Correspondent, FakeCore],
) -> None:
    cn, core = env
    send_bu(cn, core, bu(1, 60))
    pkt = IPv6Packet(CN_ADDR, MN_HOME, (), UDP(1, 2, b"data"))
    out = cn.on_output(core, pkt, 1000)
    assert isinstance(out, IPv6Packet) and out.dst == MN_COA
    assert out.headers[0] == Routing0(1, (MN_HOME,)) and not options_of(out)
    acts = cn.on_output(core, pkt, 55_000)  # 5 s left < br_threshold
    assert isinstance(acts, list) and events(acts, Note)[0].kind == "binding-request"
    assert any(isinstance(o, BindingRequest) for o in options_of(core.sent[-1]))
    again = cn.on_output(core, pkt, 56_000)  # rate-limited (br_min_interval)
    assert isinstance(again, IPv6Packet) and not options_of(again)
    nobr = Correspondent("cn", DEFAULT, choices=Choices(send_br=lambda h: False))
    send_bu(nobr, core, bu(1, 60))
    assert isinstance(nobr.on_output(core, pkt, 55_000), IPv6Packet)
    assert cn.on_output(core, IPv6Packet(CN_ADDR, CN_ADDR, (), UDP(1, 2)), 0) == IPv6Packet(
        CN_ADDR, CN_ADDR, (), UDP(1, 2)
    )


def test_persistent_unreachable_deletes_binding(env: tuple[Correspondent, FakeCore]) -> None:
    cn, core = env
    send_bu(cn, core, bu(1, 600))
    sent = cn.on_output(core, IPv6Packet(CN_ADDR, MN_HOME, (), UDP(1, 2)), 10)
    assert isinstance(sent, IPv6Packet)
    err = DestUnreachable(3, encode_packet(sent))
    r = rx(src=a("2001:db8:2::1"), dst=CN_ADDR)
    assert cn.on_icmp_error(core, err, r, 20) == []
    assert cn.on_icmp_error(core, err, r, 30) == []
    assert cn.on_icmp_error(core, err, r, 40) == [CacheDeleted("cn", MN_HOME, "icmp", False, "7.8")]
