"""The one generator of Mobile IPv6 traffic for the benchmarks, built with the project's own codec.

The packets of a mobile node away from home, written once (`registration`, `acknowledgement`,
`correspondent_update`, `tunnelled`, `via_routing_header`, `with_home_address`, `plain`), and the
three ways the benchmarks lay them out:

- `packets(n, seed)` / `frames(n, seed)`: a reproducible mix with random payloads and ND
  (bench/decode.py, bench/scale.py, tests/cli/test_decode_lines.py);
- `make_capture(path, n, mobiles)`: a conforming run in cycles of eight packets per mobile node,
  every eighth cycle a refresh (bench/replay.py);
- `templates(mobiles)` / `build(path, size, mobiles)`: a few thousand distinct frames repeated with
  their Sequence Numbers patched in place, streamed to a file of any size (bench/bigfile.py,
  tests/robustness/test_bigfile.py).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

from mip6check.model.addr import a
from mip6check.model.codec import bu, dest_options, encapsulate, encode_packet
from mip6check.model.codec.link import encode_ethernet
from mip6check.model.codec.pcap import PcapWriter
from mip6check.model.codec.values import (
    AH,
    UDP,
    BindingAck,
    HomeAddress,
    IPv6Packet,
    NeighborAdvertisement,
    NeighborSolicitation,
    NoNextHeader,
    Routing0,
    SourceLLA,
    TargetLLA,
)

HA = a("2001:db8:1::1")
CN = a("2001:db8:4::5")
MN_LLA, HA_LLA = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")  # packets()/frames()
MAC1, MAC2 = bytes.fromhex("00005e005301"), bytes.fromhex("00005e005302")  # the capture builders

# ---------------------------------------------------------------- one mobile node's packets


def registration(
    home: bytes, coa: bytes, seq: int, ah: AH, *, ha: bytes = HA, lifetime: int = 600
) -> IPv6Packet:
    """A home registration (§5.1, §9.3): Binding Update with A, H and prefix length 64 from the
    care-of address, with a Home Address option, under AH."""
    opts = dest_options(bu(seq, lifetime, a=True, h=True, id_length=64), HomeAddress(home))
    return IPv6Packet(coa, ha, (ah, opts), NoNextHeader())


def acknowledgement(
    src: bytes,
    home: bytes,
    coa: bytes,
    seq: int,
    ah: AH,
    *,
    lifetime: int = 600,
    refresh: int = 600,
) -> IPv6Packet:
    """A Binding Acknowledgement (status 0) to the care-of address, via a Routing header (§5.2)."""
    ext = (Routing0(1, (home,)), ah, dest_options(BindingAck(0, seq, lifetime, refresh)))
    return IPv6Packet(src, coa, ext, NoNextHeader())


def correspondent_update(
    home: bytes, coa: bytes, seq: int, ah: AH, *, cn: bytes = CN
) -> IPv6Packet:
    """A Binding Update with A to a correspondent, with a Home Address option, under AH (§9.5)."""
    opts = dest_options(bu(seq, 600, a=True), HomeAddress(home))
    return IPv6Packet(coa, cn, (ah, opts), NoNextHeader())


def tunnelled(
    home: bytes,
    coa: bytes,
    payload: bytes,
    *,
    cn: bytes = CN,
    ha: bytes = HA,
    ports: tuple[int, int] = (7, 5000),
) -> IPv6Packet:
    """A correspondent's packet to the home address, tunnelled by the home agent (§8.4)."""
    return encapsulate(IPv6Packet(cn, home, (), UDP(*ports, payload)), ha, coa)


def via_routing_header(
    home: bytes, coa: bytes, payload: bytes, *, cn: bytes = CN, ports: tuple[int, int] = (7, 5000)
) -> IPv6Packet:
    """Route-optimised data to the care-of address, home address in a Routing header (§7.9)."""
    return IPv6Packet(cn, coa, (Routing0(1, (home,)),), UDP(*ports, payload))


def with_home_address(
    home: bytes, coa: bytes, payload: bytes, *, cn: bytes = CN, ports: tuple[int, int] = (5000, 7)
) -> IPv6Packet:
    """Data from the care-of address with a Home Address option (§9.1)."""
    return IPv6Packet(coa, cn, (dest_options(HomeAddress(home)),), UDP(*ports, payload))


def plain(payload: bytes, *, src: bytes = CN, dst: bytes = HA) -> IPv6Packet:
    """Plain UDP, no Mobile IPv6 in it."""
    return IPv6Packet(src, dst, (), UDP(80, 5000, payload))


def mobile(m: int) -> tuple[bytes, bytes]:
    """(home address, care-of address) of mobile node m of the capture builders."""
    return _addr(1, 0x1000 + m), _addr(2, 0x1000 + m)


def _addr(prefix_hi: int, host: int) -> bytes:
    return ((0x20010DB8 << 96) | (prefix_hi << 80) | host).to_bytes(16, "big")


# ---------------------------------------------------------------- a random mix (decode, scale)


