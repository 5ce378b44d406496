"""Mutants equivalent at run time (properties/explore/killrate.py `EQUIVALENT`): on the scenario
aimed at each, the run under the mutant writes a capture byte for byte identical to the clean
model's, and the scenario reaches the code the mutant plants (so the identity is not a run that
never got there). The reasons are stated with `EQUIVALENT`; Z3 kills them on the kernel."""

from __future__ import annotations

import io
from collections.abc import Iterable
from contextlib import nullcontext

import pytest

from mip6check.model.dsl import ast as A
from mip6check.model.net import Kind
from mip6check.model.roles.events import BindingUpdateSent, CacheUpdated, RoleEvent
from mip6check.properties.explore import attacks as K
from mip6check.properties.explore import raw as R
from mip6check.properties.explore import strategies as S
from mip6check.properties.explore.driver import default_world
from mip6check.properties.explore.killrate import EQUIVALENT, runtime_mutants
from mip6check.properties.mutants import BY_NAME
from tests.properties.test_explore_attacks import FixedDraws

Plan = tuple[str, dict[str, object]]


def _run(
    steps: Iterable[A.Step] | Plan, mutant: str | None, setup: S.Setup | None = None
) -> tuple[bytes, list[tuple[int, RoleEvent]]]:
    """Settle, then the steps (or a plan's, with fixed draws); the capture and the role events (with
    their times)."""
    head = S.topology(setup or S.Setup())
    cap = io.BytesIO()
    with BY_NAME[mutant].applied() if mutant else nullcontext():
        world = default_world(head, cap)
        world.apply(A.RunUntil(1000))
        if isinstance(steps, tuple):
            kind, choices = steps
            # aimed at nothing a plan avoids asking for (MN-BR-LIFETIME, BC-ROUTE-VIA-RH)
            c = K.Ctx(world, S.DEFAULT_PLACE, 1000, S.mobiles(head), 0, aimed=frozenset())
            steps = K.PLANS[kind](c, FixedDraws(choices))  # type: ignore[arg-type]
        for step in steps:
            world.apply(step)
    events = [(r.time, r.event) for r in world.net.log.records if r.kind is Kind.EVENT]
    return cap.getvalue(), events  # type: ignore[return-value]


def _same(mutant: str, steps: object, setup: S.Setup | None = None) -> list[tuple[int, RoleEvent]]:
    clean, events = _run(steps() if callable(steps) else steps, None, setup)  # type: ignore[arg-type]
    broken, _ = _run(steps() if callable(steps) else steps, mutant, setup)  # type: ignore[arg-type]
    assert len(clean) > 1000 and broken == clean
    return events


def test_every_equivalent_is_a_runtime_mutant_with_a_reason() -> None:
    names = {m.name for m in runtime_mutants()}
    assert set(EQUIVALENT) <= names
    assert all(len(why) > 40 for why in EQUIVALENT.values())


@pytest.mark.parametrize("peer", ["HA", "CN"])
def test_backoff_past_the_default_cap_needs_a_longer_lifetime_than_the_model_asks(
    peer: str,
) -> None:
    """Under the default reading and constants backoff-no-cap and cn-retx-forever change nothing: the
    timeout reaches MAX_BINDACK_TIMEOUT (256 s) after 1 + 2 + ... + 128 = 255 s; the first
    retransmission either could change is due 767 s in, past the update's own Lifetime (300 s to a
    correspondent, 600 s for a home registration), which ends its entry. So the machines draw a
    lower cap and the C13 `stop` reading in some runs (test_explore_attacks: both killed there)."""
    plan: Plan = ("blackout", {"mn": "MN", "link": "LA", "wait": 1800, "peer": peer})
    events = _same("backoff-no-cap", plan)
    assert _same("cn-retx-forever", plan) == events
    sent = [(t, e) for t, e in events if isinstance(e, BindingUpdateSent)]
    if peer == "HA":  # the back-off reached the cap (a 256 s gap) before the entry ran out
        home = [(t, e.seq) for t, e in sent if e.home_reg]
        gaps = {b[0] - a[0] for a, b in zip(home, home[1:], strict=False) if a[1] == b[1]}
        assert 256_000 in gaps and max(gaps) == 256_000
    else:  # §9.5: an update to a correspondent asks for no acknowledgement (the model's MAY)
        to_cn = [e for _, e in sent if not e.home_reg]
        assert to_cn and not any(e.ack_requested or e.retransmission for e in to_cn)


@pytest.mark.parametrize("receiver", ["CN", "HA"])
def test_a_rejected_update_never_writes_the_cache(receiver: str) -> None:
    """reject-touches-cache bends the kernel's entry for a rejected update, but the cache writes an
    entry only for UPDATE and EVICT_AND_UPDATE, which no rejection is (§5.2: op NONE)."""
    events = _same("reject-touches-cache", ("bind-use", {"receiver": receiver, "then": "rejected"}))
    assert [e for _, e in events if isinstance(e, CacheUpdated)]


