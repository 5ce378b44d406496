"""The differential replay's examples in README.md and docs/differential.md are real: each command
is run and its output compared line by line with the one printed."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest

from ._run import run
from .test_classes import _cut

ROOT = Path(__file__).resolve().parents[2]


def _examples(doc: Path) -> list[tuple[list[str], list[str]]]:
    """(argv, expected lines) of every ``$ mip6check replay ... --model ...`` block in `doc`."""
    out = []
    for block in doc.read_text(encoding="utf-8").split("```")[1::2]:
        lines = block.strip("\n").splitlines()
        if lines and lines[0].startswith("$ mip6check replay") and "--model" in lines[0]:
            out.append((shlex.split(lines[0][2:])[1:], lines[1:]))
    return out


@pytest.mark.parametrize("doc", ["README.md", "docs/differential.md"])
def test_examples_print_what_they_show(doc: str, tmp_path: Path) -> None:
    examples = _examples(ROOT / doc)
    assert examples, f"{doc} shows no differential replay"
    _cut(
        ROOT / "traces/captures/handoff.pcapng", tmp_path / "no-cn-update.pcapng", before_ms=20_200
    )
    for argv, expected in examples:
        here = os.getcwd()
        os.chdir(ROOT if (ROOT / argv[1]).is_file() else tmp_path)
        try:
            code, out, _ = run(*argv)
        finally:
            os.chdir(here)
        assert code in (0, 1)
        assert out.splitlines() == expected, f"{doc}: {' '.join(argv)}"
