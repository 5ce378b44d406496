"""Big capture through `replay` (issue 7): peak resident memory and throughput per tenth of the file.

    python bench/bigfile.py [--size-mb 2100] [--mobiles 500] [--keep PATH] [--json]

Builds a pcap of at least `--size-mb` MB, streamed to a temporary file (never held in memory) by
bench/_corpus.py's `build`: a few thousand distinct frames made with the codec (per mobile node: home registration and its
acknowledgement, a tunnelled packet, a Binding Update to a correspondent and its acknowledgement,
Routing-header traffic, Home Address option traffic, plain UDP), repeated with timestamps 3 ms apart
and the Sequence Numbers of each repetition patched in place, so the run stays conforming. Then it
replays the file with `properties.replay.replay_file` in this process and reports: the file size and
packet count, the resident memory before the replay and its peak during it (VmHWM, reset after
building), and the packets/s and MB/s of each 10% slice of the file, so a slowdown from start to end
shows. Target: peak RSS under 300 MB, throughput flat (last slice within 25% of the first).
`tests/robustness/test_bigfile.py` runs the same code on 20 MB.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._corpus import STEP_US, build, templates  # noqa: E402

__all__ = ["STEP_US", "build", "templates"]  # the frames come from bench/_corpus.py


def _status(field: str) -> float:
    """A /proc/self/status memory field (VmRSS, VmHWM) in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0), so the peak measured is the replay's own."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def measure(path: Path, packets: int) -> dict[str, object]:
    """Replay `path` and return the figures: RSS before/peak/end, throughput per tenth, verdicts."""
    from mip6check.properties.replay import replay_file

    size = path.stat().st_size
    reset = _reset_peak()
    rss0 = _status("VmRSS")
    # (packets, wall time, CPU time of this process, VmRSS) at each tenth: the CPU rate is the one to
    # compare from slice to slice on a shared machine, the wall rate is what a user sees
    marks: list[tuple[int, float, float, float]] = []
    next_mark = [max(1, packets // 10)]

    def progress(n: int, _t: float) -> None:
        if n >= next_mark[0]:
            marks.append((n, time.monotonic(), time.process_time(), _status("VmRSS")))
            next_mark[0] += max(1, packets // 10)

    t0, c0 = time.monotonic(), time.process_time()
    report = replay_file(str(path), progress=progress)
    t1, c1 = time.monotonic(), time.process_time()
    marks.append((report.packets, t1, c1, _status("VmRSS")))
    slices = []
    prev_n, prev_t, prev_c = 0, t0, c0
    for n, t, c, rss in marks:
        dt, dc = max(t - prev_t, 1e-9), max(c - prev_c, 1e-9)
        pk = n - prev_n
        slices.append(
            {
                "packets": pk,
                "packets_per_s": round(pk / dt),
                "packets_per_cpu_s": round(pk / dc),
                "mb_per_s": round(pk / packets * size / 2**20 / dt, 1),
                "rss_mb": round(rss, 1),
            }
        )
        prev_n, prev_t, prev_c = n, t, c
    slices = [s for s in slices if s["packets"]]
    return {
        "file_bytes": size,
        "packets": report.packets,
        "decoded": report.decoded,
        "undecodable": report.undecodable,
        "violations": len(report.violations),
        "limits_hit": dict(report.limits_hit),
        "seconds": round(t1 - t0, 1),
        "cpu_seconds": round(c1 - c0, 1),
        "packets_per_s": round(report.packets / max(t1 - t0, 1e-9)),
        "rss_before_mb": round(rss0, 1),
        "peak_rss_mb": round(_status("VmHWM"), 1),
        "peak_is_replay_only": reset,
        "rss_end_mb": round(_status("VmRSS"), 1),
        "slices": slices,
    }


def main(argv: list[str] | None = None) -> int:
    """Build, replay, print the figures; exit 1 when peak RSS passes the target."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--size-mb", type=int, default=2100, help="file size at least (default 2100)")
    ap.add_argument(
        "--mobiles", type=int, default=500, help="distinct mobile nodes (8 frames each)"
    )
    ap.add_argument("--keep", metavar="PATH", help="write the capture here and keep it")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    ap.add_argument("--max-rss-mb", type=float, default=300.0)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mip6check-bigfile-") as d:
        path = Path(args.keep) if args.keep else Path(d) / "big.pcap"
        t = time.monotonic()
        n = build(path, args.size_mb * 2**20, args.mobiles)
        built = time.monotonic() - t
        fig = measure(path, n)
        fig["build_seconds"] = round(built, 1)
    if args.json:
        print(json.dumps(fig))
    else:
        print(
            f"file: {fig['file_bytes'] / 2**30:.2f} GiB, {fig['packets']:,} packets "
            f"(built in {fig['build_seconds']} s)"
        )
        print(
            f"replay: {fig['seconds']} s ({fig['cpu_seconds']} s CPU), "
            f"{fig['packets_per_s']:,} packets/s, "
            f"{fig['violations']} violations, limits hit {fig['limits_hit']}"
        )
        print(
            f"RSS: {fig['rss_before_mb']} MB before, peak {fig['peak_rss_mb']} MB, "
            f"{fig['rss_end_mb']} MB at the end (target < {args.max_rss_mb:g} MB)"
        )
        for i, s in enumerate(fig["slices"]):  # type: ignore[arg-type]
            print(
                f"  slice {i + 1:2}: {s['packets_per_s']:>9,} packets/s {s['mb_per_s']:>7} MB/s"
                f"  {s['packets_per_cpu_s']:>9,} packets/CPU-s  RSS {s['rss_mb']} MB"
            )
    return 0 if float(fig["peak_rss_mb"]) < args.max_rss_mb else 1  # type: ignore[arg-type]


if __name__ == "__main__":
    sys.exit(main())
