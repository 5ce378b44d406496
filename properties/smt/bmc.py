"""Bounded model checking of the composed network, every transition built from model/roles/kernel.py.

The network: one mobile node (home address 1, current care-of address `coa`, a Binding Update List
entry toward its home agent `ha` and one toward a correspondent `cn`), the home agent and the
correspondent (one Binding Cache entry each for that home address), and a lossy channel of N message
slots holding Binding Updates and Acknowledgements in flight. One step is one of `STEP_KINDS`:

  move        the mobile node forms a new care-of address (§9.3)
  send_bu     a new BU to `to` (kernel.bul_new_bu; gated by kernel.bu_allowed, §9.8, §9.9) into a free slot
  retransmit  a retransmission to `to` once its timer is due (kernel.bul_retransmit, §9.7)
  deliver     the message in `slot` arrives: a BU goes through kernel.apply_bu at its receiver (§7.2-§8.3)
              and, if valid (A is always set), the slot becomes the BA; a BA goes through kernel.bul_on_ba
  duplicate   the message in `slot` is copied into the free slot `slot2` (so delivery can repeat)
  lose        the message in `slot` is dropped
  advance     time advances by `delta` ms >= 1; both caches run kernel.expire_entry (§4.3, §7.7)
  evict       cache pressure at `to`: kernel.evict_entry (§7.7)
  param_problem  ICMP Parameter Problem code 2 from `to` for a BU (kernel.bul_param_problem, §9.9)

After every step the correspondent may send a packet to the home address (`send_data`, a step that
changes no state, so it is checked in every state rather than unrolled): by its binding if
kernel.binding_route says so (§7.9), else to the home link, where the home agent intercepts and
tunnels it if kernel.tunnel_route says so (§8.2, §8.4). A counterexample to those checks ends with it.

A Binding Update to the home agent carries H or not (the mobile node may also treat its home agent
as a correspondent, §9.5), and ID Length 0 or 48 (48 draws the home agent's Status 136, §8.2); a
retransmission keeps H (the list's entry) and draws ID Length again (the list does not keep it).
Every acknowledgement carries the care-of address it is routed via (kernel.ack_route, §5.2).

Delivery picks any slot, so reordering is built in. Inputs of every step are symbolic (Sequence Number
step 1..2^15-1 and initial value, Lifetime, delays, slot choices). The run is unrolled incrementally
(one solver, push/pop per depth and check), checking the bad states of `CHECKS` at the newest step
only (each shorter prefix was checked at its own depth), one query per check.

Checked (bad state = the negation, evaluated on the step's pre/post state):
  BC-SEQ-MONOTONIC   a delivered BU changes a present cache entry only with a greater Sequence Number
  BC-HOMEREG-NOEVICT the home agent's home registration disappears only by expiry or a valid BU
  MN-RETX-SAME-SEQ   a retransmitted BU carries the entry's Sequence Number
  MN-SEQ-INCREASE    a new BU's Sequence Number is greater than the previous one to that peer
  MN-ICMP-PP2-STOP   no BU (new or retransmitted) goes to a peer after its Parameter Problem code 2
  BC-ROUTE-VIA-RH    the correspondent's packet goes by its binding exactly while the spec says the
                     entry is present and unexpired, and then to the entry's care-of address
  HA-TUNNEL          a packet reaching the home link is intercepted exactly while the home agent holds
                     an unexpired home registration, and tunnelled to its care-of address
  BC-REJECT-NO-CACHE an acknowledgement goes via the care-of address spec.routing.acknowledged_via
                     names: a rejected update's own, never the cached entry's
  SYS-CONVERGE       safety form: once the home registration is acknowledged, the home agent's entry
                     (while present) holds the acknowledged care-of address. Checked only on runs where
                     the mobile node steps its Sequence Number by 1 and asks for infinite lifetimes
                     (with larger steps, SPEC-SEQ-NONTRANSITIVE makes it false; with finite lifetimes a
                     BU delayed past the expiry of the newer binding re-creates the old one, C4: found
                     at depth 8 when lifetimes 1..600 s are allowed: send A, move, send B, deliver B,
                     advance 599 s (B expires), deliver A, deliver B's BA). Correspondent steps are left
                     out of these runs: they change neither the home agent nor the list entry toward it.

A counterexample is a list of `BmcStep`s (the shortest: depths are tried in order): `kind` is one of the
names above and `fields` its concrete values; every step has `now` (ms, after the step):

  move        coa (the new care-of address; the mobile node starts at 100, home address 1)
  send_bu     to ("ha"/"cn"), seq, coa, lifetime (s; 0xFFFFFFFF infinite), slot
  retransmit  to, seq, coa, lifetime, slot
  deliver     slot, message ("bu"/"ba"), seq; for a BU: to, coa, lifetime, check (kernel.Check name),
              status, h, id_length, via (the acknowledgement's care-of address, when one is sent);
              for a BA: to "mn", peer ("ha"/"cn"), status
  send_data   route ("binding", "tunnel" or "home"), via (the care-of address, or 0)
  duplicate   slot, into          lose  slot          advance  delta (ms)          evict  at
  param_problem  peer

A scenario writer replays them in order (slots only tie a delivery to the send it delivers).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields
from typing import Any

import z3

from mip6check.model.config import DEFAULT, Config
from mip6check.model.roles import kernel as K
from mip6check.properties.smt.bmc_trace import PEERS as PEERS
from mip6check.properties.smt.bmc_trace import STEP_KINDS as STEP_KINDS
from mip6check.properties.smt.bmc_trace import TRACE_KINDS as TRACE_KINDS
from mip6check.properties.smt.bmc_trace import BmcStep as BmcStep
from mip6check.properties.smt.bmc_trace import data_step, decode_step
from mip6check.properties.smt.interrupt import check
from mip6check.properties.smt.obligations import describe, spec_expired, spec_greater, spec_valid
from mip6check.properties.smt.z3logic import LIFETIME_MAX, Z3, R, Sym, ite_record, same
from mip6check.properties.spec import routing as SR
from mip6check.properties.verdict import Result, Status

ENGINE = "z3-bmc"
HOME = 1
FIRST_COA = 100
(MOVE, SEND, RETX, DELIVER, DUP, LOSE, ADVANCE, EVICT, PP2) = range(len(STEP_KINDS))
DATA_CHECKS = ("BC-ROUTE-VIA-RH", "HA-TUNNEL")  # judged on a packet sent in the step's post-state
BAD_ID_LENGTH = 48  # neither 0 nor the home agent's 64: Status 136 (§8.2)
CHECKS = (
    "BC-SEQ-MONOTONIC",
    "BC-HOMEREG-NOEVICT",
    "MN-RETX-SAME-SEQ",
    "MN-SEQ-INCREASE",
    "MN-ICMP-PP2-STOP",
    "BC-ROUTE-VIA-RH",
    "HA-TUNNEL",
    "BC-REJECT-NO-CACHE",
    "SYS-CONVERGE",
)


@dataclass(frozen=True)
class Msg:
    """A message slot of the channel: a BU to `dst`, or a BA back from `dst`."""

    valid: Any
    is_ba: Any
    dst: Any
    seq: Any
    coa: Any
    lifetime: Any
    status: Any
    h: Any = False  # a BU's H bit
    id_length: Any = 0  # a BU's ID Length
    via: Any = 0  # a BA's route: the care-of address it goes via


@dataclass(frozen=True)
class State:
    now: Any
    coa: Any
    life: list[Any]  # Lifetime the MN asks for, per peer (reused by retransmissions)
    bul: list[K.BulEntry]
    cache: list[K.Entry]
    msgs: list[Msg]
    tame: (
        Any  # every new BU so far stepped by 1 and asked for infinite lifetime (SYS-CONVERGE runs)
    )


@dataclass(frozen=True)
class StepVars:
    kind: Any
    to: Any
    slot: Any
    slot2: Any
    step: Any
    initial_seq: Any
    lifetime: Any
    delta: Any
    h: Any  # a new BU to the home agent asks for home registration
    bad_id_length: Any  # the BU carries ID Length 48


def _select(xs: list[R], idx: Any) -> R:
    """xs[idx] for a symbolic index (records field-wise, terms with If)."""
    out = xs[-1]
    for i in range(len(xs) - 2, -1, -1):
        out = (
            ite_record(idx == i, xs[i], out)
            if hasattr(xs[i], "__dataclass_fields__")
            else z3.If(idx == i, xs[i], out)
        )
    return out


def _const(v: int | bool) -> Any:
    return z3.BoolVal(v) if isinstance(v, bool) else z3.IntVal(v)


def _no_msg() -> Msg:
    return Msg(
        z3.BoolVal(False),
        z3.BoolVal(False),
        z3.IntVal(0),
        z3.IntVal(0),
        z3.IntVal(0),
        z3.IntVal(0),
        z3.IntVal(0),
        z3.BoolVal(False),
        z3.IntVal(0),
        z3.IntVal(0),
    )


def initial(cfg: Config, n_slots: int) -> State:
    """Nothing sent yet: empty lists and caches, time 0, first care-of address."""
    bul = K.BulEntry(
        present=False,
        seq=0,
        coa=0,
        home_reg=False,
        acked=False,
        interval=cfg.initial_bindack_timeout,
        next_retx=0,
        retx_on=False,
        last_send=0,
        fast_count=0,
        no_more_bu=False,
    )
    ent = K.Entry(
        present=False,
        home=HOME,
        coa=0,
        seq=0,
        home_reg=False,
        expiry=0,
        infinite=False,
        last_used=0,
    )

    def lift(r: Any) -> Any:
        return type(r)(**{f.name: _const(getattr(r, f.name)) for f in fields(r)})

    return State(
        now=z3.IntVal(0),
        coa=z3.IntVal(FIRST_COA),
        life=[z3.IntVal(0), z3.IntVal(0)],
        bul=[lift(bul), lift(bul)],
        cache=[lift(ent), lift(ent)],
        msgs=[_no_msg() for _ in range(n_slots)],
        tame=z3.BoolVal(True),
    )


def _env(to: Any, id_length: Any) -> K.NodeEnv:
    """The home agent serves the home link (§8.2); the correspondent is no home agent. Caches have room."""
    return K.NodeEnv(
        is_home_agent=to == 0,
        home_on_link=True,
        id_length=id_length,
        ha_id_length=64,
        to_anycast=False,
        cache_full=False,
        any_evictable=False,
        will_create=True,
    )


def step(cfg: Config, pre: State, v: StepVars) -> tuple[State, Any, dict[str, Any], dict[str, Any]]:
    """(post-state, guard, bad-state terms per check, observed values) of one symbolic step."""
    n = len(pre.msgs)
    to = v.to
    b_pre = _select(pre.bul, to)
    life_pre = _select(pre.life, to)
    # send_bu
    b_new = K.bul_new_bu(
        Z3,
        cfg,
        b_pre,
        pre.now,
        step=v.step,
        initial_seq=v.initial_seq,
        coa=pre.coa,
        home_reg=z3.And(to == 0, v.h),
        ack=True,
    )
    may_send = K.bu_allowed(
        Z3,
        cfg,
        no_more_bu=b_pre.no_more_bu,
        sent_before=b_pre.present,
        now=pre.now,
        last_send=b_pre.last_send,
        fast_count=b_pre.fast_count,
    )  # §9.8, §9.9: the roles' own gate
    free_slot = z3.Not(_select([m.valid for m in pre.msgs], v.slot))
    g_send = z3.And(may_send, free_slot)
    # retransmit
    b_retx = K.bul_retransmit(Z3, cfg, b_pre, pre.now)
    g_retx = z3.And(b_pre.present, b_pre.retx_on, pre.now >= b_pre.next_retx, may_send, free_slot)
    # deliver
    m = _select(pre.msgs, v.slot)
    d = m.dst
    e_pre = _select(pre.cache, d)
    bu = K.BUIn(
        auth=True,
        length_ok=True,
        has_hao=True,
        h=m.h,
        seq=m.seq,
        lifetime=m.lifetime,
        home=HOME,
        coa=m.coa,
    )
    e_post, check, _, status = K.apply_bu(Z3, cfg, e_pre, bu, _env(d, m.id_length), pre.now)
    reply = z3.Or(check == int(K.Check.VALID), check == int(K.Check.EQUAL_SEQ_REACK))
    ba_status = z3.If(check == int(K.Check.VALID), status, 0)
    ba = Msg(
        z3.BoolVal(True),
        z3.BoolVal(True),
        d,
        m.seq,
        m.coa,
        m.lifetime,
        ba_status,
        via=K.ack_route(Z3, ba_status, e_post, m.coa),
    )
    b_ba_pre = _select(pre.bul, d)
    b_ba, _ = K.bul_on_ba(Z3, cfg, b_ba_pre, auth=True, opt_len=11, ba_seq=m.seq, status=m.status)
    g_deliver = m.valid
    g_dup = z3.And(
        m.valid, v.slot != v.slot2, z3.Not(_select([x.valid for x in pre.msgs], v.slot2))
    )
    now_adv = pre.now + v.delta
    kind = v.kind

    def msg_out(i: int) -> Msg:
        mine = v.slot == i
        bu_msg = Msg(
            z3.BoolVal(True),
            z3.BoolVal(False),
            to,
            z3.If(kind == SEND, b_new.seq, b_retx.seq),
            z3.If(kind == SEND, b_new.coa, b_retx.coa),
            z3.If(kind == SEND, v.lifetime, life_pre),
            0,
            h=z3.If(kind == SEND, b_new.home_reg, b_retx.home_reg),
            id_length=z3.If(v.bad_id_length, BAD_ID_LENGTH, 0),
        )
        x = pre.msgs[i]
        on_deliver = ite_record(m.is_ba, _no_msg(), ite_record(reply, ba, _no_msg()))
        return ite_record(
            z3.And(z3.Or(kind == SEND, kind == RETX), mine),
            bu_msg,
            ite_record(
                z3.And(kind == DELIVER, mine),
                on_deliver,
                ite_record(
                    z3.And(kind == LOSE, mine),
                    _no_msg(),
                    ite_record(z3.And(kind == DUP, v.slot2 == i), m, x),
                ),
            ),
        )

    def bul_out(i: int) -> K.BulEntry:
        x = pre.bul[i]
        return ite_record(
            z3.And(kind == SEND, to == i),
            b_new,
            ite_record(
                z3.And(kind == RETX, to == i),
                b_retx,
                ite_record(
                    z3.And(kind == DELIVER, m.is_ba, d == i),
                    b_ba,
                    ite_record(z3.And(kind == PP2, to == i), K.bul_param_problem(Z3, x), x),
                ),
            ),
        )

    def cache_out(i: int) -> K.Entry:
        x = pre.cache[i]
        return ite_record(
            z3.And(kind == DELIVER, z3.Not(m.is_ba), d == i),
            e_post,
            ite_record(
                kind == ADVANCE,
                K.expire_entry(Z3, x, now_adv),
                ite_record(z3.And(kind == EVICT, to == i), K.evict_entry(Z3, x, True), x),
            ),
        )

    tame_step = z3.And(
        z3.Implies(kind == SEND, z3.And(v.step == 1, v.lifetime == K.INFINITE_LIFETIME, v.h)),
        z3.Implies(z3.Or(kind == SEND, kind == RETX), z3.Not(v.bad_id_length)),
    )
    post = State(
        now=z3.If(kind == ADVANCE, now_adv, pre.now),
        coa=z3.If(kind == MOVE, pre.coa + 1, pre.coa),
        life=[z3.If(z3.And(kind == SEND, to == i), v.lifetime, pre.life[i]) for i in range(2)],
        bul=[bul_out(i) for i in range(2)],
        cache=[cache_out(i) for i in range(2)],
        msgs=[msg_out(i) for i in range(n)],
        tame=z3.And(pre.tame, tame_step),
    )
    guard = z3.And(
        # the choices a step does not read are fixed (one model per distinct run)
        z3.Implies(z3.Or(kind != SEND, to != 0), z3.Not(v.h)),
        z3.Implies(z3.And(kind != SEND, kind != RETX), z3.Not(v.bad_id_length)),
        z3.Implies(kind == SEND, g_send),
        z3.Implies(kind == RETX, g_retx),
        z3.Implies(kind == DELIVER, g_deliver),
        z3.Implies(kind == LOSE, m.valid),
        z3.Implies(kind == DUP, g_dup),
    )
    delivered_bu = z3.And(kind == DELIVER, z3.Not(m.is_ba))
    ha_pre, ha_post = pre.cache[0], post.cache[0]
    ha_gone = z3.And(ha_pre.present, ha_pre.home_reg, z3.Not(ha_post.present))
    by_valid_bu = z3.And(delivered_bu, d == 0, spec_valid(bu, ha_pre, cfg))
    by_expiry = z3.And(kind == ADVANCE, spec_expired(ha_pre, now_adv))
    b0 = post.bul[0]
    # send_data after the step: the correspondent's route (§7.9), then the home agent's (§8.2, §8.4)
    cn_e, ha_e = post.cache[1], post.cache[0]
    cn_use, cn_via = K.binding_route(Z3, cn_e, post.now)
    ha_use, ha_via = K.tunnel_route(Z3, ha_e, post.now)
    spec_cn = SR.routes_by_binding(Z3, cn_e.present, spec_expired(cn_e, post.now))
    spec_ha = SR.intercepts(Z3, ha_e.present, spec_expired(ha_e, post.now), ha_e.home_reg)
    registered = z3.If(e_post.present, e_post.coa, m.coa)
    bad = {
        "BC-SEQ-MONOTONIC": z3.And(
            delivered_bu,
            e_pre.present,
            z3.Not(same(e_post, e_pre)),
            z3.Not(spec_greater(m.seq, e_pre.seq, cfg)),
        ),
        "BC-HOMEREG-NOEVICT": z3.And(ha_gone, z3.Not(by_valid_bu), z3.Not(by_expiry)),
        "MN-RETX-SAME-SEQ": z3.And(kind == RETX, b_retx.seq != b_pre.seq),
        "MN-ICMP-PP2-STOP": z3.And(z3.Or(kind == SEND, kind == RETX), b_pre.no_more_bu),
        "MN-SEQ-INCREASE": z3.And(
            kind == SEND, b_pre.present, z3.Not(spec_greater(b_new.seq, b_pre.seq, cfg))
        ),
        "BC-ROUTE-VIA-RH": z3.Or(cn_use != spec_cn, z3.And(cn_use, cn_via != cn_e.coa)),
        "HA-TUNNEL": z3.And(
            z3.Not(cn_use), z3.Or(ha_use != spec_ha, z3.And(ha_use, ha_via != ha_e.coa))
        ),
        "BC-REJECT-NO-CACHE": z3.And(
            delivered_bu, reply, ba.via != SR.acknowledged_via(Z3, ba_status, m.coa, registered)
        ),
        "SYS-CONVERGE": z3.And(
            post.tame, b0.present, b0.acked, ha_post.present, ha_post.coa != b0.coa
        ),
    }
    observed = {
        "kind": kind,
        "to": to,
        "slot": v.slot,
        "slot2": v.slot2,
        "now": post.now,
        "coa": pre.coa,
        "send_seq": z3.If(kind == SEND, b_new.seq, b_retx.seq),
        "send_coa": z3.If(kind == SEND, b_new.coa, b_retx.coa),
        "lifetime": z3.If(kind == SEND, v.lifetime, life_pre),
        "delta": v.delta,
        "msg_is_ba": m.is_ba,
        "msg_to": d,
        "msg_seq": m.seq,
        "msg_coa": m.coa,
        "msg_lifetime": m.lifetime,
        "msg_status": m.status,
        "check": check,
        "status": status,
        "msg_h": m.h,
        "msg_id_length": m.id_length,
        "reply": reply,
        "ba_via": ba.via,
        "route": z3.If(cn_use, 1, z3.If(ha_use, 2, 0)),
        "data_via": z3.If(cn_use, cn_via, z3.If(ha_use, ha_via, 0)),
    }
    return post, guard, bad, observed


def _named(st: State, prefix: str) -> tuple[State, list[Any]]:
    """`st` with every field a fresh constant equal to its term: the unrolled state stays a set of
    small equations instead of terms nested through every earlier step (Z3 refutes them far faster)."""
    eqs: list[Any] = []

    def name(x: Any, n: str) -> Any:
        if hasattr(x, "__dataclass_fields__"):
            return type(x)(**{f.name: name(getattr(x, f.name), f"{n}.{f.name}") for f in fields(x)})
        if isinstance(x, list):
            return [name(y, f"{n}[{i}]") for i, y in enumerate(x)]
        c = z3.Const(prefix + n, x.sort())
        eqs.append(c == x)
        return c

    return name(st, "s"), eqs


def _step_vars(s: Sym, t: int, n_slots: int) -> StepVars:
    p = f"s{t}."
    return StepVars(
        kind=s.int_(p + "kind", 0, len(STEP_KINDS) - 1),
        to=s.int_(p + "to", 0, 1),
        slot=s.int_(p + "slot", 0, n_slots - 1),
        slot2=s.int_(p + "slot2", 0, n_slots - 1),
        step=s.int_(p + "step", 1, K.SEQ_HALF - 1),
        initial_seq=s.seq(p + "initial_seq"),
        lifetime=s.int_(p + "lifetime", 0, LIFETIME_MAX),
        delta=s.int_(p + "delta", 1),
        h=s.bool_(p + "h"),
        bad_id_length=s.bool_(p + "bad_id_length"),
    )


@dataclass
class BmcReport:
    """Depth fully checked, time taken, and a counterexample (list of steps) per violated check."""

    depth: int
    seconds: float
    counterexamples: dict[str, list[BmcStep]]
    checks: tuple[str, ...]
    complete: bool  # reached max_depth within the budget
    reading: str = ""


def bmc(
    cfg: Config = DEFAULT,
    *,
    max_depth: int = 12,
    budget_s: float = 30.0,
    n_slots: int = 2,
    checks: tuple[str, ...] = CHECKS,
    tame: bool = False,
    max_delta_ms: int | None = None,
) -> BmcReport:
    """Unroll up to `max_depth` steps (or until `budget_s`); report the deepest depth fully checked.
    `tame` restricts the mobile node to Sequence Number steps of 1 and infinite lifetimes;
    `max_delta_ms` bounds each time advance (a counterexample a scenario file can then replay)."""
    t0 = time.monotonic()
    solver = z3.Solver()
    state = initial(cfg, n_slots)
    active = set(checks)
    cex: dict[str, list[BmcStep]] = {}
    observed: list[dict[str, Any]] = []
    depth = 0
    for t in range(max_depth):
        s = Sym()
        v = _step_vars(s, t, n_slots)
        post, guard, bad, obs = step(cfg, state, v)
        post, names = _named(post, f"t{t}.")
        solver.add(*s.domain, guard, *names)
        if max_delta_ms is not None:
            solver.add(v.delta <= max_delta_ms)
        if tame:
            # SYS-CONVERGE reads only the home agent and the list entry toward it; steps at the
            # correspondent change neither (they only take channel slots), so they are left out.
            solver.add(post.tame, v.to == 0)
        observed.append(obs)
        state = post
        # one query per check: the Or of all of them is far slower to refute
        for p in sorted(active):
            if p not in active:
                continue  # a model found for an earlier check at this depth already broke it
            left = budget_s - (time.monotonic() - t0)
            if left <= 0:
                return BmcReport(depth, time.monotonic() - t0, cex, checks, False, describe(cfg))
            solver.push()
            solver.set(timeout=int(left * 1000))
            solver.add(bad[p])
            r = check(solver)  # Ctrl-C stops the run (never reported as a budget limit)
            if r == z3.sat:
                model = solver.model()
                trace = [decode_step(model, o) for o in observed]
                for q in sorted(active):
                    if z3.is_true(model.eval(bad[q], model_completion=True)):
                        cex[q] = trace + [data_step(model, obs)] if q in DATA_CHECKS else trace
                active -= set(cex)
            solver.pop()
            if r == z3.unknown:
                return BmcReport(depth, time.monotonic() - t0, cex, checks, False, describe(cfg))
        depth = t + 1
    return BmcReport(depth, time.monotonic() - t0, cex, checks, True, describe(cfg))


def results(report: BmcReport) -> list[Result]:
    """One Result per check: violated with the step list, else passed to the depth reached."""
    out = []
    for p in report.checks:
        if p in report.counterexamples:
            steps = report.counterexamples[p]
            out.append(
                Result(
                    p,
                    ENGINE,
                    Status.VIOLATED,
                    report.seconds,
                    detail=f"bounded model checking: counterexample of {len(steps)} steps [{report.reading}]",
                    counterexample=[s.to_json() for s in steps],
                )
            )
        else:
            out.append(
                Result(
                    p,
                    ENGINE,
                    Status.PASSED,
                    report.seconds,
                    detail=f"no counterexample up to depth {report.depth}"
                    f"{'' if report.complete else ' (time budget reached)'} [{report.reading}]",
                )
            )
    return out
