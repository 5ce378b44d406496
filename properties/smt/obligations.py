"""Obligations over the kernel transitions and how Z3 discharges them: the readings of the draft
(`Config`), the draft's text as predicates (properties/spec via the `spec_*` wrappers), `Goal` and
`Obligation`, and the symbolic worlds (a pre-state and one kernel call) the goals are stated over."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import z3

from mip6check.model.config import DEFAULT, Config, SeqHalf
from mip6check.model.roles import kernel as K
from mip6check.properties.smt.cache_model import (
    cache_input,
    cache_step,
)
from mip6check.properties.smt.interrupt import check
from mip6check.properties.smt.z3logic import Z3, Sym, model_dict
from mip6check.properties.spec import binding_cache as SB
from mip6check.properties.spec import home_agent as SH
from mip6check.properties.spec import wire as SW
from mip6check.properties.verdict import Result, Status

ENGINE = "z3"

# ---------------------------------------------------------------- readings

READINGS: dict[str, Config] = {
    "default": DEFAULT,
    "seq_half=accept": DEFAULT.with_switches(seq_half=SeqHalf.ACCEPT),
    "seq_equal_ack": DEFAULT.with_switches(seq_equal_ack=True),
    "ba_min_length=12": DEFAULT.with_switches(ba_min_length=12),
}


def describe(cfg: Config) -> str:
    """The switches a proof depends on, as text (for Result.detail)."""
    return (
        f"seq_half={cfg.seq_half.value}, seq_equal_ack={'on' if cfg.seq_equal_ack else 'off'}, "
        f"ba_min_length={cfg.ba_min_length}"
    )


SEQ_READINGS = ("default", "seq_half=accept", "seq_equal_ack")
BA_READINGS = ("default", "ba_min_length=12")
ONLY_DEFAULT = ("default",)

# ---------------------------------------------------------------- the draft's text as predicates


def spec_greater(a: Any, b: Any, cfg: Config) -> Any:
    """§4.3, §5.1, C1: a is greater than b modulo 2^16 (properties.spec.wire.greater on Z3)."""
    return SW.greater(Z3, a, b, cfg)


def spec_valid(bu: K.BUIn, e: K.Entry, cfg: Config) -> Any:
    """§7.2: the four tests pass (properties.spec.binding_cache.passes_72 on Z3)."""
    r = SB.Received(
        auth=bu.auth,
        length_ok=bu.length_ok,
        has_hao=bu.has_hao,
        seq=bu.seq,
        has_entry=e.present,
        entry_seq=e.seq,
    )
    return SB.passes_72(Z3, cfg, r)


def spec_delete(bu: K.BUIn) -> Any:
    """§5.1, §7.4: Lifetime 0 or care-of address = home address asks for deletion."""
    return SB.asks_delete(Z3, bu.lifetime, bu.coa == bu.home)


def spec_ha_ok(bu: K.BUIn, env: K.NodeEnv) -> Any:
    """§8.1-§8.3: none of the home-agent rejections applies: §8.2's three tests for a registration,
    §8.3's two (no ID Length test) for a de-registration (properties.spec.home_agent.accepts)."""
    return SH.accepts(Z3, ha_view(env), spec_delete(bu))


def ha_view(env: K.NodeEnv) -> SH.HomeAgentView:
    """What the §8.1-§8.3 tests ask of the receiver, from the kernel's node environment."""
    return SH.HomeAgentView(
        to_anycast=env.to_anycast,
        is_home_agent=env.is_home_agent,
        home_on_link=env.home_on_link,
        id_length=env.id_length,
        ha_id_length=env.ha_id_length,
    )


def spec_expired(e: K.Entry, now: Any) -> Any:
    """§4.3, §7.7: a finite lifetime has run out (0xFFFFFFFF never does, §5.1): properties.spec.wire
    .ran_out with the entry's expiry as the moment granted plus a zero remaining lifetime."""
    return SW.ran_out(Z3, e.expiry, z3.If(e.infinite, SW.INFINITE, 0), now)


# ---------------------------------------------------------------- obligations


@dataclass(frozen=True)
class Goal:
    """premises ⇒ goal over the symbols of `sym` (their domains are added automatically)."""

    sym: Sym
    premises: list[Any]
    goal: Any


@dataclass(frozen=True)
class Obligation:
    """One transition under one reading."""

    transition: str
    reading: str
    build: Callable[[Config], Goal]


