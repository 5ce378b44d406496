"""Hypothesis runs that depend on their seed only, not on where mip6check is installed.

Hypothesis (6.131 and later) now and then draws a constant found in the source of "local" modules,
those outside site-packages, and caches what it found under `.hypothesis/` in the working directory.
A checkout of mip6check is local and an installed copy is not, so `explore --seed N` took another
walk from the tree than from a wheel (another counterexample, or none), and left `.hypothesis/` in
whatever directory it ran from. `pin()` turns those draws off for the process: the same seed gives
the same run wherever the package lives and whatever else is imported, and nothing is written.

Hypothesis offers no setting for it; the draw goes through one module-level function, replaced here
when it exists (a Hypothesis without it has no such draws, nothing to pin). tests/properties/
test_hypothesis_pin.py fails if a Hypothesis release moves it and the pin stops holding.
"""

from __future__ import annotations

from typing import Any

_MARK = "mip6check_pinned"


def pin() -> bool:
    """Turn off Hypothesis's draws of constants from local source (idempotent). Returns whether this
    Hypothesis has them (False: nothing to turn off)."""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - a Hypothesis without the module
        return False
    p: Any = providers
    current = getattr(p, "_get_local_constants", None)
    if current is None:
        return False
    if getattr(current, _MARK, False):
        return True
    empty = type(p._local_constants)()  # the class Hypothesis uses, with nothing in it

    def no_local_constants() -> Any:
        return empty

    setattr(no_local_constants, _MARK, True)
    p._get_local_constants = no_local_constants
    cache = getattr(p, "CONSTANTS_CACHE", None)  # choices already filtered from the old constants
    if cache is not None:
        cache.cache.clear()
    return True
