"""`mip6check report [--out DIR] [--draft FILE] [RESULTS.json ...]`: a static, self-contained HTML
report of where the draft stands — every normative sentence highlighted by status, the property ×
engine matrix, the SPEC findings, the switches in force, and each violation of the given results
with its message sequence chart and capture."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from mip6check.cli.main import fail, os_problem
from mip6check.cli.switches import add_switch_arguments, config_from_args

if TYPE_CHECKING:
    from mip6check.properties.report.results import Results
    from mip6check.properties.report.site import Shown

HELP = "a self-contained HTML report: the draft's sentences by status, engines, results and charts"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Register the subcommand's options."""
    p.add_argument(
        "results",
        nargs="*",
        metavar="RESULTS.json",
        help="outputs of verify --json, replay --json (JSON Lines too) or explore --json",
    )
    p.add_argument(
        "--out", default="report", metavar="DIR", help="folder to write (default: report)"
    )
    p.add_argument(
        "--draft",
        metavar="FILE",
        help="the draft's text (draft-ietf-mobileip-ipv6-04 as plain text): shows every sentence in "
        "place; without it the page lists the normative sentences by section",
    )
    add_switch_arguments(p)


def _shown(res: Results, out: Path) -> list[Shown]:
    """Each violation with its capture copied beside the page; the first violation shown from a
    capture carries its chart (an SVG element, every violation of that capture in red)."""
    from mip6check.cli.cmd_decode import decode_path
    from mip6check.cli.render import record_json
    from mip6check.model.codec.values import PROFILES
    from mip6check.model.errors import DecodeError
    from mip6check.properties.report import msc, msc_decoded
    from mip6check.properties.report.site import Shown, copy_capture
    from mip6check.properties.verdict import Violation

    shown: list[Shown] = []
    links: dict[Path, str] = {}
    for f in res.found():
        svg: str | None = None
        if f.capture is not None and f.capture not in links:
            links[f.capture] = copy_capture(out, f.capture, len(links) + 1)
            vs = [
                Violation(
                    str(v.get("property", "-")),
                    str(v.get("section", "-")),
                    str(v.get("level", "-")),
                    str(v.get("node", "")),
                    str(v.get("message", "")),
                    v.get("packet") if isinstance(v.get("packet"), int) else None,
                    v.get("time") if isinstance(v.get("time"), int | float) else None,
                    tuple(x for x in v.get("related") or () if isinstance(x, int)),
                )
                for v in f.violations
            ]
            try:
                pkts = [record_json(d) for d in decode_path(str(f.capture), PROFILES["draft04"])]
                chart = msc_decoded.chart_from_decoded(pkts, vs)
                svg = msc.render_svg(chart.lifelines, chart.arrows, chart.violations)
            except (OSError, DecodeError, ValueError):
                svg = None  # the page says no chart could be drawn
        link = links.get(f.capture) if f.capture is not None else None
        shown.append(Shown(f, svg, link))
    return shown


def run(args: argparse.Namespace) -> int:
    """Write DIR/index.html; exit 0 when no given result shows a violation, 1 when one does."""
    from mip6check.properties.report.results import ResultsError, load
    from mip6check.properties.report.site import write
    from mip6check.properties.report.site_data import gather

    started = time.perf_counter()
    try:
        res = load([Path(p) for p in args.results])
    except ResultsError as e:
        return fail(str(e))
    draft: list[str] | None = None
    if args.draft:
        try:
            draft = Path(args.draft).read_text("utf-8", errors="replace").splitlines()
        except OSError as e:
            return fail(f"{args.draft}: {os_problem(e)}")
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        data = gather(res, config_from_args(args))
        shown = _shown(res, out)
        page = write(out, data, shown, draft)
    except OSError as e:
        return fail(f"{args.out}: {os_problem(e)}")
    seconds = time.perf_counter() - started
    bad = len(data.violated)
    print(
        f"wrote {page} ({len(data.coverage['clauses'])} sentences, {len(data.properties)} "
        f"properties, {len(res.files)} result files, {bad} properties violated) in {seconds:.1f} s"
    )
    sys.stdout.flush()
    return 1 if bad else 0
