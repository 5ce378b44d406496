"""`decode --workers N` writes, byte for byte, what `--workers 1` (in this process) writes: on every
capture of the repository, on a large generated capture with undecodable records in the middle, with
an error of the reader or of the renderer part-way, and on Ctrl-C (the lines before it, exit 130)."""

from __future__ import annotations

import io
import itertools
import os
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from itertools import islice
from pathlib import Path

import pytest

from mip6check.cli import cmd_decode, json_lines
from mip6check.cli.main import main
from mip6check.model.codec import PROFILES
from mip6check.model.codec.link import encode_ethernet
from mip6check.model.codec.pcap import PcapWriter, Record, RecordError, iter_file
from mip6check.model.errors import CaptureError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench._corpus import frames  # noqa: E402

CAPTURES = sorted(p for p in (ROOT / "traces").rglob("*") if p.suffix in (".pcap", ".pcapng"))
MAC1, MAC2 = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _mixed(path: Path, n: int) -> Path:
    """The benchmarks' traffic with, in the middle, an IPv6 packet cut short, an IPv4 frame, a frame
    shorter than an Ethernet header and a record whose caplen exceeds the snaplen."""
    fs = list(frames(n))
    mid = n // 2
    bad = bytearray(fs[mid][14:])
    bad[6] = 60  # Next Header: Destination Options, but nothing follows
    fs[mid:mid] = [
        encode_ethernet(MAC1, MAC2, bytes(bad[:40])),
        MAC2 + MAC1 + b"\x08\x00" + bytes(20),
        MAC1[:5],
        bytes(2000),
    ]
    with open(path, "wb") as f:
        w = PcapWriter(f, linktype=1, nanosecond=False, snaplen=1500)
        for i, fr in enumerate(fs):
            w.write(fr, time_us=i * 1000 + 3)
    return path


