"""The stateful Hypothesis engine: the machine runs clean on a sound property, finds and shrinks a
known model bug, writes a counterexample that `mip6check simulate` replays, reports coverage honestly,
and `mip6check explore` is deterministic with one-line exit-2 errors."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from mip6check.cli.main import main
from mip6check.model.dsl import parse_scenario
from mip6check.properties.explore.counterexample import confirm, write_counterexample
from mip6check.properties.explore.engine import results_of
from mip6check.properties.explore.machines import JUDGED, Failure, explore
from mip6check.properties.mutants import BY_NAME
from mip6check.properties.verdict import Status


def test_machine_runs_and_reports_coverage() -> None:
    o = explore(properties=frozenset({"BC-UNIQUE", "HA-HOMEREG-MARK"}), budget="test")
    assert o.failure is None
    cov = o.coverage
    assert cov.examples >= 8 and cov.steps > 20
    assert {"move", "advance"} <= set(cov.rules) and len(cov.rules) >= 8
    res = {r.property: r for r in results_of(o, frozenset({"BC-UNIQUE", "BC-INFINITE"}))}
    assert res["BC-UNIQUE"].status is Status.PASSED and res["BC-UNIQUE"].examples == cov.examples
    # a monitor that saw no input is reported as not tested, never as passed
    if cov.saw("BC-INFINITE") == 0:
        assert res["BC-INFINITE"].status is Status.UNKNOWN


MUTANT_CASE = """\
link LH prefix 2001:db8:1::/64 delay 1ms
link LA prefix 2001:db8:2::/64 delay 1ms
link LN prefix 2001:db8:9::/64 delay 1ms
home-agent HA on LH, LA, LN
correspondent CN on LN
mobile MN home 2001:db8:1::100 agent HA on LH
attacker X on LA
seed 0
at 1s: inject on LA bu from X to CN home 2001:db8:1::666 seq 5 lifetime 60
at 2s: inject on LA bu from X to CN home 2001:db8:1::666 seq 5 lifetime 60
run until 3s
expect: property BC-SEQ-MONOTONIC holds
"""


def mutant_failure() -> Failure:
    """Under the seq-ge mutant (equal Sequence Numbers accepted) a repeated BU updates the entry."""
    sc = parse_scenario(MUTANT_CASE)
    found = confirm(SimpleNamespace(scenario=sc))
    assert "BC-SEQ-MONOTONIC" in [v.property for v in found]
    v = next(v for v in found if v.property == "BC-SEQ-MONOTONIC")
    return Failure(sc, v, None, len(sc.timeline))


def test_counterexample_is_written_and_replays(tmp_path: Path) -> None:
    assert confirm(SimpleNamespace(scenario=parse_scenario(MUTANT_CASE))) == []
    with BY_NAME["seq-ge"].applied():
        f = mutant_failure()
        paths = write_counterexample(f, tmp_path)
        again = write_counterexample(f, tmp_path / "again")
        # `mip6check simulate` replays the failure: the property expectation is violated (exit 1)
        assert main(["simulate", paths["scenario"]]) == 1
    assert main(["simulate", paths["scenario"]]) == 0  # the sound model holds
    for k in ("scenario", "pcap", "msc"):  # byte-identical when written twice
        assert Path(paths[k]).read_bytes() == Path(again[k]).read_bytes()
    assert set(paths) == {"scenario", "pcap", "msc", "steps", "recheck", "violation"}
    assert paths["recheck"]["confirmed"], paths["recheck"]["problems"]
    text = Path(paths["scenario"]).read_text()
    assert parse_scenario(text).timeline == f.scenario.timeline
    assert Path(paths["pcap"]).read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"
    html = Path(paths["msc"]).read_text()
    assert "arrow violating" in html and "BC-SEQ-MONOTONIC" in html and "§4.3" in html


@pytest.mark.slow
def test_explore_finds_and_shrinks_under_a_mutant() -> None:
    with BY_NAME["seq-ge"].applied():
        o = explore(properties=frozenset({"BC-SEQ-MONOTONIC"}), budget="ci")
        f = o.failure
        assert f is not None and f.violation is not None
        assert f.violation.property == "BC-SEQ-MONOTONIC"
        assert "BC-SEQ-MONOTONIC" in [v.property for v in confirm(f)]


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
    from mip6check.properties.catalog import CATALOG

    assert set(JUDGED) <= set(CATALOG) and len(JUDGED) == len(set(JUDGED))
