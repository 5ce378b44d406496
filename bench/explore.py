"""Search speed and reach of the stateful Hypothesis engine on the clean model: steps per CPU second,
and how much of the rules, Binding Acknowledgement statuses and judged properties the runs reached.

    python bench/explore.py [--budget ci] [--seeds 1 2 3]

One search per seed, without shrinking (nothing should be found on the clean model; a counterexample
is printed and ends the run with exit 1). The CPU column is the process time of this one-threaded run,
so it does not depend on what else the machine runs; the wall column does.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mip6check.properties.explore.coverage import JUDGED  # noqa: E402
from mip6check.properties.explore.machines import explore  # noqa: E402

STATUSES = (0, 128, 129, 130, 131, 132, 133, 134, 135, 136)
"""The Status values of §5.2 a receiver can send."""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--budget", default="ci")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = ap.parse_args()
    rules: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    reached: set[str] = set()
    print(f"{'seed':>4} {'runs':>5} {'steps':>6} {'cpu s':>7} {'wall s':>7} {'steps/cpu s':>11}")
    total_steps, total_cpu = 0, 0.0
    for seed in args.seeds:
        c0, w0 = time.process_time(), time.monotonic()
        o = explore(budget=args.budget, seed=seed, shrink=False)
        cpu, wall = time.process_time() - c0, time.monotonic() - w0
        cov = o.coverage
        total_steps += cov.steps
        total_cpu += cpu
        print(
            f"{seed:>4} {cov.examples:>5} {cov.steps:>6} {cpu:>7.1f} {wall:>7.1f}"
            f" {cov.steps / cpu:>11.0f}"
        )
        if o.failure is not None:
            v = o.failure.violation
            print(f"counterexample on the clean model: {v.property if v else o.failure.error}")
            return 1
        rules.update(cov.rules)
        statuses.update(cov.statuses)
        reached |= {p for p in JUDGED if cov.saw(p)}
    print(f"steps per CPU second: {total_steps / total_cpu:.0f}")
    print(f"rules fired: {len(rules)} ({', '.join(sorted(rules))})")
    sent = [s for s in STATUSES if statuses[s]]
    print(f"BA statuses sent: {len(sent)} of {len(STATUSES)} ({', '.join(map(str, sent))})")
    missing = sorted(set(JUDGED) - reached)
    print(f"judged properties whose judges saw input: {len(reached)} of {len(JUDGED)}")
    print("no input (not tested): " + (", ".join(missing) or "none"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
