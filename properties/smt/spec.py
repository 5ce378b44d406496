"""Findings on the text of the draft (the SPEC rows of docs/properties.md), each shown by Z3 on the
draft's own definitions (properties/spec; SPEC-134-VS-SILENT on the kernel too) and returned with a
concrete witness that tests re-check on the spec and on the model under PY. The rest of the rows are in
findings_format.py and findings_runs.py; `FINDINGS` lists them all.

Status is "finding" when the defect is shown; "unknown" if the solver gave up; "violated" means what
the row claims could not be shown (the witness could not be found).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import z3

from mip6check.model.config import DEFAULT, Config, SeqHalf
from mip6check.model.roles import kernel as K
from mip6check.properties.smt.findings_format import FORMAT_FINDINGS
from mip6check.properties.smt.findings_runs import RUN_FINDINGS
from mip6check.properties.smt.obligations import ha_view
from mip6check.properties.smt.witness import solve as _solve
from mip6check.properties.smt.witness import valid as _valid
from mip6check.properties.smt.z3logic import Z3, Sym, to_py
from mip6check.properties.spec import binding_cache as SB
from mip6check.properties.spec import mobile_node as SM
from mip6check.properties.spec import wire as SW
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


def seq_half() -> Result:
    """SPEC-SEQ-HALF (§4.3, §5.1): at distance 2^15 neither number is greater under `reject`, both under
    `accept`: "greater modulo 2^16" is no order there."""

    def run() -> tuple[Status, str, Any]:
        s = Sym()
        a, b = s.seq("a"), s.seq("b")
        g = SW.greater  # the draft's order (properties/spec); the kernel's equals it (refine.py)
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
            "'greater modulo 2^16': neither a>b nor b>a (seq_half=reject), both (accept)",
            w,
        )

    return _timed("SPEC-SEQ-HALF", run)


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
    correct 11-octet BA is ignored by §9.10 (properties/spec), under the default it is accepted."""

    def run() -> tuple[Status, str, Any]:
        opt_len = z3.Int("opt_len")
        fields_sum = sum(n for _, n in BA_FIELDS)

        def outcome(cfg: Config) -> Any:  # §9.10 as the spec writes it
            ok = SM.ba_acceptable(
                Z3, cfg, auth=True, opt_len=opt_len, outstanding=True, seq_matches=True
            )
            return SM.ba_action(Z3, ok, 0)

        o12, o11 = outcome(BA12), outcome(DEFAULT)
        m = _solve(
            opt_len == fields_sum,
            fields_sum != BA_STATED,
            o12 == int(SM.BAAction.IGNORE),
            o11 == int(SM.BAAction.ACCEPTED),
        )
        if m is None:
            return Status.VIOLATED, "an 11-octet BA is treated alike under both readings", None
        w = {
            "opt_len": to_py(m[opt_len]),
            "fields_sum": fields_sum,
            "stated": BA_STATED,
            "outcome_ba_min_length_12": SM.BAAction(to_py(m.eval(o12))).name,
            "outcome_default": SM.BAAction(to_py(m.eval(o11))).name,
        }
        return (
            Status.FINDING,
            "§9.10 ignores a layout-correct BA under the literal 'at least 12' test",
            w,
        )

    return _timed("SPEC-BA-LEN-12", run)


