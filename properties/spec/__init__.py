"""The spec: the draft's obligations, written once, apart from the model.

Every engine (runtime monitors, whole-log checks, replay of captures, the Hypothesis judge, Z3 goals)
judges with the definitions here, never with `model.roles` (a test forbids that import): a fault
planted in the model changes what the model does, never what the spec demands.

Modules, one per part of the draft: `wire` (§4.3, §5: Sequence Number order, Status, lifetimes),
`binding_cache` (§7: the §7.2 tests, the cache decision, replacement), `home_agent` (§8: the
§8.1-§8.3 tests), `mobile_node` (§9, §10: Binding Acknowledgements, back-off, rate), `system`
(whole-system and SPEC rows). Decisions a Z3 goal needs are written over `Logic`, so the same text
runs on ints (`PY`) and on Z3 terms.

How to register and judge an obligation
---------------------------------------
1. Register the catalog row once, in the module of its part of the draft (import a new module
   below, so its rows are registered), saying what it observes::

       register("BC-BA-ON-A", Observes.ABSENCE, Bound("ack_timeout", "§7.5: no time given"))

   An absence (an action the draft demands that did not happen) needs a `Bound`: a field of
   `Config` or of `Deadlines`, never a number inside a judge.
2. Write the draft's decision as a function here (over `Logic` when a Z3 goal needs it), citing the
   section; judges call it, e.g. ``greater(PY, new, old, cfg)``.
3. In the engine, declare once which rows it judges, and cite each verdict by the obligation::

       JUDGED = declare(Engine.MONITOR, ("BC-UNIQUE", ...))
       ob = obligation("BC-UNIQUE")  # ob.id, ob.sections, ob.level for the Violation

   `engines_of(pid)` and `judged_by(engine)` are then derived from the declarations; call
   `mip6check.properties.engines.load()` first so every engine module has declared.
4. Add a test that breaks the rule on purpose in a run (and a capture, where the engine sees one) and
   shows the judge fires.
"""

from __future__ import annotations

from mip6check.properties.catalog import CATALOG
from mip6check.properties.spec import (
    binding_cache,
    hao_auth,
    home_agent,
    ipv6,
    lifetimes,
    mobile_node,
    system,
    tunnels,
    wire,
)
from mip6check.properties.spec.logic import PY, Logic, Term
from mip6check.properties.spec.registry import (
    RUN_ENGINES,
    Bound,
    Deadlines,
    Engine,
    Obligation,
    Observes,
    RegistryError,
    declare,
    engines_of,
    judged_by,
    judged_in_runs,
    obligation,
    obligations,
    register,
)


def unregistered() -> list[str]:
    """Catalog rows no spec module registered (tests/properties/test_spec.py keeps this empty)."""
    known = {o.id for o in obligations()}
    return [p for p in CATALOG if p not in known]


__all__ = [
    "PY",
    "RUN_ENGINES",
    "Bound",
    "Deadlines",
    "Engine",
    "Logic",
    "Obligation",
    "Observes",
    "RegistryError",
    "Term",
    "binding_cache",
    "declare",
    "engines_of",
    "hao_auth",
    "home_agent",
    "ipv6",
    "judged_by",
    "judged_in_runs",
    "lifetimes",
    "mobile_node",
    "obligation",
    "obligations",
    "register",
    "system",
    "tunnels",
    "unregistered",
    "wire",
]
