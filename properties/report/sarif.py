"""SARIF 2.1.0 for code-scanning dashboards: one rule per property, one result per violation, each
result placed on a line a person can open.

Where a result points (its first location, always a relative `uri` with a `uriBaseId` and a
`startLine`):
- a violation seen in a capture: the capture's text rendering written beside the log (`decode`'s
  text, one line per packet, so line N is packet N); the capture itself and the packet are logical
  locations, the packet's byte range a related location;
- a violation in a scenario file that still exists: the scenario's line (line 1, the run as a whole, when
  the violation was seen in the scenario's own capture);
- otherwise (a Z3 or Hypothesis counterexample without a kept file, or a file that was temporary):
  the property's row in the project's catalog, docs/properties.md, that says what must hold.
Each rule's help is the draft's sentences behind it, with its section; `helpUri` names the catalog.
`%SRCROOT%` is the directory the command ran in (relative paths there resolve as GitHub does from
the repository root); a file elsewhere gets a base of its own in `originalUriBaseIds`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from mip6check.properties.catalog import CATALOG, Property, get
from mip6check.properties.coverage import load_clauses, load_map
from mip6check.properties.verdict import Result, Violation

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
# no public home page yet: the project's own documents, relative to its repository root
TOOL_URI = "README.md"
CATALOG_DOC = "docs/properties.md"
DRAFT_URI = "https://datatracker.ietf.org/doc/html/draft-ietf-mobileip-ipv6-04"
SARIF_LEVEL = {"MUST": "error", "SHOULD": "warning", "—": "note"}
SRCROOT = "%SRCROOT%"
PROJECT = "MIP6CHECK"  # base of the project's own files when they are not under %SRCROOT%
ROOT = Path(__file__).resolve().parents[2]  # the checkout; installed: the mip6check package

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


@lru_cache(maxsize=1)
def _catalog_lines() -> tuple[dict[str, int], dict[str, str]]:
    """Line of each property's row in docs/properties.md, and the anchor of the heading above it."""
    lines: dict[str, int] = {}
    anchors: dict[str, str] = {}
    path = ROOT / CATALOG_DOC
    if not path.is_file():
        return lines, anchors
    anchor = ""
    for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if text.startswith("## "):
            anchor = re.sub(r"[^a-z0-9 -]", "", text[3:].strip().lower()).replace(" ", "-")
        m = re.match(r"\| ([A-Z0-9-]+) \|", text)
        if m and m.group(1) in CATALOG:
            lines.setdefault(m.group(1), n)
            anchors.setdefault(m.group(1), anchor)
    return lines, anchors


def catalog_line(pid: str) -> int:
    """The line of the property's row in docs/properties.md (1 when the file is not at hand)."""
    return _catalog_lines()[0].get(pid, 1)


def artifact_uri(path: str) -> str:
    """A file path as a SARIF artifact URI reference: kept when it already is a URI, else with `/`
    separators and unsafe characters percent-encoded (relative paths stay relative)."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]+:", path) and not re.match(r"^[A-Za-z]:[\\/]", path):
        return path
    quoted = quote(path.replace("\\", "/"), safe="/:@!$&'()*+,;=-._~")
    return "file:///" + quoted if re.match(r"^[A-Za-z]:/", quoted) else quoted


def _dir_uri(d: Path) -> str:
    return Path(d).resolve().as_uri().rstrip("/") + "/"


@dataclass
class Bases:
    """Turns file paths into (relative uri, uriBaseId): under the source root, `%SRCROOT%`; the
    project's own files elsewhere, `MIP6CHECK`; any other directory, a base named after it."""

    srcroot: Path
    bases: dict[str, str] = field(default_factory=dict)  # id -> absolute directory URI

    def place(self, path: str | Path, project: bool = False) -> JSON:
        p = Path(path)
        absolute = p if p.is_absolute() else self.srcroot / p
        absolute = Path(os.path.normpath(absolute))
        root = Path(os.path.normpath(self.srcroot.resolve()))
        if absolute == root or root in absolute.parents:
            rel = PurePosixPath(*absolute.relative_to(root).parts)
            return {"uri": artifact_uri(str(rel)), "uriBaseId": SRCROOT}
        if project:
            base = PROJECT
            rel = PurePosixPath(*absolute.relative_to(ROOT).parts)
            self.bases[base] = _dir_uri(ROOT)
            return {"uri": artifact_uri(str(rel)), "uriBaseId": base}
        base = f"DIR{len([b for b in self.bases if b.startswith('DIR')]) + 1}"
        here = _dir_uri(absolute.parent)
        for b, u in self.bases.items():
            if u == here:
                base = b
                break
        self.bases[base] = here
        return {"uri": artifact_uri(absolute.name), "uriBaseId": base}

    def original(self) -> JSON:
        out: JSON = {SRCROOT: {"uri": _dir_uri(self.srcroot)}}
        out.update({b: {"uri": u} for b, u in sorted(self.bases.items())})
        return out


