"""The Z3 engine: proofs prove on the real kernel, SPEC witnesses hold under PY, PY and Z3 agree on the
kernel (principle 12), every mutant is caught, bounded model checking runs and reports steps."""

from __future__ import annotations

from dataclasses import fields
from functools import cache
from typing import Any

import pytest
import z3
from hypothesis import given
from hypothesis import strategies as st

from mip6check.model.config import DEFAULT, SeqHalf
from mip6check.model.roles import kernel as K
from mip6check.model.roles.logic import PY
from mip6check.properties.mutants import MUTANTS, ORIGINAL, patched_kernel
from mip6check.properties.smt import bmc as B
from mip6check.properties.smt.induction import PROOFS, run_proof
from mip6check.properties.smt.obligations import READINGS
from mip6check.properties.smt.run import run_all
from mip6check.properties.smt.spec import BA12, FINDINGS
from mip6check.properties.smt.z3logic import Z3, Sym, intervals, to_py
from mip6check.properties.verdict import Status

ACCEPT = DEFAULT.with_switches(seq_half=SeqHalf.ACCEPT)

# ---------------------------------------------------------------- Z3Logic


@pytest.mark.parametrize("x", [-1, -5, -65535, -65536, -70000, 0, 5, 65535, 65536, 131077])
def test_z3_mod_is_python_mod_for_positive_modulus(x: int) -> None:
    assert to_py(Z3.mod(z3.IntVal(x), 65536)) == x % 65536


def test_z3_mod_range_for_all_ints() -> None:
    x = z3.Int("x")
    s = z3.Solver()
    r = Z3.mod(x, 65536)
    s.add(z3.Not(z3.And(r >= 0, r < 65536, z3.Exists([z3.Int("q")], x == z3.Int("q") * 65536 + r))))
    assert s.check() == z3.unsat


def test_intervals_are_the_backoff_ladder() -> None:
    assert intervals(DEFAULT) == [1000 * 2**k for k in range(9)]


# ---------------------------------------------------------------- proofs and findings


@pytest.mark.parametrize("pid", sorted(PROOFS))
def test_proof_holds_on_the_real_kernel(pid: str) -> None:
    r = run_proof(pid)
    assert r.status is Status.PROVED, (r.detail, r.counterexample)
    assert r.engine == "z3" and r.detail and "[default]" in r.detail


@pytest.mark.parametrize("pid", sorted(FINDINGS))
def test_spec_rows_are_findings_with_witness(pid: str) -> None:
    """Every SPEC row is a finding whose witness is re-checked here or in test_findings_spec.py."""
    from tests.properties.test_findings_spec import RECHECKS

    checks = {**WITNESS_CHECKS, **RECHECKS}
    r = FINDINGS[pid]()
    assert r.status is Status.FINDING and isinstance(r.witness, dict)
    j = r.to_json()
    assert j["status"] == "finding" and j["witness"] == r.witness
    checks[pid](r.witness)


def _bu(seq: int, *, h: bool = False, coa: int = 2, lifetime: int = 60) -> K.BUIn:
    return K.BUIn(
        auth=True, length_ok=True, has_hao=True, h=h, seq=seq, lifetime=lifetime, home=1, coa=coa
    )


ROOM = K.NodeEnv(
    is_home_agent=True,
    home_on_link=True,
    id_length=0,
    ha_id_length=64,
    to_anycast=False,
    cache_full=False,
    any_evictable=False,
    will_create=True,
)
EMPTY = K.Entry(
    present=False, home=1, coa=0, seq=0, home_reg=False, expiry=0, infinite=False, last_used=0
)


def _w_seq_half(w: dict[str, Any]) -> None:
    a, b = w["a"], w["b"]
    assert not K.seq_greater(PY, a, b, DEFAULT) and not K.seq_greater(PY, b, a, DEFAULT)
    assert K.seq_greater(PY, a, b, ACCEPT) and K.seq_greater(PY, b, a, ACCEPT)


def _w_bu_len(w: dict[str, Any]) -> None:
    assert sum(w["fixed_fields"].values()) + w["care_of_octets"] == w["layout_length"] == 24
    assert w["stated_length"] == 8 + 8 * w["c"] == 16


