"""Mutant kill runs with workers: the mutants run side by side and the kill table is the same for 1
and 2 workers, and the same as the serial run's where the serial run has no file order to adapt."""

from __future__ import annotations

from typing import Any

from mip6check.properties.killrate import KillReport, kill_rates
from mip6check.properties.mutants import BY_NAME
from mip6check.properties.parallel import InlineExecutor, executor

MUTANTS = [BY_NAME[n] for n in ("seq-ge", "seq-no-wrap", "no-auth-test", "idlen-ignored")]


def _table(r: KillReport) -> list[dict[str, Any]]:
    return [{k: v for k, v in k.to_json().items() if k != "seconds"} for k in r.kills]


def test_z3_kill_table_same_for_any_workers_and_serial() -> None:
    serial = kill_rates(("z3",), MUTANTS, budget="quick")
    one = kill_rates(("z3",), MUTANTS, budget="quick", executor=InlineExecutor())
    with executor(2) as ex:
        two = kill_rates(("z3",), MUTANTS, budget="quick", executor=ex)
    assert _table(one) == _table(two) == _table(serial)
    assert [k.mutant for k in two.kills] == [m.name for m in MUTANTS]
    assert any(k.killed for k in two.kills)  # the table has kills to compare