def test_every_repository_capture_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small chunks, so that even short captures go through the worker processes."""
    monkeypatch.setattr(cmd_decode, "CHUNK", 3)
    compared = 0
    for path in CAPTURES:
        one = run("decode", "--json", str(path), "--workers", "1")
        two = run("decode", "--json", str(path), "--workers", "2")
        assert one == two, path.name
        compared += one[1].count("\n")
    assert len(CAPTURES) >= 100 and compared > 2000


def test_large_capture_same_bytes_in_order(tmp_path: Path) -> None:
    path = _mixed(tmp_path / "big.pcap", 3 * cmd_decode.CHUNK + 500)
    for fmt in (("--json",), ()):
        one = run("decode", *fmt, str(path), "--workers", "1")
        assert one[0] == 0 and one[2] == ""
        for n in ("2", "3"):
            assert run("decode", *fmt, str(path), "--workers", n) == one
    lines = one[1].splitlines()  # text: one line per record, in capture order
    assert len(lines) == 3 * cmd_decode.CHUNK + 504
    code, out, _ = run("decode", "--json", str(path), "--workers", "3")
    idx = [int(x.split(",", 1)[0].removeprefix('{"index": ')) for x in out.splitlines()]
    assert idx == list(range(1, len(lines) + 1))
    assert out.count('"error": {') >= 2 and '"not_ipv6": {' in out


def test_default_is_the_number_of_cores_and_one_is_in_process(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = _mixed(tmp_path / "m.pcap", 40)
    monkeypatch.setattr(cmd_decode, "CHUNK", 8)
    seen: list[tuple[int, str]] = []
    real = cmd_decode._pump

    def spy(jobs, target, args, workers, write, notes):  # type: ignore[no-untyped-def]
        seen.append((workers, target.__name__))
        return real(jobs, target, args, workers, write, notes)

    monkeypatch.setattr(cmd_decode, "_pump", spy)
    monkeypatch.setattr(cmd_decode, "default_workers", lambda: 3)
    assert run("decode", "--json", str(path))[0] == 0
    assert seen == [(3, "_range_worker")]  # a pcap file: the workers read their ranges
    assert run("decode", "--json", str(path), "--workers", "1")[0] == 0
    assert seen == [(3, "_range_worker")]  # in this process: no pool
    code, out, err = run("decode", str(path), "--workers", "0")
    assert code == 2 and out == "" and "--workers" in err


def _variant(path: Path, fs: list[bytes], **kw: object) -> Path:
    with open(path, "wb") as f:
        w = PcapWriter(f, linktype=1, snaplen=1500, **kw)  # type: ignore[arg-type]
        for i, fr in enumerate(fs):
            w.write(fr, time_ns=i * 1_000_003 + 7)
    return path


def test_ranges_read_by_the_workers_same_bytes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A pcap file is read by the workers, range by range, never sent as records: big-endian and
    nanosecond files, the modified format's 24-octet record headers, ranges cut by size, a file
    that ends inside a record or a record header, a record of absurd length, and a file of a few
    records more than one range - each byte for byte what one process writes."""
    monkeypatch.setattr(cmd_decode, "CHUNK", 16)

    def no_records(rec):  # type: ignore[no-untyped-def]
        raise AssertionError("a record was sent to a worker")

    monkeypatch.setattr(cmd_decode, "_to_wire", no_records)
    fs = [bytes(x) for x in frames(150)] + [bytes(2000), MAC1[:5]]
    base = _variant(tmp_path / "le.pcap", fs, nanosecond=False)
    raw = base.read_bytes()
    cases = {
        "le": base,
        "be-ns": _variant(tmp_path / "be.pcap", fs, nanosecond=True, byteorder=">"),
        "cut-in-record": tmp_path / "cut1.pcap",
        "cut-in-header": tmp_path / "cut2.pcap",
        "absurd": tmp_path / "absurd.pcap",
        "modified": tmp_path / "kuz.pcap",
        "one-range-and-a-bit": _variant(tmp_path / "few.pcap", fs[:17]),
    }
    cases["cut-in-record"].write_bytes(raw[:-30])
    cases["cut-in-header"].write_bytes(raw + bytes(9))
    absurd = bytearray(raw)
    at = 24 + sum(16 + len(x) for x in fs[:100])
    absurd[at + 8 : at + 12] = (1 << 30).to_bytes(4, "little")
    cases["absurd"].write_bytes(bytes(absurd) + bytes(1 << 20))
    kuz = bytearray(raw[:24])
    kuz[0:4] = (0xA1B2CD34).to_bytes(4, "little")
    for i, fr in enumerate(fs):
        kuz += struct.pack("<IIII", i, 0, len(fr), len(fr)) + bytes(8) + fr
    cases["modified"].write_bytes(bytes(kuz))
    for name, path in cases.items():
        for fmt in (("--json",), ()):
            one = run("decode", *fmt, str(path), "--workers", "1")
            assert one[1].count("\n") > 16, name
            assert run("decode", *fmt, str(path), "--workers", "2") == one, name
            with monkeypatch.context() as m:
                m.setattr(cmd_decode, "RANGE_BYTES", 700)  # ranges of a few records each
                assert run("decode", *fmt, str(path), "--workers", "3") == one, name
    assert '"error": {' in run("decode", "--json", str(cases["absurd"]), "--workers", "1")[1]


