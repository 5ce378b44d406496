"""Which packets reached their addressee: the run judges (simulate, the scenario corpus) and the
Hypothesis judge excuse a verdict resting on a packet that never arrived."""

from __future__ import annotations

from mip6check.model.codec.values import IPv6Packet, Routing0

RECEIPT_RULES = frozenset({"MN-ICMP-PP2-STOP"})
"""Rules on what a node does after it received a packet (§9.9: a Parameter Problem code 2): charged
only when that packet reached the node, not when a router still held it (or dropped it) because the
node had left the link it was addressed to."""


def packet_key(pkt: IPv6Packet) -> object:
    """What identifies a packet across hops: source, headers other than Routing, and payload (the hop
    limit and a Routing header's swap change on the way)."""
    hs = tuple(h for h in pkt.headers if not isinstance(h, Routing0))
    return (pkt.src, hs, pkt.payload)


__all__ = ["RECEIPT_RULES", "packet_key"]
