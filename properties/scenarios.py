"""The scenario corpus as a `verify` engine: every traces/scenarios and traces/regressions file is run
through the forwarding engine and judged as `simulate` judges it (properties/runjudge): the runtime
monitors, the whole-log checks and replay of its own capture, each judging with the spec's definitions.

A violation shown by a frame injected from outside the model (a forged, replayed or malformed packet
of the scenario) is the scenario's intent, not a model fault, and is excused; the model's own reaction
to such a frame is judged like any other packet. A replay verdict that rests on a frame the link then
lost is excused too: the capture shows the frame, the receiver never got it. A failed expectation is a
model fault: state expectations count against SYS-CONVERGE, delivery ones against SYS-DELIVERY, and
`expect: property P holds/violated` against P.

A scenario whose run raises out of the model, or outlives its watchdog, is a failure of every
property the corpus judges (`error` or `timeout`, with the scenario, the traceback or the time it had
reached), never a pass: the corpus did not check what it claims to. A property passes only on the
inputs its judges had over the corpus (properties/evidence.py), never on the number of scenarios
that ran: one whose judges saw no input in any scenario is `unknown`, with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from mip6check.model.dsl import ScenarioError, parse_scenario
from mip6check.model.dsl import ast as A
from mip6check.model.dsl.build import Run
from mip6check.model.net.topology import Network
from mip6check.properties import engines
from mip6check.properties.catalog import CATALOG
from mip6check.properties.monitors import MonitorSet
from mip6check.properties.replay.options import HomeAgentSpec, Topology
from mip6check.properties.spec import judged_in_runs
from mip6check.properties.verdict import Result, Status, Violation
from mip6check.properties.watchdog import BudgetExceeded, crash_text, wall_clock

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
    crash: str | None = None  # the traceback when the model raised while running it
    timeout: str | None = None  # what the watchdog said when the run was stuck
    inputs: tuple[tuple[str, int], ...] = ()  # (row, inputs its run judges had), rows with some


def scenario_files(dirs: Collection[Path] = DEFAULT_DIRS) -> list[Path]:
    return sorted(p for d in dirs if d.is_dir() for p in d.glob("*.scenario"))


def run_one(path: Path) -> tuple[ScenarioOutcome, Run, MonitorSet]:
    """Run one scenario file with its run judges (properties/runjudge: the same judgement as
    `simulate`), and keep its failed expectations and the violations the judges reported."""
    from mip6check.properties.evidence import judge_inputs
    from mip6check.properties.runjudge import judge_scenario

    started = time.monotonic()
    scenario = parse_scenario(path.read_text(encoding="utf-8"), str(path))
    judged = judge_scenario(scenario)
    net = judged.run.network
    seen = judge_inputs(net.log.records, judged.premises, covered(), net.config.max_fast_updates)
    failed = tuple((r.line, r.text, r.detail) for r in judged.results if not r.ok)
    mon = tuple(v for v in judged.violations if v.step is not None and v.packet is None)
    rep = tuple(v for v in judged.violations if v not in mon)
    outcome = ScenarioOutcome(
        path,
        failed,
        mon,
        rep,
        judged.excused,
        judged.run.network.frames,
        time.monotonic() - started,
        inputs=tuple((pid, n) for pid, n in sorted(seen.items()) if n),
    )
    return outcome, judged.run, judged.monitor


def replay_topology(run: Run) -> Topology:
    """What a simulated run's scenario states about its cast (`topology_of`)."""
    return topology_of(run.network, run.scenario)


def topology_of(network: Network, scenario: A.Scenario) -> Topology:
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
    mns: list[tuple[bytes, bytes | None, str]] = []
    not_has: list[bytes] = []
    capacities: set[int] = set()
    node_caps: list[tuple[bytes, int]] = []  # every address of a node with a Binding Cache
    main_of: dict[str, bytes] = {}  # home agent name -> its address on its home link
    for name, node in network.nodes.items():
        role = node.mobility
        mine = [a for a in node.addresses() if not is_link_local(a) and not is_multicast(a)]
        if isinstance(role, Correspondent):
            capacities.add(role.cache.capacity)
            if not isinstance(role, MobileNode):  # its addresses change as it moves
                node_caps.extend((a, role.cache.capacity) for a in mine)
        if isinstance(role, HomeAgent) and not isinstance(role, PreviousRouter):
            # on-link for §8.2: its links' prefixes, as declared and after any renumbering
            decl = scenario.node(name)
            links = [scenario.link(ln) for ln in getattr(decl, "links", ())]
            first = (lk.prefix for lk in links if lk is not None)
            final = (p for p in node.on_link_prefixes() if not is_link_local(p.network))
            on_link = tuple(dict.fromkeys((*first, *final)))
            main = [a for a in mine if any(p.contains(a) for p in role.serving)] or mine
            if main:
                main_of[name] = main[0]
                aliases = tuple(a for a in mine if a != main[0])
                has.append(HomeAgentSpec(main[0], on_link, role.iid_length, aliases))
        elif isinstance(role, MobileNode):
            mns.extend((h, role.ha, name) for h in role.homes)
        elif type(role) is Correspondent:
            not_has.extend(mine)

    def agent(name: str, known: bytes | None) -> bytes | None:
        """The mobile node's home agent: as the scenario declares it, else as the node knows it."""
        decl = scenario.node(name)
        declared = decl.agent if isinstance(decl, A.Mobile) else None
        return main_of.get(declared, known) if declared is not None else known

    return Topology(
        home_agents=tuple(has),
        mobile_nodes=tuple((h, agent(name, ha)) for h, ha, name in mns),
        not_home_agents=tuple(not_has),
        cache_capacity=capacities.pop() if len(capacities) == 1 else None,
        node_capacities=tuple(node_caps),
    )


