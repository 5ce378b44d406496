"""BC-BA-REFRESH (§5.2) and MN-COA-IN-USE (§9.5) over a simulated run: route optimisation with a
correspondent that acknowledges (the mobile node asks for it), judged by replay of the run's capture.
The clean model is silent on both rows; a correspondent planted to set Refresh to half the Lifetime
breaks the first, a mobile node planted to name its home agent's address as care-of address breaks the
second."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mip6check.model.dsl import build, parse_scenario
from mip6check.model.roles import correspondent, mobile_node
from mip6check.model.roles.choices import DEFAULT_CHOICES, Choices
from mip6check.properties.runjudge import JudgedRun, judge_scenario

SCENARIO = """\
link home prefix 2001:db8:1::/64
link foreign1 prefix 2001:db8:2::/64
link core prefix 2001:db8:3::/64
home-agent HA on home, core
router R1 on foreign1, core
correspondent CN on core
mobile MN home 2001:db8:1::100 agent HA on foreign1
seed 5

at 8s: send CN -> MN count 5 every 1s flow 3
run until 16s

expect by 12s: MN sent bu to CN
expect by 12s: MN received ba from CN
"""
ROWS = ("BC-BA-REFRESH", "MN-COA-IN-USE")


@pytest.fixture(autouse=True)
def acknowledged(monkeypatch: pytest.MonkeyPatch) -> None:
    """§9.5 MAY: the mobile node asks its correspondents for an acknowledgement."""
    monkeypatch.setattr(
        build, "DEFAULT_CHOICES", replace(build.DEFAULT_CHOICES, cn_ack=lambda _addr: True)
    )


def _run() -> JudgedRun:
    return judge_scenario(parse_scenario(SCENARIO, "refresh-coa.scenario"))


def _verdicts(run: JudgedRun, pid: str) -> list[str]:
    return [v.message for v in run.violations if v.property == pid]


def test_clean_model_is_silent() -> None:
    run = _run()
    assert all(r.ok for r in run.results), [r.detail for r in run.results if not r.ok]
    assert [v for v in run.violations if v.property in ROWS] == []


def test_correspondent_refresh_below_lifetime(monkeypatch: pytest.MonkeyPatch) -> None:
    real = correspondent.Correspondent.__init__

    def init(self: correspondent.Correspondent, *args: object, **kw: object) -> None:
        mine = kw.get("choices", DEFAULT_CHOICES)
        assert isinstance(mine, Choices)
        kw["choices"] = replace(mine, refresh=lambda granted, _h: granted // 2)  # planted
        real(self, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(correspondent.Correspondent, "__init__", init)
    got = _verdicts(_run(), "BC-BA-REFRESH")
    assert got and "not its Lifetime" in got[0], got


def test_care_of_address_of_another_node(monkeypatch: pytest.MonkeyPatch) -> None:
    real = mobile_node.MobileNode._emit_bu

    def emit(
        self: mobile_node.MobileNode,
        core: object,
        dst: bytes,
        home: bytes,
        coa: bytes,
        *rest: object,
    ) -> object:
        if self.ha is not None and dst != self.ha and coa != home:
            coa = self.ha  # the planted fault: a correspondent is told the home agent's address
        return real(self, core, dst, home, coa, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(mobile_node.MobileNode, "_emit_bu", emit)
    got = _verdicts(_run(), "MN-COA-IN-USE")
    # replay of the run's capture (what the packets show) and the whole-log judge (who holds what)
    assert any("the node that sent the Binding Acknowledgement" in m for m in got), got
    assert any("an address of HA" in m for m in got), got


def test_multicast_care_of_address(monkeypatch: pytest.MonkeyPatch) -> None:
    real = mobile_node.MobileNode._emit_bu

    def emit(
        self: mobile_node.MobileNode,
        core: object,
        dst: bytes,
        home: bytes,
        coa: bytes,
        *rest: object,
    ) -> object:
        if dst != self.ha and coa != home:
            coa = bytes.fromhex("ff02" + "00" * 13 + "01")  # planted: ff02::1
        return real(self, core, dst, home, coa, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(mobile_node.MobileNode, "_emit_bu", emit)
    got = _verdicts(_run(), "MN-COA-IN-USE")
    multicast = [m for m in got if "a multicast address" in m]
    assert any(m.startswith("Binding Update to") for m in multicast), got  # replay
    assert any(m.startswith("MN sent a Binding Update") for m in multicast), got  # whole log
