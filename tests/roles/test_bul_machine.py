"""BindingUpdateList as a Hypothesis RuleBasedStateMachine against a plain-dict reference (§4.3, §9.7-§9.10)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from mip6check.model.config import DEFAULT
from mip6check.model.roles.binding_update_list import BindingUpdateList

DESTS = [bytes([0x20, 9] + [0] * 13 + [i]) for i in range(1, 4)]
HOMES = [bytes([0x20, 1] + [0] * 13 + [i]) for i in range(1, 3)]
COAS = [bytes([0x20, 2] + [0] * 13 + [i]) for i in range(1, 3)]
CAP = DEFAULT.max_bindack_timeout


@dataclass
class Ref:
    seq: int
    coa: bytes
    home_reg: bool
    acked: bool
    interval: int
    next_retx: int
    retx_on: bool
    fast: int
    expiry: int | None
    no_more: bool


class BulMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.bul = BindingUpdateList("mn", DEFAULT)
        self.ref: dict[tuple[bytes, bytes], Ref] = {}
        self.last: dict[tuple[bytes, bytes], int] = {}
        self.rate_mem: dict[bytes, tuple[int, bytes]] = {}
        self.now = 0

    @rule(dt=st.integers(0, 300_000))
    def tick(self, dt: int) -> None:
        self.now += dt

    @rule(
        d=st.sampled_from(DESTS),
        h=st.sampled_from(HOMES),
        coa=st.sampled_from(COAS),
        life=st.sampled_from([0, 5, 600, 0xFFFFFFFF]),
        home_reg=st.booleans(),
        ack=st.booleans(),
        step=st.integers(1, 32767),
        init=st.integers(0, 65535),
        resume=st.booleans(),
    )
    def new_bu(
        self,
        d: bytes,
        h: bytes,
        coa: bytes,
        life: int,
        home_reg: bool,
        ack: bool,
        step: int,
        init: int,
        resume: bool,
    ) -> None:
        rec, _ = self.bul.new_bu(
            d,
            h,
            coa,
            self.now,
            lifetime=life,
            home_reg=home_reg,
            ack=ack,
            step=step,
            initial_seq=init,
            resume=resume,
        )
        old = self.ref.get((d, h))
        last = self.last.get((d, h))
        start = (last + step) % 65536 if resume and last is not None else init
        seq = (old.seq + step) % 65536 if old else start
        self.last[(d, h)] = seq
        # §9.8: consecutive BUs to one node with one care-of address, counted across deleted entries
        mem = self.rate_mem.get(d)
        if old:
            fast = old.fast + 1 if old.coa == coa else 1
        else:
            fast = mem[0] + 1 if mem and mem[1] == coa else 1
        self.rate_mem[d] = (fast, coa)
        self.ref[(d, h)] = Ref(
            seq,
            coa,
            home_reg,
            False,
            1000,
            self.now + 1000,
            ack,
            fast,
            None if life == 0xFFFFFFFF else self.now + life * 1000,
            old.no_more if old else False,
        )
        assert rec.seq == seq

    @rule()
    def retransmit_due(self) -> None:
        for key, r in sorted(self.ref.items()):
            if r.retx_on and r.next_retx <= self.now and self.bul.allowed(key[0], self.now):
                self.bul.retransmit(*key, self.now)
                r.interval = min(2 * r.interval, CAP)
                r.next_retx = self.now + r.interval
                r.retx_on = r.home_reg or r.interval < CAP
                r.fast += 1
                self.rate_mem[key[0]] = (r.fast, r.coa)

    @rule(rounds=st.integers(1, 12))
    def run_retransmissions(self, rounds: int) -> None:
        for _ in range(rounds):
            due = [
                max(r.next_retx, self.bul.rate_floor(k[0]))
                for k, r in self.ref.items()
                if r.retx_on
            ]
            if not due:
                return
            self.now = max(self.now, min(due))
            self.retransmit_due()

    @rule(
        d=st.sampled_from(DESTS),
        h=st.sampled_from(HOMES),
        auth=st.booleans(),
        olen=st.sampled_from([10, 11, 13]),
        match=st.booleans(),
        status=st.sampled_from([0, 1, 128, 131, 135]),
    )
    def ba(self, d: bytes, h: bytes, auth: bool, olen: int, match: bool, status: int) -> None:
        r = self.ref.get((d, h))
        seq = (r.seq if r else 0) if match else ((r.seq + 1) % 65536 if r else 1)
        outcome, _ = self.bul.on_ba(d, h, auth=auth, opt_len=olen, seq=seq, status=status)
        valid = r is not None and auth and olen >= 11 and match
        assert outcome.name == (
            "IGNORE" if not valid else "ACCEPTED" if status < 128 else "REJECTED"
        )
        if valid and r is not None:
            if status < 128:
                r.acked, r.retx_on = True, False
            else:
                del self.ref[(d, h)]

    @rule(d=st.sampled_from(DESTS))
    def param_problem(self, d: bytes) -> None:
        self.bul.param_problem(d)
        for (dd, _), r in self.ref.items():
            if dd == d:
                r.no_more, r.retx_on = True, False

    @rule()
    def expire(self) -> None:
        self.bul.expire(self.now)
        for k in [k for k, r in self.ref.items() if r.expiry is not None and self.now >= r.expiry]:
            del self.ref[k]

    @invariant()
    def same_as_reference(self) -> None:
        got = {
            (v.destination, v.home): (
                v.seq,
                v.coa,
                v.home_reg,
                v.acked,
                v.retx_interval,
                v.next_retx,
                v.fast_count,
                v.expiry,
                v.no_more_bu,
            )
            for v in self.bul.views()
        }
        want = {
            k: (
                r.seq,
                r.coa,
                r.home_reg,
                r.acked,
                r.interval,
                r.next_retx if r.retx_on else None,
                r.fast,
                r.expiry,
                r.no_more,
            )
            for k, r in self.ref.items()
        }
        assert got == want


TestBindingUpdateList = BulMachine.TestCase
