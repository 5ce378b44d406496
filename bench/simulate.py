"""Simulation speed (issue 4): packet hops per second and simulated-to-wall-clock ratio, every hop
through the codec (encode, Ethernet framing, decode at the receiver).

    python bench/simulate.py [--mns 10 100 1000] [--minutes 10]

The network: 10 home links with one home agent each, 50 foreign links with one access router each, 100
correspondents on a core link; N mobile nodes spread over the home agents, each moving every 60
simulated seconds and exchanging one data packet per second with a correspondent. The topology is
written as a scenario and run through the DSL, as users run it. Cost should grow linearly with traffic:
compare the hops/s column across sizes. Target: >= 20,000 hops/s on one core. The core link is
`silent` (no Router Advertisements: routers and correspondents only). Wall-clock rates depend on what
else the machine runs; the CPU columns (process time of this one-threaded run) do not.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mip6check.model.dsl import parse_scenario  # noqa: E402
from mip6check.model.dsl.build import run_scenario  # noqa: E402

HOMES, FOREIGN, CNS = 10, 50, 100


def scenario(mns: int, minutes: int) -> str:
    end = minutes * 60
    lines = [f"link home{h} prefix 2001:db8:{0x100 + h:x}::/64" for h in range(HOMES)]
    lines += [f"link f{f} prefix 2001:db8:{0x200 + f:x}::/64" for f in range(FOREIGN)]
    lines.append("link core prefix 2001:db8:ffff::/64 silent")  # a backbone: no RAs
    lines += [f"home-agent HA{h} on home{h}, core" for h in range(HOMES)]
    lines += [f"router R{f} on f{f}, core" for f in range(FOREIGN)]
    cns = min(CNS, max(1, mns))
    lines += [f"correspondent CN{c} on core legacy" for c in range(cns)]
    for m in range(mns):
        h = m % HOMES
        lines.append(
            f"mobile MN{m} home 2001:db8:{0x100 + h:x}::{0x1000 + m:x} agent HA{h} on f{m % FOREIGN}"
        )
    lines.append("seed 1")
    steps: list[tuple[float, str]] = []
    for m in range(mns):
        start = 10 + (m % 50) / 50  # after the first registrations, staggered
        cn = m % cns
        steps.append(
            (start, f"at {start:.2f}s: send MN{m} -> CN{cn} count {end - 11} every 1s flow {m}")
        )
        for k in range(1, minutes):
            t = 60 * k + (m % 60)
            steps.append((t, f"at {t}s: move MN{m} to f{(m + 7 * k) % FOREIGN}"))
    lines += [text for _, text in sorted(steps)]
    lines.append(f"run until {end}s")
    return "\n".join(lines) + "\n"


def measure(mns: int, minutes: int, log_packets: bool = False) -> tuple[int, float, int, float]:
    """(hops, wall s, frames, CPU s) of building and running the scenario (parsing excluded).
    The packet log is off by default (1,000 nodes for 10 minutes is millions of records)."""
    sc = parse_scenario(scenario(mns, minutes), f"<bench {mns}>")
    c0, t0 = time.process_time(), time.perf_counter()
    run = run_scenario(sc, log_packets=log_packets)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return run.network.hops, wall, run.network.frames, cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--mns", type=int, nargs="+", default=[10, 100, 1000])
    ap.add_argument("--minutes", type=int, default=10)
    ap.add_argument("--log-packets", action="store_true", help="keep tx/rx records in the log")
    args = ap.parse_args()
    print(
        f"{'mobile nodes':>12} {'frames':>10} {'hops':>10} {'wall s':>8} {'hops/s':>10} "
        f"{'sim/wall':>9} {'cpu s':>8} {'hops/cpu s':>10} {'sim/cpu':>8}",
        flush=True,
    )
    sim = args.minutes * 60
    for n in args.mns:
        hops, wall, frames, cpu = measure(n, args.minutes, args.log_packets)
        print(
            f"{n:12d} {frames:10d} {hops:10d} {wall:8.1f} {hops / wall:10,.0f} {sim / wall:9.2f} "
            f"{cpu:8.1f} {hops / cpu:10,.0f} {sim / cpu:8.2f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
