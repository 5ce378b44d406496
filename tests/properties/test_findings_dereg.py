"""§8.3: a home de-registration gets only the 132 and 133 tests, then the home agent MUST delete any
existing entry; §8.2's ID Length test (136) does not apply to it. Checked in the kernel (PY), by the
Z3 proof of HA-DEREG (which must catch the mutant that brings the 136 test back), and by replay of a
capture in which a home agent answers such a de-registration with 136 and keeps tunnelling."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from mip6check.model.addr import Prefix
from mip6check.model.config import DEFAULT
from mip6check.model.roles import kernel as K
from mip6check.model.roles.logic import PY
from mip6check.properties.mutants import BY_NAME
from mip6check.properties.replay import ReplayOptions, replay_file
from mip6check.properties.replay.options import HomeAgentSpec, Topology
from mip6check.properties.smt import goals_agents as GA
from mip6check.properties.smt import goals_cache as GC
from mip6check.properties.smt import obligations as I
from mip6check.properties.spec import home_agent as SH
from mip6check.properties.verdict import Status

ROOT = Path(__file__).resolve().parents[2]
HA_ENV = K.NodeEnv(
    is_home_agent=True,
    home_on_link=True,
    id_length=48,
    ha_id_length=64,
    to_anycast=False,
    cache_full=False,
    any_evictable=True,
)
REGISTERED = K.Entry(
    present=True, home=1, coa=2, seq=7, home_reg=True, expiry=60_000, infinite=False, last_used=0
)


def _dereg(lifetime: int = 0, coa: int = 2) -> K.BUIn:
    return K.BUIn(
        auth=True, length_ok=True, has_hao=True, h=True, seq=8, lifetime=lifetime, home=1, coa=coa
    )


@pytest.mark.parametrize("lifetime,coa", [(0, 2), (60, 1)])
def test_kernel_deletes_a_dereg_whatever_its_id_length(lifetime: int, coa: int) -> None:
    e2, check, op, status = K.apply_bu(PY, DEFAULT, REGISTERED, _dereg(lifetime, coa), HA_ENV, 1000)
    assert check == K.Check.VALID and op == K.CacheOp.DELETE and status == 0
    assert not e2.present
    view = I.ha_view(HA_ENV)
    assert SH.accepts(PY, view, True) and not SH.accepts(PY, view, False)


def test_registration_with_the_same_id_length_still_gets_136() -> None:
    _, _, op, status = K.apply_bu(PY, DEFAULT, REGISTERED, _dereg(60), HA_ENV, 1000)
    assert (op, status) == (K.CacheOp.NONE, K.Status.BAD_ID_LENGTH)


def test_z3_ha_dereg_proved_and_catches_the_deviation() -> None:
    assert I.prove("HA-DEREG", GC.ha_dereg()).status is Status.PROVED
    assert I.prove("HA-IDLEN-136", GA.ha_idlen_136()).status is Status.PROVED
    with BY_NAME["dereg-idlen-136"].applied():
        r = I.prove("HA-DEREG", GC.ha_dereg())
        assert r.status is Status.VIOLATED
        _, _, op, status = K.apply_bu(PY, DEFAULT, REGISTERED, _dereg(), HA_ENV, 1000)
        assert status == K.Status.BAD_ID_LENGTH  # the mutant really reintroduces the deviation
        # HA-IDLEN-136 stays proved: it concerns registrations only
        assert I.prove("HA-IDLEN-136", GA.ha_idlen_136()).status is Status.PROVED


def _captures() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "_mip6_make_captures", ROOT / "tools" / "make_captures.py"
    )
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def _replay(tmp_path: Path, status: int, tunnel_after: bool) -> list[tuple[str, int]]:
    """A home registration (ID Length 0), then an H de-registration with ID Length 48 at a home agent
    whose identifiers are 64 bits (the topology says so), answered with `status`."""
    mc = _captures()
    c = mc.Capture("ha-dereg-idlen", "fault", "§8.3")
    mc.registration(c, 0, seq=7)
    c.at(1000, mc.encapsulate(mc.udp(mc.CN, mc.HOME, 1), mc.HA, mc.COA1))
    c.at(5000, mc.bu_pkt(mc.COA1, mc.HA, 8, 0, h=True, id_length=48))
    c.at(5003, mc.ba_pkt(mc.HA, mc.COA1, 8, status=status, lifetime=0))
    if tunnel_after:
        c.at(6000, mc.encapsulate(mc.udp(mc.CN, mc.HOME, 2), mc.HA, mc.COA1))
    mc.OUT = tmp_path
    mc.write(c)
    topo = Topology(home_agents=(HomeAgentSpec(mc.HA, (Prefix.parse("2001:db8:1::/64"),), 64),))
    rep = replay_file(str(tmp_path / "ha-dereg-idlen.pcapng"), ReplayOptions(topology=topo))
    return [(v.property, v.packet) for v in rep.violations]


def test_replay_flags_a_dereg_answered_with_136(tmp_path: Path) -> None:
    assert ("HA-DEREG", 5) in _replay(tmp_path, 136, tunnel_after=True)


def test_replay_passes_the_dereg_answered_with_0(tmp_path: Path) -> None:
    assert _replay(tmp_path, 0, tunnel_after=False) == []
