"""The stateful Hypothesis engine: the machine runs clean on a sound property, finds and shrinks a
known model bug, writes a counterexample that `mip6check simulate` replays, reports coverage honestly,
and `mip6check explore` is deterministic with one-line exit-2 errors."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from cli.main import main
from model.dsl import parse_scenario
from properties.explore.counterexample import confirm, write_counterexample
from properties.explore.machines import JUDGED, Failure, explore, results_of
from properties.verdict import Status

SEQ_BUG = "MN-SEQ-INCREASE"  # the open model bug traces/regressions/mn-seq-after-deletion.scenario


def test_machine_runs_and_reports_coverage() -> None:
    o = explore(properties=frozenset({"BC-UNIQUE", "HA-HOMEREG-MARK"}), budget="test")
    assert o.failure is None
    cov = o.coverage
    assert cov.examples >= 8 and cov.steps > 20
    assert {"move", "advance", "send"} <= set(cov.rules)
    res = {r.property: r for r in results_of(o, frozenset({"BC-UNIQUE", "BC-INFINITE"}))}
    assert res["BC-UNIQUE"].status is Status.PASSED and res["BC-UNIQUE"].examples == cov.examples
    # a monitor that saw no input is reported as not tested, never as passed
    if cov.saw("BC-INFINITE") == 0:
        assert res["BC-INFINITE"].status is Status.UNKNOWN


REGRESSION = (
    Path(__file__).resolve().parents[2] / "traces/regressions/mn-seq-after-deletion.scenario"
)


def known_failure() -> Failure:
    """The open model bug of traces/regressions/, as the machine's failure object."""
    sc = parse_scenario(REGRESSION.read_text(), str(REGRESSION))
    found = confirm(SimpleNamespace(scenario=sc))
    assert [v.property for v in found] == [SEQ_BUG]
    return Failure(sc, found[0], None, len(sc.timeline))


def test_counterexample_is_written_and_replays(tmp_path: Path) -> None:
    f = known_failure()
    paths = write_counterexample(f, tmp_path)
    again = write_counterexample(f, tmp_path / "again")
    for k in ("scenario", "pcap", "msc"):  # byte-identical when written twice
        assert Path(paths[k]).read_bytes() == Path(again[k]).read_bytes()
    assert set(paths) == {"scenario", "pcap", "msc", "steps"}
    text = Path(paths["scenario"]).read_text()
    assert parse_scenario(text).timeline == f.scenario.timeline
    assert Path(paths["pcap"]).read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"
    html = Path(paths["msc"]).read_text()
    assert "arrow violating" in html and SEQ_BUG in html and "§5.1" in html
    # `mip6check simulate` replays the failure: the property expectation is violated (exit 1)
    assert main(["simulate", paths["scenario"]]) == 1


@pytest.mark.slow
def test_explore_finds_and_shrinks_the_open_seq_bug() -> None:
    o = explore(properties=frozenset({SEQ_BUG}), budget="test", seed=1)
    f = o.failure
    assert f is not None and f.violation is not None and f.violation.property == SEQ_BUG
    assert f.steps <= 6
    assert [v.property for v in confirm(f)] == [SEQ_BUG]


def test_explore_cli_bad_property_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "--property", "NOPE-X"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "NOPE-X" in err
    assert main(["explore", "--mutant", "no-such-mutant"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_explore_cli_is_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def once() -> tuple[int, str]:
        code = main(
            [
                "explore",
                "--property",
                "BC-UNIQUE",
                "--budget",
                "test",
                "--seed",
                "3",
                "--out",
                str(tmp_path),
            ]
        )
        return code, capsys.readouterr().out

    first, second = once(), once()
    assert first == second
    assert first[0] == 0 and "no counterexample found" in first[1]
    assert "rules fired: " in first[1] and "monitors that saw no input" in first[1]


def test_judged_properties_are_catalog_ids() -> None:
    from properties.catalog import CATALOG

    assert set(JUDGED) <= set(CATALOG) and len(JUDGED) == len(set(JUDGED))
