"""§4.3, §5: the wire-level obligations, Sequence Number order, Status values and lifetimes as the
draft defines them."""

from __future__ import annotations

from enum import IntEnum

from mip6check.model.codec.layout import BINDING_ACK, BINDING_REQUEST, HOME_ADDRESS
from mip6check.model.config import Config, OptionExtensions, SeqHalf
from mip6check.properties.spec.logic import Logic, Term
from mip6check.properties.spec.registry import Bound, Observes, register

SEQ_MOD = 65536  # §4.3, §5.1: Sequence Numbers compare modulo 2^16
INFINITE = 0xFFFFFFFF  # §5.1: a Lifetime of all one bits is infinity


class Status(IntEnum):
    """§5.2: Binding Acknowledgement Status values; below 128 accepts, 128 and above rejects."""

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


def greater(L: Logic, a: Term, b: Term, cfg: Config) -> Term:
    """§4.3, §5.1: `a` is greater than `b` modulo 2^16: the distance a - b (mod 2^16) is positive and
    below half the space; distance exactly 2^15 counts as greater only under `seq_half=accept`."""
    d = L.mod(a - b, SEQ_MOD)
    return L.and_(d >= 1, d <= (32768 if cfg.seq_half is SeqHalf.ACCEPT else 32767))


STATED_LENGTH = {
    lay.kind: lay.stated_fixed_length() for lay in (BINDING_ACK, BINDING_REQUEST, HOME_ADDRESS)
}
"""§5.2, §5.3, §5.4: the Option Length each option "MUST be set to" (12, 0, 16; restored for BA, HAO)."""


def breaks_stated_length(cfg: Config, kind: str, opt_len: int) -> bool:
    """§5.2, §5.3, §5.4 against §4.2 (B13): an option longer than the length it "MUST be set to" breaks
    that MUST under `option_extensions=fixed`; under `allowed` the extra octets are the extensions
    §4.2 lets any option carry. A shorter option is another rule's (W-BA-MINLEN, W-HAO-LEN)."""
    return cfg.option_extensions is OptionExtensions.FIXED and opt_len > STATED_LENGTH[kind]


def status_accepts(L: Logic, status: Term) -> Term:
    """§5.2: Status values below 128 accept the Binding Update; 128 and above reject it."""
    return status < 128


def infinite(L: Logic, lifetime_s: Term) -> Term:
    """§5.1: Lifetime 0xFFFFFFFF is infinity."""
    return lifetime_s == INFINITE


def ran_out(L: Logic, granted_at: Term, lifetime_s: Term, now: Term) -> Term:
    """§4.3, §7.7: a lifetime granted at `granted_at` (ms) for `lifetime_s` seconds has run out at `now`;
    infinity never does (§5.1). Judged from what was granted, never from what a node reports."""
    return L.and_(L.not_(infinite(L, lifetime_s)), now >= granted_at + lifetime_s * 1000)


for _pid in (
    "W-BU-MINLEN",
    "W-BU-IDLEN-ZERO",
    "W-BU-NEEDS-HAO",
    "W-BU-NEEDS-AUTH",
    "W-BA-NEEDS-AUTH",
    "W-BA-MINLEN",
    "W-BA-LEN",
    "W-BA-VIA-RH",
    "W-BA-REJECT-NOPAYLOAD",
    "W-BR-LEN",
    "W-HAO-LEN",
    "W-OPT-ACTION-BITS",
    "W-AUTOCONF-LLSRC",
):
    register(_pid, Observes.PACKET)
register(
    "W-UNKNOWN-OPT-11X",
    Observes.ABSENCE,
    Bound(
        "answer_timeout", "§5.1, §9.9: the ICMP Parameter Problem is due; the draft gives no time"
    ),
)

__all__ = [
    "INFINITE",
    "SEQ_MOD",
    "STATED_LENGTH",
    "Status",
    "breaks_stated_length",
    "greater",
    "infinite",
    "ran_out",
    "status_accepts",
]
