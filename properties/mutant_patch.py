"""Planting a mutant: `patched` swaps model attributes (kernel functions with their from-imported
aliases in model/, or any 'module:Attr.path') for the duration of a block, and `Mutant` is one fault
with the properties expected to catch it. The catalogues are properties/mutants_kernel.py and
properties/mutants_roles.py; properties/mutants.py gathers them."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from mip6check.model.roles import kernel as K

ORIGINAL = SimpleNamespace(**{n: getattr(K, n) for n in dir(K) if not n.startswith("__")})
"""The kernel as it was when this module was imported (mutant wrappers call through it)."""

_INHERITED = object()  # undo marker: the patched class attribute was inherited, delete it on exit
# only the model is mutated; observers (properties/) keep their own view. The model's package is
# named from the kernel's own module ("mip6check.model"), the name it has installed and in a checkout
_MODEL_PACKAGE = K.__name__.rsplit(".roles.", 1)[0]
_PATCH_ROOTS = (_MODEL_PACKAGE + ".",)


def _resolve(target: str) -> tuple[object, str]:
    """'name' (a kernel function) or 'package.module:Attr.path' -> (owner object, attribute name)."""
    if ":" not in target:
        return K, target
    mod_name, path = target.split(":", 1)
    owner: object = importlib.import_module(mod_name)
    *outer, attr = path.split(".")
    for part in outer:
        owner = getattr(owner, part)
    return owner, attr


@contextmanager
def patched_kernel(**replacements: Any) -> Iterator[None]:
    """Replace kernel functions by name (and their from-imported aliases in model/) inside the block."""
    with patched(replacements):
        yield


@contextmanager
def patched(replacements: dict[str, Any]) -> Iterator[None]:
    """Replace `target -> new` inside the block. A target is a kernel function name ('apply_bu'), whose
    from-imported aliases in model/ modules are replaced too, or 'module:Attr.path' for any other
    model attribute (e.g. 'mip6check.model.roles.home_agent:HomeAgent.some_method')."""
    undo: list[tuple[object, str, object]] = []
    try:
        for target, new in replacements.items():
            owner, name = _resolve(target)
            if not hasattr(owner, name):
                raise AttributeError(f"{target!r}: no such attribute")
            old = getattr(owner, name)
            # a class attribute it only inherits is deleted again on exit, not pinned on the subclass
            inherited = isinstance(owner, type) and name not in vars(owner)
            undo.append((owner, name, _INHERITED if inherited else old))
            setattr(owner, name, new)
            if owner is not K:
                continue
            for mod_name, mod in list(sys.modules.items()):
                if mod is not None and mod is not K and mod_name.startswith(_PATCH_ROOTS):
                    if getattr(mod, name, None) is old:
                        undo.append((mod, name, old))
                        setattr(mod, name, new)
        yield
    finally:
        for owner_, attr, was in reversed(undo):
            if was is _INHERITED:
                delattr(owner_, attr)
            else:
                setattr(owner_, attr, was)


@dataclass(frozen=True)
class Mutant:
    """One fault: what it breaks (with the § it violates), which kernel functions it replaces, and the
    property IDs that are expected to catch it (at least one engine must report a violation)."""

    name: str
    section: str
    description: str
    targets: tuple[str, ...]
    catches: frozenset[str]
    make: Callable[[SimpleNamespace], dict[str, Any]]
    layer: str = "kernel"  # "kernel": model.roles.kernel; "role": a role's method or helper

    def replacements(self) -> dict[str, Any]:
        reps = self.make(ORIGINAL)
        if set(reps) != set(self.targets):
            raise ValueError(
                f"mutant {self.name}: replaces {sorted(reps)}, declares {self.targets}"
            )
        return reps

    @contextmanager
    def applied(self) -> Iterator[Mutant]:
        """Run the block against the broken kernel."""
        with patched(self.replacements()):
            yield self
