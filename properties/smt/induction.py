"""Inductive proofs over the kernel transitions (model/roles/kernel.py run on Z3 terms).

Each property is a list of `Obligation`s: one transition of the kernel (apply_bu, expire_entry,
evict_entry, the K-slot cache step, bul_new_bu, bul_retransmit, bul_on_ba, rate_ok) under one reading
of the draft (a `Config`). An obligation is `domain ∧ premises ⇒ goal` for every symbolic pre-state and
input; Z3 proves it (unsat of the negation) or returns a concrete counterexample.

The goals are written from the draft's text (properties/spec, via the `spec_*` wrappers below),
never by calling the kernel's own intermediate decisions, so a broken kernel (properties/mutants.py) fails them. Only
the transitions under test are kernel calls, looked up on the module at call time (`K.apply_bu`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import z3

from mip6check.model.config import DEFAULT, Config, SeqHalf
from mip6check.model.roles import kernel as K
from mip6check.properties.smt.cache_model import (
    BU,
    EXPIRE,
    HAO_ONLY,
    cache_input,
    cache_step,
    unique,
)
from mip6check.properties.smt.interrupt import check
from mip6check.properties.smt.z3logic import Z3, Sym, intervals, model_dict, same
from mip6check.properties.spec import binding_cache as SB
from mip6check.properties.spec import home_agent as SH
from mip6check.properties.spec import mobile_node as SM
from mip6check.properties.spec import wire as SW
from mip6check.properties.verdict import Result, Status

ENGINE = "z3"

# ---------------------------------------------------------------- readings

READINGS: dict[str, Config] = {
    "default": DEFAULT,
    "seq_half=accept": DEFAULT.with_switches(seq_half=SeqHalf.ACCEPT),
    "seq_equal_ack": DEFAULT.with_switches(seq_equal_ack=True),
    "ba_min_length=12": DEFAULT.with_switches(ba_min_length=12),
}


def describe(cfg: Config) -> str:
    """The switches a proof depends on, as text (for Result.detail)."""
    return (
        f"seq_half={cfg.seq_half.value}, seq_equal_ack={'on' if cfg.seq_equal_ack else 'off'}, "
        f"ba_min_length={cfg.ba_min_length}"
    )


SEQ_READINGS = ("default", "seq_half=accept", "seq_equal_ack")
BA_READINGS = ("default", "ba_min_length=12")
ONLY_DEFAULT = ("default",)

# ---------------------------------------------------------------- the draft's text as predicates


def spec_greater(a: Any, b: Any, cfg: Config) -> Any:
    """§4.3, §5.1, C1: a is greater than b modulo 2^16 (properties.spec.wire.greater on Z3)."""
    return SW.greater(Z3, a, b, cfg)


def spec_valid(bu: K.BUIn, e: K.Entry, cfg: Config) -> Any:
    """§7.2: the four tests pass (properties.spec.binding_cache.passes_72 on Z3)."""
    r = SB.Received(
        auth=bu.auth,
        length_ok=bu.length_ok,
        has_hao=bu.has_hao,
        seq=bu.seq,
        has_entry=e.present,
        entry_seq=e.seq,
    )
    return SB.passes_72(Z3, cfg, r)


def spec_delete(bu: K.BUIn) -> Any:
    """§5.1, §7.4: Lifetime 0 or care-of address = home address asks for deletion."""
    return SB.asks_delete(Z3, bu.lifetime, bu.coa == bu.home)


def spec_ha_ok(bu: K.BUIn, env: K.NodeEnv) -> Any:
    """§8.1-§8.3: none of the home-agent rejections applies: §8.2's three tests for a registration,
    §8.3's two (no ID Length test) for a de-registration (properties.spec.home_agent.accepts)."""
    return SH.accepts(Z3, ha_view(env), spec_delete(bu))


def ha_view(env: K.NodeEnv) -> SH.HomeAgentView:
    """What the §8.1-§8.3 tests ask of the receiver, from the kernel's node environment."""
    return SH.HomeAgentView(
        to_anycast=env.to_anycast,
        is_home_agent=env.is_home_agent,
        home_on_link=env.home_on_link,
        id_length=env.id_length,
        ha_id_length=env.ha_id_length,
    )


def spec_expired(e: K.Entry, now: Any) -> Any:
    """§4.3, §7.7: a finite lifetime has run out (0xFFFFFFFF never does, §5.1): properties.spec.wire
    .ran_out with the entry's expiry as the moment granted plus a zero remaining lifetime."""
    return SW.ran_out(Z3, e.expiry, z3.If(e.infinite, SW.INFINITE, 0), now)


# ---------------------------------------------------------------- obligations


@dataclass(frozen=True)
class Goal:
    """premises ⇒ goal over the symbols of `sym` (their domains are added automatically)."""

    sym: Sym
    premises: list[Any]
    goal: Any


