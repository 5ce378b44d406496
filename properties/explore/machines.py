"""Stateful Hypothesis over the forwarding engine.

`MobilityMachine` builds one small network per example (home link with the home agent, two or three
foreign links, a correspondent and maybe a legacy one, one or two mobile nodes, an off-path attacker)
and drives it with rules that are scenario timeline steps: move (and back home), send data, drop the
next frames on a link, advance time (toward the network's deadlines, lifetime edges, back-off and rate
limit instants), fill caches, inject forged / replayed / stale / malformed / unauthenticated Binding
Updates, Acknowledgements and Requests. After every step the catalog's monitors (`MonitorSet` over the
engine's log, `check_state` on snapshots) run as invariants. Every executed step is kept as a DSL step,
so the shrunk failing run prints as a `.scenario` that replays it (properties/explore/counterexample.py).

`explore(...)` runs the machine under a budget and returns what it found and what it exercised;
`verify`'s entry point over these searches is properties/explore/engine.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from typing import Any, BinaryIO

from hypothesis import HealthCheck, Phase, Verbosity, settings, target
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import Flaky
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from mip6check.model.addr import Addr, Prefix
from mip6check.model.dsl import ast as A
from mip6check.model.net import Kind
from mip6check.model.roles.events import BindingProcessed, BindingUpdateSent, NodeSnapshot
from mip6check.properties.catalog import CATALOG
from mip6check.properties.explore import strategies as S
from mip6check.properties.explore.attacks import AttackRules, aimed_auth
from mip6check.properties.explore.coverage import JUDGED, Coverage
from mip6check.properties.explore.driver import Runner, default_world
from mip6check.properties.explore.judge import OBSERVER_GAPS, Judge
from mip6check.properties.verdict import Violation
from mip6check.properties.watchdog import crash_text

MAX_TIME = 3 * 3600 * 1000  # a run never goes past three simulated hours
SETTLE_MS = 1000  # every run starts by letting the network settle this long


# ---------------------------------------------------------------- budgets


@dataclass(frozen=True, slots=True)
class Budget:
    """How hard to search: examples (runs of the machine) and steps per run."""

    name: str
    max_examples: int
    steps: int


BUDGETS: dict[str, Budget] = {
    "ci": Budget("ci", max_examples=25, steps=20),
    "long": Budget("long", max_examples=400, steps=60),
    "test": Budget("test", max_examples=8, steps=15),
}


def hypothesis_settings(budget: Budget, seed: int | None, shrink: bool = True) -> settings:
    """Derandomised when no seed is given (the CI profile); no database, no deadline, no health checks
    (runs are deterministic and long by nature), no explain phase (it depends on timing)."""
    return settings(
        max_examples=budget.max_examples,
        stateful_step_count=budget.steps,
        deadline=None,
        database=None,
        derandomize=seed is None,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.explicit, Phase.generate, Phase.shrink)
        if shrink
        else (Phase.explicit, Phase.generate),
        report_multiple_bugs=False,
        print_blob=False,
        verbosity=Verbosity.quiet,
    )


# ---------------------------------------------------------------- failures


class PropertyViolated(AssertionError):
    """A monitor flagged a property during a machine run (what Hypothesis shrinks)."""

    def __init__(self, violation: Violation) -> None:
        super().__init__(f"{violation.property} (§{violation.section}): {violation.message}")
        self.violation = violation


class ModelCrashed(AssertionError):
    """The engine raised while running steps the machine chose (principle 7: a bug in the model)."""


@dataclass(frozen=True, slots=True)
class Failure:
    """A failing run: the scenario that replays it (timeline included), what broke, after how many steps."""

    scenario: A.Scenario
    violation: Violation | None
    error: str | None
    steps: int
    trace: str | None = None  # the traceback when the model raised (error is set)


@dataclass
class Recorder:
    """Shared by every example of one exploration: coverage and the last failure seen (Hypothesis runs
    the shrunk example last, so that is the minimal one)."""

    only: frozenset[str] | None
    coverage: Coverage = field(default_factory=Coverage)
    failure: Failure | None = None
    make_world: Callable[[A.Scenario, BinaryIO | None], Runner] = default_world
    start: Any = None  # a capture's start (properties/explore/from_capture.Start), else None


# ---------------------------------------------------------------- the machine


class MobilityMachine(AttackRules, RuleBasedStateMachine):
    """One network per example; rules are timeline steps and targeted plans (AttackRules); the
    monitors are the invariants."""

    recorder: Recorder = Recorder(None)

    def __init__(self) -> None:
        super().__init__()
        self.world: Runner | None = None
        self.head = A.Scenario()
        self.steps: list[A.Step] = []
        self.now = 0
        self.judge: Judge | None = None
        self._flow = 0
        self.renumbered = True  # set False once the network is built
        self.setup = S.Setup()
        self.place = S.DEFAULT_PLACE
        self._fresh = 0

    # ------------------------------------------------------------ plumbing

    def _rec(self) -> Recorder:
        return type(self).recorder

    def _aimed(self) -> frozenset[str] | None:
        return self._rec().only

    def _fail(
        self, violation: Violation | None, error: str | None, trace: str | None = None
    ) -> None:
        steps = tuple(self.steps)
        end = (
            A.RunUntil(self.now)
            if not steps or steps[-1].time != self.now or not isinstance(steps[-1], A.RunUntil)
            else None
        )
        timeline = steps + ((end,) if end is not None else ())
        expect: tuple[A.Expectation, ...] = ()
        if violation is not None:
            expect = (A.ExpectProperty(violation.property, True),)
        sc = A.Scenario(
            links=self.head.links,
            nodes=self.head.nodes,
            routes=self.head.routes,
            keys=self.head.keys,
            switches=self.head.switches,
            seed=self.head.seed,
            choices=self.head.choices,
            timeline=timeline,
            expectations=expect,
        )
        self._rec().failure = Failure(sc, violation, error, len(self.steps), trace)

    def _do(self, rule_name: str, step: A.Step) -> None:
        assert self.world is not None
        self.steps.append(step)
        rec = self._rec()
        rec.coverage.rules[rule_name] += 1
        rec.coverage.steps += 1
        try:
            self.world.apply(step)
        except Exception as e:  # noqa: BLE001 - any exception out of the engine is a model bug
            self.now = max(self.now, step.time)
            self._fail(None, f"{type(e).__name__}: {e}", crash_text(e))
            raise ModelCrashed(f"the engine raised on {step!r}: {type(e).__name__}: {e}") from e
        self.now = max(self.now, step.time)

    @property
    def net_now(self) -> int:
        assert self.world is not None
        return self.world.net.now

    def _snap(self) -> dict[str, NodeSnapshot]:
        assert self.world is not None
        return self.world.net.log.snapshots(self.net_now)

    def _mn_seq(self, mn: str, dest: Addr | None = None) -> int | None:
        snap = self._snap().get(mn)
        if snap is None:
            return None
        for b in snap.bul:
            if dest is None or b.destination == dest:
                return b.seq
        return None

    # ------------------------------------------------------------ setup

    @initialize(setup=S.setups, data=st.data())
    def build(self, setup: S.Setup, data: st.DataObject) -> None:
        setup = aimed_auth(S.aimed_setup(setup, self._rec().only, data), self._rec().only, data)
        self.setup = setup
        self.head = S.topology(setup)
        self.world = self._rec().make_world(self.head, None)
        self.judge = Judge(self.head, self.world, self._rec().only)
        self.mns = S.mobiles(self.head)
        self.foreign = S.foreign_links(self.head)
        self.has_cn2 = self.head.node("CN2") is not None
        self.renumbered = False
        self._rec().coverage.new_example()
        # the network settles first (Router Advertisements, routes): a message injected at 0 s is
        # answered into no route, and what the receiver did with it never reaches the wire
        self._do("settle", A.RunUntil(SETTLE_MS))

    # ------------------------------------------------------------ movement (§9.2, §9.13)

    @rule(data=st.data())
    def move(self, data: st.DataObject) -> None:
        mn = data.draw(st.sampled_from(self.mns), label="mn")
        link = data.draw(st.sampled_from(self.foreign), label="link")
        self._do("move", A.Move(self.now, mn, link))

    @rule(data=st.data())
    def return_home(self, data: st.DataObject) -> None:
        mn = data.draw(st.sampled_from(self.mns), label="mn")
        self._do("return_home", A.ReturnHome(self.now, mn))

    # ------------------------------------------------------------ traffic

    @rule(data=st.data())
    def send(self, data: st.DataObject) -> None:
        cns = ["CN", "CN2"] if self.has_cn2 else ["CN"]
        mn = data.draw(st.sampled_from(self.mns), label="mn")
        cn = data.draw(st.sampled_from(cns), label="cn")
        outward = data.draw(st.booleans(), label="mn->cn")
        src, dst = (mn, cn) if outward else (cn, mn)
        count = data.draw(st.sampled_from((1, 1, 3)), label="count")
        self._flow += 1
        self._do("send", A.Send(self.now, src, dst, count=count, every=1000, flow=self._flow))
        if count > 1:
            self.now += (count - 1) * 1000

    @rule(data=st.data())
    def roam_and_talk(self, data: st.DataObject) -> None:
        """The draft's main path in one go: move, let registration happen, then a correspondent sends
        to the home address (tunnelled by the home agent, §8.4; a BU to the sender follows, §9.5; a
        legacy one answers it with Parameter Problem, §9.9), then the mobile node answers (HAO, §9.1)."""
        mn = data.draw(st.sampled_from(self.mns), label="mn")
        link = data.draw(st.sampled_from(self.foreign), label="link")
        cn = data.draw(st.sampled_from(["CN", "CN2"] if self.has_cn2 else ["CN"]), label="cn")
        self._do("roam_and_talk", A.Move(self.now, mn, link))
        self._do("roam_and_talk", A.RunUntil(self.now + 3_000))
        self._flow += 1
        self._do("roam_and_talk", A.Send(self.now, cn, mn, count=3, every=1000, flow=self._flow))
        self._do("roam_and_talk", A.RunUntil(self.now + 2_000))
        self._flow += 1
        self._do("roam_and_talk", A.Send(self.now, mn, cn, count=1, flow=self._flow))

    @rule(data=st.data())
    def drop_next(self, data: st.DataObject) -> None:
        assert self.world is not None
        link = data.draw(st.sampled_from(sorted(self.world.net.links)), label="link")
        n = data.draw(st.sampled_from((1, 2, 5)), label="n")
        self._do("drop_next", A.DropNext(self.now, n, link))

    # ------------------------------------------------------------ time (biased toward deadlines)

    def _deadlines(self) -> list[int]:
        """Instants worth stopping at: the next scheduled event, every timer, lifetime edges (+-1 ms),
        retransmission and rate-limit instants of every Binding Update List entry."""
        assert self.world is not None
        net = self.world.net
        now = net.now
        cfg = net.config
        out: set[int] = set()
        nt = net.sim.next_time()
        if nt is not None:
            out.add(nt)
        for node in net.nodes.values():
            d = node.next_deadline()
            if d is not None:
                out.add(d)
        for snap in self._snap().values():
            for e in snap.binding_cache:
                if e.expiry is not None:
                    out.update((e.expiry - 1, e.expiry, e.expiry + 1))
            for b in snap.bul:
                if b.next_retx is not None:
                    out.update((b.next_retx - 1, b.next_retx, b.next_retx + 1))
                out.update(
                    (b.last_send + cfg.max_update_rate - 1, b.last_send + cfg.max_update_rate)
                )
                out.add(b.last_send + cfg.slow_update_rate)
                if b.expiry is not None:
                    out.update((b.expiry - 1, b.expiry + 1))
        return sorted(t for t in out if now < t <= MAX_TIME)

    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        marks = self._deadlines()
        to_deadline: bool = data.draw(st.booleans(), label="to a deadline")
        t: int
        if marks and to_deadline:
            t = data.draw(st.sampled_from(marks[:12]), label="deadline")
        else:
            t = self.now + data.draw(S.small_delays, label="dt")
        t = min(max(t, self.now), MAX_TIME)
        self._do("advance", A.RunUntil(t))

    @rule(data=st.data())
    def advance_long(self, data: st.DataObject) -> None:
        """Far jumps: the 256 s back-off cap, lifetimes of minutes."""
        dt = data.draw(st.sampled_from((10_000, 60_000, 256_000, 300_000, 600_000)), label="dt")
        self._do("advance_long", A.RunUntil(min(self.now + dt, MAX_TIME)))

    # ------------------------------------------------------------ home renumbering (§8.5)

    @precondition(lambda self: not self.renumbered and self.now >= 30_000)
    @rule()
    def renumber_home(self) -> None:
        """The home link changes prefix once, late in a run: the home agent tunnels authenticated RAs
        (HA-RA-TUNNEL). The replay observers were given the old cast, so they stop judging here."""
        self.renumbered = True
        assert self.judge is not None
        self.judge.stop_observing()
        self._do(
            "renumber_home", A.Renumber(self.now, S.HOME_LINK, Prefix.parse(S.RENUMBERED_HOME))
        )

    # ------------------------------------------------------------ cache pressure (§7.7)

    @rule(data=st.data())
    def fill_cache(self, data: st.DataObject) -> None:
        """Valid Binding Updates for several homes: non-H to CN (many homes, small capacity), or H to
        the home agent (many mobile nodes' home registrations)."""
        home_reg = data.draw(st.booleans(), label="home-reg")
        n = data.draw(st.sampled_from((1, 2, 4)), label="n")
        base = data.draw(st.integers(0x300, 0x30F), label="iid")
        lifetime = data.draw(st.sampled_from((300, 2, A.INFINITY)), label="lifetime")
        # a fill over homes an earlier fill registered compares Sequence Numbers at the receiver:
        # starting points at the 2^16 wrap and the 2^15 distance test §4.3's modular order
        first = data.draw(S.seq_near(None), label="seq")
        # now and then homes on no link of the home agent's (§8.2: Status 133 for a home registration)
        off_link = data.draw(st.sampled_from((False, False, False, True)), label="off-link")
        for i in range(n):
            iid = base + 16 * i
            home = S.addr_in(self.place.off_link if off_link else self.place.home_prefix, iid)
            # from X when off-link: the answer then reaches a node, so the wire shows it
            coa: A.Endpoint = "X" if off_link else S.addr_in(self.place.attacker_prefix, iid)
            pkt = A.InjectBU(
                coa,
                "HA" if home_reg else "CN",
                home,
                seq=(first + i) % S.SEQ_MOD,
                lifetime=lifetime,
                a=True,
                h=home_reg,
                id_length=64 if home_reg else None,
            )
            self._do("fill_cache", A.Inject(self.now, self.place.attacker_link, pkt))

    # ------------------------------------------------------------ forged, stale, malformed messages

    @rule(data=st.data())
    def inject_bu(self, data: st.DataObject) -> None:
        """A Binding Update from the attacker's link: forged (wrong key), unauthenticated, stale or
        replay-like sequence numbers, short Option Length, C bit with Length 16, missing HAO."""
        assert self.world is not None
        mn = data.draw(st.sampled_from(self.mns), label="mn")
        kind = data.draw(st.sampled_from(self.setup.bu_kinds), label="kind")
        # forged and malformed updates claim a home address no mobile node holds (a cache entry the
        # fills made, or an off-link one), so that the observers judge the receiver without taking
        # them for the mobile node's own; stale and spoofed ones claim the mobile node's home
        if kind in ("stale", "spoof"):
            home = self.place.home(mn)
        else:
            home = data.draw(st.sampled_from(self.place.phantoms), label="home")
        dst_name = data.draw(st.sampled_from(("HA", "CN", "anycast")), label="dst")
        dst: A.Endpoint = self.place.anycast if dst_name == "anycast" else dst_name
        cur = self._mn_seq(mn, self.world.address(dst_name if dst_name != "anycast" else "HA"))
        seq = data.draw(S.seq_near(cur if home == self.place.home(mn) else None), label="seq")
        # the attacker's own address as source and care-of address: answers come back to it
        coa = self.world.address("X")
        src: A.Endpoint = "X"
        lifetime = data.draw(S.lifetimes, label="lifetime")
        h = dst_name == "anycast" or data.draw(st.booleans(), label="h")
        # swarm over header variants: each run enables only some, each applied or not per update,
        # so a rare one (and a rare pair: an H de-registration with ID Length 48) is drawn often
        on = {v for v in self.setup.bu_variants if data.draw(st.booleans(), label=v)}
        kw: dict[str, Any] = {"a": "no-ack" not in on, "h": h}
        if h:
            kw["id_length"] = 48 if "idlen-48" in on else 0 if "idlen-0" in on else 64
        if "dereg" in on:
            lifetime = 0
        if kind != "c-len-16" and on & {"coa-field", "coa-is-home"}:
            kw["coa"] = home if "coa-is-home" in on else coa
        if kind == "forged":
            kw["key"] = "attacker guess"
        elif kind == "no-auth":
            kw["auth"] = False
        elif kind == "short":
            kw["length"] = data.draw(S.bad_bu_lengths, label="length")
        elif kind == "c-len-16":
            kw["coa"] = coa
            kw["length"] = 16
        elif kind == "no-hao":
            kw["hao"] = False
        elif kind == "spoof":
            src = mn  # the mobile node's own address: signed with its key (an insider's stale copy)
        link = self.place.home_link if dst_name == "anycast" else self.place.attacker_link
        pkt = A.InjectBU(src, dst, home, seq, lifetime, **kw)
        self._do(f"inject_bu:{kind}", A.Inject(self.now, link, pkt))

    @rule(data=st.data())
    def inject_ba(self, data: st.DataObject) -> None:
        """A Binding Acknowledgement to a mobile node: any status, sequence numbers near the one it waits
        for, short, unauthenticated or forged."""
        assert self.world is not None
        mn = data.draw(st.sampled_from(self.mns), label="mn")
        peer = data.draw(st.sampled_from(("HA", "CN")), label="from")
        seq = data.draw(S.seq_near(self._mn_seq(mn, self.world.address(peer))), label="seq")
        status = data.draw(S.ba_statuses, label="status")
        kind = data.draw(st.sampled_from(self.setup.ba_kinds), label="kind")
        kw: dict[str, Any] = {}
        if kind == "forged":
            kw["key"] = "attacker guess"
        elif kind == "no-auth":
            kw["auth"] = False
        elif kind == "short":
            lengths = S.short_ba_lengths(self.world.net.config.ba_min_length)
            kw["length"] = data.draw(lengths, label="length")
        lifetime = data.draw(S.lifetimes, label="lifetime")
        link = self._link_of(mn)
        pkt = A.InjectBA(peer, mn, status, seq, lifetime, **kw)
        self._do(f"inject_ba:{kind}", A.Inject(self.now, link, pkt))

    @rule(data=st.data())
    def inject_br(self, data: st.DataObject) -> None:
        mn = data.draw(st.sampled_from(self.mns), label="mn")
        length = data.draw(st.sampled_from((None, 4)), label="length")
        pkt = A.InjectBR("CN", mn, length=length)
        self._do("inject_br", A.Inject(self.now, self._link_of(mn), pkt))

    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        """A recorded Binding Update or Acknowledgement sent again, byte for byte."""
        mn = data.draw(st.sampled_from(self.mns), label="mn")
        which = data.draw(
            st.sampled_from(((A.Msg.BU, mn, "HA"), (A.Msg.BU, mn, "CN"), (A.Msg.BA, "HA", mn))),
            label="msg",
        )
        msg, src, dst = which
        link = self.place.attacker_link if msg is A.Msg.BU else self._link_of(mn)
        self._do("replay", A.Inject(self.now, link, A.InjectReplay(msg, src, dst)))

    def _link_of(self, node: str) -> str:
        assert self.world is not None
        n = self.world.net.node(node)
        for iface in sorted(n.ifaces):
            ln = self.world.net.link_of(node, iface)
            if ln is not None:
                return ln
        return self.place.home_link

    # ------------------------------------------------------------ search targets

    def teardown(self) -> None:
        """Steer generation (`hypothesis.target`) toward the edges the draft's rules turn on: long
        retransmission runs (§9.7 back-off, §9.8 slow rate), many distinct acknowledgement statuses
        (§5.2), Sequence Numbers at the 2^16 wrap (§4.3), full Binding Caches (§7.7) and entries
        about to expire."""
        if self.world is None:
            return
        net = self.world.net
        retx = 0
        statuses: set[int] = set()
        for r in net.log.records:
            if r.kind is not Kind.EVENT:
                continue
            if isinstance(r.event, BindingUpdateSent) and r.event.retransmission:
                retx += 1
            elif isinstance(r.event, BindingProcessed) and r.event.ack_sent:
                statuses.add(r.event.status)
        target(float(retx), label="retransmissions")
        # every rejection code a receiver chose (§5.2, §7.5, §8.1, §8.2): the tests behind them differ
        target(float(len(statuses)), label="distinct statuses")
        snaps = net.log.snapshots(net.now)
        seqs = [b.seq for s in snaps.values() for b in s.bul]
        target(float(max((x for x in seqs if x >= 0xF000), default=0)), label="seq near 2^16")
        target(float(max((len(s.binding_cache) for s in snaps.values()), default=0)), label="cache")
        left = [
            e.expiry - net.now
            for s in snaps.values()
            for e in s.binding_cache
            if e.expiry is not None and e.expiry >= net.now
        ]
        target(-float(min(left, default=MAX_TIME)), label="entry about to expire")

    # ------------------------------------------------------------ the invariants

    @precondition(lambda self: self.world is not None)
    @invariant()
    def monitors_hold(self) -> None:
        """Every catalog monitor over the new log records, the state invariants on snapshots, and the
        replay observers over the packets each node consumed (one vantage point per packet)."""
        assert self.judge is not None
        found = self.judge.step(self._rec().coverage)
        if found:
            v = found[0]
            self._fail(v, None)
            raise PropertyViolated(v)


# ---------------------------------------------------------------- running


@dataclass(frozen=True, slots=True)
class Outcome:
    """One exploration: the failure found (shrunk), or None; coverage; wall-clock seconds."""

    failure: Failure | None
    coverage: Coverage
    seconds: float
    budget: str
    seed: int | None


class SearchInterrupted(KeyboardInterrupt):
    """Ctrl-C / SIGINT during a search: `outcome` holds the coverage reached (never a verdict)."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("interrupted")
        self.outcome = outcome


def explore(
    *,
    properties: frozenset[str] | None = None,
    budget: str = "ci",
    seed: int | None = None,
    mutant: Any = None,
    make_world: Callable[[A.Scenario, BinaryIO | None], Runner] = default_world,
    shrink: bool = True,
    start: Any = None,
) -> Outcome:
    """Run the machine under `budget` (derandomised when `seed` is None), monitors restricted to
    `properties` (None = all), optionally under a mutant's context manager; from a capture's state
    when `start` (properties/explore/from_capture.Start) is given."""
    b = BUDGETS[budget]
    rec = Recorder(properties, make_world=make_world, start=start)
    base: type[Any] = MobilityMachine
    if start is not None:
        from mip6check.properties.explore.capture_machine import CaptureMachine

        base = CaptureMachine
    machine: type[MobilityMachine] = type("MobilityMachineRun", (base,), {"recorder": rec})
    if seed is not None:
        machine = hypothesis_seed(seed)(machine)  # the documented way to seed a state machine

    def test() -> None:
        run_state_machine_as_test(machine, settings=hypothesis_settings(b, seed, shrink))

    started = time.monotonic()
    ctx = mutant.applied() if mutant is not None else nullcontext()
    found: Failure | None = None
    with ctx, _quiet():
        try:
            test()
        except (PropertyViolated, ModelCrashed, Flaky, AssertionError):
            found = rec.failure
        except KeyboardInterrupt:  # Ctrl-C: what was covered so far, and no verdict
            spent = time.monotonic() - started
            raise SearchInterrupted(Outcome(None, rec.coverage, spent, budget, seed)) from None
        except Exception as e:  # noqa: BLE001 - a judge crashed on what the model did: report it
            found = rec.failure or Failure(
                A.Scenario(), None, f"a judge raised {type(e).__name__}: {e}", 0, crash_text(e)
            )
    if found is not None and mutant is not None:  # its files are written under the same mutant
        found = replace(found, scenario=replace(found.scenario, mutant=mutant.name))
    return Outcome(found, rec.coverage, time.monotonic() - started, budget, seed)


@contextmanager
def _quiet() -> Iterator[None]:
    """Hypothesis prints the falsifying program through `report`; the caller writes files instead."""
    yield


__all__ = [
    "BUDGETS",
    "CATALOG",
    "JUDGED",
    "OBSERVER_GAPS",
    "Coverage",
    "Failure",
    "Judge",
    "MobilityMachine",
    "Outcome",
    "SearchInterrupted",
    "explore",
]
