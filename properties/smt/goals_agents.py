"""Z3 goals of the home agent rows (§8) and the mobile node rows (§9, §10): each a list of
`Obligation`s, written from the draft's text, over one kernel transition each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import z3

from mip6check.model.config import Config
from mip6check.model.roles import kernel as K
from mip6check.properties.smt.obligations import (
    BA_READINGS,
    ONLY_DEFAULT,
    SEQ_READINGS,
    BuWorld,
    Goal,
    Obligation,
    _apply_bu,
    _bul,
    _over,
    spec_delete,
    spec_greater,
    spec_ha_ok,
    spec_valid,
)
from mip6check.properties.smt.z3logic import Z3, Sym, intervals, same
from mip6check.properties.spec import mobile_node as SM

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
