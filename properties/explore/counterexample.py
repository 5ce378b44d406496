"""What a failure looks like (issue 5): a shrunk failing run written as three files in one directory.

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
from pathlib import Path
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
from mip6check.properties.explore.driver import Runner, default_world
from mip6check.properties.explore.judge import Judge
from mip6check.properties.report import msc

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
    for step in scenario.timeline:
        w.apply(step)
    end = scenario.end_time
    if end > w.net.now:
        w.net.run_until(end)
    return w


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


def chart(runner: Runner, failure: Any) -> str:
    """The HTML message sequence chart of a replayed failing run."""
    net = runner.net
    sc: A.Scenario = failure.scenario
    names = [n.name for n in sc.nodes]
    senders: dict[int, str] = {}
    sent_at: dict[int, int] = {}
    tx_times: list[int] = []
    arrows: list[msc.Arrow] = []
    used: set[str] = set()
    for r in net.log.records:
        if r.kind in (Kind.TX, Kind.INJECT) and r.frame is not None:
            senders[r.frame] = r.node if r.node is not None else INJECTED
            sent_at[r.frame] = r.time
        elif r.kind is Kind.RX and r.frame is not None and isinstance(r.event, IPv6Packet):
            got = arrow_of(r.event)
            if got is None or r.node is None:
                continue
            src = senders.get(r.frame, INJECTED)
            label, kind = got
            arrows.append(
                msc.Arrow(
                    time=r.time / 1000,
                    src=src,
                    dst=r.node,
                    label=(f"on {r.link}", *label),
                    kind=kind,
                    highlighted=src == INJECTED,
                    frame=r.frame + 1,
                )
            )
            tx_times.append(sent_at.get(r.frame, r.time))
            used.update((src, r.node))
    lifelines = [msc.Lifeline(n, _addr_of(runner, n)) for n in names if n in used or n in names[:1]]
    if INJECTED in used:
        lifelines.append(msc.Lifeline(INJECTED, "frames put on a link"))
    v = failure.violation
    bad: msc.MscViolation | None = None
    title = "mip6check explore: counterexample"
    if v is not None and arrows:
        t = round(v.time * 1000) if v.time is not None else tx_times[-1]
        cands = [i for i, sent in enumerate(tx_times) if sent <= t]
        mine = [i for i in cands if arrows[i].src == v.node] or [
            i for i in cands if arrows[i].dst == v.node
        ]
        step = (mine or cands or [len(arrows) - 1])[-1]
        bad = msc.MscViolation(step, v.property, v.section, f"{v.node}: {v.message}")
        title = f"mip6check explore: {v.property} (§{v.section}) broken"
    return msc.render(lifelines, arrows, bad, title=title)


def _addr_of(runner: Runner, name: str) -> str:
    try:
        return fmt(runner.address(name))
    except Exception:  # noqa: BLE001 - a node without an address is drawn without one
        return ""


# ---------------------------------------------------------------- files


def write_counterexample(
    failure: Any, out_dir: Path, world: WorldFactory = _local
) -> dict[str, Any]:
    """Write the three files into `out_dir` (created if needed); returns the `verify --json`
    counterexample object {"scenario", "pcap", "msc", "steps"}."""
    out_dir.mkdir(parents=True, exist_ok=True)
    sc_path, pcap_path, html_path = out_dir / SCENARIO, out_dir / PCAP, out_dir / HTML
    sc_path.write_text(scenario_text(failure), encoding="utf-8")
    with pcap_path.open("wb") as f:
        runner = replay(failure.scenario, f, world)
    html_path.write_text(chart(runner, failure), encoding="utf-8")
    return {
        "scenario": str(sc_path),
        "pcap": str(pcap_path),
        "msc": str(html_path),
        "steps": failure.steps,
    }


def confirm(
    failure: Any, world: WorldFactory = _local, only: frozenset[str] | None = None
) -> list[Any]:
    """Replay the failure's scenario step by step on a fresh network, judged exactly as the machine
    judges (properties/explore/machines.py `Judge`): the violations the counterexample shows."""
    sc: A.Scenario = failure.scenario
    w = world(sc, None)
    judge = Judge(sc, w, only)
    found = judge.step()
    for step in sc.timeline:
        if isinstance(step, A.Renumber):
            judge.stop_observing()
        w.apply(step)
        found = judge.step()
    return found
