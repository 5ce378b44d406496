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