@dataclass(frozen=True)
class Obligation:
    """One transition under one reading."""

    transition: str
    reading: str
    build: Callable[[Config], Goal]


def discharge(ob: Obligation, timeout_ms: int) -> tuple[str, dict[str, int | bool] | None, str]:
    """('proved'|'violated'|'unknown', counterexample, reason) for one obligation."""
    g = ob.build(READINGS[ob.reading])
    s = z3.Solver()
    s.set(timeout=max(1, timeout_ms))
    s.add(*g.sym.domain)
    s.add(*g.premises)
    if check(s) == z3.unsat:  # a proof from contradictory premises would prove nothing
        return "unknown", None, "vacuous: the premises are unsatisfiable"
    s.add(z3.Not(g.goal))
    r = check(s)  # Ctrl-C raises KeyboardInterrupt (Z3 would answer `unknown`)
    if r == z3.unsat:
        return "proved", None, ""
    if r == z3.sat:
        return "violated", model_dict(s.model()), ""
    return "unknown", None, s.reason_unknown()


def prove(pid: str, obligations: list[Obligation], budget_s: float = 10.0) -> Result:
    """Discharge every obligation; the property is proved only if all are."""
    t0 = time.monotonic()
    done: list[str] = []
    for ob in obligations:
        left_ms = int((budget_s - (time.monotonic() - t0)) * 1000)
        status, cex, reason = discharge(ob, left_ms)
        where = f"{ob.transition} [{ob.reading}]"
        if status == "violated":
            return Result(
                pid,
                ENGINE,
                Status.VIOLATED,
                time.monotonic() - t0,
                detail=f"counterexample to {where}",
                counterexample=cex,
            )
        if status == "unknown":
            return Result(
                pid,
                ENGINE,
                Status.UNKNOWN,
                time.monotonic() - t0,
                detail=f"{where}: solver gave up ({reason})",
            )
        done.append(where)
    return Result(
        pid,
        ENGINE,
        Status.PROVED,
        time.monotonic() - t0,
        detail="for all states and inputs: "
        + "; ".join(done)
        + f" (default = {describe(DEFAULT)})",
    )


# ---------------------------------------------------------------- worlds (symbolic pre-state + one kernel call)


@dataclass(frozen=True)
class BuWorld:
    s: Sym
    e: K.Entry
    bu: K.BUIn
    env: K.NodeEnv
    now: Any
    e2: K.Entry
    check: Any
    op: Any
    status: Any

    def base(self) -> list[Any]:
        """`e` is the entry for the BU's home address, or absent (kernel.apply_bu's contract)."""
        return [z3.Implies(self.e.present, self.e.home == self.bu.home)]


def bu_world(cfg: Config) -> BuWorld:
    s = Sym()
    e, bu, env, now = s.entry("e"), s.bu("bu"), s.env("env"), s.time("now")
    e2, check, op, status = K.apply_bu(Z3, cfg, e, bu, env, now)
    return BuWorld(s, e, bu, env, now, e2, check, op, status)


def _apply_bu(
    goal: Callable[[BuWorld, Config], tuple[list[Any], Any]], name: str = "apply_bu"
) -> Callable[[str], Obligation]:
    def build(cfg: Config) -> Goal:
        w = bu_world(cfg)
        prem, g = goal(w, cfg)
        return Goal(w.s, w.base() + prem, g)

    return lambda reading: Obligation(name, reading, build)


def _entry_op(
    fn: Callable[[Sym, K.Entry, Any], tuple[list[Any], Any]], name: str
) -> Callable[[str], Obligation]:
    def build(cfg: Config) -> Goal:
        s = Sym()
        e, now = s.entry("e"), s.time("now")
        prem, g = fn(s, e, now)
        return Goal(s, prem, g)

    return lambda reading: Obligation(name, reading, build)


def _kslot(
    k: int,
    fn: Callable[[list[K.Entry], Any, list[K.Entry], Config], tuple[list[Any], Any]],
    name: str,
) -> Callable[[str], Obligation]:
    def build(cfg: Config) -> Goal:
        s = Sym()
        slots = [s.entry(f"slot{i}") for i in range(k)]
        inp = cache_input(s, k)
        st = cache_step(cfg, slots, inp)
        prem, g = fn(slots, inp, st.slots, cfg)
        return Goal(s, st.choice + prem, g)

    return lambda reading: Obligation(f"{name} (K={k})", reading, build)


def _bul(
    fn: Callable[[Sym, K.BulEntry, Any, Config], tuple[list[Any], Any]], name: str
) -> Callable[[str], Obligation]:
    def build(cfg: Config) -> Goal:
        s = Sym()
        b, now = s.bul("b", cfg), s.time("now")
        prem, g = fn(s, b, now, cfg)
        return Goal(s, prem, g)

    return lambda reading: Obligation(name, reading, build)


def _over(readings: tuple[str, ...], *makers: Callable[[str], Obligation]) -> list[Obligation]:
    return [m(r) for m in makers for r in readings]


