"""Findings on the text of the draft (the SPEC rows of properties.md), each shown by Z3 on the kernel
definitions and returned with a concrete witness that tests re-check with the kernel under PY.

Status is "finding" when the defect is shown; "unknown" if the solver gave up; "violated" would mean
the kernel no longer exhibits what the row claims (the witness could not be found).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import z3

from mip6check.model.config import DEFAULT, Config, SeqHalf
from mip6check.model.roles import kernel as K
from mip6check.properties.smt.z3logic import Z3, Sym, to_py
from mip6check.properties.verdict import Result, Status

ENGINE = "z3"
REJECT = DEFAULT
ACCEPT = DEFAULT.with_switches(seq_half=SeqHalf.ACCEPT)
EQACK = DEFAULT.with_switches(seq_equal_ack=True)
BA12 = DEFAULT.with_switches(ba_min_length=12)

# §5.1 and §5.2 field layouts (wire-formats.md §1.1, §1.2): octets of each field after Type and Length.
BU_FIELDS: tuple[tuple[str, int], ...] = (
    ("flags", 1),
    ("id_length", 1),
    ("sequence", 2),
    ("lifetime", 4),
)
BU_CARE_OF = ("care_of_address", 16)
BA_FIELDS: tuple[tuple[str, int], ...] = (
    ("status", 1),
    ("sequence", 2),
    ("lifetime", 4),
    ("refresh", 4),
)
BU_STATED_MIN, BU_STATED_C_EXTRA = 8, 8  # §5.1: "at least 8", "+8 if the C bit is set"
BA_STATED = 12  # §5.2: "MUST be set to 12"; §9.10 ">= 12"
BR_STATED = 0  # §5.3: "MUST be set to 0"


def _timed(pid: str, fn: Callable[[], tuple[Status, str, Any]]) -> Result:
    t0 = time.monotonic()
    status, detail, witness = fn()
    return Result(pid, ENGINE, status, time.monotonic() - t0, detail=detail, witness=witness)


def _solve(*cs: Any, minimize: tuple[Any, ...] = ()) -> Any | None:
    """A model of the constraints (smallest values first for `minimize`), or None when unsat/unknown."""
    opt = z3.Optimize()
    opt.add(*cs)
    for m in minimize:
        opt.minimize(m)
    return opt.model() if opt.check() == z3.sat else None


def _valid(*cs: Any) -> bool:
    """True when the conjunction of `cs` is unsatisfiable (i.e. its negation holds for all inputs)."""
    s = z3.Solver()
    s.add(*cs)
    return bool(s.check() == z3.unsat)


def seq_half() -> Result:
    """SPEC-SEQ-HALF (§4.3, §5.1): at distance 2^15 neither number is greater under `reject`, both under
    `accept`: "greater modulo 2^16" is no order there."""

    def run() -> tuple[Status, str, Any]:
        s = Sym()
        a, b = s.seq("a"), s.seq("b")
        g = K.seq_greater
        m = _solve(
            *s.domain,
            a != b,
            z3.Not(g(Z3, a, b, REJECT)),
            z3.Not(g(Z3, b, a, REJECT)),
            g(Z3, a, b, ACCEPT),
            g(Z3, b, a, ACCEPT),
            minimize=(a, b),
        )
        if m is None:
            return Status.VIOLATED, "no pair at distance 2^15 behaves as the row claims", None
        w = {"a": to_py(m[a]), "b": to_py(m[b])}
        return (
            Status.FINDING,
            "kernel.seq_greater: neither a>b nor b>a (seq_half=reject), both (accept)",
            w,
        )

    return _timed("SPEC-SEQ-HALF", run)


def _bu(seq: Any, home: int = 1, coa: int = 2, lifetime: int = 60) -> K.BUIn:
    return K.BUIn(
        auth=True,
        length_ok=True,
        has_hao=True,
        h=False,
        seq=seq,
        lifetime=lifetime,
        home=home,
        coa=coa,
    )


ROOMY = K.NodeEnv(
    is_home_agent=False,
    home_on_link=False,
    id_length=0,
    ha_id_length=64,
    to_anycast=False,
    cache_full=False,
    any_evictable=True,
    will_create=True,
)


def _chain(steps: int, cfg: Config) -> list[int] | None:
    """Sequence Numbers seq0..seqN, each BU accepted by kernel.apply_bu in turn, with seq0 greater than
    seqN so that a replay of the first BU is accepted again; None if there is none."""
    s = Sym()
    seqs = [s.seq(f"seq{i}") for i in range(steps + 1)]
    e = K.Entry(
        present=True,
        home=1,
        coa=2,
        seq=seqs[0],
        home_reg=False,
        expiry=10**9,
        infinite=False,
        last_used=0,
    )
    cs = list(s.domain)
    for i in range(1, steps + 1):
        e, check, _, status = K.apply_bu(Z3, cfg, e, _bu(seqs[i], coa=2 + i), ROOMY, i * 1000)
        cs += [check == int(K.Check.VALID), status < 128, e.seq == seqs[i]]
    _, replay_check, _, _ = K.apply_bu(Z3, cfg, e, _bu(seqs[0]), ROOMY, (steps + 1) * 1000)
    cs += [K.seq_greater(Z3, seqs[0], seqs[-1], cfg), replay_check == int(K.Check.VALID)]
    m = _solve(*cs, minimize=tuple(seqs))
    return None if m is None else [int(to_py(m[x])) for x in seqs]


def seq_nontransitive(steps: int = 2) -> Result:
    """SPEC-SEQ-NONTRANSITIVE (§4.3, §7.2): a chain of BUs, each accepted by kernel.apply_bu, ends below
    its start, so a replay of the first BU is accepted again: the "maximum received" is not defined.
    Shown under both seq_half readings (`seq`: reject, the default; `seq_accept`: accept)."""

    def run() -> tuple[Status, str, Any]:
        rej, acc = _chain(steps, REJECT), _chain(steps, ACCEPT)
        if rej is None or acc is None:
            return Status.VIOLATED, f"no accepted chain of {steps} BUs ends below its start", None
        w = {"seq": rej, "seq_accept": acc, "replay_of_first_accepted": True}
        return (
            Status.FINDING,
            f"kernel.apply_bu accepts {steps} BUs in a row, then a replay of the first",
            w,
        )

    return _timed("SPEC-SEQ-NONTRANSITIVE", run)


def bu_len_c() -> Result:
    """SPEC-BU-LEN-C (§5.1): Option Length is "8, +8 if C", yet the fields with the Care-of Address are 24."""

    def run() -> tuple[Status, str, Any]:
        c = z3.Int("c")
        layout = sum(n for _, n in BU_FIELDS) + c * BU_CARE_OF[1]
        stated = BU_STATED_MIN + c * BU_STATED_C_EXTRA
        m = _solve(c >= 0, c <= 1, stated != layout)
        if m is None:
            return Status.VIOLATED, "stated and layout lengths agree", None
        cv = to_py(m[c])
        w = {
            "c": cv,
            "stated_length": to_py(m.eval(stated)),
            "layout_length": to_py(m.eval(layout)),
            "care_of_octets": BU_CARE_OF[1],
            "fixed_fields": dict(BU_FIELDS),
        }
        return Status.FINDING, "fields sum to 24 with C; §5.1 says 16 (switch bu_c_length)", w

    return _timed("SPEC-BU-LEN-C", run)


def ba_len_12() -> Result:
    """SPEC-BA-LEN-12 (§5.2, §9.10): the BA fields sum to 11, the text says 12; under ba_min_length=12 a
    correct 11-octet BA is ignored by kernel.ba_outcome, under the default it is accepted."""

    def run() -> tuple[Status, str, Any]:
        opt_len = z3.Int("opt_len")
        fields_sum = sum(n for _, n in BA_FIELDS)
        o12 = K.ba_outcome(Z3, BA12, auth=True, opt_len=opt_len, seq_matches=True, status=0)
        o11 = K.ba_outcome(Z3, DEFAULT, auth=True, opt_len=opt_len, seq_matches=True, status=0)
        m = _solve(
            opt_len == fields_sum,
            fields_sum != BA_STATED,
            o12 == int(K.BAOutcome.IGNORE),
            o11 == int(K.BAOutcome.ACCEPTED),
        )
        if m is None:
            return Status.VIOLATED, "an 11-octet BA is treated alike under both readings", None
        w = {
            "opt_len": to_py(m[opt_len]),
            "fields_sum": fields_sum,
            "stated": BA_STATED,
            "outcome_ba_min_length_12": K.BAOutcome(to_py(m.eval(o12))).name,
            "outcome_default": K.BAOutcome(to_py(m.eval(o11))).name,
        }
        return (
            Status.FINDING,
            "kernel.ba_outcome ignores a layout-correct BA under the literal §9.10 test",
            w,
        )

    return _timed("SPEC-BA-LEN-12", run)


def status_134_vs_silent() -> Result:
    """SPEC-134-VS-SILENT (§5.2, §7.2; B6): no input makes kernel.apply_bu return 134 (nor 129), under any
    reading, while a stale BU is silently ignored (§7.2): both statuses are unreachable."""

    def run() -> tuple[Status, str, Any]:
        unreachable: dict[str, bool] = {}
        for name, cfg in (
            ("default", REJECT),
            ("seq_half=accept", ACCEPT),
            ("seq_equal_ack", EQACK),
        ):
            s = Sym()
            e, bu, env, now = s.entry("e"), s.bu("bu"), s.env("env"), s.time("now")
            _, check, _, status = K.apply_bu(Z3, cfg, e, bu, env, now)
            unreachable[name] = _valid(*s.domain, z3.Or(status == 134, status == 129))
        s = Sym()
        e, bu, env, now = s.entry("e"), s.bu("bu"), s.env("env"), s.time("now")
        e2, check, _, _ = K.apply_bu(Z3, REJECT, e, bu, env, now)
        m = _solve(
            *s.domain,
            check == int(K.Check.STALE_SEQ),
            bu.auth,
            bu.length_ok,
            bu.has_hao,
            z3.Not(bu.h),
            minimize=(e.seq, bu.seq),
        )
        if m is None or not all(unreachable.values()):
            return Status.VIOLATED, f"134/129 reachable: {unreachable}", None
        w = {
            "status_134_reachable": False,
            "status_129_reachable": False,
            "readings": sorted(unreachable),
            "stale": {
                "entry_seq": to_py(m[e.seq]),
                "seq": to_py(m[bu.seq]),
                "check": "STALE_SEQ",
                "entry_unchanged": bool(
                    to_py(
                        m.eval(
                            z3.And(
                                *[
                                    getattr(e2, f) == getattr(e, f)
                                    for f in ("present", "seq", "coa")
                                ]
                            )
                        )
                    )
                ),
            },
        }
        return Status.FINDING, "statuses 134 and 129 are defined but no §7.2 path returns them", w

    return _timed("SPEC-134-VS-SILENT", run)


def br_extensions() -> Result:
    """SPEC-BR-EXTENSIONS (§5.3; B13): Option Length MUST be 0, yet a greater length carries extensions:
    every length that carries an extension breaks the MUST."""

    def run() -> tuple[Status, str, Any]:
        n = z3.Int("option_length")
        carries_ext = n > BR_STATED
        must = n == BR_STATED
        none_both = _valid(n >= 0, n <= 255, carries_ext, must)
        m = _solve(n >= 0, n <= 255, carries_ext, minimize=(n,))
        if m is None or not none_both:
            return Status.VIOLATED, "an extension-carrying length meets the MUST", None
        w = {
            "option_length": to_py(m[n]),
            "stated": BR_STATED,
            "carries_extensions": True,
            "meets_must": False,
        }
        return (
            Status.FINDING,
            "no Binding Request can both meet 'MUST be 0' and carry an extension",
            w,
        )

    return _timed("SPEC-BR-EXTENSIONS", run)


def retx_no_reack() -> Result:
    """SPEC-RETX-NO-REACK (§9.7 vs §7.2; B5): after the BA of an accepted BU is lost, the retransmission
    (same seq, §9.7) is never valid and never re-acknowledged under the default reading, while the home
    registration retransmits forever at 256 s (§9.4): no convergence. With seq_equal_ack it is re-acked."""

    def run() -> tuple[Status, str, Any]:
        s = Sym()
        seq, now = s.seq("seq"), s.time("now")
        empty = K.Entry(
            present=False,
            home=1,
            coa=0,
            seq=0,
            home_reg=False,
            expiry=0,
            infinite=False,
            last_used=0,
        )
        ha = K.NodeEnv(
            is_home_agent=True,
            home_on_link=True,
            id_length=0,
            ha_id_length=64,
            to_anycast=False,
            cache_full=False,
            any_evictable=False,
            will_create=True,
        )
        bu = K.BUIn(
            auth=True, length_ok=True, has_hao=True, h=True, seq=seq, lifetime=60, home=1, coa=2
        )
        e1, c1, _, st1 = K.apply_bu(Z3, DEFAULT, empty, bu, ha, now)
        b = K.BulEntry(
            present=True,
            seq=seq,
            coa=2,
            home_reg=True,
            acked=False,
            interval=DEFAULT.max_bindack_timeout,
            next_retx=now,
            retx_on=True,
            last_send=now,
            fast_count=1,
            no_more_bu=False,
        )
        b2 = K.bul_retransmit(Z3, DEFAULT, b, now)
        retx = K.BUIn(
            auth=True,
            length_ok=True,
            has_hao=True,
            h=True,
            seq=b2.seq,
            lifetime=60,
            home=1,
            coa=b2.coa,
        )
        _, c_def, _, _ = K.apply_bu(Z3, DEFAULT, e1, retx, ha, now + 1)
        _, c_eq, _, _ = K.apply_bu(Z3, EQACK, e1, retx, ha, now + 1)
        first_ok = z3.And(c1 == int(K.Check.VALID), st1 == 0, e1.present)
        loop = z3.And(b2.retx_on, b2.interval == b.interval, b2.seq == b.seq)
        never = _valid(
            *s.domain,
            first_ok,
            z3.Or(c_def == int(K.Check.VALID), c_def == int(K.Check.EQUAL_SEQ_REACK)),
        )
        m = _solve(
            *s.domain,
            first_ok,
            loop,
            c_def == int(K.Check.STALE_SEQ),
            c_eq == int(K.Check.EQUAL_SEQ_REACK),
            minimize=(seq,),
        )
        if m is None or not never:
            return (
                Status.VIOLATED,
                "the retransmission is acknowledged under the default reading",
                None,
            )
        w = {
            "seq": to_py(m[seq]),
            "check_default": "STALE_SEQ",
            "check_seq_equal_ack": "EQUAL_SEQ_REACK",
            "mn_loop": {
                "interval_ms": DEFAULT.max_bindack_timeout,
                "retx_on": True,
                "seq": to_py(m[seq]),
            },
        }
        return (
            Status.FINDING,
            "BA loss: retransmissions silently dropped forever (liveness gap; seq_equal_ack fixes)",
            w,
        )

    return _timed("SPEC-RETX-NO-REACK", run)


FINDINGS: dict[str, Callable[[], Result]] = {
    "SPEC-SEQ-HALF": seq_half,
    "SPEC-SEQ-NONTRANSITIVE": seq_nontransitive,
    "SPEC-BU-LEN-C": bu_len_c,
    "SPEC-BA-LEN-12": ba_len_12,
    "SPEC-134-VS-SILENT": status_134_vs_silent,
    "SPEC-BR-EXTENSIONS": br_extensions,
    "SPEC-RETX-NO-REACK": retx_no_reack,
}
"""SPEC ID -> its finding. SPEC-RETX-NO-REACK (B5) is a new ID proposed for the catalog."""
