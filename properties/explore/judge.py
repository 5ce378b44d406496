"""The catalog's judges over one running scenario (a machine run, a counterexample's re-run): runtime
monitors on the event log and snapshots, replay observers on the packets each node consumed."""

from __future__ import annotations

from typing import Any

from mip6check.model.addr import fmt
from mip6check.model.codec.values import IPv6Packet
from mip6check.model.dsl import ast as A
from mip6check.model.net import Kind
from mip6check.model.roles.events import BindingProcessed, BindingUpdateSent, RoleEvent, Transmit
from mip6check.properties.explore.coverage import Coverage
from mip6check.properties.explore.driver import Runner
from mip6check.properties.monitors import MonitorSet
from mip6check.properties.receipt import (
    ACK_RULES,
    ANSWER_RULES,
    COUNTED_RULES,
    HELD_RULES,
    RECEIPT_RULES,
    UNSENT_RULES,
    SenderQueue,
    packet_key,
    resting_on,
)
from mip6check.properties.replay.facts import facts_of
from mip6check.properties.replay.observer import Observer, carries_ba
from mip6check.properties.replay.options import ReplayOptions
from mip6check.properties.verdict import Violation

OBSERVER_GAPS: dict[str, str] = {}
"""Observer judgements known to be wrong on simulated runs: left out of the machines (and said so).
Empty: the home agent's early Neighbor Advertisements and its solicitations during a de-registration
are judged correctly by replay now (captures ha-na-before-ba, ha-ns-during-dereg)."""


