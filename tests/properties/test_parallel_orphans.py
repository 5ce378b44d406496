"""A worker of the local pool dies with the process that started it (a run stopped by its watchdog,
or killed outright, leaves no worker computing a job nobody will read)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG")

PARENT = textwrap.dedent(
    """
    import os, sys, time
    from mip6check.properties.parallel import executor

    def spin(path):
        with open(path, "w") as f:
            f.write(str(os.getpid()))
        while True:
            pass

    if __name__ == "__main__":
        with executor(2) as ex:
            ex.submit(spin, sys.argv[1])
            time.sleep(600)
    """
)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_worker_dies_with_a_killed_parent(tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    marker = tmp_path / "worker.pid"
    p = subprocess.Popen([sys.executable, str(script), str(marker)])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() or not marker.read_text():
            assert time.monotonic() < deadline and p.poll() is None, "the worker never started"
            time.sleep(0.1)
        worker = int(marker.read_text())
        assert _alive(worker)
        os.kill(p.pid, signal.SIGKILL)  # no cleanup can run in the parent
        p.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker), "the worker outlived its parent"
    finally:
        if p.poll() is None:
            p.kill()
