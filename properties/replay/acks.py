"""Binding Acknowledgements (§5.2, §7.2-§7.5, §8.1-§8.3): the receiver's answer judged against
every state of its Binding Cache consistent with the capture, and what the answer reveals of it."""

from __future__ import annotations

from functools import lru_cache
from itertools import product
from typing import ClassVar

from mip6check.model.addr import Addr, fmt, is_link_local, link_local
from mip6check.model.codec.values import BindingAck, BindingUpdate
from mip6check.properties.replay.base import EVERY
from mip6check.properties.replay.facts import PacketFacts, malformed_seq
from mip6check.properties.replay.room import CacheRoom
from mip6check.properties.replay.state import Flow, Obligation, SeenBA, SeenBU
from mip6check.properties.spec.binding_cache import (
    Check72,
    Received,
    Room,
    asks_delete,
    check_72,
    decide,
)
from mip6check.properties.spec.home_agent import HomeAgentView
from mip6check.properties.spec.logic import PY
from mip6check.properties.spec.mobile_node import (
    BAAction,
    ba_acceptable,
    ba_action,
    may_retransmit,
)
from mip6check.properties.spec.wire import SEQ_MOD, Status, greater, infinite, status_accepts

HA_STATUS_PROPERTY = {
    int(Status.HOME_REG_NOT_SUPPORTED): "HA-NOT-HA-132",
    int(Status.NOT_HOME_SUBNET): "HA-NOT-HOME-133",
    int(Status.DHAAD_RESPONSE): "HA-DHAAD-135",
    int(Status.BAD_ID_LENGTH): "HA-IDLEN-136",
}


def _opt_len(o: BindingUpdate | BindingAck) -> int:
    if isinstance(o, BindingUpdate):
        return (24 if o.care_of is not None else 8) + len(o.ext)
    return 11 + len(o.ext)


@lru_cache(maxsize=4096)
def _statuses(
    h: bool,
    lifetime: int,
    coa_is_home: bool,
    has_entry_c: tuple[bool, ...],
    is_ha_c: tuple[bool, ...],
    on_link_c: tuple[bool, ...],
    id_length: int,
    ha_idl_c: tuple[int, ...],
    to_anycast: bool,
    rooms: tuple[tuple[bool, bool], ...],
) -> frozenset[int]:
    out: set[int] = set()
    for has_entry, is_ha, on_link, ha_idl, (full, evict), create in product(
        has_entry_c, is_ha_c, on_link_c, ha_idl_c, rooms, (True, False)
    ):
        _, st = decide(
            PY,
            h=h,
            deletion=asks_delete(PY, lifetime, coa_is_home),
            has_entry=has_entry,
            room=Room(full=full, any_evictable=evict, will_create=create),
            ha=HomeAgentView(
                to_anycast=to_anycast,
                is_home_agent=is_ha,
                home_on_link=on_link,
                id_length=id_length,
                ha_id_length=ha_idl,
            ),
        )
        out.add(int(st))
    return frozenset(out)


PROCESSED_COPY_MS = 2000
"""An acknowledgement seen again this soon with its Routing header processed is that same one."""


