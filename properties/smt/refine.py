"""Z3 proves the model's kernel refines the spec: for every input, under each reading, a decision the
kernel takes (model/roles/kernel.py) equals the same decision as properties/spec writes it from the
draft. The two are written apart (principle 1); these obligations are where they meet.

Each refinement is an `Obligation` with no premises and the goal `kernel(...) == spec(...)`; they are
attached to the catalog property whose judgement rests on that decision (`refinements_of`), so a
mutant that bends a kernel decision fails its property's proof even where the inductive goal would
not notice (an equal-valued rewrite of the whole transition, say).
"""

from __future__ import annotations

from collections.abc import Callable

from mip6check.model.config import Config
from mip6check.model.roles import kernel as K
from mip6check.properties.smt.obligations import (
    BA_READINGS,
    ONLY_DEFAULT,
    SEQ_READINGS,
    Goal,
    Obligation,
    ha_view,
)
from mip6check.properties.smt.z3logic import Z3, Sym, intervals
from mip6check.properties.spec import binding_cache as SB
from mip6check.properties.spec import mobile_node as SM
from mip6check.properties.spec import wire as SW

Build = Callable[[Config], Goal]


def _ob(name: str, build: Build) -> Callable[[str], Obligation]:
    return lambda reading: Obligation(f"refines: {name}", reading, build)


def _seq_order(cfg: Config) -> Goal:
    """§4.3, §5.1: kernel.seq_greater == spec.wire.greater (the order mod 2^16, written twice)."""
    s = Sym()
    a, b = s.seq("a"), s.seq("b")
    return Goal(s, [], K.seq_greater(Z3, a, b, cfg) == SW.greater(Z3, a, b, cfg))


def _check_72(cfg: Config) -> Goal:
    """§7.2: kernel.bu_check gives the spec's `Check72` code for every input (same numbering)."""
    s = Sym()
    e, bu = s.entry("e"), s.bu("bu")
    k = K.bu_check(
        Z3,
        cfg,
        auth=bu.auth,
        length_ok=bu.length_ok,
        has_hao=bu.has_hao,
        has_entry=e.present,
        entry_seq=e.seq,
        seq=bu.seq,
    )
    r = SB.Received(bu.auth, bu.length_ok, bu.has_hao, bu.seq, e.present, e.seq)
    return Goal(s, [], k == SB.check_72(Z3, cfg, r))


def _delete(cfg: Config) -> Goal:
    """§5.1, §7.4, §8.3: kernel.wants_delete == spec.asks_delete."""
    s = Sym()
    bu = s.bu("bu")
    same_addr = bu.coa == bu.home
    return Goal(
        s,
        [],
        K.wants_delete(Z3, bu.lifetime, same_addr) == SB.asks_delete(Z3, bu.lifetime, same_addr),
    )


def _decision(cfg: Config) -> Goal:
    """§7.3, §7.4, §7.7, §8.1-§8.3: kernel.cache_decision == spec.binding_cache.decide, both the
    change to the cache (same numbering) and the Status."""
    s = Sym()
    bu, env = s.bu("bu"), s.env("env")
    has_entry = s.bool_("has_entry")
    coa_is_home = bu.coa == bu.home
    k_op, k_st = K.cache_decision(
        Z3,
        h=bu.h,
        lifetime=bu.lifetime,
        coa_is_home=coa_is_home,
        has_entry=has_entry,
        cache_full=env.cache_full,
        any_evictable=env.any_evictable,
        is_home_agent=env.is_home_agent,
        home_on_link=env.home_on_link,
        id_length=env.id_length,
        ha_id_length=env.ha_id_length,
        to_anycast=env.to_anycast,
        will_create=env.will_create,
    )
    s_op, s_st = SB.decide(
        Z3,
        h=bu.h,
        deletion=SB.asks_delete(Z3, bu.lifetime, coa_is_home),
        has_entry=has_entry,
        room=SB.Room(env.cache_full, env.any_evictable, env.will_create),
        ha=ha_view(env),
    )
    return Goal(s, [], Z3.and_(k_op == s_op, k_st == s_st))


def _accepted(cfg: Config) -> Goal:
    """§5.2: kernel.accepted == spec.wire.status_accepts (Status below 128)."""
    s = Sym()
    st = s.int_("status", 0, 255)
    return Goal(s, [], K.accepted(Z3, st) == SW.status_accepts(Z3, st))


def _evictable(cfg: Config) -> Goal:
    """§7.7, §8.2: kernel.is_evictable == spec.evictable."""
    s = Sym()
    hr = s.bool_("home_reg")
    return Goal(s, [], K.is_evictable(Z3, hr) == SB.evictable(Z3, hr))


def _expiry(cfg: Config) -> Goal:
    """§4.3, §5.1, §7.7: an entry granted `lifetime` at `t0` has expired (kernel.expired over
    kernel.expiry_of) exactly when spec.wire.ran_out says it ran out."""
    s = Sym()
    t0, now = s.time("granted_at"), s.time("now")
    life = s.int_("lifetime", 0, K.INFINITE_LIFETIME)
    k = K.expired(Z3, now, K.expiry_of(t0, life), life == K.INFINITE_LIFETIME)
    return Goal(s, [], k == SW.ran_out(Z3, t0, life, now))