def test_pcap_ranges_cover_the_file_and_stop_at_a_read_error(tmp_path: Path) -> None:
    """The ranges follow each other from the first record to the file's end, each starting where a
    record does with that record's index and carrying the file header; a read error part-way is
    raised after the ranges walked before it."""
    path = _mixed(tmp_path / "w.pcap", 1000)
    offsets = [r.file_offset for r in iter_file(str(path))]
    size = path.stat().st_size
    with open(path, "rb") as f:
        got = list(cmd_decode.pcap_ranges(f, str(path), ("<", 16), 97))
    assert {g[0] for g in got} == {path.read_bytes()[:24]}
    assert got[0][1] == 24 and got[-1][2] == size
    assert all(a[2] == b[1] for a, b in zip(got, got[1:], strict=False))
    assert [g[3] for g in got] == list(range(1, len(offsets) + 1, 97))
    assert [g[1] for g in got] == offsets[::97]

    class Failing(io.BytesIO):
        def read(self, n: int | None = -1) -> bytes:
            if self.tell() > 3 << 20:
                raise OSError(5, "Input/output error")
            return super().read(n)

    big = _mixed(tmp_path / "big.pcap", 30_000)
    walked: list[tuple[bytes, int, int, int]] = []
    with pytest.raises(CaptureError, match="read error: Input/output error"):
        walked.extend(cmd_decode.pcap_ranges(Failing(big.read_bytes()), "x", ("<", 16), 1000))
    assert walked and walked[0][1] == 24
    assert all(a[2] == b[1] for a, b in zip(walked, walked[1:], strict=False))
    # 3 MiB and 24 octets were read: the ranges reach the last record whole within them
    assert (3 << 20) + 24 - 1500 < walked[-1][2] <= (3 << 20) + 24


def test_pcapng_ranges_carry_the_blocks_before_them(tmp_path: Path) -> None:
    """Each pcapng range starts at a packet block, with that record's index, and carries the
    section header and interface blocks before it, in file order; the ranges cover the file."""
    blocks = _ng_section("<", [bytes(x) for x in frames(40)]) + _ng_section(
        ">", [bytes(x) for x in frames(20)]
    )
    path = tmp_path / "r.pcapng"
    path.write_bytes(b"".join(blocks))
    recs = list(iter_file(str(path)))
    with open(path, "rb") as f:
        from mip6check.model.codec.pcap import CaptureReader

        got = list(cmd_decode.pcapng_ranges(f, str(path), CaptureReader(f), 7))
    assert got[0][:2] == (b"", 0) and got[-1][2] == path.stat().st_size
    assert all(a[2] == b[1] for a, b in zip(got, got[1:], strict=False))
    assert [g[3] for g in got] == list(range(1, len(recs) + 1, 7))
    kinds = (b"\x0a\x0d\x0d\x0a", b"\x01\x00\x00\x00", b"\x00\x00\x00\x01")
    at = list(itertools.accumulate(len(b) for b in blocks))
    meta = [(end - len(b), b) for end, b in zip(at, blocks, strict=True) if b[:4] in kinds]
    assert len(meta) == 8
    for head, offset, _, first in got[1:]:
        assert offset == recs[first - 1].file_offset
        assert head == b"".join(b for start, b in meta if start < offset)
    assert len(got[-1][0]) > len(blocks[0]) + sum(len(b) for _, b in meta[:4])


def _block(e: str, btype: int, body: bytes, trailer: int | None = None) -> bytes:
    body += bytes(-len(body) % 4)
    n = 12 + len(body)
    return (
        struct.pack(e + "II", btype, n)
        + body
        + struct.pack(e + "I", n if trailer is None else trailer)
    )


