"""JUnit XML and SARIF 2.1.0 writers: structure, counts, and validation against the SARIF schema."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from mip6check.properties.catalog import CATALOG, UnknownPropertyError
from mip6check.properties.report import junit, sarif
from mip6check.properties.verdict import Result, Status, Violation

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json"

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


def test_sarif_capture_validates_against_schema() -> None:
    log = sarif.sarif_log([V1], artifact="captures/run1.pcapng", frame_offsets={17: (2048, 98)})
    _validate(log)
    run = log["runs"][0]  # type: ignore[index]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(CATALOG)
    rule = rules[list(CATALOG).index("MN-RETX-SAME-SEQ")]
    assert rule["properties"]["sections"] == ["9.7"] and rule["properties"]["level"] == "MUST"
    assert "same Sequence Number value as the original transmission" in rule["help"]["text"]
    assert rule["defaultConfiguration"]["level"] == "error"
    (res,) = run["results"]
    assert res["ruleId"] == "MN-RETX-SAME-SEQ" and rules[res["ruleIndex"]]["id"] == res["ruleId"]
    loc = res["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == "captures/run1.pcapng"
    assert loc["physicalLocation"]["region"] == {"byteOffset": 2048, "byteLength": 98}
    assert loc["logicalLocations"][0]["name"] == "frame 17"
    assert res["relatedLocations"][0]["message"]["text"] == "earlier packet 12"


def test_sarif_scenario_and_results_validate() -> None:
    log = sarif.from_results(RESULTS, command="mip6check verify --sarif out.sarif")
    _validate(log)
    (res,) = log["runs"][0]["results"]  # type: ignore[index]
    phys = res["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"]["uri"] == "traces/regressions/x.scenario"
    assert phys["region"] == {"startLine": 12}
    # a rule without keyword sentences still has help text; SHOULD rules are warnings
    log2 = sarif.sarif_log([], rules=["BC-UNIQUE", "BC-CREATE"])
    _validate(log2)
    r0, r1 = log2["runs"][0]["tool"]["driver"]["rules"]  # type: ignore[index]
    assert "§4.3" in r0["help"]["text"] and r1["defaultConfiguration"]["level"] == "warning"
    assert sarif.dumps(log) == sarif.dumps(
        sarif.from_results(RESULTS, command="mip6check verify --sarif out.sarif")
    )
    with pytest.raises(UnknownPropertyError):
        sarif.sarif_log([], rules=["NOPE"])


def test_schema_rejects_a_broken_log() -> None:
    log = sarif.sarif_log([V1], artifact="c.pcap")
    del log["runs"][0]["tool"]  # type: ignore[index]
    with pytest.raises(jsonschema.ValidationError):
        _validate(log)


def test_sarif_each_counterexample_is_its_own_artifact() -> None:
    v3 = Violation("MN-BACKOFF", "9.7", "MUST", "MN", "too early", time=3.0, step=7)
    results = [
        RESULTS[3],  # V2 in traces/regressions/x.scenario, line 12
        Result(
            "MN-BACKOFF",
            "hypothesis",
            Status.VIOLATED,
            counterexample={"scenario": "out/MN-BACKOFF/counterexample.scenario"},
            violations=(v3,),
        ),
        Result("MN-RATE-LIMIT", "z3", Status.VIOLATED, violations=(V1,)),  # no file at all
    ]
    log = sarif.from_results(results)
    _validate(log)
    run = log["runs"][0]  # type: ignore[index]
    assert [a["location"]["uri"] for a in run["artifacts"]] == [
        "traces/regressions/x.scenario",
        "out/MN-BACKOFF/counterexample.scenario",
    ]
    r0, r1, r2 = run["results"]
    assert r0["locations"][0]["physicalLocation"]["artifactLocation"]["index"] == 0
    assert r0["locations"][0]["physicalLocation"]["region"] == {"startLine": 12}
    assert r0["locations"][0]["logicalLocations"][0]["name"] == "step 4"
    phys = r1["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"] == {"uri": "out/MN-BACKOFF/counterexample.scenario", "index": 1}
    assert "locations" not in r2 and r2["properties"]["packet"] == 17
    with pytest.raises(ValueError, match="one entry per violation"):
        sarif.sarif_log([V1], artifacts=[])


def test_sarif_artifact_uris_are_uri_references() -> None:
    assert sarif.artifact_uri("captures/a b.pcapng") == "captures/a%20b.pcapng"
    assert sarif.artifact_uri("C:\\traces\\x.pcap") == "file:///C:/traces/x.pcap"
    assert sarif.artifact_uri("file:///x.pcap") == "file:///x.pcap"
    log = sarif.sarif_log([V1], artifact="my captures/run#1.pcapng")
    _validate(log)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]  # type: ignore[index]
    assert uri["artifactLocation"]["uri"] == "my%20captures/run%231.pcapng"


def test_junit_case_names_are_stable() -> None:
    """A case is named by its property and sections only: not by violations, times or counts."""
    a = junit.replay_results([V1], ["MN-RETX-SAME-SEQ", "W-BU-NEEDS-HAO"])
    b = junit.replay_results([], ["MN-RETX-SAME-SEQ", "W-BU-NEEDS-HAO"])

    def names(rs: list[Result]) -> list[str | None]:
        return [c.get("name") for c in ET.fromstring(junit.to_xml(rs)).iter("testcase")]

    assert names(a) == names(b) == ["MN-RETX-SAME-SEQ (§9.7)", "W-BU-NEEDS-HAO (§5.1, §7.2)"]
