"""Big capture through `replay` (issue 7): peak resident memory and throughput per tenth of the file.

    python bench/bigfile.py [--size-mb 2100] [--mobiles 500] [--keep PATH] [--json]

Builds a pcap of at least `--size-mb` MB, streamed to a temporary file (never held in memory): a few
thousand distinct frames made with the codec (per mobile node: home registration and its
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
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from mip6check.model.codec import (  # noqa: E402
    AH,
    UDP,
    BindingAck,
    HomeAddress,
    IPv6Packet,
    Routing0,
    bu,
    dest_options,
    encapsulate,
    encode_packet,
)
from mip6check.model.codec.link import encode_ethernet  # noqa: E402
from mip6check.model.codec.pcap import PcapWriter  # noqa: E402

MAC1, MAC2 = bytes.fromhex("00005e005301"), bytes.fromhex("00005e005302")
HA = bytes.fromhex("20010db8000100000000000000000001")
CN = bytes.fromhex("20010db8000400000000000000000005")
STEP_US = (
    3000  # a frame every 3 ms: with 500 mobile nodes a refresh every 12 s (SLOW_UPDATE_RATE 10 s)
)


def _addr(prefix_hi: int, host: int) -> bytes:
    return ((0x20010DB8 << 96) | (prefix_hi << 80) | host).to_bytes(16, "big")


def _seq_offsets(make: Callable[[int], bytes]) -> list[int]:
    """Offsets of the 16-bit Sequence Number in the frame `make(seq)` builds (found by a diff)."""
    x, y = make(0x0102), make(0xFEFD)
    diff = [i for i in range(len(x)) if x[i] != y[i]]
    assert len(x) == len(y) and len(diff) == 2 and diff[1] == diff[0] + 1, diff
    return [diff[0]]


def templates(mobiles: int) -> list[tuple[bytes, list[int]]]:
    """The distinct frames of one repetition, each with the offsets of its Sequence Number field."""
    out: list[tuple[bytes, list[int]]] = []
    big = b"x" * 1000
    for m in range(mobiles):
        home, coa = _addr(1, 0x1000 + m), _addr(2, 0x1000 + m)
        hao = HomeAddress(home)

        def bu_ha(seq: int, home: bytes = home, coa: bytes = coa, hao: HomeAddress = hao) -> bytes:
            opts = dest_options(bu(seq, 600, a=True, h=True, id_length=64), hao)
            return encode_ethernet(
                MAC1, MAC2, encode_packet(IPv6Packet(coa, HA, (AH(1, 1, bytes(12)), opts)))
            )

        def ba(seq: int, src: bytes, home: bytes = home, coa: bytes = coa) -> bytes:
            ext = (
                Routing0(1, (home,)),
                AH(2, 1, bytes(12)),
                dest_options(BindingAck(0, seq, 600, 600)),
            )
            return encode_ethernet(MAC2, MAC1, encode_packet(IPv6Packet(src, coa, ext)))

        def bu_cn(seq: int, coa: bytes = coa, hao: HomeAddress = hao) -> bytes:
            opts = dest_options(bu(seq, 600, a=True), hao)
            return encode_ethernet(
                MAC1, MAC2, encode_packet(IPv6Packet(coa, CN, (AH(1, 1, bytes(12)), opts)))
            )

        data = [
            encapsulate(IPv6Packet(CN, home, (), UDP(7, 5000, big)), HA, coa),
            IPv6Packet(CN, coa, (Routing0(1, (home,)),), UDP(7, 5000, big)),
            IPv6Packet(coa, CN, (dest_options(hao),), UDP(5000, 7, big)),
            IPv6Packet(CN, HA, (), UDP(80, 5000, b"w" * 200)),
        ]
        fixed = [encode_ethernet(MAC1, MAC2, encode_packet(p)) for p in data]
        out.append((bu_ha(0), _seq_offsets(bu_ha)))
        out.append((ba(0, HA), _seq_offsets(lambda s, ba=ba: ba(s, HA))))
        out.append((fixed[0], []))
        out.append((bu_cn(0), _seq_offsets(bu_cn)))
        out.append((ba(0, CN), _seq_offsets(lambda s, ba=ba: ba(s, CN))))
        out += [(f, []) for f in fixed[1:]]
    return out


def build(path: Path, size: int, mobiles: int = 500) -> int:
    """Stream a pcap of at least `size` octets to `path`; return the number of packets written."""
    tpl = templates(mobiles)
    frames = [bytearray(f) for f, _ in tpl]
    n = 0
    written = 24
    rep = 0
    with path.open("wb", buffering=1 << 20) as f:
        w = PcapWriter(f, linktype=1, nanosecond=False)
        while written < size:
            seq = (rep + 1) & 0xFFFF
            hi, lo = seq >> 8, seq & 0xFF
            for fr, (_, offs) in zip(frames, tpl, strict=True):
                for o in offs:
                    fr[o] = hi
                    fr[o + 1] = lo
                w.write(bytes(fr), time_us=n * STEP_US)
                n += 1
                written += 16 + len(fr)
            rep += 1
    return n


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
