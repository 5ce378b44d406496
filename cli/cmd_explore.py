"""`mip6check explore [--property ID] [--out DIR] [--seed N] [--budget ci|long] [--mutant NAME]`.

A longer stateful Hypothesis search over the forwarding engine, aimed at one monitored property or at
all of them (properties/explore/machines.py). A counterexample is written to DIR as a `.scenario`
(replayable with `mip6check simulate`), a pcapng and an HTML message sequence chart. Exit 1 when one
was found, 0 when not, 2 on a bad property ID or mutant name (one stderr line). For a fixed seed (or
no seed: derandomised) the output and the files are byte-identical from run to run: no wall-clock
times are printed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from mip6check.cli.main import fail
from mip6check.cli.workers import add_worker_arguments, open_executor, worker_count
from mip6check.properties.explore.machines import BUDGETS
from mip6check.properties.mutants import BY_NAME

HELP = (
    "search for counterexamples; write each as a scenario file, a pcap and a message sequence chart"
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Register the subcommand's options."""
    p.add_argument("--property", metavar="ID", help="aim at one monitored property (default: all)")
    p.add_argument(
        "--out",
        metavar="DIR",
        default="explore-out",
        help="where a counterexample is written (default: explore-out)",
    )
    p.add_argument("--seed", type=int, default=None, help="search seed (default: derandomised)")
    p.add_argument(
        "--budget",
        choices=tuple(BUDGETS),
        default="long",
        help="search effort (default: long): "
        + "; ".join(
            f"{b.name}: {b.max_examples} runs of {b.steps} steps" for b in BUDGETS.values()
        ),
    )
    p.add_argument(
        "--mutant",
        metavar="NAME",
        help="run against a deliberately broken model, one of: " + ", ".join(BY_NAME),
    )
    p.add_argument("--json", action="store_true", help="print the outcome as one line of JSON")
    p.add_argument(
        "--seeds",
        metavar="K",
        type=int,
        default=1,
        help="search K seeds (--seed, --seed+1, ...; from 0 without --seed) side by side; the "
        "first counterexample in seed order wins (default 1)",
    )
    p.add_argument(
        "--from",
        dest="from_capture",
        metavar="CAPTURE[:PACKET]",
        help="start from the state a capture reached, up to and including frame PACKET (default: "
        "the whole capture): the model plays its home agent and correspondents, fed its packets",
    )
    add_worker_arguments(p, "seeds")


def _from_lines(start: dict[str, Any]) -> list[str]:
    """How a run from a capture starts: the prefix taken, who plays each role, and BMC's status."""
    left = ", ".join(f"{n} {why}" for why, n in start["left_out"].items())
    out = [
        f"from {start['capture']} up to packet {start['packet']} of {start['frames']}: "
        f"{start['injected']} packets injected at their captured times + 1 s"
        + (f" (left out: {left})" if left else ""),
    ]
    out += [f"  {r['who']}: {r['how']}" for r in start["roles"]]
    out.append(f"  BMC {start['bmc']}")
    return out


def _lines(summary: dict[str, Any]) -> list[str]:
    cov = summary["coverage"]
    out = [
        f"explore: budget {summary['budget']}, seed {summary['seed']}"
        + (f", mutant {summary['mutant']}" if summary["mutant"] else "")
        + f", properties {summary['properties']}",
        *(_from_lines(summary["from"]) if summary.get("from") else []),
        f"runs {cov['examples']}, steps {cov['steps']}",
        "rules fired: " + ", ".join(f"{k} {v}" for k, v in cov["rules"].items()),
        "BA statuses sent: "
        + (", ".join(f"{k} x{v}" for k, v in cov["ba_statuses"].items()) or "none"),
        "Binding Updates ignored (§7.2): "
        + (", ".join(f"{k} x{v}" for k, v in cov["ignored_reasons"].items()) or "none"),
        "BA outcomes at mobile nodes (§9.10): "
        + (", ".join(f"{k} x{v}" for k, v in cov["ba_outcomes"].items()) or "none"),
    ]
    seen = [p for p, n in cov["property_inputs"].items() if n and p in summary["aimed"]]
    unseen = [p for p, n in cov["property_inputs"].items() if not n and p in summary["aimed"]]
    out.append("monitors that saw input: " + (", ".join(seen) or "none"))
    out.append("monitors that saw no input (not tested): " + (", ".join(unseen) or "none"))
    ce = summary["counterexample"]
    if ce is None:
        out.append("no counterexample found")
    else:
        v = summary["violation"]
        out.append(
            f"COUNTEREXAMPLE: {v['property']} (§{v['section']}, {v['level']}) at {v['node']}: "
            f"{v['message']}"
        )
        out.append(
            f"  {ce['steps']} steps; scenario {ce['scenario']}, pcap {ce['pcap']}, chart {ce['msc']}"
        )
        out.extend(_recheck_lines(ce["recheck"], v["property"], summary["mutant"]))
    return out


def _recheck_lines(check: dict[str, Any], pid: str, mutant: str | None) -> list[str]:
    """How the written counterexample was judged again (re-simulated, its capture replayed)."""
    model = f"mutant {mutant}" if mutant else "the model"
    if not check["confirmed"]:
        return [f"  NOT CONFIRMED when re-run under {model}:"] + [
            f"    {p}" for p in check["problems"]
        ]
    if check["frame"] is not None:
        shown = f"shows it at packet {check['frame']}, and nothing else"
    else:
        shown = "shows nothing else (the breach is in a node's state, not on the wire)"
    return [
        f"  confirmed: re-simulated under {model}, {pid} breaks again; its capture replayed {shown}"
    ]