# ---------------------------------------------------------------- Binding Cache (BC)


def bc_seq_monotonic() -> list[Obligation]:
    """BC-SEQ-MONOTONIC (§4.3, §5.1, §7.2): a present entry changes only for a greater Sequence Number."""
    return _over(
        SEQ_READINGS,
        _apply_bu(
            lambda w, c: (
                [w.e.present, z3.Not(same(w.e2, w.e))],
                spec_greater(w.bu.seq, w.e.seq, c),
            )
        ),
    )


def bc_stale_ignored() -> list[Obligation]:
    """BC-STALE-IGNORED (§7.2): failing any of the four tests leaves the entry as it was."""
    return _over(
        SEQ_READINGS, _apply_bu(lambda w, c: ([z3.Not(spec_valid(w.bu, w.e, c))], same(w.e2, w.e)))
    )


def bc_reject_no_cache() -> list[Obligation]:
    """BC-REJECT-NO-CACHE (§5.2): a rejecting status (>= 128) leaves the entry as it was."""
    return _over(SEQ_READINGS, _apply_bu(lambda w, c: ([w.status >= 128], same(w.e2, w.e))))


def bc_ba_status() -> list[Obligation]:
    """BC-BA-STATUS (§7.5): for a valid BU, Status < 128 iff the entry was created/updated, or deletion
    was asked for (and, with H, none of the §8.1-§8.3 rejections applies) and no entry remains."""

    def goal(w: BuWorld, c: Config) -> tuple[list[Any], Any]:
        upd = z3.And(w.e2.present, z3.Not(same(w.e2, w.e)))
        deleted = z3.And(
            spec_delete(w.bu), z3.Not(w.e2.present), z3.Or(z3.Not(w.bu.h), spec_ha_ok(w.bu, w.env))
        )
        return [spec_valid(w.bu, w.e, c)], (w.status < 128) == z3.Or(upd, deleted)

    return _over(SEQ_READINGS, _apply_bu(goal))


def bc_delete() -> list[Obligation]:
    """BC-DELETE (§5.1, §7.4): a valid non-H BU with Lifetime 0 or CoA = home address deletes, status 0."""
    return _over(
        SEQ_READINGS,
        _apply_bu(
            lambda w, c: (
                [spec_valid(w.bu, w.e, c), z3.Not(w.bu.h), spec_delete(w.bu)],
                z3.And(z3.Not(w.e2.present), w.status == 0),
            )
        ),
    )


def ha_dereg() -> list[Obligation]:
    """HA-DEREG (§8.3): a valid H deletion request that passes the 132 and 133 tests (and was not sent
    to the anycast address, §8.1) deletes the entry with Status 0, whatever its ID Length."""
    return _over(
        SEQ_READINGS,
        _apply_bu(
            lambda w, c: (
                [
                    spec_valid(w.bu, w.e, c),
                    w.bu.h,
                    z3.Not(w.env.to_anycast),
                    w.env.is_home_agent,
                    w.env.home_on_link,
                    spec_delete(w.bu),
                ],
                z3.And(z3.Not(w.e2.present), w.status == 0),
            )
        ),
    )


def bc_create() -> list[Obligation]:
    """BC-CREATE (§7.3): a valid non-H BU with Lifetime > 0, CoA != home, room (or an evictable entry)
    and the node's SHOULD-create choice creates/updates the entry with the BU's fields."""

    def goal(w: BuWorld, c: Config) -> tuple[list[Any], Any]:
        bu, e2 = w.bu, w.e2
        finite = bu.lifetime != K.INFINITE_LIFETIME
        return (
            [
                spec_valid(bu, w.e, c),
                z3.Not(bu.h),
                bu.lifetime > 0,
                bu.coa != bu.home,
                w.env.will_create,
                z3.Or(w.e.present, z3.Not(w.env.cache_full), w.env.any_evictable),
            ],
            z3.And(
                e2.present,
                e2.home == bu.home,
                e2.coa == bu.coa,
                e2.seq == bu.seq,
                z3.Not(e2.home_reg),
                w.status == 0,
                e2.infinite == z3.Not(finite),
                z3.Implies(finite, e2.expiry == w.now + 1000 * bu.lifetime),
            ),
        )

    return _over(SEQ_READINGS, _apply_bu(goal))


def bc_infinite() -> list[Obligation]:
    """BC-INFINITE (§5.1): an entry with Lifetime 0xFFFFFFFF is never removed by expiry."""
    return _over(
        ONLY_DEFAULT,
        _entry_op(
            lambda s, e, now: ([e.present, e.infinite], K.expire_entry(Z3, e, now).present),
            "expire_entry",
        ),
        _apply_bu(
            lambda w, c: (
                [spec_valid(w.bu, w.e, c), w.e2.present, z3.Not(same(w.e2, w.e))],
                w.e2.infinite == (w.bu.lifetime == K.INFINITE_LIFETIME),
            )
        ),
    )


