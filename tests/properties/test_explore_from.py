"""`explore --from CAPTURE[:PACKET]`: the machines start from the state a capture reached. Under a
mutant that accepts a repeated Sequence Number the search breaks BC-SEQ-MONOTONIC from a home
registration's capture, and the written scenario (the capture's packets, byte for byte, then the
machine's steps) re-simulates to that violation; the clean model breaks nothing there; a bad CAPTURE
or PACKET is one stderr line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mip6check.cli.main import main
from mip6check.model.dsl import ast as A
from mip6check.model.dsl import parse_scenario
from mip6check.properties.explore.from_capture import (
    FromCaptureError,
    parse_from,
    start_from,
)

ROOT = Path(__file__).resolve().parents[2]
CAP = str(ROOT / "traces" / "captures" / "home-registration.pcapng")


def test_start_holds_the_capture_prefix_byte_for_byte() -> None:
    """The start injects the captured packets nobody modelled sent (the mobile node's), unchanged,
    at their times + 1 s; the home agent and correspondent sit at their captured addresses."""
    from mip6check.model.codec.pcap import Record, iter_file
    from mip6check.properties.derive.scenario import _ipv6
    from mip6check.properties.explore.driver import BuildWorld

    st = start_from(CAP, 2)
    raws = [s.packet.data for s in st.prefix if isinstance(s, A.Inject)]
    recs = [r for r in iter_file(CAP) if isinstance(r, Record)]
    assert _ipv6(recs[1]) in raws  # frame 2: the mobile node's home registration
    assert all(s.time <= st.end_ms for s in st.prefix)
    w = BuildWorld(st.head)
    assert bytes.fromhex("20010db8000100000000000000000001") in w.addresses("HA")
    assert bytes.fromhex("20010db8000400000000000000000005") in w.addresses("CN")
    (m,) = st.mobiles
    assert m.last[0][1] == 7  # the captured Sequence Number the machine continues from
    assert any("not modelled" in how for _, how in st.roles)


def test_parse_from() -> None:
    assert parse_from("x.pcapng:12") == ("x.pcapng", 12)
    assert parse_from("x.pcapng") == ("x.pcapng", None)
    with pytest.raises(FromCaptureError):
        parse_from("x.pcapng:twelve")


@pytest.mark.parametrize(
    "spec, says",
    [
        (f"{CAP}:99", "no packet 99"),
        (f"{CAP}:0", "no packet 0"),
        (f"{CAP}:x", "frame number"),
        ("/nonexistent.pcapng", "at byte 0"),
        (str(ROOT / "README.md"), "at byte 0"),
    ],
)
def test_bad_from_is_exit_2(spec: str, says: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explore", "--from", spec, "--budget", "test"]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_mutant_broken_from_captured_state_and_reproduced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cex"
    args = ["explore", "--from", CAP, "--budget", "ci", "--mutant", "seq-ge"]
    args += ["--property", "BC-SEQ-MONOTONIC", "--out", str(out), "--json"]
    assert main(args) == 1
    summary = json.loads(capsys.readouterr().out)
    assert summary["violation"]["property"] == "BC-SEQ-MONOTONIC"
    assert summary["counterexample"]["recheck"]["confirmed"]
    assert summary["from"]["packet"] == 11 and "not started" in summary["from"]["bmc"]
    text = (out / "counterexample.scenario").read_text()
    sc = parse_scenario(text)
    assert sc.mutant == "seq-ge"
    injected = [s.packet for s in sc.timeline if isinstance(s, A.Inject)]
    st = start_from(CAP, None)
    prefix = [s.packet for s in st.prefix if isinstance(s, A.Inject)]
    assert prefix and all(isinstance(p, A.InjectRaw) for p in prefix)
    assert injected[: len(prefix)] == prefix  # the capture prefix, byte for byte
    assert main(["simulate", str(out / "counterexample.scenario")]) == 1
    assert "VIOLATED BC-SEQ-MONOTONIC" in capsys.readouterr().out


def test_clean_model_from_conforming_capture_finds_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["explore", "--from", CAP, "--budget", "ci", "--property", "BC-SEQ-MONOTONIC"]
    assert main([*args, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "no counterexample found" in out and "from " in out
    assert not (tmp_path / "counterexample.scenario").exists()
