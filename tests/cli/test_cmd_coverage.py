"""`mip6check coverage` through the command's registry: exit code and JSON shape."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_coverage_command_json() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, mip6check.cli.main as m; sys.exit(m.main(sys.argv[1:]))",
            "coverage",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    t = doc["totals"]
    assert (
        t["unmapped"] == 0 and t["clauses"] == t["property"] + t["implemented"] + t["out_of_scope"]
    )
    assert doc["problems"] == []


def test_coverage_command_text() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, mip6check.cli.main as m; sys.exit(m.main(sys.argv[1:]))",
            "coverage",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "covered by property" in proc.stdout and "C7.2-03" in proc.stdout
