"""Event monitors: a conforming event sequence passes; each planted fault is reported under its ID."""

from __future__ import annotations

from mip6check.model.addr import a
from mip6check.model.config import DEFAULT, Config, RateScope
from mip6check.model.roles.events import (
    BindingAckReceived,
    BindingIgnored,
    BindingProcessed,
    BindingUpdateSent,
    BulEntryView,
    CacheDeleted,
    CacheEntryView,
    CacheUpdated,
    NodeSnapshot,
    RoleEvent,
)
from mip6check.properties.monitors import MonitorSet, check_run

HOME, COA, COA2, HA, CN = (
    a("2001:db8:1::100"),
    a("2001:db8:2::100"),
    a("2001:db8:3::100"),
    a("2001:db8:1::1"),
    a("2001:db8:4::1"),
)


def bu(
    t: int,
    seq: int,
    *,
    retx: bool = False,
    dest: bytes = HA,
    coa: bytes = COA,
    home_reg: bool = True,
) -> tuple[int, RoleEvent]:
    return t, BindingUpdateSent("MN", dest, HOME, coa, seq, 60, home_reg, True, retx)


def ids(log: list[tuple[int, RoleEvent]], cfg: Config = DEFAULT) -> list[str]:
    return [v.property for v in check_run(log, cfg)]


def registration(seq: int, t: int) -> list[tuple[int, RoleEvent]]:
    return [
        (t, BindingProcessed("HA", HOME, COA, seq, 0, True, True)),
        (t, CacheUpdated("HA", HOME, COA, seq, 60, True, seq == 7)),
    ]


def test_conforming_run_has_no_violation() -> None:
    log = [bu(0, 7), bu(1000, 7, retx=True), bu(3000, 7, retx=True), *registration(7, 3000)]
    log += [
        (3001, BindingAckReceived("MN", HA, 7, 0, "ACCEPTED")),
        bu(20000, 8),
        *registration(8, 20000),
    ]
    assert ids(log) == []


def test_backoff_and_retransmission_faults() -> None:
    assert ids([bu(0, 7), bu(1000, 8, retx=True)]) == ["MN-RETX-SAME-SEQ"]
    assert ids([bu(0, 7), bu(1000, 7, retx=True), bu(2000, 7, retx=True)]) == ["MN-BACKOFF"]
    assert ids([bu(0, 7), bu(500, 7, retx=True)]) == ["MN-RATE-LIMIT", "MN-BACKOFF"]


def test_sequence_faults() -> None:
    assert ids([bu(0, 7), bu(5000, 7)]) == ["MN-SEQ-INCREASE"]
    assert ids([bu(0, 65535), bu(5000, 0)]) == []  # the wrap is greater
    log = [
        *registration(7, 0),
        (5000, BindingProcessed("HA", HOME, COA, 7, 0, True, True)),
        (5000, CacheUpdated("HA", HOME, COA, 7, 60, True, False)),
    ]
    assert ids(log) == ["BC-SEQ-MONOTONIC"]


def test_cache_changes_need_a_decided_update() -> None:
    stale = [
        *registration(7, 0),
        (10, BindingIgnored("HA", HOME, 6, "STALE_SEQ")),
        (10, CacheUpdated("HA", HOME, COA2, 8, 60, True, False)),
    ]
    assert ids(stale) == ["BC-STALE-IGNORED"]
    hao_only = [(10, CacheUpdated("CN", HOME, COA2, 8, 60, False, True))]
    assert ids(hao_only) == ["BC-HAO-NO-STATE"]
    wrong_status = [
        (10, BindingProcessed("HA", HOME, COA, 7, 131, True, True)),
        (10, CacheUpdated("HA", HOME, COA, 7, 60, True, True)),
    ]
    assert ids(wrong_status) == ["BC-BA-STATUS"]


def test_eviction_and_infinity() -> None:
    log = [*registration(7, 0), (10, CacheDeleted("HA", HOME, "evict", True))]
    assert ids(log) == ["BC-HOMEREG-NOEVICT"]
    inf = [
        (0, BindingProcessed("CN", HOME, COA, 7, 0, True, True)),
        (0, CacheUpdated("CN", HOME, COA, 7, 0xFFFFFFFF, False, True)),
        (10, CacheDeleted("CN", HOME, "expiry", False)),
    ]
    assert ids(inf) == ["BC-INFINITE"]


