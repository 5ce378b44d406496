"""`mip6check decode`: the JSON field contract, exit codes, one line per record, no traceback ever."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mip6check.cli.cmd_decode import decode_path, decode_record
from mip6check.cli.main import main
from mip6check.cli.render import record_json, record_text
from mip6check.model.addr import a
from mip6check.model.codec import IPv6Packet, NoNextHeader, encode_packet
from mip6check.model.codec.link import encode_ethernet
from mip6check.model.codec.pcap import (
    PcapngWriter,
    PcapWriter,
    Record,
    RecordError,
    iter_file,
    iter_records,
)
from mip6check.model.errors import CaptureError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "traces" / "examples" / "home-registration.pcapng"
CONTRACT = ("index", "time", "src", "dst", "chain", "mip6", "routing", "icmpv6", "inner", "error")
MAC1 = bytes.fromhex("00005e005301")
MAC2 = bytes.fromhex("00005e005302")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def lines(path: Path | str) -> list[dict[str, object]]:
    code, out, err = run("decode", "--json", str(path))
    assert code == 0 and err == ""
    return [json.loads(x) for x in out.splitlines()]


# ---------------------------------------------------------------- the example and the field contract


def test_example_json_contract() -> None:
    got = lines(EXAMPLE)
    assert [j["index"] for j in got] == [1, 2, 3, 4, 5]
    for j in got:
        assert all(k in j for k in CONTRACT)
        assert j["error"] is None and j["checksum_ok"] is not False
    bu = got[1]
    assert bu["time"] == pytest.approx(12.000250)
    assert bu["src"] == "2001:db8:2::100" and bu["dst"] == "2001:db8:1::1"
    assert bu["chain"] == ["dstopts", "ah", "none"]
    assert bu["mip6"][0] == {
        "type": "BU",
        "a": True,
        "h": True,
        "c": False,
        "id_length": 64,
        "seq": 7,
        "lifetime": 60,
        "care_of": None,
        "opt_type": 195,
        "in": "dstopts",
    }
    assert bu["mip6"][1]["type"] == "HAO" and bu["mip6"][1]["home_address"] == "2001:db8:1::100"
    ba = got[3]
    assert ba["routing"] == {"type": 0, "segments_left": 1, "addresses": ["2001:db8:1::100"]}
    assert ba["mip6"][0]["type"] == "BA" and ba["mip6"][0]["refresh"] == 60
    na = got[2]["icmpv6"]
    assert (
        na["type"] == 136
        and na["override"]
        and not na["solicited"]
        and na["tlla"] == "00:00:5e:00:53:02"
    )
    tun = got[4]
    assert tun["chain"] == ["ipv6"] and tun["inner"]["src"] == "2001:db8:3::5"
    assert tun["inner"]["chain"] == ["udp"] and "index" not in tun["inner"]


def test_example_text() -> None:
    code, out, err = run("decode", str(EXAMPLE))
    assert code == 0 and err == ""
    text = out.splitlines()
    assert len(text) == 5
    assert text[1] == (
        "2 12.000250 2001:db8:2::100 > 2001:db8:1::1 "
        "dstopts[BU a h seq=7 life=60 idlen=64; HAO 2001:db8:1::100] ah"
    )


def test_profile_draft08_reads_draft04_options_as_unknown() -> None:
    code, out, _ = run("decode", "--json", "--profile", "draft08", str(EXAMPLE))
    assert code == 0
    assert json.loads(out.splitlines()[1])["mip6"] == []


def _write(tmp: Path, frames: list[bytes], linktype: int = 1) -> Path:
    p = tmp / "t.pcap"
    with p.open("wb") as f:
        w = PcapWriter(f, linktype=linktype)
        for i, fr in enumerate(frames):
            w.write(fr, time_ns=i)
    return p


def test_not_ipv6_and_malformed(tmp_path: Path) -> None:
    good = encode_packet(IPv6Packet(a("2001:db8::1"), a("2001:db8::2"), (), NoNextHeader()))
    bad = bytearray(good)
    bad[6] = 60  # Next Header: Destination Options, but nothing follows
    frames = [
        encode_ethernet(MAC1, MAC2, good),
        MAC2 + MAC1 + b"\x08\x00" + bytes(20),  # IPv4
        encode_ethernet(MAC1, MAC2, bytes(bad)),
        MAC1[:5],  # shorter than the Ethernet header
    ]
    got = lines(_write(tmp_path, frames))
    assert len(got) == 4
    assert got[0]["chain"] == ["none"] and got[0]["error"] is None
    assert (
        got[1]["src"] is None
        and got[1]["not_ipv6"]["ethertype"] == 0x0800
        and got[1]["error"] is None
    )
    err = got[2]["error"]
    assert err is not None and set(err) >= {"offset", "reason", "layer", "field"}
    assert err["offset"] >= 14 + 40  # absolute within the frame, past link and IPv6 headers
    assert got[2]["src"] == "2001:db8::1"  # decoded as far as it goes
    assert got[3]["error"]["layer"] == "link"


def test_file_notes_go_to_stderr(tmp_path: Path) -> None:
    p = tmp_path / "s0.pcap"
    with p.open("wb") as f:
        PcapWriter(f, snaplen=0).write(bytes(40), time_ns=0)
    code, out, err = run("decode", str(p))
    assert code == 0 and len(out.splitlines()) == 1
    assert (
        err.strip()
        == f"mip6check: {p}: note: snaplen 0 in the file header (taken as 262144) (at byte 16)"
    )


def test_truncated_capture_is_a_line_not_exit_2(tmp_path: Path) -> None:
    p = _write(tmp_path, [bytes(60), bytes(60)])
    p.write_bytes(p.read_bytes()[:-10])
    got = lines(p)
    assert len(got) == 2 and got[1]["error"]["layer"] == "capture" and got[1]["index"] == 2


# ---------------------------------------------------------------- exit code 2: one line, no traceback


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not a capture at all",
        b"\xd4\xc3\xb2\xa1\x02\x00",
        b"\x0a\x0d\x0d\x0a\x1c\x00\x00\x00",
    ],
)
def test_not_a_capture_exit_2(tmp_path: Path, content: bytes) -> None:
    p = tmp_path / "x.pcap"
    p.write_bytes(content)
    code, out, err = run("decode", str(p))
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and str(p) in err and "Traceback" not in err


def test_directory_missing_and_bad_args(tmp_path: Path) -> None:
    for argv in (
        ("decode", str(tmp_path)),
        ("decode", str(tmp_path / "missing.pcap")),
        ("decode",),
        ("decode", str(EXAMPLE), "--profile", "nope"),
        ("nosuchcommand",),
        (),
        ("decode", str(EXAMPLE), "--bogus"),
    ):
        code, out, err = run(*argv)
        assert code == 2, argv
        assert len(err.strip().splitlines()) == 1, (argv, err)
        assert "Traceback" not in err


def test_internal_error_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import mip6check.cli.cmd_decode as cmd

    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cmd, "decode_record", boom)
    code, _, err = run("decode", str(EXAMPLE))
    assert code == 2 and err.strip() == "mip6check: decode: internal error: RuntimeError: boom"


def test_unwritten_command_exits_2() -> None:
    import importlib.util

    for name in ("replay", "verify", "explore", "simulate", "coverage"):
        if importlib.util.find_spec(f"mip6check.cli.cmd_{name}") is None:
            code, _, err = run(name, "x")
            assert code == 2 and len(err.splitlines()) == 1


# ---------------------------------------------------------------- arbitrary frames through the decode path

_NH = st.sampled_from([0, 6, 17, 41, 43, 44, 50, 51, 58, 59, 60, 62, 135, 4, 255])


@given(st.sampled_from([0, 1, 101, 108, 113, 229, 276, 105]), st.binary(max_size=200))
def test_arbitrary_frames_render(linktype: int, data: bytes) -> None:
    d = decode_record(Record(1, 0, linktype, data, len(data)))
    json.dumps(record_json(d))
    assert "\n" not in record_text(d)


@given(_NH, st.integers(0, 300), st.binary(max_size=300))
def test_arbitrary_ipv6_payloads_render(nh: int, plen: int, body: bytes) -> None:
    data = bytes([0x60, 0, 0, 0]) + plen.to_bytes(2, "big") + bytes([nh, 64]) + bytes(32) + body
    d = decode_record(Record(1, 0, 229, data, len(data)))
    j = record_json(d)
    json.dumps(j)
    assert j["error"] is None or j["error"]["offset"] <= len(data)
    assert "\n" not in record_text(d)


_EXAMPLE_FRAMES = [r.data for r in iter_file(str(EXAMPLE)) if isinstance(r, Record)]


@given(
    st.sampled_from(_EXAMPLE_FRAMES),
    st.lists(st.tuples(st.integers(0, 200), st.integers(0, 255)), min_size=1, max_size=4),
    st.integers(0, 200),
)
def test_mutated_example_frames_render(
    frame: bytes, edits: list[tuple[int, int]], cut: int
) -> None:
    b = bytearray(frame)
    for i, v in edits:
        b[i % len(b)] = v
    data = bytes(b[: len(b) - cut % 30])
    d = decode_record(Record(1, 0, 1, data, len(data)))
    json.dumps(record_json(d))
    record_text(d)


# ---------------------------------------------------------------- the shared corpus, in process


def _corpus(shared: Path) -> list[Path]:
    return sorted((shared / "tcpdump-all").iterdir())


def test_corpus_decodes_in_process(shared_traces: Path) -> None:
    """Every record of every file gives one JSON object and one text line; no exception escapes."""
    files = _corpus(shared_traces)
    assert len(files) >= 800
    total = errors = not_ipv6 = 0
    for p in files:
        records = list(iter_file(str(p)))
        out = [decode_record(r) for r in records]
        assert len(out) == len(records)
        js = [record_json(d) for d in out]
        assert [j["index"] for j in js] == [r.index for r in records], p
        for d, j in zip(out, js, strict=True):
            json.dumps(j)
            assert "\n" not in record_text(d)
            assert all(k in j for k in CONTRACT)
            errors += j["error"] is not None
            not_ipv6 += "not_ipv6" in j
        total += len(out)
    assert total > 5000 and errors > 0 and not_ipv6 > 0


@pytest.mark.parametrize("fmt", ["--json", None])
def test_corpus_through_main(shared_traces: Path, fmt: str | None) -> None:
    """The command itself, in process, on every corpus file: exit 0, one line per record, no internal error."""
    for p in _corpus(shared_traces):
        code, out, err = run("decode", *([fmt] if fmt else []), str(p))
        assert code == 0 and all(": note: " in x for x in err.splitlines()), (p, err)
        assert len(out.splitlines()) == sum(1 for _ in iter_file(str(p))), p


def test_decode_path_counts_match_capinfos(shared_traces: Path) -> None:
    if shutil.which("capinfos") is None:
        pytest.skip("capinfos not installed")
    files = [str(p) for p in _corpus(shared_traces)][::20]
    out = subprocess.run(
        ["capinfos", "-c", "-M", "-T", "-r", *files], capture_output=True, text=True, check=False
    ).stdout
    for line in out.splitlines():
        name, _, n = line.rpartition("\t")
        if n.isdigit():
            items = list(decode_path(name))
            assert sum(isinstance(d.record, Record) for d in items) == int(n), name
            assert not any(isinstance(d.record, RecordError) for d in items)


# ---------------------------------------------------------------- the real command, a few times

MIP6CHECK = [sys.executable, "-m", "mip6check.cli.main"]


def _cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MIP6CHECK, *argv], capture_output=True, text=True, cwd=ROOT, check=False, timeout=120
    )


def test_subprocess_example_and_errors(tmp_path: Path) -> None:
    r = _cli("decode", "--json", str(EXAMPLE))
    assert r.returncode == 0 and r.stderr == "" and len(r.stdout.splitlines()) == 5
    r = _cli("decode", str(tmp_path))
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "Traceback" not in r.stderr
    bad = tmp_path / "garbage.pcapng"
    bad.write_bytes(b"\x0a\x0d\x0d\x0a" + bytes(100))
    r = _cli("decode", "--json", str(bad))
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1


def test_subprocess_entry_point_on_shared(shared_traces: Path) -> None:
    exe = shutil.which("mip6check")
    if exe is None:
        pytest.skip("mip6check entry point not installed")
    for name in ("ipv6_mobility_1.pcap", "mobility_opt_asan.pcap", "ipv6-rthdr-oobr.pcap"):
        p = shared_traces / "tcpdump" / name
        r = subprocess.run(
            [exe, "decode", "--json", str(p)], capture_output=True, text=True, check=False
        )
        assert r.returncode == 0, r.stderr
        assert "Traceback" not in r.stderr
        n = sum(isinstance(x, Record | RecordError) for x in iter_file(str(p)))
        assert len(r.stdout.splitlines()) == n


def test_broken_pipe_is_quiet(tmp_path: Path) -> None:
    big = _write(tmp_path, [encode_ethernet(MAC1, MAC2, bytes(40))] * 20000)
    p = subprocess.run(
        f"{sys.executable} -m mip6check.cli.main decode {big} | head -1",
        shell=True,
        capture_output=True,  # noqa: S602
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert p.stdout.startswith("1 ") and p.stderr == ""


def test_pcapng_several_interfaces(tmp_path: Path) -> None:
    p = tmp_path / "two.pcapng"
    pkt = encode_packet(IPv6Packet(a("2001:db8::1"), a("2001:db8::2")))
    with p.open("wb") as f:
        w = PcapngWriter(f)
        e = w.add_interface("eth")
        r = w.add_interface("raw", linktype=101)
        w.write(e, encode_ethernet(MAC1, MAC2, pkt), time_ns=5)
        w.write(r, pkt, time_ns=6)
    got = lines(p)
    assert [j["link"] for j in got] == ["ethernet", "raw"] and all(
        j["src"] == "2001:db8::1" for j in got
    )


# ---------------------------------------------------------------- fuzzing seeded from the shared corpus


def _mutated_corpus_run(shared: Path, data: st.DataObject) -> None:
    files = _corpus(shared)
    raw = bytearray(data.draw(st.sampled_from(files)).read_bytes()[:4096])
    for _ in range(data.draw(st.integers(1, 8))):
        if raw:
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    raw = raw[: data.draw(st.integers(0, len(raw)))]
    try:
        items = list(iter_records(io.BytesIO(bytes(raw))))
    except CaptureError:
        return
    for r in items:
        d = decode_record(r)
        json.dumps(record_json(d))
        record_text(d)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_mutated_corpus_files(shared_traces: Path, data: st.DataObject) -> None:
    _mutated_corpus_run(shared_traces, data)


@pytest.mark.slow
@settings(
    max_examples=5000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_mutated_corpus_files_long(shared_traces: Path, data: st.DataObject) -> None:
    _mutated_corpus_run(shared_traces, data)


def test_same_input_same_output(shared_traces: Path) -> None:
    for p in [EXAMPLE, *_corpus(shared_traces)[::97]]:
        first = run("decode", "--json", str(p))
        assert run("decode", "--json", str(p)) == first


def test_other_shared_captures(shared_traces: Path) -> None:
    """Every other shared capture (tcpdump, Zeek, OpenAir, ns-3, ...): exit 0, one line per record,
    and as many records as capinfos counts when it is installed."""
    files = sorted(
        p
        for p in shared_traces.rglob("*")
        if p.suffix in (".pcap", ".pcapng", ".cap") and "tcpdump-all" not in p.parts
    )
    assert len(files) >= 30
    lines_per_file = {}
    for p in files:
        code, out, err = run("decode", "--json", str(p))
        assert code == 0 and "internal error" not in err, (p, err)
        lines_per_file[str(p)] = len(out.splitlines())
        assert lines_per_file[str(p)] == sum(1 for _ in iter_file(str(p)))
    if shutil.which("capinfos"):
        out = subprocess.run(
            ["capinfos", "-c", "-M", "-T", "-r", *lines_per_file],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        for line in out.splitlines():
            name, _, n = line.rpartition("\t")
            if n.isdigit():
                assert lines_per_file[name] == int(n), name


@given(
    st.lists(
        st.one_of(
            st.sampled_from(["--json", "--profile", "draft08", "-h", "--", "-", str(EXAMPLE)]),
            st.text(max_size=12),
        ),
        max_size=5,
    )
)
def test_any_arguments_exit_0_or_2(args: list[str]) -> None:
    code, _, err = run("decode", *args)
    assert code in (0, 2)
    assert "internal error" not in err and "Traceback" not in err
    if code == 2:
        assert len(err.strip().splitlines()) == 1
