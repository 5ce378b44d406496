"""What a failure looks like: a shrunk failing run written as three files in one directory.

- `counterexample.scenario`: the run printed with the DSL printer (topology, switches, seed, timeline,
  and `expect: property ID holds`, the claim the run breaks), so `mip6check simulate` replays it;
- `counterexample.pcapng`: every frame on every link of the replayed run (the engine's capture);
- `counterexample.html`: a message sequence chart (lifelines per node, one arrow per Mobile IPv6, tunnel,
  Routing-header, data or ICMPv6-error packet with its fields, the violating step in red, the property
  and its section named).

Everything is a function of the failure alone: writing the same failure twice gives identical bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, BinaryIO

from mip6check.model.addr import fmt
from mip6check.model.codec.values import (
    AH,
    ESP,
    UDP,
    BindingAck,
    BindingRequest,
    BindingUpdate,
    DestOptions,
    DestUnreachable,
    HomeAddress,
    IPv6Packet,
    MalformedOption,
    NeighborAdvertisement,
    NeighborSolicitation,
    ParamProblem,
    RouterAdvertisement,
    RouterSolicitation,
    Routing0,
    UnknownOption,
)
from mip6check.model.dsl import ast as A
from mip6check.model.dsl.printer import print_scenario
from mip6check.model.net import Kind
from mip6check.model.roles.events import Transmit
from mip6check.properties.explore.driver import Runner, default_world
from mip6check.properties.explore.judge import Judge
from mip6check.properties.report import msc
from mip6check.properties.verdict import Violation

SCENARIO = "counterexample.scenario"
PCAP = "counterexample.pcapng"
HTML = "counterexample.html"
INJECTED = "(injected)"

WorldFactory = Callable[[A.Scenario, BinaryIO | None], Runner]


def _local(s: A.Scenario, capture: BinaryIO | None) -> Runner:
    return default_world(s, capture)


def scenario_text(failure: Any) -> str:
    """The `.scenario` text of a failure: a comment naming what broke, then the printed scenario."""
    head: list[str] = ["# mip6check explore: shrunk counterexample"]
    v = failure.violation
    if v is not None:
        head.append(f"# {v.property} (draft §{v.section}, {v.level}) at {v.node}: {v.message}")
    if failure.error is not None:
        head.append(f"# the engine raised: {failure.error}")
    return "\n".join(head) + "\n" + print_scenario(failure.scenario)


def replay(scenario: A.Scenario, capture: BinaryIO | None, world: WorldFactory = _local) -> Runner:
    """Run a scenario's whole timeline (then up to its end time) on a fresh network."""
    w = world(scenario, capture)
    run_timeline(w, scenario)
    return w


def run_timeline(w: Runner, scenario: A.Scenario) -> None:
    """Apply every timeline step, then run up to the scenario's end time."""
    for step in scenario.timeline:
        w.apply(step)
    end = scenario.end_time
    if end > w.net.now:
        w.net.run_until(end)


# ---------------------------------------------------------------- chart


def _mip6(pkt: IPv6Packet) -> list[str]:
    lines: list[str] = []
    for h in pkt.headers:
        if isinstance(h, Routing0):
            lines.append(f"RH0 left={h.segments_left} -> {', '.join(fmt(x) for x in h.addresses)}")
        elif isinstance(h, AH):
            lines.append("AH")
        elif isinstance(h, ESP):
            lines.append("ESP")
        elif isinstance(h, DestOptions):
            for o in h.options:
                if isinstance(o, BindingUpdate):
                    fl = "".join(f for f, on in (("A", o.a), ("H", o.h), ("C", o.c)) if on)
                    coa = f" coa={fmt(o.care_of)}" if o.care_of is not None else ""
                    idl = f" idlen={o.id_length}" if o.id_length else ""
                    lines.append(
                        f"BU {fl or '-'} seq={o.seq} life={o.lifetime}{idl}{coa}".replace("  ", " ")
                    )
                elif isinstance(o, BindingAck):
                    lines.append(
                        f"BA status={o.status} seq={o.seq} life={o.lifetime} refresh={o.refresh}"
                    )
                elif isinstance(o, BindingRequest):
                    lines.append("BR")
                elif isinstance(o, HomeAddress):
                    lines.append(f"HAO home={fmt(o.home_address)}")
                elif isinstance(o, MalformedOption):
                    lines.append(f"{o.kind} malformed ({o.reason})")
                elif isinstance(o, UnknownOption):
                    lines.append(f"option {o.opt_type} len={len(o.data)}")
    return lines