def test_home_registration_leaves_only_by_its_lifetime_or_an_update() -> None:
    """BC-HOMEREG-NOEVICT: an ICMP error deletes no home registration (§7.7, §7.8), and "expiry"
    before the Lifetime granted has run out is a removal like any other."""
    granted = [
        (0, BindingProcessed("HA", HOME, COA, 7, 0, True, True)),
        (0, CacheUpdated("HA", HOME, COA, 7, 60, True, True)),
    ]
    assert ids([*granted, (10, CacheDeleted("HA", HOME, "icmp", True))]) == ["BC-HOMEREG-NOEVICT"]
    early = [*granted, (59_000, CacheDeleted("HA", HOME, "expiry", True))]
    # its timer cut short too (BC-EXPIRE's early side)
    assert ids(early) == ["BC-HOMEREG-NOEVICT", "BC-EXPIRE"]
    assert ids([*granted, (60_000, CacheDeleted("HA", HOME, "expiry", True))]) == []
    # a correspondent's entry may go early on an ICMP error (§7.8) and is not a home registration
    cn = [
        (0, BindingProcessed("CN", HOME, COA, 7, 0, True, True)),
        (0, CacheUpdated("CN", HOME, COA, 7, 60, False, True)),
        (10, CacheDeleted("CN", HOME, "icmp", False)),
    ]
    assert ids(cn) == []


def test_correspondent_retransmission_stops_at_cap() -> None:
    t, log = 0, [bu(0, 7, dest=CN, home_reg=False)]
    gap = 1000
    for _ in range(9):
        t += gap
        log.append(bu(t, 7, retx=True, dest=CN, home_reg=False))
        gap = min(gap * 2, 256000)
    assert "MN-CN-RETX-STOP" in ids(log)
    assert "MN-CN-RETX-STOP" not in ids(log[:-1])


def test_retransmission_after_ack_is_flagged() -> None:
    log = [bu(0, 7), (500, BindingAckReceived("MN", HA, 7, 0, "ACCEPTED")), bu(1000, 7, retx=True)]
    assert ids(log) == ["MN-BA-ACCEPTED"]


def test_rate_scope_switch() -> None:
    log = [bu(0, 7, dest=HA), bu(300, 9, dest=CN, home_reg=False)]
    assert ids(log) == []
    assert ids(log, Config(rate_scope=RateScope.AGGREGATE)) == ["MN-RATE-LIMIT"]


def test_slow_rate_after_five_fast_updates() -> None:
    log = [bu(0, 1)] + [bu(2000 * i, 1 + i) for i in range(1, 6)]
    assert "MN-SLOW-RATE" in ids(log)
    ok = [bu(0, 1)] + [bu(2000 * i, 1 + i) for i in range(1, 5)] + [bu(8000 + 10000, 6)]
    assert "MN-SLOW-RATE" not in ids(ok)


def _entry(expiry: int | None, home_reg: bool = True) -> CacheEntryView:
    return CacheEntryView(HOME, COA, 7, expiry, home_reg, 64, 0)


def test_state_invariants() -> None:
    ms = MonitorSet()
    for t, e in registration(7, 0):
        ms.feed(t, e)
    ms.check_state(1000, {"HA": NodeSnapshot("HA", 1000, (_entry(61000), _entry(61000)))})
    ms.check_state(70000, {"HA": NodeSnapshot("HA", 70000, (_entry(61000),))})
    ms.check_state(2000, {"HA": NodeSnapshot("HA", 2000, (_entry(61000, home_reg=False),))})
    assert [v.property for v in ms.violations] == ["BC-UNIQUE", "BC-EXPIRE", "HA-HOMEREG-MARK"]


def test_bul_record_and_home_retransmission() -> None:
    ms = MonitorSet()
    ms.feed(*bu(0, 7))
    bul = BulEntryView(HA, HOME, COA, 7, 60000, True, False, 1000, 1000, 0, 1, False)
    ms.check_state(500, {"MN": NodeSnapshot("MN", 500, bul=(bul,))})
    assert ms.violations == []
    ms.check_state(600, {"MN": NodeSnapshot("MN", 600)})
    ms.check_state(300000, {"MN": NodeSnapshot("MN", 300000, bul=(bul,))})
    assert [v.property for v in ms.violations] == ["MN-BUL-RECORD", "MN-HOME-RETX"]