def test_the_home_agent_intercepts_only_homes_it_serves() -> None:
    """tunnel-any-binding: the home agent asks the cache for a route only for addresses it defends
    (§8.2), and it stops defending a home the moment its entry stops being a home registration; an
    ordinary binding at the home agent therefore never reaches `tunnel_route`."""

    def steps() -> list[A.Step]:
        home = S.addr_in(S.PREFIXES["LH"], 0x7001)
        x = S.addr_in(S.PREFIXES["LA"], 4)
        ha = S.addr_in(S.PREFIXES["LH"], 1)
        cn = S.addr_in(S.PREFIXES["LN"], 2)
        bu = A.InjectBU("X", ha, home, 10, 300, a=True, h=True, id_length=64, coa=x)
        plain = A.InjectBU("X", ha, home, 11, 300, a=True, coa=x)  # H clear: no longer one
        other = S.addr_in(S.PREFIXES["LH"], 0x7002)
        return [
            A.Inject(1000, "LA", bu),
            A.RunUntil(1050),
            A.Inject(1050, "LN", A.InjectRaw(R.echo(cn, home, 7, 1))),  # tunnelled
            A.RunUntil(1100),
            A.Inject(1100, "LA", plain),
            A.RunUntil(1150),
            A.Inject(1150, "LN", A.InjectRaw(R.echo(cn, home, 7, 2))),
            A.Inject(1150, "LA", A.InjectBU("X", ha, other, 1, 300, a=True, coa=x)),
            A.RunUntil(1200),
            A.Inject(1200, "LN", A.InjectRaw(R.echo(cn, other, 7, 3))),
            A.RunUntil(4500),
        ]

    _same("tunnel-any-binding", steps)


@pytest.mark.parametrize(
    ("mutant", "plan"),
    [
        ("no-length-test", ("malformed", {"receiver": "CN", "fault": "short", "length": 4})),
        ("no-length-test", ("malformed", {"receiver": "HA", "fault": "short", "length": 7})),
        (
            "infinite-expires",
            ("expiry-edge", {"lifetime": A.INFINITY, "receiver": "CN", "wait": 1_200_000}),
        ),
    ],
)
def test_the_kernel_change_never_reaches_the_wire(mutant: str, plan: Plan) -> None:
    """no-length-test: a short option is never decoded as a Binding Update, so the length test is not
    asked; infinite-expires: an infinite entry's expiry lies 136 years ahead."""
    _same(mutant, plan)


def test_a_parameter_problem_stops_updates_either_way() -> None:
    """pp2-ignored, no-more-bu-ignored: the Binding Update List keeps its own "no more updates" set
    (§9.9), consulted before the kernel's, so the mobile node stops sending to a legacy node
    whichever of the two the mutant breaks."""

    def steps() -> list[A.Step]:
        return [
            A.Move(1000, "MN", "LA"),
            A.RunUntil(4000),
            A.Send(4000, "CN2", "MN", count=3, every=1000, flow=1),
            A.RunUntil(9000),
            A.Send(9000, "CN2", "MN", count=3, every=1000, flow=2),
            A.RunUntil(15000),
        ]

    setup = S.Setup(legacy_cn=True)
    events = _same("pp2-ignored", steps, setup)
    assert _same("no-more-bu-ignored", steps, setup) == events
    # the legacy node answered with Parameter Problem, and later updates to it were held back
    assert any(getattr(e, "kind", "") == "bu-suppressed" for _, e in events)


def test_a_lifetime_0_registration_of_a_new_home_shows_on_the_wire() -> None:
    """lifetime0-keeps-entry is not equivalent: an H update with Lifetime 0 for a home the home agent
    does not serve creates a home registration that expires in the same instant, but the home agent
    starts defending the home meanwhile (§8.2: its Neighbor Advertisements go out), which the clean
    model (§8.3: a deletion) never does."""
    home = S.addr_in(S.PREFIXES["LH"], 0x7001)
    ha = S.addr_in(S.PREFIXES["LH"], 1)
    x = S.addr_in(S.PREFIXES["LA"], 4)
    bu = A.InjectBU("X", ha, home, 5, 0, a=True, h=True, id_length=64, coa=x)
    steps = [A.Inject(1000, "LA", bu), A.RunUntil(2000)]
    clean, _ = _run(steps, None)
    broken, events = _run(steps, "lifetime0-keeps-entry")
    assert broken != clean
    assert any(getattr(e, "kind", "") == "proxy-start" for _, e in events)
