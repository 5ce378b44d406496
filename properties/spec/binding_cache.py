"""§4.3, §7: the Binding Cache obligations of every node receiving a Binding Update: the §7.2 tests,
what a valid Binding Update does to the cache (§7.3, §7.4, §7.7, and §8.2/§8.3 with H set), and when
an entry may be replaced or must go."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from mip6check.model.codec.layout import BINDING_UPDATE
from mip6check.model.codec.options import stated_binding_update
from mip6check.model.codec.values import BindingUpdate, MalformedOption
from mip6check.model.config import BuCLength, Config
from mip6check.properties.spec.home_agent import (
    HomeAgentView,
    deregistration_status,
    registration_status,
)
from mip6check.properties.spec.logic import Logic, Term
from mip6check.properties.spec.registry import Bound, Observes, register
from mip6check.properties.spec.wire import Status, greater


class Check72(IntEnum):
    """Which §7.2 test a Binding Update fails first (PASS: none). Any failure: silently ignore."""

    PASS = 0
    NO_AUTH = 1  # (1) AH or ESP
    TOO_SHORT = 2  # (2) Option Length at least the fixed part
    NO_HAO = 3  # (3) a Home Address option in the packet
    NOT_GREATER = 4  # (4) Sequence Number greater than the stored one, modulo 2^16
    EQUAL_REACK = (
        5  # switch seq_equal_ack: an identical retransmission is re-acknowledged, no change
    )


class CacheChange(IntEnum):
    """What a Binding Update does to the Binding Cache entry for its home address."""

    NONE = 0
    UPDATE = 1  # create or update (§7.3, §8.2)
    REPLACE_AND_UPDATE = 2  # replace another, evictable entry first to make room (§7.7)
    DELETE = 3  # §7.4, §8.3


@dataclass(frozen=True, slots=True)
class Received:
    """What the receiver knows of a Binding Update (§7.2) and the entry for its home address."""

    auth: Term
    length_ok: Term
    has_hao: Term
    seq: Term
    has_entry: Term
    entry_seq: Term


def check_72(L: Logic, cfg: Config, r: Received) -> Term:
    """§7.2: the four tests in the draft's order; a `Check72` code. An equal number is stale unless the
    `seq_equal_ack` reading re-acknowledges an identical retransmission."""
    fresh = L.or_(L.not_(r.has_entry), greater(L, r.seq, r.entry_seq, cfg))
    stale = int(Check72.NOT_GREATER)
    if cfg.seq_equal_ack:
        stale = L.ite(L.and_(r.has_entry, r.seq == r.entry_seq), int(Check72.EQUAL_REACK), stale)
    return L.ite(
        L.not_(r.auth),
        int(Check72.NO_AUTH),
        L.ite(
            L.not_(r.length_ok),
            int(Check72.TOO_SHORT),
            L.ite(L.not_(r.has_hao), int(Check72.NO_HAO), L.ite(fresh, int(Check72.PASS), stale)),
        ),
    )


BU_MIN_WITH_C = {
    BuCLength.LAYOUT: BINDING_UPDATE.fixed_length(True),
    BuCLength.LITERAL: BINDING_UPDATE.stated_fixed_length(True),
    BuCLength.IGNORE_C: BINDING_UPDATE.fixed_length(False),
}
"""§5.1, §7.2 test 2 (B1, C5): the Option Length a Binding Update with C set must reach, per reading:
the layout's 24, the text's 8 + 8 = 16, or §7.2's "length specified in Section 5.1" without C, 8."""


def bu_as_read(cfg: Config, m: MalformedOption) -> BindingUpdate | None:
    """§5.1, §7.2 test 2 (B1, C5): a Binding Update with C set, short of the layout's 24 but reaching
    the `bu_c_length` reading's minimum, is whole (no Care-of Address field: the Source Address is the
    care-of address); under the layout reading (default) it is too short and MUST be ignored (None)."""
    if cfg.bu_c_length is BuCLength.LAYOUT:
        return None
    return stated_binding_update(m, BU_MIN_WITH_C[cfg.bu_c_length])


