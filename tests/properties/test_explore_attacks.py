"""The targeted plans of the exploring machine (properties/explore/attacks.py), driven with fixed draws:
each reaches the edge it is written for (a planted fault is flagged by the row it aims at) and leaves
the clean model unflagged; the raw packets decode through the codec; aimed searches weight them."""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import pytest

from mip6check.model.codec.ipv6 import decode_packet
from mip6check.model.codec.values import DestUnreachable, EchoRequest, Routing0
from mip6check.model.dsl import ast as A
from mip6check.properties.explore import attacks as K
from mip6check.properties.explore import raw as R
from mip6check.properties.explore import strategies as S
from mip6check.properties.explore.driver import default_world
from mip6check.properties.explore.judge import Judge
from mip6check.properties.mutant_patch import Mutant
from mip6check.properties.mutants import BY_NAME
from mip6check.properties.verdict import Violation


class FixedDraws:
    """A stand-in for Hypothesis's `data` object: every draw a plan makes is named by its label."""

    def __init__(self, choices: dict[str, Any]) -> None:
        self.choices = choices

    def draw(self, _strategy: object, label: str | None = None) -> Any:
        assert label is not None and label in self.choices, f"no choice for {label!r}"
        return self.choices[label]


def run_plan(
    kind: str,
    choices: dict[str, Any],
    mutant: str | None,
    only: frozenset[str] | None,
    setup: S.Setup | None = None,
    draws: type[FixedDraws] | None = None,
) -> list[Violation]:
    """Settle, then the plan's steps one by one, judged after each; the first violations found."""
    head = S.topology(setup or S.Setup())
    ctx = BY_NAME[mutant].applied() if mutant else nullcontext()
    with ctx:
        world = default_world(head, None)
        judge = Judge(head, world, only)
        world.apply(A.RunUntil(1000))
        c = K.Ctx(world, S.DEFAULT_PLACE, 1000, S.mobiles(head), 0, aimed=only, keys=head.keys)
        for step in K.PLANS[kind](c, (draws or FixedDraws)(choices)):  # type: ignore[arg-type]
            world.apply(step)
            found = judge.step()
            if found:
                return found
    return []


SEQ = frozenset({"BC-SEQ-MONOTONIC", "BC-STALE-IGNORED", "BC-BA-STATUS"})


@pytest.mark.parametrize(
    ("mutant", "first", "delta"),
    [("seq-no-wrap", 0, S.HALF + 1), ("seq-half-accept", 1, S.HALF), ("seq-ge", 5, 0)],
)
def test_seq_pair_reaches_the_modular_edges(mutant: str, first: int, delta: int) -> None:
    choices = {"first": first, "delta": delta, "to HA": False}
    assert [v.property for v in run_plan("seq-pair", choices, mutant, SEQ)][:1] == [
        "BC-SEQ-MONOTONIC"
    ]
    assert run_plan("seq-pair", choices, None, SEQ) == []


def test_persistent_unreachable_errors_are_acted_on() -> None:
    """§7.8: three Destination Unreachable quoting replies routed by a binding; a correspondent that
    keeps routing by it is flagged, the clean one is not."""
    only = frozenset({"BC-ICMP-UNREACH"})
    choices = {"receiver": "CN", "errors": 3}
    found = run_plan("icmp-unreach", choices, "icmp-never-deletes", only)
    assert [v.property for v in found][:1] == ["BC-ICMP-UNREACH"]
    assert run_plan("icmp-unreach", choices, None, only) == []


def test_home_registrations_a_receiver_must_reject() -> None:
    only = frozenset({"HA-NOT-HA-132", "HA-NOT-HOME-133", "BC-BA-STATUS"})
    assert [v.property for v in run_plan("not-ha", {"seq": 3}, "not-ha-accepts", only)][:1] == [
        "HA-NOT-HA-132"
    ]
    assert [v.property for v in run_plan("off-link", {"seq": 3}, "offlink-accepted", only)][:1] == [
        "HA-NOT-HOME-133"
    ]
    assert run_plan("not-ha", {"seq": 3}, None, only) == []
    assert run_plan("off-link", {"seq": 3}, None, only) == []


def test_raw_packets_decode_through_the_codec() -> None:
    home, cn, coa = S.HOMES["MN"], S.addr_in(S.PREFIXES["LN"], 2), S.addr_in(S.PREFIXES["LA"], 9)
    echo = decode_packet(R.echo(home, cn, 1, 2))
    assert echo.src == home and echo.dst == cn and isinstance(echo.payload, EchoRequest)
    quoted = R.routed_reply(cn, coa, home, 1, 2)
    routed = decode_packet(quoted)
    assert routed.dst == coa and isinstance(routed.headers[0], Routing0)
    err = decode_packet(R.unreachable(coa, cn, quoted))
    assert isinstance(err.payload, DestUnreachable) and err.payload.invoking == quoted


