"""The fused writers (cli/json_fused.py) write a packet's members and checksum straight from its
octets: on every capture (the repository's and the shared ones), on the benchmarks' traffic and on
mutilated packets, `decode --json`'s loop must give the contract's line, `json.dumps(record_json(d))`,
with the fused writers doing most of the work; where another octet of a shape would make the codec
decode otherwise, the writer must decline."""

from __future__ import annotations

import ast
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mip6check.cli import cmd_decode, json_fused
from mip6check.cli.cmd_decode import decode_record
from mip6check.cli.json_fused import FusedWriters, fused_source
from mip6check.cli.render import record_json
from mip6check.model.addr import a
from mip6check.model.codec import (
    DRAFT04,
    PROFILES,
    UDP,
    EchoRequest,
    HomeAddress,
    IPv6Packet,
    NoNextHeader,
    Routing0,
    bu,
    decode_partial,
    dest_options,
    encode_packet,
)
from mip6check.model.codec.link import encode_ethernet
from mip6check.model.codec.options import option_decoders
from mip6check.model.codec.pcap import Record, RecordError, iter_file
from mip6check.model.errors import CaptureError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench._corpus import frames  # noqa: E402

MN, CN, HOME = a("2001:db8:2::100"), a("2001:db8:4::5"), a("2001:db8:1::100")
MAC = bytes.fromhex("020000000001")


def _counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """[records the fused writers wrote, records offered to them], from writers made anew."""
    monkeypatch.setattr(cmd_decode, "_READERS", {})
    seen = [0, 0]
    real = FusedWriters.write

    def write(self: FusedWriters, d: bytes) -> tuple[str, str] | None:
        got = real(self, d)
        seen[1] += 1
        seen[0] += got is not None
        return got

    monkeypatch.setattr(FusedWriters, "write", write)
    return seen


def _check(recs: list[Record | RecordError], profile: str = "draft04") -> list[str]:
    """The command loop's lines, each checked against the dictionaries'."""
    want = [json.dumps(record_json(decode_record(r, PROFILES[profile]))) for r in recs]
    got = list(cmd_decode.json_lines(iter(recs), PROFILES[profile]))
    for r, g, w in zip(recs, got, want, strict=True):
        assert g == w, r
    return got


def _records(paths: list[Path]) -> Iterator[list[Record | RecordError]]:
    for path in paths:
        try:
            yield list(iter_file(str(path)))
        except CaptureError:
            continue  # made to be unreadable


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_repository_capture(monkeypatch: pytest.MonkeyPatch, profile: str) -> None:
    seen = _counted(monkeypatch)
    paths = sorted(p for p in (ROOT / "traces").rglob("*") if p.suffix in (".pcap", ".pcapng"))
    for recs in _records(paths):
        _check(recs, profile)
    assert seen[1] > 5000 and seen[0] > 1000, seen  # each capture learns its shapes anew


def test_every_shared_capture(monkeypatch: pytest.MonkeyPatch, shared_traces: Path) -> None:
    seen = _counted(monkeypatch)
    paths = sorted(p for p in shared_traces.rglob("*") if p.suffix in (".pcap", ".pcapng"))
    for recs in _records(paths):
        _check(recs)
    assert seen[1] > 500 and seen[0] > 0, seen


def test_benchmark_traffic_and_mutilated_packets(monkeypatch: pytest.MonkeyPatch) -> None:
    """The mix of bench/decode.py: after each shape's first packet, every record but the Neighbor
    Discovery ones is written by a fused writer; mutilated copies among them give the same lines."""
    seen = _counted(monkeypatch)
    fs = list(frames(1200, 3))
    recs: list[Record | RecordError] = [
        Record(i + 1, i * 1_000_003, 1, fr, len(fr)) for i, fr in enumerate(fs)
    ]
    _check(recs)
    nd = sum(1 for fr in fs if fr[20] == 58)
    assert seen[0] >= len(fs) - nd - 20, (seen, nd)
    rng = random.Random(15)
    mixed: list[Record | RecordError] = []
    for i, fr in enumerate(fs):
        mixed.append(Record(2 * i + 1, i, 1, fr, len(fr)))
        b = bytearray(fr)
        for _ in range(rng.randint(1, 3)):
            b[rng.randrange(14, len(b))] = rng.choice(
                (0, 1, 2, 0x50, 0x80, 0xFF, rng.randrange(256))
            )
        if rng.random() < 0.2:
            del b[rng.randrange(14, len(b)) :]
        mixed.append(Record(2 * i + 2, i, 1, bytes(b), len(b) + i % 2))
    _check(mixed)


def _frame(pkt: IPv6Packet) -> bytes:
    return encode_ethernet(MAC, MAC, encode_packet(pkt))