def arrow_of(pkt: IPv6Packet) -> tuple[tuple[str, ...], str] | None:
    """Label lines and kind for one packet, or None for packets the chart leaves out (ND traffic)."""
    p = pkt.payload
    if isinstance(
        p, RouterAdvertisement | RouterSolicitation | NeighborSolicitation | NeighborAdvertisement
    ):
        return None
    lines = [f"{fmt(pkt.src)} -> {fmt(pkt.dst)}", *_mip6(pkt)]
    kind = "data"
    text = " ".join(lines)
    if "BU " in text:
        kind = "bu"
    elif "BA " in text:
        kind = "ba"
    elif " BR" in text or text.endswith("BR"):
        kind = "br"
    if isinstance(p, IPv6Packet):
        kind = "tunnel"
        lines.append(f"IPv6-in-IPv6: {fmt(p.src)} -> {fmt(p.dst)}")
        lines += [f"  {ln}" for ln in _mip6(p)]
        p = p.payload
    if isinstance(p, ParamProblem):
        lines.append(f"ICMPv6 Parameter Problem code={p.code} pointer={p.pointer}")
        kind = "icmp"
    elif isinstance(p, DestUnreachable):
        lines.append(f"ICMPv6 Destination Unreachable code={p.code}")
        kind = "icmp"
    elif isinstance(p, UDP):
        lines.append(f"UDP data {len(p.payload)} octets")
    return tuple(lines), kind


def _receiver(runner: Runner, link: str, dst_lla: bytes) -> str:
    """The node a lost unicast frame was meant for (by its link-layer destination), or the link."""
    try:
        ats = runner.net.link(link).by_lla.get(dst_lla, ())
    except Exception:  # noqa: BLE001 - a link renamed or gone: draw the arrow toward the link
        ats = ()
    for at in ats:
        return str(at.node.name)
    return f"({link})"


def chart(runner: Runner, failure: Any, frame: int | None = None) -> str:
    """The HTML message sequence chart of a replayed failing run. Every arrow carries its capture
    frame number and the capture's time (when it was put on the link); a frame the link lost is drawn
    lost. The violating arrow is the one for capture frame `frame` when given (where `replay` of the
    capture shows the violation), else the last one the violating node sent (or got) by then."""
    sc: A.Scenario = failure.scenario
    names = [n.name for n in sc.nodes]
    arrows, used = arrows_of(runner, names)
    lifelines = [msc.Lifeline(n, _addr_of(runner, n)) for n in names if n in used or n in names[:1]]
    if INJECTED in used:
        lifelines.append(msc.Lifeline(INJECTED, "frames put on a link"))
    v = failure.violation
    bad: msc.MscViolation | None = None
    title = "mip6check explore: counterexample"
    if v is not None and arrows:
        step = violating_arrow(arrows, v, frame)
        bad = msc.MscViolation(step, v.property, v.section, f"{v.node}: {v.message}")
        title = f"mip6check explore: {v.property} (§{v.section}) broken"
    return msc.render(lifelines, arrows, bad, title=title)


def arrows_of(runner: Runner, names: list[str]) -> tuple[list[msc.Arrow], set[str]]:
    """One arrow per delivered or lost frame worth drawing, in capture order (the time each frame was
    put on its link, as the pcapng records it), and the lifelines they touch."""
    net = runner.net
    senders: dict[int, str] = {}
    sent_at: dict[int, int] = {}
    sent: dict[int, tuple[Transmit, str]] = {}
    drawn: list[tuple[int, int, msc.Arrow]] = []
    used: set[str] = set()
    for r in net.log.records:
        if r.kind in (Kind.TX, Kind.INJECT) and r.frame is not None:
            senders[r.frame] = r.node if r.node is not None else INJECTED
            sent_at[r.frame] = r.time
            if isinstance(r.event, Transmit) and r.link is not None:
                sent[r.frame] = (r.event, r.link)
        elif r.kind is Kind.LOST and r.frame in sent:
            act, link = sent[r.frame]
            got = arrow_of(act.packet)
            if got is None:
                continue
            src, dst = senders[r.frame], _receiver(runner, link, act.dst_lla)
            label, kind = got
            arrow = msc.Arrow(
                time=r.time / 1000,
                src=src,
                dst=dst if dst in names else src,
                label=(f"on {link}", *label),
                kind=kind,
                frame=r.frame + 1,
                lost=True,
            )
            drawn.append((r.time, r.frame, arrow))
            used.add(src)
        elif r.kind is Kind.RX and r.frame is not None and isinstance(r.event, IPv6Packet):
            got = arrow_of(r.event)
            if got is None or r.node is None:
                continue
            src = senders.get(r.frame, INJECTED)
            label, kind = got
            t = sent_at.get(r.frame, r.time)
            arrow = msc.Arrow(
                time=t / 1000,
                src=src,
                dst=r.node,
                label=(f"on {r.link}", *label),
                kind=kind,
                highlighted=src == INJECTED,
                frame=r.frame + 1,
            )
            drawn.append((t, r.frame, arrow))
            used.update((src, r.node))
    drawn.sort(key=lambda d: (d[0], d[1]))  # capture order: the time each frame was put on its link
    return [d[2] for d in drawn], used


