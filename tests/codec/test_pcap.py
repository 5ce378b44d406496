"""pcap/pcapng reader and writers: round trips, hand-made corrupt files, arbitrary bytes."""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mip6check.model.codec.pcap import (
    MAX_RECORD,
    CaptureReader,
    PcapngWriter,
    PcapWriter,
    Record,
    RecordError,
    iter_file,
    iter_records,
)
from mip6check.model.errors import CaptureError, ModelUsageError

PKT = bytes(range(60))

# ---------------------------------------------------------------- round trips

packets = st.lists(
    st.tuples(st.binary(max_size=300), st.integers(0, 0xFFFFFFFF * 10**9 + 999_999_999)),
    max_size=20,
)


def _pcap(items: list[tuple[bytes, int]], nanosecond: bool, order: str, linktype: int = 1) -> bytes:
    f = io.BytesIO()
    w = PcapWriter(f, linktype=linktype, nanosecond=nanosecond, byteorder=order)
    for data, t in items:
        w.write(data, time_ns=t)
    return f.getvalue()


@given(packets, st.booleans(), st.sampled_from("<>"))
def test_pcap_round_trip(items: list[tuple[bytes, int]], nanosecond: bool, order: str) -> None:
    raw = _pcap(items, nanosecond, order, linktype=229)
    got = list(iter_records(io.BytesIO(raw)))
    assert all(isinstance(r, Record) for r in got)
    assert [r.data for r in got] == [d for d, _ in items]  # type: ignore[union-attr]
    want_t = [t if nanosecond else t // 1000 * 1000 for _, t in items]
    assert [r.time_ns for r in got] == want_t  # type: ignore[union-attr]
    assert [r.index for r in got] == list(range(1, len(items) + 1))
    assert all(r.linktype == 229 and r.orig_len == len(r.data) for r in got)  # type: ignore[union-attr]


@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.binary(max_size=200), st.integers(0, 2**40)), max_size=20
    ),
    st.sampled_from("<>"),
    st.sampled_from([6, 9, 3, 0x80 | 10, 0x80 | 30]),
)
def test_pcapng_round_trip(items: list[tuple[int, bytes, int]], order: str, tsresol: int) -> None:
    f = io.BytesIO()
    w = PcapngWriter(f, byteorder=order)
    lts = [1, 229, 113]
    ids = [w.add_interface(f"link{i}", linktype=lt, tsresol=tsresol) for i, lt in enumerate(lts)]
    assert ids == [0, 1, 2]
    for iface, data, t in items:
        w.write(iface, data, time_ns=t, comment="c" if iface == 1 else "")
    reader = CaptureReader(io.BytesIO(f.getvalue()))
    got = list(reader)
    assert reader.format == "pcapng"
    assert [i.name for i in reader.interfaces] == ["link0", "link1", "link2"]
    assert all(isinstance(r, Record) for r in got)
    assert [(r.iface, r.data, r.linktype) for r in got] == [  # type: ignore[union-attr]
        (i, d, lts[i]) for i, d, _ in items
    ]
    for r, (_, _, t) in zip(got, items, strict=True):
        assert isinstance(r, Record)
        n = tsresol & 0x7F
        if tsresol & 0x80:  # 2^-n units: exact to within one unit
            assert 0 <= t - r.time_ns <= 10**9 / 2**n + 1
        else:
            step = 10 ** max(0, 9 - n)
            assert r.time_ns == t // step * step


def test_writer_time_units() -> None:
    f = io.BytesIO()
    w = PcapWriter(f, nanosecond=False)
    w.write(PKT, time_us=12_000_250)
    w.write(PKT, time_ms=13_000)
    with pytest.raises(ModelUsageError):
        w.write(PKT)
    with pytest.raises(ModelUsageError):
        w.write(PKT, time_ns=1, time_us=1)
    recs = list(iter_records(io.BytesIO(f.getvalue())))
    assert [r.time_ns for r in recs] == [12_000_250_000, 13_000_000_000]  # type: ignore[union-attr]
    assert recs[0].time == pytest.approx(12.000250)  # type: ignore[union-attr]
    g = io.BytesIO()
    with pytest.raises(ModelUsageError):
        PcapngWriter(g).write(0, PKT, time_ns=0)


def test_pcapng_multiple_sections_and_endianness() -> None:
    a, b = io.BytesIO(), io.BytesIO()
    wa = PcapngWriter(a, byteorder="<")
    wa.add_interface("eth0")
    wa.write(0, b"first", time_ns=1)
    wb = PcapngWriter(b, byteorder=">")
    wb.add_interface("lo", linktype=0)
    wb.add_interface("raw", linktype=101)
    wb.write(1, b"second", time_ns=2)
    wb.write(0, b"third", time_ns=3)
    reader = CaptureReader(io.BytesIO(a.getvalue() + b.getvalue()))
    got = list(reader)
    assert [(r.index, r.iface, r.linktype, r.data) for r in got] == [  # type: ignore[union-attr]
        (1, 0, 1, b"first"),
        (2, 2, 101, b"second"),
        (3, 1, 0, b"third"),
    ]
    assert [i.section for i in reader.interfaces] == [0, 1, 1]


