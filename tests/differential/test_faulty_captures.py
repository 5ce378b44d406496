"""The faulty captures of traces/captures/: the model plays the node the manifest's first planted
fault is about, and the first divergence is judged "implementation wrong" by the spec, with the
replay observer's violation at the faulty packet among the captured side's verdicts."""

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
NOT_COMPARED = {
    "rs-from-home.pcapng": "a Router Solicitation's source: RS/RA/NS are not compared (random timers)",
    "rs-from-coa.pcapng": "a Router Solicitation's source: RS/RA/NS are not compared (random timers)",
}
"""Faults in packets the differential replay does not compare, with the reason (docs/differential.md)."""
MODEL_LACKS = {
    "ha-no-icmp-relay.pcapng": "the model's home agent relays no ICMP error for a tunnelled packet "
    "(RFC 2473 §8) either, so it agrees with the fault",
}
"""Faults the model shares: the differential replay finds no divergence (asserted, so that the
entry goes when the model learns the behaviour)."""


def _args(entry: dict[str, Any]) -> list[str]:
    return [str(CAPTURES / a) if (CAPTURES / a).is_file() else a for a in entry["args"]]


def _faulty_node(path: Path, entry: dict[str, Any]) -> str:
    """The address of the node the first expected violation is about, as replay names it."""
    first = entry["expected"][0]
    code, out, _ = run("replay", str(path), *_args(entry), "--json")
    assert code == 1
    hits = [
        v["node"]
        for v in json.loads(out)["violations"]
        if v["property"] == first["property"] and v["packet"] == first["packet"]
    ]
    assert hits, f"replay no longer finds {first}"
    return str(hits[0])


@pytest.mark.parametrize("entry", FAULTS, ids=[c["file"] for c in FAULTS])
def test_first_divergence_is_the_implementations_fault(entry: dict[str, Any]) -> None:
    if entry["file"] in NOT_COMPARED:
        pytest.skip(NOT_COMPARED[entry["file"]])
    path = CAPTURES / entry["file"]
    node = _faulty_node(path, entry)
    if entry["file"] in MODEL_LACKS:
        code, docs = reports("replay", str(path), "--model", node, *_args(entry))
        assert code == 0 and docs[0]["divergences_total"] == 0 and docs[0]["compared"] > 0
        return
    code, docs = reports(
        "replay", str(path), "--model", node, *_args(entry), "--max-divergences", "1"
    )
    assert code == 1 and len(docs) == 1
    doc = docs[0]
    assert doc["divergences_total"] >= 1 and doc["compared"] > 0
    first = doc["divergences"][0]
    expected = entry["expected"][0]
    assert first["verdict"] == "implementation wrong", first
    seen = {(v["property"], v["packet"]) for v in first["captured"]["violations"]}
    assert (expected["property"], expected["packet"]) in seen, first
    assert first["model"]["violations"] == []


def test_a_fault_not_compared_is_still_not_a_pass() -> None:
    """rs-from-home: the divergence is in a packet kind not compared, and the report says how many
    packets were compared (no divergence, exit 0: the Binding Updates and Acknowledgement agree)."""
    path = CAPTURES / "rs-from-home.pcapng"
    code, docs = reports("replay", str(path), "--model", "mobile-node")
    assert code == 0 and docs[0]["compared"] >= 1 and docs[0]["divergences_total"] == 0


def test_most_faults_are_reached() -> None:
    assert len(FAULTS) >= 60 and len(NOT_COMPARED) + len(MODEL_LACKS) <= 3
