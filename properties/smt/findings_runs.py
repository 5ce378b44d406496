"""SPEC findings about what the draft's rules do over a run (§5.1, §5.2, §7.2-§7.7, §8, §9.4-§9.10):
each shown by Z3 on the spec's own definitions (properties/spec: the text, not the model), with a
witness that tests/properties/test_findings_spec.py re-checks, on the spec and on the model's kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import z3

from mip6check.model.config import DEFAULT, Config, SeqHalf
from mip6check.properties.smt.witness import Outcome, gone, solve, timed, valid
from mip6check.properties.smt.z3logic import Z3, to_py
from mip6check.properties.spec import binding_cache as SB
from mip6check.properties.spec import mobile_node as SM
from mip6check.properties.spec import wire as SW
from mip6check.properties.spec.home_agent import HomeAgentView
from mip6check.properties.spec.logic import PY as SW_PY
from mip6check.properties.verdict import Result, Status

ACCEPT = DEFAULT.with_switches(seq_half=SeqHalf.ACCEPT)
EQACK = DEFAULT.with_switches(seq_equal_ack=True)
HA_OK = HomeAgentView(False, True, True, 0, 64)  # a home agent on the home link, ID Length 0
ROOMY = SB.Room(False, True)


def _seq(name: str) -> Any:
    return z3.Int(name)


def _seq_dom(*xs: Any) -> list[Any]:
    return [z3.And(x >= 0, x <= 65535) for x in xs]


def retx_schedule(cfg: Config, n: int) -> list[int]:
    """§9.7: the times (ms, from the first transmission) of the first `n` retransmissions."""
    out, t, wait = [], 0, None
    for _ in range(n):
        wait = SM.backoff_after(wait, cfg)
        t += wait
        out.append(t)
    return out


def _acked(cfg: Config, registered_at: int, lifetime_s: Any, seq: Any, t: Any) -> Any:
    """Does the home agent answer a §9.7 retransmission (same Sequence Number) at `t`? Only when §7.2
    lets it through: once the first binding ran out, or under the `seq_equal_ack` reading."""
    present = z3.Not(SW.ran_out(Z3, registered_at, lifetime_s, t))
    r = SB.Received(True, True, True, seq, present, seq)
    code = SB.check_72(Z3, cfg, r)
    return z3.Or(code == int(SB.Check72.PASS), code == int(SB.Check72.EQUAL_REACK))


def retx_no_reack(steps: int = 24) -> Result:
    """SPEC-RETX-NO-REACK (§9.7 vs §7.2; B5): the first home registration is accepted, its
    acknowledgement lost; every §9.7 retransmission repeats the Sequence Number, so §7.2 ignores it
    while the binding lives. Over the whole run: no acknowledgement until the binding expires (the
    first one is the first retransmission after expiry), and none ever with an infinite Lifetime."""

    def run() -> Outcome:
        times = retx_schedule(DEFAULT, steps)
        life, seq = z3.Int("lifetime"), _seq("seq")
        dom = [z3.And(life >= 1, life < SW.INFINITE), *_seq_dom(seq)]
        until_expiry = valid(
            *dom,
            z3.Or(*[(_acked(DEFAULT, 0, life, seq, t) != (t >= life * 1000)) for t in times]),
        )
        t_any = z3.Int("t")
        never = valid(*_seq_dom(seq), t_any >= 0, _acked(DEFAULT, 0, SW.INFINITE, seq, t_any))
        eq_first = solve(*_seq_dom(seq), _acked(EQACK, 0, 60, seq, times[0]))
        if not (until_expiry and never) or eq_first is None:
            return gone("a retransmission is acknowledged while the first binding lives")
        run60 = [(t, bool(_py_acked(DEFAULT, 60, t))) for t in times if t <= 63_000]
        w = {
            "lifetime_s": 60,
            "retransmissions_ms": [t for t, _ in run60],
            "acknowledged": [ok for _, ok in run60],
            "first_acknowledged_ms": next(t for t, ok in run60 if ok),
            "binding_expired_ms": 60_000,
            "infinite_lifetime": "never acknowledged (proved for every time)",
            "checked_retransmissions": steps,
            "seq_equal_ack": "the first retransmission (1 s) is acknowledged",
        }
        return (
            Status.FINDING,
            f"over {steps} retransmissions: no acknowledgement before the binding expires, none ever "
            "with Lifetime 0xFFFFFFFF (default reading); --seq-equal-ack answers the first",
            w,
        )

    return timed("SPEC-RETX-NO-REACK", run)


def _py_acked(cfg: Config, lifetime_s: int, t: int) -> bool:
    present = not SW.ran_out(SW_PY, 0, lifetime_s, t)
    code = SB.check_72(SW_PY, cfg, SB.Received(True, True, True, 7, present, 7))
    return code in (SB.Check72.PASS, SB.Check72.EQUAL_REACK)


def seq_nontransitive() -> Result:
    """SPEC-SEQ-NONTRANSITIVE (§4.3, §5.1, §7.2): a mobile node that obeys §5.1 (each Binding Update
    greater than the one before) has a *legitimate* update refused: the correspondent missed the
    middle one, and the last is not greater than the one it stored. Both seq_half readings."""

    def one(cfg: Config) -> list[int] | None:
        s1, s2, s3 = _seq("s1"), _seq("s2"), _seq("s3")
        refused = SB.check_72(Z3, cfg, SB.Received(True, True, True, s3, True, s1))
        m = solve(
            *_seq_dom(s1, s2, s3),
            s1 == 0,
            (s3 - s1) % 65536 != 32768,  # not the SPEC-SEQ-HALF edge: refused by non-transitivity
            (s2 - s1) % 65536 <= 32767,  # steps any reading calls an increase (the model's MN too)
            (s3 - s2) % 65536 <= 32767,
            SW.greater(Z3, s2, s1, cfg),
            SW.greater(Z3, s3, s2, cfg),
            refused == int(SB.Check72.NOT_GREATER),
            minimize=(s2, s3),
        )
        return None if m is None else [int(to_py(m[x])) for x in (s1, s2, s3)]

    def run() -> Outcome:
        rej, acc = one(DEFAULT), one(ACCEPT)
        if rej is None or acc is None:
            return gone("every update greater than its predecessor is accepted")
        w = {
            "stored": rej[0],
            "lost": rej[1],
            "refused": rej[2],
            "steps": [rej[1] - rej[0], rej[2] - rej[1]],
            "seq_half_accept": acc,
            "refused_silently": True,
        }
        return (
            Status.FINDING,
            f"§5.1-obeying updates {rej[0]} -> {rej[1]} (lost) -> {rej[2]}: the last is silently refused",
            w,
        )

    return timed("SPEC-SEQ-NONTRANSITIVE", run)


def seq_retx() -> Result:
    """SPEC-SEQ-RETX (§5.1 vs §9.7; B4): every Binding Update MUST carry a number greater than the
    previous one to that destination, and a retransmission MUST carry the same number: no
    retransmission meets §5.1, under either seq_half reading."""

    def run() -> Outcome:
        s = _seq("s")
        none = all(valid(*_seq_dom(s), SW.greater(Z3, s, s, c)) for c in (DEFAULT, ACCEPT))
        if not none:
            return gone("a number is greater than itself")
        w = {"previous": 7, "retransmission": 7, "greater": False, "readings": ["reject", "accept"]}
        return (
            Status.FINDING,
            "a §9.7 retransmission (same number) never satisfies §5.1's 'greater'",
            w,
        )

    return timed("SPEC-SEQ-RETX", run)


def ba_must_vs_silent() -> Result:
    """SPEC-BA-MUST-VS-SILENT (§5.2 restored C5.2-R1 vs §7.2, §7.5; B7): the destination of a Binding
    Update with A set MUST return an acknowledgement, while one failing §7.2 MUST be silently ignored
    (and §7.5 only says SHOULD): for such an update no behaviour meets both MUSTs."""

    def run() -> Outcome:
        auth, ok_len, hao = z3.Bool("auth"), z3.Bool("length_ok"), z3.Bool("has_hao")
        code = SB.check_72(Z3, DEFAULT, SB.Received(auth, ok_len, hao, 1, False, 0))
        m = solve(code != int(SB.Check72.PASS), z3.Not(auth))
        if m is None:
            return gone("every update with the A bit passes §7.2")
        w = {
            "a_bit": True,
            "auth": False,
            "check_7_2": SB.Check72(int(to_py(m.eval(code)))).name,
            "section_5_2": "MUST return a Binding Acknowledgement",
            "section_7_2": "MUST be silently ignored",
            "section_7_5": "SHOULD return",
        }
        return (
            Status.FINDING,
            "an unauthenticated update with A set must be both answered and ignored",
            w,
        )

    return timed("SPEC-BA-MUST-VS-SILENT", run)


def dereg_ba_no_entry() -> Result:
    """SPEC-DEREG-BA-NO-ENTRY (§5.2 vs §7.4, §8.3; B8): an accepting acknowledgement MUST be sent using
    the node's Binding Cache entry, but an accepted deletion has just removed it."""

    def run() -> Outcome:
        h = z3.Bool("h")
        change, status = SB.decide(Z3, h=h, deletion=True, has_entry=True, room=ROOMY, ha=HA_OK)
        m = solve(status == 0, change == int(SB.CacheChange.DELETE))
        both = valid(status == 0, change != int(SB.CacheChange.DELETE))
        if m is None or not both:
            return gone("an accepted deletion keeps the entry the acknowledgement must use")
        w = {"deletion": True, "status": 0, "entry_after": "deleted", "h_either": True}
        return (
            Status.FINDING,
            "every accepted deletion leaves no entry for §5.2's 'MUST use this entry'",
            w,
        )

    return timed("SPEC-DEREG-BA-NO-ENTRY", run)


