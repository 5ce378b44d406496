"""The spec registry and the spec's own definitions of the draft's decisions (properties/spec)."""

from __future__ import annotations

import itertools

import pytest
import z3

from mip6check.model.config import DEFAULT, SeqHalf
from mip6check.properties import spec
from mip6check.properties.catalog import CATALOG, UnknownPropertyError
from mip6check.properties.smt.z3logic import Z3
from mip6check.properties.spec import PY, Engine, Observes, RegistryError
from mip6check.properties.spec.binding_cache import (
    CacheChange,
    Check72,
    Received,
    Room,
    check_72,
    decide,
)
from mip6check.properties.spec.home_agent import HomeAgentView
from mip6check.properties.spec.mobile_node import BAAction, ba_acceptable, ba_action, backoff_after
from mip6check.properties.spec.wire import Status, greater, ran_out


def test_every_catalog_row_registered_once() -> None:
    assert spec.unregistered() == []
    ids = [o.id for o in spec.obligations()]
    assert ids == list(CATALOG)
    with pytest.raises(RegistryError):
        spec.register("BC-UNIQUE", Observes.INVARIANT)
    with pytest.raises(UnknownPropertyError):
        spec.obligation("BC-NOPE")


def test_absences_have_bounds_that_resolve() -> None:
    for o in spec.obligations():
        assert (o.observes is Observes.ABSENCE) == (o.bound is not None), o.id
        if o.bound is not None:
            assert o.bound.ms(DEFAULT) >= 0
    b = spec.obligation("MN-HOME-RETX").bound
    assert b is not None and b.ms(DEFAULT.with_switches(max_bindack_timeout=64_000)) == 64_000
    assert spec.obligation("BC-BA-ON-A").bound.ms(DEFAULT, spec.Deadlines(ack_timeout=7)) == 7  # type: ignore[union-attr]


def test_engines_are_derived_from_declarations() -> None:
    saved = dict(spec.registry._JUDGES)
    spec.registry._JUDGES.pop(Engine.SMT, None)
    try:
        mine = spec.declare(Engine.SMT, ("SPEC-SEQ-HALF", "BC-UNIQUE"))
        assert mine == ("BC-UNIQUE", "SPEC-SEQ-HALF")  # catalog order
        assert Engine.SMT in spec.engines_of("BC-UNIQUE")
        assert spec.judged_by(Engine.SMT) == mine
        with pytest.raises(RegistryError):
            spec.declare(Engine.SMT, ("BC-UNIQUE",))
        with pytest.raises(UnknownPropertyError):
            spec.declare(Engine.LOG, ("NOPE-1",))
    finally:
        spec.registry._JUDGES.clear()
        spec.registry._JUDGES.update(saved)


@pytest.mark.parametrize(
    ("a", "b", "half", "want"),
    [
        (1, 0, SeqHalf.REJECT, True),
        (0, 65535, SeqHalf.REJECT, True),  # a valid wrap
        (0, 32768, SeqHalf.REJECT, False),  # distance exactly 2^15
        (0, 32768, SeqHalf.ACCEPT, True),
        (32768, 0, SeqHalf.REJECT, False),
        (5, 5, SeqHalf.ACCEPT, False),
        (32767, 0, SeqHalf.REJECT, True),
    ],
)
def test_sequence_order(a: int, b: int, half: SeqHalf, want: bool) -> None:
    assert greater(PY, a, b, DEFAULT.with_switches(seq_half=half)) is want


def test_sequence_order_same_on_z3() -> None:
    a, b = z3.Ints("a b")
    for half in SeqHalf:
        cfg = DEFAULT.with_switches(seq_half=half)
        for x, y in [(0, 65535), (0, 32768), (40000, 7000), (3, 3), (65535, 32767)]:
            term = z3.substitute(greater(Z3, a, b, cfg), (a, z3.IntVal(x)), (b, z3.IntVal(y)))
            assert z3.is_true(z3.simplify(term)) == greater(PY, x, y, cfg)


def test_72_order_of_tests() -> None:
    r = Received(auth=False, length_ok=False, has_hao=False, seq=1, has_entry=True, entry_seq=5)
    assert check_72(PY, DEFAULT, r) == Check72.NO_AUTH
    r = Received(auth=True, length_ok=True, has_hao=True, seq=5, has_entry=True, entry_seq=5)
    assert check_72(PY, DEFAULT, r) == Check72.NOT_GREATER
    assert check_72(PY, DEFAULT.with_switches(seq_equal_ack=True), r) == Check72.EQUAL_REACK
    r = Received(auth=True, length_ok=True, has_hao=True, seq=0, has_entry=True, entry_seq=65535)
    assert check_72(PY, DEFAULT, r) == Check72.PASS


HA_OK = HomeAgentView(
    to_anycast=False, is_home_agent=True, home_on_link=True, id_length=0, ha_id_length=64
)
ROOM = Room(full=False, any_evictable=False)


