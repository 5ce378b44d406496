"""Decision kernel: every protocol decision the Binding Cache, home agent and Binding Update List take,
written once over `Logic` so the executable roles (PY) and the Z3 proofs (properties/smt) run this same code.

Inputs are ints/bools (or Z3 terms); outputs are small int codes (enums below). Configuration values are
plain Python (they select the reading; they are never symbolic).
"""

from __future__ import annotations

from enum import IntEnum

from mip6check.model.config import Config, FastCount, RetxAtMax, SeqHalf
from mip6check.model.roles.logic import Logic, Term

SEQ_MOD = 1 << 16
SEQ_HALF = 1 << 15
INFINITE_LIFETIME = 0xFFFFFFFF


class Status(IntEnum):
    """Binding Acknowledgement Status (§5.2, wire-formats §2.1). <128 accepted, >=128 rejected."""

    ACCEPTED = 0
    UNSPECIFIED = 128
    POORLY_FORMED = 129
    PROHIBITED = 130
    INSUFFICIENT_RESOURCES = 131
    HOME_REG_NOT_SUPPORTED = 132
    NOT_HOME_SUBNET = 133
    SEQ_TOO_SMALL = 134
    DHAAD_RESPONSE = 135
    BAD_ID_LENGTH = 136


class Check(IntEnum):
    """Outcome of the §7.2 validity tests (0 = valid). A nonzero value means: silently ignore."""

    VALID = 0
    NO_AUTH = 1  # §7.2 (1): AH or ESP authentication
    TOO_SHORT = 2  # §7.2 (2): Option Length below the fixed part
    NO_HAO = 3  # §7.2 (3): Home Address option missing
    STALE_SEQ = 4  # §7.2 (4): Sequence Number not greater (modulo 2^16)
    EQUAL_SEQ_REACK = (
        5  # switch seq_equal_ack: identical retransmission, re-acknowledge without change
    )


class CacheOp(IntEnum):
    """What an accepted or rejected Binding Update does to the Binding Cache (§7.3, §7.4, §7.7, §8.2, §8.3)."""

    NONE = 0
    UPDATE = 1  # create or update the entry for the home address
    EVICT_AND_UPDATE = 2  # drop the LRU non-home entry first (§7.7), then create
    DELETE = 3


class BAOutcome(IntEnum):
    """How a mobile node treats a Binding Acknowledgement (§9.10)."""

    IGNORE = 0
    ACCEPTED = 1
    REJECTED = 2


SECTION_OF_CHECK = {
    Check.NO_AUTH: "7.2",
    Check.TOO_SHORT: "7.2",
    Check.NO_HAO: "7.2",
    Check.STALE_SEQ: "7.2",
    Check.EQUAL_SEQ_REACK: "7.2",
}

# ---------------------------------------------------------------- sequence numbers (§4.3, §5.1, §7.2; C1)


def seq_greater(L: Logic, a: Term, b: Term, cfg: Config) -> Term:
    """a > b modulo 2^16: d = (a - b) mod 2^16 in 1..2^15-1, or 1..2^15 under `seq_half=accept`."""
    d = L.mod(a - b, SEQ_MOD)
    top = SEQ_HALF if cfg.seq_half is SeqHalf.ACCEPT else SEQ_HALF - 1
    return L.and_(d >= 1, d <= top)


def next_seq(L: Logic, last: Term, step: Term) -> Term:
    """§5.1: a new BU uses a greater number; any step 1..2^15-1 is allowed (a MAY choice of the caller)."""
    return L.mod(last + step, SEQ_MOD)


# ---------------------------------------------------------------- §7.2 Binding Update validity


def bu_check(
    L: Logic,
    cfg: Config,
    *,
    auth: Term,
    length_ok: Term,
    has_hao: Term,
    has_entry: Term,
    entry_seq: Term,
    seq: Term,
) -> Term:
    """The four §7.2 tests in order; returns a `Check` code. Equal numbers re-ack only under the switch."""
    fresh = L.or_(L.not_(has_entry), seq_greater(L, seq, entry_seq, cfg))
    equal = L.and_(has_entry, seq == entry_seq)
    stale = (
        L.ite(equal, int(Check.EQUAL_SEQ_REACK), int(Check.STALE_SEQ))
        if cfg.seq_equal_ack
        else int(Check.STALE_SEQ)
    )
    return L.ite(
        L.not_(auth),
        int(Check.NO_AUTH),
        L.ite(
            L.not_(length_ok),
            int(Check.TOO_SHORT),
            L.ite(L.not_(has_hao), int(Check.NO_HAO), L.ite(fresh, int(Check.VALID), stale)),
        ),
    )