def test_anycast_answer_settles_the_update() -> None:
    """§8.1: a BU to the Home-Agents anycast address is answered from the home agent's unicast address."""
    anycast = a("2001:db8:1:0:fdff:ffff:ffff:fffe")
    ms = MonitorSet()
    ms.feed(*bu(0, 7, dest=anycast))
    ms.feed(100, BindingAckReceived("MN", HA, 7, 135, "REJECTED"))
    ms.check_state(200, {"MN": NodeSnapshot("MN", 200)})
    assert ms.violations == []


def test_state_breach_reported_once() -> None:
    ms = MonitorSet()
    for t, e in registration(7, 0):
        ms.feed(t, e)
    for now in (70000, 71000, 72000):
        ms.check_state(now, {"HA": NodeSnapshot("HA", now, (_entry(61000),))})
    assert [v.property for v in ms.violations] == ["BC-EXPIRE"]


def test_backoff_held_to_the_slow_rate_is_not_a_violation() -> None:
    """§9.7 and §9.8 together: after five consecutive updates the retransmission waits for the later of
    the back-off timeout and SLOW_UPDATE_RATE; the back-off goes on doubling underneath."""
    log = [bu(0, 1)] + [bu(10000 * i, 1 + i) for i in range(1, 5)]  # five new BUs, 10 s apart
    log += [bu(50000, 6), bu(60000, 6, retx=True), bu(70000, 6, retx=True), bu(80000, 6, retx=True)]
    assert ids(log) == []
    early = (
        [bu(0, 1)]
        + [bu(10000 * i, 1 + i) for i in range(1, 5)]
        + [bu(50000, 6), bu(51000, 6, retx=True)]
    )
    assert set(ids(early)) == {"MN-BACKOFF", "MN-SLOW-RATE"}


def test_run_judges_are_derived_from_the_registry() -> None:
    """The monitor and replay both judge a mobile node's Binding Updates, with the spec's definitions:
    the monitor sees what the role sent even when the link then lost it (replay excuses those)."""
    from mip6check.properties.runjudge import run_judges
    from mip6check.properties.spec import Engine

    for pid in ("MN-BACKOFF", "BC-SEQ-MONOTONIC", "MN-BA-VALIDATE"):
        assert run_judges(pid) == (Engine.MONITOR, Engine.REPLAY)
    # held past its lifetime (snapshots), used past it (the log), and as replay sees it
    assert run_judges("BC-EXPIRE") == (Engine.MONITOR, Engine.LOG, Engine.REPLAY)
    assert run_judges("BC-UNIQUE") == (Engine.MONITOR,)
    assert run_judges("BC-CREATE") == (Engine.REPLAY,)


def test_expiry_judged_from_the_lifetime_granted() -> None:
    """BC-EXPIRE (§4.3, §7.7): the entry granted 60 s at 0 s must be gone by 60 s, whatever expiry
    the node reports about itself (here a node that believes it runs to 600 s)."""
    ms = MonitorSet()
    for t, e in registration(7, 0):
        ms.feed(t, e)
    ms.check_state(59_999, {"HA": NodeSnapshot("HA", 59_999, (_entry(600_000),))})
    assert ms.violations == []
    ms.check_state(60_000, {"HA": NodeSnapshot("HA", 60_000, (_entry(600_000),))})
    assert [v.property for v in ms.violations] == ["BC-EXPIRE"]
    assert "granted (60 s" in ms.violations[0].message


def test_ba_acted_on_only_from_the_peer() -> None:
    """MN-BA-VALIDATE (§9.10): acting on a Binding Acknowledgement whose Sequence Number matches a
    Binding Update sent to another node, or none at all, is a breach; from the peer it is not."""
    ok = [bu(0, 7), (100, BindingAckReceived("MN", HA, 7, 0, "ACCEPTED"))]
    assert ids(ok) == []
    wrong_peer = [bu(0, 7), (100, BindingAckReceived("MN", CN, 7, 0, "ACCEPTED"))]
    assert ids(wrong_peer) == ["MN-BA-VALIDATE"]
    unmatched = [bu(0, 7), (100, BindingAckReceived("MN", HA, 9, 133, "REJECTED"))]
    assert ids(unmatched) == ["MN-BA-VALIDATE"]
    ignored = [bu(0, 7), (100, BindingAckReceived("MN", CN, 9, 0, "IGNORED"))]
    assert ids(ignored) == []


