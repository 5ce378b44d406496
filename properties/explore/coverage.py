"""What a machine run exercised (rules, statuses, the inputs each judged property saw): coverage is
what lets a search say "passed" only for a property whose judges saw input (principle 5)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from mip6check.model.codec.values import (
    DestUnreachable,
    IPv6Packet,
    NeighborAdvertisement,
    ParamProblem,
    RouterAdvertisement,
    RouterSolicitation,
)
from mip6check.model.roles.events import (
    BindingAckReceived,
    BindingIgnored,
    BindingProcessed,
    BindingUpdateSent,
    CacheDeleted,
    CacheUpdated,
    RoleEvent,
)
from mip6check.properties.monitors import MONITORED
from mip6check.properties.replay.checked import CHECKED
from mip6check.properties.replay.facts import facts_of
from mip6check.properties.replay.observer import Observer

INFINITE = 0xFFFFFFFF
COUNTED: frozenset[str] = frozenset(Observer.counted())
"""Rows whose replay judges count their own premise (an ICMP error about a tunnelled packet, a node
at its error limit, ...): their inputs are those counts, not packets of a kind."""

AFTER_RENUMBERING: dict[str, str] = {
    "HA-RA-TUNNEL": "judged on the Router Advertisements a home agent tunnels after its home link is"
    " renumbered (§8.5), when the machines' observers have stopped: their cast is the old prefix's"
    " (Judge.stop_observing); the scenario corpus (scenario 26) and replay judge it",
}
"""Rows a machine run can never judge, with the reason: left out of JUDGED, so the Hypothesis engine
does not declare them and `verify` does not report them `unknown` there."""

JUDGED: tuple[str, ...] = tuple(
    p
    for p in [*MONITORED, *(p for p in CHECKED if p not in MONITORED)]
    if p not in AFTER_RENUMBERING
)
"""Every property a machine run judges: the runtime monitors, then the replay observers' rows."""

OBSERVED_KIND: dict[str, str] = {
    "W-BR-LEN": "br",
    "MN-BR-ANSWER": "br",
    "W-UNKNOWN-OPT-11X": "param-problem",
    "MN-ICMP-PP2-STOP": "param-problem",
    "BC-ROUTE-VIA-RH": "rh",
    "HA-TUNNEL": "tunnel",
    "HA-NO-RH-FOR-INTERCEPTED": "tunnel",
    "MN-TUNNEL-TRIGGERS-BU": "tunnel",
    "MN-MCAST-INNER-SRC": "tunnel",
    "HA-LOCAL-SCOPE-DROP": "unreachable",
    "HA-GRATUITOUS-NA": "na",
    "HA-PROXY-NS": "na",
    "MN-RETURN-HOME": "na",
    "HA-RA-TUNNEL": "ra-tunnel",
    "W-AUTOCONF-LLSRC": "rs",
    "MN-HAO-OUT": "hao",
    "W-OPT-ACTION-BITS": "any",
}


def _default_kind(pid: str) -> str:
    if pid.startswith("HA-"):
        return "bu-h"
    if "-BA-" in pid or pid == "W-BA-VIA-RH":
        return "ba"
    return "bu"


