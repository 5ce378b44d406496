"""Data packets (§7.8, §7.9, §8.4, §9.1): routing by a binding, the home address option on the
way out, and packets sent to a home address without a Routing header."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from mip6check.model.addr import Addr, fmt, is_link_local, is_multicast
from mip6check.model.codec import invoking_packet
from mip6check.model.codec.values import (
    TCP,
    DestUnreachable,
    EchoReply,
    EchoRequest,
    IPv6Packet,
    NeighborAdvertisement,
    NeighborSolicitation,
    RouterAdvertisement,
    RouterSolicitation,
)
from mip6check.properties.replay.base import EVERY, ObserverBase
from mip6check.properties.replay.facts import PacketFacts, facts_of
from mip6check.properties.replay.state import Flow, Obligation
from mip6check.properties.spec.binding_cache import unreachable_persists
from mip6check.properties.spec.logic import PY
from mip6check.properties.spec.wire import ran_out


class Routing(ObserverBase):
    """BC-CREATE, BC-DELETE, BC-EXPIRE, BC-ROUTE-VIA-RH, BC-ICMP-UNREACH, HA-NO-RH-FOR-INTERCEPTED."""

    JUDGES: ClassVar[tuple[str, ...]] = (
        "W-UNKNOWN-OPT-11X",
        "BC-HAO-NO-STATE",
        "BC-CREATE",
        "BC-DELETE",
        "BC-EXPIRE",
        "BC-REJECT-NO-CACHE",
        "BC-ROUTE-VIA-RH",
        "BC-ICMP-UNREACH",
        "HA-NO-RH-FOR-INTERCEPTED",
        "MN-HAO-OUT",
    )
    """The catalog rows this family's judges flag (checked.py declares their union to the spec)."""

    def _on_data(self, f: PacketFacts) -> None:
        routed = f.rh is not None and f.rh.segments_left > 0
        if f.hao is not None and f.hao.home_address != f.src:
            key = (f.hao.home_address, f.final_dst)
            if key not in self.flows and len(self._hao_only) < self.o.limits.max_bindings:
                self._hao_only.setdefault(key, self._index)
            if not is_multicast(f.final_dst):
                self._ask(f)
        if routed:
            self._routed(f)
            return
        if f.hao is None and self._questions:
            self._answered_at_coa(f)
        if f.hao is None and f.src in self.homes:
            reg = self.reg.get(f.src)
            if (
                reg is not None
                and reg.known == "present"
                and reg.k_coa != f.src
                and self.back_home.get(f.src, 0) < (reg.k_ba or 0)  # not back home since (§9.13)
                and not isinstance(
                    f.upper, NeighborAdvertisement | NeighborSolicitation | RouterSolicitation
                )
                and not (reg.k_expiry is not None and self._t > reg.k_expiry - self.tol)
                and reg.k_bu is not None
                and not any(b.t > reg.k_bu.t for b in reg.bus)
                and not self._unseen_bu_possible(reg, reg.k_bu.t, self._t)
                and not is_link_local(f.dst)
                and not is_multicast(f.dst)
            ):
                self._flag(
                    "MN-HAO-OUT",
                    f.src,
                    f"packet with the home address as source while registered away from home with "
                    f"care-of {fmt(reg.k_coa or b'')} (packet {reg.k_ba}); it needs the care-of "
                    "source and a Home Address option",
                    (reg.k_ba or 0,),
                    section="9.1",
                )
        if f.dst in self.reg or f.dst in self.homes or (f.dst, f.src) in self._hao_only:
            self._direct_to_home(f)

    def _expect_tunnel(self, f: PacketFacts, key: tuple[Addr, Addr, object]) -> None:
        """HA-TUNNEL (§8.4): a packet to a home address registered with a home agent whose tunnels to
        the care-of address the capture shows (so the path is visible) MUST be tunnelled; judged at
        the home agent's first packet after the bound. Neighbor Discovery to the home address is
        answered by proxy (§8.2), a Hop Limit of 1 cannot be forwarded, the home agent's own packets
        take a Routing header (§8.4)."""
        reg = self.reg.get(f.dst)
        if reg is None or reg.known != "present" or reg.effect is None or reg.k_bu is None:
            return
        if f.src in (reg.dst, f.dst) or self.alias.get(f.src) == reg.dst or self._hop <= 1:
            return
        if isinstance(f.upper, _ND):
            return
        if reg.k_expiry is not None and self._t + self.forward_window > reg.k_expiry - self.tol:
            return
        if len(self.awaiting_tunnel) >= self.o.limits.recent_packets:
            self.awaiting_tunnel.pop(next(iter(self.awaiting_tunnel)))
        ob = Obligation(
            "tunnel", self._t + self.forward_window, reg, self._index, (self._index, reg.k_ba or 0)
        )
        self.awaiting_tunnel[key] = ob
        self._oblige(reg.dst, ob)

    def _ask(self, f: PacketFacts) -> None:
        """Remember a packet with a Home Address option whose answer is recognisable (an Echo Request,
        a TCP SYN): a receiver that processed the option answers the home address (§7.1)."""
        sig = _question(f.upper)
        if sig is None:
            return
        self._questions[(f.final_dst, f.src, sig)] = (self._index, self._t)
        if len(self._questions) > self.o.limits.recent_packets:
            self._questions.popitem(last=False)

    def _answered_at_coa(self, f: PacketFacts) -> None:
        """W-UNKNOWN-OPT-11X (§5.1, §5.4): an answer sent to the care-of address shows the receiver did
        not process the Home Address option (type 11xxxxxx); it MUST then have discarded the packet
        and returned an ICMP Parameter Problem, code 2, instead of answering."""
        sig = _answer(f.upper)
        if sig is None:
            return
        hit = self._questions.pop((f.src, f.dst, sig), None)
        if hit is None or self._t - hit[1] > self.o.answer_timeout:
            return
        pp = self.no_recog.get(f.src)
        self._flag(
            "W-UNKNOWN-OPT-11X",
            f.src,
            f"answered packet {hit[0]} at its source, the care-of address {fmt(f.dst)}, not at the "
            "home address of its Home Address option: it did not process the option, so it had to "
            "discard the packet and return an ICMP Parameter Problem, code 2"
            + (
                f" (it did, in packet {pp}, yet answered)" if pp is not None and pp > hit[0] else ""
            ),
            (hit[0],),
        )

    def _direct_to_home(self, f: PacketFacts) -> None:
        """A packet to a home address without a Routing header: remembered (intercepted by the HA,
        §8.4), and BC-ROUTE-VIA-RH when its sender holds a binding (§7.9) that neither ran out, nor a
        later update changed, nor persistent Destination Unreachable errors for packets routed by it
        let it delete (§7.8)."""
        # after its Routing header was processed at a care-of address (IPv6 §4.4, Segments Left 0): a
        # packet routed by a binding, seen again on its last leg to the home address
        via_rh = f.rh is not None and f.rh.segments_left == 0 and bool(f.rh.addresses)
        if len(self._direct) < self.o.limits.max_bindings and not via_rh:
            self._direct[(f.dst, f.src)] = self._index
        key = (f.src, f.dst, f.upper)
        try:
            self.recent[key] = (self._index, self._t)
        except TypeError:
            return
        if len(self.recent) > self.o.limits.recent_packets:
            self.recent.popitem(last=False)
        self._expect_tunnel(f, key)
        fl = self.flows.get((f.dst, f.src))
        if fl is None or fl.known != "present" or fl.k_home_reg or fl.k_bu is None or via_rh:
            return
        if fl.k_expiry is not None and self._t > fl.k_expiry - self.tol:
            return
        if any(b.t > fl.k_bu.t and b.seq != fl.k_bu.seq for b in fl.bus):
            return
        if unreachable_persists(self.cfg, len(fl.unreach)) and fl.unreach[-1] > (fl.k_ba or 0):
            return  # §7.8: after persistent Destination Unreachable errors it SHOULD delete it
        if self.o.topology.cache_capacity is not None:
            self._flag(
                "BC-ROUTE-VIA-RH",
                f.src,
                f"sent to {fmt(f.dst)} without a Routing header while holding the binding to "
                f"{fmt(fl.k_coa or b'')} acknowledged in packet {fl.k_ba}",
                (fl.k_ba or 0,),
            )
        else:
            # an eviction (§7.7) could explain it: remember it until the binding is used again
            if len(self._norh) < self.o.limits.max_bindings:
                self._norh[(f.dst, f.src)] = self._index

    def _routed(self, f: PacketFacts) -> None:
        """A packet routed by a binding (§7.9): BC-CREATE, BC-DELETE, BC-EXPIRE, BC-REJECT-NO-CACHE,
        BC-ROUTE-VIA-RH (the eviction explanation refuted), HA-NO-RH-FOR-INTERCEPTED."""
        r, coa, home = f.src, f.dst, f.final_dst
        try:
            hit = self.recent.get((r, home, f.upper))
        except TypeError:  # an unhashable upper layer is never remembered
            hit = None
        if hit is not None and self._t - hit[1] <= 2000:
            waiting = self.awaiting_tunnel.pop((r, home, f.upper), None)
            if waiting is not None:
                waiting.done = (
                    True  # forwarded, if not tunnelled: HA-NO-RH-FOR-INTERCEPTED's to judge
                )
            reg = self.reg.get(home)
            if reg is not None and not self._sender_may_route(self.flows.get((home, r)), coa):
                self._flag(
                    "HA-NO-RH-FOR-INTERCEPTED",
                    reg.dst,
                    f"the packet for {fmt(home)} seen in packet {hit[0]} was forwarded with an added "
                    f"Routing header to {fmt(coa)} instead of being tunnelled",
                    (hit[0],),
                    section="8.4",
                )
                return
        fl = self.flows.get((home, r))
        if fl is not None:
            self._mark_effect(fl, coa)
        if fl is None:
            self._hao_no_state(r, coa, home)
            return
        if fl.known != "present":
            self._used_past_request(fl, r, coa)
        if fl.k_bu is None:
            return
        kb = fl.k_bu

        def later_or_hidden() -> bool:
            """A BU seen after the known one, or an unseen one possible since (both pure tests,
            evaluated only where a verdict needs them)."""
            return any(b.t > kb.t and b.seq != kb.seq for b in fl.bus) or self._unseen_bu_possible(
                fl, kb.t, self._t
            )

        if fl.known == "present":
            if coa == fl.k_coa:
                if fl.effect is None:
                    fl.effect = self._index
                if unreachable_persists(self.cfg, len(fl.unreach)) and fl.unreach[-1] > (
                    fl.k_ba or 0
                ):
                    self._flag(
                        "BC-ICMP-UNREACH",
                        r,
                        f"still routes by the binding for {fmt(home)} via {fmt(coa)} after "
                        f"{len(fl.unreach)} ICMP Destination Unreachable errors for such packets "
                        f"(last in packet {fl.unreach[-1]})",
                        tuple(fl.unreach[-max(1, self.cfg.unreach_persist) :]),
                        section="7.8",
                    )
                nr = self._norh.pop((home, r), None)
                if nr is not None and not later_or_hidden():
                    self._flag(
                        "BC-ROUTE-VIA-RH",
                        r,
                        f"packet {nr} went to {fmt(home)} without a Routing header although this "
                        f"node still held the binding to {fmt(coa)} (acknowledged in packet "
                        f"{fl.k_ba}, used again here), so no cache replacement explains it",
                        (nr, fl.k_ba or 0),
                    )
                if (
                    fl.k_expiry is not None
                    and self._t > fl.k_expiry + self.tol
                    and not later_or_hidden()
                ):
                    self._flag(
                        "BC-EXPIRE",
                        r,
                        f"routed by the binding for {fmt(home)} acknowledged in packet {fl.k_ba}, "
                        f"whose lifetime ended at {fl.k_expiry / 1000:.3f} s{EVERY}",
                        (fl.k_ba or 0,),
                        section="4.3",
                    )
                return
            if later_or_hidden():
                return
            if kb.src != kb.coa and coa == kb.src and not fl.k_home_reg:
                self._flag(
                    "BC-CREATE",
                    r,
                    f"routes to {fmt(home)} via the Binding Update's source {fmt(coa)} instead of its "
                    f"care-of address {fmt(fl.k_coa or b'')} (packet {kb.index})",
                    (kb.index, fl.k_ba or 0),
                    section="7.3",
                )
            elif fl.prev_bind is not None and fl.prev_bind[0] == coa:
                self._flag(
                    "BC-CREATE",
                    r,
                    f"routes to {fmt(home)} via the superseded care-of address {fmt(coa)} after the "
                    f"Binding Update of packet {kb.index} moved it to {fmt(fl.k_coa or b'')}",
                    (kb.index, fl.k_ba or 0),
                    section="7.3",
                )
            else:
                self._reject_used(f, fl)
        elif fl.known == "absent" and not later_or_hidden():
            self._flag(
                "BC-DELETE",
                r,
                f"routed a packet for {fmt(home)} via {fmt(coa)} after the binding was deleted by the "
                f"Binding Update of packet {kb.index} (acknowledged in packet {fl.k_ba}){EVERY}",
                (kb.index, fl.k_ba or 0),
                section="7.4",
            )
        else:
            self._reject_used(f, fl)

    def _used_past_request(self, fl: Flow, r: Addr, coa: Addr) -> None:
        """BC-EXPIRE (§4.3, §7.3) without an acknowledgement: an entry lives at most the lifetime its
        Binding Update requested, so routing by `coa` after the last Binding Update naming it ran out
        (none after it, none unseen possible) uses an entry past its lifetime."""
        last = fl.last_mn_bu()
        if last is None or last.coa != coa or last.lifetime == 0 or last.coa == last.home:
            return
        end = last.t + last.lifetime * 1000
        if not ran_out(PY, last.t, last.lifetime, self._t - self.tol):
            return
        if self._unseen_bu_possible(fl, last.t, self._t):
            return
        self._flag(
            "BC-EXPIRE",
            r,
            f"routed by a binding for {fmt(fl.home)} via {fmt(coa)} after {end / 1000:.3f} s, when "
            f"the lifetime of {last.lifetime} s requested by the last Binding Update (packet "
            f"{last.index}) ran out{EVERY}",
            (last.index,),
            section="4.3",
        )

    def _sender_may_route(self, fl: Flow | None, coa: Addr) -> bool:
        """Could the packet's own source have routed it to `coa` by a binding of its own (§7.9)? Then
        it need not be the home agent's forwarded copy of the packet it intercepted (§8.4): the same
        payload sent twice by a correspondent, before and after route optimisation, is normal. It
        could when its entry is known present, or a Binding Update naming `coa` (authenticated, nonzero
        lifetime) reached it after the last known state, or one the capture did not show might have."""
        if fl is None:
            return False
        if fl.known == "present":
            return True
        since = fl.k_bu.t if fl.k_bu is not None else -1
        for b in fl.bus:
            if b.auth and b.coa == coa and b.lifetime > 0 and since <= b.t <= self._t:
                return True
        return self._unseen_bu_possible(fl, max(since, 0), self._t)

    def _hao_no_state(self, r: Addr, coa: Addr, home: Addr) -> None:
        """BC-HAO-NO-STATE (part): routing by a care-of address learnt only from Home Address options.
        No BU from that home address to this node appears, though its HAO packets, which take the same
        path, do; and the node sent to the home address directly after seeing one."""
        h = self._hao_only.get((home, r))
        d = self._direct.get((home, r))
        if h is None or d is None or d < h or self.coa_home.get(coa) not in (home, None):
            return
        self._flag(
            "BC-HAO-NO-STATE",
            r,
            f"routes to {fmt(home)} via {fmt(coa)} although no Binding Update from it appears: only "
            f"the Home Address option of packet {h}, after which it still sent directly (packet {d})",
            (h, d),
            section="5.4",
        )
        self._hao_only.pop((home, r), None)

    def _on_unreach(self, du: DestUnreachable) -> None:
        """§7.8: remember Destination Unreachable errors for packets a node routed by a binding."""
        inner, _ = invoking_packet(du.invoking, self.cfg.profile)
        if inner is None:
            return
        self._dropped(inner)
        fi = facts_of(inner)
        if fi.rh is None:
            return
        fl = self.flows.get((fi.final_dst, fi.src))
        if fl is not None and fl.known == "present" and fi.dst == fl.k_coa:
            fl.unreach.append(self._index)
            del fl.unreach[: -max(8, self.cfg.unreach_persist)]

    def _dropped(self, pkt: IPv6Packet) -> None:
        """§7.8, RFC 2463 §3.1: the packet this error quotes (or the one inside the tunnel it
        quotes) was not delivered; a message first seen earlier is remembered as undelivered."""
        while isinstance(pkt.payload, IPv6Packet):
            pkt = pkt.payload
        first = self._messages.get(replace(pkt, hop_limit=0))
        if first is not None:
            self.undelivered.add(first[0])

    def _reject_used(self, f: PacketFacts, fl: Flow) -> None:
        """BC-REJECT-NO-CACHE: a rejected BU's care-of address must not be used for routing."""
        for a in reversed(fl.bas):
            if a.status >= 128:
                bu = fl.bu_with_seq(a.seq)
                if (
                    bu is not None
                    and bu.coa == f.dst
                    and fl.known != "present"
                    and (fl.k_bu is None or fl.k_bu.t < bu.t)
                ):
                    self._flag(
                        "BC-REJECT-NO-CACHE",
                        f.src,
                        f"routes by the care-of address {fmt(f.dst)} of the Binding Update in packet "
                        f"{bu.index}, which it rejected in packet {a.index}",
                        (bu.index, a.index),
                    )
                return


def _question(up: object) -> tuple[object, ...] | None:
    """The signature its answer will carry: an Echo Request's identifier and sequence, a TCP SYN's
    ports and the acknowledgement number a SYN-ACK gives it."""
    if type(up) is EchoRequest:
        return ("echo", up.ident, up.seq)
    if type(up) is TCP and up.flags & 0x12 == 0x02:
        return ("tcp", up.sport, up.dport, (up.seq + 1) % 2**32)
    return None


def _answer(up: object) -> tuple[object, ...] | None:
    """The signature of an answer (an Echo Reply, a TCP SYN-ACK), matching `_question`'s."""
    if type(up) is EchoReply:
        return ("echo", up.ident, up.seq)
    if type(up) is TCP and up.flags & 0x12 == 0x12:
        return ("tcp", up.dport, up.sport, up.ack)
    return None


_ND = (NeighborSolicitation, NeighborAdvertisement, RouterSolicitation, RouterAdvertisement)