def violating_arrow(arrows: list[msc.Arrow], v: Any, frame: int | None) -> int:
    """Index of the arrow to draw red: the first one of capture frame `frame` when known, else the
    last arrow the violating node sent (or got) up to the violation's time."""
    if frame is not None:
        for i, a in enumerate(arrows):
            if a.frame == frame:
                return i
    t = v.time if v.time is not None else arrows[-1].time
    cands = [i for i, a in enumerate(arrows) if a.time <= t + 1e-9]
    mine = [i for i in cands if arrows[i].src == v.node] or [
        i for i in cands if arrows[i].dst == v.node
    ]
    return (mine or cands or [len(arrows) - 1])[-1]


def _addr_of(runner: Runner, name: str) -> str:
    try:
        return fmt(runner.address(name))
    except Exception:  # noqa: BLE001 - a node without an address is drawn without one
        return ""


# ---------------------------------------------------------------- files


def under(scenario: A.Scenario) -> AbstractContextManager[Any]:
    """The model the scenario was found under: its `mutant` line applied, else the model as it is."""
    from mip6check.properties.mutants import BY_NAME

    if scenario.mutant is None:
        return nullcontext()
    return BY_NAME[scenario.mutant].applied()


@dataclass(frozen=True, slots=True)
class Recheck:
    """A counterexample run again from what was written, before it is reported (principle 5): the
    scenario re-simulated under the same model, switches and mutant, judged as the search judged it;
    and its own capture replayed (`mip6check replay` with the scenario's cast and switches), which must
    show the claimed property at the highlighted frame and nothing the re-simulation does not show."""

    claimed: str | None  # the property the counterexample claims broken (None: the engine raised)
    resimulated: tuple[str, ...]  # the properties the re-simulated run breaks
    replayed: tuple[Violation, ...]  # what replay of the capture flags (lost or injected excused)
    frame: int | None  # the capture frame where replay shows the claimed property
    observable: bool  # the search saw it on a packet, so the capture must show it
    raised: str | None = None  # what the re-simulated engine raised, if it did

    def problems(self) -> tuple[str, ...]:
        """Every way the written counterexample fails to show what it claims (empty: confirmed)."""
        p = self.claimed
        if p is None:
            return () if self.raised is not None else ("re-simulated, the engine does not raise",)
        out: list[str] = []
        if self.raised is not None:
            out.append(f"re-simulated, the engine raised {self.raised}")
        elif p not in self.resimulated:
            also = f" (it breaks {', '.join(self.resimulated)})" if self.resimulated else ""
            out.append(f"re-simulated, the run does not break {p}{also}")
        if self.observable and self.frame is None:
            out.append(f"replayed, the capture does not show {p}")
        for v in self.replayed:
            if v.property != p and v.property not in self.resimulated:
                out.append(
                    f"replayed, the capture also shows {v.property} at packet {v.packet}"
                    " that the re-simulated run does not"
                )
        return tuple(out)

    @property
    def confirmed(self) -> bool:
        return not self.problems()

    def shown(self) -> Violation | None:
        """The claimed violation as the replayed capture shows it (when it is confirmed there)."""
        if not self.confirmed or self.frame is None:
            return None
        return next(
            v for v in self.replayed if v.packet == self.frame and v.property == self.claimed
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "confirmed": self.confirmed,
            "problems": list(self.problems()),
            "frame": self.frame,
            "on_the_wire": self.observable,
            "resimulated": list(self.resimulated),
            "replayed": [f"{v.property}@{v.packet}" for v in self.replayed],
        }


def _excused(runner: Runner) -> tuple[set[int], set[int]]:
    """Capture frames (1-based) the links lost, and frames put on a link from outside any node."""
    lost: set[int] = set()
    injected: set[int] = set()
    for r in runner.net.log.records:
        if r.frame is None:
            continue
        if r.kind is Kind.LOST:
            lost.add(r.frame + 1)
        elif r.kind is Kind.INJECT:
            injected.add(r.frame + 1)
    return lost, injected


