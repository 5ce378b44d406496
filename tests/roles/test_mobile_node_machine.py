"""The mobile node under random inputs and random MAY choices (Hypothesis): the §5.1, §9.4, §9.7, §9.8
and §9.9 sending rules hold on every Binding Update it emits."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from mip6check.model.addr import a
from mip6check.model.codec import encode_packet
from mip6check.model.codec.values import (
    UDP,
    BindingAck,
    BindingRequest,
    BindingUpdate,
    HomeAddress,
    IPv6Packet,
    ParamProblem,
    PrefixInfo,
    RouterAdvertisement,
)
from mip6check.model.config import DEFAULT
from mip6check.model.roles import kernel as K
from mip6check.model.roles.choices import Choices
from mip6check.model.roles.events import Action, BindingUpdateSent, BulChanged
from mip6check.model.roles.logic import PY
from mip6check.model.roles.mobile_node import MobileNode
from tests.roles.fakes import (
    FOREIGN_NET,
    HA_ADDR,
    HOME_NET,
    MN_HOME,
    OTHER_NET,
    FakeCore,
    options_of,
    rx,
)

CNS = [a("2001:db8:9::1"), a("2001:db8:9::2")]
LINKS = [(a("fe80::1"), HOME_NET), (a("fe80::2"), FOREIGN_NET), (a("fe80::3"), OTHER_NET)]


class MobileNodeMachine(RuleBasedStateMachine):
    @initialize(
        step=st.integers(1, 32767),
        ack=st.booleans(),
        private=st.booleans(),
        answer=st.booleans(),
        to_cn=st.booleans(),
        seed=st.integers(0, 2**16),
    )
    def setup(
        self, step: int, ack: bool, private: bool, answer: bool, to_cn: bool, seed: int
    ) -> None:
        ch = Choices(
            seq_step=lambda d: step,
            cn_ack=lambda d: ack,
            private_binding=lambda d: private,
            answer_br=lambda d: answer,
            bu_to_cn=lambda d: to_cn,
        )
        self.mn = MobileNode(
            "mn", DEFAULT, home=MN_HOME, home_prefix=HOME_NET, home_agent=HA_ADDR, choices=ch
        )
        self.core = FakeCore("mn", addrs={MN_HOME: "w0"}, seed=seed)
        self.now = 0
        self.last_send: dict[bytes, int] = {}
        self.last_seq: dict[tuple[bytes, bytes], int] = {}
        self.stopped: set[bytes] = set()

    def check(self, out: list[Action]) -> None:
        for e in out:
            if isinstance(e, BulChanged) and e.op == "delete":
                self.last_seq.pop((e.destination, e.home), None)
            if not isinstance(e, BindingUpdateSent):
                continue
            d, key = e.destination, (e.destination, e.home)
            assert d not in self.stopped  # MN-ICMP-PP2-STOP
            if d in self.last_send:  # MN-RATE-LIMIT (retransmissions included)
                assert self.now - self.last_send[d] >= DEFAULT.max_update_rate
            self.last_send[d] = self.now
            if e.retransmission:  # MN-RETX-SAME-SEQ
                assert self.last_seq[key] == e.seq
            elif key in self.last_seq:  # MN-SEQ-INCREASE
                assert K.seq_greater(PY, e.seq, self.last_seq[key], DEFAULT)
            self.last_seq[key] = e.seq
            pkt = next(p for p in reversed(self.core.sent) if p.dst == d)
            opts = options_of(pkt)
            bu = next(o for o in opts if isinstance(o, BindingUpdate))
            assert HomeAddress(e.home) in opts and bu.seq == e.seq  # W-BU-NEEDS-HAO
            if e.home_reg:  # MN-HOMEREG-FORM
                assert bu.h and bu.a
            else:
                assert bu.id_length == 0  # W-BU-IDLEN-ZERO
            encode_packet(pkt)

    @rule(dt=st.integers(0, 40_000))
    def advance(self, dt: int) -> None:
        end = self.now + dt
        while (t := self.mn.next_deadline()) is not None and t <= end:
            self.now = max(self.now, t)
            self.check(self.mn.on_timer(self.core, self.now))
        self.now = end

    @rule(link=st.sampled_from(LINKS))
    def attach(self, link: tuple[bytes, object]) -> None:
        router, prefix = link
        self.check(self.mn.moved(self.core, "w0", self.now))
        info = PrefixInfo(64, True, True, 100, 50, prefix.network)  # type: ignore[attr-defined]
        adv = RouterAdvertisement(options=(info,))
        r = rx(src=router, dst=a("ff02::1"), iface="w0", auth=False, payload=adv)
        self.check(self.mn.on_router_advertisement(self.core, adv, r, self.now))

    @rule(cn=st.sampled_from(CNS))
    def tunnelled(self, cn: bytes) -> None:
        if not self.mn.coas:
            return
        inner = IPv6Packet(cn, MN_HOME, (), UDP(1, 2, b"\0\0\0\1"))
        outer = IPv6Packet(HA_ADDR, self.mn.coas[0], (), inner)
        self.check(
            self.mn.on_receive(
                self.core, rx(src=cn, dst=MN_HOME, packet=inner, tunnel_outer=outer), self.now
            )
        )

    @rule(cn=st.sampled_from(CNS))
    def binding_request(self, cn: bytes) -> None:
        self.check(
            self.mn.on_receive(self.core, rx(BindingRequest(), src=cn, dst=MN_HOME), self.now)
        )

    @rule(data=st.data(), status=st.sampled_from([0, 131, 133, 135, 136]), match=st.booleans())
    def binding_ack(self, data: st.DataObject, status: int, match: bool) -> None:
        recs = self.mn.bul.records()
        if not recs:
            return
        r = data.draw(st.sampled_from(recs))
        seq = r.seq if match else (r.seq + 1) % 65536
        ba = BindingAck(status, seq, 600, 600)
        self.check(
            self.mn.on_receive(
                self.core, rx(ba, src=r.destination, dst=r.home, lengths=(11,)), self.now
            )
        )

    @rule(cn=st.sampled_from(CNS))
    def param_problem(self, cn: bytes) -> None:
        sent = [p for p in self.core.sent if p.dst == cn]
        if not sent:
            return
        self.check(
            self.mn.on_icmp_error(
                self.core,
                ParamProblem(2, 42, encode_packet(sent[-1])),
                rx(src=cn, dst=MN_HOME),
                self.now,
            )
        )
        self.stopped.add(cn)


TestMobileNode = MobileNodeMachine.TestCase