def test_83_deregistration_gets_only_132_and_133() -> None:
    """§8.3: a de-registration with a wrong ID Length is accepted and the entry deleted (no 136 test),
    while a registration with the same ID Length is rejected with 136 (§8.2)."""
    bad_id = HomeAgentView(False, True, True, 48, 64)
    args = dict(h=True, has_entry=True, room=ROOM, ha=bad_id)
    assert decide(PY, deletion=True, **args) == (CacheChange.DELETE, Status.ACCEPTED)  # type: ignore[arg-type]
    assert decide(PY, deletion=False, **args) == (CacheChange.NONE, Status.BAD_ID_LENGTH)  # type: ignore[arg-type]
    not_ha = HomeAgentView(False, False, True, 0, 64)
    off_link = HomeAgentView(False, True, False, 0, 64)
    for deletion in (True, False):
        assert decide(PY, h=True, deletion=deletion, has_entry=True, room=ROOM, ha=not_ha) == (
            CacheChange.NONE,
            Status.HOME_REG_NOT_SUPPORTED,
        )
        assert decide(PY, h=True, deletion=deletion, has_entry=True, room=ROOM, ha=off_link) == (
            CacheChange.NONE,
            Status.NOT_HOME_SUBNET,
        )


def test_cache_room_and_replacement() -> None:
    full = Room(full=True, any_evictable=False)
    assert decide(PY, h=True, deletion=False, has_entry=False, room=full, ha=HA_OK) == (
        CacheChange.NONE,
        Status.INSUFFICIENT_RESOURCES,
    )
    spare = Room(full=True, any_evictable=True)
    assert decide(PY, h=False, deletion=False, has_entry=False, room=spare, ha=HA_OK) == (
        CacheChange.REPLACE_AND_UPDATE,
        Status.ACCEPTED,
    )
    # an existing entry needs no room; H clear ignores the home-agent tests
    not_ha = HomeAgentView(True, False, False, 9, 64)
    assert decide(PY, h=False, deletion=False, has_entry=True, room=full, ha=not_ha) == (
        CacheChange.UPDATE,
        Status.ACCEPTED,
    )
    assert decide(PY, h=False, deletion=True, has_entry=False, room=full, ha=not_ha) == (
        CacheChange.DELETE,
        Status.ACCEPTED,
    )


def test_decide_same_on_z3() -> None:
    """The cache decision's text runs unchanged on Z3 terms and agrees with PY on every flag pattern."""
    for bits in itertools.product((False, True), repeat=8):
        h, deletion, has_entry, full, ev, anycast, is_ha, on_link = bits
        ha = HomeAgentView(anycast, is_ha, on_link, 0, 64)
        room = Room(full, ev)
        want = decide(PY, h=h, deletion=deletion, has_entry=has_entry, room=room, ha=ha)
        got = decide(Z3, h=h, deletion=deletion, has_entry=has_entry, room=room, ha=ha)
        assert tuple(z3.simplify(g).as_long() for g in got) == tuple(int(w) for w in want)


def test_lifetime_granted_runs_out() -> None:
    assert not ran_out(PY, 1_000, 4, 4_999)
    assert ran_out(PY, 1_000, 4, 5_000)
    assert not ran_out(PY, 0, 0xFFFFFFFF, 10**12)


def test_binding_ack_acceptability() -> None:
    ok = dict(auth=True, opt_len=11, outstanding=True, seq_matches=True)
    assert ba_acceptable(PY, DEFAULT, **ok)  # type: ignore[arg-type]
    assert not ba_acceptable(PY, DEFAULT.with_switches(ba_min_length=12), **ok)  # type: ignore[arg-type]
    assert not ba_acceptable(PY, DEFAULT, from_peer=False, **ok)  # type: ignore[arg-type]
    assert ba_action(PY, True, 133) == BAAction.REJECTED
    assert ba_action(PY, True, 0) == BAAction.ACCEPTED
    assert ba_action(PY, False, 0) == BAAction.IGNORE


def test_backoff() -> None:
    assert backoff_after(None, DEFAULT) == 1_000
    assert backoff_after(128_000, DEFAULT) == 256_000
    assert backoff_after(256_000, DEFAULT) == 256_000


def test_unregistered_row_is_cited_and_reported() -> None:
    """A catalog row no spec module registered still gets cited by the engines (they keep running),
    marked unregistered, and is listed by `unregistered()` (which this suite and `coverage` check)."""
    saved = spec.registry._OBLIGATIONS.pop("BC-CREATE")
    try:
        ob = spec.obligation("BC-CREATE")
        assert not ob.registered and ob.sections == ("7.3",)
        assert spec.unregistered() == ["BC-CREATE"]
        from mip6check.properties.coverage import build

        assert "BC-CREATE: catalog row not registered in the spec" in build().problems
    finally:
        spec.registry._OBLIGATIONS["BC-CREATE"] = saved
