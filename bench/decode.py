"""Decode speed, side by side on one file: mip6check's full decode vs dpkt, Scapy and tshark.

    python bench/decode.py [--packets 100000] [--scapy-sample 5000] [--runs 3]

Prints packets per second for each and the ratios. Targets: mip6check >= dpkt (which parses shallowly
and lazily), and >= 10x Scapy; the whole `mip6check decode --json` process (rendering and output
included) >= dpkt in-process. tshark is timed when installed (a whole process, full dissection -V).

The process ratio is measured `--runs` times, each run timing dpkt and then the command, once as a
user runs it (its default: one worker process per core, each reading its own ranges of the file) and
once with `--workers 1` (in one process): in CPU time (this process's and its children's, the
workers included: what the decode costs whatever else the machine runs) and in wall time (what a
user waits; on a loaded machine the workers wait for a core too). Each run prints both ratios;
the summary gives their median and range per way of running.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._corpus import frames  # noqa: E402
from mip6check.model.codec import decode_packet  # noqa: E402
from mip6check.model.codec.link import decode_link  # noqa: E402
from mip6check.model.codec.pcap import PcapWriter, Record, iter_file  # noqa: E402
from mip6check.model.errors import DecodeError  # noqa: E402
from mip6check.properties.parallel import default_workers  # noqa: E402


def build(path: str, n: int) -> None:
    with open(path, "wb") as f:
        w = PcapWriter(f, linktype=1, nanosecond=False)
        for i, fr in enumerate(frames(n)):
            w.write(fr, time_us=i * 1000)


def ours(path: str) -> int:
    n = 0
    for rec in iter_file(path):
        if not isinstance(rec, Record):
            continue
        lf = decode_link(rec.linktype, rec.data)
        if lf.ipv6_offset is None:
            continue
        try:
            decode_packet(rec.data[lf.ipv6_offset :], base_offset=lf.ipv6_offset)
        except DecodeError:
            pass
        n += 1
    return n


def with_dpkt(path: str) -> int:
    import dpkt

    n = 0
    with open(path, "rb") as f:
        for _ts, buf in dpkt.pcap.Reader(f):
            eth = dpkt.ethernet.Ethernet(buf)
            _ = eth.data  # IPv6 with its extension headers parsed by dpkt's constructor
            n += 1
    return n


def with_scapy(path: str, limit: int) -> int:
    from scapy.layers.l2 import Ether

    n = 0
    for rec in iter_file(path):
        if not isinstance(rec, Record):
            continue
        Ether(rec.data)
        n += 1
        if n >= limit:
            break
    return n


_ENV: dict[str, str] = dict(os.environ)


def installed_env(cache: str) -> None:
    """Run the command as installed: an installed package (a wheel: pip compiles its bytecode, as it
    did dpkt's) starts from cached bytecode, where an environment with PYTHONDONTWRITEBYTECODE set
    (this checkout's may be) compiles every module of the command anew at each start. The bytecode
    goes to `cache` (PYTHONPYCACHEPREFIX), never into the source tree; the first run writes it."""
    _ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    _ENV["PYTHONPYCACHEPREFIX"] = cache


def cli_json(path: str, workers: int | None = None) -> int:
    """The whole `mip6check decode --json` process (start-up, decode, rendering, output to a pipe
    that is read and thrown away), as a user runs it: with its default workers (one per core), or
    `--workers N` (1: in one process). Its workers are its children, waited for, so their CPU time
    is counted in the RUSAGE_CHILDREN of this process."""
    extra = [] if workers is None else ["--workers", str(workers)]
    proc = subprocess.run(
        [sys.executable, "-m", "mip6check.cli.main", "decode", "--json", path, *extra],
        stdout=subprocess.PIPE,
        check=True,
        env=_ENV,
    )
    return proc.stdout.count(b"\n")


def with_tshark(path: str) -> int | None:
    exe = shutil.which("tshark")
    if exe is None:
        return None
    subprocess.run(
        [exe, "-n", "-r", path, "-V"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    return -1


def timed(fn, *args):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    n = fn(*args)
    return n, time.perf_counter() - t0


def cpu_timed(fn, *args):  # type: ignore[no-untyped-def]
    """(result, CPU seconds) of this process and of the children it waited for: on a machine shared
    with other work, wall time measures the load as much as the code."""
    import resource

    def cpu() -> float:
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    t0 = cpu()
    n = fn(*args)
    return n, cpu() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--packets", type=int, default=100_000)
    ap.add_argument("--scapy-sample", type=int, default=5_000)
    ap.add_argument("--no-tshark", action="store_true")
    ap.add_argument("--runs", type=int, default=3, help="side-by-side runs of the process ratio")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "mip6.pcap")
        build(path, args.packets)
        installed_env(os.path.join(tmp, "pycache"))
        cli_json(path, 1)  # writes the bytecode cache
        size = os.path.getsize(path)
        print(f"capture: {args.packets} packets, {size / 1e6:.1f} MB")
        rates: dict[str, float] = {}
        n, s = timed(ours, path)
        rates["mip6check (full decode)"] = n / s
        n, s = timed(with_dpkt, path)
        rates["dpkt (shallow parse)"] = n / s
        n, s = timed(cli_json, path)
        rates["mip6check decode --json (process)"] = n / s
        n, s = timed(with_scapy, path, args.scapy_sample)
        rates[f"scapy (first {n})"] = n / s
        if not args.no_tshark:
            got, s = timed(with_tshark, path)
            if got is not None:
                rates["tshark -V (whole process)"] = args.packets / s
        base = rates["mip6check (full decode)"]
        for name, r in rates.items():
            print(f"{name:36s} {r:12,.0f} packets/s   mip6check/this = {base / r:6.2f}x")
        # the whole decode --json process against dpkt in-process, side by side, several times, in
        # one process (--workers 1) and with the default workers: in CPU time (what the code costs,
        # whatever the load; the workers' time summed in) and in wall time (what a user waits)
        print(
            f"decode --json process / dpkt in-process, {args.runs} runs (>= 1.00 is the target), "
            f"{default_workers()} cores, load average {os.getloadavg()[0]:.2f} at the start:"
        )
        ratios: dict[str, tuple[list[float], list[float]]] = {"1": ([], []), "default": ([], [])}
        for run in range(1, args.runs + 1):
            for label, workers in (("1", 1), ("default", None)):
                n_d, c_d = cpu_timed(with_dpkt, path)
                n_c, c_c = cpu_timed(cli_json, path, workers)
                _, w_d = timed(with_dpkt, path)
                _, w_c = timed(cli_json, path, workers)
                assert n_d == n_c == args.packets, (n_d, n_c)
                cpu_r, wall_r = ratios[label]
                cpu_r.append(c_d / c_c)
                wall_r.append(w_d / w_c)
                print(
                    f"  run {run}, --workers {label:7s}: CPU {c_c:.2f} s vs {c_d:.2f} s = "
                    f"{cpu_r[-1]:.2f}x;  wall {w_c:.2f} s vs {w_d:.2f} s = {wall_r[-1]:.2f}x;  "
                    f"load {os.getloadavg()[0]:.2f}"
                )
        for label, (cpu_r, wall_r) in ratios.items():
            print(
                f"decode --json --workers {label} / dpkt in-process: CPU "
                f"{statistics.median(cpu_r):.2f}x (median of {args.runs}; range "
                f"{min(cpu_r):.2f}-{max(cpu_r):.2f}), wall {statistics.median(wall_r):.2f}x "
                f"(range {min(wall_r):.2f}-{max(wall_r):.2f})"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
