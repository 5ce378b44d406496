"""The exploring machine started from a capture's state (`explore --from`): the network and capture
prefix of properties/explore/from_capture.py, then the rules of `MobilityMachine` over the modelled
nodes, and rules that continue the capture's own mobile node as the capture shows it: its next
Binding Updates (refresh, deregistration, a number at the 2^16 wrap or 2^15 away, §4.3, §5.1) and its
captured updates sent again byte for byte (replays, §7.2)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import strategies as st
from hypothesis.stateful import initialize, precondition, rule

from mip6check.model.addr import Addr
from mip6check.model.dsl import ast as A
from mip6check.properties.explore import strategies as S
from mip6check.properties.explore.from_capture import CapturedMobile, Start
from mip6check.properties.explore.judge import Judge
from mip6check.properties.explore.machines import MobilityMachine

SEQ_STEPS = (1, 1, 1, 2, 0, S.HALF - 1, S.HALF, S.HALF + 1, S.SEQ_MOD - 1)
"""How the continued mobile node steps its Sequence Number: the next one mostly, a repeat (0), and the
§4.3 edges (2^15 - 1, 2^15, 2^15 + 1 ahead; one behind)."""


class CaptureMachine(MobilityMachine):
    """`MobilityMachine` whose network and first steps are a capture's (the modelled home agent and
    correspondents reach the captured state from the captured packets)."""

    def _start(self) -> Start:
        start = self._rec().start
        assert isinstance(start, Start)
        return start

    @initialize(setup=S.setups)
    def build(self, setup: S.Setup) -> None:
        """The capture's network and prefix; of the drawn setup only the swarm flags are used."""
        start = self._start()
        self.setup = setup
        self.place = start.place
        self.head = replace(start.head, choices=S.na_choices(start.head.nodes, setup))
        self.world = self._rec().make_world(self.head, None)
        self.judge = Judge(self.head, self.world, self._rec().only)
        self.mns = S.mobiles(self.head)
        cn_links = {ln for n in self.head.nodes if isinstance(n, A.Correspondent) for ln in n.links}
        self.foreign = [
            lk.name
            for lk in self.head.links
            if lk.name != self.place.home_link and lk.name not in cn_links
        ]
        self.has_cn2 = False
        self.renumbered = True  # the observers were given the capture's cast: no renumbering
        self.captured: tuple[CapturedMobile, ...] = start.mobiles
        self.cseq: dict[tuple[Addr, Addr], int] = {
            (m.home, dst): seq for m in start.mobiles for dst, seq, _, _, _ in m.last
        }
        self._rec().coverage.new_example()
        for step in start.prefix:
            self._do("capture", step)

    @precondition(lambda self: bool(getattr(self, "captured", ())))
    @rule(data=st.data())
    def captured_update(self, data: st.DataObject) -> None:
        """The captured mobile node's next Binding Update to a peer it updated in the capture, from
        its captured care-of address (a refresh, a deregistration, a Sequence Number at an edge)."""
        m = data.draw(st.sampled_from(self.captured), label="captured mn")
        dst, _, life, h, idlen = data.draw(st.sampled_from(m.last), label="peer")
        step = data.draw(st.sampled_from(SEQ_STEPS), label="seq step")
        seq = (self.cseq[(m.home, dst)] + step) % S.SEQ_MOD
        self.cseq[(m.home, dst)] = seq
        lifetime = data.draw(st.sampled_from((life, life, 0, 1, 5, A.INFINITY)), label="lifetime")
        pkt = A.InjectBU(
            m.coa, dst, m.home, seq, lifetime, a=True, h=h, id_length=idlen if h else None
        )
        self._do("captured_update", A.Inject(self.now, m.link, pkt))

    @precondition(lambda self: bool(getattr(self, "captured", ())))
    @rule(data=st.data())
    def captured_replay(self, data: st.DataObject) -> None:
        """One of the captured mobile node's Binding Updates sent again, byte for byte (§7.2: a
        receiver ignores a Sequence Number not greater than the one it holds)."""
        m = data.draw(st.sampled_from(self.captured), label="captured mn")
        link, octets = data.draw(st.sampled_from(m.updates), label="update")
        self._do("captured_replay", A.Inject(self.now, link, A.InjectRaw(octets)))


__all__ = ["CaptureMachine"]
