"""Watchdogs for `verify`'s engines: a wall-clock bound on one run and the text of a model crash.

A model that loops must not hang `verify`, and a model that raises must not pass: each engine runs
its work under `wall_clock(...)`, turns `BudgetExceeded` into `timeout` results that say what the run
had reached, and turns an exception out of the model into `error` results carrying `crash_text(...)`.
Budgets that decide *what* is checked are counted in steps, examples and depths, never in seconds
(so `verify --no-timing` is reproducible); the wall clock only stops a run that is stuck.

SIGALRM is handled between Python bytecodes, so a run stuck inside one C call (a Z3 check, a
big-integer power) never sees it. `verify` therefore runs each engine in a child process
(properties/parallel.py `in_child`) and tells each bound armed here to the parent (`report_bounds`);
the parent's `HardBound` kills the child when the innermost bound has passed by `grace(...)`.
"""

from __future__ import annotations

import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

TRACEBACK_FRAMES = 12
"""Frames kept from the end of a crash's traceback (the model's own frames are the last ones)."""


class BudgetExceeded(BaseException):
    """A run outlived its wall-clock bound. A BaseException, so neither the model's nor Hypothesis's
    `except Exception` mistakes the watchdog for a crash of the model."""

    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(f"{what}: no verdict within {seconds:g} s (watchdog)")
        self.what = what
        self.seconds = seconds


Report = Callable[[tuple[str, ...] | tuple[str, str, float]], None]
_report: list[Report] = []  # in an engine's child process: where armed bounds are told


def report_bounds(send: Report | None) -> None:
    """In a child process: tell `send` each bound `wall_clock` arms (`("arm", what, seconds)`) and
    each it leaves (`("disarm",)`), so the parent can enforce them from outside; None stops it."""
    _report.clear()
    if send is not None:
        _report.append(send)


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
    for send in _report:
        send(("arm", what, seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, outer)
        for send in _report:
            send(("disarm",))
        if outer_left:
            left = outer_left - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 0.001))


def grace(seconds: float) -> float:
    """How long past an in-process bound the parent waits for the child's own watchdog to act
    (it then reports what it had reached) before killing it: 5 s, or a tenth of a long bound."""
    return max(5.0, seconds / 10)


@dataclass
class HardBound:
    """The parent's view of a child's bounds, from the messages `report_bounds` sends: the innermost
    armed bound is the one that rings first (`wall_clock` arms a nested bound only when sooner)."""

    armed: list[tuple[str, float, float]] = field(default_factory=list)  # (what, s, deadline)
    last: str = ""  # the child's last progress message: what it had reached
    killed: tuple[str, float] | None = None  # (what, seconds) of the bound the child outlived

    def message(self, msg: tuple[object, ...]) -> None:
        """Take one message of the child: ("arm", what, s), ("disarm",) or ("progress", text); a new
        run's start ("unit", ...) forgets the progress of the runs before it (they are reported)."""
        if msg[0] == "arm":
            what, seconds = str(msg[1]), float(msg[2])  # type: ignore[arg-type]
            self.armed.append((what, seconds, time.monotonic() + seconds))
        elif msg[0] == "disarm" and self.armed:
            self.armed.pop()
        elif msg[0] == "progress":
            self.last = str(msg[1])
        elif msg[0] == "unit":
            self.last = ""

    def deadline(self) -> float | None:
        """When to kill the child (time.monotonic), or None while it runs unbounded."""
        if not self.armed:
            return None
        _what, seconds, at = self.armed[-1]
        return at + grace(seconds)

    def expired(self) -> str:
        """Why the child was killed, saying what it had reached (no elapsed time: the text is the
        same in every run that stops at the same place)."""
        what, seconds, _ = self.armed[-1] if self.armed else ("the run", 0.0, 0.0)
        self.killed = (what, seconds)
        tail = self.last.split(": ", 1)[-1]
        reached = f"; its last progress: {self.last}" if self.last and tail not in what else ""
        return (
            f"{what}: no verdict within {seconds:g} s (watchdog), and the run did not return to"
            f" Python to be stopped (stuck inside one call: a solver check, a big-integer"
            f" operation), so its process was killed{reached}"
        )


def crash_text(e: BaseException) -> str:
    """`Type: message` then the last frames of the traceback: what an `error` result shows."""
    frames = traceback.format_exception(type(e), e, e.__traceback__, limit=-TRACEBACK_FRAMES)
    return "".join(frames).rstrip()


def crash_line(e: BaseException) -> str:
    """One line for tables: `Type: message` (first line of the message)."""
    msg = str(e).splitlines()[0] if str(e) else ""
    return f"{type(e).__name__}: {msg}" if msg else type(e).__name__


__all__ = [
    "BudgetExceeded",
    "HardBound",
    "crash_line",
    "crash_text",
    "grace",
    "report_bounds",
    "wall_clock",
]
