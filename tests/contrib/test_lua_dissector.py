"""The Wireshark Lua dissector (contrib/wireshark/mip6-draft04.lua) agrees field by field with
`mip6check decode --json` on the engine's captures (issue 8). Skipped when tshark is absent."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mip6check.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
LUA = ROOT / "contrib" / "wireshark" / "mip6-draft04.lua"
TSHARK = shutil.which("tshark")
SCENARIOS = [
    "01-first-registration",
    "05-route-optimisation",
    "10-ha-cache-full-131",
    "15-forged-bu-ignored",
]

pytestmark = pytest.mark.skipif(TSHARK is None, reason="tshark is not installed")

FIELDS = {
    "BU": {
        "a": "mip6d04.bu.a",
        "h": "mip6d04.bu.h",
        "c": "mip6d04.bu.c",
        "id_length": "mip6d04.bu.id_length",
        "seq": "mip6d04.bu.seq",
        "lifetime": "mip6d04.bu.lifetime",
        "care_of": "mip6d04.bu.care_of",
    },
    "BA": {
        "status": "mip6d04.ba.status",
        "seq": "mip6d04.ba.seq",
        "lifetime": "mip6d04.ba.lifetime",
        "refresh": "mip6d04.ba.refresh",
    },
    "BR": {},
    "HAO": {"home_address": "mip6d04.hao.address"},
}
TREES = {"BU": "mip6d04.bu", "BA": "mip6d04.ba", "BR": "mip6d04.br", "HAO": "mip6d04.hao"}


def _ours(capture: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    assert main(["decode", "--json", str(capture)]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _theirs(capture: Path) -> list[dict[str, Any]]:
    out = subprocess.run(
        [
            TSHARK or "tshark",
            "-X",
            f"lua_script:{LUA}",
            "-r",
            str(capture),
            "-T",
            "json",
            "-J",
            "mip6d04",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [p["_source"]["layers"].get("mip6d04", {}) for p in json.loads(out)]


def _items(layer: dict[str, Any], tree: str) -> list[dict[str, Any]]:
    """tshark's JSON repeats keys; with one option per kind in a packet it is a dict, else a list."""
    v = layer.get(tree)
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _norm(kind: str, field: str, value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


@pytest.mark.parametrize("name", SCENARIOS)
def test_dissector_agrees_with_decode(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / f"{name}.pcapng"
    assert (
        main(
            [
                "simulate",
                str(ROOT / "traces" / "scenarios" / f"{name}.scenario"),
                "--pcap",
                str(capture),
            ]
        )
        == 0
    )
    capsys.readouterr()
    ours, theirs = _ours(capture, capsys), _theirs(capture)
    assert len(ours) == len(theirs)
    compared = 0
    for mine, layer in zip(ours, theirs, strict=True):
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for opt in mine["mip6"]:
            by_kind.setdefault(opt["type"], []).append(opt)
        for kind, tree in TREES.items():
            got = _items(layer, tree)
            want = by_kind.get(kind, [])
            assert len(got) == len(want), (mine["index"], kind)
            for o, t in zip(want, got, strict=True):
                for field, ws_name in FIELDS[kind].items():
                    if o.get(field) is None:
                        assert ws_name not in t, (mine["index"], field)
                        continue
                    assert t[ws_name] == _norm(kind, field, o[field]), (mine["index"], kind, field)
                    compared += 1
    assert compared > 0, "the capture held no Mobile IPv6 option"


def _experts(layer: dict[str, Any]) -> set[str]:
    found: set[str] = set()

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                if k.startswith("mip6d04.w_"):
                    found.add(k)
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(layer)
    return found


def test_expert_info_marks_wire_properties(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """W-BU-NEEDS-AUTH and W-BU-NEEDS-HAO expert notes appear exactly where the decode shows the defect."""
    capture = tmp_path / "forged.pcapng"
    main(
        [
            "simulate",
            str(ROOT / "traces" / "scenarios" / "15-forged-bu-ignored.scenario"),
            "--pcap",
            str(capture),
        ]
    )
    capsys.readouterr()
    ours, theirs = _ours(capture, capsys), _theirs(capture)
    seen = 0
    for mine, layer in zip(ours, theirs, strict=True):
        kinds = {o["type"] for o in mine["mip6"]}
        if "BU" not in kinds:
            continue
        seen += 1
        auth = "ah" in mine["chain"] or "esp" in mine["chain"]
        ex = _experts(layer)
        assert ("mip6d04.w_bu_needs_auth" in ex) == (not auth), mine["index"]
        assert ("mip6d04.w_bu_needs_hao" in ex) == ("HAO" not in kinds), mine["index"]
    assert seen > 0
