"""Z3 goals of the Binding Cache rows (§7, §4.3) and of the Binding Update's wire rules (§5.1): each
a list of `Obligation`s, written from the draft's text, over one kernel transition each."""

from __future__ import annotations

from typing import Any

import z3

from mip6check.model.config import Config
from mip6check.model.roles import kernel as K
from mip6check.properties.smt.cache_model import (
    BU,
    EXPIRE,
    HAO_ONLY,
    unique,
)
from mip6check.properties.smt.obligations import (
    ONLY_DEFAULT,
    SEQ_READINGS,
    BuWorld,
    Obligation,
    _apply_bu,
    _entry_op,
    _kslot,
    _over,
    spec_delete,
    spec_expired,
    spec_greater,
    spec_ha_ok,
    spec_valid,
)
from mip6check.properties.smt.z3logic import Z3, Sym, same

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