def test_an_aimed_search_draws_the_kinds_that_feed_its_properties_more_often() -> None:
    kinds = ("seq-pair", "icmp-unreach")
    assert K.weighted(kinds, None) == list(kinds)
    aimed = K.weighted(kinds, frozenset({"BC-ICMP-UNREACH"}))
    assert aimed.count("icmp-unreach") == K.AIMED_WEIGHT and aimed.count("seq-pair") == 1
    # a row only one kind feeds gets as much as all the feeders of a common row together
    mixed = K.weighted(tuple(K.KINDS), frozenset({"BC-BA-STATUS", "HA-DEREG"}))
    status_feeders = [k for k in K.KINDS if "BC-BA-STATUS" in K.AIMS[k]]
    assert len(status_feeders) > 4 and "HA-DEREG" in K.AIMS["dereg-idlen"]
    assert mixed.count("dereg-idlen") > sum(mixed.count(k) for k in status_feeders) // 2
    assert mixed.count("blackout") == 1
    assert set(K.PLANS) == set(S.ATTACK_KINDS)


def test_a_home_registration_is_sent_to_the_home_agents_home_link_address() -> None:
    """§8.2's ID Length test is the home agent's for its home link: the plans register with the
    address a mobile node uses (the home agent's on the home link), where the judges know its ID
    Length; a home agent that ignores ID Length is flagged, the clean one not."""
    only = frozenset({"HA-IDLEN-136"})
    for n in (48, 128):
        found = run_plan("idlen", {"id length": n}, "idlen-ignored", only)
        assert [v.property for v in found][:1] == ["HA-IDLEN-136"]
        assert run_plan("idlen", {"id length": n}, None, only) == []


@pytest.mark.parametrize("receiver", ["CN", "HA"])
def test_a_rejection_is_answered_via_the_updates_care_of_address(receiver: str) -> None:
    """§5.2, §7.5: after a binding, an update naming another care-of address rejected with a
    Status (132 at a correspondent, 136 at the home agent) is acknowledged via that address, never
    by the cached entry."""
    only = frozenset({"BC-REJECT-NO-CACHE"})
    choices = {"receiver": receiver, "then": "rejected"}
    found = run_plan("bind-use", choices, "ack-via-cache", only)
    assert [v.property for v in found][:1] == ["BC-REJECT-NO-CACHE"]
    assert run_plan("bind-use", choices, None, only) == []


@pytest.mark.parametrize("gap", [200, 600])
def test_binding_requests_faster_than_the_rate_limit(gap: int) -> None:
    """§9.8, §9.11: requests 0.2 s or 0.6 s apart are answered no faster than MAX_UPDATE_RATE."""
    only = frozenset({"MN-RATE-LIMIT", "MN-SLOW-RATE"})
    choices = {"mn": "MN", "link": "LA", "peer": "CN", "requests": 8, "gap": gap}
    found = run_plan("br-burst", choices, "rate-limit-1s-short", only)
    assert [v.property for v in found][:1] == ["MN-RATE-LIMIT"]
    assert run_plan("br-burst", choices, None, None) == []  # every judge, clean model


_CACHE = "mip6check.model.roles.binding_cache:BindingCache."

_STALLED = Mutant(
    "stalled-timer",
    "4.3",
    "a Binding Cache that deletes nothing at expiry and keeps asking for a timer at the passed expiry",
    (_CACHE + "expire", _CACHE + "next_deadline"),
    frozenset({"BC-EXPIRE"}),
    lambda o: {
        _CACHE + "expire": lambda self, now: [],
        _CACHE + "next_deadline": lambda self: min(
            (r.expiry for r in self._entries.values() if not r.infinite), default=None
        ),
    },
    layer="role",
)
"""A planted fault (no catalog mutant stalls the clock since the cache stopped re-arming for entries
its kernel keeps past expiry): the node's timer fires again at the same instant without end."""

_RAISING = Mutant(
    "raising-cache",
    "7.7",
    "a Binding Cache that raises on every Binding Update",
    ("mip6check.model.roles.binding_cache:BindingCache.process",),
    frozenset({"BC-CREATE"}),
    lambda o: {_CACHE + "process": lambda *a, **k: min(())},
    layer="role",
)
"""A planted fault whose model raises (ValueError) when the cache is used."""


