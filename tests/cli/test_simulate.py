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
    assert err.startswith("mip6check: simulate: ") and f"{f}:2:15: unexpected 'L2'" in err
    assert "separate link names with commas" in err
    assert "^" in out and "router R on L L2" in out


def test_semantic_error_and_missing_file_exit_2(tmp_path: Path) -> None:
    f = tmp_path / "sem.scenario"
    f.write_text("link L prefix 2001:db8::/64\nrouter R on L9\n")
    code, _, err = _run(str(f))
    assert code == 2 and "2:13: unknown link 'L9'" in err
    code, _, err = _run(str(tmp_path / "absent.scenario"))
    assert code == 2 and err.count("\n") == 1 and "cannot read" in err


REGRESSIONS = CORPUS.parent / "regressions"


def test_simulate_and_verify_agree_on_a_row_replay_judges() -> None:
    """MN-BR-ANSWER is judged by replay of the run's capture: simulate judges it as verify's scenario
    engine does (one run judgement), instead of failing it as not judged by a runtime monitor."""
    from mip6check.properties.scenarios import run_one

    path = REGRESSIONS / "mn-br-answer-lost-after-move.scenario"
    code, out, err = _run(str(path))
    assert code == 0, out + err
    assert "1/1 expectations hold" in out
    outcome = run_one(path)[0]
    assert outcome.failed_expectations == ()
    assert outcome.monitor_violations == outcome.replay_violations == ()


def test_a_violation_fails_the_run_as_in_verify(tmp_path: Path) -> None:
    """A run judge's violation fails `simulate` (exit 1, a VIOLATED line, JSON `violations`), as it
    fails the property in `verify`; here a model that changes the Sequence Number on retransmission."""
    path = CORPUS / "07-ba-loss-backoff.scenario"
    text = "\n".join(
        ln for ln in path.read_text().splitlines() if "property MN-RETX-SAME-SEQ" not in ln
    )
    f = tmp_path / "retx.scenario"
    f.write_text(text + "\n")
    code, out, _ = _run(str(f), "--mutant", "retx-new-seq")
    assert code == 1
    assert any(ln.startswith("VIOLATED MN-RETX-SAME-SEQ (§9.7, MUST)") for ln in out.splitlines())
    assert all(not ln.startswith("FAIL") for ln in out.splitlines())
    code, out, _ = _run(str(f), "--mutant", "retx-new-seq", "--json")
    doc = json.loads(out)
    assert code == 1 and doc["ok"] is False
    assert {v["property"] for v in doc["violations"]} >= {"MN-RETX-SAME-SEQ"}
