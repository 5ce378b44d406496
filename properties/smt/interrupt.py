"""Ctrl-C during a Z3 check. Left to itself Z3 catches SIGINT and answers `unknown` (its reason then
"interrupted from keyboard", or "canceled" as for a timeout), and the run would go on and report the
cut-short check as a budget limit. Here Z3 does not catch it (`ctrl_c` off): Python's own handler
stays, the signal is also written to a wake-up pipe, and a watcher thread asks Z3 to stop the running
check (`Z3_interrupt`, which is made for calls from another thread); when the check returns, Python
raises KeyboardInterrupt as for any Ctrl-C."""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

import z3

_state: dict[str, Any] = {"installed": False}
_SIGINT = bytes([signal.SIGINT])


def _watch(fd: int) -> None:
    while True:
        try:
            got = os.read(fd, 64)
        except OSError:
            return
        if not got:
            return
        if _SIGINT[0] in got:
            _state["hit"] = True
            try:
                z3.main_ctx().interrupt()
            except Exception:  # noqa: BLE001, S110 - no context yet: nothing runs to stop
                pass


def install() -> None:
    """Route SIGINT to the running Z3 check (once; only from the main thread, where signals go)."""
    if _state["installed"] or threading.current_thread() is not threading.main_thread():
        return
    handler = signal.getsignal(signal.SIGINT)
    if handler is not signal.default_int_handler and not getattr(
        handler, "mip6check_ctrl_c", False
    ):
        return  # someone else handles Ctrl-C here: leave Z3's own handling alone
    r, w = os.pipe()
    os.set_blocking(w, False)
    try:
        signal.set_wakeup_fd(w)
    except ValueError:
        os.close(r)
        os.close(w)
        return
    z3.set_param("ctrl_c", False)
    threading.Thread(target=_watch, args=(r,), name="z3-sigint", daemon=True).start()
    _state["installed"] = True


def check(solver: Any, *assumptions: Any) -> Any:
    """`solver.check(...)`; Ctrl-C / SIGINT stops it and raises KeyboardInterrupt."""
    install()
    r = solver.check(*assumptions)
    if r == z3.unknown:
        raise_if_interrupted(solver)
    return r


def raise_if_interrupted(solver: Any) -> None:
    """Raise KeyboardInterrupt if the solver's last `unknown` came from an interrupt: Z3's own
    handler's reason, or a SIGINT the watcher passed on."""
    if "interrupted" in str(solver.reason_unknown()) or _state.pop("hit", False):
        raise KeyboardInterrupt("z3: interrupted")
