"""`wire_checksum_ok` (checksums verified over the octets as captured) gives `checksum_ok`'s answer for
every packet the codec decodes without error: generated packets, damaged ones, and real captures."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from mip6check.model.codec import (
    DRAFT04,
    IPv6Packet,
    checksum_ok,
    decode_packet,
    decode_partial,
    encode_packet,
    wire_checksum_ok,
)
from mip6check.model.codec.link import decode_link
from mip6check.model.codec.pcap import Record, iter_file
from mip6check.model.errors import CaptureError
from tests.codec import strategies as S

ROOT = Path(__file__).resolve().parents[2]


def _same(data: bytes, start: int) -> None:
    pkt, err = decode_partial(data[start:], DRAFT04, base_offset=start)
    if pkt is None or err is not None:
        return
    want = checksum_ok(pkt)
    got = wire_checksum_ok(data, pkt, start)
    assert got == want and type(got) is type(want)


@given(S.packet(DRAFT04), st.binary(max_size=20), st.binary(max_size=4))
def test_generated_packets(pkt: IPv6Packet, link: bytes, padding: bytes) -> None:
    b = encode_packet(pkt)
    assert wire_checksum_ok(b, decode_packet(b)) == checksum_ok(decode_packet(b))
    _same(link + b + padding, len(link))  # a link header before, link padding after


@given(S.packet(DRAFT04), st.data())
def test_damaged_packets(pkt: IPv6Packet, data: st.DataObject) -> None:
    b = bytearray(encode_packet(pkt))
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(b) - 1))
        b[i] = data.draw(st.integers(0, 255))
    _same(bytes(b), 0)


def _captures(shared_dir: Path | None) -> list[Path]:
    out = sorted((ROOT / "traces" / "captures").glob("*.pcap*"))
    if shared_dir is not None:
        out += sorted(p for p in shared_dir.rglob("*") if p.is_file())
    return out


def _check_files(paths: list[Path]) -> int:
    n = 0
    for path in paths:
        try:
            for rec in iter_file(str(path)):
                if not isinstance(rec, Record):
                    continue
                off = decode_link(rec.linktype, rec.data).ipv6_offset
                if off is not None:
                    _same(rec.data, off)
                    n += 1
        except CaptureError:
            continue
    return n


def test_corpus_captures() -> None:
    assert _check_files(_captures(None)) > 1000


def test_shared_captures(shared_traces: Path) -> None:
    assert _check_files(_captures(shared_traces)) > 1000
