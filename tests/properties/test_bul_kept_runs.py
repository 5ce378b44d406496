"""MN-BUL-RECORD (§9.5, C9.5-06) after an accepted acknowledgement: the mobile node keeps the entry of an
acknowledged Binding Update until its lifetime ends. The clean model keeps it; a mobile node planted to
drop the entry when the acknowledgement accepts it is flagged by the runtime monitor (which used to skip
every acknowledged entry), while a rejected one may go (§9.10 deletes it)."""

from __future__ import annotations

import pytest

from mip6check.model.dsl import parse_scenario
from mip6check.model.roles import binding_update_list as bul
from mip6check.model.roles import kernel as K
from mip6check.properties.runjudge import judge_scenario

SCENARIO = """\
link home prefix 2001:db8:1::/64
link foreign1 prefix 2001:db8:2::/64
link core prefix 2001:db8:3::/64
home-agent HA on home, core
router R1 on foreign1, core
correspondent CN on core
mobile MN home 2001:db8:1::100 agent HA on foreign1
seed 9

at 8s: send CN -> MN count 3 every 1s flow 3
run until 14s

expect by 3s: MN received ba from HA
"""


def _record_verdicts() -> list[str]:
    run = judge_scenario(parse_scenario(SCENARIO, "bul-kept.scenario"))
    assert all(r.ok for r in run.results), [r.detail for r in run.results if not r.ok]
    return [v.message for v in run.violations if v.property == "MN-BUL-RECORD"]


def test_clean_model_keeps_acknowledged_entries() -> None:
    assert _record_verdicts() == []


def test_entry_dropped_on_acceptance_is_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    real = bul.BindingUpdateList.on_ba

    def on_ba(self: bul.BindingUpdateList, destination: bytes, home: bytes, **kw: int) -> object:
        outcome, events = real(self, destination, home, **kw)  # type: ignore[arg-type]
        if outcome is K.BAOutcome.ACCEPTED:
            self._entries.pop((destination, home), None)  # the planted fault
        return outcome, events

    monkeypatch.setattr(bul.BindingUpdateList, "on_ba", on_ba)
    got = _record_verdicts()
    assert got and "is not in the Binding Update List" in got[0], got
