"""MAY choices of the draft as inputs (issue 3): every role takes a `Choices`; the default policy is
deterministic, and Hypothesis / the simulator may replace any field to explore every allowed behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from model.addr import Addr


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


@dataclass(frozen=True)
class Choices:
    """Callables for the draft's MAY (and free) choices; each cites where the freedom comes from."""

    seq_step: Callable[[Addr], int] = _one  # §5.1: any greater number (1..2^15-1) per destination
    initial_seq: Callable[[Callable[[int, int], int]], int] = (
        _initial  # §5.1: any start, from the node rng
    )
    will_create: Callable[[Addr], bool] = _yes  # §7.3 SHOULD create: declining rejects (131)
    grant_lifetime: Callable[[int, bool], int] = (
        _same  # §5.2: granted Lifetime (clamped to 1..requested)
    )
    refresh: Callable[[int, bool], int] = _refresh  # §5.2: Refresh (SHOULD = Lifetime for non-HA)
    send_br: Callable[[Addr], bool] = (
        _yes  # §7.6 MAY: Binding Request for an entry in use near expiry
    )
    answer_br: Callable[[Addr], bool] = _yes  # §9.11 SHOULD answer a Binding Request
    private_binding: Callable[[Addr], bool] = _no  # §9.11 MAY keep the binding private (Lifetime 0)
    bu_to_cn: Callable[[Addr], bool] = _yes  # §9.5 MAY send (or keep private) BUs to correspondents
    cn_ack: Callable[[Addr], bool] = _no  # §9.5 MAY request an acknowledgement from a correspondent
    prev_router_bu: Callable[[Addr], bool] = (
        _yes  # §9.6 MAY send a BU to the previous default router
    )
    na_rexmit: Callable[[Addr], int] = _zero  # §8.2, §9.13 MAY repeat NAs up to MAX_ADVERT_REXMIT
    mcast_via_ha: Callable[[Addr], bool] = (
        _yes  # §10: send multicast via the home agent (or directly)
    )
    select_prefix: Callable[[tuple[Addr, ...]], int] = (
        _first  # §9.2, §9.12: which prefix forms the primary CoA
    )
    secondary_coa: Callable[[Addr], bool] = _no  # §9.3 MAY form a non-primary CoA on a new prefix
    retry_rejected: Callable[[int], bool] = lambda status: status == 136  # noqa: E731  §9.10 MAY correct and retry


DEFAULT_CHOICES = Choices()
