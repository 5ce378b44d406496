"""The judges of demanded actions fire on simulated runs too, when a role is broken on purpose (a fault
planted outside the kernel, by patching the model), and stay silent on the same run unbroken: replay
of the run's capture judges a missing de-registration on return home and a home agent's tunnel with a
wrong outer source."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mip6check.model.dsl import parse_scenario
from mip6check.model.dsl.build import run_scenario
from mip6check.model.roles import mn_movement
from mip6check.model.roles.packets import tunnel
from mip6check.properties.mutants import patched
from mip6check.properties.replay import ReplayOptions, replay_file
from mip6check.properties.scenarios import replay_topology

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "traces" / "scenarios"


def _replayed(name: str, tmp_path: Path, before_end: str = "") -> list[tuple[str, str]]:
    text = (
        (SCENARIOS / name)
        .read_text(encoding="utf-8")
        .replace("run until", before_end + "run until")
    )
    buf = io.BytesIO()
    run = run_scenario(parse_scenario(text, name), capture=buf)
    cap = tmp_path / "run.pcapng"
    cap.write_bytes(buf.getvalue())
    rep = replay_file(
        str(cap), ReplayOptions(config=run.network.config, topology=replay_topology(run))
    )
    return [(v.property, v.node) for v in rep.violations]


def _without_deregistration() -> Callable[..., Any]:
    """§9.13 broken: back home, the mobile node advertises its home address but sends its home agent
    no de-registration."""
    real = mn_movement.return_home

    def return_home(mn: Any, core: Any, router: Any, now: int) -> Any:
        ha, mn.ha = mn.ha, None
        try:
            return real(mn, core, router, now)
        finally:
            mn.ha = ha

    return return_home


# back home, the mobile node keeps sending (the absence is judged at its next packet)
KEEPS_SENDING = "at 23s: send MN -> CN flow 3\n"  # home again since 21 s


def test_missing_deregistration_in_a_run(tmp_path: Path) -> None:
    assert _replayed("03-return-home.scenario", tmp_path, KEEPS_SENDING) == []
    with patched({"mip6check.model.roles.mn_movement:return_home": _without_deregistration()}):
        got = _replayed("03-return-home.scenario", tmp_path, KEEPS_SENDING)
    assert ("MN-RETURN-HOME", "2001:db8:1::100") in got, got


def test_tunnel_with_the_senders_address_in_a_run(tmp_path: Path) -> None:
    assert _replayed("23-same-payload-twice.scenario", tmp_path) == []
    wrong = {
        "mip6check.model.roles.home_agent:tunnel": lambda inner, src, dst: tunnel(
            inner, inner.src, dst
        )
    }
    with patched(wrong):
        got = _replayed("23-same-payload-twice.scenario", tmp_path)
    assert ("HA-TUNNEL", "2001:db8:1::1") in got, got