def _block(btype: int, body: bytes, e: str = "<") -> bytes:
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack(e + "II", btype, n) + body + struct.pack(e + "I", n)


def _ng_head(e: str = "<") -> bytes:
    shb = _block(0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1), e)
    idb = _block(1, struct.pack(e + "HHI", 1, 0, 0), e)
    return shb + idb


def _epb(data: bytes, iface: int = 0, e: str = "<") -> bytes:
    return _block(6, struct.pack(e + "IIIII", iface, 0, 5, len(data), len(data)) + data, e)


def test_pcapng_unknown_blocks_spb_and_tsoffset() -> None:
    e = "<"
    shb = _block(0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1))
    opts = struct.pack(e + "HH", 9, 1) + b"\x03\0\0\0" + struct.pack(e + "HHq", 14, 8, 100)
    opts += struct.pack(e + "HH", 0, 0)
    idb = _block(1, struct.pack(e + "HHI", 229, 0, 4) + opts)
    raw = shb + _block(0x0BAD, b"whatever") + idb + _block(5, b"\0" * 20)  # ISB, skipped
    raw += _block(3, struct.pack(e + "I", 10) + b"0123456789")  # SPB, caplen = min(10, snaplen 4)
    raw += _epb(b"abc")
    got = list(iter_records(io.BytesIO(raw)))
    assert [(r.index, r.data) for r in got] == [(1, b"0123"), (2, b"abc")]  # type: ignore[union-attr]
    assert got[1].time_ns == 100 * 10**9 + 5 * 10**6  # type: ignore[union-attr]


# ---------------------------------------------------------------- corrupt files


def _only_error(raw: bytes) -> CaptureError:
    with pytest.raises(CaptureError) as ei:
        list(iter_records(io.BytesIO(raw), "x.pcap"))
    assert ei.value.path == "x.pcap"
    return ei.value


def test_not_captures() -> None:
    assert "empty" in _only_error(b"").reason
    assert "magic" in _only_error(b"GIF89a" + b"\0" * 40).reason
    assert "truncated" in _only_error(struct.pack("<IHH", 0xA1B2C3D4, 2, 4)).reason
    assert _only_error(b"\xd4\xc3").offset == 0
    assert "truncated" in _only_error(_ng_head()[:20]).reason
    bad_bom = bytearray(_ng_head())
    bad_bom[8:12] = b"XXXX"
    assert _only_error(bytes(bad_bom)).offset == 8


def test_directory_and_missing(tmp_path: Path) -> None:
    with pytest.raises(CaptureError, match="directory"):
        iter_file(str(tmp_path))
    with pytest.raises(CaptureError, match="cannot open"):
        iter_file(str(tmp_path / "nope.pcap"))


def test_snaplen_zero_and_caplen_over_snaplen() -> None:
    f = io.BytesIO()
    w = PcapWriter(f, snaplen=0)
    w.write(PKT, time_ns=0)
    reader = CaptureReader(io.BytesIO(f.getvalue()))
    assert [r.data for r in reader] == [PKT]  # type: ignore[union-attr]
    assert (
        reader.notes and reader.notes[0].file_offset == 16 and "snaplen 0" in reader.notes[0].reason
    )
    g = io.BytesIO()
    w = PcapWriter(g, snaplen=10)
    w.write(PKT, time_ns=0)
    w.write(PKT[:5], time_ns=0)
    got = list(iter_records(io.BytesIO(g.getvalue())))
    assert len(got) == 2 and all(isinstance(r, Record) for r in got)
    assert "snaplen" in got[0].note and got[1].note == ""  # type: ignore[union-attr]


def test_truncated_mid_record() -> None:
    f = io.BytesIO()
    w = PcapWriter(f)
    for i in range(3):
        w.write(PKT, time_ns=i)
    raw = f.getvalue()
    got = list(iter_records(io.BytesIO(raw[:-7])))
    assert [type(r) for r in got] == [Record, Record, RecordError]
    err = got[2]
    assert isinstance(err, RecordError) and err.index == 3 and err.fatal
    assert err.file_offset == 24 + 2 * (16 + len(PKT))
    got = list(iter_records(io.BytesIO(raw[: 24 + 16 + len(PKT) + 5])))  # inside a record header
    assert [type(r) for r in got] == [Record, RecordError]


