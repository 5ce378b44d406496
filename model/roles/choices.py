"""MAY choices of the draft as inputs: every role takes a `Choices`; the default policy is
deterministic, and Hypothesis / the simulator may replace any field to explore every allowed behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mip6check.model.addr import Addr


def _one(_dest: Addr) -> int:
    return 1


def _yes(_addr: Addr) -> bool:
    return True


def _no(_addr: Addr) -> bool:
    return False


def _same(requested: int, _home_reg: bool) -> int:
    return requested


def _refresh(granted: int, _home_reg: bool) -> int:
    return granted


def _initial(rand: Callable[[int, int], int]) -> int:
    return rand(0, 0xFFFF)


def _zero(_addr: Addr) -> int:
    return 0


def _first(options: tuple[Addr, ...]) -> int:
    return 0


def _retry_136(status: int) -> bool:
    return status == 136


@dataclass(frozen=True)
class Choices:
    """Callables for the draft's MAY (and free) choices; each cites where the freedom comes from."""

    # §5.1: any greater number (1..2^15-1) per destination
    seq_step: Callable[[Addr], int] = _one
    # §5.1: any start without a BUL entry, from the node's rng
    initial_seq: Callable[[Callable[[int, int], int]], int] = _initial
    # §5.1: without a BUL entry, continue after the last number sent there (else initial_seq)
    resume_seq: Callable[[Addr], bool] = _yes
    # §7.3 SHOULD create: declining rejects (131)
    will_create: Callable[[Addr], bool] = _yes
    # §5.2: granted Lifetime (clamped to 1..requested)
    grant_lifetime: Callable[[int, bool], int] = _same
    # §5.2: Refresh (SHOULD equal the Lifetime at a non-HA)
    refresh: Callable[[int, bool], int] = _refresh
    # §7.6 MAY: Binding Request for an entry in use near expiry
    send_br: Callable[[Addr], bool] = _yes
    # §9.11 SHOULD answer a Binding Request
    answer_br: Callable[[Addr], bool] = _yes
    # §9.11 MAY keep the binding private (Lifetime 0)
    private_binding: Callable[[Addr], bool] = _no
    # §9.5 MAY send (or keep private) BUs to correspondents
    bu_to_cn: Callable[[Addr], bool] = _yes
    # §9.5 MAY request an acknowledgement from a correspondent
    cn_ack: Callable[[Addr], bool] = _no
    # §9.6 MAY send a BU to the previous default router
    prev_router_bu: Callable[[Addr], bool] = _yes
    # §8.2, §9.13 MAY repeat the NAs, up to MAX_ADVERT_REXMIT
    na_rexmit: Callable[[Addr], int] = _zero
    # §10: send multicast via the home agent (else directly on the foreign link)
    mcast_via_ha: Callable[[Addr], bool] = _yes
    # §9.2, §9.12: which on-link prefix forms the primary care-of address
    select_prefix: Callable[[tuple[Addr, ...]], int] = _first
    # §9.3 MAY form a non-primary care-of address on a new prefix
    secondary_coa: Callable[[Addr], bool] = _no
    # §9.10 MAY correct the cause of a rejection and retry (default: 136 -> ID Length 0)
    retry_rejected: Callable[[int], bool] = _retry_136


DEFAULT_CHOICES = Choices()
