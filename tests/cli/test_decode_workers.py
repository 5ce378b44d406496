"""`decode --workers N` writes, byte for byte, what `--workers 1` (in this process) writes: on every
capture of the repository, on a large generated capture with undecodable records in the middle, with
an error of the reader or of the renderer part-way, and on Ctrl-C (the lines before it, exit 130)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
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
    seen: list[int] = []
    real = cmd_decode._write_parallel

    def spy(records, profile, as_json, workers, write):  # type: ignore[no-untyped-def]
        seen.append(workers)
        return real(records, profile, as_json, workers, write)

    monkeypatch.setattr(cmd_decode, "_write_parallel", spy)
    monkeypatch.setattr(cmd_decode, "default_workers", lambda: 3)
    assert run("decode", "--json", str(path))[0] == 0
    assert seen == [3]
    assert run("decode", "--json", str(path), "--workers", "1")[0] == 0
    assert seen == [3]  # in this process: no pool
    code, out, err = run("decode", str(path), "--workers", "0")
    assert code == 2 and out == "" and "--workers" in err


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


@pytest.mark.parametrize("after_octets", [1, 100_000, 3_000_000])
def test_ctrl_c_stops_workers_and_keeps_order(tmp_path: Path, after_octets: int) -> None:
    """SIGINT to the process group part-way (at the first output, or later): exit 130 within a
    minute (a worker stopped in the middle of a large message must not leave the command waiting
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
            [sys.executable, "-m", "mip6check.cli.main", "decode", "--json", str(path)]
            + ["--workers", "2"],
            stdout=out,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while out_path.stat().st_size < after_octets and time.monotonic() < deadline:
            time.sleep(0.01)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
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
