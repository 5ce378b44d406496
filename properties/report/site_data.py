"""What `mip6check report` shows, gathered as plain data: each normative sentence with its coverage
status, properties and engines (from the spec registry and the clause map), the source lines that
write, judge and implement each obligation, the tests that name it, the switches that change its
reading, and the verdicts of the given results. Source lines are found by reading the installed
source (property IDs as string literals, sections cited as `§x.y`), so nothing here is a hand list."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from mip6check.model.config import DEFAULT, Config
from mip6check.model.switches import SWITCHES, Switch
from mip6check.properties.catalog import CATALOG
from mip6check.properties.coverage import CLAUSES_FILE
from mip6check.properties.coverage import build as build_coverage
from mip6check.properties.engines import load as load_engines
from mip6check.properties.report.results import Results
from mip6check.properties.spec import obligation

PACKAGE_ROOT = Path(__file__).resolve().parent.parent.parent
"""The folder holding `model/`, `properties/`, `cli/` (the repository in a checkout)."""

NOT_JUDGES = frozenset(
    {
        "mutants.py",
        "mutants_kernel.py",
        "mutants_roles.py",
        "mutant_patch.py",
        "source_faults.py",
        "killrate.py",
        "coverage.py",
        "catalog.py",
        "verify.py",
    }
)
"""Modules that name property IDs without judging them (fault lists, measurements, tables)."""

STATUS_LABELS = {
    "property": "judged",
    "implemented": "implemented only",
    "out_of_scope": "out of scope",
    "unmapped": "unmapped",
}


@dataclass(frozen=True, slots=True)
class Place:
    """A source line: path relative to the package root, 1-based line, and the line's text."""

    path: str
    line: int
    text: str

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "text": self.text}


@dataclass(slots=True)
class SiteData:
    """Everything the page needs, JSON-ready (`to_json`) for the page's script."""

    coverage: dict[str, Any]
    properties: dict[str, dict[str, Any]]
    switches: list[dict[str, Any]]
    results: Results
    violated: set[str] = field(default_factory=set)
    tests_available: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "clauses": {c["id"]: c for c in self.coverage["clauses"]},
            "properties": self.properties,
            "switches": self.switches,
            "violated": sorted(self.violated),
            "tests_available": self.tests_available,
        }


def _source_files(folder: str) -> list[Path]:
    base = PACKAGE_ROOT / folder
    return sorted(base.rglob("*.py")) if base.is_dir() else []


@lru_cache(maxsize=1)
def _literal_index() -> dict[str, list[Place]]:
    """Property ID -> the lines of properties/ that name it as a string literal (the catalog's data
    file aside), i.e. where it is registered, judged and cited."""
    ids = set(CATALOG)
    pat = re.compile(r"""["']([A-Z0-9]+(?:-[A-Z0-9]+)+)["']""")
    out: dict[str, list[Place]] = {}
    for path in _source_files("properties"):
        if path.name == "catalog_data.py":
            continue
        rel = path.relative_to(PACKAGE_ROOT).as_posix()
        for n, text in enumerate(path.read_text("utf-8", errors="replace").splitlines(), 1):
            for m in pat.finditer(text):
                if m.group(1) in ids:
                    out.setdefault(m.group(1), []).append(Place(rel, n, text.strip()[:160]))
    return out


@lru_cache(maxsize=1)
def _tests_index() -> dict[str, list[Place]]:
    """Property ID -> the test functions (path, line of the `def`) whose body names it."""
    ids = set(CATALOG)
    pat = re.compile(r"\b([A-Z0-9]+(?:-[A-Z0-9]+)+)\b")
    out: dict[str, list[Place]] = {}
    for path in _source_files("tests"):
        text = path.read_text("utf-8", errors="replace")
        if not any(i in text for i in ("W-", "BC-", "HA-", "MN-", "SYS-", "SPEC-", "IPV6-")):
            continue
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        lines = text.splitlines()
        rel = path.relative_to(PACKAGE_ROOT).as_posix()
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test"):
                continue
            end = node.end_lineno or node.lineno
            body = "\n".join(lines[node.lineno - 1 : end])
            for pid in sorted({m.group(1) for m in pat.finditer(body)} & ids):
                out.setdefault(pid, []).append(Place(rel, node.lineno, node.name))
    return out


