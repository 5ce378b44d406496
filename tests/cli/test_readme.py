"""The README's two set-up commands, and `.ci/run` running exactly the second (and failing when it fails)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def setup_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = text.split("<!-- setup-commands", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_two_commands_one_line_each() -> None:
    install, test = setup_commands()
    assert install.startswith("python3 -m venv .venv && ") and "pip install -e ." in install
    assert "mip6check decode traces/examples/" in install
    example = install.rsplit(" ", 1)[1]
    assert (ROOT / example).is_file()
    assert test == ". .venv/bin/activate && pip install -e '.[test]' && python -m pytest"


def test_ci_run_runs_the_readme_test_command() -> None:
    _, test = setup_commands()
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert lines[0].startswith("#!") and "set -euo pipefail" in lines
    assert lines[-1] == test


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("pytest_rc", [0, 1])
def test_ci_run_exit_status_follows_the_tests(tmp_path: Path, pytest_rc: int) -> None:
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "run", tmp_path / ".ci" / "run")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    # a fake venv: pip succeeds, "python -m pytest" returns the parametrized status
    (tmp_path / ".venv" / "bin" / "activate").write_text(
        f"pip() {{ return 0; }}\npython() {{ return {pytest_rc}; }}\n"
    )
    fakebin = tmp_path / "bin"
    fakebin.mkdir()
    (fakebin / "tshark").write_text("#!/bin/sh\nexit 0\n")
    (fakebin / "tshark").chmod(0o755)
    env = {**os.environ, "PATH": f"{fakebin}:/usr/bin:/bin"}
    r = subprocess.run(
        ["bash", str(tmp_path / ".ci" / "run")], env=env, capture_output=True, check=False
    )
    assert (r.returncode != 0) == bool(pytest_rc), r.stderr