def _ng_section(e: str, fs: list[bytes], bad_idb_option: bool = False) -> list[bytes]:
    """One pcapng section as its blocks: two interfaces (one more half-way, one with an option
    running past its block when asked), packets on all of them, a block of unknown type."""
    shb = _block(e, 0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1))
    idb = [_block(e, 1, struct.pack(e + "HHI", 1, 0, 0) + struct.pack(e + "HH", 9, 1) + b"\x09")]
    opt = struct.pack(e + "HH", 2, 40) + b"eth" if bad_idb_option else b""
    idb.append(_block(e, 1, struct.pack(e + "HHI", 1, 0, 1500) + opt))
    out = [shb, *idb]
    for i, fr in enumerate(fs):
        if i == len(fs) // 2:
            out.append(_block(e, 1, struct.pack(e + "HHI", 1, 0, 0)))
            out.append(_block(e, 0x0BAD, b"custom"))
        iface = i % (3 if i >= len(fs) // 2 else 2)
        t = i * 1_000_003
        head = struct.pack(e + "IIIII", iface, t >> 32, t & 0xFFFFFFFF, len(fr), len(fr))
        out.append(_block(e, 6, head + fr))
    return out


def test_pcapng_ranges_read_by_the_workers_same_bytes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A pcapng file is read by the workers too, each range with the section and interface blocks
    before it: two sections of opposite byte orders, an interface added half-way, an IDB option
    running past its block (a note), an unknown block, a packet block naming no interface, and a
    file ending in the middle of a block, a trailing length that differs, a block of impossible
    length - byte for byte what one process writes, notes included."""
    monkeypatch.setattr(cmd_decode, "CHUNK", 16)

    def no_records(rec):  # type: ignore[no-untyped-def]
        raise AssertionError("a record was sent to a worker")

    monkeypatch.setattr(cmd_decode, "_to_wire", no_records)
    fs = [bytes(x) for x in frames(120)]
    one_section = _ng_section("<", fs, bad_idb_option=True)
    blocks = one_section + _ng_section(">", fs[:50])
    whole = b"".join(blocks)
    at = len(b"".join(blocks[:40]))  # the 41st block: a packet block of the first section
    unknown_if = bytearray(whole)
    unknown_if[at + 8 : at + 12] = struct.pack("<I", 7)
    differ = bytearray(whole)
    differ[at + len(blocks[40]) - 4] ^= 4
    bad_len = bytearray(whole)
    bad_len[at + 4 : at + 8] = struct.pack("<I", 13)
    cases = {
        "two-sections": whole,
        "unknown-interface": bytes(unknown_if),
        "cut": whole[:-10],
        "trailer-differs": bytes(differ),
        "bad-length": bytes(bad_len),
        "one-section": b"".join(one_section),
    }
    for name, data in cases.items():
        path = tmp_path / f"{name}.pcapng"
        path.write_bytes(data)
        for fmt in (("--json",), ()):
            one = run("decode", *fmt, str(path), "--workers", "1")
            assert one[1].count("\n") > 16, name
            assert run("decode", *fmt, str(path), "--workers", "2") == one, name
            with monkeypatch.context() as m:
                m.setattr(cmd_decode, "RANGE_BYTES", 700)  # ranges of a few records each
                assert run("decode", *fmt, str(path), "--workers", "3") == one, name
        if name == "two-sections":
            assert "note: IDB option 2 length 40 runs past the block" in one[2]
            assert one[1].count("\n") == 170


def test_a_stream_sends_the_records(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """What workers cannot read by offset - a FIFO, a pipe - is read here and sent to them as
    records: the same bytes as one process."""
    monkeypatch.setattr(cmd_decode, "CHUNK", 8)
    seen: list[str] = []
    real = cmd_decode._pump

    def spy(jobs, target, args, workers, write, notes):  # type: ignore[no-untyped-def]
        seen.append(target.__name__)
        return real(jobs, target, args, workers, write, notes)

    monkeypatch.setattr(cmd_decode, "_pump", spy)
    src = _mixed(tmp_path / "s.pcap", 60)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    feeder = threading.Thread(target=lambda: fifo.write_bytes(src.read_bytes()))
    feeder.start()
    try:
        got = run("decode", "--json", str(fifo), "--workers", "2")
    finally:
        feeder.join()
    assert got == run("decode", "--json", str(src), "--workers", "1") and got[0] == 0
    assert seen == ["_worker"]


def test_reader_error_part_way_after_the_lines_before_it(tmp_path: Path) -> None:
    """A CaptureError raised by the reader after some records: every line before it is written, by
    both ways, then the error (exit 2)."""
    path = _mixed(tmp_path / "r.pcap", 30)
    recs = list(iter_file(str(path)))

    def reader() -> Iterator[Record | RecordError]:
        yield from recs[:25]
        raise CaptureError(str(path), 999, "made to fail here")

    outs = []
    for workers in (1, 2):
        got: list[str] = []
        with pytest.raises(CaptureError):
            if workers == 1:
                cmd_decode._write_lines(
                    cmd_decode.render_lines(reader(), PROFILES["draft04"], True), got.append
                )
            else:
                old = cmd_decode.CHUNK
                cmd_decode.CHUNK = 4
                try:
                    cmd_decode._write_parallel(
                        reader(), PROFILES["draft04"], True, workers, got.append
                    )
                finally:
                    cmd_decode.CHUNK = old
        outs.append("".join(got))
    assert outs[0] == outs[1] and outs[0].count("\n") == 25


def test_renderer_failure_part_way_same_as_in_process(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A bug while rendering record 11 (made here): the ten lines before it, then one stderr line and
    exit 2, with or without workers (the workers are forked with the fault in place)."""
    path = _mixed(tmp_path / "f.pcap", 30)
    monkeypatch.setattr(cmd_decode, "CHUNK", 4)
    real, real_wrapped = json_lines.decoded_line_at, json_lines.wrapped

    def faulty(r, off, pkt):  # type: ignore[no-untyped-def]
        if r.index == 11:
            raise RuntimeError("made to fail")
        return real(r, off, pkt)

    def faulty_wrapped(r, fields, checksum):  # type: ignore[no-untyped-def]
        if r.index == 11:  # a record of a shape seen before: written by a fused writer
            raise RuntimeError("made to fail")
        return real_wrapped(r, fields, checksum)

    monkeypatch.setattr(cmd_decode, "decoded_line_at", faulty)
    monkeypatch.setattr(cmd_decode, "wrapped", faulty_wrapped)
    one = run("decode", "--json", str(path), "--workers", "1")
    two = run("decode", "--json", str(path), "--workers", "2")
    assert one == two
    assert one[0] == 2 and one[1].count("\n") == 10 and "made to fail" in one[2]


RECORDS = 1_200_000
"""Enough that the decode (about 5 us a record) is still running when the signal comes."""

AS_AT_A_TERMINAL = (
    "import signal, sys\n"
    "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    "signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})\n"
    "from mip6check.cli.main import main\n"
    "sys.exit(main())\n"
)
"""The command as a terminal starts it, whoever started the tests: a process started in the
background by a non-interactive shell (`pytest &` in a CI script) inherits SIGINT ignored, Python
keeps it ignored, and the decode then rightly runs to its end with exit 0 (that was the CI flake)."""