def bc_expire() -> list[Obligation]:
    """BC-EXPIRE (§4.3, §7.7): an expired entry is deleted, an unexpired one untouched; the expiry set
    by a BU is now + Lifetime seconds."""
    return _over(
        ONLY_DEFAULT,
        _entry_op(
            lambda s, e, now: (
                [e.present, spec_expired(e, now)],
                z3.Not(K.expire_entry(Z3, e, now).present),
            ),
            "expire_entry deletes",
        ),
        _entry_op(
            lambda s, e, now: ([z3.Not(spec_expired(e, now))], same(K.expire_entry(Z3, e, now), e)),
            "expire_entry keeps",
        ),
        _apply_bu(
            lambda w, c: (
                [
                    spec_valid(w.bu, w.e, c),
                    w.e2.present,
                    z3.Not(same(w.e2, w.e)),
                    w.bu.lifetime != K.INFINITE_LIFETIME,
                ],
                w.e2.expiry == w.now + 1000 * w.bu.lifetime,
            )
        ),
    )


def bc_homereg_noevict() -> list[Obligation]:
    """BC-HOMEREG-NOEVICT (§4.3, §7.7, §8.2): a home registration leaves only by expiry or a valid BU."""

    def kslot(
        slots: list[K.Entry], inp: Any, post: list[K.Entry], c: Config
    ) -> tuple[list[Any], Any]:
        ok = []
        for e, e2 in zip(slots, post, strict=True):
            stays = z3.And(e2.present, e2.home == e.home)
            by_bu = z3.And(inp.kind == BU, inp.bu.home == e.home, spec_valid(inp.bu, e, c))
            by_exp = z3.And(inp.kind == EXPIRE, spec_expired(e, inp.now))
            ok.append(z3.Implies(z3.And(e.present, e.home_reg), z3.Or(stays, by_bu, by_exp)))
        return [unique(slots)], z3.And(*ok)

    return _over(
        ONLY_DEFAULT,
        _entry_op(
            lambda s, e, now: (
                [e.present, e.home_reg],
                same(K.evict_entry(Z3, e, s.bool_("chosen")), e),
            ),
            "evict_entry",
        ),
        _entry_op(
            lambda s, e, now: (
                [e.present, e.home_reg, z3.Not(K.expire_entry(Z3, e, now).present)],
                spec_expired(e, now),
            ),
            "expire_entry",
        ),
        _apply_bu(
            lambda w, c: (
                [w.e.present, w.e.home_reg, z3.Not(w.e2.present)],
                spec_valid(w.bu, w.e, c),
            )
        ),
        _entry_op(
            lambda s, e, now: (
                [e.present, e.home_reg],
                same(K.icmp_unreach_entry(Z3, e, s.int_("count", 0), s.int_("limit", 1)), e),
            ),
            "icmp_unreach_entry",
        ),
        _kslot(3, kslot, "cache step"),
    )


def mn_bul_expire() -> list[Obligation]:
    """MN-BUL-EXPIRE (§4.3): the list's expiry test (kernel.expired, used by the Binding Update List) is
    exactly "a finite lifetime ran out"."""

    def fn(s: Sym, e: K.Entry, now: Any) -> tuple[list[Any], Any]:
        return [], K.expired(Z3, now, e.expiry, e.infinite) == spec_expired(e, now)

    return _over(ONLY_DEFAULT, _entry_op(fn, "expired"))


def bc_icmp_unreach() -> list[Obligation]:
    """BC-ICMP-UNREACH (§7.8): persistent Destination Unreachable deletes a (non-home) entry; below the
    limit the entry is untouched."""

    def fn(s: Sym, e: K.Entry, now: Any) -> tuple[list[Any], Any]:
        count, limit = s.int_("count", 0), s.int_("limit", 1)
        e2 = K.icmp_unreach_entry(Z3, e, count, limit)
        return [], z3.And(
            z3.Implies(z3.And(e.present, z3.Not(e.home_reg), count >= limit), z3.Not(e2.present)),
            z3.Implies(count < limit, same(e2, e)),
        )

    return _over(ONLY_DEFAULT, _entry_op(fn, "icmp_unreach_entry"))