def test_absurd_record_length() -> None:
    raw = _pcap([(PKT, 0)], True, "<") + struct.pack("<IIII", 0, 0, MAX_RECORD + 1, 10) + b"x" * 10
    got = list(iter_records(io.BytesIO(raw)))
    assert isinstance(got[1], RecordError) and "absurd" in got[1].reason
    assert got[1].file_offset == 24 + 16 + len(PKT)


def test_pcapng_corruptions() -> None:
    head = _ng_head()
    # absurd block length
    got = list(iter_records(io.BytesIO(head + _epb(PKT) + struct.pack("<II", 6, 0xFFFFFFF0))))
    assert (
        isinstance(got[0], Record) and isinstance(got[1], RecordError) and "length" in got[1].reason
    )
    assert got[1].file_offset == len(head) + len(_epb(PKT))
    # block length not a multiple of 4, and too small
    for blen in (13, 8):
        got = list(iter_records(io.BytesIO(head + struct.pack("<II", 6, blen) + b"\0" * 20)))
        assert len(got) == 1 and isinstance(got[0], RecordError)
    # truncated mid-block
    got = list(iter_records(io.BytesIO(head + _epb(PKT)[:-9])))
    assert len(got) == 1 and isinstance(got[0], RecordError) and got[0].index == 1
    # a packet on an interface that does not exist, then a good one: reading goes on
    got = list(iter_records(io.BytesIO(head + _epb(PKT, iface=3) + _epb(PKT))))
    assert isinstance(got[0], RecordError) and not got[0].fatal and isinstance(got[1], Record)
    assert [r.index for r in got] == [1, 2]
    # captured length past the block
    bad = bytearray(_epb(PKT))
    bad[20:24] = struct.pack("<I", 1000)
    got = list(iter_records(io.BytesIO(head + bytes(bad))))
    assert isinstance(got[0], RecordError) and not got[0].fatal
    # trailing length differs
    bad = bytearray(_epb(PKT))
    bad[-4:] = struct.pack("<I", 4)
    got = list(iter_records(io.BytesIO(head + bytes(bad))))
    assert isinstance(got[0], RecordError)


def test_large_file_streams_in_chunks() -> None:
    f = io.BytesIO()
    w = PcapWriter(f)
    big = bytes(70_000)
    for i in range(40):  # ~2.8 MB: crosses several 1 MiB chunk boundaries
        w.write(big[: 1000 + i * 1700], time_ns=i)
    got = list(iter_records(io.BytesIO(f.getvalue())))
    assert [len(r.data) for r in got] == [1000 + i * 1700 for i in range(40)]  # type: ignore[union-attr]


class _Trickle(io.RawIOBase):
    """A file object that returns at most 7 octets per read (pipes, sockets)."""

    def __init__(self, data: bytes) -> None:
        self._b = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        return self._b.read(min(n, 7) if n >= 0 else 7)


def test_short_reads() -> None:
    raw = _pcap([(PKT, 1), (PKT[:3], 2)], False, ">")
    got = list(iter_records(_Trickle(raw)))  # type: ignore[arg-type]
    assert [r.data for r in got] == [PKT, PKT[:3]]  # type: ignore[union-attr]


# ---------------------------------------------------------------- arbitrary bytes


def _drain(raw: bytes) -> None:
    try:
        items = list(iter_records(io.BytesIO(raw)))
    except CaptureError:
        return
    assert all(isinstance(i, Record | RecordError) for i in items)
    assert [i.index for i in items] == list(range(1, len(items) + 1))
    assert all(not i.fatal for i in items[:-1] if isinstance(i, RecordError))  # fatal ends reading


@given(st.binary(max_size=400))
def test_arbitrary_bytes(raw: bytes) -> None:
    _drain(raw)


