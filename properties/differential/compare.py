"""Pairing the captured node's packets with the model's and listing where they part: a captured
packet the model did not send within the time tolerance (`missing`), a model packet the captured
node did not send (`extra`), and a pair whose compared fields differ (`differs`)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from mip6check.model.addr import Addr
from mip6check.properties.differential.capture import Frame
from mip6check.properties.differential.fields import FieldDiff, IcvCheck, compare
from mip6check.properties.differential.harness import Sent
from mip6check.properties.differential.kinds import ND_WINDOW_MS, key_of, kind_of, window_ms


@dataclass(frozen=True, slots=True)
class Pairing:
    """One comparison: a captured packet and/or a model packet (index into the model's sent list)."""

    kind: str  # "same" | "differs" | "missing" | "extra"
    packet_kind: str  # what kinds.kind_of says (BU, BA, tunnel, data ...)
    frame: Frame | None
    model: int | None  # index into the sent list (pair) or the packet's serial (Pairer)
    time_ms: int
    fields: tuple[FieldDiff, ...] = ()


class Pairer:
    """`pair` as a stream: captured frames (`captured`, in file order) and model packets (`sent`, in
    the order sent) come in as the engine runs; `settle(clock)` pairs every captured packet whose
    window the clock has passed and lets go of model packets no later captured one can pair with,
    each outcome handed to `done` at once (the same pairs as `pair` over the whole run). `close`
    after the last frame and the last model packet."""

    def __init__(
        self,
        own: frozenset[Addr],
        tolerance_ms: int,
        done: Callable[[Pairing, Sent | None], None],
        *,
        icv: IcvCheck | None = None,
    ) -> None:
        self.own = own
        self.tol = tolerance_ms
        self.reach = max(window_ms(k, tolerance_ms) for k in ("", *ND_WINDOW_MS))
        self.done = done
        self.icv = icv
        self.waiting: deque[tuple[Frame, str]] = deque()
        self.model: deque[tuple[Sent, str]] = deque()
        self.used: set[int] = set()  # serials of model packets paired, still held

    def captured(self, f: Frame) -> None:
        k = kind_of(f.packet, self.own)
        if k is not None:
            self.waiting.append((f, k))

    def sent(self, s: Sent, model_own: frozenset[Addr]) -> bool:
        """Take a model packet; False when it is of no compared kind (never paired)."""
        k = kind_of(s.packet, model_own)
        if k is not None:
            self.model.append((s, k))
        return k is not None

    def settle(self, clock_ms: int, read_ms: int) -> None:
        """Every model packet up to `clock_ms` is in, every captured one up to `read_ms`."""
        while self.waiting and self.waiting[0][0].time_ms + self.reach <= clock_ms:
            self._pair(*self.waiting.popleft())
        first = self.waiting[0][0].time_ms if self.waiting else read_ms
        self._release(first - self.reach, None)

    def close(self, end_ms: int) -> None:
        """No more packets on either side; model packets after `end_ms` (the capture's last
        packet) pair but are no `extra` (the capture stopped)."""
        while self.waiting:
            self._pair(*self.waiting.popleft())
        self._release(None, end_ms)

    def _pair(self, f: Frame, k: str) -> None:
        key = key_of(k, f.packet)
        window = window_ms(k, self.tol)
        best = None
        for s, mk in self.model:
            if s.serial in self.used or mk != k or abs(s.time_ms - f.time_ms) > window:
                continue
            if key_of(mk, s.packet) == key:
                best = s
                break
        if best is None:
            self.done(Pairing("missing", k, f, None, f.time_ms), None)
            return
        self.used.add(best.serial)
        diffs = tuple(compare(f.packet, best.packet, icv=self.icv))
        kind = "differs" if diffs else "same"
        self.done(Pairing(kind, k, f, best.serial, f.time_ms, diffs), best)

    def _release(self, before_ms: int | None, end_ms: int | None) -> None:
        while self.model and (before_ms is None or self.model[0][0].time_ms < before_ms):
            s, k = self.model.popleft()
            if s.serial in self.used:
                self.used.discard(s.serial)
            elif end_ms is None or s.time_ms <= end_ms:
                self.done(Pairing("extra", k, None, s.serial, s.time_ms), s)


__all__ = ["Pairer", "Pairing"]
