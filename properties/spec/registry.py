"""The registry of the draft's obligations: each catalog row registered once, with what it observes and,
for an absence, the time bound; each engine declares which rows it judges, so "which engines judge
property X" is derived here and nowhere else (coverage, verify, JUnit and SARIF rule lists read it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from mip6check.model.config import Config
from mip6check.properties.catalog import CATALOG, Property, get


class Observes(Enum):
    """What a judge of the obligation looks at."""

    PACKET = "packet"  # one packet (or one packet and the state it meets) shows a breach
    STATE = "state change"  # a change of a node's state (cache, list) shows it
    INVARIANT = "invariant"  # a condition that must hold in every state
    ABSENCE = "absence"  # an action the draft demands that did not happen within a time bound
    TEXT = "text"  # an ambiguity or contradiction of the draft itself (SPEC rows)


class Engine(Enum):
    """The engines that judge runs or captures; names as verdicts print them."""

    MONITOR = "monitor"  # runtime monitors over role events and snapshots (simulate, scenarios)
    LOG = "log"  # whole-log checks over the engine's packets and events (simulate, scenarios)
    REPLAY = "replay"  # the capture observer (replay, scenarios, Hypothesis)
    HYPOTHESIS = "hypothesis"  # the stateful Hypothesis judge (explore)
    SMT = "smt"  # Z3 goals over the spec's definitions (verify --engine smt)


RUN_ENGINES = (Engine.MONITOR, Engine.LOG, Engine.REPLAY)
"""The engines a simulated run is judged by (simulate and the scenario corpus alike)."""


@dataclass(frozen=True, slots=True)
class Bound:
    """How long an absence is tolerated: a field of the draft reading (`Config`) or of the judges'
    deadlines (`Deadlines`), so the bound is a named switch rather than a number hidden in a judge."""

    switch: str
    source: str  # the draft's words, or why the draft leaves it open

    def ms(self, config: Config, deadlines: Deadlines | None = None) -> int:
        """The bound in milliseconds under this reading."""
        d = deadlines or Deadlines()
        if hasattr(d, self.switch):
            return int(getattr(d, self.switch))
        return int(getattr(config, self.switch))


@dataclass(frozen=True, slots=True)
class Deadlines:
    """Reaction times the draft does not give in numbers (a SHOULD answer, an ND advertisement): named
    switches shared by every engine that judges an absence."""

    ack_timeout: int = 2_000  # §7.5: a Binding Acknowledgement answers a Binding Update with A set
    answer_timeout: int = 5_000  # §9.11, §9.5, §9.9, §9.13: a mobile node's answer or reaction
    # §8.2, §9.13: a Neighbor Advertisement, within one RetransTimer (RFC 2461)
    nd_window: int = 1_000
    forward_window: int = 1_000  # §8.4: an intercepted packet is tunnelled within this
    delivery_deadline: int = 2_000  # §4.1, §8.4: a packet to a registered home address arrives
    # §4.3, §7.7: how late past the granted lifetime a deletion may be seen
    expiry_tolerance: int = 0
    # RFC 2463 §2.4 (f): beyond this many errors a second a node may rate-limit ICMP errors
    icmp_error_burst: int = 100


@dataclass(frozen=True, slots=True)
class Obligation:
    """One registered obligation: its catalog row, what it observes and the bound of an absence."""

    row: Property
    observes: Observes
    bound: Bound | None = None
    registered: bool = True  # False: a catalog row no spec module registered yet (see `obligation`)

    @property
    def id(self) -> str:
        return self.row.id

    @property
    def sections(self) -> tuple[str, ...]:
        return self.row.sections

    @property
    def level(self) -> str:
        return self.row.level

    def cite(self) -> str:
        """`ID (§a, §b)` as verdicts cite it."""
        return f"{self.id} ({', '.join('§' + s for s in self.sections)})"


class RegistryError(ValueError):
    """A row registered twice, an unknown row, or an engine declaring a row twice."""


_OBLIGATIONS: dict[str, Obligation] = {}
_JUDGES: dict[Engine, tuple[str, ...]] = {}


def register(pid: str, observes: Observes, bound: Bound | None = None) -> Obligation:
    """Register catalog row `pid` once (the spec modules do this at import)."""
    if pid in _OBLIGATIONS:
        raise RegistryError(f"obligation {pid} registered twice")
    if (observes is Observes.ABSENCE) != (bound is not None):
        raise RegistryError(
            f"obligation {pid}: an absence needs a bound, and only an absence has one"
        )
    ob = Obligation(get(pid), observes, bound)
    _OBLIGATIONS[pid] = ob
    return ob


_PROVISIONAL = {"act": Observes.PACKET, "inv": Observes.INVARIANT, "time": Observes.PACKET}


def obligation(pid: str) -> Obligation:
    """The registered obligation `pid` (UnknownPropertyError for an ID not in the catalog). A catalog
    row no spec module registered yet is returned marked `registered=False`, so engines keep citing
    it while `coverage` and tests/properties/test_spec.py report it (never silently)."""
    row = get(pid)
    found = _OBLIGATIONS.get(pid)
    if found is not None:
        return found
    kind = Observes.TEXT if row.kind == "spec" else _PROVISIONAL[row.kind]
    return Obligation(row, kind, None, registered=False)


def obligations() -> tuple[Obligation, ...]:
    """Every registered obligation, in catalog order."""
    return tuple(_OBLIGATIONS[p] for p in CATALOG if p in _OBLIGATIONS)


def declare(engine: Engine, pids: Iterable[str]) -> tuple[str, ...]:
    """An engine states once which obligations it judges; returns them in catalog order. Declaring the
    same engine again replaces its list only if it is identical (module reloads)."""
    wanted = list(pids)
    for p in wanted:
        get(p)
    if len(set(wanted)) != len(wanted):
        raise RegistryError(f"{engine.value} declares a property twice")
    ordered = tuple(p for p in CATALOG if p in set(wanted))
    if engine in _JUDGES and _JUDGES[engine] != ordered:
        raise RegistryError(f"{engine.value} declared twice with different properties")
    _JUDGES[engine] = ordered
    return ordered


def judged_by(engine: Engine) -> tuple[str, ...]:
    """The properties `engine` declared (empty when its module is not loaded: see `load_engines`)."""
    return _JUDGES.get(engine, ())


def engines_of(pid: str) -> tuple[Engine, ...]:
    """The engines that judge `pid`, derived from their declarations."""
    get(pid)
    return tuple(e for e in Engine if pid in _JUDGES.get(e, ()))


def judged_in_runs(pid: str) -> bool:
    """Whether a simulated run's judges (monitors, whole-log checks, replay of its capture) judge `pid`."""
    return any(e in RUN_ENGINES for e in engines_of(pid))


__all__ = [
    "RUN_ENGINES",
    "Bound",
    "Deadlines",
    "Engine",
    "Obligation",
    "Observes",
    "RegistryError",
    "declare",
    "engines_of",
    "judged_by",
    "judged_in_runs",
    "obligation",
    "obligations",
    "register",
]
