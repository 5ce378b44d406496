"""Running `mip6check` in-process for the differential tests: exit status, stdout, stderr."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

from mip6check.cli.main import main


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def reports(*argv: str) -> tuple[int, list[dict[str, Any]]]:
    """`replay ... --model ... --json`: the exit status and one object per modelled node."""
    code, out, _ = run(*argv, "--json")
    return code, [json.loads(line) for line in out.splitlines() if line.strip()]
