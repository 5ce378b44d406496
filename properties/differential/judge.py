"""The spec's verdict on each side, never the model's own code: the replay observer judges the
capture as recorded (the implementation's packets) and a counterfactual capture where the model's
packets stand in for the captured node's (every other node's packets as recorded). Both are
written as pcapng and replayed exactly as `mip6check replay` does (copies across links included)."""

from __future__ import annotations

import heapq
import os
import tempfile
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from mip6check.model.codec.pcap import PcapngWriter
from mip6check.properties.differential.capture import Captured, Frame
from mip6check.properties.differential.harness import Sent
from mip6check.properties.replay import ReplayOptions, replay_file
from mip6check.properties.verdict import Violation

MODEL_SRC_MAC = bytes.fromhex("02000000feed")


@dataclass(frozen=True, slots=True)
class Judged:
    """One side's violations, by packet number, and where each model packet sits in its file."""

    violations: tuple[Violation, ...]
    model_number: dict[int, int]  # index in Run.sent -> packet number in the counterfactual file
    times: dict[int, tuple[int, int]]  # unused (the packets' times are Numbering's)


def judge_captured(violations: tuple[Violation, ...], cap: Captured) -> Judged:
    """The replay observer's verdicts on the capture itself (`violations`: replay_file's on the
    file `cap` was read from)."""
    del cap
    return Judged(violations, {}, {})


class Numbering:
    """(ms, packet number) of packets in the order written, forgotten below a floor the caller
    moves up: the last number at or before a time, and the first at or after one."""

    def __init__(self) -> None:
        self.ms: deque[int] = deque()
        self.numbers: deque[int] = deque()
        self.dropped = 0  # the last number forgotten

    def add(self, ms: int, number: int) -> None:
        self.ms.append(ms)
        self.numbers.append(number)

    def forget(self, floor_ms: int) -> None:
        while len(self.ms) > 1 and self.ms[0] < floor_ms:
            self.ms.popleft()
            self.dropped = self.numbers.popleft()

    def upto(self, ms: int) -> int:
        """The last number at or before `ms` (0: none)."""
        i = bisect_right(self.ms, ms)
        return self.numbers[i - 1] if i else self.dropped

    def from_(self, ms: int) -> int | None:
        """The first number at or after `ms` (None: none yet)."""
        i = bisect_left(self.ms, ms)
        return self.numbers[i] if i < len(self.ms) else None


class Counterfactual:
    """The counterfactual capture (module doc) written as the run goes: every other node's frame
    as captured and every model packet, in time order (a captured packet before a model one at
    the same instant), to a temporary pcapng; `judge()` replays it as `replay` does."""

    def __init__(self, start_ns: int, links: Sequence[str], opts: ReplayOptions) -> None:
        self.start_ns = start_ns
        self.opts = opts
        fd, self.tmp = tempfile.mkstemp(suffix=".pcapng", prefix="mip6check-differential-")
        self.fh = os.fdopen(fd, "wb")
        self.w = PcapngWriter(self.fh)
        self.ids = {name: self.w.add_interface(name, linktype=1, tsresol=9) for name in links}
        self.heap: list[tuple[int, int, int, str, bytes, int]] = []
        self.written = 0
        self.numbers: dict[int, int] = {}  # model packet serial -> packet number, until forgotten
        self.times = Numbering()

    def captured(self, f: Frame) -> None:
        frame = (f.dst_mac or b"\x33\x33\x00\x00\x00\x01") + (f.src_mac or bytes(6)) + b"\x86\xdd"
        heapq.heappush(self.heap, (f.time_ns, 0, f.number, f.link, frame + f.octets, -1))

    def sent(self, s: Sent, *, numbered: bool = True) -> None:
        """A model packet; `numbered`: its packet number is kept (until forgotten) for a verdict."""
        frame = b"\x33\x33\x00\x00\x00\x01" + MODEL_SRC_MAC + b"\x86\xdd" + s.octets
        t_ns = self.start_ns + s.time_ms * 1_000_000
        heapq.heappush(self.heap, (t_ns, 1, s.serial, s.link, frame, s.serial if numbered else -1))

    def flush(self, upto_ms: int | None) -> None:
        """Write what is due up to `upto_ms` (None: everything)."""
        limit = None if upto_ms is None else self.start_ns + upto_ms * 1_000_000
        while self.heap and (limit is None or self.heap[0][0] <= limit):
            t_ns, _side, _o, link, frame, serial = heapq.heappop(self.heap)
            if link not in self.ids:
                self.ids[link] = self.w.add_interface(link, linktype=1, tsresol=9)
            self.w.write(self.ids[link], frame, time_ns=t_ns)
            self.written += 1
            self.times.add((t_ns - self.start_ns) // 1_000_000, self.written)
            if serial >= 0:
                self.numbers[serial] = self.written

    def judge(self, replay: bool) -> Judged:
        """The observer's verdicts on the counterfactual capture (`replay` False: none needed, the
        file is only removed)."""
        try:
            self.flush(None)
            self.fh.close()
            found = replay_file(self.tmp, self.opts).violations if replay else ()
            return Judged(found, dict(self.numbers), {})
        finally:
            self.discard()

    def discard(self) -> None:
        """Close and remove the file (again: nothing; a run stopped part-way calls it too)."""
        self.fh.close()
        if os.path.exists(self.tmp):
            os.unlink(self.tmp)


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
    j: Judged, node: frozenset[str], start_s: float, before: int
) -> tuple[Violation, ...]:
    """What the observer finds when a packet the node should have sent is missing: the node's
    first violation judged from `start_s` on (absences are judged at a later packet) that rests on
    a packet numbered up to `before` (what came before the missing one)."""
    for v in j.violations:
        if v.node in node and v.time is not None and v.time >= start_s:
            if (v.packet is not None and v.packet <= before) or any(r <= before for r in v.related):
                return (v,)
            if v.packet is not None and not v.related:
                return (v,)
    return ()


__all__ = [
    "Counterfactual",
    "Judged",
    "Numbering",
    "about_absence",
    "at_packet",
    "judge_captured",
]