def test_a_model_whose_timers_never_clear_is_stopped_not_waited_for() -> None:
    """A node whose timer fires again at the same instant without end (its deadline never moves):
    the driver raises ModelLivelock after TIMER_FIRES_PER_INSTANT fires instead of hanging, and the
    kill table counts it as a crash (no property named)."""
    from mip6check.properties.explore.driver import ModelLivelock

    head = S.topology(S.Setup())
    with _STALLED.applied():
        world = default_world(head, None)
        world.apply(A.RunUntil(1000))
        c = K.Ctx(world, S.DEFAULT_PLACE, 1000, S.mobiles(head), 0)
        steps = K.PLANS["expiry-edge"](
            c, FixedDraws({"lifetime": 1, "receiver": "CN", "edge": 1000})
        )  # type: ignore[arg-type]
        with pytest.raises(ModelLivelock):
            for step in steps:
                world.apply(step)


@pytest.mark.parametrize("fault", ["raising", pytest.param("stalled", marks=pytest.mark.slow)])
def test_a_crash_under_a_fault_makes_verify_fail(fault: str) -> None:
    """The kill table's crash class is a detection: `verify`'s Hypothesis engine reports `error` on
    the rows it searched (the model raised, or livelocked), and `verify` exits 1 on them; the kill
    table counts it as a crash, not a kill."""
    from mip6check.properties.explore.engine import verify_engine
    from mip6check.properties.explore.killrate import try_mutant
    from mip6check.properties.verdict import Status
    from mip6check.properties.verify import VerifyOptions, failed

    m = _RAISING if fault == "raising" else _STALLED
    opts = VerifyOptions(properties=m.catches, budget="test", engines=("hypothesis",))
    with m.applied():
        results = verify_engine(opts, lambda _msg: None)
        k = try_mutant(m, "test", bound=120)
    assert results and all(r.status is Status.ERROR for r in results)
    assert failed(results)
    assert k.outcome == "crash" and not k.killed and k.crashed


@pytest.mark.parametrize(
    ("mutant", "plan", "draws", "setup", "pid"),
    [
        (
            "full-cache-accepts",
            "full-cache",
            {"receiver": "HA", "one more": "home"},
            S.Setup(ha_capacity=2),
            "BC-HOMEREG-FULL-131",
        ),
        (
            "never-expires",
            "expiry-edge",
            {"lifetime": 1, "receiver": "CN", "edge": 1000},
            S.Setup(),
            "BC-EXPIRE",
        ),
    ],
)
def test_a_kernel_fault_shows_on_the_wire_not_as_a_crash(
    mutant: str, plan: str, draws: dict[str, Any], setup: S.Setup, pid: str
) -> None:
    """The cache carries out whatever its kernel decides: an acceptance with nothing to evict stores
    the entry past the cache's size (§7.7), and an entry its kernel keeps past expiry gets no timer
    again (§4.3), so neither raises nor stalls the clock. Replay then sees the Status 0 where only 131
    was possible (the capture shows the home agent holding its size in home registrations, and no
    entry for the new home), and the entry still used after its lifetime. The clean model: nothing."""
    only = frozenset({pid})
    found = run_plan(plan, draws, mutant, only, setup)
    assert [v.property for v in found][:1] == [pid]
    assert run_plan(plan, draws, None, only, setup) == []


@pytest.mark.parametrize(
    ("mutant", "setup", "pid"),
    [
        ("backoff-no-cap", S.Setup(bindack_cap_s=S.BINDACK_CAP_S), "MN-BACKOFF"),
        ("cn-retx-forever", S.Setup(retx_stop=True), "MN-CN-RETX-STOP"),
    ],
    ids=["lower-cap", "retx-at-max-stop"],
)
def test_the_backoff_cap_and_past_it(mutant: str, setup: S.Setup, pid: str) -> None:
    """§9.4, §9.5, §9.7: with the cap configured at 16 s the back-off reaches it, and must stay there,
    within the update's Lifetime; under the C13 `stop` reading a home registration stops at the
    default cap (511 s in, before its 600 s Lifetime ends). The clean model is flagged by no judge."""
    only = frozenset({"MN-BACKOFF", "MN-CN-RETX-STOP", "MN-HOME-RETX"})
    choices = {"mn": "MN", "link": "LA", "wait": 1100, "peer": "HA"}
    found = run_plan("blackout", choices, mutant, only, setup)
    assert pid in [v.property for v in found]
    assert run_plan("blackout", choices, None, None, setup) == []


class _FirstEntry(FixedDraws):
    """Fixed draws, and the first of the entries a plan offers."""

    def draw(self, strategy: Any, label: str | None = None) -> Any:
        if label == "entry":
            while not hasattr(strategy, "elements"):
                strategy = strategy.wrapped_strategy
            return list(strategy.elements)[0]
        return super().draw(strategy, label)


