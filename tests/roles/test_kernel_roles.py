"""The kernel functions added for the roles (§7.8, §9.3, §9.8, §9.9): concrete checks and Z3 proofs
that the same code, over Z3 terms, cannot break the properties it serves."""

from __future__ import annotations

import z3

from mip6check.model.config import DEFAULT
from mip6check.model.roles import kernel as K
from mip6check.model.roles.logic import PY
from mip6check.properties.smt.z3logic import Z3


def proved(claim: object) -> bool:
    s = z3.Solver()
    s.add(z3.Not(claim))  # type: ignore[arg-type]
    return s.check() == z3.unsat


def entry(home_reg: object, present: object = True) -> K.Entry:
    return K.Entry(present, 1, 2, 3, home_reg, 10, False, 0)


def test_icmp_unreach_concrete() -> None:
    assert K.icmp_unreach_entry(PY, entry(False), 3, 3).present is False
    assert K.icmp_unreach_entry(PY, entry(False), 2, 3).present is True
    assert K.icmp_unreach_entry(PY, entry(True), 9, 3).present is True


def test_icmp_unreach_never_drops_a_home_registration() -> None:  # BC-HOMEREG-NOEVICT
    hr, count, limit = z3.Bool("hr"), z3.Int("count"), z3.Int("limit")
    after = K.icmp_unreach_entry(Z3, entry(hr), count, limit)
    assert proved(z3.Implies(hr, after.present))


def test_param_problem_stops_retransmission() -> None:  # MN-ICMP-PP2-STOP
    b = K.BulEntry(True, 5, 1, z3.Bool("hr"), False, 1000, 2000, z3.Bool("on"), 0, 1, z3.Bool("nm"))
    after = K.bul_param_problem(Z3, b)
    assert proved(z3.And(after.no_more_bu, z3.Not(after.retx_on)))
    absent = K.bul_param_problem(
        PY, K.BulEntry(False, 0, 0, False, False, 0, 0, False, 0, 0, False)
    )
    assert absent.no_more_bu is False


def test_bu_allowed_respects_rates() -> None:  # MN-RATE-LIMIT, MN-SLOW-RATE
    now, last, fast = z3.Ints("now last fast")
    nm, before = z3.Bools("nm before")
    ok = K.bu_allowed(
        Z3, DEFAULT, no_more_bu=nm, sent_before=before, now=now, last_send=last, fast_count=fast
    )
    assert proved(z3.Implies(z3.And(ok, before), now - last >= DEFAULT.max_update_rate))
    assert proved(
        z3.Implies(
            z3.And(ok, before, fast >= DEFAULT.max_fast_updates),
            now - last >= DEFAULT.slow_update_rate,
        )
    )
    assert proved(z3.Implies(nm, z3.Not(ok)))
    assert (
        K.bu_allowed(
            PY, DEFAULT, no_more_bu=False, sent_before=True, now=999, last_send=0, fast_count=1
        )
        is False
    )
    assert (
        K.bu_allowed(
            PY, DEFAULT, no_more_bu=False, sent_before=False, now=0, last_send=0, fast_count=0
        )
        is True
    )


def test_coa_formation_rate() -> None:  # MN-COA-RATE
    now, last = z3.Ints("now last")
    before = z3.Bool("before")
    ok = K.coa_formation_ok(Z3, DEFAULT, formed_before=before, now=now, last_formed=last)
    assert proved(z3.Implies(z3.And(ok, before), now - last >= DEFAULT.max_update_rate))