def passes_72(L: Logic, cfg: Config, r: Received) -> Term:
    """§7.2: the Binding Update passes all four tests (and may change the cache)."""
    return check_72(L, cfg, r) == int(Check72.PASS)


def asks_delete(L: Logic, lifetime_s: Term, coa_is_home: Term) -> Term:
    """§5.1, §7.4, §8.3: a Binding Update asks for deletion with Lifetime 0 or a care-of address equal
    to the home address."""
    return L.or_(lifetime_s == 0, coa_is_home)


def unreachable_persists(cfg: Config, errors: int) -> bool:
    """§7.8: ICMP Destination Unreachable errors for packets routed by a binding are "persistent" (the
    entry SHOULD be deleted) once there are `unreach_persist` of them; the draft gives no number."""
    return errors >= max(1, cfg.unreach_persist)


def evictable(L: Logic, home_reg: Term) -> Term:
    """§7.7, §8.2: cache replacement may remove any entry except one marked home registration."""
    return L.not_(home_reg)


@dataclass(frozen=True, slots=True)
class Room:
    """The receiver's cache room for a new entry (§7.7) and its §7.3 choice to create one (SHOULD)."""

    full: Term
    any_evictable: Term
    will_create: Term = True


def decide(
    L: Logic,
    *,
    h: Term,
    deletion: Term,
    has_entry: Term,
    room: Room,
    ha: HomeAgentView,
) -> tuple[Term, Term]:
    """(CacheChange, Status) for a Binding Update that passed §7.2.

    H clear: §7.4 deletion deletes (Status 0); §7.3 otherwise creates or updates, making room by §7.7
    replacement or rejecting with 131. H set: §8.3 de-registration runs the 132/133 tests then deletes;
    §8.2 registration runs 132/133/136 then creates or updates, 131 when no room can be made (§7.7).
    """
    need_room = L.and_(L.not_(has_entry), room.full)
    store = L.ite(
        L.not_(room.will_create),
        int(CacheChange.NONE),
        L.ite(
            need_room,
            L.ite(room.any_evictable, int(CacheChange.REPLACE_AND_UPDATE), int(CacheChange.NONE)),
            int(CacheChange.UPDATE),
        ),
    )
    store_status = L.ite(
        store == int(CacheChange.NONE), int(Status.INSUFFICIENT_RESOURCES), int(Status.ACCEPTED)
    )
    h_status = L.ite(deletion, deregistration_status(L, ha), registration_status(L, ha))
    rejected_h = L.and_(h, h_status != 0)
    change = L.ite(
        rejected_h, int(CacheChange.NONE), L.ite(deletion, int(CacheChange.DELETE), store)
    )
    status = L.ite(rejected_h, h_status, L.ite(deletion, int(Status.ACCEPTED), store_status))
    return change, status


for _pid in (
    "BC-SEQ-MONOTONIC",
    "BC-STALE-IGNORED",
    "BC-HAO-NO-STATE",
    "BC-CREATE",
    "BC-DELETE",
    "BC-HOMEREG-FULL-131",
    "BC-BA-STATUS",
    "BC-REJECT-NO-CACHE",
):
    register(_pid, Observes.STATE)
for _pid in ("BC-HAO-SUBSTITUTE", "BC-BA-SEQ", "BC-ROUTE-VIA-RH", "BC-ICMP-UNREACH"):
    register(_pid, Observes.PACKET)
for _pid in ("BC-UNIQUE", "BC-INFINITE", "BC-HOMEREG-NOEVICT"):
    register(_pid, Observes.INVARIANT)
register(
    "BC-EXPIRE",
    Observes.ABSENCE,
    Bound("expiry_tolerance", "§4.3, §7.7: deleted when the lifetime granted runs out"),
)
register(
    "BC-BA-ON-A",
    Observes.ABSENCE,
    Bound("ack_timeout", "§7.5: SHOULD return a Binding Acknowledgement; the draft gives no time"),
)

__all__ = [
    "CacheChange",
    "Received",
    "Room",
    "Check72",
    "asks_delete",
    "decide",
    "evictable",
    "passes_72",
    "check_72",
]