def bc_hao_no_state() -> list[Obligation]:
    """BC-HAO-NO-STATE (§4.1, §4.3, §5.4): only apply_bu, expiry and eviction change the cache; a packet
    with a Home Address option but no valid BU is the identity on every slot."""

    def kslot(
        slots: list[K.Entry], inp: Any, post: list[K.Entry], c: Config
    ) -> tuple[list[Any], Any]:
        return [inp.kind == HAO_ONLY], z3.And(
            *[same(a, b) for a, b in zip(slots, post, strict=True)]
        )

    def hao_bu(
        slots: list[K.Entry], inp: Any, post: list[K.Entry], c: Config
    ) -> tuple[list[Any], Any]:
        bad_bu = z3.And(
            *[
                z3.Implies(
                    z3.And(s.present, s.home == inp.bu.home), z3.Not(spec_valid(inp.bu, s, c))
                )
                for s in slots
            ]
        )
        return (
            [
                unique(slots),
                inp.kind == BU,
                inp.bu.has_hao,
                bad_bu,
                z3.Or(
                    z3.Not(inp.bu.auth),
                    z3.Not(inp.bu.length_ok),
                    z3.Or(*[z3.And(s.present, s.home == inp.bu.home) for s in slots]),
                ),
            ],
            z3.And(*[same(a, b) for a, b in zip(slots, post, strict=True)]),
        )

    return _over(
        SEQ_READINGS[:2],
        _kslot(3, kslot, "hao-only receipt"),
        _kslot(3, hao_bu, "hao + invalid bu"),
    )


def bc_unique() -> list[Obligation]:
    """BC-UNIQUE (§4.3): "no two present slots share a home" is inductive under the cache step."""

    def ind(
        slots: list[K.Entry], inp: Any, post: list[K.Entry], c: Config
    ) -> tuple[list[Any], Any]:
        return [unique(slots)], unique(post)

    return _over(SEQ_READINGS[:2], _kslot(3, ind, "cache step"), _kslot(4, ind, "cache step"))


def _bu_needs(field_name: str) -> list[Obligation]:
    """A Binding Update without `field_name` (auth / length_ok / has_hao) changes nothing and gets no
    Binding Acknowledgement (§7.2 silent discard: the check is not VALID, not a re-ack)."""
    return _over(
        SEQ_READINGS,
        _apply_bu(
            lambda w, c: (
                [z3.Not(getattr(w.bu, field_name))],
                z3.And(
                    same(w.e2, w.e),
                    w.check != int(K.Check.VALID),
                    w.check != int(K.Check.EQUAL_SEQ_REACK),
                ),
            )
        ),
    )


def w_bu_minlen() -> list[Obligation]:
    """W-BU-MINLEN (§5.1, §7.2): a Binding Update shorter than the fixed part is silently ignored."""
    return _bu_needs("length_ok")


def w_bu_needs_hao() -> list[Obligation]:
    """W-BU-NEEDS-HAO (§5.1, §7.2): a Binding Update without a Home Address option is silently ignored."""
    return _bu_needs("has_hao")


def w_bu_needs_auth() -> list[Obligation]:
    """W-BU-NEEDS-AUTH (§4.2, §5.1, §7.2): a Binding Update without AH/ESP is silently ignored."""
    return _bu_needs("auth")


# ---------------------------------------------------------------- home agent (HA)


def _ha(extra: Callable[[BuWorld], list[Any]], status: int) -> list[Obligation]:
    return _over(
        SEQ_READINGS[:1],
        _apply_bu(
            lambda w, c: (
                [spec_valid(w.bu, w.e, c), w.bu.h, *extra(w)],
                z3.And(w.status == status, same(w.e2, w.e)),
            )
        ),
    )


def ha_dhaad_135() -> list[Obligation]:
    """HA-DHAAD-135 (§8.1): an H BU to the Home-Agents anycast address is rejected with 135."""
    return _ha(lambda w: [w.env.to_anycast], 135)


def ha_not_ha_132() -> list[Obligation]:
    """HA-NOT-HA-132 (§8.2, §8.3): a node without home-agent function rejects an H BU with 132."""
    return _ha(lambda w: [z3.Not(w.env.to_anycast), z3.Not(w.env.is_home_agent)], 132)


def ha_not_home_133() -> list[Obligation]:
    """HA-NOT-HOME-133 (§8.2, §8.3): a home address off-link for the home agent gets 133."""
    return _ha(
        lambda w: [z3.Not(w.env.to_anycast), w.env.is_home_agent, z3.Not(w.env.home_on_link)], 133
    )


def ha_idlen_136() -> list[Obligation]:
    """HA-IDLEN-136 (§8.2): a registration (not a deletion: §8.3 has no ID Length test) with a nonzero
    ID Length different from the home agent's gets 136."""
    return _ha(
        lambda w: [
            z3.Not(spec_delete(w.bu)),
            z3.Not(w.env.to_anycast),
            w.env.is_home_agent,
            w.env.home_on_link,
            w.env.id_length != 0,
            w.env.id_length != w.env.ha_id_length,
        ],
        136,
    )


def bc_homereg_full_131() -> list[Obligation]:
    """BC-HOMEREG-FULL-131 (§7.7): no room and nothing evictable => the home registration gets 131."""
    return _ha(
        lambda w: [
            spec_ha_ok(w.bu, w.env),
            z3.Not(spec_delete(w.bu)),
            z3.Not(w.e.present),
            w.env.cache_full,
            z3.Not(w.env.any_evictable),
        ],
        131,
    )


