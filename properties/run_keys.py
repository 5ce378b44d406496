"""The security associations a scenario's `key` lines set up, for the replay of its run's capture: with
them, under `set auth verify`, replay checks AH ICVs in runs as `replay --sa` does on captures (§4.2,
§7.2), so the rows that need a key (W-HAO-AUTH-COVERED, MN-HAO-BEFORE-IPSEC) are judged in runs too."""

from __future__ import annotations

from mip6check.model.addr import Addr
from mip6check.model.dsl import ast as A
from mip6check.model.net.topology import Network
from mip6check.properties.replay.sa import SecurityAssociation


def _identities(scenario: A.Scenario, network: Network, name: str) -> list[Addr]:
    """The addresses a key line covers for one node: a mobile node's home address, else every address
    of the node (as the scenario builder installs keys)."""
    decl = next((n for n in scenario.nodes if n.name == name), None)
    if isinstance(decl, A.Mobile):
        return [decl.home]
    node = network.nodes.get(name)
    return sorted(node.addresses()) if node is not None else []


def scenario_sas(scenario: A.Scenario, network: Network) -> tuple[SecurityAssociation, ...]:
    """One HMAC-SHA1-96 association per (address of A, address of B) of each `key A B "secret"`."""
    out: list[SecurityAssociation] = []
    for k in scenario.keys:
        secret = k.secret.encode()
        for x in _identities(scenario, network, k.a):
            for y in _identities(scenario, network, k.b):
                out.append(SecurityAssociation(x, y, "hmac-sha1-96", secret))
    return tuple(out)


__all__ = ["scenario_sas"]
