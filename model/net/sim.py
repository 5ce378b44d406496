"""Deterministic discrete-event scheduler: a heap of (time, seq) events and one seeded RNG (STYLE §1, §11).

Time is integer milliseconds. Events at the same time run in the order they were scheduled, so a run
depends only on the seed and the calls made.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable

from mip6check.model.errors import ModelUsageError

Callback = Callable[[int], None]


class Scheduler:
    """`at(t, fn)` schedules `fn(t)`; `run_until(t)` runs every event with time <= t, then sets now = t."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.now = 0
        self._heap: list[tuple[int, int, Callback]] = []
        self._seq = 0
        self.executed = 0

    def at(self, t: int, fn: Callback) -> None:
        if t < self.now:
            raise ModelUsageError(f"cannot schedule at {t} ms: the clock is at {self.now} ms")
        self._seq += 1
        heapq.heappush(self._heap, (t, self._seq, fn))

    def next_time(self) -> int | None:
        return self._heap[0][0] if self._heap else None

    def step(self) -> bool:
        """Run the earliest event; False when none is left."""
        if not self._heap:
            return False
        t, _, fn = heapq.heappop(self._heap)
        self.now = t
        self.executed += 1
        fn(t)
        return True

    def run_until(self, t: int) -> None:
        if t < self.now:
            raise ModelUsageError(f"cannot run back to {t} ms: the clock is at {self.now} ms")
        heap = self._heap
        pop = heapq.heappop
        while heap and heap[0][0] <= t:
            et, _, fn = pop(heap)
            self.now = et
            self.executed += 1
            fn(et)
        self.now = t

    def pending(self) -> int:
        return len(self._heap)