def ha_homereg_mark() -> list[Obligation]:
    """HA-HOMEREG-MARK (§8.2): an accepted H BU that is not a deletion leaves an entry marked home registration."""
    return _over(
        SEQ_READINGS[:1],
        _apply_bu(
            lambda w, c: (
                [spec_valid(w.bu, w.e, c), w.bu.h, w.status < 128, z3.Not(spec_delete(w.bu))],
                z3.And(w.e2.present, w.e2.home_reg, w.e2.coa == w.bu.coa),
            )
        ),
    )


# ---------------------------------------------------------------- mobile node (MN)


def _new_bu(s: Sym, b: K.BulEntry, now: Any, c: Config) -> tuple[K.BulEntry, list[Any]]:
    step = s.int_(
        "step", 1, K.SEQ_HALF - 1
    )  # §5.1: any increase the order still reads as "greater"
    b2 = K.bul_new_bu(
        Z3,
        c,
        b,
        now,
        step=step,
        initial_seq=s.seq("initial_seq"),
        coa=s.addr("coa"),
        home_reg=s.bool_("home_reg"),
        ack=s.bool_("ack"),
    )
    return b2, []


def mn_seq_increase() -> list[Obligation]:
    """MN-SEQ-INCREASE (§5.1): each new BU's number is greater (mod 2^16) than the previous one."""

    def fn(s: Sym, b: K.BulEntry, now: Any, c: Config) -> tuple[list[Any], Any]:
        b2, prem = _new_bu(s, b, now, c)
        return [b.present, *prem], z3.And(
            spec_greater(b2.seq, b.seq, c), b2.seq >= 0, b2.seq <= 65535
        )

    return _over(SEQ_READINGS[:2], _bul(fn, "bul_new_bu"))


def mn_retx_same_seq() -> list[Obligation]:
    """MN-RETX-SAME-SEQ (§9.7): a retransmission reuses the Sequence Number (and care-of address)."""
    return _over(
        ONLY_DEFAULT,
        _bul(
            lambda s, b, now, c: (
                [],
                z3.And(
                    K.bul_retransmit(Z3, c, b, now).seq == b.seq,
                    K.bul_retransmit(Z3, c, b, now).coa == b.coa,
                ),
            ),
            "bul_retransmit",
        ),
    )


def mn_backoff() -> list[Obligation]:
    """MN-BACKOFF (§9.7, §11): a new BU starts at 1 s; each retransmission doubles the timeout up to 256 s,
    never beyond; the set {1 s * 2^k <= 256 s} is inductive."""

    def new(s: Sym, b: K.BulEntry, now: Any, c: Config) -> tuple[list[Any], Any]:
        b2, prem = _new_bu(s, b, now, c)
        return prem, z3.And(
            b2.interval == c.initial_bindack_timeout,
            b2.next_retx == now + c.initial_bindack_timeout,
        )

    def retx(s: Sym, b: K.BulEntry, now: Any, c: Config) -> tuple[list[Any], Any]:
        b2 = K.bul_retransmit(Z3, c, b, now)
        want = z3.If(2 * b.interval <= c.max_bindack_timeout, 2 * b.interval, c.max_bindack_timeout)
        return [], z3.And(
            b2.interval == want,
            b2.next_retx == now + b2.interval,
            b2.interval <= c.max_bindack_timeout,
            z3.Or(*[b2.interval == v for v in intervals(c)]),
        )

    return _over(ONLY_DEFAULT, _bul(new, "bul_new_bu"), _bul(retx, "bul_retransmit"))


def mn_cn_retx_stop() -> list[Obligation]:
    """MN-CN-RETX-STOP (§9.5, C13): a correspondent's BU is not retransmitted once the timeout reached 256 s."""

    def fn(s: Sym, b: K.BulEntry, now: Any, c: Config) -> tuple[list[Any], Any]:
        b2 = K.bul_retransmit(Z3, c, b, now)
        return [z3.Not(b.home_reg), b2.interval >= c.max_bindack_timeout], z3.Not(b2.retx_on)

    return _over(ONLY_DEFAULT, _bul(fn, "bul_retransmit"))


def mn_home_retx() -> list[Obligation]:
    """MN-HOME-RETX (§9.4, §9.13): a home registration keeps retransmitting, at 256 s once reached."""

    def fn(s: Sym, b: K.BulEntry, now: Any, c: Config) -> tuple[list[Any], Any]:
        b2 = K.bul_retransmit(Z3, c, b, now)
        return [b.home_reg], z3.And(
            b2.retx_on,
            z3.Implies(b.interval == c.max_bindack_timeout, b2.interval == c.max_bindack_timeout),
        )

    return _over(ONLY_DEFAULT, _bul(fn, "bul_retransmit"))


