"""JUnit XML and SARIF 2.1.0 writers: structure, counts, and validation against the SARIF schema."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mip6check.properties.catalog import CATALOG, UnknownPropertyError
from mip6check.properties.report import junit, sarif
from mip6check.properties.verdict import Result, Status, Violation

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"

V1 = Violation(
    property="MN-RETX-SAME-SEQ",
    section="9.7",
    level="MUST",
    node="2001:db8:1::100",
    message="retransmission of the Binding Update sent in packet 12 changed Sequence Number 7 -> 8",
    packet=17,
    time=33.5,
    related=(12,),
)
V2 = Violation(
    property="BC-SEQ-MONOTONIC",
    section="7.2",
    level="MUST",
    node="cn",
    message="cache entry updated by Sequence Number 5 after 9",
    step=4,
    scenario_line=12,
)
RESULTS = [
    Result("BC-SEQ-MONOTONIC", "z3", Status.PROVED, seconds=0.4, detail="inductive"),
    Result("SPEC-SEQ-HALF", "z3", Status.FINDING, witness={"a": 0, "b": 32768}),
    Result("BC-HOMEREG-NOEVICT", "hypothesis", Status.PASSED, examples=2000, seconds=3.25),
    Result(
        "BC-SEQ-MONOTONIC",
        "hypothesis",
        Status.VIOLATED,
        seconds=1.0,
        counterexample={"scenario": "traces/regressions/x.scenario"},
        violations=(V2,),
    ),
    Result("SYS-CONVERGE", "z3", Status.UNKNOWN, detail="solver timeout at depth 9"),
]


def test_result_json_matches_cli_contract() -> None:
    assert RESULTS[0].to_json() == {
        "property": "BC-SEQ-MONOTONIC",
        "engine": "z3",
        "status": "proved",
        "seconds": 0.4,
        "detail": "inductive",
    }
    assert RESULTS[1].to_json() == {
        "property": "SPEC-SEQ-HALF",
        "engine": "z3",
        "status": "finding",
        "witness": {"a": 0, "b": 32768},
    }
    assert RESULTS[2].to_json()["examples"] == 2000
    assert V1.to_json() == {
        "packet": 17,
        "time": 33.5,
        "property": "MN-RETX-SAME-SEQ",
        "section": "9.7",
        "level": "MUST",
        "node": "2001:db8:1::100",
        "message": V1.message,
        "related": [12],
    }
    assert RESULTS[3].failed and not RESULTS[0].failed
    with pytest.raises(TypeError):
        Result("X", "z3", "proved")  # type: ignore[arg-type]


def test_junit_one_case_per_property_engine() -> None:
    root = ET.fromstring(junit.to_xml(RESULTS))
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(RESULTS)
    assert root.get("tests") == "5" and root.get("failures") == "1"
    assert [s.get("skipped") for s in root.findall("testsuite")] == ["1", "0"]
    assert [s.get("name") for s in root.findall("testsuite")] == [
        "mip6check.z3",
        "mip6check.hypothesis",
    ]
    failed = [c for c in cases if c.find("failure") is not None]
    assert len(failed) == 1 and failed[0].get("name", "").startswith("BC-SEQ-MONOTONIC")
    f = failed[0].find("failure")
    assert f is not None and "Sequence Number 5 after 9" in (f.get("message") or "")
    assert "x.scenario" in (f.text or "")
    assert junit.to_xml(RESULTS) == junit.to_xml(RESULTS)


def test_junit_replay_results() -> None:
    rs = junit.replay_results(
        [V1], ["W-BU-NEEDS-HAO", "MN-RETX-SAME-SEQ"], tested={"W-BU-NEEDS-HAO": 3}
    )
    assert [(r.property, r.status) for r in rs] == [
        ("W-BU-NEEDS-HAO", Status.PASSED),
        ("MN-RETX-SAME-SEQ", Status.VIOLATED),
    ]
    assert rs[0].examples == 3
    root = ET.fromstring(junit.to_xml(rs))
    assert root.get("failures") == "1"


def test_junit_replay_untested_property_is_skipped_not_passed() -> None:
    """A property no packet of the capture exercised was not tested: skipped, never a pass."""
    checked = ["W-BU-NEEDS-HAO", "W-BR-LEN", "MN-RETX-SAME-SEQ"]
    rs = junit.replay_results([], checked, tested={"W-BU-NEEDS-HAO": 2, "W-BR-LEN": 0})
    assert [r.status for r in rs] == [Status.PASSED, Status.UNKNOWN, Status.UNKNOWN]
    assert all(r.status is Status.UNKNOWN for r in junit.replay_results([], checked))
    root = ET.fromstring(junit.to_xml(rs))
    skipped = [c.get("name") for c in root.iter("testcase") if c.find("skipped") is not None]
    assert skipped == ["W-BR-LEN (§5.3)", "MN-RETX-SAME-SEQ (§9.7)"]


# attributes the common Jenkins JUnit schema (junit-10.xsd) allows
JENKINS_ATTRS = {
    "testsuites": {"name", "time", "tests", "failures", "disabled", "errors"},
    "testsuite": {
        "name",
        "tests",
        "failures",
        "errors",
        "time",
        "disabled",
        "skipped",
        "timestamp",
        "hostname",
        "id",
        "package",
        "file",
        "log",
        "url",
        "version",
    },
    "testcase": {"name", "assertions", "time", "classname", "status", "file", "line", "url"},
    "failure": {"message", "type"},
    "error": {"message", "type"},
    "skipped": {"message"},
}


def test_junit_attributes_fit_the_jenkins_schema() -> None:
    bad = {"replay": (2, [(4, "Option Length 30 runs past the header"), (9, "truncated")])}
    rs = junit.replay_results([V1], ["MN-RETX-SAME-SEQ", "W-BR-LEN"], engine="replay")
    for doc in (junit.to_xml(RESULTS), junit.to_xml(rs, undecodable=bad)):
        for el in ET.fromstring(doc).iter():
            if el.tag in JENKINS_ATTRS:
                assert set(el.attrib) <= JENKINS_ATTRS[el.tag], (el.tag, el.attrib)


def test_junit_shared_run_time_is_not_added_up() -> None:
    """Properties one run decided share its duration: the document's time is the run's, not n times
    it (a 35 s run once read as 281 s)."""
    shared = [
        Result(f"P{i}", "hypothesis", Status.PASSED, seconds=35.0, examples=9) for i in range(8)
    ]
    solo = [
        Result("BC-UNIQUE", "z3", Status.PROVED, seconds=0.5),
        Result("BC-CREATE", "z3", Status.PROVED, seconds=1.5),
    ]
    root = ET.fromstring(junit.to_xml([*solo, *shared]))
    assert float(root.get("time") or 0) == pytest.approx(37.0, abs=0.01)
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert float(suites["mip6check.hypothesis"].get("time") or 0) == pytest.approx(35.0, abs=0.01)
    assert float(suites["mip6check.z3"].get("time") or 0) == pytest.approx(2.0, abs=0.01)
    total = sum(float(c.get("time") or 0) for c in root.iter("testcase"))
    assert total == pytest.approx(37.0, abs=0.01)


def test_junit_undecodable_packets_show() -> None:
    rs = junit.replay_results([], ["W-BU-NEEDS-HAO"], tested={"W-BU-NEEDS-HAO": 1})
    bad = {"replay": (2, [(4, "Option Length 30 runs past the header"), (9, "truncated")])}
    root = ET.fromstring(junit.to_xml(rs, undecodable=bad))
    assert root.get("errors") == "1" and root.get("tests") == "2"
    (case,) = [c for c in root.iter("testcase") if c.get("name") == "undecodable packets"]
    err = case.find("error")
    assert err is not None and "2 packets could not be decoded" in (err.get("message") or "")
    assert "packet 4: Option Length 30 runs past the header" in (err.text or "")
    clean = ET.fromstring(junit.to_xml(rs, undecodable={"replay": (0, [])}))
    (case,) = [c for c in clean.iter("testcase") if c.get("name") == "undecodable packets"]
    assert case.find("error") is None and clean.get("errors") == "0"


def _validate(log: dict[str, object]) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.Draft4Validator(schema).validate(log)


GITHUB_LIMITS = {"runs": 20, "results": 25_000, "rules": 25_000, "locations": 1_000, "tags": 20}


def github_problems(log: dict[str, Any]) -> list[str]:
    """What GitHub code scanning's SARIF upload would refuse or could not place (its documented
    rules, docs/ci.md): version 2.1.0; a driver name; unique rule IDs; every result with a ruleId,
    a message text, a level it knows, and a first location with a relative `uri`, a `uriBaseId`
    and a `region.startLine` >= 1; the upload limits on runs, results, rules, locations, tags."""
    out: list[str] = []
    if log.get("version") != "2.1.0":
        out.append("version")
    runs = log.get("runs", [])
    if not 1 <= len(runs) <= GITHUB_LIMITS["runs"]:
        out.append("runs")
    for run in runs:
        driver = run["tool"]["driver"]
        if not driver.get("name"):
            out.append("driver name")
        ids = [r["id"] for r in driver.get("rules", [])]
        if len(ids) != len(set(ids)) or len(ids) > GITHUB_LIMITS["rules"]:
            out.append("rule ids")
        for r in driver.get("rules", []):
            if len(r.get("properties", {}).get("tags", [])) > GITHUB_LIMITS["tags"]:
                out.append(f"{r['id']}: tags")
        results = run.get("results", [])
        if len(results) > GITHUB_LIMITS["results"]:
            out.append("results")
        bases = run.get("originalUriBaseIds", {})
        for i, res in enumerate(results):
            if not res.get("ruleId") or not res.get("message", {}).get("text"):
                out.append(f"result {i}: ruleId/message")
            if res.get("level", "warning") not in ("none", "note", "warning", "error"):
                out.append(f"result {i}: level")
            locs = res.get("locations", [])
            if not locs or len(locs) > GITHUB_LIMITS["locations"]:
                out.append(f"result {i}: locations")
                continue
            phys = locs[0].get("physicalLocation", {})
            art = phys.get("artifactLocation", {})
            uri = art.get("uri", "")
            if not uri or uri.startswith("/") or re.match(r"^[a-z]+:", uri) or ".." in uri:
                out.append(f"result {i}: uri {uri!r} is not relative")
            if art.get("uriBaseId") not in bases:
                out.append(f"result {i}: uriBaseId {art.get('uriBaseId')!r}")
            if phys.get("region", {}).get("startLine", 0) < 1:
                out.append(f"result {i}: no startLine")
    return out


def test_sarif_capture_validates_against_schema(tmp_path: Path) -> None:
    rendering = tmp_path / "run1.sarif.packets.txt"
    rendering.write_text("".join(f"{n} packet\n" for n in range(1, 20)))
    log = sarif.sarif_log(
        [V1],
        artifact=str(tmp_path / "captures" / "run1.pcapng"),
        rendering=str(rendering),
        frame_offsets={17: (2048, 98)},
        srcroot=tmp_path,
        command=["mip6check", "replay", "captures/run1.pcapng", "--sarif", "out.sarif"],
    )
    _validate(log)
    assert github_problems(log) == []
    run = log["runs"][0]  # type: ignore[index]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(CATALOG)
    assert run["tool"]["driver"]["informationUri"] != "https://example.invalid/mip6check"
    rule = rules[list(CATALOG).index("MN-RETX-SAME-SEQ")]
    assert rule["properties"]["sections"] == ["9.7"] and rule["properties"]["level"] == "MUST"
    assert "same Sequence Number value as the original transmission" in rule["help"]["text"]
    assert "#section-9.7" in rule["help"]["markdown"]
    assert rule["helpUri"] == "docs/properties.md#mobile-node-mn"
    assert rule["defaultConfiguration"]["level"] == "error"
    (res,) = run["results"]
    assert res["ruleId"] == "MN-RETX-SAME-SEQ" and rules[res["ruleIndex"]]["id"] == res["ruleId"]
    loc = res["locations"][0]
    phys = loc["physicalLocation"]
    # placed on the rendering's line 17: packet 17
    assert phys["artifactLocation"]["uri"] == "run1.sarif.packets.txt"
    assert phys["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert phys["region"] == {"startLine": 17}
    cap, pkt = loc["logicalLocations"]
    assert cap == {
        "name": "run1.pcapng",
        "fullyQualifiedName": "captures/run1.pcapng",
        "kind": "resource",
    }
    assert pkt["name"] == "packet 17" and pkt["parentIndex"] == 0
    byte, earlier, rule_row = res["relatedLocations"]
    assert byte["physicalLocation"]["region"] == {"byteOffset": 2048, "byteLength": 98}
    assert byte["physicalLocation"]["artifactLocation"]["uri"] == "captures/run1.pcapng"
    assert earlier["message"]["text"] == "earlier packet 12"
    assert earlier["physicalLocation"]["region"] == {"startLine": 12}
    assert rule_row["physicalLocation"]["region"]["startLine"] == sarif.catalog_line(V1.property)
    (inv,) = run["invocations"]
    assert inv["commandLine"] == "mip6check replay captures/run1.pcapng --sarif out.sarif"
    assert inv["arguments"] == ["replay", "captures/run1.pcapng", "--sarif", "out.sarif"]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"


def test_catalog_line_is_the_property_row() -> None:
    doc = (ROOT / "docs" / "properties.md").read_text(encoding="utf-8").splitlines()
    for pid in CATALOG:
        assert doc[sarif.catalog_line(pid) - 1].startswith(f"| {pid} |"), pid


def test_sarif_scenario_and_results_validate(tmp_path: Path) -> None:
    scen = tmp_path / "traces" / "regressions" / "x.scenario"
    results = [
        *RESULTS[:3],
        replace(RESULTS[3], counterexample={"scenario": "traces/regressions/x.scenario"}),
        RESULTS[4],
    ]
    log = sarif.from_results(
        results,
        command=["mip6check", "verify", "--sarif", "out.sarif"],
        srcroot=tmp_path,
        exists=lambda p: (tmp_path / p).is_file(),
    )
    _validate(log)
    assert github_problems(log) == []
    (res,) = log["runs"][0]["results"]  # type: ignore[index]
    # the scenario is not there: the result points at the catalog row instead
    phys = res["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"]["uri"].endswith("docs/properties.md")
    assert phys["region"] == {"startLine": sarif.catalog_line("BC-SEQ-MONOTONIC")}
    scen.parent.mkdir(parents=True)
    scen.write_text("link L prefix 2001:db8::/64\n")
    log = sarif.from_results(
        results, srcroot=tmp_path, exists=lambda p: (tmp_path / p).is_file(), category="x"
    )
    assert github_problems(log) == []
    (res,) = log["runs"][0]["results"]  # type: ignore[index]
    phys = res["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"]["uri"] == "traces/regressions/x.scenario"
    assert phys["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert phys["region"] == {"startLine": 12}
    # a rule without keyword sentences still has help text; SHOULD rules are warnings
    log2 = sarif.sarif_log([], rules=["BC-UNIQUE", "BC-CREATE"])
    _validate(log2)
    r0, r1 = log2["runs"][0]["tool"]["driver"]["rules"]  # type: ignore[index]
    assert "§4.3" in r0["help"]["text"] and r1["defaultConfiguration"]["level"] == "warning"
    with pytest.raises(UnknownPropertyError):
        sarif.sarif_log([], rules=["NOPE"])


def test_schema_rejects_a_broken_log() -> None:
    log = sarif.sarif_log([V1], artifact="c.pcap")
    del log["runs"][0]["tool"]  # type: ignore[index]
    with pytest.raises(jsonschema.ValidationError):
        _validate(log)


def test_sarif_never_points_at_a_temporary_file(tmp_path: Path) -> None:
    """A counterexample written to a temporary file that is gone is not a place: the result points
    at what the property requires."""
    import tempfile

    gone = Path(tempfile.gettempdir()) / "mip6check-gone" / "counterexample.scenario"
    kept = tmp_path / "cex" / "MN-BACKOFF" / "counterexample.scenario"
    v3 = Violation("MN-BACKOFF", "9.7", "MUST", "MN", "too early", time=3.0, step=7)
    results = [
        Result(
            "MN-BACKOFF",
            "scenarios",
            Status.VIOLATED,
            violations=(v3,),
            counterexample={"scenario": str(gone)},
        ),
        Result("MN-RATE-LIMIT", "z3", Status.VIOLATED, violations=(V1,)),
        Result(
            "MN-BACKOFF",
            "hypothesis",
            Status.VIOLATED,
            violations=(v3,),
            counterexample={"scenario": "cex/MN-BACKOFF/counterexample.scenario"},
        ),
    ]
    kept.parent.mkdir(parents=True)
    kept.write_text("# run\n")
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        log = sarif.from_results(results, exists=os.path.isfile)
    finally:
        os.chdir(cwd)
    _validate(log)
    assert github_problems(log) == []
    r0, r1, r2 = log["runs"][0]["results"]  # type: ignore[index]
    for r in (r0, r1):
        art = r["locations"][0]["physicalLocation"]["artifactLocation"]
        assert art["uri"].endswith("docs/properties.md"), art
    assert "mip6check-gone" not in json.dumps(log["runs"][0]["artifacts"])  # type: ignore[index]
    art = r2["locations"][0]["physicalLocation"]["artifactLocation"]
    assert art["uri"] == "cex/MN-BACKOFF/counterexample.scenario"
    assert r2["locations"][0]["logicalLocations"][0]["name"] == "step 7"
    with pytest.raises(ValueError, match="one entry per violation"):
        sarif.sarif_log([V1], scenarios=[])


def test_sarif_files_outside_the_source_root_get_a_base(tmp_path: Path) -> None:
    root, other = tmp_path / "repo", tmp_path / "elsewhere"
    root.mkdir()
    b = sarif.Bases(root)
    assert b.place(root / "captures" / "a b.pcapng") == {
        "uri": "captures/a%20b.pcapng",
        "uriBaseId": "%SRCROOT%",
    }
    assert b.place("my captures/run#1.pcapng") == {
        "uri": "my%20captures/run%231.pcapng",
        "uriBaseId": "%SRCROOT%",
    }
    placed = b.place(other / "x.pcap")
    assert placed == {"uri": "x.pcap", "uriBaseId": "DIR1"}
    assert b.original()["DIR1"]["uri"] == other.resolve().as_uri() + "/"
    assert sarif.artifact_uri("C:\\traces\\x.pcap") == "file:///C:/traces/x.pcap"


def test_junit_case_names_are_stable() -> None:
    """A case is named by its property and sections only: not by violations, times or counts."""
    a = junit.replay_results([V1], ["MN-RETX-SAME-SEQ", "W-BU-NEEDS-HAO"])
    b = junit.replay_results([], ["MN-RETX-SAME-SEQ", "W-BU-NEEDS-HAO"])

    def names(rs: list[Result]) -> list[str | None]:
        return [c.get("name") for c in ET.fromstring(junit.to_xml(rs)).iter("testcase")]

    assert names(a) == names(b) == ["MN-RETX-SAME-SEQ (§9.7)", "W-BU-NEEDS-HAO (§5.1, §7.2)"]