class Acknowledgements(CacheRoom):
    """BC-*, HA-* Status rules and W-BA-VIA-RH, judged at each Binding Acknowledgement."""

    JUDGES: ClassVar[tuple[str, ...]] = (
        "W-BU-MINLEN",
        "W-BA-VIA-RH",
        "W-UNKNOWN-OPT-11X",
        "BC-SEQ-MONOTONIC",
        "BC-STALE-IGNORED",
        "BC-HOMEREG-FULL-131",
        "BC-BA-STATUS",
        "BC-BA-SEQ",
        "BC-REJECT-NO-CACHE",
        "HA-NOT-HA-132",
        "HA-NOT-HOME-133",
        "HA-IDLEN-136",
        "HA-DHAAD-135",
        "HA-DEREG",
    )
    """The catalog rows this family's judges flag (checked.py declares their union to the spec)."""

    def _on_ba(self, f: PacketFacts, auth: bool) -> None:
        ba = f.ba
        r = f.src
        home = f.final_dst
        if f.rh is None or f.rh.segments_left == 0:
            home = self.coa_home.get(f.dst, f.dst)
        if ba is None:
            m = next(m for m in f.malformed if m.kind == "BA")
            seq, status, opt_len = malformed_seq(m), None, len(m.data)
        else:
            seq, status, opt_len = ba.seq, ba.status, _opt_len(ba)
        if seq is None:
            return
        if r in self.no_recog:
            self._flag(
                "W-UNKNOWN-OPT-11X",
                r,
                f"{fmt(r)} answered a Binding Update after declaring the option unrecognised "
                f"(Parameter Problem in packet {self.no_recog[r]})",
                (self.no_recog[r],),
            )
        known = self.flows.get((home, r))
        if known is None or known.last_mn_bu() is None:
            self._from_wrong_peer(r, home, seq)
        fl = known or self._flow(home, r)
        if fl is None:
            return
        if (
            f.rh is not None
            and f.rh.segments_left == 0
            and f.rh.addresses
            and f.dst == home
            and any(
                a.seq == seq
                and a.status == (status if status is not None else -1)
                and 0 <= self._t - a.t <= PROCESSED_COPY_MS
                for a in fl.bas
            )
        ):
            # the same acknowledgement after its Routing header was processed at the care-of address
            # (IPv6 §4.4: sent on to the home address, Segments Left 0), as a capture beyond the
            # care-of address shows it: judged once, when it was sent (§5.2)
            return
        chain = fl.chain_first
        acceptable = ba_acceptable(
            PY,
            self.cfg,
            auth=auth,
            opt_len=opt_len,
            outstanding=True,
            seq_matches=chain is None or chain.seq == seq,
        )
        outcome = ba_action(PY, acceptable, status if status is not None else 0)
        if status is None:
            outcome = int(BAAction.IGNORE)
        fl.bas.append(
            SeenBA(self._index, self._t, seq, status if status is not None else -1, outcome)
        )
        fl.unacked.clear()
        if outcome == int(BAAction.IGNORE):
            short = opt_len < self.cfg.ba_min_length
            fl.invalid_ba = -self._index if short else self._index
            self._ignored_ba_leaves_retx(fl, home, seq)
        else:
            for ob in self.oblig.get(home, ()):
                if ob.flow is fl and ob.kind == "retx":
                    ob.done = True
        bu = fl.bu_with_seq(seq)
        if bu is not None and self._t - bu.t > self.cfg.max_bindack_timeout * 2:
            bu = None
        self._ba_routing(f, fl, bu, status)
        anycast = self._anycast_bu(home, seq) if bu is None else None
        if anycast is not None:
            # §8.1: it answers an update to the Home-Agents anycast address, from the unicast one;
            # an H update there is rejected with 135 (the list of home agents), never accepted
            if anycast.h and status is not None and status != int(Status.DHAAD_RESPONSE):
                self._flag(
                    "HA-DHAAD-135",
                    r,
                    f"answered the Binding Update with H sent to the Home-Agents anycast address in "
                    f"packet {anycast.index} with Status {status}; §8.1 rejects it with 135",
                    (anycast.index,),
                    section="8.1",
                )
            return
        if bu is None:
            last = fl.last_bu()
            if (
                last is not None
                and last.t <= self._t
                and self._t - last.t < self.cfg.max_update_rate - self.tol
                and not greater(PY, last.seq, seq, self.cfg)
            ):
                self._flag(
                    "BC-BA-SEQ",
                    r,
                    f"Binding Acknowledgement seq {seq} answers no Binding Update: the one in packet "
                    f"{last.index} had seq {last.seq}, and no other could have been sent since",
                    (last.index,),
                )
            else:
                fl.gap = True
            return
        if auth and (r in self.ba_signers or len(self.ba_signers) < self.o.limits.max_nodes):
            self.ba_signers.add(r)
        if status is not None and bu.length_ok:
            # §4.2, §5.2: an acknowledgement without a valid AH from a node seen authenticating its
            # acknowledgements is not that node's word: its Status is judged (a verdict on this
            # packet), but the receiver's cache is not taken from it
            self._judge_ba(f, fl, bu, status, ba, trusted=auth or r not in self.ba_signers)
        elif not bu.length_ok:
            self._flag(
                "W-BU-MINLEN",
                r,
                f"Binding Update in packet {bu.index} was too short and had to be silently ignored, "
                "yet it was acknowledged",
                (bu.index,),
                section="7.2",
            )

    def _ignored_ba_leaves_retx(self, fl: Flow, home: Addr, seq: int) -> None:
        """§9.10: a Binding Acknowledgement the mobile node must ignore (unauthenticated, too short)
        leaves the Binding Update it names outstanding, so its retransmission (§9.7) is still owed: the
        node acting on it instead (no longer retransmitting) is MN-BA-VALIDATE or W-BA-MINLEN, judged by
        the retransmission obligation. A home registration owes one already (§9.4); an update with A
        to a correspondent owes one while the next wait stays below MAX_BINDACK_TIMEOUT (§9.5)."""
        last = fl.last_mn_bu()
        if (
            last is None
            or last.seq != seq
            or not last.a
            or self._t - last.t > self.cfg.max_bindack_timeout * 2
            or any(ob.kind == "retx" and ob.flow is fl for ob in self.oblig.get(home, ()))
        ):
            return
        if not last.h and not (fl.exact and may_retransmit(PY, fl.interval, False, self.cfg)):
            return
        self._oblige(
            home, Obligation("retx", last.t + self._retx_wait(fl), fl, last.index, (last.index,))
        )

    def _defended_unregistered(self, fl: Flow, bu: SeenBU, r: Addr, absent: bool) -> None:
        """HA-DEREG (§8.3): a de-registration for a home the home agent held no registration of
        deletes nothing and starts nothing. A Neighbor Advertisement multicast for that home since the
        update came, by the home agent (from `r` or a link-local address, as §8.2's defence is sent),
        shows it took the update for a registration and began intercepting. With no entry known
        (`absent` False: the first update of the flow), only when the capture shows no advertisement
        for the home before the update: none of an earlier registration that might be repeating."""
        seen = self.na_seen.get(bu.home)
        since = fl.first_sent(bu)
        if seen is None or seen[1] < since:
            return
        if not absent and self.na_first.get(bu.home, since) < since:
            return
        src = seen[0]
        if src in (bu.home, link_local(bu.home)) or not (src == r or is_link_local(src)):
            return  # the mobile node's own advertisement (§9.13), or another node's
        reg = self.reg.get(bu.home)
        if reg is not None and reg.known == "present":
            return  # a registration of the home elsewhere (another address of it) is defended
        self._flag(
            "HA-DEREG",
            r,
            f"a Neighbor Advertisement for {fmt(bu.home)} was multicast from {fmt(src)} after the "
            f"de-registration in packet {bu.index} reached the home agent, which held no "
            "registration of that home: it intercepts for a home it was asked to release",
            (bu.index,),
            section="8.3",
        )

    def _anycast_bu(self, home: Addr, seq: int) -> SeenBU | None:
        """§8.1: a recent Binding Update for `home` with Sequence Number `seq` sent to a Home-Agents
        anycast address; a home agent answers it from one of its unicast addresses, so the answer
        falls in another flow than the update."""
        for fl in self.by_home.get(home, ()):
            if not self._anycast(fl.dst):
                continue
            b = fl.bu_with_seq(seq)
            if b is not None and 0 <= self._t - b.t <= self.cfg.max_bindack_timeout * 2:
                return b
        return None

    def _from_wrong_peer(self, r: Addr, home: Addr, seq: int) -> None:
        """§9.10: a Binding Acknowledgement answers only a Binding Update "sent by the mobile node to
        this destination address": one from `r`, to which the mobile node sent nothing, carrying the
        Sequence Number of an outstanding Binding Update to another node must be ignored. The mobile
        node acting on it (no longer retransmitting) is MN-BA-VALIDATE, judged by the retransmission
        obligation. A Binding Update to the Home-Agents anycast address is answered by a unicast
        address of a home agent (§8.1), and a home agent's other addresses (topology aliases) are it."""
        for fl in self.by_home.get(home, ()):
            last = fl.last_mn_bu()
            if (
                fl.dst == r
                or last is None
                or last.seq != seq
                or not last.a
                or self._t - last.t > self.cfg.max_bindack_timeout * 2
                or self._anycast(fl.dst)
                or self.alias.get(r, r) == self.alias.get(fl.dst, fl.dst)
                or any(a.t >= last.t and a.seq == seq for a in fl.bas)
            ):
                continue
            fl.invalid_ba = self._index
            if not any(ob.kind == "retx" and ob.flow is fl for ob in self.oblig.get(home, ())):
                interval = self._retx_wait(fl)
                self._oblige(
                    home, Obligation("retx", last.t + interval, fl, last.index, (last.index,))
                )

    def _ba_routing(self, f: PacketFacts, fl: Flow, bu: SeenBU | None, status: int | None) -> None:
        """W-BA-VIA-RH (§5.2, §7.5) and BC-REJECT-NO-CACHE's routing half."""
        routed = f.rh is not None and f.rh.segments_left > 0
        if bu is not None:
            if bu.coa == bu.home:
                return  # de-registration at home: no care-of address to route by (B8)
            if (
                f.rh is not None
                and f.rh.segments_left == 0
                and f.dst == bu.home
                and f.rh.addresses[-1:] == (bu.coa,)
            ):
                # the acknowledgement after its Routing header was processed at the care-of address
                # (IPv6 §4.4: swapped, sent on to the home address): the copy a capture beyond the
                # care-of address shows, routed as §5.2 asks, not a second sending
                return
            if not routed:
                self._flag(
                    "W-BA-VIA-RH",
                    f.src,
                    f"Binding Acknowledgement for the Binding Update in packet {bu.index} sent without "
                    f"a Routing header (care-of {fmt(bu.coa)}, home {fmt(bu.home)})",
                    (bu.index,),
                )
            elif f.dst != bu.coa or f.final_dst != bu.home:
                rejected = status is not None and not status_accepts(PY, status)
                if rejected and fl.known == "present" and f.dst == fl.k_coa:
                    self._flag(
                        "BC-REJECT-NO-CACHE",
                        f.src,
                        f"rejecting Binding Acknowledgement routed via the cached care-of address "
                        f"{fmt(f.dst)}, not via {fmt(bu.coa)} of the Binding Update in packet {bu.index}",
                        (bu.index,),
                    )
                else:
                    self._flag(
                        "W-BA-VIA-RH",
                        f.src,
                        f"Binding Acknowledgement routed to {fmt(f.dst)} with final segment "
                        f"{fmt(f.final_dst)}; the Binding Update in packet {bu.index} asks for "
                        f"{fmt(bu.coa)} then {fmt(bu.home)}",
                        (bu.index,),
                    )
        elif not routed and f.dst in self.coa_home and self.coa_home[f.dst] != f.dst:
            self._flag(
                "W-BA-VIA-RH",
                f.src,
                f"Binding Acknowledgement sent to care-of address {fmt(f.dst)} without a Routing "
                "header naming the home address",
            )

    def _hidden_env(
        self, f: PacketFacts, bu: SeenBU
    ) -> tuple[list[bool], list[bool], tuple[int, ...], bool]:
        """(is_home_agent choices, home_on_link choices, HA ID length choices, to_anycast) for the
        receiver. The home agent's interface-identifier length is unknown unless the topology gives
        it or it accepted a nonzero ID Length before (§8.2)."""
        r = bu.dst
        to_anycast = self._anycast(r)
        ha = self.is_ha.get(r)
        if to_anycast:
            ha = True
        is_ha_c = [ha] if ha is not None else [True, False]
        pref = self._prefixes_of(f.src if to_anycast else r)
        on_link_c = [any(p.contains(bu.home) for p in pref)] if pref else [True, False]
        known = self.ha_idlen.get(r)
        if known is not None:
            idl_c: tuple[int, ...] = (known,)
        elif bu.id_length:
            idl_c = (bu.id_length, bu.id_length - 1 if bu.id_length > 1 else bu.id_length + 1)
        else:
            idl_c = (64,)
        return is_ha_c, on_link_c, idl_c, to_anycast

    def _statuses(
        self,
        bu: SeenBU,
        entries: list[tuple[bool, int]],
        is_ha_c: list[bool],
        on_link_c: list[bool],
        ha_idl: tuple[int, ...],
        to_anycast: bool,
        rooms: tuple[tuple[bool, bool], ...],
    ) -> frozenset[int]:
        """Every Status the spec's cache decision (§7.3-§7.7, §8.1-§8.3) gives over the hidden
        choices (room in the cache and an evictable entry, as far as `_rooms` leaves them open, the
        §7.3 MAY to create, and whatever of the receiver is unknown)."""
        return _statuses(
            bu.h,
            bu.lifetime,
            bu.coa == bu.home,
            tuple(sorted({he for he, _ in entries})),
            tuple(is_ha_c),
            tuple(on_link_c),
            bu.id_length,
            ha_idl,
            to_anycast,
            rooms,
        )

    def _judge_ba(
        self,
        f: PacketFacts,
        fl: Flow,
        bu: SeenBU,
        status: int,
        ba: BindingAck | None,
        *,
        trusted: bool = True,
    ) -> None:
        """BC-STALE-IGNORED, BC-SEQ-MONOTONIC, BC-BA-STATUS, HA-*, BC-HOMEREG-FULL-131 (§7.2-§8.3)."""
        cfg, r = self.cfg, f.src
        state, eseq = self._entry(fl, bu)
        if state == "present" and self._resolving_since(f.dst, bu.t):
            # RFC 2461 §7.2.2: its destination was being resolved since the update came, so the
            # acknowledgement may have waited in the queue, decided before the cache state seen
            state, eseq = "unknown", 0
        if fl.k_bu is bu:
            # the entry known is this very copy's own doing (an earlier acknowledgement of it, or one
            # forged in its name): a second acknowledgement of one processing says nothing of the
            # entry before it
            state, eseq = "unknown", 0
        entries = {"present": [(True, eseq)], "absent": [(False, 0)]}.get(
            state, [(False, 0), (True, (bu.seq + SEQ_MOD // 2) % SEQ_MOD)]
        )
        checks = {
            check_72(
                PY,
                cfg,
                Received(
                    auth=bu.auth,
                    length_ok=bu.length_ok,
                    has_hao=bu.has_hao,
                    seq=bu.seq,
                    has_entry=he,
                    entry_seq=es,
                ),
            )
            for he, es in entries
        }
        acc = status_accepts(PY, status)
        valid_possible = int(Check72.PASS) in checks or int(Check72.EQUAL_REACK) in checks
        if not valid_possible:
            (check,) = checks if len(checks) == 1 else (min(checks),)
            if check == int(Check72.NOT_GREATER) and acc:
                pid, why = (
                    "BC-SEQ-MONOTONIC",
                    (
                        f"accepted Sequence Number {bu.seq} although {eseq} is stored for "
                        f"{fmt(bu.home)} (acknowledged in packet {fl.k_ba}) and {bu.seq} is not "
                        f"greater modulo 2^16{EVERY}"
                    ),
                )
            else:
                pid = "BC-STALE-IGNORED"
                why = {
                    int(Check72.NO_AUTH): "it carried no valid AH or ESP",
                    int(Check72.NO_HAO): "it carried no Home Address option",
                    int(Check72.TOO_SHORT): "its Option Length was too short",
                    int(Check72.NOT_GREATER): f"its Sequence Number {bu.seq} is not greater than "
                    f"the stored {eseq} (packet {fl.k_ba})",
                }.get(check, "it failed §7.2")
                why = f"answered (Status {status}) a Binding Update that §7.2 says to ignore silently: {why}"
            self._flag(
                pid,
                r,
                f"{why}; Binding Update in packet {bu.index}",
                (bu.index,) + ((fl.k_ba,) if fl.k_ba else ()),
                section="7.2",
            )
            return
        is_ha_c, on_link_c, ha_idl, to_anycast = self._hidden_env(f, bu)
        if to_anycast and f.src == bu.dst:
            self._flag(
                "HA-DHAAD-135",
                r,
                "Binding Acknowledgement to a Binding Update sent to the Home-Agents anycast address "
                "has that anycast address as source; it must be a unicast address of the home agent",
                (bu.index,),
                section="8.1",
            )
        rooms = self._rooms(fl, bu, r)
        possible = self._statuses(bu, entries, is_ha_c, on_link_c, ha_idl, to_anycast, rooms)
        ok = any(status_accepts(PY, s) for s in possible) if acc else status in possible
        if not ok:
            accepts = any(status_accepts(PY, s) for s in possible)
            # attribution: a node answering an H BU acts as a home agent; name the rule it broke there
            named = possible
            if bu.h and len(is_ha_c) == 2:
                named = self._statuses(bu, entries, [True], on_link_c, ha_idl, to_anycast, rooms)
            rejections = sorted(s for s in named if not status_accepts(PY, s))
            pid = "BC-BA-STATUS"
            if len(rejections) == 1 and (acc or not accepts):
                x = rejections[0]
                pid = HA_STATUS_PROPERTY.get(x, "BC-HOMEREG-FULL-131" if x == 131 and bu.h else pid)
            elif bu.h and not acc and 131 in rejections and status not in HA_STATUS_PROPERTY:
                pid = "BC-HOMEREG-FULL-131"
            if pid == "BC-BA-STATUS" and bu.h and not acc and not rejections:
                if bu.lifetime == 0 or bu.coa == bu.home:
                    pid = "HA-DEREG"  # §8.3: past the 132 and 133 tests, a de-registration deletes
            allowed = ", ".join(str(s) for s in sorted(possible))
            self._flag(
                pid,
                r,
                f"Status {status} for the Binding Update in packet {bu.index}; in every state "
                f"consistent with the capture the draft allows only Status in {{{allowed}}}"
                + (" (<128 = accepted)" if accepts else ""),
                (bu.index,),
            )
        if status == int(Status.INSUFFICIENT_RESOURCES) and not bu.h:
            self._refused_with_room(fl, bu, r)
        if not trusted:
            return
        if to_anycast:
            self._role(r, "home_agent")
        if not acc:
            if status == int(Status.HOME_REG_NOT_SUPPORTED):
                if len(self.is_ha) < self.o.limits.max_nodes:
                    self.is_ha.setdefault(r, False)
            return
        # what the accepted BU did to the receiver's entry (§7.3, §7.4, §8.2, §8.3)
        if bu.h:
            if r in self.is_ha or len(self.is_ha) < self.o.limits.max_nodes:
                self.is_ha[r] = True
            self._role(r, "home_agent")
        if asks_delete(PY, bu.lifetime, bu.coa == bu.home):
            if bu.h and (state == "absent" or (state == "unknown" and fl.bus[0] is bu)):
                self._defended_unregistered(fl, bu, r, state == "absent")
            fl.known = "absent"
            reg = self.reg.get(bu.home)
            # §7.4, §8.3: the entry is gone, also when the update reached another address of the
            # same home agent (topology aliases)
            if reg is fl or (
                reg is not None and self.alias.get(r, r) == self.alias.get(reg.dst, reg.dst)
            ):
                if reg is not fl:
                    reg.known = "absent"
                del self.reg[bu.home]
        else:
            was = fl.known
            if was == "present" and fl.k_coa != bu.coa and fl.k_coa is not None and fl.k_ba:
                fl.prev_bind = (fl.k_coa, fl.k_ba)
            fl.known = "present"
            fl.k_seq, fl.k_coa, fl.k_home_reg = bu.seq, bu.coa, bu.h
            # §5.2, §7.3: the entry lives for the lifetime granted, never beyond the one requested
            granted = min(bu.lifetime, ba.lifetime) if ba is not None else bu.lifetime
            fl.k_expiry = None if infinite(PY, granted) else self._t + granted * 1000
            if bu.h:
                seen = self.na_seen.get(bu.home)
                early = (  # since the update's first copy: the home agent accepted that one
                    seen is not None
                    and seen[1] >= fl.first_sent(bu)
                    and (seen[0] == r or is_link_local(seen[0]))
                )
                if was != "present" and not fl.gap and not early:  # NAs may precede the BA (§8.2)
                    self._oblige(
                        r,
                        Obligation(
                            "gna",
                            self._t + self.o.answer_timeout,
                            fl,
                            self._index,
                            (self._index,),
                            extra=bu.home,
                        ),
                    )
                self.reg[bu.home] = fl
        fl.k_bu, fl.k_ba = bu, self._index
        fl.effect = None