def _w_ba_len(w: dict[str, Any]) -> None:
    kw = dict(auth=True, opt_len=w["opt_len"], seq_matches=True, status=0)
    assert K.ba_outcome(PY, BA12, **kw) == K.BAOutcome.IGNORE
    assert K.ba_outcome(PY, DEFAULT, **kw) == K.BAOutcome.ACCEPTED
    assert w["fields_sum"] == 11 != w["stated"]


WITNESS_CHECKS = {
    "SPEC-SEQ-HALF": _w_seq_half,
    "SPEC-BU-LEN-C": _w_bu_len,
    "SPEC-BA-LEN-12": _w_ba_len,
}

# ---------------------------------------------------------------- differential PY vs Z3 (principle 12)

seqs = st.one_of(
    st.sampled_from([0, 1, 32766, 32767, 32768, 32769, 65534, 65535]), st.integers(0, 65535)
)
lifetimes = st.one_of(
    st.sampled_from([0, 1, K.INFINITE_LIFETIME]), st.integers(0, K.INFINITE_LIFETIME)
)
times = st.integers(0, 10**7)
addrs = st.integers(0, 3)
entries = st.builds(
    K.Entry,
    present=st.booleans(),
    home=addrs,
    coa=addrs,
    seq=seqs,
    home_reg=st.booleans(),
    expiry=times,
    infinite=st.booleans(),
    last_used=times,
)
bus = st.builds(
    K.BUIn,
    auth=st.booleans(),
    length_ok=st.booleans(),
    has_hao=st.booleans(),
    h=st.booleans(),
    seq=seqs,
    lifetime=lifetimes,
    home=addrs,
    coa=addrs,
)
envs = st.builds(
    K.NodeEnv,
    is_home_agent=st.booleans(),
    home_on_link=st.booleans(),
    id_length=st.sampled_from([0, 64, 48]),
    ha_id_length=st.sampled_from([64, 48]),
    to_anycast=st.booleans(),
    cache_full=st.booleans(),
    any_evictable=st.booleans(),
    will_create=st.booleans(),
)
buls = st.builds(
    K.BulEntry,
    present=st.booleans(),
    seq=seqs,
    coa=addrs,
    home_reg=st.booleans(),
    acked=st.booleans(),
    interval=st.sampled_from(intervals(DEFAULT)),
    next_retx=times,
    retx_on=st.booleans(),
    last_send=times,
    fast_count=st.integers(0, 8),
    no_more_bu=st.booleans(),
)
readings = st.sampled_from(sorted(READINGS))


def _pairs(sym: Any, val: Any) -> list[tuple[Any, Any]]:
    out = []
    for f in fields(sym):
        v = getattr(val, f.name)
        out.append((getattr(sym, f.name), z3.BoolVal(v) if isinstance(v, bool) else z3.IntVal(v)))
    return out


def _flat(x: Any) -> list[Any]:
    if isinstance(x, tuple):
        return [y for z in x for y in _flat(z)]
    if hasattr(x, "__dataclass_fields__"):
        return [getattr(x, f.name) for f in fields(x)]
    return [x]


def _agree(sym_out: Any, py_out: Any, pairs: list[tuple[Any, Any]]) -> None:
    for s, p in zip(_flat(sym_out), _flat(py_out), strict=True):
        got = to_py(z3.substitute(s, *pairs)) if isinstance(s, z3.ExprRef) else s
        assert got == p and isinstance(got, bool) == isinstance(p, bool), (s, got, p)


@cache
def _sym_apply_bu(reading: str) -> tuple[Any, ...]:
    s = Sym()
    e, bu, env, now = s.entry("e"), s.bu("bu"), s.env("env"), s.time("now")
    return e, bu, env, now, K.apply_bu(Z3, READINGS[reading], e, bu, env, now)


@given(entries, bus, envs, times, readings)
def test_apply_bu_py_equals_z3(
    e: K.Entry, bu: K.BUIn, env: K.NodeEnv, now: int, reading: str
) -> None:
    se, sbu, senv, snow, out = _sym_apply_bu(reading)
    pairs = _pairs(se, e) + _pairs(sbu, bu) + _pairs(senv, env) + [(snow, z3.IntVal(now))]
    _agree(out, K.apply_bu(PY, READINGS[reading], e, bu, env, now), pairs)


@cache
def _sym_entry_ops() -> tuple[Any, ...]:
    s = Sym()
    e, now, chosen = s.entry("e"), s.time("now"), s.bool_("chosen")
    return e, now, chosen, (K.expire_entry(Z3, e, now), K.evict_entry(Z3, e, chosen))


