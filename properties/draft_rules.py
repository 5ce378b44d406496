"""The draft's obligations as predicates over `Logic` (PY or Z3), written from the text, independent of
model/roles/kernel.py.

Observers (Z3 proofs, monitors, Hypothesis invariants) judge the kernel with these, never with the
kernel's own decisions: a mutant patched into the kernel (properties/mutants.py) then changes what the
model does but not what the property demands. properties/smt evaluates them on Z3 terms; a monitor can
call them with `model.roles.logic.PY`. tests/properties/test_smt.py checks that both agree.
"""

from __future__ import annotations

from typing import Any

from mip6check.model.config import Config, SeqHalf
from mip6check.model.roles.logic import Logic, Term

MOD = 65536  # §4.3, §5.1: Sequence Numbers compare modulo 2^16


def greater(L: Logic, a: Term, b: Term, cfg: Config) -> Term:
    """§4.3, §5.1, C1: a is greater than b modulo 2^16; distance exactly 2^15 per the `seq_half` reading."""
    d = L.mod(a - b, MOD)
    return L.and_(d >= 1, d <= (32768 if cfg.seq_half is SeqHalf.ACCEPT else 32767))


def bu_passes(L: Logic, bu: Any, e: Any, cfg: Config) -> Term:
    """§7.2: authenticated, long enough, with a Home Address option, and greater than the stored number
    (`bu`: kernel.BUIn-like, `e`: kernel.Entry-like for the BU's home address)."""
    return L.and_(
        bu.auth, bu.length_ok, bu.has_hao, L.or_(L.not_(e.present), greater(L, bu.seq, e.seq, cfg))
    )


def asks_delete(L: Logic, bu: Any) -> Term:
    """§5.1, §7.4, §8.3: Lifetime 0, or care-of address equal to the home address."""
    return L.or_(bu.lifetime == 0, bu.coa == bu.home)


def ha_accepts(L: Logic, env: Any, deleting: Term) -> Term:
    """§8.1-§8.3: not sent to the anycast address, the node is a home agent, the home address is on-link,
    and, for a registration only (§8.2), the ID Length is 0 or the home agent's. §8.3 lists just the
    132 and 133 tests before "MUST delete any existing entry": a de-registration has no ID Length test."""
    return L.and_(
        L.not_(env.to_anycast),
        env.is_home_agent,
        env.home_on_link,
        L.or_(deleting, env.id_length == 0, env.id_length == env.ha_id_length),
    )


def ran_out(L: Logic, e: Any, now: Term) -> Term:
    """§4.3, §7.7: a finite lifetime has run out at `now` (0xFFFFFFFF never does, §5.1)."""
    return L.and_(L.not_(e.infinite), now >= e.expiry)


def ba_acceptable(
    L: Logic, cfg: Config, *, auth: Term, opt_len: Term, outstanding: Term, seq_matches: Term
) -> Term:
    """§9.10: auth, Option Length at least the minimum of the reading, a matching outstanding BU."""
    return L.and_(auth, opt_len >= cfg.ba_min_length, outstanding, seq_matches)


def status_accepts(status: int) -> bool:
    """§5.2: Status values below 128 accept the Binding Update; 128 and above reject it."""
    return status < 128


def backoff_after(interval: int | None, cfg: Config) -> int:
    """§9.7: the first retransmission waits INITIAL_BINDACK_TIMEOUT; each later wait doubles, up to
    MAX_BINDACK_TIMEOUT. `interval` is the previous wait (None before the first retransmission)."""
    if interval is None:
        return cfg.initial_bindack_timeout
    return min(2 * interval, cfg.max_bindack_timeout)


def correspondent_retx_allowed(next_wait: int, cfg: Config) -> bool:
    """§9.5 (C13): a Binding Update to a correspondent is not retransmitted once the wait has reached
    MAX_BINDACK_TIMEOUT (home registrations go on, §9.4)."""
    return next_wait < cfg.max_bindack_timeout


def min_gap(consecutive: int, cfg: Config) -> int:
    """§9.8 (B14): at least MAX_UPDATE_RATE between Binding Updates to one node; SLOW_UPDATE_RATE once
    MAX_FAST_UPDATES consecutive ones carried the same care-of address."""
    return cfg.slow_update_rate if consecutive >= cfg.max_fast_updates else cfg.max_update_rate