class Judge:
    """The catalog's judges over one running scenario: runtime monitors on the event log and snapshots,
    replay observers on the packets each node consumed. Injected packets are followed across hops: a
    breach they show is the injector's, and a forged BU is not taken as the mobile node's own."""

    def __init__(self, head: A.Scenario, world: Runner, only: frozenset[str] | None) -> None:
        self.world = world
        self.only = only
        self.monitors = MonitorSet(config=world.net.config, only=only)
        self.observer: Observer | None = observer_for(head, world)
        self._fed = 0
        self._packets = 0
        self._injected_frames: set[int] = set()
        self._injected_keys: set[object] = set()
        self._injected_packets: set[int] = set()
        self._impersonated: dict[int, str] = {}  # injected packet (observer number) -> its source
        self._lost_packets: set[int] = set()  # observer numbers of packets the link lost
        self.homes = {n.home for n in head.nodes if isinstance(n, A.Mobile)}
        # every address a mobile node named in its Binding Updates (homes, care-of addresses, a
        # previous care-of address as the home of a §9.6 update): a forged BU claiming one is not its own
        self._mn_addresses: set[bytes] = set(self.homes)
        self._queue = SenderQueue()  # the BUs each node sent that left it late, or never
        self._sent_unicast: dict[int, int] = {}  # frame -> observer number of the packet it carries
        # packet key -> observer numbers of its sendings not yet arrived (identical packets, e.g. one
        # datagram sent three times, each wait for an arrival of their own)
        self._unconsumed: dict[object, list[int]] = {}
        self._origin: dict[object, int] = {}  # packet key -> observer number of its last sending
        self._fed_frames: set[int] = set()
        self._fed_at: dict[object, int] = {}
        self._frame_of: dict[int, int] = {}  # observer packet number -> capture frame (1-based)
        # injected Binding Updates claiming a mobile node's home, kept from the observers: (receiver,
        # home, Sequence Number); one the receiver accepts changes a binding the observers never saw
        self._spoofed: set[tuple[str, bytes, int]] = set()
        self._withheld: dict[object, bool] = {}  # packet keys of their answers, not judged either
        # packet key -> observer number, once it reached its end; that number -> when (ms)
        self._delivered: dict[object, int] = {}
        self._delivered_at: dict[int, int] = {}

    def frame(self, v: Violation) -> int | None:
        """The capture frame (1-based, as `decode` and `replay` count) an observer's verdict is about;
        None for a runtime monitor's (its verdicts rest on role events, not on one packet)."""
        return self._frame_of.get(v.packet) if v.packet is not None else None

    def stop_observing(self) -> None:
        """The cast the observers were given no longer holds (e.g. the home link was renumbered)."""
        self.observer = None

    def step(self, cov: Coverage | None = None) -> list[Violation]:
        """Judge the log records since the last call and the state now; every violation so far.

        A packet a node originates is judged as it is put on its first link, as a capture beside its
        sender shows it: in the sender's order, at the sender's time (link delay, reordering and a
        router's neighbour-discovery queue are no part of the sender's conduct, §9.7, §9.8). Until
        it reaches a node, a verdict resting on it having arrived is not charged (nor ever, when a
        link lost it on any hop). Multicast is judged as sent; packets put on a link from outside any
        node (injected) and forwarded ones whose origin was not seen are judged where they end."""
        net = self.world.net
        recs = net.log.records
        fast = net.config.max_fast_updates
        obs = self.observer
        for r in recs[self._fed :]:
            self._queue.feed(r)
            if r.kind is Kind.EVENT and r.event is not None and hasattr(r.event, "node"):
                ev: RoleEvent = r.event  # type: ignore[assignment]
                self.monitors.feed(r.time, ev)
                if isinstance(ev, BindingUpdateSent) and len(self._mn_addresses) < 4096:
                    self._mn_addresses |= {ev.home, ev.coa}
                if (
                    isinstance(ev, BindingProcessed)
                    and ev.cache_changed
                    and (ev.node, ev.home, ev.seq) in self._spoofed
                ):
                    # the observers' view of this binding no longer holds (§7.3, §7.4, §8.2, §8.3):
                    # what follows for the home would be judged against a state they never saw
                    self.stop_observing()
                    obs = None
                if cov is not None:
                    cov.event(ev, fast)
            elif r.kind is Kind.INJECT and r.frame is not None:
                self._injected_frames.add(r.frame)
            elif r.kind is Kind.LOST and r.frame in self._sent_unicast:
                self._lost_packets.add(self._sent_unicast.pop(r.frame))  # on any hop
            elif r.kind is Kind.TX and isinstance(r.event, Transmit):
                pkt = r.event.packet
                if obs is None:
                    continue
                if pkt.dst[0] != 0xFF:
                    if r.node is None or r.frame is None:
                        continue
                    key = packet_key(pkt)
                    if not originated(self.world, r.node, pkt):
                        if key in self._origin:  # a forwarded copy: its loss is the original's
                            self._remember(self._sent_unicast, r.frame, self._origin[key])
                        continue  # else judged where it ends
                    if self._answers_withheld(r.node, pkt):
                        # its update was kept from the observers: so is the answer, on every hop
                        self._remember(self._withheld, key, True)
                        continue
                    n = self._feed(obs, cov, r.frame, r.time, pkt)
                    self._remember(self._sent_unicast, r.frame, n)
                    waiting = self._unconsumed.pop(key, [])
                    self._remember(self._unconsumed, key, [*waiting[-15:], n])
                    self._remember(self._origin, key, n)
                else:  # multicast is judged as sent (a link with no listener still carries it)
                    self._feed(obs, cov, r.frame, r.time, pkt)
            elif r.kind is Kind.RX and isinstance(r.event, IPv6Packet):
                pkt = r.event
                key = packet_key(pkt)
                inner = pkt.payload if isinstance(pkt.payload, IPv6Packet) else None
                if r.frame in self._injected_frames:
                    self._injected_keys.add(key)
                injected = key in self._injected_keys or (
                    inner is not None and packet_key(inner) in self._injected_keys
                )
                if injected:
                    self._injected_keys.add(key)  # a tunnelled or forwarded copy of one
                if not injected:
                    arrived = self._unconsumed.get(key)
                    if arrived:  # one of them reached a node: the next hop, or its end
                        arrived.pop(0)
                        if not arrived:
                            del self._unconsumed[key]
                if obs is None or not consumed(self.world, r.node, pkt) or key in self._withheld:
                    continue
                if key in self._origin:
                    self._remember(self._delivered, key, self._origin[key])
                    if self._origin[key] not in self._delivered_at:
                        self._remember(self._delivered_at, self._origin[key], r.time)
                    if carries_ba(pkt):  # when it reached the mobile node (§9.7, §9.10)
                        obs.copy_seen(r.time * 1_000_000, pkt)
                if not injected and key in self._origin:
                    continue  # judged when it was sent
                if r.frame in self._fed_frames:
                    continue  # a link-layer duplicate of a frame already judged (link `dup`)
                if r.frame is not None:
                    self._fed_frames.add(r.frame)
                last = self._fed_at.get(key)
                if last is not None and r.time - last < DUP_WINDOW_MS:
                    continue  # a duplicate made upstream and forwarded as a separate frame
                self._fed_at[key] = r.time
                if pkt.dst[0] == 0xFF and r.frame not in self._injected_frames:
                    continue  # judged when it was sent
                f = facts_of(inner or pkt)
                if (
                    injected
                    and f.bu is not None
                    and (f.hao is None or f.hao.home_address in self._mn_addresses)
                ):
                    if f.hao is not None and r.node is not None and len(self._spoofed) < 4096:
                        self._spoofed.add((r.node, f.hao.home_address, f.bu.seq))
                    continue  # a forged BU would be taken as the mobile node's own (its HAO)
                n = self._feed(obs, cov, r.frame, r.time, pkt)
                if injected:
                    self._injected_packets.add(n)
                    if len(self._impersonated) < 4096:
                        self._impersonated[n] = fmt((inner or pkt).src)
                    # fed as its addressee consumed it: received (a request owed an answer, §9.11)
                    self._remember(self._delivered, key, n)
                    if n not in self._delivered_at:
                        self._remember(self._delivered_at, n, r.time)
        self._fed = len(recs)
        self.monitors.check_state(net.now, net.log.snapshots(net.now))
        found = list(self.monitors.violations)
        if obs is not None:
            pending = {n for ns in self._unconsumed.values() for n in ns}
            delivered = set(self._delivered.values())
            found += [
                v
                for v in obs.violations
                if (self.only is None or v.property in self.only)
                and v.packet not in self._injected_packets
                # a packet injected in a node's name is not that node's word: no verdict about the
                # node rests on it (a forged acknowledgement "from" a home agent says nothing of
                # the home agent's cache)
                and not any(self._impersonated.get(p) == v.node for p in v.related)
                # the sender's own conduct is judged on what it sent; a verdict resting on a packet
                # having reached its addressee (an acknowledgement lost, or not there yet) is not
                and not any(
                    p in self._lost_packets or p in pending
                    for p in resting_on(v.property, v.related)
                )
                and (v.property not in RECEIPT_RULES or all(p in delivered for p in v.related))
                # a packet owed an answer that reached a router and no further was not received
                and (v.property not in ANSWER_RULES or any(p in delivered for p in v.related))
                and (v.property not in ACK_RULES or not v.related or self._arrived(v))
                and v.property not in OBSERVER_GAPS
                and not self._sender_queue_excuses(v)
            ]
        return found

    def _answers_withheld(self, node: str, pkt: IPv6Packet) -> bool:
        """A Binding Acknowledgement `node` sent for an injected update the observers were not given
        (one claiming a mobile node's home, `_spoofed`): fed alone, it would look like an answer to no
        update (BC-BA-SEQ) or to the mobile node's own."""
        if not self._spoofed:
            return False
        inner = pkt.payload if isinstance(pkt.payload, IPv6Packet) else pkt
        f = facts_of(inner)
        return f.ba is not None and (node, f.final_dst, f.ba.seq) in self._spoofed

    def _arrived(self, v: Violation) -> bool:
        """Had the acknowledgement a §9.10 verdict rests on (its last related packet) reached the
        mobile node by the verdict's time?"""
        at = self._delivered_at.get(v.related[-1])
        return at is not None and (v.time is None or at <= v.time * 1000)

    def _sender_queue_excuses(self, v: Violation) -> bool:
        """The mobile node's own sending (properties/receipt.py): a Binding Update it owed (§9.4, §9.5,
        §9.11) and sent that never left it (no route; address resolution failed, RFC 2461 §7.2.2) was
        lost; a §9.8 gap shortened by the earlier update's wait in its address-resolution queue is
        the runtime monitor's to judge, at the times the node sent them."""
        at = self._frame_of.get(v.packet) if v.packet is not None else None
        related = [self._frame_of.get(p) for p in v.related]
        if v.property in HELD_RULES:
            return self._queue.held_before(at, [f for f in related if f is not None])
        if v.property in UNSENT_RULES:
            return self._queue.dropped_answer(v.node, related, at, v.property in COUNTED_RULES)
        return False

    @staticmethod
    def _remember(table: dict[Any, Any], key: Any, n: Any) -> None:
        """Keep `key -> n` in a bounded table (oldest entries go first)."""
        table.pop(key, None)
        table[key] = n
        if len(table) > 4096:
            table.pop(next(iter(table)))

    def _feed(
        self, obs: Observer, cov: Coverage | None, frame: int | None, time: int, pkt: IPv6Packet
    ) -> int:
        """Give one packet to the observers; its observer number."""
        self._packets += 1
        if frame is not None:
            self._frame_of[self._packets] = frame + 1
        if cov is not None:
            cov.packet(pkt)
        obs.packet(self._packets, time * 1_000_000, pkt)
        if cov is not None and obs.inputs:
            cov.premises_met(obs.inputs)
        return self._packets


