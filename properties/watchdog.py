"""Watchdogs for `verify`'s engines: a wall-clock bound on one run and the text of a model crash.

A model that loops must not hang `verify`, and a model that raises must not pass: each engine runs
its work under `wall_clock(...)`, turns `BudgetExceeded` into `timeout` results that say what the run
had reached, and turns an exception out of the model into `error` results carrying `crash_text(...)`.
Budgets that decide *what* is checked are counted in steps, examples and depths, never in seconds
(so `verify --no-timing` is reproducible); the wall clock only stops a run that is stuck.
"""

from __future__ import annotations

import signal
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

TRACEBACK_FRAMES = 12
"""Frames kept from the end of a crash's traceback (the model's own frames are the last ones)."""


class BudgetExceeded(BaseException):
    """A run outlived its wall-clock bound. A BaseException, so neither the model's nor Hypothesis's
    `except Exception` mistakes the watchdog for a crash of the model."""

    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(f"{what}: no verdict within {seconds:g} s (watchdog)")
        self.what = what
        self.seconds = seconds


def _usable() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def wall_clock(seconds: float | None, what: str) -> Iterator[None]:
    """Raise `BudgetExceeded` in the block after `seconds` (SIGALRM, main thread of a Unix process;
    elsewhere, or with None, no bound). Nests: an outer bound that rings sooner is left in charge,
    and on exit the outer bound is re-armed with what it has left."""
    if seconds is None or not _usable():
        yield
        return
    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
    if outer_left and outer_left <= seconds:
        yield
        return
    started = time.monotonic()
    outer = signal.getsignal(signal.SIGALRM)

    def ring(_sig: int, _frame: object) -> None:
        raise BudgetExceeded(what, seconds)

    signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, outer)
        if outer_left:
            left = outer_left - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))


def crash_text(e: BaseException) -> str:
    """`Type: message` then the last frames of the traceback: what an `error` result shows."""
    frames = traceback.format_exception(type(e), e, e.__traceback__, limit=-TRACEBACK_FRAMES)
    return "".join(frames).rstrip()


def crash_line(e: BaseException) -> str:
    """One line for tables: `Type: message` (first line of the message)."""
    msg = str(e).splitlines()[0] if str(e) else ""
    return f"{type(e).__name__}: {msg}" if msg else type(e).__name__


__all__ = ["BudgetExceeded", "crash_line", "crash_text", "wall_clock"]