def is_evictable(L: Logic, home_reg: Term) -> Term:
    """§7.7, §8.2: cache replacement may drop any entry except a home registration."""
    return L.not_(home_reg)


def wants_delete(L: Logic, lifetime: Term, coa_is_home: Term) -> Term:
    """§5.1, §7.4, §8.3: Lifetime 0 or care-of address equal to the home address means delete."""
    return L.or_(lifetime == 0, coa_is_home)


# ---------------------------------------------------------------- cache decision for a valid BU


def cache_decision(
    L: Logic,
    *,
    h: Term,
    lifetime: Term,
    coa_is_home: Term,
    has_entry: Term,
    cache_full: Term,
    any_evictable: Term,
    is_home_agent: Term,
    home_on_link: Term,
    id_length: Term,
    ha_id_length: Term,
    to_anycast: Term,
    will_create: Term = True,
) -> tuple[Term, Term]:
    """(CacheOp, Status) for a Binding Update that passed §7.2.

    H=1 (§8.1-§8.3): anycast -> 135; no HA function -> 132; home address off-link -> 133; then a
    registration (§8.2) with an ID Length nonzero and different -> 136, while a de-registration (§8.3
    lists only the 132 and 133 tests, then "MUST delete any existing entry") -> DELETE; no room and
    nothing evictable -> 131.
    H=0 (§7.3, §7.4, §7.7): deletion -> DELETE; no room -> evict LRU non-home entry, or 131.
    `will_create` is the node's §7.3 SHOULD/MAY choice; declining gives 131 (the only status the text offers).
    """
    delete = wants_delete(L, lifetime, coa_is_home)
    need_room = L.and_(L.not_(delete), L.not_(has_entry), cache_full)
    room_op = L.ite(
        need_room,
        L.ite(any_evictable, int(CacheOp.EVICT_AND_UPDATE), int(CacheOp.NONE)),
        int(CacheOp.UPDATE),
    )
    room_status = L.ite(
        L.and_(need_room, L.not_(any_evictable)),
        int(Status.INSUFFICIENT_RESOURCES),
        int(Status.ACCEPTED),
    )
    upd_op = L.ite(delete, int(CacheOp.DELETE), L.ite(will_create, room_op, int(CacheOp.NONE)))
    upd_status = L.ite(
        delete,
        int(Status.ACCEPTED),
        L.ite(will_create, room_status, int(Status.INSUFFICIENT_RESOURCES)),
    )
    h_reject = L.ite(
        to_anycast,
        int(Status.DHAAD_RESPONSE),
        L.ite(
            L.not_(is_home_agent),
            int(Status.HOME_REG_NOT_SUPPORTED),
            L.ite(
                L.not_(home_on_link),
                int(Status.NOT_HOME_SUBNET),
                L.ite(
                    L.and_(L.not_(delete), id_length != 0, id_length != ha_id_length),
                    int(Status.BAD_ID_LENGTH),
                    0,
                ),
            ),
        ),
    )
    op = L.ite(L.and_(h, h_reject != 0), int(CacheOp.NONE), upd_op)
    status = L.ite(L.and_(h, h_reject != 0), h_reject, upd_status)
    return op, status


def accepted(L: Logic, status: Term) -> Term:
    """§5.2: Status values below 128 mean accepted."""
    return status < 128


# ---------------------------------------------------------------- lifetimes (§4.3, §5.1, §7.7; C2)


def expiry_of(now: Term, lifetime_s: Term) -> Term:
    """Absolute expiry (ms) of a lifetime in seconds, for finite lifetimes."""
    return now + lifetime_s * 1000


def expired(L: Logic, now: Term, expiry: Term, infinite: Term) -> Term:
    """An entry has expired when its lifetime ran out; 0xFFFFFFFF never does (BC-INFINITE)."""
    return L.and_(L.not_(infinite), now >= expiry)


# ---------------------------------------------------------------- mobile node (§9.7, §9.8, §9.10)


def next_retx_interval(L: Logic, interval: Term, cfg: Config) -> Term:
    """§9.7: the retransmission timeout doubles, capped at MAX_BINDACK_TIMEOUT."""
    return L.min_(interval * 2, cfg.max_bindack_timeout)