def _ba(cfg: Config) -> Goal:
    """§9.10: kernel.ba_outcome == spec ba_action over ba_acceptable (outstanding BU assumed: the
    kernel's `seq_matches` already includes it)."""
    s = Sym()
    auth, opt_len = s.bool_("auth"), s.int_("opt_len", 0, 255)
    match, st = s.bool_("seq_matches"), s.int_("status", 0, 255)
    k = K.ba_outcome(Z3, cfg, auth=auth, opt_len=opt_len, seq_matches=match, status=st)
    ok = SM.ba_acceptable(Z3, cfg, auth=auth, opt_len=opt_len, outstanding=True, seq_matches=match)
    return Goal(s, [], k == SM.ba_action(Z3, ok, st))


def _backoff(cfg: Config) -> Goal:
    """§9.7: kernel.next_retx_interval == spec.next_timeout, and retx_continues == may_retransmit,
    on every timeout §9.7 can produce."""
    s = Sym()
    w, hr = s.int_("interval", 1), s.bool_("home_reg")
    domain = Z3.or_(*[w == v for v in intervals(cfg)])
    same = Z3.and_(
        K.next_retx_interval(Z3, w, cfg) == SM.next_timeout(Z3, w, cfg),
        K.retx_continues(Z3, w, hr, cfg) == SM.may_retransmit(Z3, w, hr, cfg),
    )
    return Goal(s, [domain], same)


def _rate(cfg: Config) -> Goal:
    """§9.8: kernel.rate_ok == spec.rate_ok (MAX_UPDATE_RATE, then SLOW_UPDATE_RATE)."""
    s = Sym()
    now, last, n = s.time("now"), s.time("last_send"), s.int_("consecutive", 0)
    return Goal(s, [], K.rate_ok(Z3, now, last, n, cfg) == SM.rate_ok(Z3, now, last, n, cfg))


SEQ_ORDER = _ob("seq_greater = spec.wire.greater", _seq_order)
CHECK_72 = _ob("bu_check = spec.check_72", _check_72)
DELETE = _ob("wants_delete = spec.asks_delete", _delete)
DECISION = _ob("cache_decision = spec.decide", _decision)
ACCEPTED = _ob("accepted = spec.status_accepts", _accepted)
EVICTABLE = _ob("is_evictable = spec.evictable", _evictable)
EXPIRY = _ob("expired = spec.ran_out", _expiry)
BA = _ob("ba_outcome = spec.ba_action", _ba)
BACKOFF = _ob("next_retx_interval, retx_continues = spec", _backoff)
RATE = _ob("rate_ok = spec.rate_ok", _rate)

_SEQ2 = SEQ_READINGS[:2]  # the order itself depends on seq_half only

REFINES: dict[str, list[tuple[Callable[[str], Obligation], tuple[str, ...]]]] = {
    "BC-SEQ-MONOTONIC": [(SEQ_ORDER, _SEQ2), (CHECK_72, SEQ_READINGS)],
    "BC-STALE-IGNORED": [(CHECK_72, SEQ_READINGS)],
    "BC-BA-STATUS": [(DECISION, ONLY_DEFAULT), (ACCEPTED, ONLY_DEFAULT)],
    "BC-DELETE": [(DELETE, ONLY_DEFAULT), (DECISION, ONLY_DEFAULT)],
    "BC-CREATE": [(DECISION, ONLY_DEFAULT)],
    "BC-HOMEREG-FULL-131": [(DECISION, ONLY_DEFAULT)],
    "HA-DEREG": [(DECISION, ONLY_DEFAULT)],
    "HA-IDLEN-136": [(DECISION, ONLY_DEFAULT)],
    "HA-NOT-HA-132": [(DECISION, ONLY_DEFAULT)],
    "HA-NOT-HOME-133": [(DECISION, ONLY_DEFAULT)],
    "HA-DHAAD-135": [(DECISION, ONLY_DEFAULT)],
    "BC-HOMEREG-NOEVICT": [(EVICTABLE, ONLY_DEFAULT)],
    "BC-EXPIRE": [(EXPIRY, ONLY_DEFAULT)],
    "MN-BA-VALIDATE": [(BA, BA_READINGS)],
    "MN-BA-ACCEPTED": [(BA, BA_READINGS)],
    "MN-BA-REJECTED": [(BA, BA_READINGS)],
    "MN-SEQ-INCREASE": [(SEQ_ORDER, _SEQ2)],
    "MN-BACKOFF": [(BACKOFF, ONLY_DEFAULT)],
    "MN-CN-RETX-STOP": [(BACKOFF, ONLY_DEFAULT)],
    "MN-HOME-RETX": [(BACKOFF, ONLY_DEFAULT)],
    "MN-RATE-LIMIT": [(RATE, ONLY_DEFAULT)],
    "MN-SLOW-RATE": [(RATE, ONLY_DEFAULT)],
}
"""Catalog property -> the kernel-equals-spec obligations its proof also discharges."""


def refinements_of(pid: str) -> list[Obligation]:
    """The refinement obligations attached to `pid` (none for most rows)."""
    return [make(r) for make, readings in REFINES.get(pid, []) for r in readings]


def all_refinements() -> list[Obligation]:
    """Every distinct refinement obligation once, under each reading it is stated for."""
    seen: dict[tuple[str, str], Obligation] = {}
    for pid in REFINES:
        for ob in refinements_of(pid):
            seen.setdefault((ob.transition, ob.reading), ob)
    return list(seen.values())


__all__ = ["REFINES", "all_refinements", "refinements_of"]
