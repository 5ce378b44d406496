"""`verify --workers N`: the engines run side by side, and the report is the one a serial run gives
(same bytes with --no-timing)."""

from __future__ import annotations

import pytest

from mip6check.cli.main import main
from mip6check.properties.parallel import InlineExecutor
from mip6check.properties.verify import VerifyOptions, run_verify


def verify(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["verify", "--no-timing", "--json", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


ARGS = ("--property", "W-BU-MINLEN", "--engine", "z3", "--engine", "scenarios")


def test_two_workers_same_report_as_one(capsys: pytest.CaptureFixture[str]) -> None:
    one = verify(capsys, *ARGS, "--workers", "1")
    two = verify(capsys, *ARGS, "--workers", "2")
    assert one == two
    assert one[0] == 0 and '"engine": "z3"' in one[1] and '"engine": "scenarios"' in one[1]


def test_executor_path_equals_serial_path() -> None:
    opts = VerifyOptions(properties=frozenset({"W-BU-MINLEN"}), engines=("z3",))
    serial = run_verify(opts)
    inline = run_verify(opts, executor=InlineExecutor())
    strip = [(r.property, r.engine, r.status, r.detail) for r in serial]
    assert strip == [(r.property, r.engine, r.status, r.detail) for r in inline] and strip


def test_workers_below_one_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = verify(capsys, *ARGS, "--workers", "0")
    assert code == 2 and out == "" and "--workers must be at least 1" in err