def retx_continues(L: Logic, interval: Term, home_reg: Term, cfg: Config) -> Term:
    """C13: home registrations retransmit forever at the cap (§9.4); correspondents stop at the cap
    (§9.5); under retx_at_max=stop (§9.7 alone) both stop there."""
    below = interval < cfg.max_bindack_timeout
    return below if cfg.retx_at_max is RetxAtMax.STOP else L.or_(home_reg, below)


def rate_ok(L: Logic, now: Term, last_send: Term, fast_count: Term, cfg: Config) -> Term:
    """§9.8 (B14): MAX_UPDATE_RATE between any two BUs; SLOW_UPDATE_RATE after MAX_FAST_UPDATES with one CoA."""
    gap = L.ite(fast_count >= cfg.max_fast_updates, cfg.slow_update_rate, cfg.max_update_rate)
    return now - last_send >= gap


def ba_outcome(
    L: Logic, cfg: Config, *, auth: Term, opt_len: Term, seq_matches: Term, status: Term
) -> Term:
    """§9.10: act only with auth, Option Length >= the minimum and a matching outstanding BU."""
    valid = L.and_(auth, opt_len >= cfg.ba_min_length, seq_matches)
    return L.ite(
        L.not_(valid),
        int(BAOutcome.IGNORE),
        L.ite(accepted(L, status), int(BAOutcome.ACCEPTED), int(BAOutcome.REJECTED)),
    )


# ---------------------------------------------------------------- per-entry transitions shared with Z3
# A Binding Cache entry and a Binding Update List entry as tuples of terms. The concrete BindingCache /
# BindingUpdateList call these with PY; properties/smt calls them with Z3 terms. Addresses are compared
# only for equality, so they may be ints (or Z3 Ints / BitVecs) here.


from dataclasses import dataclass  # noqa: E402


@dataclass(frozen=True)
class Entry:
    """One Binding Cache slot (§4.3): present?, home address, care-of address, Sequence Number,
    home registration?, expiry (ms), infinite lifetime?, last use (ms, for LRU)."""

    present: Term
    home: Term
    coa: Term
    seq: Term
    home_reg: Term
    expiry: Term
    infinite: Term
    last_used: Term


@dataclass(frozen=True)
class BUIn:
    """What the receiver of a Binding Update knows (§7.2): tests' inputs and the option's fields."""

    auth: Term
    length_ok: Term
    has_hao: Term
    h: Term
    seq: Term
    lifetime: Term  # seconds
    home: Term
    coa: Term


@dataclass(frozen=True)
class NodeEnv:
    """The receiving node's situation: HA capability, on-link test, ID length, anycast, room, MAY choice."""

    is_home_agent: Term
    home_on_link: Term
    id_length: Term
    ha_id_length: Term
    to_anycast: Term
    cache_full: Term
    any_evictable: Term
    will_create: Term = True


def apply_bu(
    L: Logic, cfg: Config, e: Entry, bu: BUIn, env: NodeEnv, now: Term
) -> tuple[Entry, Term, Term, Term]:
    """One Binding Update against the entry for its home address: (entry', Check, CacheOp, Status).

    `e` must be the entry for `bu.home` (or absent). Rejected or invalid updates leave it unchanged
    (BC-STALE-IGNORED, BC-REJECT-NO-CACHE); DELETE clears it; UPDATE sets it (home_reg = H, §8.2).
    """
    check = bu_check(
        L,
        cfg,
        auth=bu.auth,
        length_ok=bu.length_ok,
        has_hao=bu.has_hao,
        has_entry=e.present,
        entry_seq=e.seq,
        seq=bu.seq,
    )
    op, status = cache_decision(
        L,
        h=bu.h,
        lifetime=bu.lifetime,
        coa_is_home=bu.coa == bu.home,
        has_entry=e.present,
        cache_full=env.cache_full,
        any_evictable=env.any_evictable,
        is_home_agent=env.is_home_agent,
        home_on_link=env.home_on_link,
        id_length=env.id_length,
        ha_id_length=env.ha_id_length,
        to_anycast=env.to_anycast,
        will_create=env.will_create,
    )
    valid = check == int(Check.VALID)
    op = L.ite(valid, op, int(CacheOp.NONE))
    is_set = L.or_(op == int(CacheOp.UPDATE), op == int(CacheOp.EVICT_AND_UPDATE))
    is_del = op == int(CacheOp.DELETE)
    infinite = bu.lifetime == INFINITE_LIFETIME
    new = Entry(
        present=L.ite(is_set, True, L.ite(is_del, False, e.present)),
        home=L.ite(is_set, bu.home, e.home),
        coa=L.ite(is_set, bu.coa, e.coa),
        seq=L.ite(is_set, bu.seq, e.seq),
        home_reg=L.ite(is_set, bu.h, L.ite(is_del, False, e.home_reg)),
        expiry=L.ite(is_set, expiry_of(now, bu.lifetime), e.expiry),
        infinite=L.ite(is_set, infinite, e.infinite),
        last_used=L.ite(is_set, now, e.last_used),
    )
    return new, check, op, status


