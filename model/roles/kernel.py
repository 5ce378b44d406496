"""Decision kernel: every protocol decision the Binding Cache, home agent and Binding Update List take,
written once over `Logic` so the executable roles (PY) and the Z3 proofs (properties/smt) run this same code.

Inputs are ints/bools (or Z3 terms); outputs are small int codes (enums below). Configuration values are
plain Python (they select the reading; they are never symbolic).
"""

from __future__ import annotations

from enum import IntEnum

from model.config import Config, SeqHalf
from model.roles.logic import Logic, Term

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
    EQUAL_SEQ_REACK = 5  # switch seq_equal_ack: identical retransmission, re-acknowledge without change


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
    stale = L.ite(equal, int(Check.EQUAL_SEQ_REACK), int(Check.STALE_SEQ)) if cfg.seq_equal_ack else int(Check.STALE_SEQ)
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

    H=1 (§8.1-§8.3): anycast -> 135; no HA function -> 132; home address off-link -> 133; ID Length
    nonzero and different -> 136; deletion -> DELETE; no room and nothing evictable -> 131.
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
        delete, int(Status.ACCEPTED), L.ite(will_create, room_status, int(Status.INSUFFICIENT_RESOURCES))
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
                L.ite(L.and_(id_length != 0, id_length != ha_id_length), int(Status.BAD_ID_LENGTH), 0),
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
    """C13: home registrations retransmit forever at the cap (§9.4); correspondents stop at the cap (§9.5)."""
    return L.or_(home_reg, interval < cfg.max_bindack_timeout)


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
