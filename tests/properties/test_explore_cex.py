"""Counterexamples show what they claim: every file is written under the model and mutant the search
ran under, the capture replayed and the scenario re-simulated (with `--mutant` or the file's own
`mutant` line) show exactly the claimed violation at the highlighted packet, chart times are the
capture's, and a frame the link lost is drawn lost."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from mip6check.cli.main import main
from mip6check.model.codec.pcap import Record, iter_file
from mip6check.model.dsl import parse_scenario
from mip6check.model.net import Kind
from mip6check.properties.explore.counterexample import (
    arrows_of,
    confirm,
    from_scenario,
    replay,
    under,
    write_counterexample,
)
from mip6check.properties.explore.machines import Failure
from mip6check.properties.mutants import BY_NAME

# what `explore --mutant retx-new-seq --property MN-RETX-SAME-SEQ --budget ci` found (derandomised)
RETX_NEW_SEQ = """\
link LH prefix 2001:db8:1::/64 delay 1ms
link LA prefix 2001:db8:2::/64 delay 1ms
link LB prefix 2001:db8:3::/64 delay 1ms
link LN prefix 2001:db8:9::/64 delay 1ms
home-agent HA on LH, LA, LB, LN
correspondent CN on LN
correspondent CN2 on LB legacy
mobile MN home 2001:db8:1::100 agent HA on LH
attacker X on LA
key MN HA "mn-ha secret"
key MN CN "mn-cn secret"
set auth verify
seed 0
mutant retx-new-seq
at 0s: move MN to LB
run until 3s
at 3s: send CN -> MN count 3 every 1s flow 1
run until 5s
at 5s: send MN -> CN flow 2
run until 15s
at 15s: move MN to LA
run until 18s
at 18s: send CN -> MN count 3 every 1s flow 3
run until 20s
expect: property MN-RETX-SAME-SEQ holds
"""

PID = "MN-RETX-SAME-SEQ"


def _failure(text: str, pid: str) -> Failure:
    """The failure a search would hand over for this scenario: the violation its own judges show."""
    sc = parse_scenario(text)
    with under(sc):
        found = [v for v in confirm(SimpleNamespace(scenario=sc)) if v.property == pid]
    assert found, f"the scenario does not break {pid}"
    found.sort(key=lambda v: v.packet is None)  # an observer's verdict (on a packet) first
    return Failure(sc, found[0], None, len(sc.timeline))


def _replayed(capsys: pytest.CaptureFixture[str], pcap: str) -> list[tuple[str, int]]:
    """`mip6check replay --json` of a capture, as the user runs it (roles inferred): (ID, packet)."""
    capsys.readouterr()
    main(["replay", "--json", pcap])
    out = json.loads(capsys.readouterr().out)
    return [(v["property"], v["packet"]) for v in out["violations"]]


def test_retx_new_seq_counterexample_reproduces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = _failure(RETX_NEW_SEQ, PID)
    ce = write_counterexample(f, tmp_path)  # outside the mutant: the scenario's own line applies it
    check = ce["recheck"]
    assert check["confirmed"], check["problems"]
    frame = check["frame"]
    assert frame is not None and ce["violation"]["packet"] == frame
    # its own capture, replayed as a user would: exactly the claimed violation, at that packet
    assert _replayed(capsys, ce["pcap"]) == [(PID, frame)]
    # the chart draws that packet red
    html = Path(ce["msc"]).read_text()
    assert 'class="arrow violating" data-step' in html
    assert f'data-frame="{frame}" data-property="{PID}"' in html
    # re-simulated: the file's `mutant` line, then --mutant on a file without it, then the clean model
    text = Path(ce["scenario"]).read_text()
    assert "\nmutant retx-new-seq\n" in text
    assert main(["simulate", ce["scenario"]]) == 1
    bare = tmp_path / "bare.scenario"
    bare.write_text(text.replace("mutant retx-new-seq\n", ""))
    assert main(["simulate", str(bare), "--mutant", "retx-new-seq"]) == 1
    assert main(["simulate", str(bare)]) == 0
    out = capsys.readouterr().out
    assert out.count("run against mutant retx-new-seq") == 2


def test_clean_model_capture_does_not_show_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What the files showed before: written outside the mutant, the capture holds the clean run."""
    sc = parse_scenario(RETX_NEW_SEQ.replace("mutant retx-new-seq\n", ""))
    with (tmp_path / "clean.pcapng").open("wb") as fh:
        replay(sc, fh)
    assert PID not in [p for p, _ in _replayed(capsys, str(tmp_path / "clean.pcapng"))]


def test_a_recheck_that_fails_says_so(tmp_path: Path) -> None:
    """A failure claimed for a model that does not show it (the mutant left out) is not confirmed."""
    f = _failure(RETX_NEW_SEQ, PID)
    clean = Failure(
        parse_scenario(RETX_NEW_SEQ.replace("mutant retx-new-seq\n", "")), f.violation, None, 1
    )
    check = write_counterexample(clean, tmp_path)["recheck"]
    assert not check["confirmed"]
    assert any("does not break MN-RETX-SAME-SEQ" in p for p in check["problems"])
    assert any("capture does not show MN-RETX-SAME-SEQ" in p for p in check["problems"])