def expire_entry(L: Logic, e: Entry, now: Term) -> Entry:
    """§4.3, §7.7: an entry whose lifetime ran out is deleted (BC-EXPIRE); infinite ones stay (BC-INFINITE)."""
    gone = L.and_(e.present, expired(L, now, e.expiry, e.infinite))
    return Entry(
        present=L.ite(gone, False, e.present),
        home=e.home,
        coa=e.coa,
        seq=e.seq,
        home_reg=L.ite(gone, False, e.home_reg),
        expiry=e.expiry,
        infinite=e.infinite,
        last_used=e.last_used,
    )


def evict_entry(L: Logic, e: Entry, chosen: Term) -> Entry:
    """§7.7 cache replacement: `chosen` (the LRU pick) drops the entry only if it is evictable."""
    drop = L.and_(chosen, e.present, is_evictable(L, e.home_reg))
    return Entry(
        present=L.ite(drop, False, e.present),
        home=e.home,
        coa=e.coa,
        seq=e.seq,
        home_reg=e.home_reg,
        expiry=e.expiry,
        infinite=e.infinite,
        last_used=e.last_used,
    )


@dataclass(frozen=True)
class BulEntry:
    """One Binding Update List entry (§4.3): the fields the MN's sending rules read and write."""

    present: Term
    seq: Term
    coa: Term
    home_reg: Term
    acked: Term
    interval: Term  # current retransmission timeout (ms)
    next_retx: Term  # ms; meaningful while `retx_on`
    retx_on: Term
    last_send: Term
    fast_count: Term  # consecutive BUs with the same care-of address (§9.8)
    no_more_bu: Term  # §4.3, §9.9: set after ICMP Parameter Problem code 2


def bul_new_bu(
    L: Logic,
    cfg: Config,
    b: BulEntry,
    now: Term,
    *,
    step: Term,
    initial_seq: Term,
    coa: Term,
    home_reg: Term,
    ack: Term,
) -> BulEntry:
    """§5.1, §9.4, §9.7, §9.8: a new (not retransmitted) BU: greater Sequence Number, fresh back-off."""
    # §9.8 counts consecutive BUs to a node with one care-of address, whether or not the entry was
    # deleted in between: an absent entry may carry the count (fast_count > 0) from the rate memory
    same_coa = L.and_(b.fast_count > 0, b.coa == coa)
    return BulEntry(
        present=True,
        seq=L.ite(b.present, next_seq(L, b.seq, step), initial_seq),
        coa=coa,
        home_reg=home_reg,
        acked=False,
        interval=cfg.initial_bindack_timeout,
        next_retx=now + cfg.initial_bindack_timeout,
        retx_on=ack,
        last_send=now,
        fast_count=L.ite(same_coa, b.fast_count + 1, 1),
        no_more_bu=b.no_more_bu,
    )


def bul_retransmit(L: Logic, cfg: Config, b: BulEntry, now: Term) -> BulEntry:
    """§9.7: a retransmission reuses the Sequence Number; the timeout doubles up to the cap; a
    correspondent's retransmissions stop once the timeout has reached the cap (C13)."""
    nxt = next_retx_interval(L, b.interval, cfg)
    go_on = retx_continues(L, nxt, b.home_reg, cfg)
    return BulEntry(
        present=b.present,
        seq=b.seq,
        coa=b.coa,
        home_reg=b.home_reg,
        acked=b.acked,
        interval=nxt,
        next_retx=now + nxt,
        retx_on=go_on,
        last_send=now,
        fast_count=b.fast_count + (0 if cfg.fast_count is FastCount.UPDATES else 1),  # C14
        no_more_bu=b.no_more_bu,
    )