@given(st.sampled_from([b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\x3c\x4d"]), st.binary(max_size=400))
def test_arbitrary_pcap_body(magic: bytes, rest: bytes) -> None:
    _drain(magic + rest)


@given(st.sampled_from(["<", ">"]), st.binary(max_size=400))
def test_arbitrary_pcapng_body(e: str, rest: bytes) -> None:
    _drain(_ng_head(e) + rest)


# ---------------------------------------------------------------- the shared corpus


def _corpus(shared: Path) -> list[Path]:
    return sorted((shared / "tcpdump-all").iterdir())


def test_corpus_reads(shared_traces: Path) -> None:
    files = _corpus(shared_traces)
    assert len(files) >= 800
    for p in files:
        items = list(iter_file(str(p)))
        assert [i.index for i in items] == list(range(1, len(items) + 1)), p


@pytest.mark.skipif(shutil.which("capinfos") is None, reason="capinfos not installed")
def test_corpus_counts_match_capinfos(shared_traces: Path) -> None:
    files = [str(p) for p in _corpus(shared_traces)]
    out = subprocess.run(
        ["capinfos", "-c", "-M", "-T", "-r", *files], capture_output=True, text=True, check=False
    ).stdout
    counts = {}
    for line in out.splitlines():
        name, _, n = line.rpartition("\t")
        if n.isdigit():
            counts[name] = int(n)
    assert len(counts) >= 780  # capinfos declines a few link types it does not know
    for name, n in counts.items():
        items = list(iter_file(name))
        assert sum(isinstance(i, Record) for i in items) == n, name
        assert not any(isinstance(i, RecordError) for i in items), name


class _Endless(io.RawIOBase):
    """A pcap of `n` records of 1000 octets generated on the fly (never held whole in memory)."""

    def __init__(self, n: int) -> None:
        head = io.BytesIO()
        PcapWriter(head)
        rec = io.BytesIO()
        w = PcapWriter(rec)
        w.write(bytes(1000), time_ns=0)
        self._head = head.getvalue()
        self._rec = rec.getvalue()[24:] * 64
        self._left = n // 64
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray) -> int:  # type: ignore[override]
        if not self._pending:
            if self._head:
                self._pending, self._head = memoryview(self._head), b""
            elif self._left:
                self._left -= 1
                self._pending = memoryview(self._rec)
            else:
                return 0
        k = min(len(b), len(self._pending))
        b[:k] = self._pending[:k]
        self._pending = self._pending[k:]
        return k


def test_constant_memory() -> None:
    """~24 MB of records read with a bounded peak (the buffer is one chunk plus one record)."""
    import tracemalloc

    tracemalloc.start()
    n = 0
    for r in iter_records(io.BufferedReader(_Endless(24 * 1024), buffer_size=1 << 16)):
        n += 1
        assert isinstance(r, Record)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert n == 24 * 1024
    assert peak < 6 * (1 << 20), peak


# ---------------------------------------------------------------- differential: tshark reads what we read and write


def _tshark_fields(path: str) -> list[list[str]]:
    out = subprocess.run(
        [
            "tshark",
            "-r",
            path,
            "-T",
            "fields",
            "-e",
            "frame.time_epoch",
            "-e",
            "frame.len",
            "-e",
            "frame.cap_len",
            "-e",
            "frame.interface_id",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    ).stdout
    return [line.split("\t") for line in out.splitlines()]


def _agree(path: str) -> None:
    from decimal import Decimal

    recs = [r for r in iter_file(path) if isinstance(r, Record)]
    rows = _tshark_fields(path)
    assert len(recs) == len(rows), path
    for r, (t, length, caplen, iface) in zip(recs, rows, strict=True):
        assert int(Decimal(t) * 10**9) == r.time_ns, (path, r.index)
        assert (int(length), int(caplen), int(iface or 0)) == (r.orig_len, len(r.data), r.iface)


needs_tshark = pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")


@needs_tshark
@pytest.mark.parametrize("slow", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_pcapng_corpus_agrees_with_tshark(shared_traces: Path, slow: bool) -> None:
    """Timestamps (to the nanosecond), lengths and interface ids of the corpus's pcapng files."""
    files = [p for p in _corpus(shared_traces) if p.suffix == ".pcapng"]
    for p in files if slow else files[:4]:
        _agree(str(p))


@needs_tshark
@pytest.mark.parametrize("order,tsresol", [("<", 9), (">", 6), ("<", 0x80 | 20)])
def test_tshark_reads_our_pcapng(tmp_path: Path, order: str, tsresol: int) -> None:
    p = tmp_path / "w.pcapng"
    with p.open("wb") as f:
        w = PcapngWriter(f, byteorder=order)
        w.add_interface("home", tsresol=tsresol)
        w.add_interface("foreign", linktype=229, tsresol=tsresol)
        for i in range(6):
            w.write(i % 2, PKT[: 40 + i], time_ns=1_700_000_000_123_456_000 + i * 1000)
    _agree(str(p))
    names = subprocess.run(
        ["tshark", "-r", str(p), "-T", "fields", "-e", "frame.interface_name"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    ).stdout.split()
    assert names == ["home", "foreign"] * 3


@needs_tshark
@pytest.mark.parametrize("nanosecond,order", [(True, "<"), (False, ">")])
def test_tshark_reads_our_pcap(tmp_path: Path, nanosecond: bool, order: str) -> None:
    p = tmp_path / "w.pcap"
    p.write_bytes(_pcap([(PKT, 1_700_000_000_000_001_000), (PKT[:7], 5_000)], nanosecond, order))
    _agree(str(p))
