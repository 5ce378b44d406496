"""TimerSet: named deadlines (integer ms) a role arms and cancels; time is always passed in (principle 1).

Used for §9.7 retransmissions, §9.8 deferred Binding Updates, §9.3 care-of address formation and the
MAX_ADVERT_REXMIT Neighbor Advertisement repeats (§8.2, §9.13).
"""

from __future__ import annotations

from collections.abc import Hashable

from mip6check.model.errors import ModelUsageError


class TimerSet:
    """At most one deadline per key; re-arming a key replaces its deadline."""

    def __init__(self) -> None:
        self._due: dict[Hashable, int] = {}
        self._order: dict[Hashable, int] = {}  # arming order breaks ties deterministically
        self._count = 0

    def arm(self, key: Hashable, deadline: int) -> None:
        if deadline < 0:
            raise ModelUsageError(f"timer {key!r}: negative deadline {deadline}")
        self._due[key] = deadline
        self._count += 1
        self._order[key] = self._count

    def cancel(self, key: Hashable) -> None:
        self._due.pop(key, None)
        self._order.pop(key, None)

    def armed(self, key: Hashable) -> bool:
        return key in self._due

    def deadline(self, key: Hashable) -> int | None:
        return self._due.get(key)

    def next_deadline(self) -> int | None:
        return min(self._due.values()) if self._due else None

    def pop_expired(self, now: int) -> list[Hashable]:
        """Keys whose deadline is <= now, earliest first (ties in arming order); they are disarmed."""
        keys = sorted(
            (k for k, t in self._due.items() if t <= now),
            key=lambda k: (self._due[k], self._order[k]),
        )
        for k in keys:
            self.cancel(k)
        return keys

    def __len__(self) -> int:
        return len(self._due)
