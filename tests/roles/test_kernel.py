"""The decision kernel on concrete values: sequence order (C1 vectors), §7.2 order of tests, §8.2 statuses,
back-off (§9.7), rate limits (§9.8), BA handling (§9.10)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mip6check.model.config import DEFAULT, Config, SeqHalf
from mip6check.model.roles import kernel as k
from mip6check.model.roles.logic import PY

ACCEPT = Config(seq_half=SeqHalf.ACCEPT)


@pytest.mark.parametrize(
    ("a", "b", "default", "accept"),
    [
        (1, 0, True, True),
        (0, 65535, True, True),
        (32767, 0, True, True),
        (32768, 0, False, True),  # distance exactly 2^15: the C1 hole
        (0, 32768, False, True),
        (40000, 0, False, False),
        (16, 15, True, True),  # conformance pairs (stored 15)
        (32783, 15, False, True),
        (14, 15, False, False),
        (15, 15, False, False),
        (32784, 15, False, False),
    ],
)
def test_seq_greater_vectors(a: int, b: int, default: bool, accept: bool) -> None:
    assert k.seq_greater(PY, a, b, DEFAULT) is default
    assert k.seq_greater(PY, a, b, ACCEPT) is accept


@given(st.integers(0, 65535), st.integers(0, 65535))
def test_seq_order_is_antisymmetric_under_default(a: int, b: int) -> None:
    assert not (k.seq_greater(PY, a, b, DEFAULT) and k.seq_greater(PY, b, a, DEFAULT))


@given(st.integers(0, 65535), st.integers(1, 32767))
def test_next_seq_is_greater(last: int, step: int) -> None:
    assert k.seq_greater(PY, k.next_seq(PY, last, step), last, DEFAULT)


def _check(**kw: object) -> int:
    base = dict(auth=True, length_ok=True, has_hao=True, has_entry=True, entry_seq=10, seq=11)
    base.update(kw)
    return int(k.bu_check(PY, DEFAULT, **base))  # type: ignore[arg-type]


def test_bu_check_order_of_tests() -> None:
    assert _check() == k.Check.VALID
    assert _check(auth=False, length_ok=False) == k.Check.NO_AUTH
    assert _check(length_ok=False, has_hao=False) == k.Check.TOO_SHORT
    assert _check(has_hao=False, seq=3) == k.Check.NO_HAO
    assert _check(seq=10) == k.Check.STALE_SEQ
    assert _check(seq=9) == k.Check.STALE_SEQ
    assert _check(has_entry=False, seq=9) == k.Check.VALID
    reack = Config(seq_equal_ack=True)
    base = dict(auth=True, length_ok=True, has_hao=True, has_entry=True, entry_seq=10)
    assert k.bu_check(PY, reack, seq=10, **base) == k.Check.EQUAL_SEQ_REACK  # type: ignore[arg-type]
    assert k.bu_check(PY, reack, seq=9, **base) == k.Check.STALE_SEQ  # type: ignore[arg-type]


def _decide(**kw: object) -> tuple[int, int]:
    base: dict[str, object] = dict(
        h=True,
        lifetime=60,
        coa_is_home=False,
        has_entry=False,
        cache_full=False,
        any_evictable=False,
        is_home_agent=True,
        home_on_link=True,
        id_length=64,
        ha_id_length=64,
        to_anycast=False,
    )
    base.update(kw)
    op, status = k.cache_decision(PY, **base)  # type: ignore[arg-type]
    return int(op), int(status)


def test_home_registration_statuses() -> None:
    S, Op = k.Status, k.CacheOp
    assert _decide() == (Op.UPDATE, S.ACCEPTED)
    assert _decide(to_anycast=True) == (Op.NONE, S.DHAAD_RESPONSE)
    assert _decide(is_home_agent=False) == (Op.NONE, S.HOME_REG_NOT_SUPPORTED)
    assert _decide(home_on_link=False) == (Op.NONE, S.NOT_HOME_SUBNET)
    assert _decide(id_length=48) == (Op.NONE, S.BAD_ID_LENGTH)
    assert _decide(id_length=0) == (Op.UPDATE, S.ACCEPTED)
    assert _decide(cache_full=True) == (Op.NONE, S.INSUFFICIENT_RESOURCES)
    assert _decide(cache_full=True, any_evictable=True) == (Op.EVICT_AND_UPDATE, S.ACCEPTED)
    assert _decide(lifetime=0) == (Op.DELETE, S.ACCEPTED)
    assert _decide(coa_is_home=True, cache_full=True) == (Op.DELETE, S.ACCEPTED)


def test_correspondent_decisions() -> None:
    S, Op = k.Status, k.CacheOp
    assert _decide(h=False, is_home_agent=False, home_on_link=False) == (Op.UPDATE, S.ACCEPTED)
    assert _decide(h=False, cache_full=True, any_evictable=True) == (
        Op.EVICT_AND_UPDATE,
        S.ACCEPTED,
    )
    assert _decide(h=False, cache_full=True) == (Op.NONE, S.INSUFFICIENT_RESOURCES)
    assert _decide(h=False, has_entry=True, cache_full=True) == (Op.UPDATE, S.ACCEPTED)


def test_backoff_doubles_to_cap_and_correspondent_stops() -> None:
    b = k.BulEntry(False, 0, 0, False, False, 0, 0, False, 0, 0, False)
    b = k.bul_new_bu(PY, DEFAULT, b, 0, step=1, initial_seq=7, coa=1, home_reg=False, ack=True)
    intervals, now = [], 0
    while b.retx_on:
        now = b.next_retx
        b = k.bul_retransmit(PY, DEFAULT, b, now)
        intervals.append(b.interval)
        assert b.seq == 7
    assert intervals == [2000, 4000, 8000, 16000, 32000, 64000, 128000, 256000]
    h = k.bul_new_bu(PY, DEFAULT, b, now, step=1, initial_seq=0, coa=2, home_reg=True, ack=True)
    assert h.seq == 8 and h.interval == 1000
    for _ in range(20):
        h = k.bul_retransmit(PY, DEFAULT, h, h.next_retx)
    assert h.retx_on and h.interval == 256000


def test_rate_limit_fast_then_slow() -> None:
    assert not k.rate_ok(PY, 999, 0, 1, DEFAULT)
    assert k.rate_ok(PY, 1000, 0, 1, DEFAULT)
    assert not k.rate_ok(PY, 9999, 0, 5, DEFAULT)
    assert k.rate_ok(PY, 10000, 0, 5, DEFAULT)


def test_ba_outcome_min_length_switch() -> None:
    ok = dict(auth=True, seq_matches=True, status=0)
    assert k.ba_outcome(PY, DEFAULT, opt_len=11, **ok) == k.BAOutcome.ACCEPTED  # type: ignore[arg-type]
    strict = Config(ba_min_length=12)
    assert k.ba_outcome(PY, strict, opt_len=11, **ok) == k.BAOutcome.IGNORE  # type: ignore[arg-type]
    assert (
        k.ba_outcome(PY, DEFAULT, opt_len=11, auth=True, seq_matches=True, status=131)
        == k.BAOutcome.REJECTED
    )


def test_apply_bu_stale_changes_nothing() -> None:
    e = k.Entry(True, 5, 9, 10, False, 5000, False, 0)
    bu = k.BUIn(True, True, True, False, 10, 60, 5, 8)
    env = k.NodeEnv(False, False, 0, 64, False, False, False)
    new, check, op, _ = k.apply_bu(PY, DEFAULT, e, bu, env, 100)
    assert new == e and check == k.Check.STALE_SEQ and op == k.CacheOp.NONE


def test_infinite_never_expires() -> None:
    e = k.Entry(True, 5, 9, 10, True, 0, True, 0)
    assert k.expire_entry(PY, e, 10**12) == e
    assert k.evict_entry(PY, e, True) == e  # home registration: not evictable
