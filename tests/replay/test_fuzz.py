"""Hostile input never breaks replay (issue 7): mutated corpus packets and random bytes."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from mip6check.model.codec.pcap import PcapWriter, Record, iter_file
from mip6check.properties.replay import ReplayOptions, replay_file
from mip6check.properties.replay.engine import replay_file as _rf

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "traces" / "captures"


def _corpus_frames() -> list[bytes]:
    out: list[bytes] = []
    for p in sorted(CAPTURES.glob("*.pcap*")):
        for r in iter_file(str(p)):
            if isinstance(r, Record):
                out.append(r.data[14:] if r.linktype == 1 else r.data)
    return out


FRAMES = _corpus_frames()


def _write(tmp: Path, packets: list[bytes]) -> Path:
    buf = io.BytesIO()
    w = PcapWriter(buf, linktype=229)
    for i, p in enumerate(packets):
        w.write(p, time_ms=i * 300)
    path = tmp / "fuzz.pcap"
    path.write_bytes(buf.getvalue())
    return path


@settings(max_examples=60, deadline=None)
@given(
    picks=st.lists(st.integers(0, len(FRAMES) - 1), min_size=1, max_size=30),
    flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
)
def test_mutated_corpus_packets(
    tmp_path_factory: object, picks: list[int], flips: list[tuple[int, int]]
) -> None:
    pkts = []
    for k, i in enumerate(picks):
        b = bytearray(FRAMES[i])
        for pos, val in flips[k % max(1, len(flips)) :][:2]:
            if b:
                b[pos % len(b)] = val
        pkts.append(bytes(b))
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        r = replay_file(str(_write(Path(d), pkts)), ReplayOptions())
    assert r.packets == r.decoded + r.undecodable == len(pkts)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.binary(min_size=0, max_size=200), min_size=1, max_size=10))
def test_random_bytes(pkts: list[bytes]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        r = _rf(str(_write(Path(d), pkts)))
    assert r.packets == r.decoded + r.undecodable
