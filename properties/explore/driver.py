"""Run a scenario AST on the forwarding engine one timeline step at a time (what the machines drive).

`BuildWorld(scenario)` builds the network with the scenario language's own builder (`model.dsl.build`:
addressing, routes, keys, home agents) and `apply(step)` plays one timeline step with the builder's
step semantics, so that a machine run and the replay of its printed `.scenario` by `mip6check simulate`
are the same run. (It uses the builder's `_Builder` and `_schedule`; a public stepwise API in
model/dsl/build.py would make this adapter two lines.)
"""

from __future__ import annotations

from dataclasses import replace
from typing import BinaryIO, Protocol

from mip6check.model.addr import Addr
from mip6check.model.dsl import ast as A
from mip6check.model.dsl import build as B
from mip6check.model.dsl.switches import config_of
from mip6check.model.errors import ModelUsageError
from mip6check.model.net import Network
from mip6check.model.roles.node import IPv6Node


class Runner(Protocol):
    """What a machine needs from a running scenario."""

    net: Network

    def apply(self, step: A.Step) -> None: ...
    def address(self, node: str) -> Addr: ...
    def addresses(self, node: str) -> tuple[Addr, ...]: ...


TIMER_FIRES_PER_INSTANT = 10_000
"""A node's timer firing this often at one simulated instant means the model's clock cannot move on
(a deadline in the past that its handler never clears); a sound run fires a handful per instant."""


class ModelLivelock(RuntimeError):
    """The model fired timers at one instant without end: a run that would never return."""


def guard_timers(net: Network, limit: int = TIMER_FIRES_PER_INSTANT) -> None:
    """Make `net` raise ModelLivelock instead of hanging when its timers keep firing at one instant
    (the network arms each node's timer through its `_fire` method; the guard wraps it)."""
    fire = net._fire
    at, count = [-1], [0]

    def guarded(node: IPv6Node, t: int) -> None:
        if t != at[0]:
            at[0], count[0] = t, 0
        count[0] += 1
        if count[0] > limit:
            raise ModelLivelock(
                f"timers fired {limit} times at {t} ms without the clock moving on (last: {node.name})"
            )
        fire(node, t)

    net._fire = guarded  # type: ignore[method-assign]


class BuildWorld:
    """The scenario language's own builder (`model.dsl.build`), driven one timeline step at a time:
    the same addressing, routes, keys and step semantics as `mip6check simulate`, so a machine run and
    the replay of its printed scenario are the same run."""

    def __init__(self, scenario: A.Scenario, capture: BinaryIO | None = None) -> None:
        self.s = scenario
        self.b = B._Builder(scenario, config_of(scenario), capture)
        self.net = self.b.build()
        guard_timers(self.net)

    def apply(self, step: A.Step) -> None:
        b = self.b
        whole = b.s
        b.s = replace(whole, timeline=(step,))
        try:
            acts = B._schedule(b)
        finally:
            b.s = whole
        for t, _, act in acts:
            act(t)

    def address(self, node: str) -> Addr:
        n = self.s.node(node)
        if n is None:
            raise ModelUsageError(f"no node {node}")
        if isinstance(n, A.Mobile):
            return n.home
        return self.b.addr[(node, n.links[0])]

    def addresses(self, node: str) -> tuple[Addr, ...]:
        """Every address the builder gave the node (one per link; a mobile node: its home address)."""
        return tuple(self.b.identities(node))


def default_world(scenario: A.Scenario, capture: BinaryIO | None = None) -> Runner:
    """The world machines and counterexamples run in."""
    return BuildWorld(scenario, capture)