def _cites(path: str, section: str, limit: int = 3) -> list[Place]:
    """The first lines of a module that cite `§section` (where it implements the sentence)."""
    p = PACKAGE_ROOT / path
    if not p.is_file():
        return []
    pat = re.compile(r"§" + re.escape(section) + r"(?![0-9.])")
    found: list[Place] = []
    for n, text in enumerate(p.read_text("utf-8", errors="replace").splitlines(), 1):
        if pat.search(text):
            found.append(Place(path, n, text.strip()[:160]))
            if len(found) == limit:
                break
    return found or [Place(path, 1, "(module)")]


def _sections_of(where: str) -> set[str]:
    """'§5.1-§5.4, §7.2' -> {'5.1', '5.2', '5.3', '5.4', '7.2'} (ranges within one section)."""
    out: set[str] = set()
    for part in where.split(","):
        secs = re.findall(r"§(\d+(?:\.\d+)*)", part)
        if len(secs) == 2 and "-" in part:
            a, b = secs
            pa, pb = a.split("."), b.split(".")
            if len(pa) == len(pb) == 2 and pa[0] == pb[0]:
                out.update(f"{pa[0]}.{i}" for i in range(int(pa[1]), int(pb[1]) + 1))
                continue
        out.update(secs)
    return out


def _switch_json(s: Switch, config: Config) -> dict[str, Any]:
    value = getattr(config, s.field)
    shown = getattr(value, "value", value)
    if isinstance(shown, bytes):
        shown = shown.hex()
    return {
        "field": s.field,
        "flag": s.flag,
        "where": s.where,
        "sections": sorted(_sections_of(s.where)),
        "defect": s.defect,
        "reading": s.reading,
        "value": str(getattr(shown, "name", shown)),
        "default": s.default,
    }


def _switches_for(sections: Iterable[str], switches: list[dict[str, Any]]) -> list[str]:
    secs = set(sections)
    return [s["flag"] for s in switches if secs & set(s["sections"])]


def gather(results: Results, config: Config = DEFAULT) -> SiteData:
    """Build the page's data from the registry, the clause map, the catalog and `results`."""
    load_engines()
    cov = build_coverage().to_json()
    switches = [_switch_json(s, config) for s in SWITCHES]
    literals = _literal_index()
    tests = _tests_index()
    violated = results.violated()
    props: dict[str, dict[str, Any]] = {}
    for pid, row in CATALOG.items():
        ob = obligation(pid)
        places = literals.get(pid, [])
        written = [p for p in places if p.path.startswith("properties/spec/")]
        judged = [
            p
            for p in places
            if not p.path.startswith(("properties/spec/", "properties/report/"))
            and Path(p.path).name not in NOT_JUDGES
        ]
        props[pid] = {
            "id": pid,
            "sections": list(row.sections),
            "level": row.level,
            "kind": row.kind,
            "text": row.text,
            "observes": ob.observes.value,
            "registered": ob.registered,
            "bound": None if ob.bound is None else ob.bound.switch,
            "engines": cov["engines"].get(pid, []),
            "written": [p.to_json() for p in written[:4]],
            "judged": [p.to_json() for p in judged[:8]],
            "tests": [p.to_json() for p in tests.get(pid, [])[:8]],
            "switches": _switches_for(row.sections, switches),
            "violated": pid in violated,
        }
    raw = {c["id"]: c for c in json.loads(CLAUSES_FILE.read_text("utf-8"))["clauses"]}
    for c in cov["clauses"]:
        extracted = raw.get(c["id"], {})
        c["line"] = int(extracted.get("line") or 0)
        c["restored"] = extracted.get("restored") or ""
        c["items"] = list(extracted.get("items") or [])
        c["switches"] = _switches_for([c["section"]], switches)
        c["implements"] = [
            p.to_json() for m in c.get("modules") or [] for p in _cites(m, c["section"])
        ]
        c["violated"] = sorted(set(c.get("properties") or []) & violated)
    return SiteData(cov, props, switches, results, violated, bool(_source_files("tests")))


__all__ = ["PACKAGE_ROOT", "STATUS_LABELS", "Place", "SiteData", "gather"]