def homereg_delete() -> Result:
    """SPEC-HOMEREG-DELETE (§8.2 vs §8.3; B10): a home registration "MUST NOT be removed from the
    Binding Cache until the expiration of the Lifetime", and a valid de-registration "MUST delete any
    existing entry": one arriving before expiry must do both."""

    def run() -> Outcome:
        life, now = z3.Int("lifetime"), z3.Int("now")
        alive = z3.Not(SW.ran_out(Z3, 0, life, now))
        change, status = SB.decide(Z3, h=True, deletion=True, has_entry=True, room=ROOMY, ha=HA_OK)
        m = solve(
            life >= 60,
            life < SW.INFINITE,
            now >= 10_000,
            alive,
            change == int(SB.CacheChange.DELETE),
            minimize=(life, now),
        )
        if m is None:
            return gone("no de-registration reaches a live home registration")
        w = {
            "registered_at_ms": 0,
            "lifetime_s": int(to_py(m[life])),
            "deregistration_at_ms": int(to_py(m[now])),
            "section_8_3": "MUST delete",
            "section_8_2": "MUST NOT be removed until the Lifetime expires",
            "reading_used": "§8.2's rule read as 'not evictable' (the project's default)",
        }
        return (
            Status.FINDING,
            "a de-registration before expiry must delete an entry §8.2 says must stay",
            w,
        )

    return timed("SPEC-HOMEREG-DELETE", run)