def run(args: argparse.Namespace) -> int:
    """Search; print the outcome and coverage; write the counterexample if one is found."""
    from mip6check.properties.catalog import UnknownPropertyError, get
    from mip6check.properties.explore.counterexample import write_counterexample
    from mip6check.properties.explore.machines import JUDGED, SearchInterrupted, explore

    aimed: frozenset[str] | None = None
    if args.property is not None:
        try:
            get(args.property)
        except UnknownPropertyError as e:
            return fail(f"explore: {e}")
        if args.property not in JUDGED:
            return fail(
                f"explore: {args.property} is judged by no runtime monitor or observer;"
                " see mip6check coverage"
            )
        aimed = frozenset({args.property})
    mutant = None
    if args.mutant is not None:
        mutant = BY_NAME.get(args.mutant)
        if mutant is None:
            return fail(f"explore: unknown mutant {args.mutant!r} (known: {', '.join(BY_NAME)})")
    from mip6check.properties.parallel import ClusterError

    searched: list[int] | None = None
    if args.seeds < 1:
        return fail("explore: --seeds must be at least 1")
    try:
        worker_count(args)
    except ValueError as e:
        return fail(f"explore: {e}")
    start = None
    if args.from_capture is not None:
        if args.seeds != 1:
            return fail("explore: --from searches one seed at a time (--seeds 1)")
        start, problem = _start(args.from_capture)
        if problem is not None:
            return fail(f"explore: --from {problem}")
    try:
        if args.seeds != 1:
            outcome, searched = _many_seeds(args, aimed)
        else:
            outcome = explore(
                properties=aimed, budget=args.budget, seed=args.seed, mutant=mutant, start=start
            )
    except ClusterError as e:
        return fail(f"explore: {e}")
    except SearchInterrupted as stop:  # a partial report, marked so; main() exits 130
        cov = stop.outcome.coverage.to_json()
        if args.json:
            print(json.dumps({"interrupted": True, "coverage": cov}, sort_keys=True))
        else:
            print(
                f"INTERRUPTED after {cov['examples']} runs, {cov['steps']} steps:"
                " no verdict (the search did not finish)"
            )
        raise
    ce = None
    violation = None
    if outcome.failure is not None:
        try:
            ce = write_counterexample(outcome.failure, Path(args.out))
        except OSError as e:
            return fail(f"explore: {e.filename or args.out}: cannot write: {e.strerror or e}")
        shown = ce.pop("violation", None)  # the violation as its own capture shows it
        if shown is not None:
            violation = shown
        elif outcome.failure.violation is not None:
            violation = outcome.failure.violation.to_json()
        else:
            violation = {
                "property": "-",
                "section": "-",
                "level": "-",
                "node": "-",
                "message": f"the engine raised: {outcome.failure.error}",
            }
    summary = {
        "budget": args.budget,
        "seed": args.seed if args.seed is not None else "derandomised",
        **({} if searched is None else _seeds_fields(searched, outcome)),
        "mutant": args.mutant,
        **({"from": start.to_json()} if start is not None else {}),
        "properties": args.property or "all monitored",
        "aimed": sorted(aimed) if aimed is not None else list(JUDGED),
        "coverage": outcome.coverage.to_json(),
        "counterexample": ce,
        "violation": violation,
    }
    if args.json:
        print(json.dumps(summary, sort_keys=True))
    else:
        print("\n".join(_lines(summary)))
    if ce is not None:
        return 1
    if outcome.coverage.examples == 0:
        return fail("explore: the search ran 0 examples: nothing was checked")
    return 0


def _start(spec: str) -> tuple[Any, str | None]:
    """The start of a run from `CAPTURE[:PACKET]`, or why there is none (one line, with the byte
    offset when the capture cannot be read)."""
    from mip6check.model.errors import CaptureError
    from mip6check.properties.derive.scenario import DeriveError
    from mip6check.properties.explore.from_capture import FromCaptureError, parse_from, start_from

    try:
        path, packet = parse_from(spec)
        return start_from(path, packet), None
    except CaptureError as e:
        return None, f"{e.path}: {e.reason} (at byte {e.offset})"
    except (DeriveError, FromCaptureError) as e:
        return None, str(e)
    except OSError as e:
        return None, f"{spec}: {e.strerror or e}"


def _many_seeds(args: argparse.Namespace, aimed: frozenset[str] | None) -> tuple[Any, list[int]]:
    """--seeds K: the searches side by side (properties/explore_seeds.py); the outcome of the first
    seed that fails (coverage summed up to it), or of none, and the seeds searched."""
    from mip6check.properties.explore.machines import Outcome
    from mip6check.properties.explore_seeds import SeedJob, explore_seeds

    base = args.seed if args.seed is not None else 0
    jobs = [SeedJob(base + k, aimed, args.budget, args.mutant) for k in range(args.seeds)]
    with open_executor(args) as ex:
        got = explore_seeds(ex, jobs)
    if got.winner is not None:
        outcome = Outcome(got.winner.failure, got.coverage, 0.0, args.budget, got.seed)
    else:
        outcome = Outcome(None, got.coverage, 0.0, args.budget, None)
    return outcome, list(got.searched)


def _seeds_fields(searched: list[int], outcome: Any) -> dict[str, Any]:
    """The summary's seed fields for --seeds: the seed searched, or the one that found it."""
    seed: Any = outcome.seed if outcome.failure is not None else f"{searched[0]}..{searched[-1]}"
    return {"seed": seed, "seeds": searched}
