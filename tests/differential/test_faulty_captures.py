"""The faulty captures of traces/captures/: the model plays the node a planted fault is about (each
node the manifest's expected violations name, in order, until one fits), and its first divergence
is judged "implementation wrong" by the spec, with an expected violation of the replay observer at
the faulty packet among the captured side's verdicts and none on the model's side. No capture is
exempt."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ._run import reports, run

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "traces" / "captures"
FAULTS = [
    c
    for c in json.loads((CAPTURES / "manifest.json").read_text())["captures"]
    if c["kind"] == "fault"
]


def _args(entry: dict[str, Any]) -> list[str]:
    return [str(CAPTURES / a) if (CAPTURES / a).is_file() else a for a in entry["args"]]


def _faulty_nodes(path: Path, entry: dict[str, Any]) -> list[str]:
    """The addresses of the nodes the expected violations are about, as replay names them, in
    the manifest's order (a planted fault can break a rule of another node first)."""
    code, out, _ = run("replay", str(path), *_args(entry), "--json")
    assert code == 1
    found = json.loads(out)["violations"]
    nodes: list[str] = []
    for e in entry["expected"]:
        for v in found:
            if (v["property"], v["packet"]) == (e["property"], e["packet"]) and v[
                "node"
            ] not in nodes:
                nodes.append(str(v["node"]))
    assert nodes, f"replay no longer finds {entry['expected']}"
    return nodes


@pytest.mark.parametrize("entry", FAULTS, ids=[c["file"] for c in FAULTS])
def test_first_divergence_is_the_implementations_fault(entry: dict[str, Any]) -> None:
    path = CAPTURES / entry["file"]
    nodes = _faulty_nodes(path, entry)
    expected = {(e["property"], e["packet"]) for e in entry["expected"]}
    outcomes = []
    for node in nodes:
        code, docs = reports("replay", str(path), "--model", node, *_args(entry))
        assert code in (0, 1, 2) and len(docs) == 1
        first = docs[0]["divergences"][0] if docs[0]["divergences"] else None
        outcomes.append((node, first))
        if first is None or first["verdict"] != "implementation wrong":
            continue
        seen = {(v["property"], v["packet"]) for v in first["captured"]["violations"]}
        if seen & expected and first["model"]["violations"] == []:
            return
    raise AssertionError(f"no modelled node's first divergence is the planted fault: {outcomes}")


def test_most_faults_are_reached() -> None:
    assert len(FAULTS) >= 60


@pytest.mark.parametrize(
    ("name", "property_id", "kind"),
    [
        ("rs-from-home.pcapng", "W-AUTOCONF-LLSRC", "differs"),
        ("rs-from-coa.pcapng", "W-AUTOCONF-LLSRC", "differs"),
        ("reject-133.pcapng", "MN-HOMEREG-DEST", "missing"),
        ("icmp-rate.pcapng", "IPV6-ICMP-RATE", "missing"),
    ],
)
def test_once_exempt_faults_are_found(name: str, property_id: str, kind: str) -> None:
    """The four faults once left out (an RS's source, a home agent off the home subnet, an error
    rate): the first divergence is at the faulty packet, of the expected kind, the implementation
    wrong by that property and the model's side clean."""
    entry = next(c for c in FAULTS if c["file"] == name)
    path = CAPTURES / name
    node = _faulty_nodes(path, entry)[0]
    code, docs = reports("replay", str(path), "--model", node, *_args(entry))
    first = docs[0]["divergences"][0]
    faulty = entry["expected"][0]["packet"]
    assert code == 1 and (first["packet"], first["kind"]) == (faulty, kind)
    assert first["verdict"] == "implementation wrong" and first["model"]["violations"] == []
    assert property_id in {v["property"] for v in first["captured"]["violations"]}