LOSSY = """\
link LH prefix 2001:db8:1::/64 delay 1ms
link LA prefix 2001:db8:2::/64 delay 1ms
link LN prefix 2001:db8:9::/64 delay 5ms
home-agent HA on LH, LA, LN
correspondent CN on LN
mobile MN home 2001:db8:1::100 agent HA on LH
key MN HA "mn-ha secret"
key MN CN "mn-cn secret"
seed 0
at 0s: move MN to LA
at 82ms: drop next 1 on LA
run until 4s
at 4s: send MN -> CN flow 1
run until 8s
"""


def test_chart_times_are_the_captures_and_lost_frames_are_drawn_lost(tmp_path: Path) -> None:
    sc = parse_scenario(LOSSY)
    pcap = tmp_path / "c.pcapng"
    with pcap.open("wb") as fh:
        runner = replay(sc, fh)
    arrows, _ = arrows_of(runner, [n.name for n in sc.nodes])
    stamp = {r.index: r.time_ns for r in iter_file(str(pcap)) if isinstance(r, Record)}
    assert arrows and all(a.frame is not None for a in arrows)
    for a in arrows:
        assert round(a.time * 1e9) == stamp[a.frame], a  # the capture's time, not the arrival
    assert [a.time for a in arrows] == sorted(a.time for a in arrows)
    lost = {r.frame + 1 for r in runner.net.log.records if r.kind is Kind.LOST}
    drawn_lost = {a.frame for a in arrows if a.lost}
    assert drawn_lost and drawn_lost <= lost
    # a Binding Update the link lost is among them, drawn from the mobile node
    assert any(a.lost and a.kind == "bu" and a.src == "MN" for a in arrows)


@pytest.mark.slow
def test_explore_cli_retx_new_seq_end_to_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The command of the report: its files replay and re-simulate to the claimed violation."""
    args = ["explore", "--mutant", "retx-new-seq", "--property", PID, "--budget", "ci"]
    assert main([*args, "--out", str(tmp_path), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    ce, v = out["counterexample"], out["violation"]
    assert ce["recheck"]["confirmed"] and v["property"] == PID
    assert _replayed(capsys, ce["pcap"]) == [(PID, v["packet"])]
    assert main(["simulate", ce["scenario"]]) == 1
    assert BY_NAME["retx-new-seq"].name in Path(ce["scenario"]).read_text()


CORPUS = Path(__file__).resolve().parents[2] / "traces" / "scenarios"


def test_scenario_engine_counterexample_reproduces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A corpus scenario the scenario engine sees broken under a mutant, written as a counterexample:
    the file names the mutant, re-simulates to the claim, its capture replays to it."""
    path = CORPUS / "07-ba-loss-backoff.scenario"
    if not path.exists():
        pytest.skip("scenario corpus not in this checkout")
    sc = parse_scenario(path.read_text(encoding="utf-8"), str(path))
    assert from_scenario(sc, PID) is None  # the clean model does not break it
    f = from_scenario(sc, PID, "retx-new-seq")
    assert f is not None
    ce = write_counterexample(f, tmp_path)
    check = ce["recheck"]
    assert check["confirmed"], check["problems"]
    replayed = _replayed(capsys, ce["pcap"])
    assert (PID, check["frame"]) in replayed
    assert {p for p, _ in replayed} <= {PID, *check["resimulated"]}
    assert main(["simulate", ce["scenario"]]) == 1
    text = Path(ce["scenario"]).read_text()
    bare = tmp_path / "bare.scenario"
    bare.write_text(text.replace("mutant retx-new-seq\n", ""))
    assert main(["simulate", str(bare)]) == 0
    assert main(["simulate", str(bare), "--mutant", "retx-new-seq"]) == 1


def test_bmc_counterexample_reproduces(tmp_path: Path) -> None:
    """What Z3 finds in the kernel under a mutant, written as a scenario, breaks the same property
    when the role code runs it under that mutant, and only then (the clean model holds)."""
    from mip6check.properties.explore.from_bmc import scenario_of
    from mip6check.properties.smt.bmc import bmc

    pid = "BC-SEQ-MONOTONIC"
    with BY_NAME["seq-no-wrap"].applied():
        report = bmc(max_depth=6, budget_s=120.0, checks=(pid,), max_delta_ms=600_000)
    steps = [s.to_json() for s in report.counterexamples[pid]]
    sc = scenario_of(steps)
    assert sc is not None
    assert from_scenario(sc, pid) is None
    f = from_scenario(sc, pid, "seq-no-wrap")
    assert f is not None and f.violation.property == pid
    ce = write_counterexample(f, tmp_path)
    assert ce["recheck"]["confirmed"], ce["recheck"]["problems"]
    assert ce["recheck"]["resimulated"] == [pid]
    # the breach is in the correspondent's cache: its capture, replayed with the scenario's cast
    # (X's updates are the attacker's, not a mobile node's), shows nothing that is not there
    assert ce["recheck"]["replayed"] == [] and not ce["recheck"]["on_the_wire"]
    assert main(["simulate", ce["scenario"]]) == 1
    bare = tmp_path / "bare.scenario"
    bare.write_text(Path(ce["scenario"]).read_text().replace("mutant seq-no-wrap\n", ""))
    assert main(["simulate", str(bare)]) == 0
    assert main(["simulate", str(bare), "--mutant", "seq-no-wrap"]) == 1
