"""The kernel mutants: faults in model/roles/kernel.py, each with a Z3 proof that must fail under it
and the properties every engine must report (properties/mutants.py gathers the catalogues)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

from mip6check.model.config import SeqHalf
from mip6check.model.roles import kernel as K
from mip6check.properties.mutant_patch import (
    ORIGINAL,
    Mutant,
)


def _m(
    name: str,
    section: str,
    description: str,
    catches: set[str],
    make: Callable[[SimpleNamespace], dict[str, Any]],
) -> Mutant:
    return Mutant(
        name, section, description, tuple(sorted(make(ORIGINAL))), frozenset(catches), make
    )


def _top(cfg: Any) -> int:
    return K.SEQ_HALF if cfg.seq_half is SeqHalf.ACCEPT else K.SEQ_HALF - 1


def _with_kw(fn: Any, **fixed: Any) -> Any:
    """A kernel function with some keyword inputs forced (e.g. a test the code forgets to make)."""
    return lambda L, *a, **kw: fn(L, *a, **{**kw, **fixed})


def _dereg_idlen(o: SimpleNamespace) -> Any:
    """cache_decision that also applies the §8.2 ID Length test to an H deletion (§8.3 has none)."""

    def cd(L: Any, **kw: Any) -> tuple[Any, Any]:
        op, st = o.cache_decision(L, **kw)
        bad = L.and_(
            kw["h"],
            op == int(K.CacheOp.DELETE),
            kw["id_length"] != 0,
            kw["id_length"] != kw["ha_id_length"],
        )
        return L.ite(bad, int(K.CacheOp.NONE), op), L.ite(bad, int(K.Status.BAD_ID_LENGTH), st)

    return cd


def _bu_then(o: SimpleNamespace, post: Callable[..., Any]) -> Any:
    """apply_bu whose result is bent by `post(L, bu, (entry', check, op, status))`."""
    return lambda L, cfg, e, bu, env, now: post(L, bu, o.apply_bu(L, cfg, e, bu, env, now))


def _ba_then(o: SimpleNamespace, post: Callable[..., Any]) -> Any:
    """bul_on_ba whose result is bent by `post(L, b, (entry', outcome))`."""
    return lambda L, cfg, b, **kw: post(L, b, o.bul_on_ba(L, cfg, b, **kw))


MUTANTS: tuple[Mutant, ...] = (
    _m(
        "seq-ge",
        "7.2",
        "Sequence Number compared with >= (equal accepted)",
        {"BC-SEQ-MONOTONIC", "BC-STALE-IGNORED"},
        lambda o: {"seq_greater": lambda L, a, b, cfg: L.mod(a - b, K.SEQ_MOD) <= _top(cfg)},
    ),
    _m(
        "seq-no-wrap",
        "4.3",
        "Sequence Number compared as plain integers, not modulo 2^16",
        {"BC-SEQ-MONOTONIC", "BC-STALE-IGNORED"},
        lambda o: {"seq_greater": lambda L, a, b, cfg: a > b},
    ),
    _m(
        "seq-half-accept",
        "4.3",
        "distance 2^15 read as greater whatever the seq_half switch says",
        {"BC-SEQ-MONOTONIC"},
        lambda o: {
            "seq_greater": lambda L, a, b, cfg: L.and_(
                L.mod(a - b, K.SEQ_MOD) >= 1, L.mod(a - b, K.SEQ_MOD) <= K.SEQ_HALF
            )
        },
    ),
    _m(
        "seq-equal-valid",
        "7.2",
        "an equal Sequence Number passes §7.2 (retransmission re-applied)",
        {"BC-SEQ-MONOTONIC", "BC-STALE-IGNORED"},
        lambda o: {
            "bu_check": lambda L, cfg, **kw: o.bu_check(
                L,
                cfg,
                **{
                    **kw,
                    "seq": L.ite(
                        L.and_(kw["has_entry"], kw["seq"] == kw["entry_seq"]),
                        L.mod(kw["entry_seq"] + 1, K.SEQ_MOD),
                        kw["seq"],
                    ),
                },
            )
        },
    ),
    _m(
        "no-auth-test",
        "7.2",
        "Binding Update accepted without AH/ESP",
        {"BC-STALE-IGNORED", "W-BU-NEEDS-AUTH"},
        lambda o: {"bu_check": _with_kw(o.bu_check, auth=True)},
    ),
    _m(
        "no-length-test",
        "7.2",
        "Binding Update accepted with Option Length below the fixed part",
        {"BC-STALE-IGNORED", "W-BU-MINLEN"},
        lambda o: {"bu_check": _with_kw(o.bu_check, length_ok=True)},
    ),
    _m(
        "no-hao-test",
        "7.2",
        "Binding Update accepted without a Home Address option",
        {"BC-STALE-IGNORED", "W-BU-NEEDS-HAO"},
        lambda o: {"bu_check": _with_kw(o.bu_check, has_hao=True)},
    ),
    _m(
        "homereg-evictable",
        "7.7",
        "cache replacement may drop home registrations",
        {"BC-HOMEREG-NOEVICT"},
        lambda o: {"is_evictable": lambda L, home_reg: True},
    ),
    _m(
        "lifetime0-keeps-entry",
        "7.4",
        "Lifetime 0 does not delete (only CoA = home does)",
        {"BC-DELETE", "HA-DEREG"},
        lambda o: {"wants_delete": lambda L, lifetime, coa_is_home: coa_is_home},
    ),
    _m(
        "status0-on-reject",
        "7.5",
        "Binding Acknowledgement Status 0 on rejection",
        {"BC-BA-STATUS", "HA-NOT-HA-132", "HA-IDLEN-136"},
        lambda o: {
            "cache_decision": lambda L, **kw: (lambda r: (r[0], L.ite(r[1] >= 128, 0, r[1])))(
                o.cache_decision(L, **kw)
            )
        },
    ),
    _m(
        "idlen-ignored",
        "8.2",
        "ID Length not compared with the home agent's",
        {"HA-IDLEN-136"},
        lambda o: {"cache_decision": _with_kw(o.cache_decision, id_length=0)},
    ),
    _m(
        "dereg-idlen-136",
        "8.3",
        "an H de-registration gets §8.2's ID Length test: 136 and the entry kept",
        {"HA-DEREG", "BC-BA-STATUS"},
        lambda o: {"cache_decision": _dereg_idlen(o)},
    ),
    _m(
        "anycast-ignored",
        "8.1",
        "H Binding Update to the Home-Agents anycast address accepted",
        {"HA-DHAAD-135"},
        lambda o: {"cache_decision": _with_kw(o.cache_decision, to_anycast=False)},
    ),
    _m(
        "not-ha-accepts",
        "8.2",
        "a node without home-agent function accepts H",
        {"HA-NOT-HA-132"},
        lambda o: {"cache_decision": _with_kw(o.cache_decision, is_home_agent=True)},
    ),
    _m(
        "offlink-accepted",
        "8.2",
        "home address off the home agent's link accepted",
        {"HA-NOT-HOME-133"},
        lambda o: {"cache_decision": _with_kw(o.cache_decision, home_on_link=True)},
    ),
    _m(
        "full-cache-accepts",
        "7.7",
        "full cache with nothing evictable still accepts",
        {"BC-HOMEREG-FULL-131"},
        lambda o: {"cache_decision": _with_kw(o.cache_decision, any_evictable=True)},
    ),
    _m(
        "never-create",
        "7.3",
        "valid BUs never create an entry (131)",
        {"BC-CREATE"},
        lambda o: {"cache_decision": _with_kw(o.cache_decision, will_create=False)},
    ),
    _m(
        "homereg-not-marked",
        "8.2",
        "accepted H Binding Update not marked home registration",
        {"HA-HOMEREG-MARK"},
        lambda o: {
            "apply_bu": _bu_then(
                o,
                lambda L, bu, r: (
                    replace(
                        r[0], home_reg=L.ite(L.or_(r[2] == 1, r[2] == 2), False, r[0].home_reg)
                    ),
                    *r[1:],
                ),
            )
        },
    ),
    _m(
        "reject-touches-cache",
        "5.2",
        "a rejected Binding Update overwrites the care-of address",
        {"BC-REJECT-NO-CACHE"},
        lambda o: {
            "apply_bu": _bu_then(
                o,
                lambda L, bu, r: (
                    replace(r[0], coa=L.ite(L.and_(r[1] == 0, r[3] >= 128), bu.coa, r[0].coa)),
                    *r[1:],
                ),
            )
        },
    ),
    _m(
        "infinite-expires",
        "5.1",
        "Lifetime 0xFFFFFFFF expires like any other",
        {"BC-INFINITE", "MN-BUL-EXPIRE"},
        lambda o: {"expired": lambda L, now, expiry, infinite: now >= expiry},
    ),
    _m(
        "never-expires",
        "4.3",
        "entries are never deleted at the end of their lifetime",
        {"BC-EXPIRE", "MN-BUL-EXPIRE"},
        lambda o: {"expired": lambda L, now, expiry, infinite: L.and_(False)},
    ),
    _m(
        "expiry-in-seconds",
        "7.3",
        "expiry computed as now(ms) + Lifetime without the *1000",
        {"BC-EXPIRE", "BC-CREATE"},
        lambda o: {"expiry_of": lambda now, lifetime_s: now + lifetime_s},
    ),
    _m(
        "expire-1s-early",
        "7.7",
        "entries deleted one second before their lifetime runs out",
        {"BC-EXPIRE"},
        lambda o: {
            "expired": lambda L, now, expiry, infinite: L.and_(
                L.not_(infinite), now >= expiry - 1000
            )
        },
    ),
    _m(
        "retx-new-seq",
        "9.7",
        "retransmission with a new Sequence Number",
        {"MN-RETX-SAME-SEQ"},
        lambda o: {
            "bul_retransmit": lambda L, cfg, b, now: replace(
                o.bul_retransmit(L, cfg, b, now), seq=L.mod(b.seq + 1, K.SEQ_MOD)
            )
        },
    ),
    _m(
        "no-backoff-doubling",
        "9.7",
        "retransmission timeout does not double",
        {"MN-BACKOFF"},
        lambda o: {
            "next_retx_interval": lambda L, interval, cfg: L.min_(interval, cfg.max_bindack_timeout)
        },
    ),
    _m(
        "backoff-no-cap",
        "9.7",
        "retransmission timeout doubles past MAX_BINDACK_TIMEOUT",
        {"MN-BACKOFF"},
        lambda o: {"next_retx_interval": lambda L, interval, cfg: interval * 2},
    ),
    _m(
        "new-bu-same-seq",
        "5.1",
        "a new Binding Update reuses the previous Sequence Number",
        {"MN-SEQ-INCREASE"},
        lambda o: {"next_seq": lambda L, last, step: last},
    ),
    _m(
        "cn-retx-forever",
        "9.5",
        "Binding Updates to correspondents retransmitted forever",
        {"MN-CN-RETX-STOP"},
        lambda o: {"retx_continues": lambda L, interval, home_reg, cfg: True},
    ),
    _m(
        "home-retx-stops",
        "9.4",
        "home registration retransmission stops at the cap",
        {"MN-HOME-RETX"},
        lambda o: {
            "retx_continues": lambda L, interval, home_reg, cfg: interval < cfg.max_bindack_timeout
        },
    ),
    _m(
        "rate-limit-1s-short",
        "9.8",
        "rate limit off by one second (BUs allowed back to back)",
        {"MN-RATE-LIMIT", "MN-SLOW-RATE"},
        lambda o: {
            "rate_ok": lambda L, now, last, fc, cfg: (
                now - last
                >= L.ite(fc >= cfg.max_fast_updates, cfg.slow_update_rate, cfg.max_update_rate)
                - 1000
            )
        },
    ),
    _m(
        "slow-rate-ignored",
        "9.8",
        "no SLOW_UPDATE_RATE after MAX_FAST_UPDATES",
        {"MN-SLOW-RATE"},
        lambda o: {"rate_ok": lambda L, now, last, fc, cfg: o.rate_ok(L, now, last, 0, cfg)},
    ),
    _m(
        "ba-seq-unchecked",
        "9.10",
        "Binding Acknowledgement acted on without a matching Sequence Number",
        {"MN-BA-VALIDATE"},
        lambda o: {"ba_outcome": _with_kw(o.ba_outcome, seq_matches=True)},
    ),
    _m(
        "ba-length-unchecked",
        "9.10",
        "short Binding Acknowledgement acted on",
        {"MN-BA-VALIDATE", "W-BA-MINLEN"},
        lambda o: {"ba_outcome": _with_kw(o.ba_outcome, opt_len=255)},
    ),
    _m(
        "ba-auth-unchecked",
        "9.10",
        "unauthenticated Binding Acknowledgement acted on",
        {"MN-BA-VALIDATE"},
        lambda o: {"ba_outcome": _with_kw(o.ba_outcome, auth=True)},
    ),
    _m(
        "ba-reject-keeps-entry",
        "9.10",
        "rejecting Binding Acknowledgement leaves the list entry",
        {"MN-BA-REJECTED"},
        lambda o: {
            "bul_on_ba": _ba_then(o, lambda L, b, r: (replace(r[0], present=b.present), r[1]))
        },
    ),
    _m(
        "ba-accept-keeps-retx",
        "9.10",
        "accepted Binding Acknowledgement does not stop retransmission",
        {"MN-BA-ACCEPTED"},
        lambda o: {
            "bul_on_ba": _ba_then(o, lambda L, b, r: (replace(r[0], retx_on=b.retx_on), r[1]))
        },
    ),
    _m(
        "status128-accepted",
        "5.2",
        "Status 128 read as accepted (<= 128)",
        {"MN-BA-REJECTED"},
        lambda o: {"accepted": lambda L, status: status <= 128},
    ),
    _m(
        "icmp-deletes-homereg",
        "7.7",
        "persistent ICMP unreachable deletes a home registration",
        {"BC-HOMEREG-NOEVICT"},
        lambda o: {
            "icmp_unreach_entry": lambda L, e, count, limit: replace(
                e, present=L.ite(L.and_(e.present, count >= limit), False, e.present)
            )
        },
    ),
    _m(
        "icmp-never-deletes",
        "7.8",
        "persistent ICMP unreachable never deletes the entry",
        {"BC-ICMP-UNREACH"},
        lambda o: {"icmp_unreach_entry": lambda L, e, count, limit: e},
    ),
    _m(
        "pp2-ignored",
        "9.9",
        "ICMP Parameter Problem code 2 does not stop Binding Updates",
        {"MN-ICMP-PP2-STOP"},
        lambda o: {"bul_param_problem": lambda L, b: b},
    ),
    _m(
        "no-more-bu-ignored",
        "9.9",
        "the no-more-BUs mark is not consulted before sending",
        {"MN-ICMP-PP2-STOP"},
        lambda o: {"bu_allowed": _with_kw(o.bu_allowed, no_more_bu=False)},
    ),
    _m(
        "route-ignores-expiry",
        "7.9",
        "a packet is routed by a binding whose lifetime ran out",
        {"BC-ROUTE-VIA-RH"},
        lambda o: {"binding_route": lambda L, e, now: (e.present, e.coa)},
    ),
    _m(
        "tunnel-any-binding",
        "8.4",
        "the home agent intercepts and tunnels for any binding, not only a home registration",
        {"HA-TUNNEL"},
        lambda o: {"tunnel_route": lambda L, e, now: o.binding_route(L, e, now)},
    ),
    _m(
        "ack-via-cache",
        "5.2",
        "a rejecting Binding Acknowledgement is routed by the cached entry when there is one",
        {"BC-REJECT-NO-CACHE"},
        lambda o: {"ack_route": lambda L, status, e, bu_coa: L.ite(e.present, e.coa, bu_coa)},
    ),
    _m(
        "coa-rate-off",
        "9.3",
        "new care-of addresses formed without the MAX_UPDATE_RATE limit",
        {"MN-COA-RATE"},
        lambda o: {"coa_formation_ok": lambda L, cfg, **kw: True},
    ),
)
"""The catalogue: at least 25 faults, each expected to be caught by the properties in `catches`."""
