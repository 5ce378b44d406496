"""One judgement of a simulated run, shared by `simulate` and the scenario corpus of `verify`, so both
give the same verdict on every scenario.

A run is judged by the engines the spec registry lists for runs (`RUN_ENGINES`): the runtime monitors
over role events and snapshots, the whole-log checks over packets and events, and replay of the run's
own capture. A property's run judges are the engines that declare it (`run_judges`, derived from the
registry); each judges its own evidence (a state change, an absence in the log, a packet), and one
verdict per property comes of them. An `expect: property` line is decided by that verdict.

A violation shown by a frame injected from outside the model (a forged, replayed or malformed packet
of the scenario) is the scenario's intent, not a model fault, and is excused, as is a verdict comparing
a mobile node's Binding Update with such a copy; so is a replay verdict resting on a frame the link
then lost (the capture taps the sender's side), on a Binding Update that never left its sender, or on
a §9.8 gap its address resolution shortened (properties/receipt.py), and any verdict on a property
the scenario announces as `violated`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from bisect import bisect_left
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import BinaryIO

from mip6check.model.addr import Addr
from mip6check.model.codec.values import IPv6Packet
from mip6check.model.dsl import ast as A
from mip6check.model.dsl.build import ExpectationResult, PropertyMonitor, Run, run_scenario
from mip6check.model.dsl.printer import print_expectation
from mip6check.model.net import Kind, Network
from mip6check.model.roles.events import Transmit
from mip6check.properties import engines
from mip6check.properties.absences import RunFacts
from mip6check.properties.logchecks import check_log
from mip6check.properties.monitors import JUDGED as MONITORED
from mip6check.properties.monitors import MonitorSet
from mip6check.properties.receipt import (
    ACK_RULES,
    ANSWER_RULES,
    COUNTED_RULES,
    HELD_RULES,
    OWN_BU_RULES,
    RECEIPT_RULES,
    RESOLUTION_MS,
    UNSENT_RULES,
    SenderQueue,
    packet_key,
    resting_on,
)
from mip6check.properties.replay import ReplayOptions, replay_file
from mip6check.properties.spec import RUN_ENGINES, Engine, engines_of
from mip6check.properties.verdict import Violation


def run_judges(pid: str) -> tuple[Engine, ...]:
    """The engines that judge `pid` in a run, from their declarations in the registry."""
    engines.load(runs_only=True)
    return tuple(e for e in engines_of(pid) if e in RUN_ENGINES)


@dataclass(frozen=True)
class JudgedRun:
    """A finished run with every expectation judged and the violations its run judges kept."""

    run: Run
    results: tuple[ExpectationResult, ...]
    monitor: MonitorSet
    violations: tuple[Violation, ...]  # kept: each from its property's run judge, not excused
    excused: int
    premises: tuple[tuple[str, int], ...] = ()  # replay's count of premises met, per row

    @property
    def network(self) -> Network:
        return self.run.network

    @property
    def scenario(self) -> A.Scenario:
        return self.run.scenario

    @property
    def ok(self) -> bool:
        """Every expectation held and no judge reported an unexcused violation."""
        return all(r.ok for r in self.results) and not self.violations


def run_facts(run: Run) -> RunFacts:
    """What the scenario states about its cast, for the whole-log judges: each mobile node's home
    links (the links whose prefix holds one of its home addresses) and home addresses, each node's own
    addresses, and the nodes without Mobile IPv6."""
    from mip6check.model.roles.mobile_node import MobileNode
    from mip6check.model.roles.node import NoMobility

    home_links: dict[str, frozenset[str]] = {}
    homes: dict[str, frozenset[Addr]] = {}
    addresses: dict[str, frozenset[Addr]] = {}
    legacy: set[str] = set()
    for name, node in run.network.nodes.items():
        addresses[name] = frozenset(node.addresses())
        role = node.mobility
        if isinstance(role, NoMobility):
            legacy.add(name)
        if isinstance(role, MobileNode):
            homes[name] = frozenset(role.homes)
            home_links[name] = frozenset(
                lk.name
                for lk in run.scenario.links
                if any(lk.prefix.contains(h) for h in role.homes)
            )
    return RunFacts(home_links, addresses, frozenset(legacy), homes)


def _flagged(m: PropertyMonitor) -> Collection[str]:
    assert isinstance(m, MonitorSet)
    return {v.property for v in m.violations}


ARRIVAL_MS = RESOLUTION_MS + 1000
"""How long after it was sent a packet may still arrive: its last hop's address resolution
(RFC 2461 §7.2.2) plus the links' delays."""


def _received_at(run: Run) -> dict[int, int | None]:
    """Capture frames (1-based) -> when (ms) their packet first reached a host or a node it was
    addressed to, within ARRIVAL_MS of being sent; None when it did not (a router held it for
    address resolution, or dropped it, after its addressee left the link). Identical packets sent
    again later (the same flow's payload) are other transmissions: their arrivals do not count."""
    net = run.network
    frames: dict[int, tuple[object, int]] = {}
    received: dict[object, list[int]] = {}
    for r in net.log.records:
        ev = r.event
        pkt = ev.packet if isinstance(ev, Transmit) else ev
        if r.frame is None or not isinstance(pkt, IPv6Packet):
            continue
        key = packet_key(pkt)
        frames.setdefault(r.frame + 1, (key, r.time))
        if r.kind is Kind.RX and r.node is not None:
            node = net.node(r.node)
            if not node.is_router or pkt.dst in node.addresses():
                received.setdefault(key, []).append(r.time)
    out: dict[int, int | None] = {}
    for f, (key, sent) in frames.items():
        times = received.get(key, [])
        i = bisect_left(times, sent)
        out[f] = times[i] if i < len(times) and times[i] <= sent + ARRIVAL_MS else None
    return out


