"""A watchdog stops a Z3 check that is computing (its SIGALRM reaches the solver through the same
watcher as Ctrl-C): a model that makes the solver hang is a `timeout`, not a hang."""

from __future__ import annotations

import threading
import time

import pytest
import z3

from mip6check.properties.smt.interrupt import check
from mip6check.properties.watchdog import BudgetExceeded, wall_clock


def test_watchdog_interrupts_a_running_check() -> None:
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach the main thread only")
    x, y, z = z3.Ints("x y z")
    s = z3.Solver()
    s.set("timeout", 20_000)  # without the watcher the check runs to this, and the test fails
    s.add(x > 0, y > 0, z > 0, x * x * x + y * y * y == z * z * z)  # Fermat, n = 3: no answer soon
    started = time.monotonic()
    with pytest.raises(BudgetExceeded):
        with wall_clock(1.0, "a hard check"):
            check(s)
    assert time.monotonic() - started < 5.0


def test_an_alarm_between_checks_cancels_nothing() -> None:
    """A watchdog ringing while no check runs (its block ended, or an outer bound re-armed) must not
    cancel the next check: an idle context keeps an interrupt for whatever runs next."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach the main thread only")
    x = z3.Int("x")
    s = z3.Solver()
    s.add(x > 1)
    assert check(s) == z3.sat  # the watcher is installed
    outer = signal.signal(signal.SIGALRM, lambda *_: None)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.01)
        time.sleep(0.3)  # the alarm rings and reaches the watcher while nothing is checked
    finally:
        signal.signal(signal.SIGALRM, outer)
    t = z3.Solver()
    t.add(x > 2)
    assert check(t) == z3.sat
