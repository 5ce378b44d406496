"""SARIF 2.1.0 for code-scanning dashboards (issue 8): one rule per property, one result per violation.

Each rule carries its draft section(s), level and kind, and as help text the draft sentences
(properties/clauses.json) that the clause map ties to it. A result points at a capture frame
(artifact = the capture file; a logical location names the frame, a byte region is added when the
frame's offset is known) or at a scenario file line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import quote

from mip6check.properties.catalog import CATALOG, Property, get
from mip6check.properties.coverage import load_clauses, load_map
from mip6check.properties.verdict import Result, Violation

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_URI = "https://example.invalid/mip6check"  # no public home yet; informationUri must be a URI
SARIF_LEVEL = {"MUST": "error", "SHOULD": "warning", "—": "note"}

JSON = dict[str, Any]


@lru_cache(maxsize=1)
def _sentences() -> dict[str, tuple[tuple[str, str, str], ...]]:
    """property ID -> ((clause ID, section, sentence), ...) from the clause map."""
    clauses = {c.id: c for c in load_clauses()}
    out: dict[str, list[tuple[str, str, str]]] = {}
    for cid, m in load_map().items():
        c = clauses.get(cid)
        if c is None:
            continue
        for pid in m.get("properties", ()):
            out.setdefault(pid, []).append((c.id, c.section, c.text))
    return {k: tuple(v) for k, v in out.items()}


def draft_sentences(pid: str) -> tuple[tuple[str, str, str], ...]:
    """The draft's normative sentences a property checks: (clause ID, section, text)."""
    return _sentences().get(pid, ())


