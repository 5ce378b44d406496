"""The Ctrl-C watcher of the Z3 checks (properties/smt/interrupt.py) and the watchdogs' SIGALRM
share the process: an alarm between checks must not disturb the next one."""

from __future__ import annotations

import threading
import time

import pytest
import z3

from mip6check.properties.smt.interrupt import check


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
