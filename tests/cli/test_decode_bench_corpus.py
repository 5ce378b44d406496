"""The benchmarks' one generator of Mobile IPv6 traffic (bench/_corpus.py): bench/decode.py,
bench/replay.py and bench/bigfile.py all take their packets from it, and what each builds is the same,
byte for byte, as when each had its own copy (the figures in README and docs were measured on it)."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench import _corpus  # noqa: E402


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def test_the_benchmarks_use_the_one_generator() -> None:
    assert _load("replay").make_capture is _corpus.make_capture
    bigfile = _load("bigfile")
    assert bigfile.build is _corpus.build and bigfile.templates is _corpus.templates
    decode = _load("decode")
    assert decode.frames is _corpus.frames


def test_the_mixed_traffic_is_unchanged() -> None:
    h = hashlib.sha256()
    for seed in (1, 2):
        for fr in _corpus.frames(3000, seed):
            h.update(fr)
    assert h.hexdigest()[:16] == "f85ee717854089bd"


def test_the_replay_capture_is_unchanged(tmp_path: Path) -> None:
    p = tmp_path / "r.pcap"
    _corpus.make_capture(p, 5000)
    assert _digest(p.read_bytes()) == "64eab79b0f6a52cf"
    _corpus.make_capture(p, 3000, mobiles=20)
    assert _digest(p.read_bytes()) == "31100de1aa544635"


def test_the_big_file_frames_are_unchanged(tmp_path: Path) -> None:
    h = hashlib.sha256()
    for fr, offs in _corpus.templates(30):
        h.update(fr)
        h.update(repr(offs).encode())
    assert h.hexdigest()[:16] == "f02bb91c2e4ee111"
    p = tmp_path / "b.pcap"
    assert _corpus.build(p, 2_000_000, mobiles=20) == 4000
    assert _digest(p.read_bytes()) == "1c5877409d753b90"


def test_the_replay_capture_is_a_conforming_run(tmp_path: Path) -> None:
    from mip6check.properties.replay import replay_file

    p = tmp_path / "r.pcap"
    _corpus.make_capture(p, 2000, mobiles=20)
    report = replay_file(str(p))
    assert report.packets == 2000 and not report.violations
