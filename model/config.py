"""The reading of the draft in force: every ambiguity of wire-formats.md §5/§7 as a named switch (§11 constants too)."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from enum import Enum

from mip6check.model.codec.values import DRAFT04, Profile


class SeqHalf(Enum):
    """C1: distance exactly 2^15 between two Sequence Numbers."""

    REJECT = "reject"  # "not greater" (default)
    ACCEPT = "accept"


class RateScope(Enum):
    """C12: MAX_UPDATE_RATE per destination (default) or over all destinations."""

    DESTINATION = "destination"
    AGGREGATE = "aggregate"


class BuCLength(Enum):
    """B1, C5: the Option Length a Binding Update with the C bit must reach: 24 (the layout, default),
    16 (§5.1's text, "+8") or 8 (§7.2 test 2 read alone: "the length specified in Section 5.1" without
    the C bit). Short of the layout, the Source Address is the care-of address."""

    LAYOUT = "layout"
    LITERAL = "literal"
    IGNORE_C = "ignore-c"


class OptionExtensions(Enum):
    """B13: "Option Length MUST be set to 0 / 12 / 16" (§5.3, §5.2, §5.4) against "extensions MAY be
    included; a greater length means extensions" (§4.2 and each option's last paragraph)."""

    FIXED = "fixed"  # senders write the stated length: a longer option breaks the MUST (default)
    ALLOWED = "allowed"  # a longer option carries extensions (§4.2's MAY); no violation


class FastCount(Enum):
    """C14: what §9.8's "MAX_FAST_UPDATES consecutive Binding Updates" counts."""

    TRANSMISSIONS = "transmissions"  # every Binding Update sent, retransmissions too (default)
    UPDATES = "updates"  # new Binding Updates only; a §9.7 retransmission does not count


class RetxAtMax(Enum):
    """C13: what retransmission does once its timeout reaches MAX_BINDACK_TIMEOUT (§9.4, §9.5, §9.7)."""

    BY_DESTINATION = "by-destination"  # §9.4 home registrations go on, §9.5 correspondents stop
    STOP = "stop"  # §9.7 read alone: every retransmission stops at the cap


class PP2Pointer(Enum):
    """C17: which ICMP Parameter Problem code 2 errors stop Binding Updates to a node (§4.3, §9.9)."""

    IGNORED = (
        "ignored"  # any code 2 error for a packet carrying a Binding Update (the text; default)
    )
    READ = "read"  # only one whose Pointer designates the Binding Update option (not the HAO beside it)


class AuthMode(Enum):
    """How §7.2's authentication test is judged: AH/ESP present (default) or ICV verified with keys."""

    PRESENCE = "presence"
    VERIFY = "verify"


@dataclass(frozen=True, slots=True)
class Config:
    """One object holding the draft reading. Time values are integer milliseconds."""

    profile: Profile = DRAFT04
    seq_half: SeqHalf = SeqHalf.REJECT
    seq_equal_ack: bool = False  # B4/B5: re-acknowledge an identical retransmission
    ba_min_length: int = 11  # B2: 11 (layout) or 12 (literal §9.10)
    bu_c_length: BuCLength = BuCLength.LAYOUT
    rate_scope: RateScope = RateScope.DESTINATION
    ha_anycast: bytes | None = None  # None: RFC 2526 form <prefix>:fdff:ffff:ffff:fffe
    auth: AuthMode = AuthMode.PRESENCE
    rh_strict_hop_limit: bool = False  # C11: RH0 Hop Limit test on hops to our own address too
    option_extensions: OptionExtensions = OptionExtensions.FIXED  # B13: BR/BA/HAO past 0/12/16
    pp2_pointer: PP2Pointer = PP2Pointer.IGNORED  # C17: does the error's Pointer name the BU?
    retx_at_max: RetxAtMax = RetxAtMax.BY_DESTINATION  # C13: home registrations past the cap
    fast_count: FastCount = FastCount.TRANSMISSIONS  # C14: do retransmissions count (§9.8)?
    # §11 constants
    initial_bindack_timeout: int = 1_000
    max_bindack_timeout: int = 256_000
    max_update_rate: int = 1_000  # B14: minimum interval between BUs to one node
    slow_update_rate: int = 10_000  # B14: minimum interval after MAX_FAST_UPDATES
    max_fast_updates: int = 5
    max_advert_rexmit: int = 3
    # C15: not defined by the draft
    br_threshold: int = (
        10_000  # send a Binding Request when an entry in use has less than this left
    )
    br_min_interval: int = 10_000  # rate limit for Binding Requests to one mobile node
    unreach_persist: int = (
        3  # §7.8 "persistent": Destination Unreachables before the entry is deleted
    )
    # RFC 2463 §2.4 (f): a node limits the ICMPv6 errors it originates; the RFC asks for a
    # configurable limit and fixes no number: at most this many in any second
    icmp_error_limit: int = 100
    # C21: the minimum IPv6 MTU an ICMPv6 error fills and never exceeds (RFC 2463 §2.4 (c)): 1280
    # (RFC 2460 §5) or 576 (RFC 1883 §5, RFC 1885 §2.4 (c): the references [5], [6] of the draft's day)
    icmp_error_mtu: int = 1280

    def with_switches(self, **changes: object) -> Config:
        return replace(self, **changes)  # type: ignore[arg-type]

    @staticmethod
    def switch_names() -> list[str]:
        return [f.name for f in fields(Config)]


DEFAULT = Config()
