"""`replay --cluster ADDRESS` (and DASK_SCHEDULER_ADDRESS): the same jobs on a Dask LocalCluster
(processes on this machine, loopback only) give the same bytes as local workers; skipped when the
`cluster` extra is not installed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mip6check.cli.main import main

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "traces" / "captures"
SHARED_MIP6 = ("tcpdump", "zeek", "ns3-mipv6-manoj24rana", "openair4G-pmipv6", "arkime")


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        memory_limit="1GiB",
    ) as cluster:
        yield cluster.scheduler_address


def replay(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["replay", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cluster_same_bytes_as_local_workers(
    capsys: pytest.CaptureFixture[str], scheduler: str
) -> None:
    local = replay(capsys, str(CAPTURES), "--json", "--workers", "1")
    dask = replay(capsys, str(CAPTURES), "--json", "--cluster", scheduler)
    assert dask == local and local[0] == 1 and local[1].count("\n") > 30
    text_local = replay(capsys, str(CAPTURES), "--workers", "2")
    assert replay(capsys, str(CAPTURES), "--cluster", scheduler) == text_local


def test_cluster_from_environment_and_sharded(
    capsys: pytest.CaptureFixture[str], scheduler: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = str(CAPTURES / "not-ha-accepts.pcapng")
    local = replay(capsys, f, "--json")
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", scheduler)
    assert replay(capsys, f, "--json", "--shard-by", "mn") == local


def test_cluster_shared_captures(
    capsys: pytest.CaptureFixture[str], scheduler: str, shared_traces: Path
) -> None:
    dirs = [str(shared_traces / d) for d in SHARED_MIP6 if (shared_traces / d).is_dir()]
    local = replay(capsys, *dirs, "--json", "--workers", "2")
    assert replay(capsys, *dirs, "--json", "--cluster", scheduler) == local


def test_unreachable_scheduler_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = replay(capsys, str(CAPTURES), "--cluster", "tcp://127.0.0.1:9", "--json")
    assert code == 2 and out == "" and err.count("\n") == 1 and "Dask scheduler" in err
