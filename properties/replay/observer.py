"""Observer-mode replay: what each node must, may and must not do, judged from the packets alone.

Every judgement is the spec's (`properties.spec` with the concrete logic `PY`: sequence order, the
§7.2 tests, the cache decision and its Status, back-off, rate limits, §9.10 acceptability), never the
model's: nothing here imports `model.roles`, so a fault planted in the model cannot blind replay.
This module only decides *what is known*: a capture may start mid-session, miss packets, or show one
link only, so hidden state stays unknown, and a violation is reported only when every explanation that
is consistent with the capture breaks the rule.

Hidden Binding Updates. A Binding Update the capture did not show could change a receiver's entry.
It is taken as possible between two moments of one flow when (a) the capture shows evidence of missing
packets on that flow (an acknowledgement for a Sequence Number never seen, a Sequence Number jump, a
retransmission gap too long for §9.7) and (b) the rate limit of §9.8 (a conforming mobile node sends one
per MAX_UPDATE_RATE to a destination) leaves room for it between the observed ones.
Absences (a missing acknowledgement, retransmission or answer) are judged at the node's first later packet
in the capture, and only when the capture shows that path.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from mip6check.model.addr import Addr, fmt
from mip6check.model.codec import encode_packet
from mip6check.model.codec.values import (
    BindingAck,
    DestOptions,
    DestUnreachable,
    IPv6Packet,
    NeighborAdvertisement,
    NeighborSolicitation,
    ParamProblem,
    RouterSolicitation,
)
from mip6check.properties.replay.acks import Acknowledgements
from mip6check.properties.replay.base import INF
from mip6check.properties.replay.facts import PacketFacts, facts_of, no_payload
from mip6check.properties.replay.hao_auth import HaoAuthentication
from mip6check.properties.replay.icmp_rules import IcmpRules
from mip6check.properties.replay.interception import Interception
from mip6check.properties.replay.lifetimes import Lifetimes
from mip6check.properties.replay.neighbor_ads import NeighborAds
from mip6check.properties.replay.routing import Routing
from mip6check.properties.replay.state import Flow, Obligation, SeenBU
from mip6check.properties.replay.tunnel_errors import TunnelErrors
from mip6check.properties.replay.updates import BindingUpdates
from mip6check.properties.spec.binding_cache import bu_as_read
from mip6check.properties.spec.logic import PY
from mip6check.properties.spec.mobile_node import BAAction
from mip6check.properties.spec.wire import breaks_stated_length, status_accepts

# upper layers the packet loop dispatches on (exact codec types; anything else needs no handler)
UPPER_KIND: dict[type, int] = {
    ParamProblem: 1,
    NeighborAdvertisement: 2,
    NeighborSolicitation: 3,
    DestUnreachable: 4,
    RouterSolicitation: 5,
}
FORWARDED_COPY_MS = 3500
"""A message seen again inside a tunnel within this many ms is the first one forwarded (a router may
hold it for address resolution up to 3 s first, as replay.engine.FORWARD_WINDOW_NS allows)."""
MIP6_SHAPES = {"BU": (8, 24), "BA": (11,), "BR": (0,), "HAO": (16,)}


def carries_ba(pkt: IPv6Packet) -> bool:
    """A Binding Acknowledgement at any tunnel depth (§5.2)."""
    for _ in range(9):
        if any(
            isinstance(h, DestOptions) and any(isinstance(o, BindingAck) for o in h.options)
            for h in pkt.headers
        ):
            return True
        if not isinstance(pkt.payload, IPv6Packet):
            return False
        pkt = pkt.payload
    return False


class Observer(
    BindingUpdates,
    Acknowledgements,
    Interception,
    Routing,
    Lifetimes,
    HaoAuthentication,
    TunnelErrors,
    NeighborAds,
    IcmpRules,
):
    """Feed decoded packets in capture order with `packet`; read `violations` afterwards."""

    JUDGES: ClassVar[tuple[str, ...]] = (
        "W-BU-IDLEN-ZERO",
        "W-BU-NEEDS-HAO",
        "W-BU-NEEDS-AUTH",
        "W-BA-NEEDS-AUTH",
        "W-BA-MINLEN",
        "W-BA-LEN",
        "W-BA-REJECT-NOPAYLOAD",
        "W-BR-LEN",
        "W-OPT-ACTION-BITS",
        "W-AUTOCONF-LLSRC",
        "HA-GRATUITOUS-NA",
        "HA-PROXY-NS",
        "HA-TUNNEL",
        "MN-HOME-RETX",
        "MN-HOMEREG-FORM",
        "MN-HAO-OUT",
        "MN-BA-VALIDATE",
        "MN-BR-ANSWER",
        "MN-TUNNEL-TRIGGERS-BU",
        "MN-RETURN-HOME",
        "W-HAO-LEN",
    )
    """The catalog rows this family's judges flag (checked.py declares their union to the spec)."""

    # ------------------------------------------------------------ the packet loop

    def packet(self, index: int, t_ns: int, pkt: IPv6Packet, *, esp_opened: bool = False) -> None:
        """Observe one decoded packet (1-based index, capture time in ns). `esp_opened`: the packet
        is the content of an ESP-NULL payload whose ICV verified (sa.KeyRing.open_esp)."""
        self._index = index
        self._t = t_ns // 1_000_000
        self._time_s = t_ns / 1e9
        f = facts_of(pkt)
        if esp_opened:
            f = replace(f, auth=True)
        self._opened = esp_opened
        self._level(pkt, f, None, 0)

    def _level(
        self, pkt: IPv6Packet, f: PacketFacts, outer: PacketFacts | None, depth: int
    ) -> None:
        if self.oblig:
            self._seen_node(f)
        self._hop = pkt.hop_limit
        auth = self._auth(pkt, f) if f.auth else False
        self._opened = False  # only the outermost packet came out of the ESP payload
        bu, ba, mal = f.bu, f.ba, f.malformed
        if mal and bu is None:
            whole = next((b for m in mal if (b := bu_as_read(self.cfg, m)) is not None), None)
            if whole is not None:  # §5.1 (B1) under bu_c_length=literal
                mal = tuple(m for m in mal if m.kind != "BU")
                f = replace(f, bu=whole, malformed=mal)
                bu = whole
        if (bu or ba or f.br or mal) and self._forwarded_copy(pkt, outer):
            bu = ba = None  # judged where first seen; what carries it is judged below
        elif bu or ba or f.br or mal or f.hao or f.unknown:
            self._wire(f, auth)
            if bu is not None or (mal and any(m.kind == "BU" for m in mal)):
                self._on_bu(f, auth)
            if ba is not None or (mal and any(m.kind == "BA" for m in mal)):
                self._on_ba(f, auth)
                if outer is None:
                    sent = self._ba_to.setdefault(f.dst, [])
                    sent.append((self._index, self._t))
                    del sent[:-8]
            if f.br is not None:
                self._on_br(f)
        if outer is None:
            if bu or ba or f.br or f.hao:
                self._lifetimes(f, auth)  # §5.2, §9.5: Lifetime, Refresh, care-of address in use
            self._tunnel_errors(f)  # §7.8: ICMP errors relayed by a tunnel entry point
            self._icmp_rules(f, pkt)  # RFC 2463 §2.4: no error about an error, its size, a rate
            self._neighbor_ads(f)  # §8.2, §9.13: the option and the set of advertisements
            if f.hao is not None:
                self._hao_auth(pkt, f, auth)  # §4.2, §5.4, §9.1: the HAO under AH
        up = f.upper
        kind = UPPER_KIND.get(type(up), 0)
        if kind:
            if kind == 1 and isinstance(up, ParamProblem):
                self._on_pp(f, up)
            elif kind == 2 and isinstance(up, NeighborAdvertisement):
                self._on_na(f, up)
            elif kind == 3 and isinstance(up, NeighborSolicitation):
                self._on_ns(f, up)
            elif kind == 4 and isinstance(up, DestUnreachable):
                self._on_unreach(up)
            elif kind == 5 and f.src in self.homes:
                self._flag(
                    "W-AUTOCONF-LLSRC",
                    f.src,
                    f"Router Solicitation sent from the home address {fmt(f.src)}; autoconfiguration "
                    "packets use a link-local source",
                )
            elif kind == 5 and f.src in self.coa_home:  # §9.3: any source but a link-local one
                self._flag(
                    "W-AUTOCONF-LLSRC",
                    self.coa_home[f.src],
                    f"Router Solicitation sent from the care-of address {fmt(f.src)}; a mobile "
                    "node's autoconfiguration packets use a link-local source",
                )
        inner = f.inner
        if inner is not None and depth < 8:
            fi = facts_of(inner)
            self._on_tunnel(f, fi)
            self._level(inner, fi, f, depth + 1)
        elif bu is None and ba is None and outer is None:
            self._on_data(f)

    def _outlived(self, fl: Flow, last: SeenBU, deadline: int) -> bool:
        """§9.6, §4.3: was a previous router's update (its "home" an old care-of address) past its
        own Lifetime (counted from its first copy) when the next retransmission fell due? The
        forwarding it asked for has ended; nothing is left to register. A home registration proper
        is retransmitted until answered (§9.4, under C13's reading at the cap)."""
        if fl.home not in self.coa_home:
            return False
        first = fl.chain_first if fl.chain_first is not None else last
        return last.lifetime != INF and deadline >= first.t + last.lifetime * 1000

    def copy_seen(self, t_ns: int, pkt: IPv6Packet) -> None:
        """An acknowledgement seen again (another link's capture, or a router's queue releasing it
        late, RFC 2461 §7.2.2): judged where first seen, but this copy may be when it reached the
        mobile node, so the retransmissions owed since the update it answers are discharged (§9.7,
        §9.10) as by the first one."""
        while isinstance(pkt.payload, IPv6Packet):
            pkt = pkt.payload
        f = facts_of(pkt)
        if f.ba is None:
            return
        home = f.final_dst
        if f.rh is None or f.rh.segments_left == 0:
            home = self.coa_home.get(f.dst, f.dst)
        fl = self.flows.get((home, f.src))
        if fl is None or not any(
            a.seq == f.ba.seq and a.outcome != int(BAAction.IGNORE) for a in fl.bas
        ):
            return
        t = t_ns // 1_000_000
        for ob in self.oblig.get(home, ()):
            if ob.flow is fl and ob.kind == "retx" and not ob.done and ob.deadline >= t:
                ob.done = True

    def _forwarded_copy(self, pkt: IPv6Packet, outer: PacketFacts | None) -> bool:
        """Is this Mobile IPv6 message one already seen, now inside a tunnel (§8.4, §9.6: a node with
        a binding for its destination intercepted it and tunnelled it on)? One message is one
        decision of its sender, judged once; a copy may differ only in the Hop Limit."""
        key = replace(pkt, hop_limit=0)
        first = self._messages.get(key)
        if outer is not None and first is not None and self._t - first[1] <= FORWARDED_COPY_MS:
            return True
        self._messages[key] = (self._index, self._t)
        self._messages.move_to_end(key)
        if len(self._messages) > self.o.limits.recent_packets:
            self._messages.popitem(last=False)
        return False

    def _auth(self, pkt: IPv6Packet, f: PacketFacts) -> bool:
        """§4.2/§7.2 test: AH or ESP present; with --sa keys for the pair, the AH ICV must verify."""
        if not f.auth:
            return False
        if self._opened:
            return True  # the ESP-NULL ICV verified when it was opened
        return self.keys.check(pkt, f, encode_packet)

    def _seen_node(self, f: PacketFacts) -> None:
        """A node sent a packet: judge its obligations whose deadline has passed (§9.5, §9.11, §8.2)."""
        oblig = self.oblig
        who = [f.src]
        if f.hao is not None:
            who.append(f.hao.home_address)
        h = self.coa_home.get(f.src)
        if h is not None:
            who.append(h)
        for w in who:
            obs = oblig.get(w)
            if not obs:
                continue
            keep = []
            for ob in obs:
                if ob.done:
                    continue
                if (
                    ob.kind in ("br-answer", "tunnel-bu")
                    and f.bu is not None
                    and f.final_dst == ob.extra
                ):
                    # this packet is the Binding Update asked for, late: the node sent nothing
                    # before it (else that packet had judged it), e.g. no route yet (§9.5, §9.11)
                    keep.append(ob)
                    continue
                if self._t > ob.deadline + self.tol:
                    self._judge_obligation(w, ob)
                else:
                    keep.append(ob)
            if keep:
                self.oblig[w] = keep
            else:
                del self.oblig[w]

    def _judge_obligation(self, node: Addr, ob: Obligation) -> None:
        fl = ob.flow
        if ob.kind == "retx" and fl is not None:
            last = fl.last_mn_bu()
            if last is None or fl.gap:
                return
            if fl.invalid_ba is not None and not self._outlived(fl, last, ob.deadline):
                pid = "W-BA-MINLEN" if fl.invalid_ba < 0 else "MN-BA-VALIDATE"
                ba_i = abs(fl.invalid_ba)
                self._flag(
                    pid,
                    node,
                    f"after the Binding Acknowledgement in packet {ba_i}, which §9.10 says to ignore, "
                    f"the Binding Update of packet {last.index} (seq {last.seq}) was no longer "
                    "retransmitted; no valid acknowledgement appears in the capture",
                    # about that update; the verdict rests on the acknowledgement having reached
                    # the node, not on the update having arrived (receipt.IGNORED_ACK_RULES)
                    (last.index, ba_i),
                    section="9.10",
                )
            elif (
                last.h
                and (fl.bas or fl.effect is not None)
                and not self._outlived(fl, last, ob.deadline)
            ):
                self._flag(
                    "MN-HOME-RETX",
                    node,
                    f"home registration of packet {last.index} (seq {last.seq}) to {fmt(fl.dst)} was "
                    f"neither acknowledged nor retransmitted by {ob.deadline / 1000:.3f} s, yet the "
                    "mobile node kept sending",
                    (last.index,),
                )
        elif ob.kind == "br-answer":
            self._flag(
                "MN-BR-ANSWER",
                node,
                f"no Binding Update answered the Binding Request of packet {ob.origin} from "
                f"{fmt(ob.extra or b'')} within {self.o.answer_timeout / 1000:g} s, though the "
                "mobile node kept sending",
                ob.related,
            )
        elif ob.kind == "tunnel-bu":
            self._flag(
                "MN-TUNNEL-TRIGGERS-BU",
                node,
                f"the tunnelled packet {ob.origin} from {fmt(ob.extra or b'')} passed the §9.5 tests "
                f"but no Binding Update went to that correspondent by {ob.deadline / 1000:.3f} s, "
                "though the mobile node kept sending",
                ob.related,
                section="9.5",
            )
        elif ob.kind == "proxy-ns" and node in self.nd_senders:
            self._flag(
                "HA-PROXY-NS",
                node,
                f"Neighbor Solicitation in packet {ob.origin} for the registered home address "
                f"{fmt(ob.extra or b'')} was not answered by the home agent",
                ob.related,
            )
        elif ob.kind == "dereg" and fl is not None:
            kb = fl.k_bu
            if fl.gap or (kb is not None and self._unseen_bu_possible(fl, kb.t, self._t)):
                return
            self._flag(
                "MN-RETURN-HOME",
                node,
                f"back on the home link (Neighbor Advertisement for its home address in packet "
                f"{ob.origin}) while registered with {fmt(ob.extra or b'')} (packet {fl.k_ba}), but "
                f"no de-registration Binding Update within {self.o.answer_timeout / 1000:g} s, though "
                "the mobile node kept sending",
                ob.related,
                section="9.13",
            )
        elif ob.kind == "tunnel" and fl is not None and fl.k_bu is not None:
            kb = fl.k_bu
            if fl.known != "present":
                return  # deleted before the tunnel was due (§7.4, §8.3): nothing left to tunnel by
            if any(b.t > kb.t and b.seq != kb.seq for b in fl.bus) or self._unseen_bu_possible(
                fl, kb.t, self._t
            ):
                return
            self._flag(
                "HA-TUNNEL",
                node,
                f"the packet for {fmt(fl.home)} in packet {ob.origin}, sent while its registration "
                f"(packet {fl.k_ba}) was in force, was not tunnelled within "
                f"{self.forward_window / 1000:g} s, though this home agent's tunnels to "
                f"{fmt(fl.k_coa or b'')} appear in the capture (packet {fl.effect})",
                ob.related[:1],
                section="8.4",
            )
        elif ob.kind == "gna" and node in self.nd_senders:
            self._flag(
                "HA-GRATUITOUS-NA",
                node,
                f"no Neighbor Advertisement for {fmt(ob.extra or b'')} after the new home registration "
                f"acknowledged in packet {ob.origin}",
                ob.related,
            )

    # ------------------------------------------------------------ stateless wire rules (W-*)

    def _wire(self, f: PacketFacts, auth: bool) -> None:
        bu, ba, br, hao = f.bu, f.ba, f.br, f.hao
        node = hao.home_address if hao is not None else f.src
        if bu is not None or (f.malformed and any(m.kind == "BU" for m in f.malformed)):
            if hao is None:
                self._flag("W-BU-NEEDS-HAO", f.src, "Binding Update without a Home Address option")
            if not auth:
                self._flag(
                    "W-BU-NEEDS-AUTH",
                    node,
                    "Binding Update without AH or ESP"
                    if not f.auth
                    else "Binding Update whose AH ICV does not verify with the --sa key",
                    section="4.2",
                )
        if bu is not None:
            if not bu.h and bu.id_length != 0:
                self._flag(
                    "W-BU-IDLEN-ZERO",
                    node,
                    f"Binding Update without the H bit has ID Length {bu.id_length} (must be 0)",
                )
            if bu.h and not bu.a:
                self._flag(
                    "MN-HOMEREG-FORM",
                    node,
                    "home registration (H = 1) without the A bit",
                    section="9.4",
                )
            coa = bu.care_of if bu.care_of is not None else f.src
            if (
                bu.h
                and hao is not None
                and (coa == hao.home_address or bu.lifetime == 0)
                and not bu.a
            ):
                self._flag(
                    "MN-RETURN-HOME",
                    node,
                    "de-registration with the home agent without the A bit (§9.13 needs H and A)",
                )
        if ba is not None or (f.malformed and any(m.kind == "BA" for m in f.malformed)):
            if not auth:
                self._flag(
                    "W-BA-NEEDS-AUTH",
                    f.src,
                    "Binding Acknowledgement without AH or ESP"
                    if not f.auth
                    else "Binding Acknowledgement whose AH ICV does not verify with the --sa key",
                    section="5.2",
                )
        if ba is not None and not status_accepts(PY, ba.status) and not no_payload(f):
            self._flag(
                "W-BA-REJECT-NOPAYLOAD",
                f.src,
                f"rejecting Binding Acknowledgement (Status {ba.status}) in a packet with a payload "
                f"({type(f.upper).__name__}, not Next Header 59)",
            )
        cfg = self.cfg
        if br is not None and breaks_stated_length(cfg, "BR", len(br.ext)):
            self._flag(
                "W-BR-LEN", f.src, f"Binding Request with Option Length {len(br.ext)} (must be 0)"
            )
        if ba is not None and breaks_stated_length(cfg, "BA", 11 + len(ba.ext)):
            self._flag(
                "W-BA-LEN",
                f.src,
                f"Binding Acknowledgement with Option Length {11 + len(ba.ext)} (must be 12)",
            )
        hao_long = hao is not None and breaks_stated_length(cfg, "HAO", 16 + len(hao.ext))
        if hao_long or any(m.kind == "HAO" for m in f.malformed):
            n = 16 + len(hao.ext) if hao is not None and hao_long else None
            if n is None:
                n = next(len(m.data) for m in f.malformed if m.kind == "HAO")
            self._flag(
                "W-HAO-LEN", f.src, f"Home Address option with Option Length {n} (must be 16)"
            )
        if hao is not None and f.src == hao.home_address and bu is None:
            self._flag(
                "MN-HAO-OUT",
                node,
                "Home Address option in a packet whose source is the home address itself; away from "
                "home the source is a care-of address",
                section="9.1",
            )
        if not f.unknown:
            return
        prof = self.cfg.profile
        wanted = {"BU": prof.bu, "BA": prof.ba, "BR": prof.br, "HAO": prof.hao}
        for u in f.unknown:
            for kind, typ in wanted.items():
                if (
                    (u.opt_type & 0x1F) == (typ & 0x1F)
                    and len(u.data) in MIP6_SHAPES[kind]
                    and (u.opt_type & 0xE0) != (typ & 0xE0)
                ):
                    self._flag(
                        "W-OPT-ACTION-BITS",
                        f.src,
                        f"option type {u.opt_type:#04x} is shaped like a {kind} but its action bits "
                        f"are {u.opt_type >> 5:03b}, not {typ >> 5:03b}",
                    )


__all__ = ["Observer"]