def _ba(
    fn: Callable[[Sym, K.BulEntry, K.BulEntry, Any, Any, Config], tuple[list[Any], Any]],
) -> Callable[[str], Obligation]:
    def inner(s: Sym, b: K.BulEntry, now: Any, c: Config) -> tuple[list[Any], Any]:
        auth, opt_len = s.bool_("ba.auth"), s.int_("ba.opt_len", 0, 255)
        ba_seq, status = s.seq("ba.seq"), s.int_("ba.status", 0, 255)
        b2, outcome = K.bul_on_ba(
            Z3, c, b, auth=auth, opt_len=opt_len, ba_seq=ba_seq, status=status
        )
        valid = SM.ba_acceptable(
            Z3, c, auth=auth, opt_len=opt_len, outstanding=b.present, seq_matches=ba_seq == b.seq
        )
        return fn(s, b, b2, valid, status, c)

    return _bul(inner, "bul_on_ba")


def mn_ba_validate() -> list[Obligation]:
    """MN-BA-VALIDATE (§9.10): a BA without auth, too short, or not matching an outstanding BU changes nothing."""
    return _over(BA_READINGS, _ba(lambda s, b, b2, valid, st, c: ([z3.Not(valid)], same(b2, b))))


def mn_ba_accepted() -> list[Obligation]:
    """MN-BA-ACCEPTED (§9.10): a valid BA with Status < 128 marks the entry acknowledged, stops retransmission."""
    return _over(
        BA_READINGS,
        _ba(
            lambda s, b, b2, valid, st, c: (
                [valid, st < 128],
                z3.And(b2.present, b2.acked, z3.Not(b2.retx_on), b2.seq == b.seq),
            )
        ),
    )


def mn_ba_rejected() -> list[Obligation]:
    """MN-BA-REJECTED (§9.10): a valid BA with Status >= 128 deletes the entry and stops retransmission."""
    return _over(
        BA_READINGS,
        _ba(
            lambda s, b, b2, valid, st, c: (
                [valid, st >= 128],
                z3.And(z3.Not(b2.present), z3.Not(b2.retx_on)),
            )
        ),
    )


def w_ba_minlen() -> list[Obligation]:
    """W-BA-MINLEN (§9.10): a Binding Acknowledgement below the minimum length is ignored by the MN."""
    return _over(
        BA_READINGS,
        # z3 names constants: this is the Option Length `_ba` gave to kernel.bul_on_ba
        _ba(lambda s, b, b2, valid, st, c: ([z3.Int("ba.opt_len") < c.ba_min_length], same(b2, b))),
    )


def _rate(
    fn: Callable[[Any, Any, Any, Any, Config], tuple[list[Any], Any]], name: str
) -> Callable[[str], Obligation]:
    def build(cfg: Config) -> Goal:
        s = Sym()
        now, last, fc = s.time("now"), s.time("last_send"), s.int_("fast_count", 0)
        prem, g = fn(now, last, fc, K.rate_ok(Z3, now, last, fc, cfg), cfg)
        return Goal(s, prem, g)

    return lambda reading: Obligation(name, reading, build)


def mn_rate_limit() -> list[Obligation]:
    """MN-RATE-LIMIT (§9.8, B14): a BU is allowed only MAX_UPDATE_RATE (1 s) after the previous one, and a
    send exactly 1 s later (the first §9.7 retransmission) is allowed before MAX_FAST_UPDATES."""
    return _over(
        ONLY_DEFAULT,
        _rate(
            lambda now, last, fc, ok, c: ([ok], now - last >= c.max_update_rate), "rate_ok bounds"
        ),
        _rate(
            lambda now, last, fc, ok, c: (
                [fc < c.max_fast_updates, now - last >= c.max_update_rate],
                ok,
            ),
            "rate_ok allows",
        ),
        lambda reading: Obligation("bu_allowed", reading, _bu_allowed_bounds),
    )


def _bu_allowed_bounds(cfg: Config) -> Goal:
    s = Sym()
    now, last = s.time("now"), s.time("last_send")
    ok = K.bu_allowed(
        Z3,
        cfg,
        no_more_bu=s.bool_("no_more_bu"),
        sent_before=True,
        now=now,
        last_send=last,
        fast_count=s.int_("fast_count", 0),
    )
    return Goal(s, [ok], now - last >= cfg.max_update_rate)


def mn_slow_rate() -> list[Obligation]:
    """MN-SLOW-RATE (§9.8): after MAX_FAST_UPDATES consecutive BUs, at most one per SLOW_UPDATE_RATE (10 s)."""
    return _over(
        ONLY_DEFAULT,
        _rate(
            lambda now, last, fc, ok, c: (
                [ok, fc >= c.max_fast_updates],
                now - last >= c.slow_update_rate,
            ),
            "rate_ok",
        ),
    )


