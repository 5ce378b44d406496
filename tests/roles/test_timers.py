"""TimerSet: arm, re-arm, cancel, earliest-first expiry with deterministic ties."""

from __future__ import annotations

import pytest

from mip6check.model.errors import ModelUsageError
from mip6check.model.roles.timers import TimerSet


def test_arm_cancel_pop() -> None:
    t = TimerSet()
    assert t.next_deadline() is None and t.pop_expired(10) == []
    t.arm("b", 20)
    t.arm("a", 20)
    t.arm("c", 5)
    t.arm("c", 30)  # re-arming replaces
    assert t.next_deadline() == 20 and t.deadline("c") == 30 and len(t) == 3
    t.cancel("zzz")
    assert t.pop_expired(19) == []
    assert t.pop_expired(25) == ["b", "a"]  # same deadline: arming order
    assert t.armed("c") and not t.armed("a")
    t.cancel("c")
    assert t.next_deadline() is None


def test_negative_deadline_is_misuse() -> None:
    with pytest.raises(ModelUsageError):
        TimerSet().arm("x", -1)