def infinite_fill(capacity: int = 2) -> Result:
    """SPEC-INFINITE-FILL (§5.1, §7.7, §8.2; C2): home registrations with Lifetime 0xFFFFFFFF never run
    out and are never evicted, so once they fill the cache every new home registration gets 131,
    forever (proved for every later time)."""

    def run() -> Outcome:
        t = z3.Int("later_ms")
        stays = [z3.Not(SW.ran_out(Z3, i, SW.INFINITE, t)) for i in range(capacity)]
        evictable = z3.Or(*[SB.evictable(Z3, True) for _ in range(capacity)])
        full = z3.And(*stays)
        change, status = SB.decide(
            Z3,
            h=True,
            deletion=False,
            has_entry=False,
            room=SB.Room(full, evictable),
            ha=HA_OK,
        )
        forever = valid(t >= capacity, z3.Or(status != 131, change != int(SB.CacheChange.NONE)))
        if not forever:
            return gone("a new home registration finds room after infinite ones filled the cache")
        w = {
            "capacity": capacity,
            "infinite_home_registrations_at_ms": list(range(capacity)),
            "new_home_registration": {"status": 131, "cached": False},
            "for_every_later_time": True,
        }
        return (
            Status.FINDING,
            f"{capacity} infinite home registrations: every later one gets 131, for ever",
            w,
        )

    return timed("SPEC-INFINITE-FILL", run)