def _twice_then(first: bytes, then: bytes) -> list[str]:
    """The lines of `first`, `first` again (a fused writer by then) and `then`; each checked."""
    recs: list[Record | RecordError] = [
        Record(i + 1, i, 1, fr, len(fr)) for i, fr in enumerate((first, first, then))
    ]
    return _check(recs)


def test_a_binding_update_with_c_set_but_no_room_declines(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Binding Update without a Care-of Address (Option Length 8), then the same with its C bit
    set: the codec gives a MalformedOption (§5.1 needs the address), so the writer must decline."""
    seen = _counted(monkeypatch)
    pkt = IPv6Packet(MN, CN, (dest_options(bu(5, 60, a=True), HomeAddress(HOME)),), NoNextHeader())
    fr = _frame(pkt)
    at = fr.index(bytes((DRAFT04.bu, 8))) + 2  # the Binding Update's flags octet
    c_set = bytearray(fr)
    c_set[at] |= 0x20
    lines = _twice_then(fr, bytes(c_set))
    assert '"malformed"' not in lines[1] and '"malformed": "C set' in lines[2]
    assert seen == [1, 3]


def test_another_routing_type_declines(monkeypatch: pytest.MonkeyPatch) -> None:
    """A type 0 Routing header of one address (Hdr Ext Len 2), then Routing Type 2 in its place (the
    same length): the codec decodes a type 2 header, so the type 0 writer must decline."""
    seen = _counted(monkeypatch)
    pkt = IPv6Packet(CN, MN, (Routing0(1, (HOME,)),), UDP(7, 9, b"data"))
    fr = _frame(pkt)
    other = bytearray(fr)
    other[14 + 40 + 2] = 2
    lines = _twice_then(fr, bytes(other))
    assert '"routing": {"type": 0' in lines[1] and '"routing": {"type": 2' in lines[2]
    assert seen == [1, 3]


def test_another_icmp_type_declines(monkeypatch: pytest.MonkeyPatch) -> None:
    """An Echo Request, then the same octets as an Echo Reply and as an unknown ICMPv6 type."""
    seen = _counted(monkeypatch)
    fr = _frame(IPv6Packet(MN, CN, (), EchoRequest(3, 4, b"ping")))
    for t in (129, 200):
        other = bytearray(fr)
        other[14 + 40] = t
        _twice_then(fr, bytes(other))
    assert seen == [3, 6]  # the second copy, then both copies; never the other types


def test_the_checksum_of_the_home_address(monkeypatch: pytest.MonkeyPatch) -> None:
    """UDP from a mobile node with a Home Address option: the checksum is over the home address
    (§9.1); a packet whose sum is wrong says so, from the fused writer too."""
    seen = _counted(monkeypatch)
    pkt = IPv6Packet(MN, CN, (dest_options(HomeAddress(HOME)),), UDP(7, 9, b"data"))
    fr = _frame(pkt)
    bad = bytearray(fr)
    bad[-1] ^= 1
    lines = _twice_then(fr, bytes(bad))
    assert '"checksum_ok": true' in lines[1] and '"checksum_ok": false' in lines[2]
    assert seen == [2, 3]


def test_a_fused_source_holds_no_octet_of_the_packet_but_integers() -> None:
    """The writers' source: offsets and path-selecting octets (integers) and the tables' names in
    its text; an address or payload of the packet is never in it."""
    for fr in frames(200, 9):
        d = fr[14:]
        pkt, err = decode_partial(d, DRAFT04, base_offset=14)
        assert err is None and pkt is not None
        made = fused_source(d, pkt, option_decoders(DRAFT04))
        if made is None:
            continue
        src, _ns = made
        for node in ast.walk(ast.parse(src)):
            if isinstance(node, ast.Constant):
                assert type(node.value) in (int, str) or node.value is None, src
                if type(node.value) is str:
                    assert "::" not in node.value and "2001" not in node.value, src


def test_writers_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """At most MAX_WRITERS compilations, a few per key; then the typed path writes, the same."""
    monkeypatch.setattr(json_fused, "MAX_WRITERS", 2)
    monkeypatch.setattr(cmd_decode, "_READERS", {})
    recs: list[Record | RecordError] = [
        Record(i + 1, i, 1, fr, len(fr)) for i, fr in enumerate(frames(300, 2))
    ]
    made: list[FusedWriters] = []
    real = FusedWriters.__init__

    def init(self: FusedWriters, profile: object) -> None:
        real(self, profile)  # type: ignore[arg-type]
        made.append(self)

    monkeypatch.setattr(FusedWriters, "__init__", init)
    _check(recs)
    assert made and all(w.made <= 2 for w in made)
