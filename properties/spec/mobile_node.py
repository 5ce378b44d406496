"""§9, §10: the mobile node's obligations: Binding Acknowledgement handling (§9.10), retransmission
back-off and its limits (§9.4, §9.5, §9.7), the update rate (§9.8)."""

from __future__ import annotations

from enum import IntEnum

from mip6check.model.codec import option_offset
from mip6check.model.config import Config, FastCount, PP2Pointer, RetxAtMax
from mip6check.properties.spec.logic import Logic, Term
from mip6check.properties.spec.registry import Bound, Observes, register
from mip6check.properties.spec.wire import status_accepts


class BAAction(IntEnum):
    """§9.10: what a mobile node does with a Binding Acknowledgement."""

    IGNORE = 0  # fails a validity test: silently ignored
    ACCEPTED = 1  # Status < 128: entry acknowledged, retransmission stops
    REJECTED = 2  # Status >= 128: entry deleted, retransmission stops


def counts_as_fast(cfg: Config, retransmission: bool) -> int:
    """§9.8 (C14): how much a Binding Update adds to the count of consecutive ones with one care-of
    address that MAX_FAST_UPDATES bounds: 1 each, or under `fast_count=updates` 0 for a §9.7
    retransmission (same Sequence Number)."""
    return 0 if retransmission and cfg.fast_count is FastCount.UPDATES else 1


def pp2_stops_updates(cfg: Config, pointer: int, invoking: bytes) -> bool:
    """§4.3, §9.9 (C17): an ICMP Parameter Problem code 2 for a packet carrying a Binding Update means
    "send no more Binding Updates to that node" (the flag of §4.3); under `pp2_pointer=read` only when its
    Pointer designates the Binding Update option, not another option of the packet (the Home Address
    option shares the 11 action bits)."""
    if cfg.pp2_pointer is PP2Pointer.IGNORED:
        return True
    return pointer == option_offset(invoking, cfg.profile.bu)


def ba_acceptable(
    L: Logic,
    cfg: Config,
    *,
    auth: Term,
    opt_len: Term,
    outstanding: Term,
    seq_matches: Term,
    from_peer: Term = True,
) -> Term:
    """§9.10: authenticated, Option Length at least the minimum of the `ba_min_length` reading, and
    answering an outstanding Binding Update by Sequence Number, sent by the node that Binding Update
    went to (§8.1: or a unicast address of a home agent when it went to the anycast address)."""
    return L.and_(auth, opt_len >= cfg.ba_min_length, outstanding, seq_matches, from_peer)


def ba_action(L: Logic, acceptable: Term, status: Term) -> Term:
    """§9.10: the `BAAction` for a Binding Acknowledgement of this acceptability and Status."""
    return L.ite(
        L.not_(acceptable),
        int(BAAction.IGNORE),
        L.ite(status_accepts(L, status), int(BAAction.ACCEPTED), int(BAAction.REJECTED)),
    )


def first_timeout(cfg: Config) -> int:
    """§9.7: the first retransmission waits INITIAL_BINDACK_TIMEOUT."""
    return cfg.initial_bindack_timeout


def next_timeout(L: Logic, previous: Term, cfg: Config) -> Term:
    """§9.7: each later wait doubles the previous one, up to MAX_BINDACK_TIMEOUT."""
    return L.min_(previous * 2, cfg.max_bindack_timeout)


def backoff_after(interval: int | None, cfg: Config) -> int:
    """§9.7 on values: the wait before the next retransmission, given the previous one (None before
    the first retransmission)."""
    if interval is None:
        return first_timeout(cfg)
    return min(2 * interval, cfg.max_bindack_timeout)


def may_retransmit(L: Logic, wait: Term, home_reg: Term, cfg: Config) -> Term:
    """§9.4: a home registration is retransmitted until acknowledged (at MAX_BINDACK_TIMEOUT once
    reached); §9.5: to a correspondent, not once the wait has reached MAX_BINDACK_TIMEOUT. Under
    `retx_at_max=stop` (§9.7 read alone, C13) a home registration stops there too."""
    below = wait < cfg.max_bindack_timeout
    return below if cfg.retx_at_max is RetxAtMax.STOP else L.or_(home_reg, below)


def min_gap(L: Logic, consecutive: Term, cfg: Config) -> Term:
    """§9.8: at least MAX_UPDATE_RATE between Binding Updates to one node; SLOW_UPDATE_RATE once
    MAX_FAST_UPDATES consecutive ones carried the same care-of address."""
    return L.ite(consecutive >= cfg.max_fast_updates, cfg.slow_update_rate, cfg.max_update_rate)


def rate_ok(L: Logic, now: Term, last_send: Term, consecutive: Term, cfg: Config) -> Term:
    """§9.8: a Binding Update at `now` keeps the gap after the previous one at `last_send`."""
    return now - last_send >= min_gap(L, consecutive, cfg)


for _pid in (
    "MN-SEQ-INCREASE",
    "MN-RETX-SAME-SEQ",
    "MN-RATE-LIMIT",
    "MN-SLOW-RATE",
    "MN-HOMEREG-FORM",
    "MN-HAO-OUT",
    "MN-SAME-HA-FIRST",
    "MN-PREV-ROUTER-BU",
    "MN-MCAST-INNER-SRC",
    "MN-ICMP-PP2-STOP",
    "MN-CN-RETX-STOP",
    "MN-COA-RATE",
):
    register(_pid, Observes.PACKET)
for _pid in ("MN-BA-VALIDATE", "MN-BA-ACCEPTED", "MN-BA-REJECTED"):
    register(_pid, Observes.STATE)
register("MN-BUL-RECORD", Observes.INVARIANT)
register(
    "MN-BUL-EXPIRE",
    Observes.ABSENCE,
    Bound("expiry_tolerance", "§4.3: deleted when its lifetime reaches zero"),
)
register(
    "MN-BACKOFF",
    Observes.ABSENCE,
    Bound("initial_bindack_timeout", "§9.7: retransmit after the timeout, doubling each time"),
)
register(
    "MN-HOME-RETX",
    Observes.ABSENCE,
    Bound("max_bindack_timeout", "§9.4: retransmitted until acknowledged, at most this far apart"),
)
register(
    "MN-BR-ANSWER",
    Observes.ABSENCE,
    Bound("answer_timeout", "§9.11: SHOULD answer a Binding Request; the draft gives no time"),
)
register(
    "MN-TUNNEL-TRIGGERS-BU",
    Observes.ABSENCE,
    Bound("answer_timeout", "§9.5: SHOULD send a Binding Update; the draft gives no time"),
)
register(
    "MN-RETURN-HOME",
    Observes.ABSENCE,
    Bound("answer_timeout", "§9.13: MUST de-register on returning home; the draft gives no time"),
)

__all__ = [
    "BAAction",
    "ba_acceptable",
    "ba_action",
    "backoff_after",
    "first_timeout",
    "may_retransmit",
    "min_gap",
    "next_timeout",
    "rate_ok",
]
