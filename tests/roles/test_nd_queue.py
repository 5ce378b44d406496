"""RFC 2461 §7.2.2 queue of an INCOMPLETE neighbour entry: a packet already waiting there is not queued
again, and a newer Binding Update for the same binding replaces one waiting. A Binding Update
retransmitted (§9.7), or a newer one sent a second later, while the first still waits for address
resolution would otherwise leave with it in one instant: two updates 0 s apart on the wire (§9.8)
(traces/regressions/mn-rate-nd-queue-duplicate.scenario, mn-rate-nd-queue-superseded.scenario)."""

from __future__ import annotations

from mip6check.model.addr import a
from mip6check.model.codec.values import UDP, BindingUpdate, DestOptions, HomeAddress, IPv6Packet
from mip6check.model.roles.nd import NeighborCache, NState, supersedes

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


def update(seq: int, home: bytes = a("2001:db8:1::100"), payload: UDP | None = None) -> IPv6Packet:
    """A packet carrying only a Binding Update (§5.1) for `home`, from a care-of address."""
    opts = DestOptions((BindingUpdate(seq=seq, lifetime=300), HomeAddress(home)))
    coa = a("2001:db8:3::100")
    if payload is None:
        return IPv6Packet(src=coa, dst=DST, headers=(opts,))
    return IPv6Packet(src=coa, dst=DST, headers=(opts,), payload=payload)


def test_a_newer_update_replaces_the_one_still_waiting() -> None:
    """A newer Binding Update for the same binding (§9.5: the list entry already reflects it) replaces
    one still waiting, so the two never leave in one instant (§9.8, mn-rate-nd-queue-superseded);
    another binding's update and packets with an upper layer stay."""
    nc = NeighborCache()
    e = nc.start("e0", DST, update(7), 0)
    other = update(3, home=a("2001:db8:2::100"))  # a §9.6 update: another binding
    nc.start("e0", DST, other, 10)
    with_data = update(8, payload=UDP(1, 2, b"x"))
    nc.start("e0", DST, with_data, 20)
    nc.start("e0", DST, update(8), 1000)
    assert e.queue == [other, with_data, update(8)]
    assert supersedes(update(8), update(7)) and not supersedes(update(7), update(7))
