"""Issue 7, fuzzing in the normal run (small budgets; `--run-slow` runs the same with large ones).

Arbitrary bytes already go through the codec (tests/codec/test_roundtrip.py), the readers
(tests/codec/test_pcap.py), decode (tests/cli/test_decode.py: overwritten and truncated corpus files),
replay (tests/replay/test_fuzz.py) and the scenario parser (tests/dsl/test_fuzz.py). The gaps filled
here are structure-aware: mutations aimed at the fields that steer a parser (lengths, Next Header
values, option type/length octets, pcapng block types/lengths/interface ids/option lengths, record
header lengths), inserted and deleted octets (not only overwritten ones), files spliced together, and
scenario files mutated token by token. The invariants are fuzz/targets.py's, shared with the long-run
harness fuzz/run.py.
"""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz import targets
from mip6check.model.codec import DRAFT04, encode_packet
from mip6check.model.codec.link import encode_ethernet
from mip6check.model.codec.pcap import PcapngWriter, PcapWriter, Record, iter_file
from tests.codec import strategies as S
from tests.robustness.hostile import CAPTURES, FRAME

ROOT = Path(__file__).resolve().parents[2]
CORPUS = sorted((ROOT / "traces" / "captures").glob("*.pcapng"))
SCENARIOS = sorted((ROOT / "traces" / "scenarios").glob("*.scenario"))
BOUNDARY = st.sampled_from([0, 1, 2, 3, 4, 7, 8, 0x3F, 0x40, 0x7F, 0x80, 0xFE, 0xFF])
EXT = {0, 43, 44, 51, 60, 135}

SMALL = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
LONG = settings(max_examples=5000, deadline=None, suppress_health_check=list(HealthCheck))


# ---------------------------------------------------------------- where the steering fields are


def packet_fields(data: bytes, start: int = 0, depth: int = 0) -> list[int]:
    """Offsets of the octets that steer decoding: Payload Length, Next Header, each extension header's
    Next Header and length, each option's type and length (Hop-by-Hop, Destination Options), and the
    same inside an IPv6-in-IPv6 tunnel."""
    if len(data) < start + 40 or depth > 4:
        return []
    out = [start + 4, start + 5, start + 6]
    nh, pos = data[start + 6], start + 40
    while nh in EXT and pos + 2 <= len(data):
        out += [pos, pos + 1]
        if nh == 44:
            size = 8
        elif nh == 51:
            size = (data[pos + 1] + 2) * 4
        else:
            size = (data[pos + 1] + 1) * 8
        if nh in (0, 60):
            o = pos + 2
            while o + 1 < min(pos + size, len(data)):
                out += [o, o + 1]
                o += 1 if data[o] == 0 else 2 + data[o + 1]
        nh, pos = data[pos], pos + size
    if nh == 41:
        out += packet_fields(data, pos, depth + 1)
    return [i for i in out if i < len(data)]


