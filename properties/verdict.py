"""Verdict values shared by every checker: a Violation seen in a run, a Result of one engine on one property.

`Violation.to_json()` is one entry of `replay --json`'s "violations"; `Result.to_json()` is one entry of
`verify --json`'s "results" (../shared/spec/cli-contract.md fixes both shapes).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

JSONValue = (
    Any  # a value json.dumps accepts (kept loose: witnesses and counterexamples are free-form)
)


class Status(Enum):
    """What one engine concluded about one property (cli-contract.md, `verify --json`)."""

    PROVED = "proved"
    PASSED = "passed"
    VIOLATED = "violated"
    FINDING = "finding"
    UNKNOWN = "unknown"
    ERROR = "error"  # the model raised while the engine ran it: a bug in the model, never a pass
    TIMEOUT = "timeout"  # a watchdog stopped a stuck run: the detail says what it had reached


STATUSES: tuple[str, ...] = tuple(s.value for s in Status)


@dataclass(frozen=True, slots=True)
class Violation:
    """One observed breach of a property: where (packet/time, or step/scenario line), who, and why.

    `packet` is 1-based as `decode` counts; `related` holds the earlier packets it depends on.
    `step` and `scenario_line` locate violations found in simulated or scenario runs.
    """

    property: str
    section: str
    level: str
    node: str
    message: str
    packet: int | None = None
    time: float | None = None
    related: tuple[int, ...] = ()
    step: int | None = None
    scenario_line: int | None = None

    def to_json(self) -> dict[str, JSONValue]:
        """The `replay --json` violation object; step/scenario_line only when set (fields may be added)."""
        out: dict[str, JSONValue] = {
            "packet": self.packet,
            "time": self.time,
            "property": self.property,
            "section": self.section,
            "level": self.level,
            "node": self.node,
            "message": self.message,
            "related": list(self.related),
        }
        if self.step is not None:
            out["step"] = self.step
        if self.scenario_line is not None:
            out["scenario_line"] = self.scenario_line
        return out


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of one engine (z3, hypothesis, scenarios, replay...) on one property."""

    property: str
    engine: str
    status: Status
    seconds: float | None = None
    detail: str | None = None
    witness: JSONValue = None
    examples: int | None = None
    counterexample: JSONValue = None
    violations: tuple[Violation, ...] = field(default=())

    def __post_init__(self) -> None:
        if not isinstance(self.status, Status):
            raise TypeError(f"Result.status must be a Status, not {self.status!r}")

    @builtins.property  # the field named `property` shadows the builtin inside this class body
    def failed(self) -> bool:
        """True when this result makes `verify` exit 1: a violation, a model that raised, or a run
        stopped by its watchdog (neither of the last two checked what it claims to)."""
        return self.status in (Status.VIOLATED, Status.ERROR, Status.TIMEOUT)

    def to_json(self) -> dict[str, JSONValue]:
        """The `verify --json` result object: property, engine, status always; the rest only when set."""
        out: dict[str, JSONValue] = {
            "property": self.property,
            "engine": self.engine,
            "status": self.status.value,
        }
        if self.seconds is not None:
            out["seconds"] = round(self.seconds, 3)
        if self.detail is not None:
            out["detail"] = self.detail
        if self.witness is not None:
            out["witness"] = self.witness
        if self.examples is not None:
            out["examples"] = self.examples
        if self.counterexample is not None:
            out["counterexample"] = self.counterexample
        if self.violations:
            out["violations"] = [v.to_json() for v in self.violations]
        return out
