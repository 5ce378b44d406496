"""Replay throughput: `mip6check replay` (decode + observers + verdicts) against dpkt parsing the same
capture, in the same run (issue 6 target: at least half of dpkt's parse-only rate).

    python bench/replay.py [--packets 100000] [--keep FILE]

The capture is generated here (Ethernet pcap): home registrations and refreshes of many mobile nodes,
Binding Updates to correspondents with their acknowledgements, Routing-header traffic, tunnelled
packets, and plain UDP. dpkt parses each frame down to the IPv6 upper layer (Ethernet -> IP6 -> data).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mip6check.model.addr import a  # noqa: E402
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
from mip6check.properties.replay import replay_file  # noqa: E402

MAC1, MAC2 = bytes.fromhex("00005e005301"), bytes.fromhex("00005e005302")


def make_capture(path: Path, n: int, mobiles: int = 200) -> None:
    """n packets, 1 ms apart, in cycles of 8 per mobile node: every 8th cycle a refresh (home
    registration, acknowledgement, a tunnelled packet, the Binding Update it triggers to the
    correspondent and its acknowledgement, §8.4, §9.5), otherwise Routing-header traffic, Home Address
    option traffic and plain UDP. A conforming run: replay must find no violation."""
    ha, cn = a("2001:db8:1::1"), a("2001:db8:4::5")
    base_home = int.from_bytes(a("2001:db8:1::"), "big") + 0x1000
    base_coa = int.from_bytes(a("2001:db8:2::"), "big") + 0x1000
    traffic: list[list[bytes]] = []
    for m in range(mobiles):
        home = (base_home + m).to_bytes(16, "big")
        coa = (base_coa + m).to_bytes(16, "big")
        pkts = [
            IPv6Packet(cn, coa, (Routing0(1, (home,)),), UDP(7, 5000, b"y" * 64)),
            IPv6Packet(coa, cn, (dest_options(HomeAddress(home)),), UDP(5000, 7, b"z" * 64)),
            IPv6Packet(cn, ha, (), UDP(80, 5000, b"w" * 64)),
            IPv6Packet(cn, coa, (Routing0(1, (home,)),), UDP(7, 5000, b"v" * 64)),
        ]
        traffic.append([encode_ethernet(MAC1, MAC2, encode_packet(p)) for p in pkts * 2])

    def refresh(m: int, seq: int) -> list[bytes]:
        home = (base_home + m).to_bytes(16, "big")
        coa = (base_coa + m).to_bytes(16, "big")
        hao = HomeAddress(home)
        pkts = [
            IPv6Packet(
                coa,
                ha,
                (
                    AH(1, seq, bytes(12)),
                    dest_options(bu(seq, 600, a=True, h=True, id_length=64), hao),
                ),
            ),
            IPv6Packet(
                ha,
                coa,
                (
                    Routing0(1, (home,)),
                    AH(2, seq, bytes(12)),
                    dest_options(BindingAck(0, seq, 600, 600)),
                ),
            ),
            encapsulate(IPv6Packet(cn, home, (), UDP(7, 5000, b"x" * 64)), ha, coa),
            IPv6Packet(coa, cn, (AH(1, seq, bytes(12)), dest_options(bu(seq, 600, a=True), hao))),
            IPv6Packet(
                cn,
                coa,
                (
                    Routing0(1, (home,)),
                    AH(2, seq, bytes(12)),
                    dest_options(BindingAck(0, seq, 600, 600)),
                ),
            ),
            IPv6Packet(cn, coa, (Routing0(1, (home,)),), UDP(7, 5000, b"y" * 64)),
            IPv6Packet(coa, cn, (dest_options(HomeAddress(home)),), UDP(5000, 7, b"z" * 64)),
            IPv6Packet(cn, ha, (), UDP(80, 5000, b"w" * 64)),
        ]
        return [encode_ethernet(MAC1, MAC2, encode_packet(p)) for p in pkts]

    with path.open("wb") as f:
        w = PcapWriter(f, linktype=1, nanosecond=False)
        i = 0
        cycle = 0
        while i < n:
            for m in range(mobiles):
                frames = refresh(m, (m * 7 + cycle // 8) % 65536) if cycle % 8 == 0 else traffic[m]
                for fr in frames:
                    if i >= n:
                        break
                    w.write(fr, time_us=i * 1000)
                    i += 1
            cycle += 1


def bench_dpkt(path: Path) -> tuple[float, int]:
    import dpkt

    t = time.perf_counter()
    n = 0
    with path.open("rb") as f:
        for _ts, buf in dpkt.pcap.Reader(f):
            eth = dpkt.ethernet.Ethernet(buf)
            ip6 = eth.data
            if isinstance(ip6, dpkt.ip6.IP6):
                _ = (ip6.src, ip6.dst, ip6.nxt, ip6.data)
            n += 1
    return time.perf_counter() - t, n


def bench_replay(path: Path) -> tuple[float, int, int]:
    t = time.perf_counter()
    r = replay_file(str(path))
    return time.perf_counter() - t, r.packets, len(r.violations)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--packets", type=int, default=100_000)
    ap.add_argument("--keep", metavar="FILE", help="write the capture here and keep it")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = Path(args.keep) if args.keep else Path(d) / "bench.pcap"
        make_capture(path, args.packets)
        # interleaved, best of two each: neither side profits from a warm cache or a quiet moment alone
        td, nd = bench_dpkt(path)
        tr, nr, nv = bench_replay(path)
        td2, _ = bench_dpkt(path)
        tr2, _, _ = bench_replay(path)
        td, tr = min(td, td2), min(tr, tr2)
    rd, rr = nd / td, nr / tr
    print(f"capture: {nr} packets ({path.stat().st_size if args.keep else 'temporary'} bytes)")
    print(f"dpkt parse only : {rd:12,.0f} packets/s ({td:.2f} s)")
    print(f"mip6check replay: {rr:12,.0f} packets/s ({tr:.2f} s, {nv} violations)")
    print(f"ratio replay/dpkt: {rr / rd:.2f}x (target >= 0.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