def pcapng_fields(data: bytes) -> list[tuple[int, int]]:
    """(offset, size) of the fields that steer a pcapng reader: block type and both lengths, the SHB
    byte-order magic, EPB interface id and captured length, IDB link type and snap length, option code
    and length."""
    out: list[tuple[int, int]] = []
    pos, e = 0, "<"
    while pos + 12 <= len(data):
        btype = struct.unpack_from(e + "I", data, pos)[0]
        if btype == 0x0A0D0D0A:
            e = "<" if data[pos + 8 : pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            out.append((pos + 8, 4))
        blen = struct.unpack_from(e + "I", data, pos + 4)[0]
        if blen < 12 or pos + blen > len(data):
            break
        out += [(pos, 4), (pos + 4, 4), (pos + blen - 4, 4)]
        body = pos + 8
        if btype == 6:
            out += [(body, 4), (body + 12, 4)]
            caplen = struct.unpack_from(e + "I", data, body + 12)[0]
            opts = body + 20 + caplen + (-caplen % 4)
        elif btype == 1:
            out += [(body, 2), (body + 4, 4)]
            opts = body + 8
        elif btype == 0x0A0D0D0A:
            opts = body + 16
        else:
            opts = pos + blen
        while opts + 4 <= pos + blen - 4:
            out += [(opts, 2), (opts + 2, 2)]
            olen = struct.unpack_from(e + "H", data, opts + 2)[0]
            opts += 4 + olen + (-olen % 4)
        pos += blen
    return out


def _writer_pcapng(order: str) -> bytes:
    f = io.BytesIO()
    w = PcapngWriter(f, byteorder=order)
    i0 = w.add_interface("eth0", description="hostile", tsresol=6)
    i1 = w.add_interface("raw", linktype=101, snaplen=1500, tsresol=0x83)
    w.write(i0, FRAME, time_ns=1_000, comment="first")
    w.write(i1, FRAME[14:], time_ns=2_000)
    w.write(i0, FRAME[:60], time_ns=3_000, orig_len=len(FRAME))
    return f.getvalue()


def _writer_pcap(order: str) -> bytes:
    f = io.BytesIO()
    w = PcapWriter(f, byteorder=order, nanosecond=order == ">")
    for i in range(3):
        w.write(FRAME[: 40 + 30 * i], time_us=i)
    return f.getvalue()


SEED_FILES = (
    [_writer_pcapng("<"), _writer_pcapng(">"), _writer_pcap("<"), _writer_pcap(">")]
    + [
        CAPTURES[k][0]
        for k in (
            "pcapng-two-sections-mixed-endian",
            "pcapng-spb",
            "pcapng-custom-block",
            "pcapng-obsolete-pb",
            "pcapng-tsresol-absurd",
        )
    ]
    + [p.read_bytes() for p in CORPUS[:12]]
)
NG_SEEDS = [s for s in SEED_FILES if s[:4] == b"\x0a\x0d\x0d\x0a"]
FRAMES = [
    r.data[14:] if r.linktype == 1 else r.data
    for p in CORPUS
    for r in iter_file(str(p))
    if isinstance(r, Record)
]


# ---------------------------------------------------------------- generic byte edits


@st.composite
def edited(draw: st.DrawFn, base: bytes, hot: list[int] | None = None) -> bytes:
    """`base` with 1-6 edits: overwrite (aimed at a hot offset when given), insert, delete, truncate."""
    b = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        if not b:
            b += b"\x00"
        kind = draw(st.sampled_from(["hot", "set", "insert", "delete", "truncate"]))
        if kind == "hot" and hot:
            i = draw(st.sampled_from([h for h in hot if h < len(b)] or [0]))
            b[i] = draw(BOUNDARY | st.integers(0, 255))
            continue
        i = draw(st.integers(0, len(b) - 1))
        if kind in ("set", "hot"):
            b[i] = draw(st.integers(0, 255))
        elif kind == "insert":
            b[i:i] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del b[i : i + draw(st.integers(1, 16))]
        else:
            del b[i:]
    return bytes(b)


def _packet_mutant(data: st.DataObject) -> bytes:
    raw = data.draw(st.sampled_from(FRAMES))
    return data.draw(edited(raw, packet_fields(raw)))


def _pcapng_mutant(data: st.DataObject) -> bytes:
    base = data.draw(st.sampled_from(NG_SEEDS))
    fields = pcapng_fields(base)
    b = bytearray(base)
    for off, size in data.draw(st.lists(st.sampled_from(fields), min_size=1, max_size=3)):
        value = data.draw(
            st.sampled_from([0, 1, 4, 11, 12, 13, 0xFFFF, 0xFFFFFFFF, 0x7FFFFFFF, 0x0A0D0D0A])
            | st.integers(0, 2 ** (8 * size) - 1)
        )
        b[off : off + size] = (value & (2 ** (8 * size) - 1)).to_bytes(size, "little")
    if data.draw(st.booleans()):
        return data.draw(edited(bytes(b)))
    return bytes(b)


def _spliced(data: st.DataObject) -> bytes:
    a, b = data.draw(st.sampled_from(SEED_FILES)), data.draw(st.sampled_from(SEED_FILES))
    return a[: data.draw(st.integers(0, len(a)))] + b[data.draw(st.integers(0, len(b))) :]


_TOKEN = re.compile(r"\s+|[^\s]+")
HOSTILE_TOKENS = [
    "99999999999999999999",
    "0",
    "-1",
    "1e999",
    "::",
    "::/0",
    "ff02::1",
    "2001:db8::/129",
    "0ms",
    "999999min",
    "->",
    ":",
    '"',
    '"\\',
    "#",
    "\x00",
    "é",
    "infinity",
    "home-reg",
    "at",
    "expect",
    "\n",
    "link",
    "mobile",
    "set",
    "inject",
    "raw",
    '"60"',
    "count",
    "every",
    "by",
    "never",
]


def _scenario_mutant(data: st.DataObject) -> bytes:
    text = data.draw(st.sampled_from(SCENARIOS)).read_text(encoding="utf-8")
    toks = _TOKEN.findall(text)
    for _ in range(data.draw(st.integers(1, 5))):
        i = data.draw(st.integers(0, len(toks) - 1))
        kind = data.draw(st.sampled_from(["replace", "delete", "duplicate", "swap", "line"]))
        if kind == "replace":
            toks[i] = data.draw(st.sampled_from(HOSTILE_TOKENS + toks))
        elif kind == "delete":
            del toks[i]
        elif kind == "duplicate":
            toks.insert(i, toks[i])
        elif kind == "swap":
            j = data.draw(st.integers(0, len(toks) - 1))
            toks[i], toks[j] = toks[j], toks[i]
        else:  # a whole line repeated or moved
            lines = "".join(toks).splitlines(keepends=True)
            k = data.draw(st.integers(0, len(lines) - 1))
            lines.insert(data.draw(st.integers(0, len(lines))), lines[k])
            toks = _TOKEN.findall("".join(lines))
        if not toks:
            toks = [""]
    return "".join(toks).encode("utf-8")


# ---------------------------------------------------------------- the tests: (target, mutant maker)

CASES: dict[str, tuple[Callable[[bytes], None], Callable[[st.DataObject], bytes]]] = {
    "codec-structured-packet": (targets.codec, _packet_mutant),
    "link-structured-frame": (
        targets.link,
        lambda d: bytes([d.draw(st.integers(0, 255))]) + _packet_mutant(d),
    ),
    "pcapng-structured-fields": (targets.pcap, _pcapng_mutant),
    "capture-byte-edits": (
        targets.pcap,
        lambda d: d.draw(edited(d.draw(st.sampled_from(SEED_FILES)))),
    ),
    "capture-splice": (targets.pcap, _spliced),
    "scenario-token-edits": (targets.scenario, _scenario_mutant),
    "replay-one-structured-packet": (targets.replay_one, lambda d: b"\x00" + _packet_mutant(d)),
}


@pytest.mark.parametrize("case", sorted(CASES))
@SMALL
@given(data=st.data())
def test_fuzz(case: str, data: st.DataObject) -> None:
    target, make = CASES[case]
    target(make(data))


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(S.packet(DRAFT04).map(encode_packet), st.data())
def test_fuzz_generated_packets(raw: bytes, data: st.DataObject) -> None:
    """Packets of every shape the codec strategies make, then aimed edits (costly to generate: fewer)."""
    mutant = data.draw(edited(raw, packet_fields(raw)))
    targets.codec(mutant)
    targets.link(b"\x00" + mutant)


@pytest.mark.slow
@LONG
@given(S.packet(DRAFT04).map(encode_packet), st.data())
def test_fuzz_generated_packets_long(raw: bytes, data: st.DataObject) -> None:
    targets.codec(data.draw(edited(raw, packet_fields(raw))))


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(CASES))
@LONG
@given(data=st.data())
def test_fuzz_long(case: str, data: st.DataObject) -> None:
    target, make = CASES[case]
    target(make(data))


