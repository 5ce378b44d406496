"""Issue 7, every record accounted for: `decode` prints one line per record (decoded, not IPv6, or an
`error` with its offset), `replay` counts packets == decoded + undecodable == decode's lines, and the
number of records equals what capinfos reports for the same file.

One pass over ../shared/traces/tcpdump-all (830 captures, many fuzzer finds) runs both commands in
process on every file. Existing corpus tests (tests/cli/test_decode.py, tests/replay/test_replay_cli.py,
tests/codec/test_pcap.py) check each command on its own; this one ties them together per file and to
capinfos, and also holds them to the no-traceback rule (no "internal error" either).
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mip6check.cli.main import main
from mip6check.model.codec.pcap import Record, RecordError, iter_records
from mip6check.model.errors import CaptureError
from tests.robustness.hostile import CAPTURES
from tests.robustness.test_no_traceback import assert_calm

CAPINFOS = shutil.which("capinfos")

# Files capinfos reads differently on purpose (and not wrongly on our side):
KNOWN_DIFFERENT = {
    "empty": "capinfos calls an empty file a capture of 0 packets; the contract says exit 2",
    "one-octet": "capinfos guesses some other format for one octet",
    "pcapng-shb-truncated": "capinfos guesses some other format for a truncated SHB",
    "pcapng-block-length-unaligned": "a block length that is not a multiple of 4 stops our reader",
}


def capinfos_counts(paths: list[Path]) -> dict[str, tuple[int, bool]]:
    """{path: (packets, stopped on an error)} for every file capinfos reads (skip when absent)."""
    if CAPINFOS is None:
        return {}
    out: dict[str, tuple[int, bool]] = {}
    for i in range(0, len(paths), 200):  # one run per 200 files
        chunk = [str(p) for p in paths[i : i + 200]]
        r = subprocess.run(
            [CAPINFOS, "-c", "-M", "-T", "-r", *chunk],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        stopped = set(
            re.findall(r'error occurred after reading \d+ packets from "(.*?)"', r.stderr)
        )
        for line in r.stdout.splitlines():
            name, _, n = line.rpartition("\t")
            if n.isdigit():
                out[name] = (int(n), Path(name).name in stopped or name in stopped)
    return out


def account(capsys: pytest.CaptureFixture[str], path: Path) -> tuple[int, int] | None:
    """decode --json and replay --json on one file; check they agree; return (records, record errors)
    or None when the file is not a capture (exit 2 from both)."""
    code, got = main(["decode", "--json", str(path)]), capsys.readouterr()
    assert_calm(code, got.out, got.err, str(path))
    rcode, rgot = main(["replay", "--json", str(path)]), capsys.readouterr()
    assert_calm(rcode, rgot.out, rgot.err, str(path))
    if code == 2:
        assert rcode == 2 and got.out == "" and rgot.out == "", path
        return None
    assert code == 0 and rcode in (0, 1), (path, code, rcode)
    lines = [json.loads(x) for x in got.out.splitlines()]
    assert [j["index"] for j in lines] == list(range(1, len(lines) + 1)), path
    capture_errors = errors = 0
    for j in lines:
        err = j["error"]
        if err is None:  # decoded: an IPv6 packet, or a frame that is not IPv6 (said so)
            assert j["src"] is not None or j.get("not_ipv6") is not None, (path, j)
            continue
        errors += 1
        assert isinstance(err["offset"], int) and err["offset"] >= 0 and err["reason"], (path, j)
        if err.get("layer") == "capture":
            capture_errors += 1
    rep = json.loads(rgot.out)
    assert rep["packets"] == rep["decoded"] + rep["undecodable"] == len(lines), path
    assert rep["undecodable"] == errors, path
    return len(lines) - capture_errors, capture_errors


def test_corpus_every_record_accounted_for(
    capsys: pytest.CaptureFixture[str], shared_traces: Path
) -> None:
    d = shared_traces / "tcpdump-all"
    if not d.is_dir():
        pytest.skip("tcpdump-all absent")
    files = sorted(p for p in d.iterdir() if p.is_file())
    assert len(files) >= 800
    cap = capinfos_counts(files)
    compared = total = 0
    for p in files:
        got = account(capsys, p)
        if got is None:
            continue
        records, _ = got
        total += records
        if str(p) in cap:
            assert records == cap[str(p)][0], (p, records, cap[str(p)])
            compared += 1
    assert total > 5000
    if CAPINFOS is not None:
        assert compared >= 780  # capinfos declines a few link types it does not know


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("acct")
    out = {}
    for name, (data, _) in CAPTURES.items():
        out[name] = d / f"{name}.pcap"
        out[name].write_bytes(data)
    return out


def test_hostile_files_accounted_for(
    capsys: pytest.CaptureFixture[str], hostile_files: dict[str, Path]
) -> None:
    """The hand-made hostile captures: the same agreement, and capinfos's count where it gives one
    (when capinfos stops on an error after N packets, our reader read N records before its first
    record error)."""
    cap = capinfos_counts(list(hostile_files.values()))
    for name, p in hostile_files.items():
        got = account(capsys, p)
        if name in KNOWN_DIFFERENT or str(p) not in cap:
            continue
        n, stopped = cap[str(p)]
        assert got is not None, name
        items = list(iter_records(io.BytesIO(p.read_bytes())))
        before_error = next(
            (i for i, r in enumerate(items) if isinstance(r, RecordError)), len(items)
        )
        if stopped:
            assert before_error == n, (name, before_error, n)
        else:
            assert got[0] == n, (name, got, n)


def test_record_count_never_exceeds_file_size(hostile_files: dict[str, Path]) -> None:
    """A record costs at least its header: absurd files cannot invent records."""
    for p in hostile_files.values():
        try:
            items = list(iter_records(io.BytesIO(p.read_bytes())))
        except CaptureError:
            continue
        assert sum(isinstance(r, Record) for r in items) <= max(1, p.stat().st_size // 12)
