"""Replay judges captures by the spec, never by the model: with every kernel mutant of
`properties/mutants.py` planted (the model's decisions broken by patching `model.roles.kernel`), the
verdicts on every capture of traces/captures and of ../shared/traces (those with Mobile IPv6 content)
are exactly the verdicts without it.

Each capture is read and decoded once; the observer's input (every packet it was fed, with the options
the command line built) is recorded, and each mutant re-judges that input with a fresh observer."""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mip6check.cli.main import main
from mip6check.model.codec.values import IPv6Packet
from mip6check.properties.mutants import ALL_MUTANTS, Mutant
from mip6check.properties.replay import engine
from mip6check.properties.replay.observer import Observer
from mip6check.properties.replay.options import ReplayOptions
from mip6check.properties.replay.sa import KeyRing
from mip6check.properties.verdict import Violation

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "traces" / "captures"
KERNEL_MUTANTS = [m for m in ALL_MUTANTS if m.layer == "kernel"]
Call = tuple[int, int, IPv6Packet, bool]


@dataclass
class Feed:
    """What one replay fed its observer, and the verdicts it reached."""

    name: str
    opts: ReplayOptions
    keys: KeyRing | None
    calls: list[Call]
    verdicts: tuple[Violation, ...] = ()


class _Recording(Observer):
    feeds: list[Feed] = []

    def __init__(self, opts: ReplayOptions, keys: KeyRing | None = None) -> None:
        super().__init__(opts, keys)
        self._feed = Feed("", opts, keys, [])
        _Recording.feeds.append(self._feed)

    def packet(self, index: int, t_ns: int, pkt: IPv6Packet, *, esp_opened: bool = False) -> None:
        self._feed.calls.append((index, t_ns, pkt, esp_opened))
        super().packet(index, t_ns, pkt, esp_opened=esp_opened)


def _judge(feed: Feed) -> tuple[Violation, ...]:
    obs = Observer(feed.opts, feed.keys)
    for index, t_ns, pkt, opened in feed.calls:
        obs.packet(index, t_ns, pkt, esp_opened=opened)
    return tuple(
        sorted(obs.violations, key=lambda v: (v.packet or 0, v.property, v.node, v.message))
    )


@contextlib.contextmanager
def _recording(name: str) -> Iterator[list[Feed]]:
    start = len(_Recording.feeds)
    real = engine.Observer
    engine.Observer = _Recording  # type: ignore[misc]
    try:
        yield _Recording.feeds
    finally:
        engine.Observer = real  # type: ignore[misc]
        for f in _Recording.feeds[start:]:
            f.name = name


def _shared_captures() -> list[Path]:
    shared = Path(os.environ.get("MIP6CHECK_SHARED", ROOT.parent / "shared")) / "traces"
    if not shared.is_dir():
        return []
    skip = {".md", ".txt", ".json", ".log", ".html", ".csv", ".py", ".sh", ".toml", ".c", ".out"}
    return sorted(p for p in shared.rglob("*") if p.is_file() and p.suffix not in skip)


def _mobile_ipv6_content(feed: Feed) -> bool:
    """The observer engaged: it inferred a node's role, tracked a binding, or judged a packet."""
    obs = Observer(feed.opts, feed.keys)
    for index, t_ns, pkt, opened in feed.calls:
        obs.packet(index, t_ns, pkt, esp_opened=opened)
    return bool(obs.roles or obs.flows or obs.violations)


@pytest.fixture(scope="module")
def feeds() -> list[Feed]:
    out: list[Feed] = []
    entries = json.loads((CAPTURES / "manifest.json").read_text())["captures"]
    cwd = Path.cwd()
    os.chdir(CAPTURES)
    try:
        for e in entries:
            with _recording(e["file"]) as rec, contextlib.redirect_stdout(io.StringIO()):
                n = len(rec)
                main(["replay", e["file"], "--json", *e["args"]])
                assert len(rec) == n + 1, e["file"]
                out.append(rec[-1])
    finally:
        os.chdir(cwd)
    for p in _shared_captures():
        with _recording(str(p)) as rec:
            try:
                engine.replay_file(str(p))
            except Exception:  # noqa: BLE001 - not a capture replay can read: nothing to judge
                continue
            if rec and rec[-1].name in ("", str(p)) and _mobile_ipv6_content(rec[-1]):
                out.append(rec[-1])
    for f in out:
        f.verdicts = _judge(f)
    return out


def test_recorded_input_reproduces_replay(feeds: list[Feed]) -> None:
    """The re-judged input gives replay's own verdicts (so the comparison below is about replay)."""
    entries = {
        e["file"]: e for e in json.loads((CAPTURES / "manifest.json").read_text())["captures"]
    }
    judged = 0
    for f in feeds:
        e = entries.get(f.name)
        if e is None:
            continue
        want = sorted((x["property"], x["packet"]) for x in e["expected"])
        assert sorted((v.property, v.packet) for v in f.verdicts) == want, f.name
        judged += 1
    assert judged == len(entries)
    assert sum(len(f.verdicts) for f in feeds) > 50


@pytest.mark.parametrize("mutant", KERNEL_MUTANTS, ids=[m.name for m in KERNEL_MUTANTS])
def test_kernel_mutant_does_not_move_replay(mutant: Mutant, feeds: list[Feed]) -> None:
    moved: list[str] = []
    with mutant.applied():
        for f in feeds:
            got = _judge(f)
            if got != f.verdicts:
                before = {(v.property, v.packet) for v in f.verdicts}
                after = {(v.property, v.packet) for v in got}
                moved.append(
                    f"{f.name}: lost {sorted(before - after)}, gained {sorted(after - before)}"
                )
    assert not moved, "\n".join(moved)


def test_every_kernel_mutant_planted() -> None:
    assert len(KERNEL_MUTANTS) >= 30
    assert all(isinstance(m.replacements(), dict) for m in KERNEL_MUTANTS)