def test_field_finders_find_fields() -> None:
    """The structure walkers see what they should (or the mutations would not be aimed)."""
    assert len(packet_fields(FRAME[14:])) >= 10
    ng = _writer_pcapng("<")
    found = pcapng_fields(ng)
    assert (0, 4) in found and len(found) >= 20
    assert len(pcapng_fields(_writer_pcapng(">"))) == len(found)


def test_regressions() -> None:
    """Inputs that once broke a target stay here as hex literals (generated by this suite)."""
    for name, hexdata in REGRESSIONS:
        targets.TARGETS[name](bytes.fromhex(hexdata))


# (target, hex of the input). Add every crash the fuzzers find, minimised.
REGRESSIONS: list[tuple[str, str]] = [
    (
        "codec",
        "6000000000003c40" + "20010db8000000000000000000000001" * 2,
    ),  # dstopts promised, absent
    ("pcap", "0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000" + "0600000008000000"),
]


def test_seed_inputs_pass_every_target() -> None:
    for s in SEED_FILES:
        targets.pcap(s)
    for f in FRAMES[:50]:
        targets.codec(f)
        targets.replay_one(b"\x00" + f)
    for p in SCENARIOS:
        targets.scenario(p.read_bytes())
    assert encode_ethernet  # the link target's frames come from the codec too