def recheck(failure: Any, runner: Runner | None, pcap: Path, raised: str | None) -> Recheck:
    """Judge the written counterexample again (see `Recheck`); `runner` is the run that wrote `pcap`
    (None when the engine raised before the network was built). Call under the failure's model."""
    from mip6check.properties.explore.judge import replay_options
    from mip6check.properties.replay import replay_file
    from mip6check.properties.replay.checked import CHECKED

    v = failure.violation
    claimed = v.property if v is not None else None
    resimulated: tuple[str, ...] = ()
    if raised is None:
        try:
            resimulated = tuple(sorted({x.property for x in confirm(failure)}))
        except Exception as e:  # noqa: BLE001 - the model raised on the re-run: say so
            raised = f"{type(e).__name__}: {e}"
    replayed: tuple[Violation, ...] = ()
    frame: int | None = None
    if runner is not None:
        report = replay_file(str(pcap), replay_options(failure.scenario, runner))
        lost, injected = _excused(runner)
        replayed = tuple(
            x
            for x in report.violations
            if x.packet not in injected and not any(r in lost for r in x.related)
        )
        frame = next((x.packet for x in replayed if x.property == claimed), None)
    # seen by the search on a packet (an observer's verdict): the capture must show it too; seen in a
    # node's events or state (a runtime monitor's), the capture may not (an unacknowledged update)
    observable = v is not None and v.packet is not None and claimed in CHECKED
    return Recheck(claimed, resimulated, replayed, frame, observable, raised)


def write_counterexample(
    failure: Any, out_dir: Path, world: WorldFactory = _local
) -> dict[str, Any]:
    """Write the three files into `out_dir` (created if needed), every one under the model, switches
    and mutant the failure was found under, after judging them again (`Recheck`); returns the
    `verify --json` counterexample object {"scenario", "pcap", "msc", "steps", "recheck"}."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sc_path, pcap_path, html_path = out_dir / SCENARIO, out_dir / PCAP, out_dir / HTML
    sc_path.write_text(scenario_text(failure), encoding="utf-8")
    sc: A.Scenario = failure.scenario
    with under(sc):
        raised: str | None = None
        runner: Runner | None = None
        with pcap_path.open("wb") as f:
            try:
                runner = world(sc, f)
                run_timeline(runner, sc)
            except Exception as e:  # noqa: BLE001 - a crash counterexample raises again: kept
                if failure.error is None:
                    raise
                raised = f"{type(e).__name__}: {e}"
        check = recheck(failure, runner, pcap_path, raised)
        html = chart(runner, failure, check.frame) if runner is not None else ""
    shown = check.shown()
    if shown is not None:  # say it as the capture shows it (packets numbered as in the pcapng)
        failure = replace(failure, violation=shown)
        sc_path.write_text(scenario_text(failure), encoding="utf-8")
    html_path.write_text(html, encoding="utf-8")
    return {
        "scenario": str(sc_path),
        "pcap": str(pcap_path),
        "msc": str(html_path),
        "steps": failure.steps,
        "recheck": check.to_json(),
        "violation": failure.violation.to_json() if failure.violation is not None else None,
    }


def from_scenario(scenario: A.Scenario, pid: str, mutant: str | None = None) -> Any:
    """A scenario that breaks `pid` (a corpus file the scenario engine flagged, a BMC trace written
    as a scenario) as a failure `write_counterexample` takes: re-run under `mutant` with the judges
    the search uses, its claim the violation they show (an observer's, on a packet, first). None when
    the re-run does not break `pid`."""
    from mip6check.properties.explore.machines import Failure

    sc = replace(
        scenario,
        mutant=mutant if mutant is not None else scenario.mutant,
        expectations=(A.ExpectProperty(pid, True),),
    )
    with under(sc):
        found = [v for v in confirm(SimpleNamespace(scenario=sc)) if v.property == pid]
    if not found:
        return None
    found.sort(key=lambda v: v.packet is None)
    return Failure(sc, found[0], None, len(sc.timeline))


def confirm(
    failure: Any, world: WorldFactory = _local, only: frozenset[str] | None = None
) -> list[Any]:
    """Replay the failure's scenario step by step on a fresh network, judged exactly as the machine
    judges (properties/explore/judge.py `Judge`): the violations the counterexample shows. Runs under
    the model it is called under (see `under` for the scenario's own mutant)."""
    sc: A.Scenario = failure.scenario
    w = world(sc, None)
    judge = Judge(sc, w, only)
    found = judge.step()
    for step in sc.timeline:
        if isinstance(step, A.Renumber):
            judge.stop_observing()
        w.apply(step)
        found = judge.step()
    end = sc.end_time
    if end > w.net.now:
        w.net.run_until(end)
        found = judge.step()
    return found
