"""Deliberate faults in the decision kernel (the checker must itself be checked).

A `Mutant` replaces one or more functions of model.roles.kernel for the duration of a `with` block:

    for m in MUTANTS:
        with m.applied():
            result = run_proof("BC-SEQ-MONOTONIC")   # expected VIOLATED if the ID is in m.catches

`patched(replacements)` does the monkeypatching: it swaps the attribute on the kernel module and on
every loaded model/ module (`mip6check.model.*`) that imported the same function object by name
(`from mip6check.model.roles.kernel import apply_bu`), and restores all of them on exit; a key
'module:Attr.path' patches any other model attribute (for role-level faults such as a home agent
tunnelling link-local packets). Observers are not patched: properties/ judge with properties/spec/; a
monitor that calls `kernel.seq_greater` itself would see the mutant too, and miss it. Kernel functions
call each other through module globals, so a patched `seq_greater` is seen by `bu_check` and
`apply_bu`.
Not thread-safe: apply one mutant at a time. Each engine (Z3, Hypothesis machines, monitors over
simulations) can run the same catalogue; `catches` names the properties that must fail under it.

Replacements are built from `ORIGINAL`, the unpatched kernel functions captured at import, so a
wrapper can call the real function and bend its inputs or outputs.
"""

from __future__ import annotations

from mip6check.properties.mutant_patch import _PATCH_ROOTS as _PATCH_ROOTS
from mip6check.properties.mutant_patch import ORIGINAL as ORIGINAL
from mip6check.properties.mutant_patch import Mutant as Mutant
from mip6check.properties.mutant_patch import _resolve as _resolve
from mip6check.properties.mutant_patch import patched as patched
from mip6check.properties.mutant_patch import patched_kernel as patched_kernel
from mip6check.properties.mutants_kernel import MUTANTS as MUTANTS
from mip6check.properties.mutants_roles import ROLE_MUTANTS as ROLE_MUTANTS

ALL_MUTANTS: tuple[Mutant, ...] = MUTANTS + ROLE_MUTANTS
"""Kernel and role mutants (the kernel ones alone stay in MUTANTS: every one of them has a Z3 proof)."""

BY_NAME: dict[str, Mutant] = {m.name: m for m in ALL_MUTANTS}
