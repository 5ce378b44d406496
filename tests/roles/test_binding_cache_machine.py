"""BindingCache as a Hypothesis RuleBasedStateMachine against a plain-dict reference (§4.3, §7.2-§7.8)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from mip6check.model.config import DEFAULT
from mip6check.model.roles import kernel as K
from mip6check.model.roles.binding_cache import BindingCache
from mip6check.model.roles.events import CacheDeleted

HOMES = [bytes([0x20, 1] + [0] * 13 + [i]) for i in range(1, 6)]
COAS = [bytes([0x20, 2] + [0] * 13 + [i]) for i in range(1, 4)]
SEQS = st.sampled_from([0, 1, 2, 15, 16, 14, 32767, 32768, 32783, 32784, 65535])
LIFETIMES = st.sampled_from([0, 1, 3, 60, 0xFFFFFFFF])
CAP = 3
OFTEN = st.sampled_from([True, True, True, True, True, True, False])


def greater(a: int, b: int) -> bool:
    return 1 <= (a - b) % 65536 <= 32767  # C1, default reading


@dataclass
class Ref:
    coa: bytes
    seq: int
    home_reg: bool
    expiry: int | None
    last_used: int


class CacheMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.cache = BindingCache("n", DEFAULT, CAP)
        self.ref: dict[bytes, Ref] = {}
        self.now = 0

    @rule(dt=st.integers(0, 5000))
    def tick(self, dt: int) -> None:
        self.now += dt

    @rule(
        home=st.sampled_from(HOMES),
        coa=st.sampled_from(COAS + HOMES[:1]),
        seq=SEQS,
        life=LIFETIMES,
        h=st.booleans(),
        auth=OFTEN,
        length_ok=OFTEN,
        hao=OFTEN,
        create=OFTEN,
    )
    def bu(
        self,
        home: bytes,
        coa: bytes,
        seq: int,
        life: int,
        h: bool,
        auth: bool,
        length_ok: bool,
        hao: bool,
        create: bool,
    ) -> None:
        self.expire()  # process() first deletes what has expired (BC-EXPIRE)
        d = self.cache.process(
            K.BUIn(auth, length_ok, hao, h, seq, life, home, coa),
            K.NodeEnv(True, True, 0, 64, False, False, False, create),
            self.now,
        )
        old = self.ref.get(home)
        valid = auth and length_ok and hao and (old is None or greater(seq, old.seq))
        assert (d.check is K.Check.VALID) == valid
        if not valid:
            return
        if life == 0 or coa == home:
            self.ref.pop(home, None)
            assert d.status == 0
            return
        if not create:
            assert d.status == 131
            return
        if old is None and len(self.ref) >= CAP:
            victims = [(r.last_used, k) for k, r in self.ref.items() if not r.home_reg]
            if not victims:
                assert d.status == 131
                return
            _, k = min(victims)
            del self.ref[k]
            assert any(
                isinstance(e, CacheDeleted) and e.home == k and e.reason == "evict"
                for e in d.events
            )
        assert d.status == 0
        self.ref[home] = Ref(
            coa, seq, h, None if life == 0xFFFFFFFF else self.now + life * 1000, self.now
        )

    @rule()
    def expire(self) -> None:
        self.cache.expire(self.now)
        for k in [k for k, r in self.ref.items() if r.expiry is not None and self.now >= r.expiry]:
            del self.ref[k]

    @rule(home=st.sampled_from(HOMES))
    def lookup(self, home: bytes) -> None:
        got = self.cache.lookup(home, self.now)
        r = self.ref.get(home)
        live = r is not None and (r.expiry is None or self.now < r.expiry)
        assert (got is not None) == live
        if live:
            assert r is not None and got is not None and got.coa == r.coa
            r.last_used = self.now

    @precondition(lambda self: bool(self.ref))
    @rule(data=st.data())
    def icmp(self, data: st.DataObject) -> None:
        home = data.draw(st.sampled_from(sorted(self.ref)))
        for _ in range(DEFAULT.unreach_persist):
            self.cache.icmp_unreachable(home, DEFAULT.unreach_persist)
        if not self.ref[home].home_reg:
            del self.ref[home]

    @invariant()
    def same_as_reference(self) -> None:
        got = {
            r.home: (r.coa, r.seq, r.home_reg, None if r.infinite else r.expiry)
            for r in self.cache.records()
        }
        want = {k: (r.coa, r.seq, r.home_reg, r.expiry) for k, r in self.ref.items()}
        assert got == want
        assert len(self.cache) <= CAP


TestBindingCache = CacheMachine.TestCase
