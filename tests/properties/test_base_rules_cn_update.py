"""MN-CN-UPDATE (§9.5, properties/base_rules.cn_update) reads the mobile node's Binding Update List
from what left the node, not from what its role says it sent: a deletion the role only logs (no frame
on a link, no drop by its IPv6 layer) does not end the correspondent's entry, so a model claiming
deletions it never sends cannot blind the judge. A planted role fault shows it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mip6check.cli.cmd_simulate import simulate
from mip6check.model.net.log import Kind
from mip6check.model.roles.events import Action, BindingUpdateSent, Transmit
from mip6check.model.roles.mobile_node import MobileNode
from mip6check.properties.logfacts import Fate, bu_fates, bu_of
from mip6check.properties.mutant_patch import Mutant

# away on foreign1 the node gives the correspondent its care-of address (the home agent tunnels the
# correspondent's packet: §9.5); home at 10 s it deletes that binding (§9.13); at 14 s it registers
# a care-of address on foreign2, and the correspondent is in its list only if the deletion counted
SCENARIO = """
link home prefix 2001:db8:1::/64
link foreign1 prefix 2001:db8:2::/64
link foreign2 prefix 2001:db8:4::/64
link core prefix 2001:db8:3::/64 silent
home-agent HA on home, core
router R1 on foreign1, core
router R2 on foreign2, core
correspondent CN on core
mobile MN home 2001:db8:1::100 agent HA on home
key MN HA "mn-ha secret"
key MN CN "mn-cn secret"
seed 7
at 3s: move MN to foreign1
at 6s: send CN -> MN flow 1
at 10s: return MN home
at 14s: move MN to foreign2
run until 30s

expect: property MN-CN-UPDATE holds
"""

_EMIT = "mip6check.model.roles.mobile_node:MobileNode._emit_bu"


def _silent_deletions(o: Any) -> dict[str, Any]:
    real = MobileNode._emit_bu

    def emit(self: MobileNode, core: Any, dst: bytes, home: bytes, coa: bytes, seq: int,
             lifetime: int, h: bool, *rest: Any) -> list[Action]:  # fmt: skip
        out = real(self, core, dst, home, coa, seq, lifetime, h, *rest)
        if h or (lifetime and coa != home):
            return out
        return [a for a in out if isinstance(a, BindingUpdateSent)]  # logged, never sent

    return {_EMIT: emit}


SILENT_DELETION = Mutant(
    "silent-cn-deletion",
    "9.5",
    "a mobile node that logs its Binding Updates deleting a correspondent's binding but never sends them",
    (_EMIT,),
    frozenset({"MN-CN-UPDATE"}),
    _silent_deletions,
    layer="role",
)


def test_clean_model_updates_nobody_it_deleted() -> None:
    run = simulate(SCENARIO, "cn-update")
    deletions = [
        r
        for r in run.network.log.records
        if isinstance(r.event, BindingUpdateSent) and not r.event.home_reg and r.event.lifetime == 0
    ]
    assert deletions, "the run must reach the §9.13 deletion it is about"
    fates = bu_fates(run.network.log.records)
    assert all(fates.get(r.seq) is Fate.CARRIED for r in deletions)
    assert [v.property for v in run.violations] == []


def test_a_deletion_only_logged_keeps_the_entry_and_the_update_owed() -> None:
    with SILENT_DELETION.applied():
        run = simulate(SCENARIO, "cn-update")
    recs = run.network.log.records
    claimed = [
        r
        for r in recs
        if isinstance(r.event, BindingUpdateSent) and not r.event.home_reg and r.event.lifetime == 0
    ]
    assert claimed and all(r.seq not in bu_fates(recs) for r in claimed)
    on_wire = [
        bu_of(r.event.packet)
        for r in recs
        if r.kind is Kind.TX and isinstance(r.event, Transmit) and r.node == "MN"
    ]
    assert not any(b is not None and b[0].lifetime == 0 and not b[0].h for b in on_wire)
    (v,) = [v for v in run.violations if v.property == "MN-CN-UPDATE"]
    assert "2001:db8:3::4" in v.message and v.time is not None and 14 <= v.time <= 16


def test_an_update_its_ipv6_layer_dropped_counts_as_sent() -> None:
    """Shrunk from the topology soak (seed 52): updates to the correspondent that found no route
    after a move are the node's own (Fate.DROPPED), enter its list, and owe nothing more."""
    path = (
        Path(__file__).resolve().parents[2]
        / "traces/regressions/mn-cn-update-dropped-updates.scenario"
    )
    run = simulate(path.read_text(encoding="utf-8"), str(path))
    fates = bu_fates(run.network.log.records)
    dropped = [
        r.event
        for r in run.network.log.records
        if isinstance(r.event, BindingUpdateSent) and fates.get(r.seq) is Fate.DROPPED
    ]
    assert dropped and not any(e.home_reg for e in dropped)
    assert all(e.destination == dropped[0].destination for e in dropped) and len(dropped) == 2
    assert not [v for v in run.violations if v.property == "MN-CN-UPDATE"]
