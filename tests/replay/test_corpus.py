"""The replay corpus (traces/captures): every capture's verdicts equal the manifest's, exactly, and
`replay --json` is byte-identical on a second run."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from mip6check.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "traces" / "captures"
MANIFEST = json.loads((CAPTURES / "manifest.json").read_text())
ENTRIES = MANIFEST["captures"]


def _replay_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, entry: dict
) -> tuple[int, str]:
    monkeypatch.chdir(CAPTURES)
    code = main(["replay", entry["file"], "--json", *entry["args"]])
    out = capsys.readouterr()
    assert out.err == ""
    return code, out.out


def test_corpus_size_and_kinds() -> None:
    assert len(ENTRIES) >= 30
    kinds = {e["kind"] for e in ENTRIES}
    assert {"conforming", "fault", "partial"} <= kinds
    assert len({e["file"] for e in ENTRIES}) == len(ENTRIES)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_verdicts_match_manifest(
    entry: dict, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, text = _replay_json(capsys, monkeypatch, entry)
    report = json.loads(text)
    got = sorted((v["property"], v["packet"]) for v in report["violations"])
    want = sorted((e["property"], e["packet"]) for e in entry["expected"])
    assert got == want, [v["message"] for v in report["violations"]]
    assert code == (1 if want else 0)
    assert report["packets"] == report["decoded"] + report["undecodable"] == entry["packets"]
    for v in report["violations"]:
        assert all(r < v["packet"] for r in v["related"])
    if entry["kind"] == "partial":
        assert not want
    # deterministic: the same bytes on a second run
    code2, text2 = _replay_json(capsys, monkeypatch, entry)
    assert (code2, text2) == (code, text)


def _generator(monkeypatch: pytest.MonkeyPatch, out: Path) -> object:
    spec = importlib.util.spec_from_file_location(
        "make_captures", ROOT / "tools" / "make_captures.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["make_captures"] = mod
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.modules.pop("make_captures", None)
    mod.OUT = out  # type: ignore[attr-defined]
    return mod


def test_generator_reproduces_the_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hand-built captures and the manifest come out byte for byte (simulated ones: see below)."""
    mod = _generator(monkeypatch, tmp_path)
    monkeypatch.setattr(sys, "argv", ["make_captures.py", "--no-simulations"])
    mod.main()  # type: ignore[attr-defined]
    shared = mod.SHARED.is_dir()  # type: ignore[attr-defined]
    new = json.loads((tmp_path / "manifest.json").read_text())["captures"]

    def keep(e: dict) -> bool:
        return e["kind"] != "simulated" and (shared or e["kind"] != "convert")

    assert [e for e in new if keep(e)] == [e for e in ENTRIES if keep(e)]
    for entry in ENTRIES:
        if keep(entry):
            assert (tmp_path / entry["file"]).read_bytes() == (
                CAPTURES / entry["file"]
            ).read_bytes()


SIMULATED = [e for e in ENTRIES if e["kind"] == "simulated"]


@pytest.mark.parametrize("entry", SIMULATED, ids=[e["file"] for e in SIMULATED])
def test_scenarios_simulated_now_replay_as_committed(
    entry: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The forwarding engine's current output for each scenario replays with the committed verdicts
    (same properties; packet numbers may move as the engine evolves)."""
    import io

    from mip6check.model.dsl import parse_scenario
    from mip6check.model.dsl.build import run_scenario

    stem = entry["file"][len("sim-") : -len(".pcapng")]
    sc = ROOT / "traces" / "scenarios" / f"{stem}.scenario"
    if not sc.exists():
        pytest.skip(f"{sc.name} no longer in the scenario corpus")
    buf = io.BytesIO()
    run_scenario(parse_scenario(sc.read_text(encoding="utf-8"), sc.name), capture=buf)
    out = tmp_path / entry["file"]
    out.write_bytes(buf.getvalue())
    monkeypatch.chdir(CAPTURES)
    main(["replay", str(out), "--json", *entry["args"]])
    report = json.loads(capsys.readouterr().out)
    assert sorted(v["property"] for v in report["violations"]) == sorted(
        e["property"] for e in entry["expected"]
    ), [v["message"] for v in report["violations"]]
