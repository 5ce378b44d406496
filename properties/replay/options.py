"""Replay settings: the draft reading (model.config.Config), the cast overrides, tolerances and limits.

A topology file (TOML, read with tomllib) fixes what inference would otherwise guess (§8.1, §8.2);
top-level keys come before the first table header:

    not_home_agents = ["2001:db8:3::3"] # nodes known to lack the home-agent function (§8.2: 132)
    cache_capacity = 64                 # optional: Binding Cache size of every node (§7.7)

    [[home_agent]]
    address = "2001:db8:1::1"
    prefixes = ["2001:db8:1::/64"]     # on-link home prefixes (default: the /64 of the address)
    aliases = ["2001:db8:3::1"]         # other addresses of the same node (MN-SAME-HA-FIRST)
    id_length = 64                      # interface-identifier length (§8.2 test for Status 136)

    [[mobile_node]]
    home_address = "2001:db8:1::100"
    home_agent = "2001:db8:1::1"        # optional

    [[node]]                            # optional: one node's own Binding Cache size (§7.7)
    address = "2001:db8:3::3"
    cache_capacity = 2
"""

from __future__ import annotations

import ipaddress
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from mip6check.model.addr import Addr, Prefix
from mip6check.model.config import DEFAULT, Config

MS = 1_000_000  # nanoseconds per millisecond


class TopologyError(ValueError):
    """A topology or SA file that cannot be read (the CLI reports it with exit code 2)."""


@dataclass(frozen=True, slots=True)
class HomeAgentSpec:
    address: Addr
    prefixes: tuple[Prefix, ...] = ()
    id_length: int = 64
    aliases: tuple[Addr, ...] = ()  # other addresses of the same home agent (other interfaces)


@dataclass(frozen=True, slots=True)
class Topology:
    """Cast facts given by the user; they override inference."""

    home_agents: tuple[HomeAgentSpec, ...] = ()
    home_prefixes: tuple[Prefix, ...] = ()
    mobile_nodes: tuple[tuple[Addr, Addr | None], ...] = ()  # (home address, home agent)
    not_home_agents: tuple[Addr, ...] = ()
    cache_capacity: int | None = None
    node_capacities: tuple[tuple[Addr, int], ...] = ()  # (address, Binding Cache size) per node

    def capacity_of(self, node: Addr) -> int | None:
        """The Binding Cache size of the node holding `node` (§7.7): its own, else every node's."""
        for a, cap in self.node_capacities:
            if a == node:
                return cap
        return self.cache_capacity


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounded tracking: beyond these, new nodes/bindings are not tracked (and it is reported)."""

    max_nodes: int = 50_000  # 100,000 measured ~370 MB; half keeps hostile captures under 300 MB
    max_bindings: int = 50_000
    recent_packets: int = 4_096  # packets remembered to match intercepted and forwarded copies
    max_violations: int = 100_000  # violations kept (further ones are counted as a limit hit)


@dataclass(frozen=True, slots=True)
class ReplayOptions:
    """Everything a replay run depends on. Times are integer milliseconds."""

    config: Config = DEFAULT
    topology: Topology = field(default_factory=Topology)
    clock_tolerance: int = 50
    ack_timeout: int = 2_000  # BC-BA-ON-A: a BA is due within this after the BU (§7.5)
    answer_timeout: int = 5_000  # MN-BR-ANSWER, MN-TUNNEL-TRIGGERS-BU, HA-PROXY-NS reaction time
    limits: Limits = field(default_factory=Limits)
    sa_keys: tuple[object, ...] = ()  # properties.replay.sa.SecurityAssociation values


def _addr(text: object, where: str) -> Addr:
    try:
        return ipaddress.IPv6Address(str(text)).packed
    except ValueError:
        raise TopologyError(f"{where}: {text!r} is not an IPv6 address") from None


def _prefix(text: object, where: str) -> Prefix:
    try:
        return Prefix.parse(str(text))
    except ValueError:
        raise TopologyError(f"{where}: {text!r} is not an IPv6 prefix") from None


def parse_prefix(text: str) -> Prefix:
    return _prefix(text, "--home-prefix")


def parse_addr(text: str, where: str = "--home-agent") -> Addr:
    return _addr(text, where)


def load_topology(path: str) -> Topology:
    """Read a topology TOML file (format in the module docstring). Raises TopologyError."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise TopologyError(f"{path}: cannot read: {e.strerror or e}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise TopologyError(f"{path}: not TOML: {e}") from None
    has: list[HomeAgentSpec] = []
    for i, ha in enumerate(_list(data.get("home_agent", []), path)):
        where = f"{path}: home_agent[{i}]"
        if not isinstance(ha, dict) or "address" not in ha:
            raise TopologyError(f"{where}: needs an address")
        idl = ha.get("id_length", 64)
        if not isinstance(idl, int) or not 0 <= idl <= 128:
            raise TopologyError(f"{where}: id_length must be 0..128")
        has.append(
            HomeAgentSpec(
                _addr(ha["address"], where),
                tuple(_prefix(p, where) for p in _list(ha.get("prefixes", []), where)),
                idl,
                tuple(_addr(x, where) for x in _list(ha.get("aliases", []), where)),
            )
        )
    mns: list[tuple[Addr, Addr | None]] = []
    for i, mn in enumerate(_list(data.get("mobile_node", []), path)):
        where = f"{path}: mobile_node[{i}]"
        if not isinstance(mn, dict) or "home_address" not in mn:
            raise TopologyError(f"{where}: needs a home_address")
        ha_a = _addr(mn["home_agent"], where) if "home_agent" in mn else None
        mns.append((_addr(mn["home_address"], where), ha_a))
    cap = data.get("cache_capacity")
    if cap is not None and (not isinstance(cap, int) or cap < 1):
        raise TopologyError(f"{path}: cache_capacity must be a positive integer")
    caps: list[tuple[Addr, int]] = []
    for i, nd in enumerate(_list(data.get("node", []), path)):
        where = f"{path}: node[{i}]"
        if not isinstance(nd, dict) or "address" not in nd or "cache_capacity" not in nd:
            raise TopologyError(f"{where}: needs an address and a cache_capacity")
        n_cap = nd["cache_capacity"]
        if not isinstance(n_cap, int) or isinstance(n_cap, bool) or n_cap < 1:
            raise TopologyError(f"{where}: cache_capacity must be a positive integer")
        caps.append((_addr(nd["address"], where), n_cap))
    return Topology(
        home_agents=tuple(has),
        home_prefixes=tuple(_prefix(p, path) for p in _list(data.get("home_prefixes", []), path)),
        mobile_nodes=tuple(mns),
        not_home_agents=tuple(_addr(x, path) for x in _list(data.get("not_home_agents", []), path)),
        cache_capacity=cap,
        node_capacities=tuple(caps),
    )


def _list(v: object, where: str) -> list[object]:
    if not isinstance(v, list):
        raise TopologyError(f"{where}: expected a list, got {type(v).__name__}")
    return v