def seq_forgotten() -> Result:
    """SPEC-SEQ-FORGOTTEN (§5.1, §9.10; C4, C6): a rejected acknowledgement deletes the mobile node's
    list entry (and a correspondent may keep its entry longer than the mobile node's, §7.7 vs §4.3),
    so its next update "may start at any value" while the peer still stores the old number: half of
    the starts are silently refused, and no Status (134 is unreachable) tells it why."""

    def run() -> Outcome:
        stored, start = _seq("stored"), _seq("start")
        code = SB.check_72(Z3, DEFAULT, SB.Received(True, True, True, start, True, stored))
        m = solve(
            *_seq_dom(stored, start),
            stored == 100,
            start != stored,
            code == int(SB.Check72.NOT_GREATER),
            minimize=(start,),
        )
        if m is None:
            return gone("every fresh start is accepted by a peer that kept the old number")
        refused = sum(1 for v in range(0, 65536, 256) if not SW.greater(SW_PY, v, 100, DEFAULT))
        w = {
            "peer_stored": 100,
            "mobile_node_start": int(to_py(m[start])),
            "check_7_2": "NOT_GREATER (silently ignored)",
            "share_refused_of_starts": f"{refused}/256 sampled starts",
        }
        return (
            Status.FINDING,
            "after its entry is deleted the mobile node's free restart is refused silently",
            w,
        )

    return timed("SPEC-SEQ-FORGOTTEN", run)


def dhaad_no_sa() -> Result:
    """SPEC-DHAAD-NO-SA (§8.1, §7.2, §4.2; C7): dynamic home agent discovery sends the home registration
    to the anycast address, but §7.2 tests authentication first; a mobile node has no security
    association with a home agent it does not know yet, so the update is silently ignored and Status
    135 is unreachable. 135 is reached only with authentication (a key shared with every home agent)."""

    def run() -> Outcome:
        auth = z3.Bool("auth")
        code = SB.check_72(Z3, DEFAULT, SB.Received(auth, True, True, 1, False, 0))
        _, status = SB.decide(
            Z3,
            h=True,
            deletion=False,
            has_entry=False,
            room=ROOMY,
            ha=HomeAgentView(True, True, True, 0, 64),
        )
        reach = z3.And(code == int(SB.Check72.PASS), status == 135)
        unreachable = valid(z3.Not(auth), reach)
        m = solve(reach)
        if not unreachable or m is None:
            return gone("135 is reached without authentication")
        w = {
            "to_anycast": True,
            "without_sa": {"check_7_2": "NO_AUTH", "status": None},
            "with_sa": {"check_7_2": "PASS", "status": 135},
            "reading_used": "a security association exists only with a known peer (§4.2 names no anycast one)",
        }
        return (
            Status.FINDING,
            "without a security association the discovery update is ignored: 135 unreachable",
            w,
        )

    return timed("SPEC-DHAAD-NO-SA", run)


def dereg_unknown() -> Result:
    """SPEC-DEREG-UNKNOWN (§8.3; C8): a de-registration at a home agent holding no registration for the
    home address passes the 132 and 133 tests and "deletes" nothing; the draft defines no Status for it,
    so it is acknowledged as accepted (0)."""

    def run() -> Outcome:
        change, status = SB.decide(Z3, h=True, deletion=True, has_entry=False, room=ROOMY, ha=HA_OK)
        always = valid(status != 0)
        if not always:
            return gone("a de-registration for an unknown home address is refused")
        w = {
            "has_entry": False,
            "status": 0,
            "change": "DELETE of nothing",
            "status_for_not_registered": None,
        }
        return (
            Status.FINDING,
            "a de-registration nobody registered is accepted (no Status says 'not registered')",
            w,
        )

    return timed("SPEC-DEREG-UNKNOWN", run)


