"""The checker checked (issue 5): every deliberate model fault, kernel or role, is caught by `verify`.

The default run uses the fastest engine per mutant (Z3 for kernel faults, the scenario corpus with its
monitors, whole-log checks and capture replay for role faults) and asserts the kill rate: target 100%,
never below 95%. It also asserts that the clean model shows no violation in those engines, so that a
"kill" means the fault made the difference. The full table across all engines is a slow test.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from mip6check.cli.main import main
from mip6check.properties.catalog import CATALOG
from mip6check.properties.killrate import KillReport, kill_rates
from mip6check.properties.mutants import ALL_MUTANTS, BY_NAME, MUTANTS, ROLE_MUTANTS, _resolve
from mip6check.properties.verdict import Status
from mip6check.properties.verify import VerifyOptions, run_verify

ROOT = Path(__file__).resolve().parents[2]
AIMED = frozenset(p for m in ALL_MUTANTS for p in m.catches)


@cache
def fastest() -> KillReport:
    """Every mutant through its fastest engine (computed once for this module, about a minute)."""
    return kill_rates(("z3", "scenarios"), ALL_MUTANTS, fastest=True, budget="quick")


def test_catalogue_kernel_and_role() -> None:
    assert len(ALL_MUTANTS) >= 25 and len(ROLE_MUTANTS) >= 15
    assert len(BY_NAME) == len(ALL_MUTANTS), "mutant names are unique"
    assert all(m.layer == "kernel" for m in MUTANTS)
    for m in ROLE_MUTANTS:
        assert m.layer == "role" and m.section and m.description
        assert m.catches and m.catches <= set(CATALOG), m.name
        assert set(m.replacements()) == set(m.targets), m.name
        for t in m.targets:
            owner, attr = _resolve(t)
            assert hasattr(owner, attr), f"{m.name}: {t} is gone from the model"


def test_role_mutants_restore_the_model() -> None:
    """Applying and leaving each role mutant leaves every patched attribute as it was; a method the
    class only inherits is not left pinned on it."""
    for m in ROLE_MUTANTS:
        before = {}
        for t in m.targets:
            owner, attr = _resolve(t)
            before[t] = (owner, attr, getattr(owner, attr), attr in vars(owner))
        with m.applied():
            for t in m.targets:
                owner, attr = _resolve(t)
                assert getattr(owner, attr) is not before[t][2], f"{m.name}: {t} not patched"
        for t, (owner, attr, was, own) in before.items():
            assert getattr(owner, attr) is was, f"{m.name}: {t} not restored"
            assert (attr in vars(owner)) == own, f"{m.name}: {t} left on {owner!r}"


def test_clean_model_has_no_violation_in_the_engines_used() -> None:
    """Z3 proofs and the scenario corpus (traces/scenarios; the open bugs of traces/regressions are
    compared message by message instead) report nothing violated on the unmutated model."""
    opts = VerifyOptions(
        properties=AIMED,
        budget="quick",
        engines=("z3", "scenarios"),
        roots={"scenarios": ROOT / "traces" / "scenarios"},
    )
    bad = [
        (r.property, r.engine, r.detail) for r in run_verify(opts) if r.status is Status.VIOLATED
    ]
    assert bad == []


def test_kill_rate_fastest_engine_per_mutant() -> None:
    rep = fastest()
    print("\n" + rep.table())
    survivors = [k.mutant for k in rep.survivors]
    assert rep.rate() >= 0.95, f"kill rate {rep.rate():.1%}; survivors {survivors}"
    assert rep.rate(layer="kernel") == 1.0, f"kernel survivors {survivors}"
    assert {k.mutant for k in rep.kills} == set(BY_NAME)


@pytest.mark.parametrize("name", [m.name for m in ALL_MUTANTS])
def test_each_mutant_is_killed(name: str) -> None:
    """Target 100%: each mutant has a named engine and one of its `catches` properties that saw it."""
    kill = next(k for k in fastest().kills if k.mutant == name)
    assert kill.killed, f"{name} survived: expected {', '.join(kill.aimed)}"
    engine = kill.killers[0]
    assert engine == ("z3" if kill.layer == "kernel" else "scenarios")
    props = dict(kill.by_engine)[engine]
    assert set(props) <= set(kill.aimed) and props


def test_verify_mutants_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["verify", "--mutants", "--property", "HA-RA-TUNNEL", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["kill_rate"] == 1.0 and out["survivors"] == []
    assert [m["mutant"] for m in out["mutants"]] == [
        "ha-ra-unauthenticated",
        "ha-ra-tunnel-other-link",
    ]
    assert all(m["engines"] == {"scenarios": ["HA-RA-TUNNEL"]} for m in out["mutants"])


def test_verify_mutants_cli_exit_1_on_a_survivor(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault no engine sees (here: one that changes nothing) makes `verify --mutants` exit 1."""
    import mip6check.properties.mutants as M
    from mip6check.properties.mutants_roles import _r

    inert = _r("inert", "7.9", "changes nothing", {"BC-ROUTE-VIA-RH"}, lambda: {})
    monkeypatch.setattr(M, "ALL_MUTANTS", (inert,))
    code = main(["verify", "--mutants", "--engine", "z3"])
    out = capsys.readouterr().out
    assert code == 1 and "SURVIVED inert" in out and "kill rate: 0/1" in out


@pytest.mark.slow
def test_kill_rate_every_engine_on_every_mutant() -> None:
    """The full table: Z3, the scenario corpus and the Hypothesis machines on every mutant."""
    rep = kill_rates(("z3", "scenarios", "hypothesis"), ALL_MUTANTS, budget="quick")
    print("\n" + rep.table())
    assert rep.rate() >= 0.95, [k.mutant for k in rep.survivors]
    assert rep.rate("z3", layer="kernel") == 1.0


def test_the_hypothesis_engine_alone_kills_nine_in_ten_runtime_mutants() -> None:
    """The `ci` search `verify` runs (derandomised, aimed at each runtime mutant's rows) kills at least
    90% of the runtime mutants not equivalent at run time with a property named, none by a crash
    (docs/explore.md, kill table: 37 of 38 at 9f642e1)."""
    from mip6check.properties.explore.killrate import EQUIVALENT, runtime_mutants, try_mutant

    # the equivalent ones are searched in vain to the end of the budget: shown apart, by their
    # byte-identical captures (test_explore_equivalent.py)
    other = [try_mutant(m, "ci") for m in runtime_mutants() if m.name not in EQUIVALENT]
    killed = [k for k in other if k.killed]
    assert len(other) >= 38 and len(killed) / len(other) >= 0.9, [
        (k.mutant, k.outcome) for k in other if not k.killed
    ]
    assert not any(k.crashed for k in other)