DUP_WINDOW_MS = 100
"""Identical packets closer than this are link duplicates (a retransmission is >= 1 s later, §9.7)."""


def originated(world: Runner, node: str, pkt: IPv6Packet) -> bool:
    """Did `node` originate this packet (its own or a link-local source) rather than forward it?"""
    n = world.net.node(node)
    return pkt.src in n.addresses() or pkt.src[:2] == b"\xfe\x80"


def consumed(world: Runner, node: str | None, pkt: object) -> bool:
    """Was this received packet addressed to the node itself (not one it forwards or intercepts)?
    Each packet is then seen once, where it ends, as a capture at that node would show it."""
    if node is None or not isinstance(pkt, IPv6Packet):
        return False
    n = world.net.node(node)
    return pkt.dst in n.addresses() or pkt.dst in n.mobility.anycast() or pkt.dst[0] == 0xFF


def observer_for(head: A.Scenario, world: Runner) -> Observer:
    """The replay observer with the cast the scenario fixes (home agent, its prefixes, mobile nodes)."""
    return Observer(replay_options(head, world))


def replay_options(head: A.Scenario, world: Runner) -> ReplayOptions:
    """What `mip6check replay` is told about a scenario's capture: its switches, its cast and its
    keys, stated exactly as `simulate` states them (each home agent with its prefixes and ID Length,
    mobile nodes, correspondents that are no home agent, the Binding Cache sizes, the `key` lines)."""
    from mip6check.properties.run_keys import scenario_sas
    from mip6check.properties.scenarios import topology_of

    return ReplayOptions(
        config=world.net.config,
        topology=topology_of(world.net, head),
        sa_keys=scenario_sas(head, world.net),  # `key` lines, as `--sa` does: ICVs verified
    )
