"""MN-HOMEREG-RENEW (§5.2) over simulated runs. The mobile node asks for 20 s and the home agent grants
10 (§5.2: the granted Lifetime may be shorter) in both runs. The clean model renews before the granted
10 s end and stays silent; with a planted fault (the mobile node ignores the granted Lifetime: no refresh
timer from the acknowledgement, only its own 20 s list entry) the registration lapses while the mobile
node goes on sending as its home address, and replay of the run's capture flags it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mip6check.model.dsl import parse_scenario
from mip6check.model.roles import correspondent, mobile_node, timers
from mip6check.properties.runjudge import judge_scenario

SCENARIO = """\
link home prefix 2001:db8:1::/64
link foreign1 prefix 2001:db8:2::/64
link core prefix 2001:db8:3::/64
home-agent HA on home, core
router R1 on foreign1, core
correspondent CN on core
mobile MN home 2001:db8:1::100 agent HA on foreign1
seed 7

at 8s: send MN -> CN count 4 every 10s flow 5
run until 50s

expect by 45s: delivered MN -> CN flow 5 count 4
expect by 45s: MN received ba from HA lifetime 10 count 4
"""


@pytest.fixture
def short_lifetime(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    real = mobile_node.MobileNode.__init__

    def init(self: mobile_node.MobileNode, *args: object, **kw: object) -> None:
        kw["home_lifetime"] = 20
        real(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(mobile_node.MobileNode, "__init__", init)
    ack = correspondent.Correspondent._ack

    def half(self: correspondent.Correspondent, *args: object) -> object:
        bu, lifetime = args[2], args[6]  # (core, rx, bu, home, coa, status, lifetime, ...)
        if getattr(bu, "h", False) and isinstance(lifetime, int) and 0 < lifetime < 0xFFFFFFFF:
            args = (*args[:6], lifetime // 2, *args[7:])
        return ack(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(correspondent.Correspondent, "_ack", half)
    yield


def _renew_verdicts(*, expectations_hold: bool = False) -> list[str]:
    run = judge_scenario(parse_scenario(SCENARIO, "renewal.scenario"))
    if expectations_hold:  # the granted 10 s, renewed every ~9 s: the run shows what is judged
        assert all(r.ok for r in run.results), [r.detail for r in run.results if not r.ok]
    return [v.message for v in run.violations if v.property in ("MN-HOMEREG-RENEW", "MN-REFRESH")]


def test_clean_model_renews_in_time(short_lifetime: None) -> None:
    assert _renew_verdicts(expectations_hold=True) == []


def test_registration_left_to_lapse_is_flagged(
    short_lifetime: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = timers.TimerSet.arm

    def arm(self: timers.TimerSet, key: object, deadline: int) -> None:
        if key == ("refresh",):
            return  # the planted fault: the home registration is never refreshed
        real(self, key, deadline)  # type: ignore[arg-type]

    monkeypatch.setattr(timers.TimerSet, "arm", arm)
    got = _renew_verdicts()
    assert any("granted by home agent" in m for m in got), got  # MN-HOMEREG-RENEW
    assert any("Refresh period of 10 s" in m for m in got), got  # MN-REFRESH
