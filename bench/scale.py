"""Scaling past one core: replay of many captures with 1 worker, 2 local workers and a 2-worker Dask
LocalCluster; one large capture sharded by mobile node; side by side in one run, ratios printed.

    python bench/scale.py [--captures 20] [--packets 50000] [--big 1000000] [--no-dask]
    python bench/scale.py --memory 120000     # peak memory per worker on hostile captures
    python bench/scale.py --checks 4          # verify and explore, 1 worker against 2

The captures are the mixed Mobile IPv6 traffic of bench/_corpus.py (home registrations and
acknowledgements, tunnelled and route-optimised data, Neighbor Discovery of 1,000 mobile nodes), one
seed per capture. Every configuration must give the same verdicts; the script fails when not.
The machine's load average is printed with the figures: other work on the cores depresses ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _corpus import frames  # noqa: E402

from mip6check.model.addr import a  # noqa: E402
from mip6check.model.codec import (  # noqa: E402
    AH,
    HomeAddress,
    IPv6Packet,
    bu,
    dest_options,
    encode_packet,  # noqa: E402
)
from mip6check.model.codec.pcap import PcapWriter  # noqa: E402
from mip6check.properties.parallel import executor, run_ordered  # noqa: E402
from mip6check.properties.replay import Limits, ReplayOptions, ReplayReport  # noqa: E402
from mip6check.properties.replay_many import ReplayJob, replay_job  # noqa: E402
from mip6check.properties.shard import replay_sharded  # noqa: E402


def write_capture(path: Path, n: int, seed: int) -> None:
    with path.open("wb") as f:
        w = PcapWriter(f)
        t = 1_000_000_000 * seed
        for i, frame in enumerate(frames(n, seed)):
            w.write(frame, time_ns=t + i * 200_000)


def verdicts(outcomes: list[object]) -> str:
    return "\n".join(json.dumps(o.to_json(), sort_keys=True) for o in outcomes)  # type: ignore[attr-defined]


def replay_all(
    files: list[str], workers: int, cluster: str | None = None
) -> tuple[float, str, int]:
    opts = ReplayOptions()
    t0 = time.perf_counter()
    with executor(workers, cluster) as ex:
        out = list(run_ordered(ex, replay_job, [ReplayJob(f, opts) for f in files]))
    dt = time.perf_counter() - t0
    packets = sum(o.packets for o in out if isinstance(o, ReplayReport))
    return dt, verdicts(out), packets


def hostile(path: Path, homes: int, salt: int) -> None:
    """Home registrations from `homes` distinct home addresses: past the default tracking limits
    (50,000 nodes and bindings), the most state a replay worker can be made to hold."""
    ha = a("2001:db8:1::1")
    base_home = int.from_bytes(a("2001:db8:1::"), "big") + (salt << 32)
    base_coa = int.from_bytes(a("2001:db8:2::"), "big") + (salt << 32)
    with path.open("wb") as f:
        w = PcapWriter(f, linktype=229)
        for k in range(homes):
            home, coa = (base_home + k).to_bytes(16, "big"), (base_coa + k).to_bytes(16, "big")
            opts = dest_options(bu(5, 60, a=True, h=True, id_length=64), HomeAddress(home))
            w.write(encode_packet(IPv6Packet(coa, ha, (AH(1, k, bytes(12)), opts))), time_ms=k)


def memory(homes: int) -> int:
    """Peak resident memory of the largest process of `replay --workers 2` on two hostile captures,
    and of `replay --shard-by mn` on one (resource.getrusage of the finished child processes)."""
    with tempfile.TemporaryDirectory(prefix="mip6check-hostile-") as tmp:
        files = [Path(tmp) / f"hostile{i}.pcap" for i in (1, 2)]
        for i, f in enumerate(files):
            hostile(f, homes, i)
        cli = [sys.executable, "-m", "mip6check.cli.main", "replay"]
        for argv in ([*map(str, files), "--workers", "2"], [str(files[0]), "--shard-by", "mn"]):
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            p = subprocess.run([*cli, *argv, "--json"], capture_output=True, text=True)
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            reached = [json.loads(x)["limits_reached"] for x in p.stdout.splitlines()]
            print(
                f"replay {' '.join(argv[-2:])} on {homes:,} home addresses per capture: exit "
                f"{p.returncode}, limits reached {reached}, peak resident of the largest process "
                f"{peak / 1024:.0f} MB" + ("" if peak > before else " (no new peak)")
            )
    return 0


def checks(seeds: int) -> int:
    """`verify` wall time with 2 workers against 1 (engines side by side, same report), and explore
    counterexamples per minute: every seed of a mutant's search, 1 worker against 2."""
    from mip6check.properties.explore_seeds import SeedJob, explore_job

    cli = [sys.executable, "-m", "mip6check.cli.main", "verify", "--no-timing", "--json"]
    out = {}
    for n in (1, 2):
        t0 = time.perf_counter()
        p = subprocess.run([*cli, "--workers", str(n)], capture_output=True, text=True)
        out[n] = (time.perf_counter() - t0, p.stdout, p.returncode)
    same = out[1][1:] == out[2][1:]
    print(
        f"verify: 1 worker {out[1][0]:.1f} s, 2 workers {out[2][0]:.1f} s, "
        f"{out[1][0] / out[2][0]:.2f}x; reports {'identical' if same else 'DIFFERENT'}"
    )
    jobs = [SeedJob(s, None, "test", "seq-ge") for s in range(seeds)]
    rate = {}
    for n in (1, 2):
        t0 = time.perf_counter()
        with executor(n) as ex:
            found = sum(o.failure is not None for o in run_ordered(ex, explore_job, jobs))
        dt = time.perf_counter() - t0
        rate[n] = found / dt * 60
        print(
            f"explore, mutant seq-ge, {seeds} seeds, budget test, {n} worker(s): {found} "
            f"counterexamples in {dt:.0f} s = {rate[n]:.2f} per minute"
        )
    print(f"explore speed-up: {rate[2] / rate[1]:.2f}x" if rate[1] else "explore: none found")
    print(f"load average: {os.getloadavg()[0]:.2f}")
    return 0 if same else 1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--captures", type=int, default=20)
    ap.add_argument("--packets", type=int, default=50_000, help="packets per capture")
    ap.add_argument("--big", type=int, default=1_000_000, help="packets of the sharded capture")
    ap.add_argument("--no-dask", action="store_true", help="skip the LocalCluster run")
    ap.add_argument(
        "--memory",
        type=int,
        metavar="HOMES",
        help="only measure worker memory on hostile captures of HOMES home addresses each",
    )
    ap.add_argument(
        "--checks",
        type=int,
        metavar="SEEDS",
        help="only time verify (1 vs 2 workers) and explore over SEEDS seeds of a mutant",
    )
    ap.add_argument("--shard-only", action="store_true", help="only the sharded capture")
    args = ap.parse_args()
    if args.memory:
        return memory(args.memory)
    if args.checks:
        return checks(args.checks)

    with tempfile.TemporaryDirectory(prefix="mip6check-scale-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        files = []
        for s in range(0 if args.shard_only else args.captures):
            p = work / f"c{s:02d}.pcap"
            write_capture(p, args.packets, s + 1)
            files.append(str(p))
        big = work / "big.pcap"
        write_capture(big, args.big, 99)
        print(
            f"generated {len(files)} x {args.packets} + {args.big} packets in "
            f"{time.perf_counter() - t0:.0f} s"
        )
        print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")

        if not args.shard_only:
            many(files, args.no_dask)
        return sharded(big, args.big)


def many(files: list[str], no_dask: bool) -> None:
    """The captures with 1 worker, 2 local workers and a 2-worker LocalCluster."""
    rows = []
    t1, v1, packets = replay_all(files, 1)
    rows.append(("1 worker (in process)", t1, packets))
    t2, v2, _ = replay_all(files, 2)
    assert v2 == v1, "2 workers changed the verdicts"
    rows.append(("2 local workers", t2, packets))
    if not no_dask:
        from distributed import LocalCluster

        with LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            memory_limit="1GiB",
        ) as cluster:
            td, vd, _ = replay_all(files, 2, cluster.scheduler_address)
        assert vd == v1, "the Dask cluster changed the verdicts"
        rows.append(("2-worker Dask LocalCluster", td, packets))
    print(f"\nreplay of {len(files)} captures, {packets:,} packets")
    for name, t, n in rows:
        print(f"  {name:28s} {t:7.1f} s  {n / t:9,.0f} packets/s  {t1 / t:5.2f}x")


def sharded(big: Path, n: int) -> int:
    """One large capture unsharded (1 worker) and --shard-by mn (2 workers): time and agreement."""
    # every violation kept (the mix has one in six packets, past the default cap of 100,000)
    opts = ReplayOptions(limits=Limits(max_violations=10**7))
    t0 = time.perf_counter()
    with executor(1) as ex:
        (plain,) = list(run_ordered(ex, replay_job, [ReplayJob(str(big), opts)]))
    tp = time.perf_counter() - t0
    t0 = time.perf_counter()
    with executor(2) as ex:
        sharded = replay_sharded(ex, str(big), opts)
    ts = time.perf_counter() - t0
    same = plain.to_json() == sharded.to_json()  # type: ignore[union-attr]
    print(f"\none capture of {n:,} packets")
    print(f"  unsharded, 1 worker          {tp:7.1f} s")
    print(
        f"  --shard-by mn, 2 workers     {ts:7.1f} s  {tp / ts:5.2f}x  "
        f"verdicts {'identical' if same else 'DIFFERENT'}"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