@given(entries, times, st.booleans())
def test_entry_ops_py_equals_z3(e: K.Entry, now: int, chosen: bool) -> None:
    se, snow, sch, out = _sym_entry_ops()
    pairs = _pairs(se, e) + [(snow, z3.IntVal(now)), (sch, z3.BoolVal(chosen))]
    _agree(out, (K.expire_entry(PY, e, now), K.evict_entry(PY, e, chosen)), pairs)


@cache
def _sym_bul(reading: str) -> tuple[Any, ...]:
    cfg = READINGS[reading]
    s = Sym()
    b, now = s.bul("b", cfg), s.time("now")
    step, init, coa = s.int_("step"), s.seq("init"), s.addr("coa")
    hr, ack, auth = s.bool_("hr"), s.bool_("ack"), s.bool_("auth")
    opt_len, ba_seq, status = s.int_("opt_len"), s.seq("ba_seq"), s.int_("status")
    out = (
        K.bul_new_bu(Z3, cfg, b, now, step=step, initial_seq=init, coa=coa, home_reg=hr, ack=ack),
        K.bul_retransmit(Z3, cfg, b, now),
        K.bul_on_ba(Z3, cfg, b, auth=auth, opt_len=opt_len, ba_seq=ba_seq, status=status),
        K.rate_ok(Z3, now, b.last_send, b.fast_count, cfg),
    )
    return b, (now, step, init, coa, hr, ack, auth, opt_len, ba_seq, status), out


@given(
    buls,
    times,
    st.integers(1, 32767),
    seqs,
    addrs,
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.sampled_from([0, 10, 11, 12, 13]),
    seqs,
    st.integers(0, 255),
    readings,
)
def test_bul_ops_py_equals_z3(
    b: K.BulEntry,
    now: int,
    step: int,
    init: int,
    coa: int,
    hr: bool,
    ack: bool,
    auth: bool,
    opt_len: int,
    ba_seq: int,
    status: int,
    reading: str,
) -> None:
    cfg = READINGS[reading]
    sb, syms, out = _sym_bul(reading)
    vals = (now, step, init, coa, hr, ack, auth, opt_len, ba_seq, status)
    pairs = _pairs(sb, b) + [
        (s, z3.BoolVal(v) if isinstance(v, bool) else z3.IntVal(v))
        for s, v in zip(syms, vals, strict=True)
    ]
    py = (
        K.bul_new_bu(PY, cfg, b, now, step=step, initial_seq=init, coa=coa, home_reg=hr, ack=ack),
        K.bul_retransmit(PY, cfg, b, now),
        K.bul_on_ba(PY, cfg, b, auth=auth, opt_len=opt_len, ba_seq=ba_seq, status=status),
        K.rate_ok(PY, now, b.last_send, b.fast_count, cfg),
    )
    _agree(out, py, pairs)


# ---------------------------------------------------------------- mutants


def test_patched_kernel_restores_everything() -> None:
    before = {n: getattr(K, n) for n in ("seq_greater", "apply_bu")}
    with patched_kernel(seq_greater=lambda L, a, b, cfg: True):
        assert K.seq_greater(PY, 0, 0, DEFAULT) is True
    assert {n: getattr(K, n) for n in before} == before
    assert K.seq_greater is ORIGINAL.seq_greater


def test_catalogue_is_large_and_well_formed() -> None:
    assert len(MUTANTS) >= 25 and len({m.name for m in MUTANTS}) == len(MUTANTS)
    for m in MUTANTS:
        assert m.catches and m.targets and set(m.replacements()) == set(m.targets)


@cache
def _kills() -> dict[str, frozenset[str]]:
    """Mutant name -> the proofs among its `catches` that report VIOLATED under it."""
    from mip6check.properties.smt.run import kill_table

    return {name: frozenset(ps) for name, ps in kill_table().items()}


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_each_mutant_is_caught(mutant: Any) -> None:
    proofs = {p for p in mutant.catches if p in PROOFS}
    assert proofs, f"{mutant.name}: no Z3 proof among {sorted(mutant.catches)}"
    assert _kills()[mutant.name] == proofs, (
        f"{mutant.name}: not caught by {sorted(proofs - _kills()[mutant.name])}"
    )


