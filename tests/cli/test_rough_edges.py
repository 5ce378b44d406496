"""The command line as a user meets it: help texts, one-line JSON, one error format, exit codes, and
runs that checked nothing never passing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mip6check.cli.main import COMMANDS, main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "traces" / "examples" / "home-registration.pcapng"
SCENARIO = ROOT / "traces" / "scenarios" / "01-first-registration.scenario"
ERROR_LINE = re.compile(r"^mip6check: (decode|replay|verify|explore|simulate|coverage): \S.*\n$")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    got = capsys.readouterr()
    return code, got.out, got.err


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_help_states_the_exit_codes(
    capsys: pytest.CaptureFixture[str], command: str | None
) -> None:
    code, out, _ = run(capsys, *([command] if command else []), "--help")
    assert code == 0
    assert "exit status:" in out
    for status in ("0  ran to the end", "1  ran to the end and found a violation", "2  could not"):
        assert status in out, (command, status)


def test_explore_help_shows_budgets_default_and_mutants(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from mip6check.properties.explore.machines import BUDGETS
    from mip6check.properties.mutants import BY_NAME

    _, out, _ = run(capsys, "explore", "--help")
    flat = " ".join(out.split()).replace("- ", "-")  # argparse wraps long words at hyphens
    assert "(default: long)" in flat
    for b in BUDGETS.values():
        assert f"{b.name}: {b.max_examples} runs of {b.steps} steps" in flat
    assert "test" in BUDGETS
    for name in BY_NAME:
        assert name in flat, name


def test_simulate_json_parse_error_keeps_stdout_clean(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    f = tmp_path / "bad.scenario"
    f.write_text("link L prefix 2001:db8::/64\nrouter R on L L2\n")
    code, out, err = run(capsys, "simulate", "--json", str(f))
    assert code == 2 and out == "" and ERROR_LINE.match(err), err
    code, out, err = run(capsys, "simulate", str(f))  # the text form shows where, on stdout
    assert code == 2 and "^" in out and ERROR_LINE.match(err)


@pytest.mark.parametrize("text", ["", "# only a comment\n", "link L prefix 2001:db8::/64\n"])
def test_simulate_with_nothing_to_judge_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str
) -> None:
    f = tmp_path / "empty.scenario"
    f.write_text(text)
    for argv in (["simulate", str(f)], ["simulate", "--json", str(f)]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and ERROR_LINE.match(err) and "nothing was checked" in err, err


def test_simulate_missing_file_has_no_raw_errno(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "absent.scenario"
    code, _, err = run(capsys, "simulate", str(missing))
    assert code == 2 and ERROR_LINE.match(err)
    assert "[Errno" not in err and "No such file or directory" in err and str(missing) in err
    code, _, err = run(capsys, "simulate", str(SCENARIO), "--pcap", str(tmp_path / "no" / "x.pcap"))
    assert code == 2 and ERROR_LINE.match(err) and "[Errno" not in err, err


@pytest.mark.parametrize("n", ["999", "0", "6"])
def test_replay_explain_beyond_the_capture_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], n: str
) -> None:
    code, out, err = run(capsys, "replay", str(EXAMPLE), "--explain", n)
    assert code == 2 and out == "" and ERROR_LINE.match(err), err
    assert f"--explain {n}" in err and "5 packets" in err
    code, out, _ = run(capsys, "replay", str(EXAMPLE), "--explain", "5", "--json")
    assert code == 0 and json.loads(out)["explain"]


def test_coverage_json_is_one_line_and_excludes_markdown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "coverage", "--json")
    assert out.count("\n") == 1 and json.loads(out)["totals"]["clauses"] > 0
    code, out, err = run(capsys, "coverage", "--json", "--markdown")
    assert code == 2 and out == "" and ERROR_LINE.match(err) and "--markdown" in err


def test_explore_json_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(
        capsys,
        "explore",
        "--budget",
        "test",
        "--property",
        "MN-RETX-SAME-SEQ",
        "--json",
        "--out",
        str(tmp_path),
    )
    assert code == 0 and out.count("\n") == 1
    assert json.loads(out)["coverage"]["examples"] > 0


def test_explore_that_ran_nothing_fails(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import mip6check.properties.explore.machines as machines

    real = machines.explore

    def no_runs(**kw: object) -> object:
        outcome = real(**kw)  # type: ignore[arg-type]
        outcome.coverage.examples = 0  # what an incompatible Hypothesis did: zero runs, no error
        return outcome

    monkeypatch.setattr(machines, "explore", no_runs)
    code, _, err = run(capsys, "explore", "--budget", "test", "--property", "MN-RETX-SAME-SEQ")
    assert code == 2 and ERROR_LINE.match(err) and "0 examples" in err


def test_verify_with_no_scenario_fails(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An installed copy that lost its scenario corpus must not report the corpus as passed."""
    import mip6check.properties.scenarios as scenarios

    monkeypatch.setattr(scenarios, "DEFAULT_DIRS", (tmp_path / "scenarios",))
    code, out, err = run(capsys, "verify", "--engine", "scenarios", "--json")
    assert code == 2 and ERROR_LINE.match(err) and "scenarios checked nothing" in err, err
    results = json.loads(out)["results"]
    assert results and not any(r["status"] == "passed" for r in results)


@pytest.mark.parametrize(
    "argv",
    [
        ["decode", "/nonexistent/x.pcap"],
        ["replay", "/nonexistent/x.pcap"],
        ["simulate", "/nonexistent/x.scenario"],
        ["verify", "--property", "BC-NOPE"],
        ["explore", "--property", "BC-NOPE"],
        ["explore", "--mutant", "no-such-mutant"],
        ["decode", "--no-such-flag", "x"],
        ["coverage", "--no-such-flag"],
    ],
    ids=" ".join,
)
def test_one_error_format_everywhere(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert ERROR_LINE.match(err), err
    assert err.startswith(f"mip6check: {argv[0]}: ") and "[Errno" not in err


def test_verify_sarif_places_a_failed_expectation_on_its_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A scenario's failed expectation is shown on that line of the scenario, relative to the
    directory verify ran in, with the command line recorded."""
    import mip6check.properties.scenarios as scenarios
    from tests.properties.test_report_junit_sarif import github_problems

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = SCENARIO.read_text(encoding="utf-8") + "expect never: MN sent bu to HA\n"
    (corpus / "broken.scenario").write_text(text, encoding="utf-8")
    monkeypatch.setattr(scenarios, "DEFAULT_DIRS", (corpus,))
    monkeypatch.chdir(tmp_path)
    code, _, _ = run(capsys, "verify", "--engine", "scenarios", "--sarif", "v.sarif", "--json")
    assert code == 1
    log = json.loads((tmp_path / "v.sarif").read_text(encoding="utf-8"))
    assert github_problems(log) == []
    results = log["runs"][0]["results"]
    placed = [r["locations"][0]["physicalLocation"] for r in results]
    line = len(text.splitlines())
    assert {
        "artifactLocation": {"uri": "corpus/broken.scenario", "uriBaseId": "%SRCROOT%", "index": 0},
        "region": {"startLine": line},
    } in placed
    assert log["runs"][0]["invocations"][0]["arguments"][:3] == ["verify", "--engine", "scenarios"]
