"""Issue 7, big files, the quick version of bench/bigfile.py: a 20 MB capture through replay with
resident memory that does not grow with the file and a throughput that does not fall from start to
end. The 2 GB run is `python bench/bigfile.py` (figures in the README / the issue's report)."""

from __future__ import annotations

import importlib.util
import statistics
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_bigfile", ROOT / "bench" / "bigfile.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_bigfile"] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")
def test_twenty_megabytes_bounded_memory_flat_throughput(tmp_path: Path) -> None:
    bench = _bench()
    p = tmp_path / "big.pcap"
    n = bench.build(p, 20 * 2**20, mobiles=500)
    assert p.stat().st_size >= 20 * 2**20
    fig = bench.measure(p, n)
    assert fig["packets"] == fig["decoded"] == n and fig["undecodable"] == 0
    assert fig["violations"] == 0 and fig["limits_hit"] == {}  # a conforming capture
    slices = fig["slices"]
    assert len(slices) >= 5
    rss = [s["rss_mb"] for s in slices]
    assert max(rss) - rss[0] < 16, rss  # no growth with the file
    assert fig["peak_rss_mb"] - fig["rss_before_mb"] < 100, fig
    rate = [s["packets_per_cpu_s"] for s in slices[:-1]]  # the last one may be a short remainder
    assert statistics.median(rate[-3:]) > 0.5 * statistics.median(rate[:3]), rate


def test_build_streams_distinct_frames(tmp_path: Path) -> None:
    """The generator writes what it says: repetitions differ only in time and Sequence Numbers."""
    from mip6check.model.codec.pcap import Record, iter_file

    bench = _bench()
    p = tmp_path / "small.pcap"
    n = bench.build(p, 300_000, mobiles=20)
    recs = [r for r in iter_file(str(p)) if isinstance(r, Record)]
    assert len(recs) == n and n % 160 == 0
    assert recs[0].data != recs[160].data and recs[2].data == recs[162].data  # BU seq vs data
    assert [r.time_ns for r in recs[:3]] == [0, bench.STEP_US * 1000, 2 * bench.STEP_US * 1000]
