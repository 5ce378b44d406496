"""The machines must catch the kernel mutants that concern runtime behaviour (issue 5, "the checker
must itself be checked"): under each mutant's context manager, exploring aimed at the properties the
mutant is expected to break finds a violation of one of them. The whole catalogue is slow (a search
per mutant); a few quick ones run by default."""

from __future__ import annotations

import pytest

from mip6check.properties.explore.killrate import runtime_mutants, try_mutant
from mip6check.properties.mutants import BY_NAME

RUNTIME = [m.name for m in runtime_mutants()]
QUICK = ["seq-ge", "retx-new-seq", "no-backoff-doubling"]


def test_runtime_mutants_are_most_of_the_catalogue() -> None:
    assert len(RUNTIME) >= 20
    assert set(QUICK) <= set(RUNTIME)


@pytest.mark.parametrize("name", QUICK)
def test_quick_mutants_are_killed(name: str) -> None:
    k = try_mutant(BY_NAME[name], budget="ci")
    assert k.killed, f"{name} survived an exploration aimed at {k.aimed}"
    assert k.found in BY_NAME[name].catches


@pytest.mark.slow
@pytest.mark.parametrize("name", RUNTIME)
def test_every_runtime_mutant_is_killed(name: str) -> None:
    k = try_mutant(BY_NAME[name], budget="long")
    assert k.killed, f"{name} survived an exploration aimed at {k.aimed}"
    assert k.found in BY_NAME[name].catches
