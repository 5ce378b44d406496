"""Big capture through the reader and `decode` (issue 7, capture-reading part): memory and flat throughput.

    python bench/bigread.py [--size-gb 2] [--keep PATH] [--read-only]

Writes a pcapng of at least `--size-gb` GB (streaming, Mobile IPv6 signalling and tunnelled data
frames built with the codec), then runs `mip6check decode --json FILE > /dev/null` as a child process
and reports its peak resident memory, and, in this process, decodes the file again while timing each
tenth of it, so a slowdown from start to end would show. Not a test: prints figures for the README.
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

from mip6check.cli.cmd_decode import decode_path  # noqa: E402
from mip6check.cli.render import record_json  # noqa: E402
from mip6check.model.codec import UDP, IPv6Packet, encapsulate, encode_packet  # noqa: E402
from mip6check.model.codec.link import encode_ethernet  # noqa: E402
from mip6check.model.codec.pcap import PcapngWriter, iter_file  # noqa: E402
from tools.make_examples import CN, COA, HA, HOME, MAC_MN, MAC_R2, packets  # noqa: E402


def frames() -> list[bytes]:
    """The example's five frames, then eight ~1,000-octet tunnelled data packets (most of a real capture)."""
    out = [encode_ethernet(src, dst or MAC_MN, encode_packet(p)) for _, _, src, dst, p in packets()]
    data = encapsulate(IPv6Packet(CN, HOME, (), UDP(5000, 7, bytes(900))), HA, COA)
    out += [encode_ethernet(MAC_R2, MAC_MN, encode_packet(data))] * 8
    return out


def build(path: str, size: int) -> int:
    fr = frames()
    n = 0
    written = 0
    with open(path, "wb", buffering=1 << 20) as f:
        w = PcapngWriter(f)
        w.add_interface("foreign")
        while written < size:
            for x in fr:
                w.write(0, x, time_us=n * 100)
                n += 1
                written += 32 + len(x) + (-len(x) % 4)
    return n


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-gb", type=float, default=2.0)
    ap.add_argument("--keep", metavar="PATH", help="write the capture here and keep it")
    ap.add_argument("--read-only", action="store_true", help="time the reader alone, not decode")
    args = ap.parse_args()
    path = args.keep or tempfile.mktemp(suffix=".pcapng")  # noqa: S306 - bench scratch file
    t = time.perf_counter()
    n = build(path, int(args.size_gb * 1e9))
    size = os.path.getsize(path)
    print(f"built {path}: {size / 1e9:.2f} GB, {n:,} records in {time.perf_counter() - t:.0f} s")
    try:
        t = time.perf_counter()
        with open(os.devnull, "w") as null:
            rc = subprocess.run(
                [sys.executable, "-m", "mip6check.cli.main", "decode", "--json", path],
                stdout=null,
                cwd=ROOT,
                check=False,
            ).returncode
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        dt = time.perf_counter() - t
        print(
            f"mip6check decode --json: exit {rc}, {dt:.0f} s, {n / dt:,.0f} records/s, "
            f"peak RSS {child:.0f} MB"
        )
        tenth = max(1, n // 10)
        rates = []
        peak = 0.0
        t = time.perf_counter()
        items = iter_file(path) if args.read_only else decode_path(path)
        encode = json.JSONEncoder().encode
        for i, d in enumerate(items, 1):
            if not args.read_only:
                encode(record_json(d))  # type: ignore[arg-type]
            if i % tenth == 0:
                now = time.perf_counter()
                rates.append(tenth / (now - t))
                peak = max(peak, rss_mb())
                t = now
        what = "reader" if args.read_only else "decode + JSON"
        print(
            f"in-process {what}, records/s per tenth of the file: "
            + " ".join(f"{r:,.0f}" for r in rates)
        )
        print(f"in-process RSS peak {peak:.0f} MB; last/first tenth {rates[-1] / rates[0]:.2f}")
    finally:
        if not args.keep:
            os.unlink(path)


if __name__ == "__main__":
    main()
