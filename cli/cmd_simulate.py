"""`mip6check simulate SCENARIO [--pcap OUT] [--json]`: run a scenario file and judge its expectations.

Exit 0 when every expectation holds, 1 when one does not, 2 when the file cannot be read or parsed:
then one line on stderr (`file:line:col: message (hint)`) and the caret context on stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Collection, Mapping
from typing import BinaryIO

from mip6check.model.addr import fmt
from mip6check.model.config import Config
from mip6check.model.dsl import ScenarioError, parse_scenario
from mip6check.model.dsl.build import PropertyMonitor, Run, run_scenario
from mip6check.model.net import Kind
from mip6check.model.roles.events import NodeSnapshot, RoleEvent
from mip6check.properties.monitors import MONITORED, MonitorSet


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", metavar="SCENARIO", help="a .scenario file")
    p.add_argument(
        "--pcap", metavar="OUT", help="write every frame on every link to this pcapng file"
    )
    p.add_argument("--json", action="store_true", help="one JSON object: expectations, counts, log")


class _Monitor:
    """mip6check.properties.monitors.MonitorSet behind the dsl's PropertyMonitor protocol."""

    def __init__(self, config: Config) -> None:
        self.inner = MonitorSet(config=config)

    def feed(self, time: int, event: RoleEvent) -> None:
        self.inner.feed(time, event)

    def check_state(self, now: int, snapshots: Mapping[str, NodeSnapshot]) -> None:
        self.inner.check_state(now, snapshots)

    def flush(self) -> None:
        self.inner.flush()


def _make_monitor(config: Config) -> PropertyMonitor:
    return _Monitor(config)


def _flagged(m: PropertyMonitor) -> Collection[str]:
    assert isinstance(m, _Monitor)
    return {v.property for v in m.inner.violations}


def simulate(text: str, filename: str, capture: BinaryIO | None = None) -> Run:
    """Parse and run a scenario with the catalog's runtime monitors (raises ScenarioError)."""
    scenario = parse_scenario(text, filename)
    return run_scenario(
        scenario, capture=capture, monitor=_make_monitor, monitored=MONITORED, violations=_flagged
    )


def _json(run: Run, filename: str) -> dict[str, object]:
    net = run.network
    counts = net.log.counts()
    return {
        "file": filename,
        "ok": run.ok,
        "end_ms": run.scenario.end_time,
        "frames": net.frames,
        "hops": net.hops,
        "expectations": [
            {"line": r.line, "text": r.text, "ok": r.ok, "detail": r.detail} for r in run.results
        ],
        "nodes": {
            name: {"sent": c.sent, "received": c.received, "dropped": c.dropped}
            for name, c in sorted(counts.items())
        },
        "events": [
            {
                "time": r.time / 1000,
                "node": r.node,
                "event": type(r.event).__name__,
                "detail": _describe(r.event),
            }
            for r in net.log.records
            if r.kind is Kind.EVENT and r.event is not None
        ],
    }


def _describe(event: object) -> str:
    """A role event as `field=value` pairs, addresses printed as text."""
    parts = []
    for name in getattr(event, "__slots__", ()):
        v = getattr(event, name)
        if name == "node":
            continue
        if isinstance(v, bytes) and len(v) == 16:
            v = fmt(v)
        parts.append(f"{name}={v}")
    return " ".join(parts)


def run(args: argparse.Namespace) -> int:
    path = args.scenario
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        print(f"mip6check: {path}: cannot read: {e}".replace("\n", " "), file=sys.stderr)
        return 2
    out = None
    try:
        if args.pcap:
            try:
                out = open(args.pcap, "wb")  # noqa: SIM115 - closed below
            except OSError as e:
                print(
                    f"mip6check: {args.pcap}: cannot write: {e}".replace("\n", " "), file=sys.stderr
                )
                return 2
        try:
            result = simulate(text, path, out)
        except ScenarioError as e:
            print(e.one_line().replace("\n", " "), file=sys.stderr)
            print(e.context(text))
            return 2
    finally:
        if out is not None:
            out.close()
    if args.json:
        print(json.dumps(_json(result, path), indent=None))
    else:
        for r in result.results:
            mark = "ok  " if r.ok else "FAIL"
            line = f"{mark} {path}:{r.line}: {r.text}"
            print(line + (f"  -- {r.detail}" if r.detail else ""))
        held = sum(r.ok for r in result.results)
        net = result.network
        print(
            f"{held}/{len(result.results)} expectations hold; {net.frames} frames, "
            f"{net.hops} hops, {result.scenario.end_time / 1000:g} s simulated"
        )
    return 0 if result.ok else 1
