"""`mip6check derive CAPTURE [--out FILE.scenario] [--topology FILE.toml] [--home-prefix P]
[--home-agent A]`: a scenario derived from a capture (links and prefixes, the cast and the moves
replay infers, every captured IPv6 packet injected at its time); `simulate` of it puts the same
packets on the links, and its expectations are replay's verdicts on the capture."""

from __future__ import annotations

import argparse
from pathlib import Path

from mip6check.cli.main import fail, os_problem
from mip6check.cli.switches import add_switch_arguments, config_from_args

HELP = "derive a scenario from a capture: every packet injected at its captured time"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Register the subcommand's options."""
    p.add_argument("capture", metavar="CAPTURE", help="a pcap or pcapng file")
    p.add_argument(
        "--out", metavar="FILE.scenario", help="write the scenario here (default: stdout)"
    )
    p.add_argument(
        "--topology", metavar="FILE.toml", help="the cast, as replay --topology takes it"
    )
    p.add_argument("--home-prefix", action="append", default=[], metavar="P", help="a home prefix")
    p.add_argument("--home-agent", action="append", default=[], metavar="A", help="a home agent")
    add_switch_arguments(p)


def run(args: argparse.Namespace) -> int:
    """Print or write the scenario; exit 0 (2 when the capture cannot be read or is too long)."""
    from mip6check.cli.cmd_replay import cast_topology
    from mip6check.model.errors import CaptureError
    from mip6check.properties.derive import derive, render
    from mip6check.properties.derive.scenario import DeriveError
    from mip6check.properties.replay import ReplayOptions, TopologyError

    try:
        topo = cast_topology(args)
    except (TopologyError, ValueError) as e:
        return fail(str(e))
    opts = ReplayOptions(config=config_from_args(args), topology=topo)
    try:
        text = render(derive(args.capture, opts))
    except CaptureError as e:
        return fail(f"{e.path}: {e.reason} (at byte {e.offset})")
    except DeriveError as e:
        return fail(f"{args.capture}: {e}")
    if args.out:
        try:
            Path(args.out).write_text(text, "utf-8")
        except OSError as e:
            return fail(f"{args.out}: {os_problem(e)}")
    else:
        print(text, end="")
    return 0
