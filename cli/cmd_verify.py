"""`mip6check verify [--json] [--junit OUT.xml] [--property ID ...]`: every check of the catalog.

Z3 proofs and bounded model checking, the scenario corpus with monitors and replay, stateful
Hypothesis runs; a summary table (property, engine, status, time); exit 0 when nothing is violated.
`verify --mutants` checks the checker instead: the mutant kill table and kill rate, exit 0
only at 100% (properties/killrate.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from mip6check.cli.main import fail, invocation, os_problem
from mip6check.cli.switches import add_switch_arguments, config_from_args
from mip6check.cli.workers import add_worker_arguments, open_executor, worker_count
from mip6check.properties.catalog import UnknownPropertyError
from mip6check.properties.parallel import ClusterError, cluster_address
from mip6check.properties.report import junit, sarif
from mip6check.properties.verdict import Result, Status
from mip6check.properties.verify import (
    ENGINES,
    Interrupted,
    Progress,
    VerifyOptions,
    failed,
    run_verify,
    select,
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--json", action="store_true", help='one JSON object {"results": [...]} on stdout'
    )
    p.add_argument(
        "--junit", metavar="OUT.xml", help="JUnit XML: one test case per (property, engine)"
    )
    p.add_argument("--sarif", metavar="OUT", help="SARIF 2.1.0 log of every violation found")
    p.add_argument(
        "--property",
        metavar="ID",
        nargs="+",
        action="extend",
        default=[],
        help="check only these property IDs",
    )
    p.add_argument(
        "--engine",
        choices=[n for n, _ in ENGINES],
        action="append",
        help="run only this engine (repeatable)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the randomised engines (same seed, same output)",
    )
    p.add_argument(
        "--budget",
        choices=("ci", "long"),
        default="ci",
        help="ci: under 5 minutes on 2 cores; long: deeper",
    )
    p.add_argument(
        "--watchdog",
        metavar="SECONDS",
        type=_seconds,
        default=None,
        help="wall-clock bound of one run (a scenario, a proof, an unrolling, a round of search); a "
        "run still going then is reported timeout and verify exits 1 (default: per budget, far above "
        "what a run of a sound model takes)",
    )
    p.add_argument(
        "--out", metavar="DIR", help="write counterexamples (scenario, pcapng, chart) here"
    )
    p.add_argument(
        "--mutants",
        action="store_true",
        help="run the engines under every deliberate model fault and print the kill table and rate "
        "(exit 0 only when all are killed); without --engine, z3 and the scenario corpus, the "
        "fastest first per mutant; with --engine, each named engine on every mutant",
    )
    p.add_argument(
        "--no-timing",
        action="store_true",
        help="leave out wall-clock times, so the same seed gives byte-identical output",
    )
    add_worker_arguments(p, "engines")
    add_switch_arguments(p)


def _seconds(text: str) -> float:
    """`--watchdog`: a number of seconds above 0 (argparse reports anything else as a usage error)."""
    try:
        v = float(text)
    except ValueError:
        v = 0.0
    if not v > 0 or v == float("inf"):
        raise argparse.ArgumentTypeError(f"not a number of seconds above 0: {text!r}")
    return v


def _mutants(args: argparse.Namespace, props: frozenset[str] | None, progress: Progress) -> int:
    """`verify --mutants`: the kill table (or {"mutants": [...], "kill_rate": ...} with --json)."""
    from mip6check.properties.killrate import kill_rates
    from mip6check.properties.mutants import ALL_MUTANTS

    chosen = [m for m in ALL_MUTANTS if props is None or m.catches & props]
    engines = tuple(args.engine) if args.engine else ("z3", "scenarios")
    budget = (
        "quick" if args.budget == "ci" else args.budget
    )  # kill runs: short bounded model checks
    base = VerifyOptions(seed=args.seed, budget=budget, config=config_from_args(args))
    try:
        if worker_count(args) == 1 and not cluster_address(args.cluster):
            report = kill_rates(
                engines, chosen, fastest=not args.engine, base=base, progress=progress
            )
        else:  # the mutants side by side (properties/killrate.py: same table for any N)
            with open_executor(args) as ex:
                report = kill_rates(
                    engines,
                    chosen,
                    fastest=not args.engine,
                    base=base,
                    progress=progress,
                    executor=ex,
                )
    except (ValueError, ClusterError) as e:
        return fail(f"verify: {e}")
    if args.json:
        print(json.dumps(report.to_json(), sort_keys=False))
    else:
        print(report.table())
    return 0 if not report.survivors else 1


def _table(results: list[Result]) -> str:
    rows = [
        ("property", "engine", "status", "time"),
        *[
            (r.property, r.engine, r.status.value, "" if r.seconds is None else f"{r.seconds:.2f}s")
            for r in results
        ],
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status.value] = counts.get(r.status.value, 0) + 1
    lines.append("")
    lines.append(", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    for r in results:
        if r.status is Status.VIOLATED:
            lines.append(f"VIOLATED {r.property} ({r.engine}): {r.detail or ''}")
            if isinstance(r.counterexample, dict):
                for k, v in sorted(r.counterexample.items()):
                    lines.append(f"    {k}: {v}")
    lines.extend(_stopped(results))
    return "\n".join(lines)


def _stopped(results: list[Result]) -> list[str]:
    """One paragraph per engine run that raised or hit its watchdog (shared by the rows it covered):
    which rows, why, and the traceback and the steps that raise."""
    groups: dict[tuple[str, str, str], list[Result]] = {}
    for r in results:
        if r.status in (Status.ERROR, Status.TIMEOUT):
            groups.setdefault((r.status.value, r.engine, r.detail or ""), []).append(r)
    lines: list[str] = []
    for (status, engine, detail), rs in groups.items():
        word = "ERROR" if status == "error" else "TIMEOUT"
        lines.append(f"{word} ({engine}, {len(rs)} properties not decided): {detail}")
        ce = rs[0].counterexample
        if isinstance(ce, dict):
            for key in ("scenario", "traceback", "scenario_text"):
                if ce.get(key):
                    lines.append(f"    {key}:")
                    lines.extend("      " + ln for ln in str(ce[key]).splitlines())
    return lines


def _evidence(r: Result) -> bool:
    """A result that rests on something checked: a proof, a finding, a violation, or a pass with at
    least one example (a pass over zero examples or scenarios checked nothing)."""
    if r.status is Status.PASSED:
        return r.examples is None or r.examples > 0
    return r.status in (Status.PROVED, Status.FINDING, Status.VIOLATED)


def unchecked(results: list[Result], engines: tuple[str, ...]) -> str | None:
    """Why this run checked nothing worth a verdict, or None: an engine that ran and has no result
    with evidence, a pass over zero examples, or no evidence at all."""
    for r in results:
        if r.status is Status.PASSED and r.examples == 0:
            return f"{r.property} ({r.engine}) passed over 0 examples: nothing was checked"
    for name in engines:
        mine = [r for r in results if r.engine == name]
        if mine and not any(_evidence(r) for r in mine):
            return f"engine {name} checked nothing ({mine[0].detail or mine[0].status.value})"
    if not any(_evidence(r) for r in results):
        return "nothing was checked: no engine of this run judges the selected properties"
    return None


def run(args: argparse.Namespace) -> int:
    try:
        props = select(args.property)
    except UnknownPropertyError as e:
        return fail(str(e))
    live = sys.stderr.isatty() and not args.json
    started = time.monotonic()

    def progress(msg: str) -> None:
        if live:
            print(
                f"\r\x1b[K[{time.monotonic() - started:6.1f}s] {msg}"[:200],
                end="",
                file=sys.stderr,
                flush=True,
            )

    if args.mutants:
        code = _mutants(args, props, progress)
        if live:
            print("\r\x1b[K", end="", file=sys.stderr)
        return code
    opts = VerifyOptions(
        properties=props,
        seed=args.seed,
        budget=args.budget,
        config=config_from_args(args),
        out_dir=Path(args.out) if args.out else None,
        engines=tuple(args.engine) if args.engine else tuple(n for n, _ in ENGINES),
        run_wall_s=args.watchdog,
    )
    try:
        if worker_count(args) == 1 and not cluster_address(args.cluster):
            results = run_verify(opts, progress)
        else:
            with open_executor(args) as ex:
                results = run_verify(opts, progress, ex)
    except (ValueError, ClusterError) as e:
        return fail(f"verify: {e}")
    except Interrupted as stop:  # a partial report, marked so, and exit 130: never "passed"
        if live:
            print("\r\x1b[K", end="", file=sys.stderr)
        partial = (
            [replace(r, seconds=None) for r in stop.results] if args.no_timing else stop.results
        )
        if args.json:
            body = {"interrupted": True, "results": [r.to_json() for r in partial]}
            print(json.dumps(body, sort_keys=False))
        else:
            print("INTERRUPTED: partial report (the engine running at Ctrl-C decided nothing)")
            print(_table(partial))
        raise
    if live:
        print("\r\x1b[K", end="", file=sys.stderr)
    try:
        if args.junit:
            Path(args.junit).write_text(junit.to_xml(results), encoding="utf-8")
        if args.sarif:
            log = sarif.from_results(results, command=invocation())
            Path(args.sarif).write_text(sarif.dumps(log), encoding="utf-8")
    except OSError as e:
        return fail(f"{e.filename}: cannot write the report: {os_problem(e)}")
    if args.no_timing:
        results = [replace(r, seconds=None) for r in results]
    if args.json:
        print(json.dumps({"results": [r.to_json() for r in results]}, sort_keys=False))
    else:
        print(_table(results))
    if failed(results):
        return 1
    nothing = unchecked(results, opts.engines)
    return fail(f"verify: {nothing}") if nothing else 0