def discharge(ob: Obligation, timeout_ms: int) -> tuple[str, dict[str, int | bool] | None, str]:
    """('proved'|'violated'|'unknown', counterexample, reason) for one obligation."""
    g = ob.build(READINGS[ob.reading])
    s = z3.Solver()
    s.set(timeout=max(1, timeout_ms))
    s.add(*g.sym.domain)
    s.add(*g.premises)
    if check(s) == z3.unsat:  # a proof from contradictory premises would prove nothing
        return "unknown", None, "vacuous: the premises are unsatisfiable"
    s.add(z3.Not(g.goal))
    r = check(s)  # Ctrl-C raises KeyboardInterrupt (Z3 would answer `unknown`)
    if r == z3.unsat:
        return "proved", None, ""
    if r == z3.sat:
        return "violated", model_dict(s.model()), ""
    return "unknown", None, s.reason_unknown()


def prove(pid: str, obligations: list[Obligation], budget_s: float = 10.0) -> Result:
    """Discharge every obligation; the property is proved only if all are."""
    t0 = time.monotonic()
    done: list[str] = []
    for ob in obligations:
        left_ms = int((budget_s - (time.monotonic() - t0)) * 1000)
        status, cex, reason = discharge(ob, left_ms)
        where = f"{ob.transition} [{ob.reading}]"
        if status == "violated":
            return Result(
                pid,
                ENGINE,
                Status.VIOLATED,
                time.monotonic() - t0,
                detail=f"counterexample to {where}",
                counterexample=cex,
            )
        if status == "unknown":
            return Result(
                pid,
                ENGINE,
                Status.UNKNOWN,
                time.monotonic() - t0,
                detail=f"{where}: solver gave up ({reason})",
            )
        done.append(where)
    return Result(
        pid,
        ENGINE,
        Status.PROVED,
        time.monotonic() - t0,
        detail="for all states and inputs: "
        + "; ".join(done)
        + f" (default = {describe(DEFAULT)})",
    )


# ---------------------------------------------------------------- worlds (symbolic pre-state + one kernel call)


@dataclass(frozen=True)
class BuWorld:
    s: Sym
    e: K.Entry
    bu: K.BUIn
    env: K.NodeEnv
    now: Any
    e2: K.Entry
    check: Any
    op: Any
    status: Any

    def base(self) -> list[Any]:
        """`e` is the entry for the BU's home address, or absent (kernel.apply_bu's contract)."""
        return [z3.Implies(self.e.present, self.e.home == self.bu.home)]


def bu_world(cfg: Config) -> BuWorld:
    s = Sym()
    e, bu, env, now = s.entry("e"), s.bu("bu"), s.env("env"), s.time("now")
    e2, check, op, status = K.apply_bu(Z3, cfg, e, bu, env, now)
    return BuWorld(s, e, bu, env, now, e2, check, op, status)


def _apply_bu(
    goal: Callable[[BuWorld, Config], tuple[list[Any], Any]], name: str = "apply_bu"
) -> Callable[[str], Obligation]:
    def build(cfg: Config) -> Goal:
        w = bu_world(cfg)
        prem, g = goal(w, cfg)
        return Goal(w.s, w.base() + prem, g)

    return lambda reading: Obligation(name, reading, build)


def _entry_op(
    fn: Callable[[Sym, K.Entry, Any], tuple[list[Any], Any]], name: str
) -> Callable[[str], Obligation]:
    def build(cfg: Config) -> Goal:
        s = Sym()
        e, now = s.entry("e"), s.time("now")
        prem, g = fn(s, e, now)
        return Goal(s, prem, g)

    return lambda reading: Obligation(name, reading, build)


def _kslot(
    k: int,
    fn: Callable[[list[K.Entry], Any, list[K.Entry], Config], tuple[list[Any], Any]],
    name: str,
) -> Callable[[str], Obligation]:
    def build(cfg: Config) -> Goal:
        s = Sym()
        slots = [s.entry(f"slot{i}") for i in range(k)]
        inp = cache_input(s, k)
        st = cache_step(cfg, slots, inp)
        prem, g = fn(slots, inp, st.slots, cfg)
        return Goal(s, st.choice + prem, g)

    return lambda reading: Obligation(f"{name} (K={k})", reading, build)


def _bul(
    fn: Callable[[Sym, K.BulEntry, Any, Config], tuple[list[Any], Any]], name: str
) -> Callable[[str], Obligation]:
    def build(cfg: Config) -> Goal:
        s = Sym()
        b, now = s.bul("b", cfg), s.time("now")
        prem, g = fn(s, b, now, cfg)
        return Goal(s, prem, g)

    return lambda reading: Obligation(name, reading, build)


def _over(readings: tuple[str, ...], *makers: Callable[[str], Obligation]) -> list[Obligation]:
    return [m(r) for m in makers for r in readings]