def mn_icmp_pp2_stop() -> list[Obligation]:
    """MN-ICMP-PP2-STOP (§4.3, §9.9): after Parameter Problem code 2 for a BU, retransmission stops, no
    BU is allowed to that destination, and no later list transition clears the mark."""

    def pp2(s: Sym, b: K.BulEntry, now: Any, c: Config) -> tuple[list[Any], Any]:
        b2 = K.bul_param_problem(Z3, b)
        allowed = K.bu_allowed(
            Z3,
            c,
            no_more_bu=b2.no_more_bu,
            sent_before=s.bool_("sent_before"),
            now=now,
            last_send=s.time("last_send"),
            fast_count=s.int_("fast_count", 0),
        )
        return [b.present], z3.And(z3.Not(b2.retx_on), z3.Not(allowed))

    def sticky(s: Sym, b: K.BulEntry, now: Any, c: Config) -> tuple[list[Any], Any]:
        b_new, _ = _new_bu(s, b, now, c)
        b_ba, _ = K.bul_on_ba(
            Z3,
            c,
            b,
            auth=s.bool_("auth"),
            opt_len=s.int_("opt_len", 0, 255),
            ba_seq=s.seq("ba_seq"),
            status=s.int_("status", 0, 255),
        )
        kept = [
            x.no_more_bu
            for x in (b_new, K.bul_retransmit(Z3, c, b, now), b_ba, K.bul_param_problem(Z3, b))
        ]
        return [b.no_more_bu], z3.And(*kept)

    return _over(
        ONLY_DEFAULT,
        _bul(pp2, "bul_param_problem + bu_allowed"),
        _bul(sticky, "every list transition"),
    )


def mn_coa_rate() -> list[Obligation]:
    """MN-COA-RATE (§9.3): a new primary care-of address at most once per MAX_UPDATE_RATE."""

    def build(cfg: Config) -> Goal:
        s = Sym()
        now, last, before = s.time("now"), s.time("last_formed"), s.bool_("formed_before")
        ok = K.coa_formation_ok(Z3, cfg, formed_before=before, now=now, last_formed=last)
        return Goal(s, [before, ok], now - last >= cfg.max_update_rate)

    return [Obligation("coa_formation_ok", "default", build)]


PROOFS: dict[str, Callable[[], list[Obligation]]] = {
    "BC-SEQ-MONOTONIC": bc_seq_monotonic,
    "BC-STALE-IGNORED": bc_stale_ignored,
    "BC-HAO-NO-STATE": bc_hao_no_state,
    "BC-HOMEREG-NOEVICT": bc_homereg_noevict,
    "BC-BA-STATUS": bc_ba_status,
    "BC-REJECT-NO-CACHE": bc_reject_no_cache,
    "BC-DELETE": bc_delete,
    "BC-CREATE": bc_create,
    "BC-INFINITE": bc_infinite,
    "BC-EXPIRE": bc_expire,
    "BC-UNIQUE": bc_unique,
    "BC-HOMEREG-FULL-131": bc_homereg_full_131,
    "BC-ICMP-UNREACH": bc_icmp_unreach,
    "HA-NOT-HA-132": ha_not_ha_132,
    "HA-NOT-HOME-133": ha_not_home_133,
    "HA-IDLEN-136": ha_idlen_136,
    "HA-DHAAD-135": ha_dhaad_135,
    "HA-HOMEREG-MARK": ha_homereg_mark,
    "HA-DEREG": ha_dereg,
    "W-BU-MINLEN": w_bu_minlen,
    "W-BU-NEEDS-HAO": w_bu_needs_hao,
    "W-BU-NEEDS-AUTH": w_bu_needs_auth,
    "W-BA-MINLEN": w_ba_minlen,
    "MN-SEQ-INCREASE": mn_seq_increase,
    "MN-RETX-SAME-SEQ": mn_retx_same_seq,
    "MN-BACKOFF": mn_backoff,
    "MN-CN-RETX-STOP": mn_cn_retx_stop,
    "MN-HOME-RETX": mn_home_retx,
    "MN-BA-VALIDATE": mn_ba_validate,
    "MN-BA-ACCEPTED": mn_ba_accepted,
    "MN-BA-REJECTED": mn_ba_rejected,
    "MN-RATE-LIMIT": mn_rate_limit,
    "MN-SLOW-RATE": mn_slow_rate,
    "MN-ICMP-PP2-STOP": mn_icmp_pp2_stop,
    "MN-COA-RATE": mn_coa_rate,
    "MN-BUL-EXPIRE": mn_bul_expire,
}
"""Property ID -> its obligations (each names the transition and the reading it is made under)."""


def run_proof(pid: str, budget_s: float = 10.0) -> Result:
    """Prove one property of `PROOFS`, with the kernel-equals-spec obligations its judgement rests on
    (properties/smt/refine.py)."""
    from mip6check.properties.smt.refine import refinements_of  # refine builds on this module

    obligations = [*PROOFS[pid](), *refinements_of(pid)]
    return prove(pid, obligations, budget_s)