def packets(n: int, seed: int = 1) -> Iterator[IPv6Packet]:
    """n packets: home registrations, acknowledgements, tunnelled and route-optimised data, ND."""
    rng = random.Random(seed)
    ha = HA
    for i in range(n):
        mn = i % 1000
        home = a(f"2001:db8:1::{mn + 0x100:x}")
        coa = a(f"2001:db8:{2 + mn % 50:x}::{mn + 0x100:x}")
        cn = a(f"2001:db8:99::{1 + mn % 100:x}")
        seq = (i // 1000) & 0xFFFF
        kind = i % 6
        ah = AH(spi=0x100 + mn, seq=i, icv=rng.randbytes(12))
        if kind == 0:
            yield registration(home, coa, seq, ah, ha=ha, lifetime=60)
        elif kind == 1:
            yield acknowledgement(ha, home, coa, seq, ah, lifetime=60, refresh=60)
        elif kind == 2:
            yield tunnelled(home, coa, rng.randbytes(64), cn=cn, ha=ha, ports=(4000, 5000))
        elif kind == 3:
            yield with_home_address(home, coa, rng.randbytes(64), cn=cn, ports=(5000, 4000))
        elif kind == 4:
            yield via_routing_header(home, coa, rng.randbytes(64), cn=cn, ports=(4000, 5000))
        elif i % 12 == 5:
            yield IPv6Packet(
                a("fe80::1"),
                a("ff02::1:ff00:100"),
                (),
                NeighborSolicitation(home, (SourceLLA(MN_LLA),)),
                hop_limit=255,
            )
        else:
            yield IPv6Packet(
                ha,
                a("ff02::1"),
                (),
                NeighborAdvertisement(home, override=True, options=(TargetLLA(HA_LLA),)),
                hop_limit=255,
            )


def frames(n: int, seed: int = 1) -> Iterator[bytes]:
    for p in packets(n, seed):
        yield encode_ethernet(MN_LLA, HA_LLA, encode_packet(p))


# ---------------------------------------------------------------- a conforming run in cycles (replay)


def make_capture(path: Path, n: int, mobiles: int = 200) -> None:
    """n packets, 1 ms apart, in cycles of 8 per mobile node: every 8th cycle a refresh (home
    registration, acknowledgement, a tunnelled packet, the Binding Update it triggers to the
    correspondent and its acknowledgement, §8.4, §9.5), otherwise Routing-header traffic, Home Address
    option traffic and plain UDP. A conforming run: replay must find no violation."""
    traffic: list[list[bytes]] = []
    for m in range(mobiles):
        home, coa = mobile(m)
        pkts = [
            via_routing_header(home, coa, b"y" * 64),
            with_home_address(home, coa, b"z" * 64),
            plain(b"w" * 64),
            via_routing_header(home, coa, b"v" * 64),
        ]
        traffic.append([encode_ethernet(MAC1, MAC2, encode_packet(p)) for p in pkts * 2])

    def refresh(m: int, seq: int) -> list[bytes]:
        home, coa = mobile(m)
        pkts = [
            registration(home, coa, seq, AH(1, seq, bytes(12))),
            acknowledgement(HA, home, coa, seq, AH(2, seq, bytes(12))),
            tunnelled(home, coa, b"x" * 64),
            correspondent_update(home, coa, seq, AH(1, seq, bytes(12))),
            acknowledgement(CN, home, coa, seq, AH(2, seq, bytes(12))),
            via_routing_header(home, coa, b"y" * 64),
            with_home_address(home, coa, b"z" * 64),
            plain(b"w" * 64),
        ]
        return [encode_ethernet(MAC1, MAC2, encode_packet(p)) for p in pkts]

    with path.open("wb") as f:
        w = PcapWriter(f, linktype=1, nanosecond=False)
        i = 0
        cycle = 0
        while i < n:
            for m in range(mobiles):
                frs = refresh(m, (m * 7 + cycle // 8) % 65536) if cycle % 8 == 0 else traffic[m]
                for fr in frs:
                    if i >= n:
                        break
                    w.write(fr, time_us=i * 1000)
                    i += 1
            cycle += 1


# ---------------------------------------------------------------- any size, patched in place (bigfile)

STEP_US = (
    3000  # a frame every 3 ms: with 500 mobile nodes a refresh every 12 s (SLOW_UPDATE_RATE 10 s)
)


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
        home, coa = mobile(m)

        def bu_ha(seq: int, home: bytes = home, coa: bytes = coa) -> bytes:
            p = registration(home, coa, seq, AH(1, 1, bytes(12)))
            return encode_ethernet(MAC1, MAC2, encode_packet(p))

        def ba(seq: int, src: bytes, home: bytes = home, coa: bytes = coa) -> bytes:
            p = acknowledgement(src, home, coa, seq, AH(2, 1, bytes(12)))
            return encode_ethernet(MAC2, MAC1, encode_packet(p))

        def bu_cn(seq: int, home: bytes = home, coa: bytes = coa) -> bytes:
            p = correspondent_update(home, coa, seq, AH(1, 1, bytes(12)))
            return encode_ethernet(MAC1, MAC2, encode_packet(p))

        data = [
            tunnelled(home, coa, big),
            via_routing_header(home, coa, big),
            with_home_address(home, coa, big),
            plain(b"w" * 200),
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
    frs = [bytearray(f) for f, _ in tpl]
    n = 0
    written = 24
    rep = 0
    with path.open("wb", buffering=1 << 20) as f:
        w = PcapWriter(f, linktype=1, nanosecond=False)
        while written < size:
            seq = (rep + 1) & 0xFFFF
            hi, lo = seq >> 8, seq & 0xFF
            for fr, (_, offs) in zip(frs, tpl, strict=True):
                for o in offs:
                    fr[o] = hi
                    fr[o + 1] = lo
                w.write(bytes(fr), time_us=n * STEP_US)
                n += 1
                written += 16 + len(fr)
            rep += 1
    return n
