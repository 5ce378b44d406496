"""The spec's verdict on each side, never the model's own code: the replay observer judges the
capture as recorded (the implementation's packets) and a counterfactual capture where the model's
packets stand in for the captured node's (every other node's packets as recorded). Both are
written as pcapng and replayed exactly as `mip6check replay` does (copies across links included)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

from mip6check.model.codec.pcap import PcapngWriter
from mip6check.properties.differential.capture import Captured
from mip6check.properties.differential.harness import Sent
from mip6check.properties.differential.subjects import Subject
from mip6check.properties.replay import ReplayOptions, replay_file
from mip6check.properties.verdict import Violation

MODEL_SRC_MAC = bytes.fromhex("02000000feed")


@dataclass(frozen=True, slots=True)
class Judged:
    """One side's violations, by packet number, and where each model packet sits in its file."""

    violations: tuple[Violation, ...]
    model_number: dict[int, int]  # index in Run.sent -> packet number in the counterfactual file
    times: dict[int, tuple[int, int]]  # packet number -> (ms after the start, captured frame or -1)


def judge_captured(violations: tuple[Violation, ...], cap: Captured) -> Judged:
    """The replay observer's verdicts on the capture itself (`violations`: replay_file's on the
    file `cap` was read from)."""
    times = {f.number: (f.time_ms, f.number) for f in cap.frames}
    return Judged(violations, {}, times)


def judge_model(
    cap: Captured, subject: Subject, sent: Sequence[Sent], opts: ReplayOptions
) -> Judged:
    """The replay observer's verdicts on the counterfactual capture (module doc)."""
    items: list[tuple[int, int, int, str, bytes, int]] = []  # (t_ns, side, order, link, frame, i)
    for f in cap.frames:
        if subject.sent(f):
            continue
        frame = (f.dst_mac or b"\x33\x33\x00\x00\x00\x01") + (f.src_mac or bytes(6)) + b"\x86\xdd"
        items.append((f.time_ns, 0, f.number, f.link, frame + f.octets, -1))
    for i, s in enumerate(sent):
        frame = b"\x33\x33\x00\x00\x00\x01" + MODEL_SRC_MAC + b"\x86\xdd" + s.octets
        items.append((cap.start_ns + s.time_ms * 1_000_000, 1, i, s.link, frame, i))
    items.sort(key=lambda x: (x[0], x[1], x[2]))
    links = list(dict.fromkeys([f.link for f in cap.frames] + [s.link for s in sent]))
    numbers: dict[int, int] = {}
    times: dict[int, tuple[int, int]] = {}
    fd, tmp = tempfile.mkstemp(suffix=".pcapng", prefix="mip6check-differential-")
    try:
        with os.fdopen(fd, "wb") as fh:
            w = PcapngWriter(fh)
            ids = {name: w.add_interface(name, linktype=1, tsresol=9) for name in links}
            for n, (t_ns, _side, _o, link, frame, i) in enumerate(items, start=1):
                w.write(ids[link], frame, time_ns=t_ns)
                times[n] = ((t_ns - cap.start_ns) // 1_000_000, -1 if i >= 0 else _o)
                if i >= 0:
                    numbers[i] = n
        return Judged(replay_file(tmp, opts).violations, numbers, times)
    finally:
        os.unlink(tmp)


def at_packet(j: Judged, number: int | None, node: frozenset[str]) -> tuple[Violation, ...]:
    """The node's violations the observer places at this packet, or later ones resting on it
    (another node's are consequences: in the counterfactual capture the others answer what the
    implementation sent, not what the model did)."""
    if number is None:
        return ()
    return tuple(
        v for v in j.violations if v.node in node and (v.packet == number or number in v.related)
    )


def about_absence(
    j: Judged, node: frozenset[str], start_s: float, before: set[int]
) -> tuple[Violation, ...]:
    """What the observer finds when a packet the node should have sent is missing: the node's
    first violation judged from `start_s` on (absences are judged at a later packet) that rests on
    a packet of `before` (what came before the missing one)."""
    for v in j.violations:
        if v.node in node and v.time is not None and v.time >= start_s:
            if v.packet in before or before.intersection(v.related):
                return (v,)
            if v.packet is not None and not v.related:
                return (v,)
    return ()


__all__ = ["Judged", "about_absence", "at_packet", "judge_captured", "judge_model"]
