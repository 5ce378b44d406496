"""The replay corpus (traces/captures): every capture's verdicts equal the manifest's, exactly, and
`replay --json` is byte-identical on a second run."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from cli.main import main

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


def test_generator_reproduces_the_corpus(tmp_path: Path) -> None:
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
    mod.OUT = tmp_path
    mod.main()
    shared = mod.SHARED.is_dir()
    for entry in ENTRIES:
        if entry["kind"] == "convert" and not shared:
            continue  # conversions need ../shared/traces; the committed files are replayed above
        assert (tmp_path / entry["file"]).read_bytes() == (CAPTURES / entry["file"]).read_bytes()
    if shared:
        assert (tmp_path / "manifest.json").read_text() == (CAPTURES / "manifest.json").read_text()
