"""JUnit XML for CI dashboards: one <testcase> per (property, engine).

proved / passed / finding -> a passing test case (a finding's witness goes to <system-out>);
violated -> <failure> with the detail, the counterexample and each violation's message;
error / timeout -> <error>; unknown (and, in replay, a property no packet of the capture exercised)
-> <skipped> with the reason. Undecodable packets of a capture get a test case of their own.

Times: results that one engine run decided together carry that run's duration; it is shared out
among them, so that case times add up to the suites' and the suites' to the document's (the
common Jenkins schema: no `skipped` on <testsuites>).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from mip6check.properties.catalog import CATALOG
from mip6check.properties.verdict import Result, Status, Violation


def _case_name(r: Result) -> str:
    p = CATALOG.get(r.property)
    return f"{r.property} (§{', §'.join(p.sections)})" if p else r.property


def _failure_text(r: Result) -> str:
    parts: list[str] = []
    if r.detail:
        parts.append(r.detail)
    for v in r.violations:
        where = (
            f"packet {v.packet}"
            if v.packet is not None
            else (f"step {v.step}" if v.step is not None else "run")
        )
        parts.append(f"{where} at {v.node}: {v.message}")
    if r.counterexample is not None:
        parts.append("counterexample: " + json.dumps(r.counterexample, sort_keys=True))
    return "\n".join(parts) or "violated"


def _case_seconds(rs: Sequence[Result]) -> list[float]:
    """Each result's share of the run that decided it: results of one engine carrying the very same
    duration were decided by one run, whose time is divided evenly among them."""
    shared = Counter(r.seconds for r in rs if r.seconds is not None)
    return [0.0 if r.seconds is None else r.seconds / shared[r.seconds] for r in rs]


Undecodable = tuple[int, Sequence[tuple[int, str]]]  # how many, and the first (packet, reason)


def to_xml(
    results: Sequence[Result],
    suite: str = "mip6check",
    undecodable: Mapping[str, Undecodable] | None = None,
) -> str:
    """The JUnit XML document (a <testsuites> with one <testsuite> per engine, in first-seen order).
    `undecodable` maps a suite (engine) to the packets it could not decode, `[(packet, reason)]`
    with their count: such a suite gets a test case that shows them as an error."""
    engines: list[str] = []
    for r in results:
        if r.engine not in engines:
            engines.append(r.engine)
    root = ET.Element("testsuites", name=suite)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "time": 0.0}
    for engine in engines:
        rs = [r for r in results if r.engine == engine]
        ts = ET.SubElement(root, "testsuite", name=f"{suite}.{engine}")
        counts = {"tests": len(rs), "failures": 0, "errors": 0, "skipped": 0}
        seconds = 0.0
        for r, share in zip(rs, _case_seconds(rs), strict=True):
            tc = ET.SubElement(
                ts,
                "testcase",
                classname=f"{suite}.{engine}",
                name=_case_name(r),
                time=f"{share:.3f}",
            )
            seconds += share
            if r.status is Status.VIOLATED:
                counts["failures"] += 1
                msg = r.violations[0].message if r.violations else (r.detail or "violated")
                f = ET.SubElement(tc, "failure", message=msg, type="violated")
                f.text = _failure_text(r)
            elif r.status in (Status.ERROR, Status.TIMEOUT):
                counts["errors"] += 1
                e = ET.SubElement(
                    tc, "error", message=r.detail or r.status.value, type=r.status.value
                )
                e.text = _failure_text(r)
            elif r.status is Status.UNKNOWN:
                counts["skipped"] += 1
                ET.SubElement(tc, "skipped", message=r.detail or "unknown")
            else:
                out = [f"status: {r.status.value}"]
                if r.detail:
                    out.append(r.detail)
                if r.examples is not None:
                    out.append(f"examples: {r.examples}")
                if r.witness is not None:
                    out.append("witness: " + json.dumps(r.witness, sort_keys=True))
                ET.SubElement(tc, "system-out").text = "\n".join(out)
        bad = (undecodable or {}).get(engine)
        if bad is not None:
            _undecodable_case(ts, f"{suite}.{engine}", bad, counts)
        for k, v in counts.items():
            ts.set(k, str(v))
            totals[k] += v
        ts.set("time", f"{seconds:.3f}")
        totals["time"] += seconds
    for k in ("tests", "failures", "errors"):  # `skipped` is not an attribute of <testsuites>
        root.set(k, str(int(totals[k])))
    root.set("time", f"{totals['time']:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _undecodable_case(ts: ET.Element, classname: str, bad: object, counts: dict[str, int]) -> None:
    """The test case of a capture's undecodable packets: an error listing them when there are any."""
    assert isinstance(bad, tuple) and len(bad) == 2
    count, errors = bad
    tc = ET.SubElement(
        ts, "testcase", classname=classname, name="undecodable packets", time="0.000"
    )
    counts["tests"] += 1
    if count:
        counts["errors"] += 1
        e = ET.SubElement(
            tc, "error", message=f"{count} packets could not be decoded (not judged)", type="decode"
        )
        e.text = "\n".join(f"packet {i}: {reason}" for i, reason in errors)


def replay_results(
    violations: Iterable[Violation],
    checked: Iterable[str],
    engine: str = "replay",
    tested: Mapping[str, int] | None = None,
) -> list[Result]:
    """Results of a replayed capture: each checked property fails with its violations, passes when
    the capture held packets of the kind it judges (`tested[pid]` of them), and is skipped
    (unknown) when it held none: nothing tested it. `tested=None` counts nothing as tested."""
    by_prop: dict[str, list[Violation]] = {}
    for v in violations:
        by_prop.setdefault(v.property, []).append(v)
    pids = list(dict.fromkeys([*checked, *by_prop]))
    seen = tested or {}
    out: list[Result] = []
    for pid in pids:
        if pid in by_prop:
            out.append(Result(pid, engine, Status.VIOLATED, violations=tuple(by_prop[pid])))
        elif seen.get(pid, 0) > 0:
            n = seen[pid]
            out.append(
                Result(pid, engine, Status.PASSED, detail=f"{n} packets it judges", examples=n)
            )
        else:
            out.append(
                Result(
                    pid,
                    engine,
                    Status.UNKNOWN,
                    detail="no packet of the kind this property judges: not tested",
                )
            )
    return out


__all__ = ["replay_results", "to_xml"]