@pytest.mark.parametrize("after_octets", [1, 100_000, 3_000_000])
def test_ctrl_c_stops_workers_and_keeps_order(tmp_path: Path, after_octets: int) -> None:
    """SIGINT to the process group part-way (at the first output, or later): exit 130 within 2 s
    (a worker stopped in the middle of a large message must not leave the command waiting
    for its end), the interrupted line on stderr, stdout whole lines in capture order that equal the
    in-process lines of the same records; no worker outlives the command."""
    path = tmp_path / "long.pcap"
    fs = list(frames(500))
    with open(path, "wb") as f:
        w = PcapWriter(f, linktype=1, nanosecond=False)
        for i in range(RECORDS):
            w.write(fs[i % 500], time_us=i)
    out_path = tmp_path / "out.jsonl"
    with open(out_path, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", AS_AT_A_TERMINAL, "decode", "--json", str(path)]
            + ["--workers", "2"],
            stdout=out,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while out_path.stat().st_size < after_octets and time.monotonic() < deadline:
            time.sleep(0.01)
        assert proc.poll() is None, "the decode ended before the signal could be sent"
        sent = time.monotonic()
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        took = time.monotonic() - sent
    assert proc.returncode == 130, err
    assert took < 2.0, f"exit {took:.2f} s after the signal"
    assert b"interrupted" in err and b"Traceback" not in err
    text = out_path.read_text()
    assert text.endswith("\n")
    got = text.splitlines()
    assert 0 < len(got) < RECORDS
    assert [int(x.split(",", 1)[0].removeprefix('{"index": ')) for x in got] == list(
        range(1, len(got) + 1)
    )
    # the same records rendered in one process give the same lines
    head = islice(iter_file(str(path)), len(got))
    assert got == list(cmd_decode.render_lines(head, PROFILES["draft04"], True))
    time.sleep(0.5)
    left = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True)
    assert left.stdout.strip() == "", "workers outlived the command"
