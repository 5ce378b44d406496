"""Result files given to `mip6check report`: `verify --json`, `replay --json` (one object or JSON
Lines) and `explore --json` outputs, recognised by their content; a file that is none of them is a
`ResultsError` naming the file, the line and the byte offset of the problem."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class ResultsError(ValueError):
    """A results file that cannot be read or is not a mip6check JSON output."""

    def __init__(self, path: Path, reason: str, line: int | None = None, offset: int | None = None):
        where = f"{path}" + (f":{line}" if line is not None else "")
        at = f" (at byte {offset})" if offset is not None else ""
        super().__init__(f"{where}: {reason}{at}")
        self.path = path
        self.line = line
        self.offset = offset


@dataclass(frozen=True, slots=True)
class Found:
    """One violation or counterexample from a results file, as the report draws it."""

    property: str
    source: str  # "replay", "verify" or "explore"
    origin: Path  # the results file it came from
    message: str
    node: str = ""
    packet: int | None = None
    capture: Path | None = None  # the capture the violation is shown in, when one exists
    scenario: Path | None = None  # a counterexample's scenario file
    violations: tuple[dict[str, Any], ...] = ()  # replay-shaped violation objects for the chart


@dataclass(slots=True)
class Results:
    """Everything the given files say: verify results, replay objects, explore summaries."""

    files: list[Path] = field(default_factory=list)
    verify: list[dict[str, Any]] = field(default_factory=list)
    replay: list[dict[str, Any]] = field(default_factory=list)
    explore: list[dict[str, Any]] = field(default_factory=list)

    def found(self) -> list[Found]:
        """Every violation and counterexample, replay first (in file order), then verify, explore."""
        out: list[Found] = []
        for obj in self.replay:
            cap = _existing(obj.get("file"), obj.get("_origin"))
            for v in obj.get("violations") or []:
                out.append(
                    Found(
                        str(v.get("property")),
                        "replay",
                        obj["_origin"],
                        str(v.get("message", "")),
                        str(v.get("node", "")),
                        v.get("packet"),
                        cap,
                        None,
                        tuple(obj.get("violations") or ()),
                    )
                )
        for r in self.verify:
            if r.get("status") != "violated":
                continue
            out.append(_from_counterexample(r, "verify", r.get("violations") or []))
        for s in self.explore:
            if s.get("counterexample") and s.get("violation"):
                out.append(_from_counterexample(s, "explore", [s["violation"]]))
        return out

    def violated(self) -> set[str]:
        """The property IDs some given result shows broken."""
        return {f.property for f in self.found()}


def _existing(name: Any, origin: Any) -> Path | None:
    """A file named in a result, as given or relative to the results file's folder; None if gone."""
    if not isinstance(name, str) or not name:
        return None
    p = Path(name)
    if p.is_file():
        return p
    if isinstance(origin, Path) and not p.is_absolute() and (origin.parent / p).is_file():
        return origin.parent / p
    return None


def _from_counterexample(obj: dict[str, Any], source: str, vs: list[dict[str, Any]]) -> Found:
    ce = obj.get("counterexample") or {}
    ce = ce if isinstance(ce, dict) else {}
    first = vs[0] if vs else {}
    pid = str(obj.get("property") or first.get("property") or "-")
    origin = obj["_origin"]
    return Found(
        pid,
        source,
        origin,
        str(first.get("message") or obj.get("detail") or ""),
        str(first.get("node", "")),
        first.get("packet"),
        _existing(ce.get("pcap"), origin),
        _existing(ce.get("scenario"), origin),
        tuple(v for v in vs if isinstance(v, dict)),
    )


def _kind(obj: Any) -> str | None:
    if not isinstance(obj, dict):
        return None
    if isinstance(obj.get("results"), list):
        return "verify"
    if "violations" in obj and "packets" in obj and "file" in obj:
        return "replay"
    if "coverage" in obj and "counterexample" in obj and "budget" in obj:
        return "explore"
    return None


def load(paths: list[Path]) -> Results:
    """Read every file; JSON Lines are read line by line. Raises ResultsError on the first bad one."""
    res = Results()
    for path in paths:
        try:
            raw = path.read_bytes()
        except OSError as e:
            raise ResultsError(path, e.strerror or "cannot be read") from None
        offset = 0
        objects = 0
        for number, line in enumerate(raw.split(b"\n"), start=1):
            start, offset = offset, offset + len(line) + 1
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except (ValueError, UnicodeDecodeError) as e:
                col = getattr(e, "pos", 0) or 0
                raise ResultsError(path, "not JSON", number, start + col) from None
            kind = _kind(obj)
            if kind is None:
                raise ResultsError(
                    path, "not a verify, replay or explore --json output", number, start
                )
            objects += 1
            if kind == "verify":
                for r in obj["results"]:
                    if isinstance(r, dict):
                        res.verify.append({**r, "_origin": path})
            elif kind == "replay":
                res.replay.append({**obj, "_origin": path})
            else:
                res.explore.append({**obj, "_origin": path})
        if objects == 0:
            raise ResultsError(path, "empty: no JSON object", None, 0)
        res.files.append(path)
    return res


__all__ = ["Found", "Results", "ResultsError", "load"]
