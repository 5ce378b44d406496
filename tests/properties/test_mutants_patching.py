"""Mutants reach the model under the names it is imported by (`mip6check.model.*`, installed or in a
checkout): a kernel function imported by name into a model module is replaced there too, an
observer's copy in properties/ is not, and both are restored after the block."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator

import pytest

import mip6check.model
from mip6check.model.roles import kernel as K
from mip6check.properties import mutants
from mip6check.properties.mutants import MUTANTS, patched_kernel


@pytest.fixture
def aliases() -> Iterator[tuple[types.ModuleType, types.ModuleType]]:
    """A model module and an observer module, each with `from ...kernel import apply_bu`."""
    made = []
    for name in ("mip6check.model.roles._alias_probe", "mip6check.properties._alias_probe"):
        mod = types.ModuleType(name)
        mod.apply_bu = K.apply_bu  # type: ignore[attr-defined]
        sys.modules[name] = mod
        made.append(mod)
    try:
        yield made[0], made[1]
    finally:
        for mod in made:
            del sys.modules[mod.__name__]


def test_patch_roots_name_the_model_package_as_imported() -> None:
    assert mutants._PATCH_ROOTS == (mip6check.model.__name__ + ".",)
    loaded = [n for n in sys.modules if n.startswith(mip6check.model.__name__ + ".")]
    assert "mip6check.model.roles.kernel" in loaded
    assert all(n.startswith(mutants._PATCH_ROOTS) for n in loaded)


def test_a_kernel_function_imported_by_name_into_the_model_is_patched(
    aliases: tuple[types.ModuleType, types.ModuleType],
) -> None:
    model_mod, observer_mod = aliases
    original = K.apply_bu

    def fake(*args: object, **kwargs: object) -> object:
        return original(*args, **kwargs)

    with patched_kernel(apply_bu=fake):
        assert K.apply_bu is fake
        assert model_mod.apply_bu is fake  # the model's own copy sees the mutant
        assert observer_mod.apply_bu is original  # an observer judges with the real kernel
    assert K.apply_bu is original and model_mod.apply_bu is original


def test_every_kernel_mutant_reaches_a_model_alias(
    aliases: tuple[types.ModuleType, types.ModuleType],
) -> None:
    """For each kernel-level mutant replacing apply_bu, the alias in the model module changes too."""
    model_mod, _ = aliases
    hits = 0
    for m in MUTANTS:
        if m.layer != "kernel" or "apply_bu" not in m.targets:
            continue
        with m.applied():
            assert model_mod.apply_bu is K.apply_bu is not mutants.ORIGINAL.apply_bu, m.name
        hits += 1
        assert model_mod.apply_bu is mutants.ORIGINAL.apply_bu
    assert hits > 0