def test_kill_rate_and_kernel_restored() -> None:
    killed = sum(1 for m in MUTANTS if _kills()[m.name])
    print(f"z3 mutant kill rate: {killed}/{len(MUTANTS)}")
    assert killed == len(MUTANTS)
    assert all(run_proof(p).status is Status.PROVED for p in PROOFS)


# ---------------------------------------------------------------- bounded model checking


def test_bmc_real_kernel_shallow() -> None:
    rep = B.bmc(DEFAULT, max_depth=5, budget_s=20)
    assert rep.depth == 5 and rep.complete and not rep.counterexamples
    assert all(r.status is Status.PASSED and "depth 5" in (r.detail or "") for r in B.results(rep))


@pytest.mark.parametrize(
    ("mutant", "check"),
    [
        ("retx-new-seq", "MN-RETX-SAME-SEQ"),
        ("homereg-evictable", "BC-HOMEREG-NOEVICT"),
        ("seq-ge", "BC-SEQ-MONOTONIC"),
        ("no-more-bu-ignored", "MN-ICMP-PP2-STOP"),
        ("tunnel-any-binding", "HA-TUNNEL"),
        ("ack-via-cache", "BC-REJECT-NO-CACHE"),
    ],
)
def test_bmc_finds_mutant_with_replayable_steps(mutant: str, check: str) -> None:
    from mip6check.properties.mutants import BY_NAME

    with BY_NAME[mutant].applied():
        rep = B.bmc(DEFAULT, max_depth=6, budget_s=20, checks=(check,))
    steps = rep.counterexamples[check]
    assert steps and all(s.kind in B.TRACE_KINDS for s in steps)
    res = B.results(rep)[0]
    assert res.status is Status.VIOLATED and res.counterexample == [s.to_json() for s in steps]
    if check == "MN-RETX-SAME-SEQ":
        sent = [s for s in steps if s.kind == "send_bu"][-1]
        assert steps[-1].kind == "retransmit" and steps[-1].fields["seq"] != sent.fields["seq"]
    if check == "BC-HOMEREG-NOEVICT":
        assert steps[-1].kind == "evict"
    if check == "HA-TUNNEL":  # a binding without H at the home agent, then a packet tunnelled by it
        assert steps[-1].kind == "send_data" and steps[-1].fields["route"] == "tunnel"
        assert any(s.kind == "deliver" and s.fields.get("h") is False for s in steps)
    if check == "BC-REJECT-NO-CACHE":  # a rejected update acknowledged via the cached care-of address
        last = steps[-1].fields
        assert steps[-1].kind == "deliver" and int(last["status"]) >= 128
        assert last["via"] != last["coa"]


def test_bmc_sees_the_route_decisions_only_where_they_differ_on_a_run() -> None:
    """A binding used past its lifetime (route-ignores-expiry) is caught by the Z3 goal over every
    entry, and is no fault on any run BMC unrolls: the caches' expiry runs at each advance of time,
    as the roles' timers do, so no expired entry is ever routed by."""
    from mip6check.properties.mutants import BY_NAME

    with BY_NAME["route-ignores-expiry"].applied():
        rep = B.bmc(DEFAULT, max_depth=6, budget_s=60, checks=("BC-ROUTE-VIA-RH",))
        assert run_proof("BC-ROUTE-VIA-RH").status is Status.VIOLATED
    assert rep.complete and not rep.counterexamples


def test_run_all_selected_properties_shape() -> None:
    rs = run_all({"BC-SEQ-MONOTONIC", "SPEC-SEQ-HALF", "MN-RETX-SAME-SEQ"}, budget_s=3)
    got = {(r.property, r.engine): r.status for r in rs}
    assert got[("BC-SEQ-MONOTONIC", "z3")] is Status.PROVED
    assert got[("SPEC-SEQ-HALF", "z3")] is Status.FINDING
    assert got[("MN-RETX-SAME-SEQ", "z3-bmc")] is Status.PASSED
    for r in rs:
        assert {"property", "engine", "status"} <= set(r.to_json())