@dataclass
class Coverage:
    """What the runs exercised: rules fired, BA statuses sent, BindingIgnored reasons, the inputs each
    monitored property saw (a property whose monitor saw no input was not tested, not passed)."""

    examples: int = 0
    steps: int = 0
    rules: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)
    ignored: Counter[str] = field(default_factory=Counter)
    ba_outcomes: Counter[str] = field(default_factory=Counter)
    inputs: Counter[str] = field(default_factory=Counter)
    packets: Counter[str] = field(default_factory=Counter)
    premises: Counter[str] = field(default_factory=Counter)
    _sent: Counter[tuple[str, bytes]] = field(default_factory=Counter)
    _premises_now: dict[str, int] = field(default_factory=dict)

    def event(self, e: RoleEvent, config_fast: int) -> None:
        """Count one role event toward the properties it is an input of."""
        inp = self.inputs
        if isinstance(e, CacheUpdated):
            inp["BC-UNIQUE"] += 1
            inp["BC-EXPIRE"] += 1
            if not e.created:
                inp["BC-SEQ-MONOTONIC"] += 1
            if e.lifetime == INFINITE:
                inp["BC-INFINITE"] += 1
            if e.home_reg:
                inp["HA-HOMEREG-MARK"] += 1
        elif isinstance(e, CacheDeleted):
            if e.home_reg:  # every removal of a home registration is judged (§7.7)
                inp["BC-HOMEREG-NOEVICT"] += 1
            if e.reason == "expiry":
                inp["BC-EXPIRE"] += 1
        elif isinstance(e, BindingIgnored):
            self.ignored[e.reason] += 1
            inp["BC-STALE-IGNORED"] += 1
            inp["BC-HAO-NO-STATE"] += 1
        elif isinstance(e, BindingProcessed):
            self.statuses[e.status] += 1
            inp["BC-BA-STATUS"] += 1
            inp["BC-HAO-NO-STATE"] += 1
            if e.status == 131:
                inp["BC-HOMEREG-NOEVICT"] += 1
        elif isinstance(e, BindingUpdateSent):
            inp["MN-BUL-RECORD"] += 1
            key = (e.node, e.destination)
            self._sent[key] += 1
            if self._sent[key] >= 2:
                inp["MN-RATE-LIMIT"] += 1
                if not e.retransmission:
                    inp["MN-SEQ-INCREASE"] += 1
            if self._sent[key] > config_fast:
                inp["MN-SLOW-RATE"] += 1
            if e.retransmission:
                inp["MN-RETX-SAME-SEQ"] += 1
                inp["MN-BACKOFF"] += 1
                inp["MN-HOME-RETX" if e.home_reg else "MN-CN-RETX-STOP"] += 1
        elif isinstance(e, BindingAckReceived):
            self.ba_outcomes[e.outcome] += 1
            if e.outcome == "ACCEPTED":
                inp["MN-BA-ACCEPTED"] += 1
            elif e.outcome == "REJECTED":
                inp["MN-BA-REJECTED"] += 1

    def packet(self, pkt: IPv6Packet) -> None:
        """Count one consumed packet by the message kinds the replay observers judge."""
        f = facts_of(pkt)
        kinds = self.packets
        kinds["any"] += 1
        if f.bu is not None or any(m.kind == "BU" for m in f.malformed):
            kinds["bu"] += 1
            if f.bu is not None and f.bu.h:
                kinds["bu-h"] += 1
        if f.ba is not None or any(m.kind == "BA" for m in f.malformed):
            kinds["ba"] += 1
        if f.br is not None:
            kinds["br"] += 1
        if f.hao is not None:
            kinds["hao"] += 1
        if f.rh is not None:
            kinds["rh"] += 1
        if f.inner is not None:
            kinds["tunnel"] += 1
        up = f.upper
        if isinstance(up, ParamProblem):
            kinds["param-problem"] += 1
        elif isinstance(up, DestUnreachable):
            kinds["unreachable"] += 1
        elif isinstance(up, NeighborAdvertisement):
            kinds["na"] += 1
        elif isinstance(up, RouterSolicitation):
            kinds["rs"] += 1
        elif isinstance(up, RouterAdvertisement) and f.inner is not None:
            kinds["ra-tunnel"] += 1

    def premises_met(self, counts: dict[str, int]) -> None:
        """The replay judges' premise counts of this run so far (`Observer.inputs`): add what grew."""
        now = self._premises_now
        for pid, n in counts.items():
            grew = n - now.get(pid, 0)
            if grew > 0:
                self.premises[pid] += grew
                now[pid] = n

    def saw(self, pid: str) -> int:
        """How many inputs the property's judges saw: role events for the runtime monitors; for the
        replay observers, the premises met where their judge counts them (COUNTED), else packets of
        the kind the row is about (a coarse but honest measure)."""
        n = self.inputs.get(pid, 0) if pid in MONITORED else 0
        if pid in COUNTED:
            n += self.premises.get(pid, 0)
        elif pid in CHECKED:
            n += self.packets.get(OBSERVED_KIND.get(pid, _default_kind(pid)), 0)
        return n

    def new_example(self) -> None:
        self.examples += 1
        self._sent.clear()
        self._premises_now.clear()  # each run's observer counts from zero

    def to_json(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "steps": self.steps,
            "rules": dict(sorted(self.rules.items())),
            "ba_statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "ignored_reasons": dict(sorted(self.ignored.items())),
            "ba_outcomes": dict(sorted(self.ba_outcomes.items())),
            "packets": dict(sorted(self.packets.items())),
            "property_inputs": {p: self.saw(p) for p in JUDGED},
        }