def _not_received_by(arrivals: Mapping[int, int | None], frame: int, t_s: float | None) -> bool:
    """Had the packet of `frame` not reached its addressee by `t_s` seconds (a verdict's time)?"""
    at = arrivals.get(frame)
    return at is None or (t_s is not None and at > t_s * 1000)


def _sender_queue_excuses(v: Violation, queue: SenderQueue) -> bool:
    """The mobile node's own sending (properties/receipt.py): a Binding Update it owed (§9.4, §9.5,
    §9.11) and sent that never left it was lost; a §9.8 gap shortened by the earlier update's wait in
    its address-resolution queue is the runtime monitor's to judge (RFC 2461 §7.2.2)."""
    if v.property in HELD_RULES:
        return queue.held_before(v.packet, v.related)
    return v.property in UNSENT_RULES and queue.dropped_answer(
        v.node, v.related, v.packet, v.property in COUNTED_RULES
    )


def judge_scenario(
    scenario: A.Scenario, capture_path: str | None = None, capture: BinaryIO | None = None
) -> JudgedRun:
    """Run `scenario` with monitors and a capture (to `capture_path`, else a temporary file, copied to
    `capture` when given), replay the capture, run the whole-log checks, and judge every expectation
    from what the run's judges saw."""
    from mip6check.properties.run_keys import scenario_sas
    from mip6check.properties.scenarios import replay_topology

    monitors: list[MonitorSet] = []

    def make(config: object) -> PropertyMonitor:
        ms = MonitorSet(config=config)  # type: ignore[arg-type]
        monitors.append(ms)
        return ms

    if capture_path is None:
        fd, cap = tempfile.mkstemp(suffix=".pcapng")
        os.close(fd)
    else:
        cap = capture_path
    try:
        with open(cap, "wb") as out:
            run = run_scenario(
                scenario, capture=out, monitor=make, monitored=MONITORED, violations=_flagged
            )
        report = replay_file(
            cap,
            ReplayOptions(
                config=run.network.config,
                topology=replay_topology(run),
                sa_keys=scenario_sas(run.scenario, run.network),  # `key` lines, as `--sa` does
            ),
            display_name=scenario.filename or None,
        )
        if capture is not None:
            with open(cap, "rb") as done:
                shutil.copyfileobj(done, capture)
    finally:
        if capture_path is None:
            os.unlink(cap)
    ms = monitors[0] if monitors else MonitorSet()
    records = run.network.log.records
    injected = {r.frame + 1 for r in records if r.kind is Kind.INJECT and r.frame is not None}
    lost = {r.frame + 1 for r in records if r.kind is Kind.LOST and r.frame is not None}
    arrivals = _received_at(run)
    undelivered = {f for f, at in arrivals.items() if at is None}
    queue = SenderQueue()
    for rec in records:
        queue.feed(rec)
    props = [e for e in scenario.expectations if isinstance(e, A.ExpectProperty)]
    announced = {e.property_id for e in props if not e.holds}
    by_engine = {
        Engine.MONITOR: list(ms.violations),
        Engine.LOG: check_log(records, run_facts(run), config=run.network.config),
        Engine.REPLAY: list(report.violations),
    }
    seen: set[str] = set()  # any sighting by a run judge, excused or not
    kept: list[Violation] = []
    excused = 0
    for engine, found in by_engine.items():
        for v in found:
            if engine not in run_judges(v.property):
                continue  # not a row this engine declared: no verdict of its own
            seen.add(v.property)
            if (
                v.property in announced
                or (v.packet is not None and v.packet in injected)
                or any(r in lost for r in resting_on(v.property, v.related))
                or (v.property in RECEIPT_RULES and any(r in undelivered for r in v.related))
                or (v.property in ANSWER_RULES and v.related and set(v.related) <= undelivered)
                or (
                    v.property in ACK_RULES
                    and bool(v.related)
                    and _not_received_by(arrivals, v.related[-1], v.time)
                )
                or (v.property in OWN_BU_RULES and any(r in injected for r in v.related))
                or (engine is Engine.REPLAY and _sender_queue_excuses(v, queue))
            ):
                excused += 1
            else:
                kept.append(v)
    unexcused = {v.property for v in kept}
    results: list[ExpectationResult] = []
    by_line = {e.pos.line: e for e in props}
    for r in run.results:
        e = by_line.get(r.line)
        if e is None:
            results.append(r)
            continue
        text = print_expectation(e)
        if not run_judges(e.property_id):
            where = ", ".join(x.value for x in engines_of(e.property_id)) or "no engine"
            results.append(
                ExpectationResult(
                    r.line,
                    text,
                    False,
                    f"{e.property_id} is not judged in a run (judged by {where})",
                )
            )
            continue
        held = e.property_id not in unexcused if e.holds else e.property_id not in seen
        ok = held == e.holds
        detail = "" if ok else ("violated" if not held else "held throughout the run")
        results.append(ExpectationResult(r.line, text, ok, detail))
    return JudgedRun(run, tuple(results), ms, tuple(kept), excused, report.inputs)


__all__ = ["JudgedRun", "judge_scenario", "run_judges"]