def test_a_bad_acknowledgement_answers_the_update_the_node_waits_on() -> None:
    """§9.10: the plan's acknowledgement comes from the address the update went to (the home agent's
    on the home link) and reaches the node before the real one, while the update is outstanding."""
    from mip6check.model.net import Kind
    from mip6check.model.roles.events import BindingAckReceived

    head = S.topology(S.Setup())
    world = default_world(head, None)
    world.apply(A.RunUntil(1000))
    c = K.Ctx(world, S.DEFAULT_PLACE, 1000, S.mobiles(head), 0, keys=head.keys)
    choices = {"mn": "MN", "link": "LA", "ba": "reject", "then": 100, "lose the real one": False}
    for step in K.PLANS["bad-ba"](c, _FirstEntry(choices)):  # type: ignore[arg-type]
        world.apply(step)
    acks = [
        r.event
        for r in world.net.log.records
        if r.kind is Kind.EVENT and isinstance(r.event, BindingAckReceived)
    ]
    assert acks and acks[0].status == 129 and acks[0].outcome == "REJECTED"
    assert acks[0].source == S.addr_in(S.PREFIXES["LH"], 1)


@pytest.mark.parametrize(
    ("mutant", "kind", "setup", "length", "pid"),
    [
        ("ba-auth-unchecked", "no-auth", S.Setup(), 0, "MN-BA-VALIDATE"),
        ("ba-length-unchecked", "short", S.Setup(ba_min_length=12), 11, "W-BA-MINLEN"),
    ],
)
def test_an_acknowledgement_to_ignore_is_caught_when_the_real_one_is_lost(
    mutant: str, kind: str, setup: S.Setup, length: int, pid: str
) -> None:
    """§9.10: a node that acts on an unauthenticated acknowledgement, or (B2's literal reading,
    Option Length >= 12) on an 11-octet one, stops retransmitting; with the real acknowledgement
    lost that shows by MAX_BINDACK_TIMEOUT. The clean node, and a run that delivers the real one,
    are flagged by neither judge."""
    only = frozenset({"MN-BA-VALIDATE", "W-BA-MINLEN"})
    choices: dict[str, Any] = {"mn": "MN", "link": "LA", "ba": kind, "length": length}
    lost = {**choices, "lose the real one": True}
    found = run_plan("bad-ba", lost, mutant, only, setup, _FirstEntry)
    assert [v.property for v in found][:1] == [pid]
    assert run_plan("bad-ba", lost, None, only, setup, _FirstEntry) == []
    kept = {**choices, "lose the real one": False, "then": 9000}
    assert run_plan("bad-ba", kept, mutant, only, setup, _FirstEntry) == []


@pytest.mark.parametrize("id_length", [0, 64])
def test_a_home_agent_that_defends_a_home_after_its_deregistration(id_length: int) -> None:
    """§8.3: an H update with Lifetime 0 for a home the home agent never served deletes nothing and
    starts nothing; a home agent that stores it as a registration (lifetime0-keeps-entry) multicasts
    Neighbor Advertisements for the home (§8.2's defence) before its entry lapses: HA-DEREG. The clean
    model is not flagged, with or without a registration first."""
    only = frozenset({"HA-DEREG", "BC-DELETE"})
    draws = {"id length": id_length, "de-registration": "lifetime 0"}
    found = run_plan(
        "dereg-idlen", {**draws, "registered first": False}, "lifetime0-keeps-entry", only
    )
    assert [v.property for v in found][:1] == ["HA-DEREG"]
    assert "Neighbor Advertisement" in found[0].message
    for first in (False, True):
        assert run_plan("dereg-idlen", {**draws, "registered first": first}, None, only) == []


def test_a_refusal_with_room_is_judged_by_the_receivers_own_cache_size() -> None:
    """§7.3, §7.7 (BC-CREATE): a correspondent with a Binding Cache of 2 beside a home agent with the
    default size refuses the attacker's first binding with 131 (never-create): the judge knows each
    node's own size, so it sees the room (one size for all nodes was needed before)."""
    only = frozenset({"BC-CREATE"})
    draws = {"receiver": "CN", "then": "none"}
    found = run_plan("bind-use", draws, "never-create", only, S.Setup(cn_capacity=2))
    assert [v.property for v in found][:1] == ["BC-CREATE"]
    assert run_plan("bind-use", draws, None, only, S.Setup(cn_capacity=2)) == []


@pytest.mark.parametrize("peer", ["CN", "HA"])
def test_an_answer_held_back_by_the_slow_rate_is_not_late(peer: str) -> None:
    """§9.11 against §9.8: eight Binding Requests 0.6 s apart reach MAX_FAST_UPDATES, and the answer
    to a later one waits SLOW_UPDATE_RATE after the last update; the node's traffic meanwhile shows it
    alive. MN-BR-ANSWER's judge counts its time from when §9.8 lets the update go, so the clean node
    is not flagged (it was, with the 5 s counted from the request); the injected requests count as
    received by the node that consumed them."""
    draws = {"mn": "MN", "link": "LA", "peer": peer, "requests": 8, "gap": 600}
    assert run_plan("br-burst", draws, None, frozenset({"MN-BR-ANSWER"})) == []