def _spec_rules(L: Any, bu: Any, e: Any, env: Any, now: Any, cfg: Any) -> tuple[Any, ...]:
    """The spec's definitions (properties/spec) over kernel-shaped records, on PY or Z3."""
    from mip6check.properties.smt.obligations import ha_view
    from mip6check.properties.spec import binding_cache as SB
    from mip6check.properties.spec import home_agent as SH
    from mip6check.properties.spec import wire as SW

    r = SB.Received(bu.auth, bu.length_ok, bu.has_hao, bu.seq, e.present, e.seq)
    deletion = SB.asks_delete(L, bu.lifetime, bu.coa == bu.home)
    return (
        SB.passes_72(L, cfg, r),
        deletion,
        SH.accepts(L, ha_view(env), deletion),
        L.and_(L.not_(e.infinite), now >= e.expiry),
        SW.greater(L, bu.seq, e.seq, cfg),
    )


@cache
def _sym_rules(reading: str) -> tuple[Any, ...]:
    cfg = READINGS[reading]
    s = Sym()
    e, bu, env, now = s.entry("e"), s.bu("bu"), s.env("env"), s.time("now")
    return e, bu, env, now, _spec_rules(Z3, bu, e, env, now, cfg)


@given(entries, bus, envs, times, readings)
def test_spec_rules_py_equals_z3(
    e: K.Entry, bu: K.BUIn, env: K.NodeEnv, now: int, reading: str
) -> None:
    cfg = READINGS[reading]
    se, sbu, senv, snow, out = _sym_rules(reading)
    pairs = _pairs(se, e) + _pairs(sbu, bu) + _pairs(senv, env) + [(snow, z3.IntVal(now))]
    _agree(out, _spec_rules(PY, bu, e, env, now, cfg), pairs)


@given(seqs, seqs, readings)
def test_spec_greater_matches_kernel_on_the_real_kernel(a: int, b: int, reading: str) -> None:
    from mip6check.properties.spec.wire import greater

    cfg = READINGS[reading]
    assert greater(PY, a, b, cfg) == K.seq_greater(PY, a, b, cfg)


def test_patched_reaches_any_model_attribute() -> None:
    from mip6check.properties.mutants import patched

    with patched({"mip6check.model.config:DEFAULT": "x", "seq_greater": "y"}):
        import mip6check.model.config

        assert mip6check.model.config.DEFAULT == "x" and K.seq_greater == "y"
    assert K.seq_greater is ORIGINAL.seq_greater and mip6check.model.config.DEFAULT is DEFAULT


def test_vacuous_obligation_is_not_proved() -> None:
    from mip6check.properties.smt.obligations import Goal, Obligation, prove

    def build(cfg: Any) -> Goal:
        s = Sym()
        x = s.int_("x", 0, 1)
        return Goal(s, [x > 5], x == 0)

    r = prove("BC-UNIQUE", [Obligation("nothing", "default", build)])
    assert r.status is Status.UNKNOWN and "vacuous" in (r.detail or "")


# ---------------------------------------------------------------- the kernel refines the spec


def test_every_kernel_decision_equals_the_specs() -> None:
    from mip6check.properties.smt.obligations import discharge
    from mip6check.properties.smt.refine import all_refinements

    obs = all_refinements()
    assert len({ob.transition for ob in obs}) >= 10
    for ob in obs:
        status, cex, _ = discharge(ob, 20_000)
        assert status == "proved", (ob.transition, ob.reading, cex)


@pytest.mark.parametrize(
    "mutant,refinement",
    [
        ("seq-half-accept", "refines: seq_greater = spec.wire.greater"),
        ("seq-ge", "refines: seq_greater = spec.wire.greater"),
        ("dereg-idlen-136", "refines: cache_decision = spec.decide"),
        ("lifetime0-keeps-entry", "refines: wants_delete = spec.asks_delete"),
        ("infinite-expires", "refines: expired = spec.ran_out"),
        ("ba-length-unchecked", "refines: ba_outcome = spec.ba_action"),
        ("backoff-no-cap", "refines: next_retx_interval, retx_continues = spec"),
        ("slow-rate-ignored", "refines: rate_ok = spec.rate_ok"),
    ],
)
def test_a_bent_kernel_decision_no_longer_refines_the_spec(mutant: str, refinement: str) -> None:
    from mip6check.properties.mutants import BY_NAME
    from mip6check.properties.smt.obligations import discharge
    from mip6check.properties.smt.refine import all_refinements

    obs = [ob for ob in all_refinements() if ob.transition == refinement]
    assert obs
    with BY_NAME[mutant].applied():
        assert any(discharge(ob, 20_000)[0] == "violated" for ob in obs)
