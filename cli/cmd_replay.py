"""`mip6check replay FILE|DIR ...`: validate captures against the property catalog (cli-contract.md).

One FILE: the human report, or `--json` for the contract's object; `--junit`, `--sarif`, `--msc` files
on the side. Several inputs (or a DIR): one report per capture in input order and a summary, `--json`
as JSON Lines, replayed by `--workers N` processes (or a Dask cluster); the output is the same for any
N. `--shard-by mn` splits one capture by mobile node (properties/shard.py). Exit 0 nothing violated,
1 at least one violation, 2 could not run (one stderr line). A progress line goes to stderr only when
stderr is a terminal and `--json` is off.

`--model ROLE|ADDRESS` (repeatable) is the differential replay of one FILE (properties/differential):
the model plays the chosen nodes, and the first divergences from the captured packets are shown with
the spec's verdict on each side. Each node is a run of its own: `--workers N` (or `--cluster`) runs
them in parallel, reports in the same order and bytes as in this process. Exit 0 no divergence over
at least one compared packet, 1 a divergence, 2 could not run or compared nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from mip6check.cli.main import fail, invocation
from mip6check.cli.switches import add_switch_arguments, config_from_args
from mip6check.cli.workers import add_worker_arguments, open_executor, worker_count
from mip6check.model.errors import CaptureError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "inputs",
        metavar="FILE|DIR",
        nargs="+",
        help="pcap or pcapng captures, or folders of them (searched recursively)",
    )
    p.add_argument("--json", action="store_true", help="the replay JSON object on stdout")
    p.add_argument(
        "--junit", metavar="OUT.xml", help="also write JUnit XML (one case per property)"
    )
    p.add_argument("--sarif", metavar="OUT", help="also write a SARIF 2.1.0 log")
    p.add_argument("--msc", metavar="OUT.html", help="also write a message sequence chart")
    p.add_argument(
        "--home-prefix",
        metavar="P",
        action="append",
        default=[],
        help="a home prefix (repeatable); default: the /64 of each home agent's address",
    )
    p.add_argument(
        "--home-agent",
        metavar="A",
        action="append",
        default=[],
        help="an address of a home agent (repeatable); default: inferred from the traffic",
    )
    p.add_argument(
        "--topology", metavar="FILE.toml", help="cast facts (home agents, prefixes, ...)"
    )
    p.add_argument(
        "--sa", metavar="FILE", help="security associations: verify AH ICVs, open ESP-NULL"
    )
    p.add_argument(
        "--clock-tolerance",
        metavar="SECONDS",
        type=float,
        default=0.05,
        help="slack on every timing judgement (default 0.05 s)",
    )
    p.add_argument(
        "--max-nodes",
        metavar="N",
        type=int,
        default=50_000,
        help="nodes tracked at most (default 50000; reported when reached)",
    )
    p.add_argument(
        "--max-bindings",
        metavar="N",
        type=int,
        default=50_000,
        help="(home address, destination) bindings tracked at most (default 50000)",
    )
    p.add_argument("--explain", metavar="N", type=int, help="print the model state after packet N")
    add_worker_arguments(p, "captures (with --model: the modelled nodes' runs)")
    p.add_argument(
        "--shard-by",
        choices=["mn"],
        help="split each capture by mobile node (home address) and replay the shards in parallel",
    )
    g = p.add_argument_group("differential replay (docs/differential.md)")
    g.add_argument(
        "--model",
        metavar="ROLE|ADDRESS",
        action="append",
        default=[],
        help="the model plays this node (home-agent, mobile-node, correspondent, or an address; "
        "repeatable) and its packets are compared with the captured node's",
    )
    g.add_argument(
        "--time-tolerance",
        metavar="SECONDS",
        type=float,
        default=0.25,
        help="with --model: a model packet this close in time to the captured one is its "
        "counterpart (default 0.25 s)",
    )
    g.add_argument(
        "--max-divergences",
        metavar="N",
        type=int,
        default=3,
        help="with --model: show the first N divergences (default 3; all are counted)",
    )
    add_switch_arguments(p)


def _fail(msg: str) -> int:
    return fail(msg)


def cast_topology(args: argparse.Namespace) -> Any:
    """The cast the options give (`--topology`, then `--home-prefix`/`--home-agent` added to it);
    raises TopologyError or ValueError for a bad file, prefix or address."""
    from mip6check.properties.replay import HomeAgentSpec, Topology, load_topology
    from mip6check.properties.replay.options import parse_addr, parse_prefix

    topo = load_topology(args.topology) if args.topology else Topology()
    prefixes = tuple(parse_prefix(p) for p in args.home_prefix)
    has = tuple(HomeAgentSpec(parse_addr(x), prefixes) for x in args.home_agent)
    return Topology(
        home_agents=topo.home_agents + has,
        home_prefixes=topo.home_prefixes + prefixes,
        mobile_nodes=topo.mobile_nodes,
        not_home_agents=topo.not_home_agents,
        cache_capacity=topo.cache_capacity,
        node_capacities=topo.node_capacities,
    )


def run(args: argparse.Namespace) -> int:
    from mip6check.properties.replay import (
        Limits,
        ReplayOptions,
        SAError,
        TopologyError,
        load_sa,
        render_text,
        replay_file,
    )

    if not 0 <= args.clock_tolerance <= 3600:  # also refuses NaN
        return _fail("replay: --clock-tolerance must be between 0 and 3600 seconds")
    if args.max_nodes < 1 or args.max_bindings < 1:
        return _fail("replay: --max-nodes and --max-bindings must be positive")
    try:
        topo = cast_topology(args)
        sas = load_sa(args.sa) if args.sa else ()
        cfg = config_from_args(args)
    except (TopologyError, SAError) as e:
        return _fail(str(e))
    except ValueError as e:
        return _fail(f"replay: {e}")
    opts = ReplayOptions(
        config=cfg,
        topology=topo,
        clock_tolerance=round(args.clock_tolerance * 1000),
        limits=Limits(max_nodes=args.max_nodes, max_bindings=args.max_bindings),
        sa_keys=sas,
    )
    try:
        worker_count(args)
    except ValueError as e:
        return _fail(f"replay: {e}")
    single = len(args.inputs) == 1 and not Path(args.inputs[0]).is_dir()
    if args.model:
        return _run_differential(args, opts, single)
    if not single or args.shard_by:
        return _run_many(args, opts)
    args.file = args.inputs[0]
    progress = None
    if not args.json and sys.stderr.isatty():
        start = time.monotonic()

        def progress(n: int, _t: float) -> None:
            rate = n / max(time.monotonic() - start, 1e-9)
            print(f"\r{n} packets, {rate:,.0f} packets/s", end="", file=sys.stderr, flush=True)

    try:
        report = replay_file(args.file, opts, explain=args.explain, progress=progress)
    except CaptureError as e:
        return _fail(f"{e.path}: {e.reason} (at byte {e.offset})")
    if progress is not None:
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    try:
        _side_outputs(args, report)
    except OSError as e:
        return _fail(f"replay: cannot write output: {e.filename}: {e.strerror}")
    if args.explain is not None and not 1 <= args.explain <= report.packets:
        return _fail(f"--explain {args.explain}: {args.file} has {report.packets} packets")
    if args.json:
        sys.stdout.write(json.dumps(report.to_json(), ensure_ascii=True, sort_keys=False) + "\n")
    else:
        sys.stdout.write(render_text(report))
    return 1 if report.violations else 0


def _run_differential(args: argparse.Namespace, opts: object, single: bool) -> int:
    """`--model`: the differential replay of one capture, one report (JSON object) per node."""
    from mip6check.cli.render import packet_text
    from mip6check.properties.differential import SelectionError
    from mip6check.properties.differential.render import render_text, report_json
    from mip6check.properties.differential.replay import plan, run_job
    from mip6check.properties.parallel import ClusterError, run_ordered
    from mip6check.properties.replay import ReplayOptions

    assert isinstance(opts, ReplayOptions)
    if not single or args.shard_by:
        return _fail("replay: --model needs a single FILE (without --shard-by)")
    for flag in ("junit", "sarif", "msc", "explain"):
        if getattr(args, flag) is not None:
            return _fail(f"replay: --{flag} does not go with --model")
    if not 0 <= args.time_tolerance <= 3600:
        return _fail("replay: --time-tolerance must be between 0 and 3600 seconds")
    if args.max_divergences < 1:
        return _fail("replay: --max-divergences must be positive")
    path = args.inputs[0]
    try:
        jobs = plan(path, args.model, opts, tolerance_ms=round(args.time_tolerance * 1000))
        if len(jobs) > 1 and worker_count(args) > 1 or args.cluster:
            with open_executor(args) as ex:  # one job per modelled node, output in cast order
                reports = list(run_ordered(ex, run_job, jobs))
        else:
            reports = [run_job(j) for j in jobs]  # one node: nothing to split
    except CaptureError as e:
        return _fail(f"{e.path}: {e.reason} (at byte {e.offset})")
    except SelectionError as e:
        return _fail(f"replay: {path}: {e}")
    except ClusterError as e:
        return _fail(f"replay: {e}")
    for r in reports:
        if args.json:
            doc = report_json(r, packet_text, args.max_divergences)
            sys.stdout.write(json.dumps(doc, ensure_ascii=True, sort_keys=False) + "\n")
        else:
            sys.stdout.write(render_text(r, packet_text, args.max_divergences))
    if any(r.divergences for r in reports):
        return 1
    idle = [r for r in reports if r.compared == 0]
    if idle:
        who = ", ".join(
            f"{r.subject.role.replace('_', '-')} {_addr(r.subject.address)}" for r in idle
        )
        return _fail(f"replay: {path}: --model compared nothing for {who}")
    return 0


def _addr(a: bytes) -> str:
    from mip6check.model.addr import fmt

    return fmt(a)


def _run_many(args: argparse.Namespace, opts: object) -> int:
    """Many captures (or one sharded): reports in input order, a summary, the exit status over all."""
    from mip6check.properties.parallel import ClusterError, run_ordered
    from mip6check.properties.replay import ReplayOptions, ReplayReport, render_text
    from mip6check.properties.replay_many import (
        CaptureFailure,
        Outcome,
        ReplayJob,
        Tally,
        expand_inputs,
        replay_job,
    )

    assert isinstance(opts, ReplayOptions)
    for flag in ("sarif", "msc", "explain"):
        if getattr(args, flag) is not None and (len(args.inputs) > 1 or args.shard_by):
            return _fail(f"replay: --{flag} needs a single FILE (without --shard-by)")
    lone = len(args.inputs) == 1 and not Path(args.inputs[0]).is_dir()  # one FILE, sharded
    inputs = expand_inputs(args.inputs)
    if not inputs.files:
        return _fail(f"replay: no capture file found in {', '.join(args.inputs)}")
    tally = Tally()
    reports: list[ReplayReport] = []
    show = _Progress(len(inputs.files)) if not args.json and sys.stderr.isatty() else None
    first_failure: CaptureFailure | None = None

    def done(_i: int, o: Outcome) -> None:
        if show is not None:
            show.update(o)

    try:
        with open_executor(args) as ex:
            if args.shard_by:
                from mip6check.properties.shard import replay_sharded_job

                outcomes = (replay_sharded_job(ex, path, opts, done) for path in inputs.files)
            else:
                jobs = [ReplayJob(path, opts) for path in inputs.files]
                outcomes = run_ordered(ex, replay_job, jobs, done)
            for o in outcomes:
                if show is not None:
                    show.clear()
                tally.add(o)
                if not (lone and isinstance(o, CaptureFailure)):
                    _write_outcome(args, o, render_text, "" if lone else "\n")
                if isinstance(o, CaptureFailure):
                    first_failure = first_failure or o
                else:
                    reports.append(o)
    except ClusterError as e:
        return _fail(f"replay: {e}")
    if show is not None:
        show.clear()
    if not args.json and not lone:
        sys.stdout.write(tally.summary(inputs.skipped) + "\n")
    if args.junit:
        try:
            _many_junit(args.junit, reports)
        except OSError as e:
            return _fail(f"replay: cannot write output: {e.filename}: {e.strerror}")
    if first_failure is not None:
        more = tally.failed - 1
        _fail(first_failure.line() + (f"; {more} more could not be read" if more else ""))
    return tally.exit_code()


def _write_outcome(args: argparse.Namespace, o: object, render_text: object, sep: str) -> None:
    from mip6check.properties.replay_many import CaptureFailure

    if args.json:
        doc = o.to_json()  # type: ignore[attr-defined]
        sys.stdout.write(json.dumps(doc, ensure_ascii=True, sort_keys=False) + "\n")
    elif isinstance(o, CaptureFailure):
        sys.stdout.write(f"{o.line()}\n")
    else:
        sys.stdout.write(render_text(o) + sep)  # type: ignore[operator]
    sys.stdout.flush()


def _many_junit(path: str, reports: list[object]) -> None:
    """One JUnit suite per capture (named by the capture), one case per checked property."""
    from mip6check.cli.reports import tested_counts
    from mip6check.properties.replay import ReplayReport
    from mip6check.properties.replay.checked import CHECKED
    from mip6check.properties.report import junit

    results = []
    bad: dict[str, junit.Undecodable] = {}
    for r in reports:
        assert isinstance(r, ReplayReport)
        tested = tested_counts(r.file, r.profile, CHECKED)
        results.extend(junit.replay_results(r.violations, CHECKED, engine=r.file, tested=tested))
        bad[r.file] = (r.undecodable, r.errors)
    Path(path).write_text(junit.to_xml(results, suite="replay", undecodable=bad), "utf-8")


class _Progress:
    """One stderr line across workers: captures done, packets per second, violations so far."""

    def __init__(self, total: int) -> None:
        from mip6check.properties.replay_many import Tally

        self.total = total
        self.tally = Tally()
        self.start = time.monotonic()

    def update(self, o: object) -> None:
        self.tally.add(o)  # type: ignore[arg-type]
        t = self.tally
        rate = t.packets / max(time.monotonic() - self.start, 1e-9)
        print(
            f"\r{t.captures}/{self.total} captures, {t.packets} packets, {rate:,.0f} packets/s, "
            f"{t.violations} violations so far",
            end="",
            file=sys.stderr,
            flush=True,
        )

    def clear(self) -> None:
        print("\r\033[K", end="", file=sys.stderr, flush=True)


def _side_outputs(args: argparse.Namespace, report: object) -> None:
    from mip6check.properties.replay import ReplayReport
    from mip6check.properties.replay.checked import CHECKED

    assert isinstance(report, ReplayReport)
    if args.junit:
        from mip6check.cli.reports import tested_counts
        from mip6check.properties.report import junit

        tested = tested_counts(args.file, report.profile, CHECKED)
        results = junit.replay_results(report.violations, CHECKED, tested=tested)
        bad = {"replay": (report.undecodable, report.errors)}
        xml = junit.to_xml(results, suite=f"replay {report.file}", undecodable=bad)
        Path(args.junit).write_text(xml, "utf-8")
    if args.sarif:
        from mip6check.cli.reports import write_rendering
        from mip6check.properties.report import sarif

        rendering = write_rendering(args.file, args.sarif, report.profile)
        log = sarif.sarif_log(
            report.violations,
            artifact=args.file,
            rendering=rendering,
            frame_offsets=_frame_offsets(args.file, {v.packet for v in report.violations}),
            rules=CHECKED,
            command=invocation(),
            category=f"mip6check/replay/{Path(args.file).name}",
        )
        Path(args.sarif).write_text(sarif.dumps(log), "utf-8")
    if args.msc:
        Path(args.msc).write_text(_msc(args, report), "utf-8")


def _frame_offsets(path: str, frames: set[int | None]) -> dict[int, tuple[int, int]]:
    """Byte offset and length of the records (pcap record / pcapng block) of the given packets,
    for SARIF regions: a record runs to the next record's offset (the last one to the file end)."""
    import os

    from mip6check.model.codec.pcap import iter_file

    wanted = {f for f in frames if f is not None}
    out: dict[int, tuple[int, int]] = {}
    pending: int | None = None
    start = 0
    if not wanted:
        return out
    for r in iter_file(path):
        if pending is not None:
            out[pending] = (start, r.file_offset - start)
            pending = None
            if len(out) == len(wanted):
                break
        if r.index in wanted:
            pending, start = r.index, r.file_offset
    if pending is not None:
        out[pending] = (start, os.path.getsize(path) - start)
    return out


MSC_MAX = 300


def _msc(args: argparse.Namespace, report: object) -> str:
    """The chart of the capture: violating packets, Mobile IPv6 signalling, ICMPv6 errors and ND,
    at most MSC_MAX besides the violating ones (properties/report/msc.py: `summarise`)."""
    from mip6check.cli.cmd_decode import decode_path
    from mip6check.cli.render import record_json
    from mip6check.model.codec.values import PROFILES
    from mip6check.properties.replay import ReplayReport
    from mip6check.properties.report import msc, msc_decoded

    assert isinstance(report, ReplayReport)
    pkts = (record_json(d) for d in decode_path(args.file, PROFILES[args.profile]))
    roles = {a: ", ".join(r) for a, r in report.nodes}
    chart = msc_decoded.chart_from_decoded(pkts, report.violations, roles=roles, limit=MSC_MAX)
    return msc.render_chart(chart, title=f"mip6check replay {Path(args.file).name}")
