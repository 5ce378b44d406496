"""The scenario corpus as a `verify` engine: every traces/scenarios and traces/regressions file is run
through the forwarding engine with the runtime monitors, its expectations are judged, and its capture is
replayed through the packet-level checker (properties/replay) — two independent observers of one run.

A violation shown by a frame injected from outside the model (a forged, replayed or malformed packet
of the scenario) is the scenario's intent, not a model fault, and is excused; the model's own reaction
to such a frame is judged like any other packet. A replay verdict that rests on a frame the link then
lost is excused too: the capture shows the frame, the receiver never got it. A failed expectation is a
model fault: state expectations count against SYS-CONVERGE, delivery ones against SYS-DELIVERY, and
`expect: property P holds/violated` against P.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from mip6check.model.dsl import ScenarioError, parse_scenario
from mip6check.model.dsl.ast import ExpectProperty
from mip6check.model.dsl.build import PropertyMonitor, Run, run_scenario
from mip6check.model.net import Kind
from mip6check.properties.catalog import CATALOG
from mip6check.properties.logchecks import CHECKED_BY_LOG, check_log
from mip6check.properties.monitors import MONITORED, MonitorSet
from mip6check.properties.replay import ReplayOptions, replay_file
from mip6check.properties.replay.checked import CHECKED
from mip6check.properties.replay.options import HomeAgentSpec, Topology
from mip6check.properties.verdict import Result, Status, Violation

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIRS = (ROOT / "traces" / "scenarios", ROOT / "traces" / "regressions")


@dataclass(frozen=True)
class ScenarioOutcome:
    """One scenario run: its failed expectations and the violations both observers reported."""

    path: Path
    failed_expectations: tuple[tuple[int, str, str], ...]  # (line, text, detail)
    monitor_violations: tuple[Violation, ...]
    replay_violations: tuple[Violation, ...]
    excused: int  # violations traced to injected frames
    frames: int
    seconds: float


def scenario_files(dirs: Collection[Path] = DEFAULT_DIRS) -> list[Path]:
    return sorted(p for d in dirs if d.is_dir() for p in d.glob("*.scenario"))


def _flagged(m: PropertyMonitor) -> Collection[str]:
    assert isinstance(m, MonitorSet)
    return {v.property for v in m.violations}


def run_one(path: Path) -> tuple[ScenarioOutcome, Run, MonitorSet]:
    """Run one scenario file with monitors and capture, then replay its capture."""
    started = time.monotonic()
    scenario = parse_scenario(path.read_text(encoding="utf-8"), str(path))
    monitors: list[MonitorSet] = []

    def make(config: object) -> PropertyMonitor:
        ms = MonitorSet(config=config)  # type: ignore[arg-type]
        monitors.append(ms)
        return ms

    fd, cap = tempfile.mkstemp(suffix=".pcapng")
    try:
        with os.fdopen(fd, "wb") as out:
            run = run_scenario(
                scenario, capture=out, monitor=make, monitored=MONITORED, violations=_flagged
            )
        report = replay_file(
            cap,
            ReplayOptions(config=run.network.config, topology=replay_topology(run)),
            display_name=str(path),
        )
    finally:
        os.unlink(cap)
    injected = {
        r.frame + 1
        for r in run.network.log.records
        if r.kind is Kind.INJECT and r.frame is not None
    }
    # a frame the link lost was still captured (the capture taps the sender's side): replay cannot tell
    # that its receiver never saw it, the engine's log can
    lost = {
        r.frame + 1 for r in run.network.log.records if r.kind is Kind.LOST and r.frame is not None
    }
    props = [e for e in scenario.expectations if isinstance(e, ExpectProperty)]
    # a fault-injection scenario announces the violation it provokes: that property is excused
    excused_props = {e.property_id for e in props if not e.holds}
    kept: list[Violation] = []
    excused = 0
    for v in report.violations:
        if v.packet in injected or any(r in lost for r in v.related) or v.property in excused_props:
            excused += 1
        else:
            kept.append(v)
    ms = monitors[0] if monitors else MonitorSet()
    observed = [*ms.violations, *check_log(run.network.log.records)]
    mon = tuple(v for v in observed if v.property not in excused_props)
    # `expect: property P holds|violated` for P judged by replay or the log checks, not by the monitors
    unexcused = {v.property for v in (*kept, *mon)}  # a "holds" expectation ignores injected frames
    anywhere = {
        v.property for v in (*report.violations, *observed)
    }  # a "violated" one counts any sighting
    failed_list = []
    for r in run.results:
        if r.ok:
            continue
        prop = next((e for e in props if e.pos.line == r.line), None)
        if (
            prop is not None
            and prop.property_id not in MONITORED
            and prop.property_id in (*CHECKED, *CHECKED_BY_LOG)
        ):
            held = prop.property_id not in unexcused if prop.holds else prop.property_id in anywhere
            if held:
                continue  # judged by the packet-level observers: as expected
        failed_list.append((r.line, r.text, r.detail))
    failed = tuple(failed_list)
    outcome = ScenarioOutcome(
        path, failed, mon, tuple(kept), excused, run.network.frames, time.monotonic() - started
    )
    return outcome, run, ms


def replay_topology(run: Run) -> Topology:
    """What the scenario states about its cast, given to the replay checker so it need not guess
    (§8.1, §8.2): each home agent with its prefixes, other addresses and ID Length, each mobile node's
    home address and home agent, the correspondents that lack the home-agent function, and the Binding
    Cache capacity when every node has the same one (§7.7)."""
    from mip6check.model.addr import is_link_local, is_multicast
    from mip6check.model.roles.correspondent import Correspondent
    from mip6check.model.roles.home_agent import HomeAgent
    from mip6check.model.roles.mobile_node import MobileNode
    from mip6check.model.roles.previous_router import PreviousRouter

    has: list[HomeAgentSpec] = []
    mns: list[tuple[bytes, bytes | None]] = []
    not_has: list[bytes] = []
    capacities: set[int] = set()
    for name, node in run.network.nodes.items():
        role = node.mobility
        mine = [a for a in node.addresses() if not is_link_local(a) and not is_multicast(a)]
        if isinstance(role, Correspondent):
            capacities.add(role.cache.capacity)
        if isinstance(role, HomeAgent) and not isinstance(role, PreviousRouter):
            # on-link for §8.2: its links' prefixes, as declared and after any renumbering
            decl = run.scenario.node(name)
            links = [run.scenario.link(ln) for ln in getattr(decl, "links", ())]
            first = (lk.prefix for lk in links if lk is not None)
            final = (p for p in node.on_link_prefixes() if not is_link_local(p.network))
            on_link = tuple(dict.fromkeys((*first, *final)))
            main = [a for a in mine if any(p.contains(a) for p in role.serving)] or mine
            if main:
                aliases = tuple(a for a in mine if a != main[0])
                has.append(HomeAgentSpec(main[0], on_link, role.iid_length, aliases))
        elif isinstance(role, MobileNode):
            mns.extend((h, role.ha) for h in role.homes)
        elif type(role) is Correspondent:
            not_has.extend(mine)
    return Topology(
        home_agents=tuple(has),
        mobile_nodes=tuple(mns),
        not_home_agents=tuple(not_has),
        cache_capacity=capacities.pop() if len(capacities) == 1 else None,
    )


def _expectation_property(text: str) -> str:
    t = text.lower()
    for pid in CATALOG:
        if pid.lower() in t:
            return pid
    return "SYS-DELIVERY" if "delivered" in t else "SYS-CONVERGE"


def outcomes(
    dirs: Collection[Path] = DEFAULT_DIRS, progress: Callable[[str], None] = lambda _m: None
) -> Iterator[ScenarioOutcome]:
    for path in scenario_files(dirs):
        progress(f"scenarios: {path.name}")
        try:
            yield run_one(path)[0]
        except ScenarioError as e:
            yield ScenarioOutcome(
                path, ((e.line, "the scenario does not parse", e.one_line()),), (), (), 0, 0, 0.0
            )


def verify_engine(opts: object, progress: Callable[[str], None]) -> list[Result]:
    """One result per property judged by the monitors or the replay checker over the corpus."""
    dirs = getattr(opts, "roots", {}).get("scenarios")
    runs = list(outcomes((Path(dirs),) if dirs else DEFAULT_DIRS, progress))
    bad: dict[str, list[Violation]] = {}
    where: dict[str, Path] = {}  # property -> the first scenario that broke it
    for o in runs:
        for v in (*o.monitor_violations, *o.replay_violations):
            bad.setdefault(v.property, []).append(replace(v, message=f"{o.path.name}: {v.message}"))
            where.setdefault(v.property, o.path)
        for line, text, detail in o.failed_expectations:
            pid = _expectation_property(text)
            p = CATALOG[pid]
            bad.setdefault(pid, []).append(
                Violation(
                    pid,
                    p.section,
                    p.level,
                    "",
                    f"{o.path.name}:{line}: expectation failed: {text} ({detail})",
                    scenario_line=line,
                )
            )
            where.setdefault(pid, o.path)
    judged = set(MONITORED) | set(CHECKED) | set(CHECKED_BY_LOG) | set(bad)
    results = []
    for pid in CATALOG:
        if pid not in judged or CATALOG[pid].kind == "spec":
            continue
        found = bad.get(pid, [])
        if found:
            first = found[0]
            results.append(
                Result(
                    pid,
                    "scenarios",
                    Status.VIOLATED,
                    None,
                    first.message,
                    counterexample={"scenario": str(where[pid])},
                    violations=tuple(found[:20]),
                )
            )
        else:
            results.append(
                Result(
                    pid,
                    "scenarios",
                    Status.PASSED,
                    None,
                    f"{len(runs)} scenarios, monitors and replay of their captures",
                    examples=len(runs),
                )
            )
    return results