def retx_stop_readings() -> Result:
    """SPEC-RETX-STOP-READINGS (§9.7 vs §9.4, §9.5; C13): §9.7 retransmits "until a Binding
    Acknowledgement is received"; §9.5 stops a correspondent's at MAX_BINDACK_TIMEOUT, §9.4 goes on for
    the home agent: at the cap the three texts give two answers."""

    def run() -> Outcome:
        cap = DEFAULT.max_bindack_timeout
        hr = z3.Bool("home_reg")
        go_on = SM.may_retransmit(Z3, cap, hr, DEFAULT)
        m = solve(z3.Not(go_on))
        m2 = solve(go_on)
        if m is None or m2 is None:
            return gone("all readings agree at MAX_BINDACK_TIMEOUT")
        w = {
            "timeout_ms": cap,
            "section_9_7": "retransmit until acknowledged",
            "correspondent_9_5": False,
            "home_agent_9_4": True,
        }
        return (
            Status.FINDING,
            "at MAX_BINDACK_TIMEOUT §9.7 says go on, §9.5 stop (correspondents only)",
            w,
        )

    return timed("SPEC-RETX-STOP-READINGS", run)


def literal_bul(sent: list[tuple[str, str, int]]) -> dict[str, tuple[str, int]]:
    """§9.5 read literally: one Binding Update List entry per destination; a new update to the same
    destination "is updated to reflect the new Binding Update rather than creating a new" entry.
    `sent`: (destination, home address, Sequence Number) in order -> destination -> (home, seq)."""
    out: dict[str, tuple[str, int]] = {}
    for dst, home, seq in sent:
        out[dst] = (home, seq)
    return out


def bul_one_per_destination() -> Result:
    """SPEC-BUL-ONE-PER-DEST (§9.5, §9.4, §4.3; C16): a mobile node with two home addresses of
    different interface identifiers registers each with the same home agent (§9.4); read literally,
    §9.5 keeps one list entry per destination, so the second registration overwrites the first: the
    first can no longer be retransmitted until acknowledged (§9.4) nor refreshed, and its remaining
    lifetime is forgotten although §9.5 says the list MUST retain every unexpired update."""

    def run() -> Outcome:
        sent = [("HA", "home1", 1), ("HA", "home2", 2)]
        bul = literal_bul(sent)
        kept = sorted(h for h, _ in bul.values())
        if len(bul) != 1 or kept != ["home2"]:
            return gone("the literal list keeps both registrations")
        w = {
            "sent": [{"destination": d, "home": h, "seq": q} for d, h, q in sent],
            "entries_literal": len(bul),
            "kept": kept,
            "lost": "home1 (unacknowledged: no retransmission, no lifetime)",
            "reading_used": "the checker keys the list by (destination, home address)",
        }
        return (
            Status.FINDING,
            "two home registrations to one home agent: the literal list keeps one",
            w,
        )

    return timed("SPEC-BUL-ONE-PER-DEST", run)


RUN_FINDINGS: dict[str, Callable[[], Result]] = {
    "SPEC-RETX-NO-REACK": retx_no_reack,
    "SPEC-SEQ-NONTRANSITIVE": seq_nontransitive,
    "SPEC-SEQ-RETX": seq_retx,
    "SPEC-BA-MUST-VS-SILENT": ba_must_vs_silent,
    "SPEC-DEREG-BA-NO-ENTRY": dereg_ba_no_entry,
    "SPEC-HOMEREG-DELETE": homereg_delete,
    "SPEC-INFINITE-FILL": infinite_fill,
    "SPEC-SEQ-FORGOTTEN": seq_forgotten,
    "SPEC-DHAAD-NO-SA": dhaad_no_sa,
    "SPEC-DEREG-UNKNOWN": dereg_unknown,
    "SPEC-RETX-STOP-READINGS": retx_stop_readings,
    "SPEC-BUL-ONE-PER-DEST": bul_one_per_destination,
}
"""SPEC ID -> finding over a run of the draft's rules."""
