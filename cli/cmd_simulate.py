"""`mip6check simulate SCENARIO [--pcap OUT] [--json] [--mutant NAME]`: run a scenario file and judge
its expectations. A `mutant NAME` line in the file (an explore counterexample found under a broken
model) or `--mutant NAME` runs the scenario against that deliberately broken model, and says so.

Exit 0 when every expectation holds, 1 when one does not, 2 when the file cannot be read or parsed:
then one line on stderr (`mip6check: simulate: file:line:col: message (hint)`) and, without `--json`,
the caret context on stdout. A scenario without expectations checks nothing: exit 2 as well.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import BinaryIO

from mip6check.cli.main import fail, os_problem
from mip6check.model.addr import fmt
from mip6check.model.dsl import ScenarioError, parse_scenario
from mip6check.model.dsl.ast import Scenario
from mip6check.model.net import Kind
from mip6check.properties.runjudge import JudgedRun, judge_scenario


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", metavar="SCENARIO", help="a .scenario file")
    p.add_argument(
        "--pcap", metavar="OUT", help="write every frame on every link to this pcapng file"
    )
    p.add_argument("--json", action="store_true", help="one JSON object: expectations, counts, log")
    p.add_argument(
        "--mutant",
        metavar="NAME",
        help="run against a deliberately broken model (default: the file's `mutant` line, if any)",
    )


def _mutant_line(text: str) -> tuple[int, int]:
    """Line and column of the file's `mutant` statement (for a one-line error)."""
    for i, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("mutant"):
            return i, len(line) - len(line.lstrip()) + 1
    return 1, 1


def simulate(
    text: str, filename: str, capture: BinaryIO | None = None, mutant: str | None = None
) -> JudgedRun:
    """Parse, run and judge a scenario as `verify` does (raises ScenarioError), under `mutant` (else
    the file's own `mutant` line) when one is named."""
    from mip6check.properties.mutants import BY_NAME

    scenario = parse_scenario(text, filename)
    name = mutant if mutant is not None else scenario.mutant
    if name is None:
        return _simulate(scenario, capture)
    m = BY_NAME.get(name)
    if m is None:
        line, col = _mutant_line(text)
        raise ScenarioError(
            line, col, f"unknown mutant {name!r}", f"known: {', '.join(BY_NAME)}", filename
        )
    with m.applied():
        return _simulate(scenario, capture)


def _simulate(scenario: Scenario, capture: BinaryIO | None) -> JudgedRun:
    """The run judged as `verify` judges a corpus scenario (properties/runjudge): monitors, whole-log
    checks and replay of the run's own capture, one run judge per property."""
    return judge_scenario(scenario, capture=capture)


def _json(run: JudgedRun, filename: str) -> dict[str, object]:
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
        "violations": [v.to_json() for v in run.violations],
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
    if args.mutant is not None:
        from mip6check.properties.mutants import BY_NAME

        if args.mutant not in BY_NAME:
            known = ", ".join(BY_NAME)
            print(
                f"mip6check: simulate: unknown mutant {args.mutant!r} (known: {known})",
                file=sys.stderr,
            )
            return 2
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        why = os_problem(e) if isinstance(e, OSError) else f"not UTF-8 text (at byte {e.start})"
        return fail(f"{path}: cannot read: {why}")
    out = None
    try:
        if args.pcap:
            try:
                out = open(args.pcap, "wb")  # noqa: SIM115 - closed below
            except OSError as e:
                return fail(f"{args.pcap}: cannot write: {os_problem(e)}")
        try:
            result = simulate(text, path, out, args.mutant)
        except ScenarioError as e:
            if not args.json:  # stdout carries JSON only
                print(e.context(text))
            return fail(e.one_line())
    finally:
        if out is not None:
            out.close()
    name = args.mutant if args.mutant is not None else result.scenario.mutant
    if args.json:
        print(json.dumps({**_json(result, path), "mutant": name}, indent=None))
    else:
        if name is not None:
            print(f"run against mutant {name} (a deliberately broken model)")
        for r in result.results:
            mark = "ok  " if r.ok else "FAIL"
            line = f"{mark} {path}:{r.line}: {r.text}"
            print(line + (f"  -- {r.detail}" if r.detail else ""))
        for v in result.violations:
            where = f"{v.time:.3f} s" if v.time is not None else "end of run"
            print(
                f"VIOLATED {v.property} (§{v.section}, {v.level}) at {where}, {v.node}: {v.message}"
            )
        held = sum(r.ok for r in result.results)
        net = result.network
        print(
            f"{held}/{len(result.results)} expectations hold; {net.frames} frames, "
            f"{net.hops} hops, {result.scenario.end_time / 1000:g} s simulated"
        )
    if not result.results:  # a verdict needs evidence
        return fail(f"{path}: no expectation to judge, nothing was checked (add an `expect` line)")
    return 0 if result.ok else 1
