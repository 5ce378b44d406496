"""The property catalog: every row of ../shared/spec/properties.md as data, keyed by its stable ID.

The rows live in the generated module `properties.catalog_data` (scripts/gen_catalog.py); this module
gives them a type and a lookup. Observers (monitors, Hypothesis invariants, Z3 encodings) are attached
elsewhere and refer to properties by ID only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from mip6check.properties.catalog_data import ROWS

LEVELS = ("MUST", "SHOULD", "—")
KINDS = ("inv", "act", "time", "spec")
TRACES = ("yes", "part", "no")


class Group(Enum):
    """The catalog's sections: wire format, Binding Cache, home agent, mobile node, system, spec text."""

    W = "W"
    BC = "BC"
    HA = "HA"
    MN = "MN"
    SYS = "SYS"
    SPEC = "SPEC"
    IPV6 = "IPV6"  # rules of the IPv6 specification [5] the roles rely on


class UnknownPropertyError(KeyError):
    """A property ID that is not in the catalog (the CLI turns this into exit code 2)."""

    def __init__(self, pid: str) -> None:
        super().__init__(pid)
        self.pid = pid

    def __str__(self) -> str:
        near = [k for k in CATALOG if k.split("-")[0] == self.pid.split("-")[0]][:6]
        hint = f" (known {self.pid.split('-')[0]}-* IDs: {', '.join(near)})" if near else ""
        return f"unknown property ID {self.pid!r}{hint}"


@dataclass(frozen=True, slots=True)
class Property:
    """One catalog row. `level` is MUST, SHOULD or "—" (SYS and SPEC rows); `trace` says whether
    a violation can be seen on a wire alone (yes / part / no)."""

    id: str
    sections: tuple[str, ...]
    level: str
    kind: str
    trace: str
    text: str
    group: Group

    def __post_init__(self) -> None:
        if self.level not in LEVELS or self.kind not in KINDS or self.trace not in TRACES:
            raise ValueError(f"bad catalog row {self.id}: {self.level}/{self.kind}/{self.trace}")
        if not self.id.startswith(self.group.value + "-"):
            raise ValueError(f"property {self.id} is not in group {self.group.value}")

    @property
    def section(self) -> str:
        """The first (primary) draft section, as verdicts cite it."""
        return self.sections[0]

    @property
    def replayable(self) -> bool:
        """True when `replay` must be able to detect at least some violations from packets."""
        return self.trace in ("yes", "part")


CATALOG: dict[str, Property] = {
    r[0]: Property(
        id=r[0], sections=r[1], level=r[2], kind=r[3], trace=r[4], text=r[5], group=Group(r[6])
    )
    for r in ROWS
}


def get(pid: str) -> Property:
    """The property with ID `pid`; raises UnknownPropertyError (a KeyError) naming it otherwise."""
    try:
        return CATALOG[pid]
    except KeyError:
        raise UnknownPropertyError(pid) from None


def ids(group: Group | None = None) -> list[str]:
    """Catalog IDs in catalog order, optionally one group only."""
    return [p.id for p in CATALOG.values() if group is None or p.group is group]


__all__ = ["CATALOG", "Group", "Property", "UnknownPropertyError", "get", "ids"]