def bul_on_ba(
    L: Logic, cfg: Config, b: BulEntry, *, auth: Term, opt_len: Term, ba_seq: Term, status: Term
) -> tuple[BulEntry, Term]:
    """§9.10: a matching accepted BA marks the entry acknowledged; a rejected one deletes it; both stop
    retransmission. Anything else is ignored."""
    outcome = ba_outcome(
        L,
        cfg,
        auth=auth,
        opt_len=opt_len,
        seq_matches=L.and_(b.present, ba_seq == b.seq),
        status=status,
    )
    acc = outcome == int(BAOutcome.ACCEPTED)
    rej = outcome == int(BAOutcome.REJECTED)
    return (
        BulEntry(
            present=L.ite(rej, False, b.present),
            seq=b.seq,
            coa=b.coa,
            home_reg=b.home_reg,
            acked=L.ite(acc, True, b.acked),
            interval=b.interval,
            next_retx=b.next_retx,
            retx_on=L.ite(L.or_(acc, rej), False, b.retx_on),
            last_send=b.last_send,
            fast_count=b.fast_count,
            no_more_bu=b.no_more_bu,
        ),
        outcome,
    )


# ---------------------------------------------------------------- additions used by the roles (same style)


def icmp_unreach_entry(L: Logic, e: Entry, count: Term, limit: Term) -> Entry:
    """§7.8: persistent ICMP Destination Unreachable (`count` >= `limit`) for packets routed by a binding
    deletes that entry; a home registration is never deleted this way (§7.7 MUST, BC-HOMEREG-NOEVICT)."""
    drop = L.and_(e.present, count >= limit, L.not_(e.home_reg))
    return Entry(
        present=L.ite(drop, False, e.present),
        home=e.home,
        coa=e.coa,
        seq=e.seq,
        home_reg=e.home_reg,
        expiry=e.expiry,
        infinite=e.infinite,
        last_used=e.last_used,
    )


def binding_route(L: Logic, e: Entry, now: Term) -> tuple[Term, Term]:
    """§7.9, §4.3: (use, care-of address): a packet for e.home goes by its binding, via the care-of
    address in a Routing header, iff the entry is present and its lifetime has not run out."""
    use = L.and_(e.present, L.not_(expired(L, now, e.expiry, e.infinite)))
    return use, e.coa


def tunnel_route(L: Logic, e: Entry, now: Term) -> tuple[Term, Term]:
    """§8.2, §8.4: (intercept, tunnel destination): a home agent intercepts packets for e.home only
    while it holds a live home registration for it, and tunnels them to its primary care-of address."""
    use, coa = binding_route(L, e, now)
    return L.and_(use, e.home_reg), coa


def ack_route(L: Logic, status: Term, e: Entry, bu_coa: Term) -> Term:
    """§5.2, §7.5: the care-of address a Binding Acknowledgement is routed via: an accepted one by the
    entry its Binding Update left (none after a deletion: the update's own care-of address); a
    rejected one always via the update's care-of address, never by a cached entry."""
    return L.ite(L.and_(accepted(L, status), e.present), e.coa, bu_coa)


def bul_param_problem(L: Logic, b: BulEntry) -> BulEntry:
    """§4.3, §9.9: ICMP Parameter Problem code 2 after a BU sets "no more BUs" and stops retransmission."""
    return BulEntry(
        present=b.present,
        seq=b.seq,
        coa=b.coa,
        home_reg=b.home_reg,
        acked=b.acked,
        interval=b.interval,
        next_retx=b.next_retx,
        retx_on=L.ite(b.present, False, b.retx_on),
        last_send=b.last_send,
        fast_count=b.fast_count,
        no_more_bu=L.or_(b.no_more_bu, b.present),
    )


def bu_allowed(
    L: Logic,
    cfg: Config,
    *,
    no_more_bu: Term,
    sent_before: Term,
    now: Term,
    last_send: Term,
    fast_count: Term,
) -> Term:
    """§9.8, §9.9: a BU may go now unless the destination is marked "no more BUs" or the rate limit
    (MAX_UPDATE_RATE, then SLOW_UPDATE_RATE) forbids it. `sent_before` false: no rate state yet."""
    return L.and_(
        L.not_(no_more_bu), L.or_(L.not_(sent_before), rate_ok(L, now, last_send, fast_count, cfg))
    )


def coa_formation_ok(
    L: Logic, cfg: Config, *, formed_before: Term, now: Term, last_formed: Term
) -> Term:
    """§9.3 (MN-COA-RATE): a new primary care-of address at most once per MAX_UPDATE_RATE."""
    return L.or_(L.not_(formed_before), now - last_formed >= cfg.max_update_rate)
