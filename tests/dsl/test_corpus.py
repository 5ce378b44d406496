"""The scenario corpus in traces/scenarios/: every file parses, prints back to itself, runs in the
engine with every expectation holding, and writes a capture that reads back frame for frame."""

from __future__ import annotations

from pathlib import Path

import pytest

from mip6check.cli.cmd_simulate import simulate
from mip6check.model.codec.pcap import Record, iter_file
from mip6check.model.dsl import parse_scenario, print_scenario

CORPUS = Path(__file__).resolve().parents[2] / "traces" / "scenarios"
FILES = sorted(CORPUS.glob("*.scenario"))

# scenarios whose expectations follow the draft where the model does not yet: file -> reason (xfail)
KNOWN: dict[str, str] = {}


def test_corpus_is_big_enough() -> None:
    assert len(FILES) >= 15


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_parses_and_round_trips(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    s = parse_scenario(text, str(path))
    assert s.expectations, "every corpus scenario states what must happen"
    assert parse_scenario(print_scenario(s)) == s


RUNS = [
    pytest.param(p, id=p.stem, marks=pytest.mark.xfail(reason=KNOWN[p.name], strict=False))
    if p.name in KNOWN
    else pytest.param(p, id=p.stem)
    for p in FILES
]


@pytest.mark.parametrize("path", RUNS)
def test_runs_with_every_expectation_holding(path: Path, tmp_path: Path) -> None:
    pcap = tmp_path / (path.stem + ".pcapng")
    with pcap.open("wb") as out:
        run = simulate(path.read_text(encoding="utf-8"), str(path), out)
    failed = [f"line {r.line}: {r.text} -- {r.detail}" for r in run.results if not r.ok]
    assert not failed, "\n".join(failed)
    records = [r for r in iter_file(str(pcap)) if isinstance(r, Record)]
    assert len(records) == run.network.frames > 0


def test_same_seed_same_log() -> None:
    text = FILES[0].read_text(encoding="utf-8")
    assert simulate(text, "a").network.log.lines() == simulate(text, "b").network.log.lines()
