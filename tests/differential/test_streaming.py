"""The differential replay's memory does not grow with the capture: the capture is read as a
stream (capture.Frames), the model is driven window by window (harness.ModelRun), and compared
packets are let go as soon as they are paired (compare.Pairer). The memory held after each window
stays flat along a long capture; and streaming from the file gives the same report as a capture
kept in memory."""

from __future__ import annotations

import sys
import tracemalloc
from pathlib import Path

import pytest

from mip6check.cli.render import packet_text
from mip6check.properties.differential.capture import read_capture
from mip6check.properties.differential.harness import ModelRun
from mip6check.properties.differential.render import render_text
from mip6check.properties.differential.replay import differential_replay
from mip6check.properties.replay import Limits, ReplayOptions

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "traces" / "captures"


def _make(path: Path, packets: int, *, payload: int = 1100, mobiles: int = 10) -> None:
    """A conforming home agent's capture: every 40 ms a packet for each mobile node's home address
    tunnelled to its care-of address (§8.4); every 2 s each renews its home registration, answered
    (§5.1, §5.2). Large packets, so that even the shorter capture fills the reader's 1 MiB buffer."""
    sys.path.insert(0, str(ROOT))
    try:
        from bench._corpus import HA, acknowledgement, mobile, registration, tunnelled
    finally:
        sys.path.remove(str(ROOT))
    from mip6check.model.codec import encode_packet
    from mip6check.model.codec.link import encode_ethernet
    from mip6check.model.codec.pcap import PcapWriter
    from mip6check.model.codec.values import AH

    mac_mn, mac_ha = bytes.fromhex("00005e005301"), bytes.fromhex("00005e005302")
    written = 0
    with path.open("wb") as fh:
        w = PcapWriter(fh, linktype=1, nanosecond=False)
        cycle = 0
        while written < packets:
            for m in range(mobiles):
                home, coa = mobile(m)
                t = cycle * 40_000 + m * 2_000
                frames = []
                if cycle % 50 == 0:
                    seq = cycle // 50 + 1
                    bu = registration(home, coa, seq, AH(1, seq, bytes(12)))
                    ba = acknowledgement(HA, home, coa, seq, AH(2, seq, bytes(12)))
                    frames += [(t, mac_mn, mac_ha, bu), (t + 1_000, mac_ha, mac_mn, ba)]
                data = tunnelled(home, coa, bytes([cycle & 0xFF]) * payload)
                frames.append((t + 1_500, mac_ha, mac_mn, data))
                for at, src, dst, pkt in frames:
                    if written < packets:
                        w.write(encode_ethernet(dst, src, encode_packet(pkt)), time_us=at)
                        written += 1
            cycle += 1


def _samples(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[int], int, int, int]:
    """Traced memory after each window of the model as home agent, streamed: (samples, peak,
    packets compared, divergences). Replay's own bounded copy cache is kept small (Limits)."""
    samples: list[int] = []
    advance = ModelRun.advance

    def sampled(self: ModelRun, until_ms: int) -> None:
        advance(self, until_ms)
        samples.append(tracemalloc.get_traced_memory()[0])

    monkeypatch.setattr(ModelRun, "advance", sampled)
    opts = ReplayOptions(limits=Limits(recent_packets=64))
    tracemalloc.start()
    try:
        (r,) = differential_replay(str(path), ["home-agent"], opts, cache=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return samples, peak, r.compared, len(r.divergences)


def test_memory_does_not_grow_along_the_capture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over a run of 3,000 packets (2,900 compared), the memory held after each window is as
    high in the last quarter as in the second: nothing is kept per packet (the capture, the
    engine's log, the pairs, the counterfactual capture's numbers)."""
    p = tmp_path / "long.pcap"
    _make(p, 3_000, payload=64)
    samples, peak, compared, divergences = _samples(p, monkeypatch)
    assert compared > 2_800 and divergences == 0 and len(samples) > 100
    q = len(samples) // 4
    second, last = max(samples[q : 2 * q]), max(samples[3 * q :])
    assert last < second + 256 * 1024, (second, last)  # a leak of one model packet each: +3 MB
    assert peak < 8 * 2**20, peak


def test_a_capture_past_the_cache_is_walked_from_the_file(tmp_path: Path) -> None:
    p = tmp_path / "c.pcap"
    _make(p, 160, payload=8)
    cap = read_capture(str(p), ReplayOptions().config.profile, cache=10)
    assert cap.frames.streamed and len(cap.frames) == 160
    first = [f.number for f in cap.frames]
    assert first == [f.number for f in cap.frames] == list(range(1, 161))
    assert cap.frames.walks == 3  # the first reading and the two walks above
    kept = read_capture(str(p), ReplayOptions().config.profile)
    assert not kept.frames.streamed and [f.number for f in kept.frames] == first


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("ha-stale-coa.pcapng", "home-agent"),
        ("ha-stale-coa.pcapng", "mobile-node"),
        ("icmp-rate.pcapng", "2001:db8:4::5"),
        ("rs-from-home.pcapng", "mobile-node"),
        ("cn-route-opt.pcapng", "correspondent"),
    ],
)
def test_streamed_and_kept_give_the_same_report(name: str, model: str) -> None:
    path = str(CAPTURES / name)
    out = []
    for cache in (0, 1_000):
        reports = differential_replay(path, [model], ReplayOptions(), cache=cache)
        out.append("".join(render_text(r, packet_text, 50) for r in reports))
    assert out[0] == out[1] and "compared" in out[0]


@pytest.mark.parametrize(
    ("scenario", "model"),
    [("03-return-home", "mobile-node"), ("18-two-links-at-once", "home-agent")],
)
def test_streamed_engine_capture_agrees_as_kept(scenario: str, model: str, tmp_path: Path) -> None:
    """An engine capture with movement, repeats and several links: streamed, the model agrees with
    it as when the capture is kept (no divergence, the same counts)."""
    from ._run import run

    pcap = tmp_path / "run.pcapng"
    code, _, err = run(
        "simulate", str(ROOT / "traces" / "scenarios" / f"{scenario}.scenario"), "--pcap", str(pcap)
    )
    assert code in (0, 1), err
    out = []
    for cache in (0, 100_000):
        reports = differential_replay(str(pcap), [model], ReplayOptions(), cache=cache)
        out.append(
            [(r.compared, r.agreeing, r.unseen, r.nd_unpaired, len(r.divergences)) for r in reports]
        )
    assert out[0] == out[1] and all(c > 0 and d == 0 for c, _, _, _, d in out[0]), out