def _rule(p: Property) -> JSON:
    secs = ", ".join(f"§{s}" for s in p.sections)
    sents = draft_sentences(p.id)
    links = ", ".join(f"[§{s}]({DRAFT_URI}#section-{s})" for s in p.sections)
    if sents:
        help_text = "\n".join(f"{cid} ({'§' + sec}): {text}" for cid, sec, text in sents)
        help_md = "\n\n".join(f"**{cid}** (§{sec})\n\n> {text}" for cid, sec, text in sents)
    else:
        help_text = f"{secs}: {p.text} (the draft states this without an RFC 2119 keyword)"
        help_md = help_text
    help_md += f"\n\nThe draft: {links}. What must hold: {p.text}"
    anchor = _catalog_lines()[1].get(p.id, "")
    return {
        "id": p.id,
        "name": "".join(w.capitalize() for w in p.id.replace("-", " ").split()),
        "shortDescription": {"text": f"{p.id} ({secs}, {p.level})"},
        "fullDescription": {"text": p.text},
        "help": {"text": help_text, "markdown": help_md},
        "helpUri": f"{CATALOG_DOC}#{anchor}" if anchor else CATALOG_DOC,
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


@dataclass(frozen=True)
class Where:
    """Where one violation is shown: a capture (with its text rendering), a scenario, or neither."""

    capture: str | None = None
    rendering: str | None = None  # the capture's text rendering: line N is packet N
    scenario: str | None = None


def _phys(bases: Bases, path: str | Path, line: int, project: bool = False) -> JSON:
    return {"artifactLocation": bases.place(path, project), "region": {"startLine": max(line, 1)}}


def _catalog_location(bases: Bases, pid: str) -> JSON:
    return _phys(bases, ROOT / CATALOG_DOC, catalog_line(pid), project=True)


def _result(
    v: Violation,
    rule_index: Mapping[str, int],
    where: Where,
    bases: Bases,
    frame_offsets: Mapping[int, tuple[int, int]],
) -> JSON:
    p = CATALOG.get(v.property)
    level = SARIF_LEVEL.get(v.level, SARIF_LEVEL[p.level] if p else "warning")
    text = f"{v.message} (§{v.section}, {v.level})"
    logical: list[JSON] = []
    related: list[JSON] = []
    if where.capture is not None and v.packet is not None:
        cap = bases.place(where.capture)
        name = PurePosixPath(cap["uri"]).name
        logical = [
            {"name": name, "fullyQualifiedName": cap["uri"], "kind": "resource"},
            {
                "name": f"packet {v.packet}",
                "fullyQualifiedName": f"{cap['uri']}/packet {v.packet}",
                "kind": "element",
                "parentIndex": 0,
            },
        ]
        if where.rendering is not None:
            phys = _phys(bases, where.rendering, v.packet)
            text += f" [packet {v.packet} of {name}]"
        else:
            phys = _catalog_location(bases, v.property)
        if v.packet in frame_offsets:
            off, length = frame_offsets[v.packet]
            related.append(
                {
                    "physicalLocation": {
                        "artifactLocation": cap,
                        "region": {"byteOffset": off, "byteLength": length},
                    },
                    "message": {"text": f"packet {v.packet} in {name}: bytes {off}-{off + length}"},
                }
            )
        for pkt in v.related:
            if where.rendering is not None:
                related.append(
                    {
                        "physicalLocation": _phys(bases, where.rendering, pkt),
                        "message": {"text": f"earlier packet {pkt}"},
                    }
                )
    elif where.scenario is not None:
        phys = _phys(bases, where.scenario, v.scenario_line or 1)
        scen = bases.place(where.scenario)["uri"]
        if v.step is not None:
            logical = [{"name": f"step {v.step}", "fullyQualifiedName": f"{scen}/step {v.step}"}]
        elif v.packet is not None:  # seen in the scenario's own capture
            logical = [
                {"name": f"packet {v.packet}", "fullyQualifiedName": f"{scen}/packet {v.packet}"}
            ]
            text += f" [packet {v.packet} of the capture `mip6check simulate {scen} --pcap` writes]"
    else:
        phys = _catalog_location(bases, v.property)
    if related or where.scenario is not None or where.rendering is not None:
        related.append(
            {
                "physicalLocation": _catalog_location(bases, v.property),
                "message": {"text": f"what {v.property} requires"},
            }
        )
    loc: JSON = {"physicalLocation": phys}
    if logical:
        loc["logicalLocations"] = logical
    out: JSON = {"ruleId": v.property, "level": level, "message": {"text": text}}
    if v.property in rule_index:
        out["ruleIndex"] = rule_index[v.property]
    out["locations"] = [loc]
    if related:
        out["relatedLocations"] = [{"id": i + 1, **r} for i, r in enumerate(related)]
    key = f"{v.property}|{where.capture or where.scenario or ''}|{v.packet}|{v.step}|{v.node}"
    out["partialFingerprints"] = {"mip6check/v1": hashlib.sha256(key.encode()).hexdigest()[:32]}
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
    rendering: str | None = None,
    frame_offsets: Mapping[int, tuple[int, int]] | None = None,
    rules: Iterable[str] | None = None,
    tool_version: str = "0.1.0",
    command: Sequence[str] | None = None,
    scenarios: Sequence[str | None] | None = None,
    srcroot: str | Path | None = None,
    category: str = "mip6check",
) -> JSON:
    """One SARIF log with one run. `artifact` is the capture the violations were seen in and
    `rendering` its text rendering (`decode`'s text, line N = packet N); `scenarios`, when given,
    names one scenario file (or None) per violation instead. `rules` defaults to the whole catalog
    (unknown IDs raise UnknownPropertyError). `command` is the argument vector, program first."""
    vs = list(violations)
    if scenarios is not None and len(scenarios) != len(vs):
        raise ValueError("scenarios: one entry per violation")
    wheres = (
        [Where(scenario=s) for s in scenarios]
        if scenarios is not None
        else [Where(capture=artifact, rendering=rendering)] * len(vs)
    )
    bases = Bases(Path(srcroot) if srcroot is not None else Path.cwd())
    pids = list(rules) if rules is not None else list(CATALOG)
    pids += [v.property for v in vs if v.property not in pids and v.property in CATALOG]
    rule_objs = [_rule(get(pid)) for pid in pids]
    index = {pid: i for i, pid in enumerate(pids)}
    results = [
        _result(v, index, w, bases, frame_offsets or {}) for v, w in zip(vs, wheres, strict=True)
    ]
    files: list[JSON] = []
    for r in results:
        for loc in (*r["locations"], *r.get("relatedLocations", ())):
            art = loc["physicalLocation"]["artifactLocation"]
            plain = {"uri": art["uri"], "uriBaseId": art["uriBaseId"]}
            if plain not in files:
                files.append(plain)
            art["index"] = files.index(plain)
    run: JSON = {
        "tool": {
            "driver": {
                "name": "mip6check",
                "version": tool_version,
                "informationUri": TOOL_URI,
                "rules": rule_objs,
            }
        },
        "automationDetails": {"id": f"{category}/"},
        "originalUriBaseIds": bases.original(),
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    if files:
        run["artifacts"] = [{"location": f} for f in files]
    if command is not None:
        run["invocations"] = [
            {
                "commandLine": " ".join(_quote(a) for a in command),
                "arguments": list(command[1:]),
                "executionSuccessful": True,
                "workingDirectory": {"uri": _dir_uri(bases.srcroot)},
            }
        ]
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _quote(arg: str) -> str:
    return (
        arg
        if re.fullmatch(r"[A-Za-z0-9_./:=@%+,-]+", arg)
        else "'" + arg.replace("'", "'\\''") + "'"
    )


def from_results(
    results: Sequence[Result], exists: Callable[[str], bool] = os.path.isfile, **kw: Any
) -> JSON:
    """A SARIF log of `verify` results: every violation any engine reported (rules: whole catalog).

    A violation points at its result's counterexample scenario (`{"scenario": path}`) when that file
    still `exists` (a temporary one is gone by now); otherwise at the property's catalog row.
    """
    vs = [v for r in results for v in r.violations]
    per: list[str | None] = []
    for r in results:
        ce = r.counterexample
        scen = ce.get("scenario") if isinstance(ce, dict) else None
        kept = isinstance(scen, str) and exists(scen)
        per += [scen if kept else None] * len(r.violations)
    kw.setdefault("category", "mip6check/verify")
    return sarif_log(vs, scenarios=per, **kw)


def dumps(log: JSON) -> str:
    """Deterministic text of a SARIF log."""
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


__all__ = [
    "SARIF_LEVEL",
    "Bases",
    "artifact_uri",
    "catalog_line",
    "draft_sentences",
    "dumps",
    "from_results",
    "sarif_log",
]
