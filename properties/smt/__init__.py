"""The Z3 engine: the decision kernel of model/roles/kernel.py run on Z3 terms.

- `z3logic`: `Z3Logic` (the `Logic` protocol over Z3), `Sym` (symbolic kernel records with domains).
- `induction`: `PROOFS` (property ID -> obligations), `run_proof(pid)` -> `Result` (proved / violated
  with a concrete counterexample / unknown), each obligation naming its transition and reading.
- `refine`: kernel decision = the spec's decision (properties/spec), proved for every input; each is
  attached to the property whose judgement rests on it (`refinements_of`).
- `cache_model`: the K-slot Binding Cache step built from the kernel's per-entry functions (BC-UNIQUE).
- `spec`: `FINDINGS` (SPEC rows, and SPEC-RETX-NO-REACK for B5) -> `Result` with a witness.
- `bmc`: `bmc(cfg, max_depth, budget_s)` over MN + HA + CN + lossy channel; `BmcStep` counterexamples.
- `run`: `run_all(properties, budget_s)` and `verify_engine(opts, progress)` for properties/verify.py.

Properties judge the kernel with properties/spec (the draft's text), never with the kernel's own
decisions, so the mutants of properties/mutants.py are caught. z3 is imported only under properties/.
"""

from __future__ import annotations

__all__ = ["bmc", "cache_model", "induction", "refine", "run", "spec", "z3logic"]