def _expectation_property(text: str) -> str:
    t = text.lower()
    for pid in CATALOG:
        if pid.lower() in t:
            return pid
    return "SYS-DELIVERY" if "delivered" in t else "SYS-CONVERGE"


def outcomes(
    dirs: Collection[Path] = DEFAULT_DIRS,
    progress: Callable[[str], None] = lambda _m: None,
    wall_s: float | None = None,
) -> Iterator[ScenarioOutcome]:
    """Each scenario's outcome, each run under a `wall_s` watchdog; a run that raises gives an
    outcome that says so (crash) and the corpus goes on; a run stopped by the watchdog (timeout)
    ends the corpus there (a model that loops in one scenario loops in the next ones too)."""
    for path in scenario_files(dirs):
        progress(f"scenarios: {path.name}")
        started = time.monotonic()
        try:
            with wall_clock(wall_s, f"scenario {path.name}"):
                got = run_one(path)[0]
        except ScenarioError as e:
            got = ScenarioOutcome(
                path, ((e.line, "the scenario does not parse", e.one_line()),), (), (), 0, 0, 0.0
            )
        except BudgetExceeded as e:
            got = ScenarioOutcome(
                path, (), (), (), 0, 0, time.monotonic() - started, timeout=str(e)
            )
            yield got
            return
        except Exception as e:  # noqa: BLE001 - out of the model: a bug in the model, reported
            got = ScenarioOutcome(
                path, (), (), (), 0, 0, time.monotonic() - started, crash=crash_text(e)
            )
        yield got


def verify_engine(opts: object, progress: Callable[[str], None]) -> list[Result]:
    """One result per property judged by the monitors or the replay checker over the corpus."""
    engines.load(runs_only=True)
    dirs = getattr(opts, "roots", {}).get("scenarios")
    where_from = (Path(dirs),) if dirs else DEFAULT_DIRS
    from mip6check.properties.verify import run_bound

    return results_of(list(outcomes(where_from, progress, run_bound(opts))), where_from)


def results_of(runs: list[ScenarioOutcome], where_from: Collection[Path]) -> list[Result]:
    """The corpus's verdict per row from its scenarios' outcomes: violated, error, timeout, or
    passed on the inputs its judges had (unknown when they had none)."""
    crashed = [o for o in runs if o.crash is not None]
    stuck = [o for o in runs if o.timeout is not None]
    done = len(runs) - len(crashed) - len(stuck)
    if not runs:  # nothing ran: no verdict, and `verify` says so instead of passing
        nowhere = ", ".join(str(d) for d in where_from)
        return [
            Result(
                pid,
                "scenarios",
                Status.UNKNOWN,
                None,
                f"no scenario file found in {nowhere}",
                examples=0,
            )
            for pid in CATALOG
            if judged_in_runs(pid) and CATALOG[pid].kind != "spec"
        ]
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
    judged = {pid for pid in CATALOG if judged_in_runs(pid)} | set(bad)
    inputs: dict[str, int] = {}
    exercised: dict[str, int] = {}  # row -> scenarios that gave its judges an input
    for o in runs:
        for pid, n in o.inputs:
            inputs[pid] = inputs.get(pid, 0) + n
            exercised[pid] = exercised.get(pid, 0) + 1
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
        elif crashed:
            crash = crashed[0]
            results.append(
                Result(
                    pid,
                    "scenarios",
                    Status.ERROR,
                    None,
                    f"the model raised in {len(crashed)} of {len(runs)} scenarios, first"
                    f" {crash.path.name}: {(crash.crash or '').splitlines()[-1]}",
                    counterexample={"scenario": str(crash.path), "traceback": crash.crash},
                )
            )
        elif stuck:
            results.append(
                Result(
                    pid,
                    "scenarios",
                    Status.TIMEOUT,
                    None,
                    f"stopped by the watchdog: {stuck[0].timeout}; {done} of"
                    f" {len(scenario_files(where_from))} scenarios ran to the end",
                    counterexample={"scenario": str(stuck[0].path)},
                )
            )
        elif not inputs.get(pid):
            results.append(
                Result(
                    pid,
                    "scenarios",
                    Status.UNKNOWN,
                    None,
                    f"not exercised: its judges had no input in any of the {len(runs)} scenarios"
                    f" ({_wanted(pid)})",
                    examples=0,
                )
            )
        else:
            results.append(
                Result(
                    pid,
                    "scenarios",
                    Status.PASSED,
                    None,
                    f"{inputs[pid]} {_measure(pid)} in {exercised[pid]} of {len(runs)} scenarios,"
                    " judged by monitors, whole-log checks and replay of their captures",
                    examples=inputs[pid],
                )
            )
    return results


def _measure(pid: str) -> str:
    """What a row's evidence count counts (properties/evidence.py)."""
    from mip6check.properties.evidence import COUNTED

    return "premises met" if pid in COUNTED else "judge inputs"


def _wanted(pid: str) -> str:
    from mip6check.properties.evidence import COUNTED, LOG_KINDS

    if pid in COUNTED:
        return "its replay judge counts the times its premise held"
    if pid in LOG_KINDS:
        return f"its whole-log judge reads {LOG_KINDS[pid]} packets"
    return "role events its monitor takes or packets of the kind its replay judge reads"


def covered() -> set[str]:
    """Every property the corpus judges (what `verify` reports when this engine cannot finish)."""
    engines.load(runs_only=True)
    return {pid for pid in CATALOG if judged_in_runs(pid) and CATALOG[pid].kind != "spec"}