def artifact_uri(path: str) -> str:
    """A file path as a SARIF artifact URI reference: kept when it already is a URI, else with `/`
    separators and unsafe characters percent-encoded (relative paths stay relative)."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]+:", path) and not re.match(r"^[A-Za-z]:[\\/]", path):
        return path
    quoted = quote(path.replace("\\", "/"), safe="/:@!$&'()*+,;=-._~")
    return "file:///" + quoted if re.match(r"^[A-Za-z]:/", quoted) else quoted


def _rule(p: Property) -> JSON:
    secs = ", ".join(f"§{s}" for s in p.sections)
    sents = draft_sentences(p.id)
    if sents:
        help_text = "\n".join(f"{cid} ({'§' + sec}): {text}" for cid, sec, text in sents)
        help_md = "\n\n".join(f"**{cid}** (§{sec})\n\n> {text}" for cid, sec, text in sents)
    else:
        help_text = f"{secs}: {p.text} (the draft states this without an RFC 2119 keyword)"
        help_md = help_text
    return {
        "id": p.id,
        "name": "".join(w.capitalize() for w in p.id.replace("-", " ").split()),
        "shortDescription": {"text": f"{p.id} ({secs}, {p.level})"},
        "fullDescription": {"text": p.text},
        "help": {"text": help_text, "markdown": help_md},
        "defaultConfiguration": {"level": SARIF_LEVEL[p.level]},
        "properties": {
            "sections": list(p.sections),
            "level": p.level,
            "kind": p.kind,
            "trace": p.trace,
            "group": p.group.value,
            "tags": ["mobile-ipv6", "draft-ietf-mobileip-ipv6-04", p.group.value],
        },
    }


def _location(
    v: Violation, artifact: str | None, frame_offsets: Mapping[int, tuple[int, int]]
) -> JSON | None:
    if artifact is None:
        return None
    phys: JSON = {"artifactLocation": {"uri": artifact, "index": 0}}
    loc: JSON = {"physicalLocation": phys}
    if v.scenario_line is not None:
        phys["region"] = {"startLine": v.scenario_line}
        if v.step is not None:
            loc["logicalLocations"] = [
                {
                    "name": f"step {v.step}",
                    "fullyQualifiedName": f"{artifact}#step{v.step}",
                    "kind": "element",
                }
            ]
    elif v.packet is not None:
        if v.packet in frame_offsets:
            off, length = frame_offsets[v.packet]
            phys["region"] = {"byteOffset": off, "byteLength": length}
        loc["logicalLocations"] = [
            {
                "name": f"frame {v.packet}",
                "fullyQualifiedName": f"{artifact}#frame{v.packet}",
                "kind": "element",
            }
        ]
        loc["properties"] = {"frame": v.packet}
    return loc


def _result(
    v: Violation,
    rule_index: dict[str, int],
    artifact: str | None,
    frame_offsets: Mapping[int, tuple[int, int]],
) -> JSON:
    p = CATALOG.get(v.property)
    level = SARIF_LEVEL.get(v.level, SARIF_LEVEL[p.level] if p else "warning")
    out: JSON = {
        "ruleId": v.property,
        "level": level,
        "message": {"text": f"{v.message} (§{v.section}, {v.level})"},
    }
    if v.property in rule_index:
        out["ruleIndex"] = rule_index[v.property]
    loc = _location(v, artifact, frame_offsets)
    if loc is not None:
        out["locations"] = [loc]
        if v.related and v.scenario_line is None:
            out["relatedLocations"] = [
                {
                    "id": i + 1,
                    "physicalLocation": {"artifactLocation": {"uri": artifact, "index": 0}},
                    "logicalLocations": [
                        {
                            "name": f"frame {pkt}",
                            "fullyQualifiedName": f"{artifact}#frame{pkt}",
                            "kind": "element",
                        }
                    ],
                    "message": {"text": f"earlier packet {pkt}"},
                }
                for i, pkt in enumerate(v.related)
            ]
    props: JSON = {"node": v.node, "section": v.section}
    for k in ("packet", "time", "step", "scenario_line"):
        val = getattr(v, k)
        if val is not None:
            props[k] = val
    if v.related:
        props["related"] = list(v.related)
    out["properties"] = props
    return out


def sarif_log(
    violations: Iterable[Violation],
    *,
    artifact: str | None = None,
    frame_offsets: Mapping[int, tuple[int, int]] | None = None,
    rules: Iterable[str] | None = None,
    tool_version: str = "0.1.0",
    command: str | None = None,
    artifacts: Sequence[str | None] | None = None,
) -> JSON:
    """One SARIF log with one run. `artifact` is the capture or scenario file the violations are in
    (its URI as given, relative paths are fine); `artifacts`, when given, names one file per
    violation instead (None: no location). `rules` defaults to the whole catalog (unknown IDs raise
    UnknownPropertyError)."""
    vs = list(violations)
    if artifacts is not None and len(artifacts) != len(vs):
        raise ValueError("artifacts: one entry per violation")
    per = list(artifacts) if artifacts is not None else [artifact] * len(vs)
    uris = [artifact_uri(x) if x is not None else None for x in per]
    files = list(dict.fromkeys(u for u in uris if u is not None))
    if artifact is not None and artifacts is None and not files:
        files = [artifact_uri(artifact)]
    pids = list(rules) if rules is not None else list(CATALOG)
    pids += [v.property for v in vs if v.property not in pids and v.property in CATALOG]
    rule_objs = [_rule(get(pid)) for pid in pids]
    index = {pid: i for i, pid in enumerate(pids)}
    results = []
    for v, uri in zip(vs, uris, strict=True):
        r = _result(v, index, uri, frame_offsets or {})
        if uri is not None:
            for loc in (*r.get("locations", ()), *r.get("relatedLocations", ())):
                loc["physicalLocation"]["artifactLocation"]["index"] = files.index(uri)
        results.append(r)
    run: JSON = {
        "tool": {
            "driver": {
                "name": "mip6check",
                "version": tool_version,
                "informationUri": TOOL_URI,
                "rules": rule_objs,
            }
        },
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    if files:
        run["artifacts"] = [{"location": {"uri": f}} for f in files]
    if command is not None:
        run["invocations"] = [{"commandLine": command, "executionSuccessful": True}]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def from_results(results: Sequence[Result], **kw: Any) -> JSON:
    """A SARIF log of `verify` results: every violation any engine reported (rules: whole catalog).

    Each result's violations point at its own counterexample ({"scenario": path, ...}) unless
    `artifact` is given for all of them.
    """
    vs = [v for r in results for v in r.violations]
    if "artifact" not in kw and "artifacts" not in kw:
        per: list[str | None] = []
        for r in results:
            ce = r.counterexample
            scen = ce.get("scenario") if isinstance(ce, dict) else None
            per += [scen if isinstance(scen, str) else None] * len(r.violations)
        kw["artifacts"] = per
    return sarif_log(vs, **kw)


def dumps(log: JSON) -> str:
    """Deterministic text of a SARIF log."""
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


__all__ = ["SARIF_LEVEL", "artifact_uri", "draft_sentences", "dumps", "from_results", "sarif_log"]
