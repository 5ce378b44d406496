"""Inductive proofs over the kernel transitions (model/roles/kernel.py run on Z3 terms).

Each property is a list of `Obligation`s: one transition of the kernel (apply_bu, expire_entry,
evict_entry, the K-slot cache step, bul_new_bu, bul_retransmit, bul_on_ba, rate_ok) under one reading
of the draft (a `Config`). An obligation is `domain ∧ premises ⇒ goal` for every symbolic pre-state and
input; Z3 proves it (unsat of the negation) or returns a concrete counterexample.

The goals (properties/smt/goals_cache.py, goals_agents.py) are written from the draft's text
(properties/spec, via the `spec_*` wrappers of properties/smt/obligations.py),
never by calling the kernel's own intermediate decisions, so a broken kernel (properties/mutants.py) fails them. Only
the transitions under test are kernel calls, looked up on the module at call time (`K.apply_bu`).
"""

from __future__ import annotations

from collections.abc import Callable

from mip6check.properties.smt.goals_agents import (
    bc_homereg_full_131,
    ha_dhaad_135,
    ha_homereg_mark,
    ha_idlen_136,
    ha_not_ha_132,
    ha_not_home_133,
    mn_ba_accepted,
    mn_ba_rejected,
    mn_ba_validate,
    mn_backoff,
    mn_cn_retx_stop,
    mn_coa_rate,
    mn_home_retx,
    mn_icmp_pp2_stop,
    mn_rate_limit,
    mn_retx_same_seq,
    mn_seq_increase,
    mn_slow_rate,
    w_ba_minlen,
)
from mip6check.properties.smt.goals_cache import (
    bc_ba_status,
    bc_create,
    bc_delete,
    bc_expire,
    bc_hao_no_state,
    bc_homereg_noevict,
    bc_icmp_unreach,
    bc_infinite,
    bc_reject_no_cache,
    bc_seq_monotonic,
    bc_stale_ignored,
    bc_unique,
    ha_dereg,
    mn_bul_expire,
    w_bu_minlen,
    w_bu_needs_auth,
    w_bu_needs_hao,
)
from mip6check.properties.smt.goals_routes import ack_via, bc_route_via_rh, ha_tunnel
from mip6check.properties.smt.obligations import Obligation, prove
from mip6check.properties.verdict import Result

PROOFS: dict[str, Callable[[], list[Obligation]]] = {
    "BC-SEQ-MONOTONIC": bc_seq_monotonic,
    "BC-STALE-IGNORED": bc_stale_ignored,
    "BC-HAO-NO-STATE": bc_hao_no_state,
    "BC-HOMEREG-NOEVICT": bc_homereg_noevict,
    "BC-BA-STATUS": bc_ba_status,
    "BC-REJECT-NO-CACHE": lambda: [*bc_reject_no_cache(), *ack_via()],
    "BC-ROUTE-VIA-RH": bc_route_via_rh,
    "BC-DELETE": bc_delete,
    "BC-CREATE": bc_create,
    "BC-INFINITE": bc_infinite,
    "BC-EXPIRE": bc_expire,
    "BC-UNIQUE": bc_unique,
    "BC-HOMEREG-FULL-131": bc_homereg_full_131,
    "BC-ICMP-UNREACH": bc_icmp_unreach,
    "HA-NOT-HA-132": ha_not_ha_132,
    "HA-NOT-HOME-133": ha_not_home_133,
    "HA-IDLEN-136": ha_idlen_136,
    "HA-DHAAD-135": ha_dhaad_135,
    "HA-HOMEREG-MARK": ha_homereg_mark,
    "HA-DEREG": ha_dereg,
    "HA-TUNNEL": ha_tunnel,
    "W-BU-MINLEN": w_bu_minlen,
    "W-BU-NEEDS-HAO": w_bu_needs_hao,
    "W-BU-NEEDS-AUTH": w_bu_needs_auth,
    "W-BA-MINLEN": w_ba_minlen,
    "MN-SEQ-INCREASE": mn_seq_increase,
    "MN-RETX-SAME-SEQ": mn_retx_same_seq,
    "MN-BACKOFF": mn_backoff,
    "MN-CN-RETX-STOP": mn_cn_retx_stop,
    "MN-HOME-RETX": mn_home_retx,
    "MN-BA-VALIDATE": mn_ba_validate,
    "MN-BA-ACCEPTED": mn_ba_accepted,
    "MN-BA-REJECTED": mn_ba_rejected,
    "MN-RATE-LIMIT": mn_rate_limit,
    "MN-SLOW-RATE": mn_slow_rate,
    "MN-ICMP-PP2-STOP": mn_icmp_pp2_stop,
    "MN-COA-RATE": mn_coa_rate,
    "MN-BUL-EXPIRE": mn_bul_expire,
}
"""Property ID -> its obligations (each names the transition and the reading it is made under)."""


def run_proof(pid: str, budget_s: float = 10.0) -> Result:
    """Prove one property of `PROOFS`, with the kernel-equals-spec obligations its judgement rests on
    (properties/smt/refine.py)."""
    from mip6check.properties.smt.refine import refinements_of  # refine builds on this module

    obligations = [*PROOFS[pid](), *refinements_of(pid)]
    return prove(pid, obligations, budget_s)
