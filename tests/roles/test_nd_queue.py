"""RFC 2461 §7.2.2 queue of an INCOMPLETE neighbour entry: a packet already waiting there is not queued
again. A Binding Update retransmitted (§9.7) while its first copy still waits for address resolution
would otherwise leave with it in one instant: two updates 0 s apart on the wire (§9.8)
(traces/regressions/mn-rate-nd-queue-duplicate.scenario)."""

from __future__ import annotations

from mip6check.model.addr import a
from mip6check.model.codec.values import IPv6Packet
from mip6check.model.roles.nd import NeighborCache, NState

SRC, DST = a("2001:db8:1::100"), a("2001:db8:1::1")


def pkt(payload: bytes) -> IPv6Packet:
    return IPv6Packet(src=SRC, dst=DST, headers=(), payload=payload)


def test_the_same_packet_waits_once_and_others_queue_in_order() -> None:
    nc = NeighborCache()
    e = nc.start("e0", DST, pkt(b"bu"), 0)
    assert e.state is NState.INCOMPLETE
    nc.start("e0", DST, pkt(b"bu"), 1000)  # the retransmission of the same update
    nc.start("e0", DST, pkt(b"data"), 1500)
    assert e.queue == [pkt(b"bu"), pkt(b"data")]
