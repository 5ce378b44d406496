"""`mip6check replay FILE`: validate a capture against the property catalog (cli-contract.md).

Human report by default, `--json` for the contract's object, `--junit`, `--sarif`, `--msc` files on the
side. Exit 0 nothing violated, 1 at least one violation, 2 could not run (one stderr line).
A progress line (packets/s) goes to stderr only when stderr is a terminal and `--json` is off.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from mip6check.cli.switches import add_switch_arguments, config_from_args
from mip6check.model.errors import CaptureError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="a pcap or pcapng capture")
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
    add_switch_arguments(p)


def _fail(msg: str) -> int:
    print(f"mip6check: {msg}".replace("\n", " "), file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from mip6check.properties.replay import (
        HomeAgentSpec,
        Limits,
        ReplayOptions,
        SAError,
        Topology,
        TopologyError,
        load_sa,
        load_topology,
        render_text,
        replay_file,
    )
    from mip6check.properties.replay.options import parse_addr, parse_prefix

    if not 0 <= args.clock_tolerance <= 3600:  # also refuses NaN
        return _fail("replay: --clock-tolerance must be between 0 and 3600 seconds")
    if args.max_nodes < 1 or args.max_bindings < 1:
        return _fail("replay: --max-nodes and --max-bindings must be positive")
    try:
        topo = load_topology(args.topology) if args.topology else Topology()
        prefixes = tuple(parse_prefix(p) for p in args.home_prefix)
        has = tuple(HomeAgentSpec(parse_addr(x), prefixes) for x in args.home_agent)
        topo = Topology(
            home_agents=topo.home_agents + has,
            home_prefixes=topo.home_prefixes + prefixes,
            mobile_nodes=topo.mobile_nodes,
            not_home_agents=topo.not_home_agents,
            cache_capacity=topo.cache_capacity,
        )
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
    if args.json:
        sys.stdout.write(json.dumps(report.to_json(), ensure_ascii=True, sort_keys=False) + "\n")
    else:
        sys.stdout.write(render_text(report))
    return 1 if report.violations else 0


def _side_outputs(args: argparse.Namespace, report: object) -> None:
    from mip6check.properties.replay import ReplayReport
    from mip6check.properties.replay.checked import CHECKED

    assert isinstance(report, ReplayReport)
    if args.junit:
        from mip6check.properties.report import junit

        results = junit.replay_results(report.violations, CHECKED)
        Path(args.junit).write_text(junit.to_xml(results, suite=f"replay {report.file}"), "utf-8")
    if args.sarif:
        from mip6check.properties.report import sarif

        log = sarif.sarif_log(
            report.violations,
            artifact=args.file,
            frame_offsets=_frame_offsets(args.file, {v.packet for v in report.violations}),
            rules=CHECKED,
            command="mip6check replay",
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
    from mip6check.properties.report import msc

    assert isinstance(report, ReplayReport)
    pkts = (record_json(d) for d in decode_path(args.file, PROFILES[args.profile]))
    roles = {a: ", ".join(r) for a, r in report.nodes}
    chart = msc.chart_from_decoded(pkts, report.violations, roles=roles, limit=MSC_MAX)
    return msc.render_chart(chart, title=f"mip6check replay {Path(args.file).name}")
