"""JUnit XML for CI dashboards: one <testcase> per (property, engine) (issue 5).

proved / passed / finding -> a passing test case (a finding's witness goes to <system-out>);
violated -> <failure> with the detail, the counterexample and each violation's message;
unknown -> <skipped> with the solver's reason.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence

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


def to_xml(results: Sequence[Result], suite: str = "mip6check") -> str:
    """The JUnit XML document (a <testsuites> with one <testsuite> per engine, in first-seen order)."""
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
        for r in rs:
            tc = ET.SubElement(
                ts,
                "testcase",
                classname=f"{suite}.{engine}",
                name=_case_name(r),
                time=f"{(r.seconds or 0.0):.3f}",
            )
            seconds += r.seconds or 0.0
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
        for k, v in counts.items():
            ts.set(k, str(v))
            totals[k] += v
        ts.set("time", f"{seconds:.3f}")
        totals["time"] += seconds
    for k in ("tests", "failures", "errors", "skipped"):
        root.set(k, str(int(totals[k])))
    root.set("time", f"{totals['time']:.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def replay_results(
    violations: Iterable[Violation], checked: Iterable[str], engine: str = "replay"
) -> list[Result]:
    """Results of a replayed capture: each checked property passes, or fails with its violations."""
    by_prop: dict[str, list[Violation]] = {}
    for v in violations:
        by_prop.setdefault(v.property, []).append(v)
    pids = list(dict.fromkeys([*checked, *by_prop]))
    return [
        Result(pid, engine, Status.VIOLATED, violations=tuple(by_prop[pid]))
        if pid in by_prop
        else Result(pid, engine, Status.PASSED)
        for pid in pids
    ]


__all__ = ["replay_results", "to_xml"]
