"""Hostile capture and scenario files, built byte by byte (issue 7), shared by the robustness tests.

Every builder is deterministic (a fixed `random.Random(seed)` where bytes are random) and returns the
file's bytes; `write_all(dir)` writes them all and returns {name: path}. Nothing here is copied from a
third-party capture: the frames come from this project's codec.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable
from pathlib import Path

from mip6check.model.addr import a
from mip6check.model.codec import AH, HomeAddress, IPv6Packet, bu, dest_options, encode_packet
from mip6check.model.codec.link import encode_ethernet

MAC1 = bytes.fromhex("00005e005301")
MAC2 = bytes.fromhex("00005e005302")

PKT = encode_packet(
    IPv6Packet(
        a("2001:db8:2::100"),
        a("2001:db8:1::1"),
        (
            dest_options(
                bu(7, 60, a=True, h=True, id_length=64), HomeAddress(a("2001:db8:1::100"))
            ),
            AH(1, 1, bytes(12)),
        ),
    )
)
FRAME = encode_ethernet(MAC1, MAC2, PKT)


def pcap_header(
    *, magic: int = 0xA1B2C3D4, snaplen: int = 65535, linktype: int = 1, e: str = "<"
) -> bytes:
    """A classic pcap file header."""
    return struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)


def pcap_record(
    data: bytes, *, caplen: int | None = None, orig: int | None = None, t: int = 0, e: str = "<"
) -> bytes:
    """A classic pcap record: header (caplen may lie) and data."""
    n = len(data) if caplen is None else caplen
    return struct.pack(e + "IIII", t, 0, n, len(data) if orig is None else orig) + data


def block(
    btype: int, body: bytes, *, blen: int | None = None, trailer: int | None = None, e: str = "<"
) -> bytes:
    """A pcapng block; `blen`/`trailer` may lie about the length."""
    body = body + b"\x00" * (-len(body) % 4)
    n = 12 + len(body)
    return (
        struct.pack(e + "II", btype, n if blen is None else blen)
        + body
        + struct.pack(e + "I", n if trailer is None else trailer)
    )


def shb(e: str = "<", bom: int = 0x1A2B3C4D) -> bytes:
    """A Section Header Block (version 1.0, section length unknown)."""
    return block(0x0A0D0D0A, struct.pack(e + "IHHq", bom, 1, 0, -1), e=e)


def idb(linktype: int = 1, snaplen: int = 0, opts: bytes = b"", e: str = "<") -> bytes:
    """An Interface Description Block."""
    return block(1, struct.pack(e + "HHI", linktype, 0, snaplen) + opts, e=e)


def epb(
    data: bytes,
    *,
    iface: int = 0,
    caplen: int | None = None,
    orig: int | None = None,
    t: int = 0,
    e: str = "<",
) -> bytes:
    """An Enhanced Packet Block (caplen may lie)."""
    n = len(data) if caplen is None else caplen
    body = (
        struct.pack(
            e + "IIIII", iface, t >> 32, t & 0xFFFFFFFF, n, len(data) if orig is None else orig
        )
        + data
    )
    return block(6, body, e=e)


def _opt(code: int, value: bytes, e: str = "<") -> bytes:
    return struct.pack(e + "HH", code, len(value)) + value + b"\x00" * (-len(value) % 4)


def _garbage(seed: int, n: int) -> bytes:
    return random.Random(seed).randbytes(n)


_GOOD_PCAP = pcap_header() + pcap_record(FRAME) + pcap_record(FRAME, t=1)
_GOOD_NG = shb() + idb() + epb(FRAME) + epb(FRAME, t=1_000_000)

# name -> (bytes, expected exit codes). 2 = not a capture; 0/1 = read (maybe with record errors).
CAPTURES: dict[str, tuple[bytes, frozenset[int]]] = {
    "empty": (b"", frozenset({2})),
    "one-octet": (b"\xd4", frozenset({2})),
    "garbage": (_garbage(1, 4096), frozenset({2})),
    "text": (b"this is not a capture\n" * 20, frozenset({2})),
    "nul-octets": (bytes(1000), frozenset({2})),
    "wrong-magic": (b"\xde\xad\xbe\xef" + _GOOD_PCAP[4:], frozenset({2})),
    "pcap-header-truncated": (pcap_header()[:10], frozenset({2})),
    "pcap-header-only": (pcap_header(), frozenset({0})),
    "pcap-good": (_GOOD_PCAP, frozenset({0, 1})),
    "pcap-big-endian": (pcap_header(e=">") + pcap_record(FRAME, e=">"), frozenset({0, 1})),
    "pcap-nanosecond": (pcap_header(magic=0xA1B23C4D) + pcap_record(FRAME), frozenset({0, 1})),
    "pcap-mid-record-header": (_GOOD_PCAP + pcap_record(FRAME)[:9], frozenset({0, 1})),
    "pcap-mid-record-data": (_GOOD_PCAP + pcap_record(FRAME)[:40], frozenset({0, 1})),
    "pcap-snaplen-0": (pcap_header(snaplen=0) + pcap_record(FRAME), frozenset({0, 1})),
    "pcap-longer-than-snaplen": (pcap_header(snaplen=60) + pcap_record(FRAME), frozenset({0, 1})),
    "pcap-caplen-gt-orig": (pcap_header() + pcap_record(FRAME, orig=10), frozenset({0, 1})),
    "pcap-absurd-caplen": (
        pcap_header() + pcap_record(FRAME, caplen=0xFFFFFFFF),
        frozenset({0, 1}),
    ),
    "pcap-absurd-snaplen": (
        pcap_header(snaplen=0xFFFFFFFF) + pcap_record(FRAME),
        frozenset({0, 1}),
    ),
    "pcap-zero-length-records": (pcap_header() + pcap_record(b"") * 50, frozenset({0, 1})),
    "pcap-unknown-linktype": (pcap_header(linktype=65000) + pcap_record(FRAME), frozenset({0, 1})),
    "pcap-raw-garbage-packets": (
        pcap_header(linktype=101) + b"".join(pcap_record(_garbage(s, 80)) for s in range(20)),
        frozenset({0, 1}),
    ),
    "pcap-max-timestamp": (
        pcap_header()
        + struct.pack("<IIII", 0xFFFFFFFF, 0xFFFFFFFF, len(FRAME), len(FRAME))
        + FRAME,
        frozenset({0, 1}),
    ),
    "pcap-time-backwards": (
        pcap_header() + pcap_record(FRAME, t=100) + pcap_record(FRAME, t=5),
        frozenset({0, 1}),
    ),
    "pcapng-good": (_GOOD_NG, frozenset({0, 1})),
    "pcapng-unknown-block": (
        shb() + idb() + block(0x0BAD, b"hello") + epb(FRAME),
        frozenset({0, 1}),
    ),
    "pcapng-custom-block": (
        shb() + idb() + block(0x40000BAD, bytes(8)) + epb(FRAME),
        frozenset({0, 1}),
    ),
    "pcapng-absurd-block-length": (
        shb() + idb() + block(6, bytes(40), blen=0xFFFFFFF0),
        frozenset({0, 1}),
    ),
    "pcapng-block-length-under-12": (
        shb() + idb() + block(6, b"", blen=8) + epb(FRAME),
        frozenset({0, 1}),
    ),
    "pcapng-block-length-unaligned": (
        shb() + idb() + block(6, bytes(20), blen=31) + epb(FRAME),
        frozenset({0, 1}),
    ),
    "pcapng-trailer-mismatch": (
        shb() + idb() + block(6, bytes(20), trailer=999) + epb(FRAME),
        frozenset({0, 1}),
    ),
    "pcapng-epb-before-idb": (shb() + epb(FRAME), frozenset({0, 1})),
    "pcapng-epb-unknown-interface": (shb() + idb() + epb(FRAME, iface=7), frozenset({0, 1})),
    "pcapng-caplen-past-block": (shb() + idb() + epb(FRAME, caplen=5000), frozenset({0, 1})),
    "pcapng-longer-than-snaplen": (shb() + idb(snaplen=60) + epb(FRAME), frozenset({0, 1})),
    "pcapng-snaplen-0": (shb() + idb(snaplen=0) + epb(FRAME), frozenset({0, 1})),
    "pcapng-mid-block": (_GOOD_NG + epb(FRAME)[:30], frozenset({0, 1})),
    "pcapng-mid-block-header": (_GOOD_NG + epb(FRAME)[:6], frozenset({0, 1})),
    "pcapng-shb-truncated": (shb()[:20], frozenset({2})),
    "pcapng-shb-bad-bom": (shb(bom=0xDEADBEEF), frozenset({2})),
    "pcapng-shb-absurd-length": (
        block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1), blen=0x7FFFFFF0),
        frozenset({2}),
    ),
    "pcapng-big-endian": (shb(">") + idb(e=">") + epb(FRAME, e=">"), frozenset({0, 1})),
    "pcapng-two-sections-mixed-endian": (
        shb() + idb() + epb(FRAME) + shb(">") + idb(e=">") + epb(FRAME, e=">"),
        frozenset({0, 1}),
    ),
    "pcapng-tsresol-absurd": (
        shb() + idb(opts=_opt(9, b"\xff") + _opt(0, b"")) + epb(FRAME, t=2**63),
        frozenset({0, 1}),
    ),
    "pcapng-tsresol-decimal-absurd": (
        shb() + idb(opts=_opt(9, b"\x7f") + _opt(0, b"")) + epb(FRAME, t=2**64 - 1),
        frozenset({0, 1}),
    ),
    "pcapng-tsoffset-huge": (
        shb() + idb(opts=_opt(14, struct.pack("<q", -(2**62))) + _opt(0, b"")) + epb(FRAME),
        frozenset({0, 1}),
    ),
    "pcapng-option-runs-past": (
        shb() + idb(opts=struct.pack("<HH", 2, 4000) + b"eth0") + epb(FRAME),
        frozenset({0, 1}),
    ),
    "pcapng-option-bad-utf8": (
        shb() + idb(opts=_opt(2, b"\xff\xfe\x00bad") + _opt(0, b"")) + epb(FRAME),
        frozenset({0, 1}),
    ),
    "pcapng-spb": (
        shb() + idb(snaplen=0) + block(3, struct.pack("<I", len(FRAME)) + FRAME),
        frozenset({0, 1}),
    ),
    "pcapng-spb-longer-than-snaplen": (  # the data field must be min(orig_len, snaplen) long
        shb() + idb(snaplen=100) + block(3, struct.pack("<I", len(FRAME)) + FRAME),
        frozenset({0, 1}),
    ),
    "pcapng-spb-no-idb": (
        shb() + block(3, struct.pack("<I", len(FRAME)) + FRAME),
        frozenset({0, 1}),
    ),
    "pcapng-obsolete-pb": (
        shb()
        + idb()
        + block(2, struct.pack("<HHIIII", 0, 0, 0, 0, len(FRAME), len(FRAME)) + FRAME),
        frozenset({0, 1}),
    ),
    "pcapng-idb-truncated-body": (shb() + block(1, b"\x01\x00"), frozenset({0, 1})),
    "pcapng-many-idbs": (shb() + idb() * 2000 + epb(FRAME, iface=1999), frozenset({0, 1})),
    "pcapng-garbage-after-shb": (shb() + _garbage(2, 2000), frozenset({0, 1})),
}


def random_bytes_scenario(seed: int = 7, n: int = 2000) -> bytes:
    """A `.scenario` file of random octets (mostly invalid UTF-8)."""
    return _garbage(seed, n)


# name -> bytes of hostile scenario files; simulate must answer 2 (or 0/1 if it happens to parse).
SCENARIOS: dict[str, bytes] = {
    "random": random_bytes_scenario(),
    "random-ascii": bytes(b % 95 + 32 for b in _garbage(8, 3000)),
    "empty": b"",
    "nul": b"\x00" * 100,
    "bom-only": b"\xef\xbb\xbf",
    "deep-parens": b"(" * 50_000,
    "deep-braces": b"{" * 50_000 + b"}" * 50_000,
    "long-line": b"x" * 1_000_000,
    "latin1": "scénario é à ü".encode("latin-1"),
    "cr-only": b"\r" * 100,
    "utf16": "scenario x".encode("utf-16"),
}


def write_all(directory: Path) -> dict[str, Path]:
    """Write every hostile capture as `<name>.pcap` into `directory`; return name -> path."""
    out = {}
    for name, (data, _) in CAPTURES.items():
        p = directory / f"{name}.pcap"
        p.write_bytes(data)
        out[name] = p
    return out


Builder = Callable[[], bytes]
