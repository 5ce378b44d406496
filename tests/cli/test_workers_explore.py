"""`explore --seeds K --workers N`: seeds searched side by side, the first counterexample in seed order
wins, and the outcome (verdict, seed, coverage, files) is the same for any N."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mip6check.cli.main import main
from mip6check.model.dsl import ast as A
from mip6check.properties import explore_seeds as es
from mip6check.properties.explore.coverage import Coverage
from mip6check.properties.explore.machines import Failure, Outcome
from mip6check.properties.parallel import InlineExecutor, executor


def _fake_search(job: es.SeedJob) -> Outcome:
    """A stand-in search: seeds 3 and 5 fail; every seed covers `seed` examples and one rule."""
    cov = Coverage(examples=job.seed, steps=10 * job.seed)
    cov.rules[f"rule{job.seed % 2}"] += 1
    failure = Failure(A.Scenario(), None, f"seed {job.seed}", 1, "") if job.seed in (3, 5) else None
    return Outcome(failure, cov, 0.0, job.budget, job.seed)


@pytest.mark.parametrize("workers", [1, 2])
def test_first_failure_in_seed_order_wins(monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    monkeypatch.setattr(es, "explore_job", _fake_search)  # forked workers inherit it
    jobs = [es.SeedJob(s, None, "test", None) for s in range(1, 8)]
    with executor(workers) as ex:
        got = es.explore_seeds(ex, jobs)
    assert got.seed == 3 and got.searched == (1, 2, 3)
    assert got.winner is not None and got.winner.failure is not None
    assert got.winner.failure.error == "seed 3"
    assert got.coverage.examples == 1 + 2 + 3 and got.coverage.steps == 60
    assert got.coverage.rules == {"rule1": 2, "rule0": 1}


def test_no_failure_sums_every_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(es, "explore_job", _fake_search)
    jobs = [es.SeedJob(s, None, "test", None) for s in (0, 2, 4)]
    got = es.explore_seeds(InlineExecutor(), jobs)
    assert got.winner is None and got.seed is None and got.coverage.examples == 6


def test_seeds_below_one_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["explore", "--seeds", "0", "--budget", "test"])
    err = capsys.readouterr().err
    assert code == 2 and "--seeds must be at least 1" in err


def _explore(capsys: pytest.CaptureFixture[str], out: Path, workers: str) -> tuple[int, dict]:
    argv = ["explore", "--budget", "test", "--mutant", "seq-ge", "--seeds", "2", "--json"]
    code = main([*argv, "--workers", workers, "--out", str(out)])
    text = capsys.readouterr().out.replace(str(out), "OUT")
    return code, json.loads(text)


@pytest.mark.slow
def test_real_search_same_for_one_and_two_workers(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    one = _explore(capsys, tmp_path / "one", "1")
    two = _explore(capsys, tmp_path / "two", "2")
    assert one == two and one[0] == 1 and one[1]["seeds"]
    for f in (tmp_path / "one").iterdir():
        assert f.read_bytes() == (tmp_path / "two" / f.name).read_bytes()
