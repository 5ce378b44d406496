"""Progress across workers (captures done, packets per second, violations so far) on a terminal
only: run `mip6check replay DIR --workers 2` under a pseudo-terminal and on pipes."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "traces" / "captures"
CMD = [sys.executable, "-m", "mip6check.cli.main", "replay", str(CAPTURES), "--workers", "2"]


def _run_on_pty_stderr() -> tuple[int, bytes, bytes]:
    """stdout on a pipe (read on a thread: a report larger than the pipe's buffer must not block the
    child while the terminal is drained), stderr on a pseudo-terminal."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(CMD, stdout=subprocess.PIPE, stderr=slave, cwd=ROOT)
    os.close(slave)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(proc.stdout.read() if proc.stdout else b""))
    reader.start()
    err = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        err += chunk
    reader.join()
    out = got[0] if got else b""
    code = proc.wait()
    os.close(master)
    return code, out, err


def test_progress_on_a_terminal() -> None:
    code, out, err = _run_on_pty_stderr()
    assert code == 1
    assert b" captures, " in err and b"packets/s" in err and b"violations so far" in err
    n = len([p for p in CAPTURES.iterdir() if p.suffix in (".pcap", ".pcapng")])
    assert f"{n}/{n} captures".encode() in err  # the last update counts every capture
    assert err.rstrip(b"\r\n").endswith(b"\r\x1b[K")  # the line is wiped before exit
    assert b"summary:" in out and b"packets/s" not in out


def test_nothing_extra_on_a_pipe() -> None:
    p = subprocess.run(CMD, capture_output=True, cwd=ROOT)
    assert p.returncode == 1 and p.stderr == b""
    assert b"packets/s" not in p.stdout and p.stdout.rstrip().splitlines()[-1].startswith(
        b"summary: "
    )
