"""`mip6check simulate`: exit codes 0/1/2, one stderr line with a caret context for bad files, --json,
--pcap (cli-contract.md)."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from mip6check.cli.main import main
from mip6check.model.codec.pcap import Record, iter_file

CORPUS = Path(__file__).resolve().parents[2] / "traces" / "scenarios"
GOOD = CORPUS / "01-first-registration.scenario"


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["simulate", *argv])
    return code, out.getvalue(), err.getvalue()


def test_all_expectations_hold_exit_0(tmp_path: Path) -> None:
    pcap = tmp_path / "run.pcapng"
    code, out, err = _run(str(GOOD), "--pcap", str(pcap))
    assert code == 0, out + err
    assert err == ""
    assert out.splitlines()[-1].startswith("7/7 expectations hold")
    assert sum(isinstance(r, Record) for r in iter_file(str(pcap))) > 10


def test_a_failing_expectation_exits_1(tmp_path: Path) -> None:
    text = GOOD.read_text() + "expect at 9s: HA cache lacks 2001:db8:1::100\n"
    f = tmp_path / "bad-expect.scenario"
    f.write_text(text)
    code, out, _ = _run(str(f))
    assert code == 1
    (fail,) = [ln for ln in out.splitlines() if ln.startswith("FAIL")]
    assert f":{len(text.splitlines())}: expect at 9s: HA cache lacks" in fail


def test_json_output() -> None:
    code, out, _ = _run(str(GOOD), "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["ok"] is True and doc["frames"] > 0
    assert {e["line"] for e in doc["expectations"]} and all(e["ok"] for e in doc["expectations"])
    assert any(ev["event"] == "CacheUpdated" and ev["node"] == "HA" for ev in doc["events"])


def test_bad_file_exit_2_with_one_stderr_line_and_caret(tmp_path: Path) -> None:
    f = tmp_path / "bad.scenario"
    f.write_text("link L prefix 2001:db8::/64\nrouter R on L L2\n")
    code, out, err = _run(str(f))
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith(f"{f}:2:15: unexpected 'L2'")
    assert "separate link names with commas" in err
    assert "^" in out and "router R on L L2" in out


def test_semantic_error_and_missing_file_exit_2(tmp_path: Path) -> None:
    f = tmp_path / "sem.scenario"
    f.write_text("link L prefix 2001:db8::/64\nrouter R on L9\n")
    code, _, err = _run(str(f))
    assert code == 2 and "2:13: unknown link 'L9'" in err
    code, _, err = _run(str(tmp_path / "absent.scenario"))
    assert code == 2 and err.count("\n") == 1 and "cannot read" in err
