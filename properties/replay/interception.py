"""Binding Requests, ICMP Parameter Problems, Neighbor Discovery and tunnels (§8.2, §8.4, §8.5,
§9.5, §9.9, §9.11, §9.13, §10): the home agent's interception and the mobile node's answers."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from mip6check.model.addr import (
    ALL_NODES,
    Addr,
    fmt,
    is_link_local,
    is_multicast,
    is_site_local,
    link_local,
)
from mip6check.model.codec import invoking_packet
from mip6check.model.codec.values import (
    IPv6Packet,
    NeighborAdvertisement,
    NeighborSolicitation,
    ParamProblem,
    RouterAdvertisement,
)
from mip6check.properties.replay.base import EVERY, INF, ObserverBase
from mip6check.properties.replay.facts import PacketFacts, facts_of
from mip6check.properties.replay.state import Flow, Obligation
from mip6check.properties.spec.ipv6 import option_types_at
from mip6check.properties.spec.logic import PY
from mip6check.properties.spec.mobile_node import min_gap, pp2_stops_updates

QUEUED_AFTER_MS = 1000
"""A multicast solicitation for an acknowledgement's destination this soon after it shows the
acknowledgement queued for address resolution at the last hop."""


class Interception(ObserverBase):
    """HA-TUNNEL, HA-DEREG, HA-PROXY-NS, HA-GRATUITOUS-NA, SYS-NO-LOOP and the obligations they start."""

    JUDGES: ClassVar[tuple[str, ...]] = (
        "W-UNKNOWN-OPT-11X",
        "BC-HOMEREG-NOEVICT",
        "HA-GRATUITOUS-NA",
        "HA-TUNNEL",
        "HA-LOCAL-SCOPE-DROP",
        "HA-DEREG",
        "HA-RA-TUNNEL",
        "MN-RETURN-HOME",
        "MN-MCAST-INNER-SRC",
        "SYS-NO-LOOP",
    )
    """The catalog rows this family's judges flag (checked.py declares their union to the spec)."""

    def _on_br(self, f: PacketFacts) -> None:
        """§9.11: a Binding Request should be answered with a Binding Update to its source."""
        home = f.final_dst
        if f.rh is None or f.rh.segments_left == 0:
            home = self.coa_home.get(f.dst, f.dst)
        self._role(f.src, "correspondent")
        if home in self.homes:
            # §9.8: the answer may wait until the rate limits let the next update to that node go
            # (MAX_UPDATE_RATE after the last, SLOW_UPDATE_RATE once MAX_FAST_UPDATES went out)
            start = self._t
            fl = self.flows.get((home, f.src))
            last = fl.last_mn_bu() if fl is not None else None
            if fl is not None and last is not None:
                start = max(start, last.t + int(min_gap(PY, fl.fast_max, self.cfg)))
            self._oblige(
                home,
                Obligation(
                    "br-answer",
                    start + self.o.answer_timeout,
                    None,
                    self._index,
                    (self._index,),
                    extra=f.src,
                ),
            )

    def _on_pp(self, f: PacketFacts, pp: ParamProblem) -> None:
        """§9.9, IPv6 §4.2: Parameter Problem code 2 for a BU stops BUs to that node."""
        if pp.code != 2:
            return
        inner, _ = invoking_packet(pp.invoking, self.cfg.profile)
        if inner is None:
            return
        fi = facts_of(inner)
        at = option_types_at(pp.invoking).get(pp.pointer)
        if is_multicast(fi.dst) and at is not None and at >> 6 == 3:
            # a 10xxxxxx option draws code 2 whatever the destination (IPv6 §4.2, RFC 2463 §2.4 (e.3))
            self._flag(
                "W-UNKNOWN-OPT-11X",
                f.src,
                "ICMP Parameter Problem sent for a packet to a multicast destination; an unknown "
                "option of type 11xxxxxx is discarded silently there",
                section="5.1",
            )
        if at is None or at >> 6 < 2:
            what = "no option" if at is None else f"option type {at}, skipped when unknown"
            self._flag(
                "W-UNKNOWN-OPT-11X",
                f.src,
                f"ICMP Parameter Problem code 2 with Pointer {pp.pointer}, which designates {what}; "
                "code 2 points at an unrecognised option of type 10xxxxxx or 11xxxxxx (IPv6 §4.2)",
                section="5.1",
            )
        if fi.bu is None and not any(u.opt_type >> 6 == 3 for u in fi.unknown):
            return
        home = fi.hao.home_address if fi.hao is not None else fi.src
        fl = self.flows.get((home, fi.final_dst))
        if fl is not None and pp2_stops_updates(self.cfg, pp.pointer, pp.invoking):
            fl.pp2 = self._index
        if len(self.no_recog) < self.o.limits.max_nodes:
            self.no_recog.setdefault(f.src, self._index)

    def _on_na(self, f: PacketFacts, na: NeighborAdvertisement) -> None:
        """HA-GRATUITOUS-NA (§8.2), MN-RETURN-HOME (§9.13), HA-PROXY-NS (§8.2)."""
        self._add(self.nd_senders, f.src, "nd_senders")
        tgt = na.target
        self._done(f.src, "proxy-ns", extra=tgt)
        for idx, _t in self._ba_to.get(tgt, ()):
            if idx in self.held and self.held[idx] is None and self._resolving[idx] != f.src:
                self.held[idx] = self._t  # answered: the queued acknowledgement goes on now
        home_reg = self.reg.get(tgt)
        if home_reg is not None and f.src in (tgt, link_local(tgt)):
            # the mobile node answers for its home address itself: it is back on the home link
            # (§9.13), where a proxy answer from its home agent (§8.2) would only contend with it
            self._done(home_reg.dst, "proxy-ns", extra=tgt)
        elif home_reg is not None and is_link_local(f.src) and not is_multicast(f.dst):
            # a proxy answer from a link-local address: the home agent's interface on that link
            # (RFC 2461 §7.2.4 lets it answer from any of its addresses; the capture cannot tie
            # that address to the one the registration was sent to)
            self._done(home_reg.dst, "proxy-ns", extra=tgt)
        if not (is_multicast(f.dst) or f.dst == ALL_NODES):
            return
        reg = self.reg.get(tgt)
        # the mobile node's own: from the home address, or the link-local address with its interface
        # identifier (no other node on the home link can hold that one)
        own = f.src == tgt or f.src == link_local(tgt)
        # every target, not only declared homes: a previous router serving an old care-of address
        # as its temporary home agent (§9.6) may advertise it before its acknowledgement (§8.2)
        if tgt in self.na_seen or len(self.na_seen) < self.o.limits.max_nodes:
            self.na_seen[tgt] = (f.src, self._t)
            self.na_first.setdefault(tgt, self._t)
        else:
            self._hit("na_seen")
        if reg is not None and is_link_local(f.src) and not own:
            self._done(reg.dst, "gna", extra=tgt)  # the home agent may advertise from link-local
        if reg is not None and f.src == reg.dst:
            self._done(f.src, "gna", extra=tgt)
            if na.solicited or not na.override:
                self._flag(
                    "HA-GRATUITOUS-NA",
                    f.src,
                    f"gratuitous Neighbor Advertisement for {fmt(tgt)} has S = {int(na.solicited)}, "
                    f"O = {int(na.override)} (must be S = 0, O = 1)",
                    (reg.k_ba or 0,),
                )
        elif tgt in self.homes and (own or (is_link_local(f.src) and reg is None)):
            if own:
                self.back_home[tgt] = self._index
            if reg is not None:
                self._returned_home(reg, tgt)
            if na.solicited or not na.override:
                self._flag(
                    "MN-RETURN-HOME",
                    tgt,
                    f"unsolicited Neighbor Advertisement for the home address {fmt(tgt)} has "
                    f"S = {int(na.solicited)}, O = {int(na.override)} (must be S = 0, O = 1)",
                    section="9.13",
                )

    def _returned_home(self, reg: Flow, home: Addr) -> None:
        """MN-RETURN-HOME (§9.13): the mobile node advertises its home address from it (it is back on
        the home link) while its home registration is known: it MUST de-register with a Binding
        Update (H, A, Lifetime 0 or care-of = home) within the answer bound, unless it already did."""
        last = reg.last_mn_bu()
        if last is not None and (last.lifetime == 0 or last.coa == last.home):
            return
        if reg.k_expiry is not None and self._t > reg.k_expiry - self.tol:
            return
        if any(ob.kind == "dereg" for ob in self.oblig.get(home, ())):
            return
        self._oblige(
            home,
            Obligation(
                "dereg",
                self._t + self.o.answer_timeout,
                reg,
                self._index,
                (self._index, reg.k_ba or 0),
                extra=reg.dst,
            ),
        )

    def _on_ns(self, f: PacketFacts, ns: NeighborSolicitation) -> None:
        if f.src != bytes(16):
            self._add(self.nd_senders, f.src, "nd_senders")
            if is_multicast(f.dst):  # address resolution, not a unicast reachability probe
                self._queued_for(ns.target, f.src)
                times = self._solicits.setdefault(ns.target, [])
                times.append(self._t)
                del times[:-4]
                if len(self._solicits) > self.o.limits.recent_packets:
                    del self._solicits[next(iter(self._solicits))]
        reg = self.reg.get(ns.target)
        if reg is None or reg.known != "present":
            return
        if reg.k_expiry is not None and self._t > reg.k_expiry - self.tol:
            return
        if f.src == reg.dst:
            self._ha_resolves_home(f, reg, ns.target)
            return
        last = reg.last_mn_bu()
        if (
            last is not None
            and (last.lifetime == 0 or last.coa == last.home)
            and (reg.k_bu is None or last.t > reg.k_bu.t)
        ):
            return  # a de-registration is under way (§8.3): the proxy service may already have ended
        self._oblige(
            reg.dst,
            Obligation(
                "proxy-ns",
                self._t + min(self.o.answer_timeout, 1000),
                reg,
                self._index,
                (self._index,),
                extra=ns.target,
            ),
        )

    def _ha_resolves_home(self, f: PacketFacts, reg: Flow, home: Addr) -> None:
        """BC-HOMEREG-NOEVICT (part, §4.3, §7.7, §8.2): the home agent resolving a home address it
        holds an unexpired registration for, no BU since, shows the entry has left its cache."""
        kb = reg.k_bu
        if kb is None:
            return
        if any(b.t > kb.t and b.seq != kb.seq for b in reg.bus):
            return
        if self._unseen_bu_possible(reg, kb.t, self._t):
            return
        self._flag(
            "BC-HOMEREG-NOEVICT",
            f.src,
            f"solicits the link-layer address of {fmt(home)} although its home registration "
            f"(acknowledged in packet {reg.k_ba}) is unexpired and no Binding Update followed: the "
            "entry left the cache before its lifetime",
            (kb.index, reg.k_ba or 0),
            section="8.2",
        )

    # ------------------------------------------------------------ tunnels (§8.4, §9.5, §10)

    def _on_tunnel(self, f: PacketFacts, fi: PacketFacts) -> None:
        x, d = f.src, f.dst
        if self.awaiting_tunnel:
            try:
                waiting = self.awaiting_tunnel.pop((fi.src, fi.dst, fi.upper), None)
            except TypeError:
                waiting = None
            if waiting is not None:
                waiting.done = True
        self._tunnel_source(f, fi)
        self._loop_check(f, fi)
        h2 = fi.final_dst
        if h2 != d and x[:8] == h2[:8] and not is_multicast(h2) and not is_link_local(x):
            # a tunnel entry point on the home address's /64 is taken as its home agent (§8.4)
            self._role(x, "home_agent")
            self._role(h2, "mobile_node")
            self._role(d, "care_of_address")
        ha_of = self.reg.get(h2)
        if (
            self.is_ha.get(x)
            and (is_link_local(fi.dst) or is_site_local(fi.dst))
            and d in self.coa_home
        ):
            self._flag(
                "HA-LOCAL-SCOPE-DROP",
                x,
                f"tunnelled a packet for the link/site-local address {fmt(fi.dst)} to care-of "
                f"{fmt(d)}; such intercepted packets are dropped",
            )
        fl = self.flows.get((h2, x))
        if fl is not None:
            self._mark_effect(fl, d)
        if (
            fl is not None
            and fl.k_home_reg
            or (fl is not None and self.is_ha.get(x) and fl.known == "absent")
        ):
            self._role(x, "home_agent")
            self._ha_tunnel(f, fi, fl)
        if isinstance(fi.upper, RouterAdvertisement) and (ha_of is not None or self.is_ha.get(x)):
            if not (f.auth or fi.auth):
                self._flag(
                    "HA-RA-TUNNEL",
                    x,
                    f"Router Advertisement tunnelled to {fmt(d)} without AH or ESP",
                    section="8.5",
                )
        # §10: multicast sent by the mobile node through its home agent carries the home address
        home = self.coa_home.get(x)
        if home is not None and is_multicast(fi.dst) and fi.src != home and self.is_ha.get(d):
            self._flag(
                "MN-MCAST-INNER-SRC",
                home,
                f"multicast packet tunnelled to the home agent with inner source {fmt(fi.src)}, not "
                f"the home address {fmt(home)}",
            )
        # §9.5: a tunnelled packet from a correspondent triggers a BU to it
        if (
            self.coa_home.get(d) == h2
            and fi.final_dst == h2
            and x != fi.src
            and not is_multicast(fi.src)
            and not is_link_local(fi.src)
            and fi.src != bytes(16)
            and fi.bu is None
            and fi.ba is None
            and not self.is_ha.get(fi.src)
        ):
            fl2 = self.flows.get((h2, fi.src))
            last = fl2.last_bu() if fl2 is not None else None
            # the correspondent already holds the node's current care-of address: the one this tunnel
            # reached, or the one of the node's latest home registration (a tunnel to an older
            # address comes from a previous router's binding, §9.6, not from a missing one)
            home_reg = self.reg.get(h2)
            primary = home_reg.last_mn_bu() if home_reg is not None else None
            already = (
                last is not None
                and (last.coa == d or (primary is not None and last.coa == primary.coa))
                and last.lifetime > 0
                and (last.lifetime == INF or self._t < last.t + last.lifetime * 1000)
            )
            if (fl2 is None or fl2.pp2 is None) and not already:
                wait = self.o.answer_timeout
                if fl2 is not None and fl2.fast_max >= self.cfg.max_fast_updates:
                    wait = max(wait, self.cfg.slow_update_rate)
                if not any(
                    ob.kind == "tunnel-bu" and ob.extra == fi.src for ob in self.oblig.get(h2, ())
                ):
                    self._oblige(
                        h2,
                        Obligation(
                            "tunnel-bu",
                            self._t + wait,
                            None,
                            self._index,
                            (self._index,),
                            extra=fi.src,
                        ),
                    )

    def _tunnel_source(self, f: PacketFacts, fi: PacketFacts) -> None:
        """HA-TUNNEL (§8.4): the home agent tunnels an intercepted packet with its own address as the
        outer source. The tunnel is recognised by its content (the packet the capture showed going to
        the registered home address, tunnelled within 2 s), not by its source, so a wrong source is
        judged: one that is certainly another node's (the packet's sender, the home address, a
        mobile node's address, a care-of address) or no node's (multicast, unspecified)."""
        home = fi.final_dst
        reg = self.reg.get(home)
        if reg is None or reg.known != "present" or reg.k_bu is None:
            return
        x = f.src
        try:
            hit = self.recent.get((fi.src, home, fi.upper))
        except TypeError:  # an unhashable upper layer is never remembered
            return
        if hit is None or self._t - hit[1] > 2000:
            return
        wrong = (
            x == fi.src
            or x == home
            or x in self.homes
            or x in self.coa_home
            or is_multicast(x)
            or x == bytes(16)
        )
        if not wrong or "home_agent" in self.roles.get(x, ()):
            return
        kb = reg.k_bu
        if reg.k_expiry is not None and self._t > reg.k_expiry - self.tol:
            return
        if any(b.t > kb.t and b.seq != kb.seq for b in reg.bus) or self._unseen_bu_possible(
            reg, kb.t, self._t
        ):
            return
        self._flag(
            "HA-TUNNEL",
            reg.dst,
            f"the packet for {fmt(home)} seen in packet {hit[0]} was tunnelled to {fmt(f.dst)} with "
            f"outer source {fmt(x)}, not the home agent's own address (registration acknowledged "
            f"in packet {reg.k_ba})",
            (hit[0], reg.k_ba or 0),
            section="8.4",
        )

    def _loop_check(self, f: PacketFacts, fi: PacketFacts) -> None:
        """SYS-NO-LOOP (part, §8.4, §9.6): the same inner packet tunnelled back the way it came, or a
        nested tunnel sent to an address one of its inner packets is already addressed to (bindings
        at two nodes pointing at each other: it returns there and is tunnelled away again)."""
        depth, inner = 1, fi.inner
        dsts = [fi.dst]
        while inner is not None and depth < 64:
            dsts.append(inner.dst)
            payload = inner.payload
            inner = payload if isinstance(payload, IPv6Packet) else None
            depth += 1
        if f.dst in dsts and not is_multicast(f.dst):
            self._mark_looped(f)
            self._flag(
                "SYS-NO-LOOP",
                f.src,
                f"tunnels to {fmt(f.dst)} a packet that, {dsts.index(f.dst) + 1} tunnel(s) deeper, is "
                f"already addressed to {fmt(f.dst)}: it was tunnelled away from there and is sent back "
                "(bindings pointing at each other, a tunnel loop)",
                section="8.4",
            )
        try:
            key = (fi.src, fi.dst, fi.upper)
            prev = self._tunnels.get(key)
        except TypeError:
            return
        if prev is not None and prev[0] == f.dst and prev[1] == f.src and self._t - prev[3] <= 2000:
            self._mark_looped(f)
            self._flag(
                "SYS-NO-LOOP",
                f.src,
                f"tunnels back to {fmt(f.dst)} the packet {fmt(fi.src)} -> {fmt(fi.dst)} that "
                f"{fmt(f.dst)} tunnelled to it in packet {prev[2]}: a tunnel loop",
                (prev[2],),
                section="8.4",
            )
        self._tunnels[key] = (f.src, f.dst, self._index, self._t)
        if len(self._tunnels) > self.o.limits.recent_packets:
            self._tunnels.popitem(last=False)

    def _queued_for(self, target: Addr, router: Addr) -> None:
        """A router resolves `target` just after an acknowledgement to it passed: it had no
        neighbor entry, so the acknowledgement waits in its queue (RFC 2461 §7.2.2) and reaches
        the mobile node only when an advertisement answers (§9.10 judges what it received)."""
        for idx, t in self._ba_to.get(target, ()):
            if 0 <= self._t - t <= QUEUED_AFTER_MS and idx not in self.held:
                self.held[idx] = None
                self._resolving[idx] = router  # its own advertisement (a proxy) answers nothing

    def _mark_looped(self, f: PacketFacts) -> None:
        """The innermost packet of a tunnel loop goes round, not to its destination: a Binding
        Acknowledgement in it never reached the mobile node (§9.10 judges what it received)."""
        pkt = f.inner
        while pkt is not None and isinstance(pkt.payload, IPv6Packet):
            pkt = pkt.payload
        first = self._messages.get(replace(pkt, hop_limit=0)) if pkt is not None else None
        if first is not None:
            self.undelivered.add(first[0])

    def _ha_tunnel(self, f: PacketFacts, fi: PacketFacts, fl: Flow) -> None:
        """HA-TUNNEL (§8.4): outer destination = the primary care-of address; HA-DEREG (§8.3)."""
        d = f.dst
        kb = fl.k_bu
        if kb is None:
            return
        later = [b for b in fl.bus if b.t > kb.t and b.seq != kb.seq]
        hidden = self._unseen_bu_possible(fl, kb.t, self._t)
        if fl.known == "present":
            if d == fl.k_coa:
                if fl.effect is None:
                    fl.effect = self._index
                return
            if hidden or any(b.coa == d for b in later):
                return
            if fl.k_expiry is not None and self._t > fl.k_expiry - self.tol:
                return
            old = fl.prev_bind
            self._flag(
                "HA-TUNNEL",
                f.src,
                f"tunnelled a packet for {fmt(fl.home)} to {fmt(d)}, not to the primary care-of "
                f"address {fmt(fl.k_coa or b'')} registered in packet {fl.k_ba}"
                + (f" (stale binding of packet {old[1]})" if old and old[0] == d else "")
                + EVERY,
                (kb.index, fl.k_ba or 0),
            )
        elif fl.known == "absent" and not hidden and not later:
            self._flag(
                "HA-DEREG",
                f.src,
                f"still tunnels packets for {fmt(fl.home)} after the de-registration acknowledged in "
                f"packet {fl.k_ba}{EVERY}",
                (kb.index, fl.k_ba or 0),
            )
