"""`replay FILE|DIR ... --workers N`: one verdict per capture in input order, a summary, the exit
status over all, and the same bytes for 1 and 2 workers (traces/ and the shared captures)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mip6check.cli.main import main
from mip6check.properties.replay import ReplayOptions, render_text, replay_file
from mip6check.properties.replay_many import expand_inputs

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "traces" / "captures"
MANIFEST = json.loads((CAPTURES / "manifest.json").read_text())
# the shared folders holding Mobile IPv6 traffic (tcpdump-all is the robustness corpus)
SHARED_MIP6 = ("tcpdump", "zeek", "ns3-mipv6-manoj24rana", "openair4G-pmipv6", "arkime")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["replay", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_one_and_two_workers_same_bytes_on_the_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    runs = {n: run(capsys, str(CAPTURES), "--json", "--workers", str(n)) for n in (1, 2)}
    assert runs[1] == runs[2]
    code, out, err = runs[1]
    lines = out.splitlines()
    files = expand_inputs([str(CAPTURES)]).files
    assert len(lines) == len(files) == len(MANIFEST["captures"])
    docs = [json.loads(x) for x in lines]
    assert [d["file"] for d in docs] == list(files)  # input order: sorted paths under the folder
    assert code == 1 and err == ""
    # each object is what the single-capture replay says for that file (default arguments)
    for d in docs[:5]:
        assert d == replay_file(d["file"], ReplayOptions()).to_json()


def test_text_reports_in_order_and_summary(capsys: pytest.CaptureFixture[str]) -> None:
    a, b = CAPTURES / "home-registration.pcapng", CAPTURES / "ha-accepts-stale.pcapng"
    code, out, err = run(capsys, str(a), str(b), "--workers", "2")
    ra, rb = replay_file(str(a)), replay_file(str(b))
    assert out == (
        render_text(ra)
        + "\n"
        + render_text(rb)
        + "\n"
        + f"summary: 2 captures, {ra.packets + rb.packets} packets, "
        f"{len(rb.violations)} violation{'s' if len(rb.violations) != 1 else ''} in 1 capture\n"
    )
    assert code == 1 and err == ""
    code, out, _ = run(capsys, str(a), str(a), "--workers", "2")
    assert code == 0 and out.endswith(
        "summary: 2 captures, 22 packets, 0 violations in 0 captures\n"
    )


def test_single_file_output_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    f = CAPTURES / "ha-accepts-stale.pcapng"
    code, out, err = run(capsys, str(f), "--workers", "2")
    assert (code, out, err) == (1, render_text(replay_file(str(f))), "")
    code, out, _ = run(capsys, str(f), "--json")
    assert json.loads(out) == replay_file(str(f)).to_json() and out.count("\n") == 1


def test_unreadable_capture_is_reported_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(b"\xd4\xc3\xb2\xa1" + b"\x00" * 3)  # a pcap magic, then a truncated header
    good = CAPTURES / "home-registration.pcapng"
    code, out, err = run(capsys, str(good), str(bad), "--json", "--workers", "2")
    docs = [json.loads(x) for x in out.splitlines()]
    assert [d["file"] for d in docs] == [str(good), str(bad)]
    assert docs[1]["error"]["reason"] and isinstance(docs[1]["error"]["offset"], int)
    assert code == 2 and err.count("\n") == 1 and str(bad) in err and "at byte" in err
    # a violation elsewhere does not hide the failure: still exit 2
    stale = CAPTURES / "ha-accepts-stale.pcapng"
    code, _, _ = run(capsys, str(stale), str(bad), "--workers", "1")
    assert code == 2


def test_folder_without_captures_is_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("no capture here")
    code, out, err = run(capsys, str(tmp_path))
    assert code == 2 and out == "" and "no capture file found" in err


def test_folder_skips_other_files_and_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.pcapng").write_bytes(
        (CAPTURES / "home-registration.pcapng").read_bytes()
    )
    (tmp_path / "README").write_text("text")
    code, out, _ = run(capsys, str(tmp_path), "--workers", "1")
    assert code == 0
    assert out.endswith(
        "summary: 1 capture, 11 packets, 0 violations in 0 captures, 1 other file skipped "
        "(not captures)\n"
    )
    assert out.startswith(f"{tmp_path}/sub/x.pcapng: 11 packets")


def test_many_junit_one_suite_per_capture(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import xml.etree.ElementTree as ET

    a, b = CAPTURES / "home-registration.pcapng", CAPTURES / "ha-accepts-stale.pcapng"
    out = tmp_path / "r.xml"
    code, _, _ = run(capsys, str(a), str(b), "--junit", str(out), "--workers", "2")
    suites = ET.parse(out).getroot().findall("testsuite")
    assert code == 1 and [s.get("name") for s in suites] == [f"replay.{a}", f"replay.{b}"]
    assert suites[0].get("failures") == "0" and int(suites[1].get("failures") or 0) > 0


@pytest.mark.parametrize("flag", ["--sarif", "--msc"])
def test_single_capture_side_outputs_refused_for_many(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, flag: str
) -> None:
    a = str(CAPTURES / "home-registration.pcapng")
    code, out, err = run(capsys, a, a, flag, str(tmp_path / "x"))
    assert code == 2 and out == "" and "needs a single FILE" in err


def test_workers_below_one_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(CAPTURES), "--workers", "0")
    assert code == 2 and "--workers must be at least 1" in err


def test_shared_captures_same_bytes_for_one_and_two_workers(
    capsys: pytest.CaptureFixture[str], shared_traces: Path
) -> None:
    dirs = [str(shared_traces / d) for d in SHARED_MIP6 if (shared_traces / d).is_dir()]
    one = run(capsys, *dirs, "--json", "--workers", "1")
    two = run(capsys, *dirs, "--json", "--workers", "2")
    assert one == two
    docs = [json.loads(x) for x in one[1].splitlines()]
    assert len(docs) == len(expand_inputs(dirs).files) > 20
    assert all(d["packets"] == d["decoded"] + d["undecodable"] for d in docs if "error" not in d)
