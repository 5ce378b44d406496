"""`verify --no-timing` twice with the same seed gives the same bytes: budgets are counted in depths,
examples, steps and rounds, never in seconds (the bounded model checking depth reached within a
time budget once differed between two clean runs: 8 in one, 9 in the next)."""

from __future__ import annotations

import json

import pytest

from mip6check.cli.main import main


def verify_twice(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    outs = []
    codes = []
    for _ in range(2):
        codes.append(main(["verify", "--no-timing", "--seed", "7", *argv]))
        outs.append(capsys.readouterr().out)
    assert codes[0] == codes[1]
    assert outs[0] == outs[1]
    return codes[0], outs[0]


def test_bmc_and_hypothesis_are_byte_identical(capsys: pytest.CaptureFixture[str]) -> None:
    """What this covers: Z3 proofs and both bounded model checks (the depth is fixed per budget) and
    a seeded Hypothesis search, on the rows BMC checks; the scenario corpus has no randomness."""
    code, out = verify_twice(
        capsys,
        "--json",
        "--engine",
        "z3",
        "--engine",
        "hypothesis",
        "--property",
        "MN-RETX-SAME-SEQ",
        "BC-HOMEREG-NOEVICT",
        "SYS-CONVERGE",
    )
    assert code == 0
    results = json.loads(out)["results"]
    assert '"seconds"' not in out
    depth = [r["detail"] for r in results if r["engine"] == "z3-bmc"]
    assert depth and all("up to depth" in d for d in depth)


@pytest.mark.slow
def test_default_verify_is_byte_identical(capsys: pytest.CaptureFixture[str]) -> None:
    """The whole default run (every engine, every row), twice: about two minutes on 2 cores."""
    code, out = verify_twice(capsys, "--json")
    assert code == 0 and '"seconds"' not in out
