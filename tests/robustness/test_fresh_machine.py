"""Issue 7, fresh machine: .ci/fresh-machine.sh runs the README's two set-up commands, exactly as
written, in a clean copy in a temporary directory, and fails when either fails.

The real thing (a new virtual environment, PyPI, the whole suite) is CI's job; here the commands run
against a fake `python3` whose virtual environment defines pip/mip6check/python as shell functions
with chosen exit statuses, as tests/cli/test_readme.py does for .ci/run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_readme import setup_commands

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".ci" / "fresh-machine.sh"
pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")

FAKE_PYTHON3 = """#!/bin/bash
# fake `python3 -m venv .venv`: a venv whose tools are shell functions logging their arguments
echo "python3 $* in $PWD" >> "$FAKE_LOG"
[ "$FAKE_VENV_RC" = 0 ] || exit "$FAKE_VENV_RC"
mkdir -p .venv/bin
cat > .venv/bin/activate <<END
pip() { echo "pip \\$*" >> "$FAKE_LOG"; return $FAKE_PIP_RC; }
mip6check() { echo "mip6check \\$*" >> "$FAKE_LOG"; return $FAKE_DECODE_RC; }
python() { echo "python \\$*" >> "$FAKE_LOG"; return $FAKE_PYTEST_RC; }
END
"""


def test_print_gives_the_readme_commands() -> None:
    r = subprocess.run(
        ["bash", str(SCRIPT), "--print"], capture_output=True, text=True, check=False
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == setup_commands()


def _fake_run(tmp: Path, rcs: dict[str, int], readme: str | None = None) -> tuple[int, str]:
    src = tmp / "src"
    src.mkdir()
    (src / "README.md").write_text(readme or (ROOT / "README.md").read_text())
    fakebin = tmp / "bin"
    fakebin.mkdir()
    (fakebin / "python3").write_text(FAKE_PYTHON3)
    (fakebin / "python3").chmod(0o755)
    log = tmp / "log"
    log.touch()
    scratch = tmp / "scratch"
    scratch.mkdir()
    env = {
        **os.environ,
        "PATH": f"{fakebin}:/usr/bin:/bin",
        "MIP6CHECK_SRC": str(src),
        "TMPDIR": str(scratch),
        "FAKE_LOG": str(log),
        **{f"FAKE_{k}_RC": str(rcs.get(k, 0)) for k in ("VENV", "PIP", "DECODE", "PYTEST")},
    }
    r = subprocess.run(
        ["bash", str(SCRIPT)], env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert list(scratch.iterdir()) == []  # the temporary copy is gone
    return r.returncode, log.read_text()


@pytest.mark.parametrize(
    "failing", [None, "VENV", "PIP", "DECODE", "PYTEST"], ids=lambda f: f"{f or 'none'}-fails"
)
def test_fails_when_either_command_fails(tmp_path: Path, failing: str | None) -> None:
    code, log = _fake_run(tmp_path, {} if failing is None else {failing: 1})
    assert (code != 0) == (failing is not None), log
    if failing is None:
        assert log.splitlines()[1:] == [
            "pip install -e .",
            "mip6check decode traces/examples/home-registration.pcapng",
            "pip install -e .[test]",
            "python -m pytest",
        ]
        assert f"in {tmp_path / 'scratch'}" in log.splitlines()[0]  # ran in the temporary copy


def test_refuses_a_readme_without_two_commands(tmp_path: Path) -> None:
    code, log = _fake_run(tmp_path, {}, readme="# no set-up commands here\n")
    assert code == 2 and log == ""


def test_ci_run_calls_it() -> None:
    """Once .ci/run has the fresh-machine step it must come before the README's test command, which
    stays the last line (tests/cli/test_readme.py)."""
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    calls = [i for i, line in enumerate(lines) if "fresh-machine.sh" in line]
    if not calls:
        pytest.skip(".ci/run has no fresh-machine step yet")
    assert max(calls) < len(lines) - 1 and lines[-1] == setup_commands()[1]


@pytest.mark.parametrize("fresh_rc", [0, 1])
def test_ci_run_fails_when_the_fresh_machine_step_fails(tmp_path: Path, fresh_rc: int) -> None:
    """.ci/run with a stand-in fresh-machine step and a fake venv whose tests pass."""
    ci = tmp_path / ".ci"
    ci.mkdir()
    shutil.copy(ROOT / ".ci" / "run", ci / "run")
    (ci / "fresh-machine.sh").write_text(
        f"#!/bin/sh\necho fresh >> ../log 2>/dev/null\nexit {fresh_rc}\n"
    )
    (ci / "fresh-machine.sh").chmod(0o755)
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    (tmp_path / ".venv" / "bin" / "activate").write_text(
        "pip() { return 0; }\npython() { return 0; }\n"
    )
    fakebin = tmp_path / "bin"
    fakebin.mkdir()
    (fakebin / "tshark").write_text("#!/bin/sh\nexit 0\n")
    (fakebin / "tshark").chmod(0o755)
    env = {**os.environ, "PATH": f"{fakebin}:/usr/bin:/bin"}
    env.pop("MIP6CHECK_FRESH", None)
    r = subprocess.run(["bash", str(ci / "run")], env=env, capture_output=True, check=False)
    assert (r.returncode != 0) == bool(fresh_rc), r.stderr
