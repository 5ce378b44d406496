"""A K-slot Binding Cache (§4.3, §7.7) built from the kernel's per-entry functions, over Z3 terms.

One step is one of: a Binding Update received (`kernel.apply_bu` on the slot holding its home address,
else a free slot, else the LRU evictable slot chosen with `kernel.is_evictable`), lifetime expiry
(`kernel.expire_entry` on every slot), cache pressure (`kernel.evict_entry` on one symbolic slot), or a
packet carrying only a Home Address option (§5.4: no cache transition at all). Only the slot-selection
structure lives here; every per-entry decision is the kernel's, looked up at call time so that a
mutant patched into model.roles.kernel is what gets checked.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import z3

from mip6check.model.config import Config
from mip6check.model.roles import kernel as K
from mip6check.properties.smt.z3logic import Z3, Sym, ite_record

BU, EXPIRE, EVICT, HAO_ONLY = 0, 1, 2, 3
STEP_KINDS = {BU: "bu", EXPIRE: "expire", EVICT: "evict", HAO_ONLY: "hao_only"}


@dataclass(frozen=True)
class CacheInput:
    """The symbolic input of one cache step: kind, the BU and node situation, time, slot choices."""

    kind: Any
    bu: K.BUIn
    env: K.NodeEnv  # cache_full / any_evictable are recomputed from the slots
    now: Any
    tgt: Any  # slot the BU goes to
    pick: Any  # slot cache pressure hits


@dataclass(frozen=True)
class CacheStep:
    """Post-state slots, constraints the step's choices must satisfy, and the BU's kernel outputs."""

    slots: list[K.Entry]
    choice: list[Any]
    check: Any
    op: Any
    status: Any
    matched: Any


def cache_input(s: Sym, k: int, name: str = "in") -> CacheInput:
    """A fresh symbolic step input for a k-slot cache."""
    inp = CacheInput(
        kind=s.int_(name + ".kind", 0, 3),
        bu=s.bu(name + ".bu"),
        env=s.env(name + ".env"),
        now=s.time(name + ".now"),
        tgt=s.int_(name + ".tgt", 0, k - 1),
        pick=s.int_(name + ".pick", 0, k - 1),
    )
    return inp


def _select(slots: list[K.Entry], idx: Any) -> K.Entry:
    out = slots[-1]
    for i in range(len(slots) - 2, -1, -1):
        out = ite_record(idx == i, slots[i], out)
    return out


def cache_step(cfg: Config, slots: list[K.Entry], inp: CacheInput) -> CacheStep:
    """One step of the K-slot cache (§7.2-§7.7); see the module docstring for the slot choice."""
    bu = inp.bu
    n = len(slots)
    match = [z3.And(e.present, e.home == bu.home) for e in slots]
    matched = z3.Or(*match)
    free = [z3.Not(e.present) for e in slots]
    full = z3.And(*[e.present for e in slots])
    evictable = [z3.And(e.present, K.is_evictable(Z3, e.home_reg)) for e in slots]
    any_ev = z3.Or(*evictable)
    lru = [
        z3.And(
            evictable[i],
            *[z3.Implies(evictable[j], slots[i].last_used <= slots[j].last_used) for j in range(n)],
        )
        for i in range(n)
    ]
    tgt_ok = z3.If(
        matched,
        z3.Or(*[z3.And(inp.tgt == i, match[i]) for i in range(n)]),
        z3.If(
            z3.Not(full),
            z3.Or(*[z3.And(inp.tgt == i, free[i]) for i in range(n)]),
            z3.If(any_ev, z3.Or(*[z3.And(inp.tgt == i, lru[i]) for i in range(n)]), True),
        ),
    )
    at = _select(slots, inp.tgt)
    e_for = ite_record(matched, at, replace(at, present=z3.BoolVal(False)))
    env = replace(inp.env, cache_full=full, any_evictable=any_ev)
    e2, check, op, status = K.apply_bu(Z3, cfg, e_for, bu, env, inp.now)
    is_set = z3.Or(op == int(K.CacheOp.UPDATE), op == int(K.CacheOp.EVICT_AND_UPDATE))
    placed = ite_record(z3.Or(matched, is_set), e2, at)
    after_bu = [ite_record(inp.tgt == i, placed, slots[i]) for i in range(n)]
    after_exp = [K.expire_entry(Z3, e, inp.now) for e in slots]
    after_ev = [K.evict_entry(Z3, slots[i], inp.pick == i) for i in range(n)]
    out = [
        ite_record(
            inp.kind == BU,
            after_bu[i],
            ite_record(
                inp.kind == EXPIRE,
                after_exp[i],
                ite_record(inp.kind == EVICT, after_ev[i], slots[i]),
            ),
        )
        for i in range(n)
    ]
    return CacheStep(
        slots=out,
        choice=[z3.Implies(inp.kind == BU, tgt_ok)],
        check=check,
        op=op,
        status=status,
        matched=matched,
    )


def unique(slots: list[K.Entry]) -> Any:
    """BC-UNIQUE (§4.3): no two present slots hold the same home address."""
    return z3.And(
        *[
            z3.Not(z3.And(slots[i].present, slots[j].present, slots[i].home == slots[j].home))
            for i in range(len(slots))
            for j in range(i + 1, len(slots))
        ]
    )