def test_entry_deleted_as_expired_before_its_lifetime() -> None:
    """BC-EXPIRE (§4.3, §7.3, §7.7), the early side: the timer is set to the Lifetime granted, so an
    entry deleted as expired before it ran out was cut short; at the Lifetime it is on time, and a
    replacement (§7.7) is no expiry."""
    granted = [
        (0, BindingProcessed("CN", HOME, COA, 7, 0, True, True)),
        (0, CacheUpdated("CN", HOME, COA, 7, 60, False, True)),
    ]
    early = ids([*granted, (59_000, CacheDeleted("CN", HOME, "expiry", False))])
    assert early == ["BC-EXPIRE"]
    assert ids([*granted, (600, CacheDeleted("CN", HOME, "expiry", False))]) == ["BC-EXPIRE"]
    assert ids([*granted, (60_000, CacheDeleted("CN", HOME, "expiry", False))]) == []
    assert ids([*granted, (10, CacheDeleted("CN", HOME, "evict", False))]) == []
    # a refresh restarts the timer: judged from the last update
    refreshed = [
        *granted,
        (50_000, BindingProcessed("CN", HOME, COA, 8, 0, True, True)),
        (50_000, CacheUpdated("CN", HOME, COA, 8, 60, False, False)),
    ]
    assert ids([*refreshed, (70_000, CacheDeleted("CN", HOME, "expiry", False))]) == ["BC-EXPIRE"]
    assert ids([*refreshed, (110_000, CacheDeleted("CN", HOME, "expiry", False))]) == []


def test_rejecting_acknowledgement_deletes_the_list_entry() -> None:
    """MN-BA-REJECTED (§5.2, §9.10): a Binding Acknowledgement with Status >= 128 acted on deletes the
    Binding Update List entry, whatever the node called it: kept after Status 129, or Status 128
    read as an acceptance (listed, acknowledged), is a breach; deleted, it is not."""
    kept = BulEntryView(HA, HOME, COA, 7, 60000, True, True, 1000, 1000, 0, 1, False)

    def judged(status: int, outcome: str, bul: tuple[BulEntryView, ...]) -> list[str]:
        ms = MonitorSet()
        ms.feed(*bu(0, 7))
        ms.feed(100, BindingAckReceived("MN", HA, 7, status, outcome))
        ms.check_state(200, {"MN": NodeSnapshot("MN", 200, bul=bul)})
        return [v.property for v in ms.violations]

    assert judged(129, "REJECTED", (kept,)) == ["MN-BA-REJECTED"]
    assert judged(128, "ACCEPTED", (kept,)) == ["MN-BA-REJECTED"]
    assert judged(129, "REJECTED", ()) == []
    assert judged(0, "ACCEPTED", (kept,)) == []
    # a new Binding Update to the same node after the rejection (e.g. after 136) is a new entry
    ms = MonitorSet()
    ms.feed(*bu(0, 7))
    ms.feed(1000, BindingAckReceived("MN", HA, 7, 136, "REJECTED"))
    ms.feed(*bu(1000, 8))
    renewed = BulEntryView(HA, HOME, COA, 8, 60000, True, False, 1000, 1000, 0, 1, False)
    ms.check_state(1100, {"MN": NodeSnapshot("MN", 1100, bul=(renewed,))})
    assert ms.violations == []


def test_home_registration_mark_taken_from_the_senders_h_bit() -> None:
    """§8.2: an entry made from an update its sender sent with H must be marked a home registration,
    even when the receiver's own event says otherwise (a fault there must not blind the judge)."""
    ms = MonitorSet()
    for t, e in [
        bu(0, 7),
        (1, BindingProcessed("HA", HOME, COA, 7, 0, True, True)),
        (1, CacheUpdated("HA", HOME, COA, 7, 60, False, True)),  # the receiver's own, unmarked
    ]:
        ms.feed(t, e)
    ms.check_state(2000, {"HA": NodeSnapshot("HA", 2000, (_entry(61000, home_reg=False),))})
    assert [v.property for v in ms.violations] == ["HA-HOMEREG-MARK"]
    clean = MonitorSet()  # the same without H at the sender: nothing to mark
    for t, e in [
        bu(0, 7, home_reg=False),
        (1, BindingProcessed("HA", HOME, COA, 7, 0, True, True)),
        (1, CacheUpdated("HA", HOME, COA, 7, 60, False, True)),
    ]:
        clean.feed(t, e)
    clean.check_state(2000, {"HA": NodeSnapshot("HA", 2000, (_entry(61000, home_reg=False),))})
    assert clean.violations == []
