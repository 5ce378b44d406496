"""`mip6check coverage [--json]`: which normative clauses of the draft each property covers, and which
engines judge each property (derived from the spec registry) (cli-contract.md)."""

from __future__ import annotations

import argparse
import json

from mip6check.cli.main import fail

HELP = (
    "which normative clauses of the draft each property covers, which are uncovered, and which "
    "engines judge each property"
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Register the subcommand's options."""
    form = p.add_mutually_exclusive_group()
    form.add_argument(
        "--json", action="store_true", help="print the table and totals as one line of JSON"
    )
    form.add_argument(
        "--markdown",
        action="store_true",
        help="print the per-section conformance table (section -> modules -> property IDs)",
    )


def run(args: argparse.Namespace) -> int:
    """Print the coverage table; exit 0 when every clause is accounted for, 1 when some are not."""
    from mip6check.properties.coverage import build, render_markdown, render_text

    try:
        report = build()
    except (OSError, ValueError, KeyError) as e:  # missing or corrupt data files
        return fail(f"cannot read the clause data: {e}")
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    elif getattr(args, "markdown", False):
        print(render_markdown(report))
    else:
        print(render_text(report))
    return 1 if report.problems else 0


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry (until cli/main.py registers the subcommand)."""
    p = argparse.ArgumentParser(prog="mip6check coverage", description=HELP)
    add_arguments(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
