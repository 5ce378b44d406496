"""`replay --model ... --workers N`: each modelled node is a job of its own, run in N processes;
the reports come in the same order with the same bytes as in one process."""

from __future__ import annotations

import pickle
from pathlib import Path

from mip6check.properties.differential.replay import plan, run_job
from mip6check.properties.replay import ReplayOptions

from ._run import run

CAPTURE = Path(__file__).resolve().parents[2] / "traces" / "captures" / "ha-stale-coa.pcapng"
ARGS = ("replay", str(CAPTURE), "--model", "home-agent", "--model", "mobile-node")


def test_workers_give_the_same_bytes() -> None:
    for fmt in ((), ("--json",)):
        one = run(*ARGS, *fmt, "--workers", "1")
        two = run(*ARGS, *fmt, "--workers", "2")
        assert one == two and one[0] == 1
        assert one[1].count("the model as") == 2 or len(one[1].splitlines()) == 2


def test_a_job_and_its_report_travel_between_processes() -> None:
    """What a worker is sent and sends back pickles (the Dask and process executors need it)."""
    jobs = plan(str(CAPTURE), ["home-agent", "mobile-node"], ReplayOptions())
    assert [j.subject.role for j in jobs] == ["home_agent", "mobile_node"]
    job = pickle.loads(pickle.dumps(jobs[0]))  # noqa: S301 (our own bytes)
    report = pickle.loads(pickle.dumps(run_job(job)))  # noqa: S301
    assert report.divergences and report.divergences[0].verdict == "implementation wrong"
