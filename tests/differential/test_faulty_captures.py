"""The faulty captures of traces/captures/: the model plays the node a planted fault is about (each
node the manifest's expected violations name, in order, until one fits), and its first divergence
is judged "implementation wrong" by the spec, with an expected violation of the replay observer at
the faulty packet among the captured side's verdicts and none on the model's side."""

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
    "reject-133.pcapng": "the fault is the mobile node's configuration (a home agent off its home "
    "subnet, §5.1), which the model is given from the capture",
}
"""Faults the model shares: the differential replay finds no divergence (asserted, so that the
entry goes when the model learns the behaviour)."""
MODEL_SILENT = {
    "icmp-rate.pcapng": "the model answers no datagram to a closed port (its hosts deliver every "
    "UDP packet), so its first divergence is the captured Destination Unreachable it lacks, "
    "which no property judges (undecided), not the errors' rate",
}
"""Faults in behaviour the model does not have: the first divergence is asserted as it is."""


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
    if entry["file"] in NOT_COMPARED:
        pytest.skip(NOT_COMPARED[entry["file"]])
    path = CAPTURES / entry["file"]
    nodes = _faulty_nodes(path, entry)
    if entry["file"] in MODEL_LACKS:
        code, docs = reports("replay", str(path), "--model", nodes[0], *_args(entry))
        assert code == 0 and docs[0]["divergences_total"] == 0 and docs[0]["compared"] > 0
        return
    if entry["file"] in MODEL_SILENT:
        code, docs = reports("replay", str(path), "--model", nodes[0], *_args(entry))
        first = docs[0]["divergences"][0]
        assert code == 1 and (first["kind"], first["verdict"]) == ("missing", "undecided")
        assert first["captured"]["decoded"] and "unreachable" in first["captured"]["decoded"]
        return
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


def test_a_fault_not_compared_is_still_not_a_pass() -> None:
    """rs-from-home: the divergence is in a packet kind not compared, and the report says how many
    packets were compared (no divergence, exit 0: the Binding Updates and Acknowledgement agree)."""
    path = CAPTURES / "rs-from-home.pcapng"
    code, docs = reports("replay", str(path), "--model", "mobile-node")
    assert code == 0 and docs[0]["compared"] >= 1 and docs[0]["divergences_total"] == 0


def test_most_faults_are_reached() -> None:
    assert len(FAULTS) >= 60 and len(NOT_COMPARED) + len(MODEL_LACKS) + len(MODEL_SILENT) <= 5