def status_134_vs_silent() -> Result:
    """SPEC-134-VS-SILENT (§5.2, §7.2; B6): Status 134 ("Sequence Number field value too small") is
    defined, yet the only test on the number (§7.2 test 3) makes the update silently ignored: over every
    input and reading the draft's decisions never give 134 (checked on the spec and on the kernel).
    129 is not claimed: §8.2 lets a home agent reject "for any other reason" with an appropriate value."""

    def run() -> tuple[Status, str, Any]:
        never: dict[str, bool] = {}
        for name, cfg in (
            ("default", REJECT),
            ("seq_half=accept", ACCEPT),
            ("seq_equal_ack", EQACK),
        ):
            s = Sym()
            e, bu, env, now = s.entry("e"), s.bu("bu"), s.env("env"), s.time("now")
            _, _, _, k_status = K.apply_bu(Z3, cfg, e, bu, env, now)
            _, spec_status = SB.decide(
                Z3,
                h=bu.h,
                deletion=SB.asks_delete(Z3, bu.lifetime, bu.coa == bu.home),
                has_entry=e.present,
                room=SB.Room(env.cache_full, env.any_evictable, env.will_create),
                ha=ha_view(env),
            )
            never[name] = _valid(*s.domain, z3.Or(k_status == 134, spec_status == 134))
        stored, seq = z3.Int("stored"), z3.Int("seq")
        code = SB.check_72(Z3, REJECT, SB.Received(True, True, True, seq, True, stored))
        m = _solve(
            stored >= 0,
            stored <= 65535,
            seq >= 0,
            seq <= 65535,
            code == int(SB.Check72.NOT_GREATER),
            minimize=(stored, seq),
        )
        if m is None or not all(never.values()):
            return Status.VIOLATED, f"134 reachable: {never}", None
        w = {
            "status_134_reachable": False,
            "readings": sorted(never),
            "stale": {"stored": to_py(m[stored]), "seq": to_py(m[seq]), "check": "NOT_GREATER"},
            "section_7_2": "silently ignored",
            "status_129": "not claimed: reachable through §8.2's 'any other reason'",
        }
        return Status.FINDING, "Status 134 is defined but every stale update is silently ignored", w

    return _timed("SPEC-134-VS-SILENT", run)


# B13: each option's "MUST be set to N" and its extension rule ("greater than N: extensions", §4.2 MAY)
FIXED_LENGTHS: dict[str, tuple[int, str]] = {
    "BR": (BR_STATED, "§5.3 C5.3-02"),
    "BA": (BA_STATED, "§5.2 C5.2-R2 (restored)"),
    "HAO": (16, "§5.4 C5.4-R1 (restored)"),
}


def br_extensions() -> Result:
    """SPEC-BR-EXTENSIONS (§5.3, §5.2, §5.4 vs §4.2; B13): the Binding Request, Binding Acknowledgement
    and Home Address option each say "Option Length MUST be set to N", while §4.2 lets any of them
    carry extensions signalled by a greater length: for each, the shortest option that carries an
    extension breaks its MUST (the project's receivers accept it, senders write N)."""

    def run() -> tuple[Status, str, Any]:
        w: dict[str, Any] = {}
        for name, (fixed, where) in FIXED_LENGTHS.items():
            n = z3.Int(f"{name}_option_length")
            carries_ext, must = n > fixed, n == fixed
            if not _valid(n >= 0, n <= 255, carries_ext, must):
                return Status.VIOLATED, f"{name}: an extension-carrying length meets the MUST", None
            m = _solve(n >= 0, n <= 255, carries_ext, minimize=(n,))
            if m is None:
                return Status.VIOLATED, f"{name}: no length carries an extension", None
            w[name] = {"stated": fixed, "where": where, "shortest_with_extension": to_py(m[n])}
        return (
            Status.FINDING,
            "B13: BR, BA and HAO alike: no option can carry an extension and meet its 'MUST be set to'",
            w,
        )

    return _timed("SPEC-BR-EXTENSIONS", run)


FINDINGS: dict[str, Callable[[], Result]] = {
    "SPEC-SEQ-HALF": seq_half,
    "SPEC-SEQ-NONTRANSITIVE": RUN_FINDINGS["SPEC-SEQ-NONTRANSITIVE"],
    "SPEC-BU-LEN-C": bu_len_c,
    "SPEC-BA-LEN-12": ba_len_12,
    "SPEC-134-VS-SILENT": status_134_vs_silent,
    "SPEC-BR-EXTENSIONS": br_extensions,
    **{k: f for k, f in RUN_FINDINGS.items() if k != "SPEC-SEQ-NONTRANSITIVE"},
    **FORMAT_FINDINGS,
}
"""SPEC ID -> its finding: the shared catalog's rows and the project's own (scripts/gen_catalog.py)."""
