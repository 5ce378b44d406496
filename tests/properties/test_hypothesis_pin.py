"""`explore --seed N` walks the same from a checkout and from an installed copy (properties/
hypothesis_pin.py): Hypothesis's draws of constants from "local" source, which made the two differ
and wrote `.hypothesis/` into the working directory, are off."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import mip6check
import mip6check.properties.explore  # noqa: F401 - importing the engine pins Hypothesis
from mip6check.properties.hypothesis_pin import pin

PACKAGE = Path(mip6check.__file__).resolve().parent


def test_the_pin_is_in_effect() -> None:
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover
        assert pin() is False
        return
    if not hasattr(providers, "_get_local_constants"):  # a Hypothesis without local constants
        assert pin() is False
        return
    assert pin() is True and pin() is True  # idempotent
    assert len(providers._get_local_constants()) == 0


def _copy_package(to: Path) -> None:
    """mip6check as one real tree (the checkout's room links resolved), as a wheel lays it out."""
    shutil.copytree(
        PACKAGE, to / "mip6check", symlinks=False, ignore=shutil.ignore_patterns("__pycache__")
    )


def _explore(pythonpath: Path, cwd: Path) -> tuple[int, dict[str, object]]:
    cwd.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from mip6check.cli.main import main; sys.exit(main())",
            "explore",
            "--budget",
            "test",
            "--seed",
            "1",
            "--property",
            "MN-RETX-SAME-SEQ",
            "--json",
            "--out",
            "cex",
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        timeout=600,
        check=False,
    )
    assert not (cwd / ".hypothesis").exists(), (
        "explore wrote .hypothesis/ into the working directory"
    )
    out = json.loads(proc.stdout)
    assert out["coverage"]["examples"] > 0
    return proc.returncode, out


def test_explore_walks_the_same_installed_and_from_a_tree(tmp_path: Path) -> None:
    """The same code, once where Hypothesis counts it as local source and once under site-packages:
    the same search, and nothing written to the working directory (without the pin, the run from
    the tree writes .hypothesis/; .ci/wheel.sh compares a mutant's counterexample files too)."""
    tree, site = tmp_path / "tree", tmp_path / "venv" / "lib" / "site-packages"
    _copy_package(tree)
    _copy_package(site)
    a = _explore(tree, tmp_path / "run-tree")
    b = _explore(site, tmp_path / "run-installed")
    assert a[0] == b[0] == 0
    assert a[1] == b[1]
