"""Observer-mode replay: what each node must, may and must not do, judged from the packets alone.

Every judgement the model makes is taken from `model.roles.kernel` with the concrete logic `PY`
(sequence order, §7.2 tests, the cache decision and its Status, back-off, rate limits, BA outcome).
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

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import replace
from functools import lru_cache
from itertools import product

from mip6check.model.addr import (
    ALL_NODES,
    Addr,
    Prefix,
    fmt,
    home_agents_anycast,
    is_link_local,
    is_multicast,
    is_site_local,
)
from mip6check.model.codec import encode_packet, invoking_packet
from mip6check.model.codec.values import (
    BindingAck,
    BindingUpdate,
    DestUnreachable,
    IPv6Packet,
    NeighborAdvertisement,
    NeighborSolicitation,
    ParamProblem,
    RouterAdvertisement,
    RouterSolicitation,
)
from mip6check.model.config import RateScope
from mip6check.model.roles import kernel
from mip6check.model.roles.logic import PY
from mip6check.properties.catalog import CATALOG
from mip6check.properties.replay.facts import PacketFacts, facts_of, malformed_seq, no_payload
from mip6check.properties.replay.options import ReplayOptions
from mip6check.properties.replay.sa import KeyRing
from mip6check.properties.replay.state import Flow, Obligation, SeenBA, SeenBU
from mip6check.properties.verdict import Violation

INF = kernel.INFINITE_LIFETIME
EVERY = (
    "; every explanation consistent with the capture (an unseen Binding Update, expiry, cache "
    "replacement) is excluded"
)
_HA_STATUS_PROPERTY = {
    int(kernel.Status.HOME_REG_NOT_SUPPORTED): "HA-NOT-HA-132",
    int(kernel.Status.NOT_HOME_SUBNET): "HA-NOT-HOME-133",
    int(kernel.Status.DHAAD_RESPONSE): "HA-DHAAD-135",
    int(kernel.Status.BAD_ID_LENGTH): "HA-IDLEN-136",
}
# upper layers the packet loop dispatches on (exact codec types; anything else needs no handler)
_UPPER_KIND: dict[type, int] = {
    ParamProblem: 1,
    NeighborAdvertisement: 2,
    NeighborSolicitation: 3,
    DestUnreachable: 4,
    RouterSolicitation: 5,
}
UNREACH_PERSISTENT = 3  # §7.8 "persistent": this many errors for packets routed by one binding
_MIP6_SHAPES = {"BU": (8, 24), "BA": (11,), "BR": (0,), "HAO": (16,)}


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
) -> frozenset[int]:
    out: set[int] = set()
    for has_entry, is_ha, on_link, ha_idl, full, evict, create in product(
        has_entry_c, is_ha_c, on_link_c, ha_idl_c, (False, True), (False, True), (True, False)
    ):
        _, st = kernel.cache_decision(
            PY,
            h=h,
            lifetime=lifetime,
            coa_is_home=coa_is_home,
            has_entry=has_entry,
            cache_full=full,
            any_evictable=evict,
            is_home_agent=is_ha,
            home_on_link=on_link,
            id_length=id_length,
            ha_id_length=ha_idl,
            to_anycast=to_anycast,
            will_create=create,
        )
        out.add(int(st))
    return frozenset(out)


class Observer:
    """Feed decoded packets in capture order with `packet`; read `violations` afterwards."""

    def __init__(self, opts: ReplayOptions, keys: KeyRing | None = None) -> None:
        self.o = opts
        self.cfg = opts.config
        self.tol = opts.clock_tolerance
        self.keys = keys or KeyRing(())
        self.violations: list[Violation] = []
        self._flagged: set[tuple[str, int, str]] = set()
        self.flows: dict[tuple[Addr, Addr], Flow] = {}
        self.roles: dict[Addr, set[str]] = {}
        self.coa_home: dict[Addr, Addr] = {}
        self.homes: set[Addr] = set()
        self.is_ha: dict[Addr, bool] = {}
        self.ha_prefixes: dict[Addr, set[Prefix]] = {}
        self.ha_idlen: dict[Addr, int] = {}
        self.reg: dict[Addr, Flow] = {}  # home address -> its home-registration flow
        self.nd_senders: set[Addr] = set()
        self.no_recog: dict[Addr, int] = {}  # node -> PP2 packet saying it does not know the BU
        self.oblig: dict[Addr, list[Obligation]] = {}
        self.recent: OrderedDict[tuple[Addr, Addr, object], tuple[int, int]] = OrderedDict()
        self.limits_hit: dict[str, int] = {}
        self._norh: dict[tuple[Addr, Addr], int] = {}
        self._opened = False
        self.alias: dict[Addr, Addr] = {}  # another address of a home agent -> its main address
        self._last_any: dict[Addr, tuple[int, Addr, int]] = {}  # home -> last BU (t, dst, packet)
        self._hao_only: dict[tuple[Addr, Addr], int] = {}  # (home, peer) -> HAO packet, no BU seen
        self._direct: dict[tuple[Addr, Addr], int] = {}  # (home, sender) -> packet sent without RH
        self._tunnels: OrderedDict[tuple[Addr, Addr, object], tuple[Addr, Addr, int, int]] = (
            OrderedDict()
        )  # (home, sender) -> packet sent without RH
        self._index = 0
        self._t = 0
        self._time_s = 0.0
        self._seed_topology()

    # ------------------------------------------------------------ cast

    def _seed_topology(self) -> None:
        topo = self.o.topology
        for ha in topo.home_agents:
            for al in ha.aliases:
                self.alias[al] = ha.address
                self.is_ha[al] = True
                self.ha_prefixes.setdefault(al, set()).update(ha.prefixes)
            self._role(ha.address, "home_agent")
            self.is_ha[ha.address] = True
            self.ha_prefixes.setdefault(ha.address, set()).update(ha.prefixes)
            self.ha_idlen[ha.address] = ha.id_length
        for home, ha_a in topo.mobile_nodes:
            self._role(home, "mobile_node")
            self.homes.add(home)
            if ha_a is not None:
                self._role(ha_a, "home_agent")
                self.is_ha[ha_a] = True
        for x in topo.not_home_agents:
            self.is_ha[x] = False

    def _role(self, addr: Addr, role: str) -> None:
        r = self.roles.get(addr)
        if r is None:
            if len(self.roles) >= self.o.limits.max_nodes:
                self._hit("nodes")
                return
            r = self.roles[addr] = set()
        r.add(role)

    def _add(self, s: set[Addr], x: Addr, what: str) -> None:
        if x not in s:
            if len(s) >= self.o.limits.max_nodes:
                self._hit(what)
                return
            s.add(x)

    def _hit(self, what: str) -> None:
        self.limits_hit[what] = self.limits_hit.get(what, 0) + 1

    def _prefixes_of(self, ha: Addr) -> set[Prefix] | None:
        """The home agent's on-link prefixes: topology, --home-prefix, else the /64 of its address (§8.2)."""
        known = self.ha_prefixes.get(ha)
        if known:
            return known
        if self.o.topology.home_prefixes:
            return set(self.o.topology.home_prefixes)
        if is_multicast(ha) or is_link_local(ha):
            return None
        return {Prefix(ha[:8] + bytes(8), 64)}

    def _anycast(self, dst: Addr) -> bool:
        """§8.1: the Home-Agents anycast address of dst's subnet (RFC 2526 form unless --ha-anycast)."""
        if self.cfg.ha_anycast is not None:
            return dst == self.cfg.ha_anycast
        return dst == home_agents_anycast(Prefix(dst[:8] + bytes(8), 64))

    def _flow(self, home: Addr, dst: Addr) -> Flow | None:
        key = (home, dst)
        fl = self.flows.get(key)
        if fl is None:
            if len(self.flows) >= self.o.limits.max_bindings:
                self._hit("bindings")
                return None
            fl = self.flows[key] = Flow(home, dst)
        return fl

    # ------------------------------------------------------------ verdicts

    def _flag(
        self,
        pid: str,
        node: Addr | None,
        message: str,
        related: Iterable[int] = (),
        section: str | None = None,
        key: int | None = None,
    ) -> None:
        p = CATALOG[pid]
        node_s = fmt(node) if node is not None else ""
        dedupe = (pid, self._index if key is None else -key - 1, node_s)
        if dedupe in self._flagged:
            return
        if len(self.violations) >= self.o.limits.max_violations:
            self._hit("violations")
            return
        self._flagged.add(dedupe)
        rel = tuple(sorted({r for r in related if 0 < r < self._index}))
        self.violations.append(
            Violation(
                property=pid,
                section=section or p.section,
                level=p.level,
                node=node_s,
                message=message,
                packet=self._index,
                time=round(self._time_s, 6),
                related=rel,
            )
        )

    # ------------------------------------------------------------ hidden Binding Updates

    def _unseen_bu_possible(self, fl: Flow, t_from: int, t_to: int) -> bool:
        """Could a BU the capture did not show have reached the receiver in (t_from, t_to)?"""
        if not fl.gap:
            return False
        rate, tol = self.cfg.max_update_rate, self.tol
        cur = t_from
        # the mobile node's own BUs (authenticated) block MAX_UPDATE_RATE on either side of them
        for b in sorted((b for b in fl.bus if b.auth), key=lambda x: x.t):
            lo, hi = b.t - rate + tol, b.t + rate - tol
            if hi <= cur:
                continue
            if lo > cur:
                return True  # free time in (cur, min(lo, t_to)); cur < t_to holds here
            cur = max(cur, hi)
            if cur >= t_to:
                return False
        return cur < t_to

    def _entry(self, fl: Flow, bu: SeenBU) -> tuple[str, int]:
        """What is known of the receiver's entry when `bu` arrives: ("present", seq) | ("absent", 0) |
        ("unknown", 0). Lifetime expiry, cache replacement (§7.7: only non-home entries) and BUs the
        capture shows without an answer all make it unknown."""
        if fl.known == "unknown" or fl.k_bu is None:
            return "unknown", 0
        kb = fl.k_bu
        for b in fl.bus:
            if kb.t < b.t < bu.t and b.seq != kb.seq and b is not bu:
                return "unknown", 0
        if self._unseen_bu_possible(fl, kb.t, bu.t):
            return "unknown", 0
        if fl.known == "present":
            if fl.k_expiry is not None and bu.t >= fl.k_expiry - self.tol:
                return "unknown", 0
            if kernel.is_evictable(PY, fl.k_home_reg) and self.o.topology.cache_capacity is None:
                return "unknown", 0
            assert fl.k_seq is not None
            return "present", fl.k_seq
        return "absent", 0

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
        auth = self._auth(pkt, f) if f.auth else False
        self._opened = False  # only the outermost packet came out of the ESP payload
        bu, ba, mal = f.bu, f.ba, f.malformed
        if bu or ba or f.br or mal or f.hao or f.unknown:
            self._wire(f, auth)
            if bu is not None or (mal and any(m.kind == "BU" for m in mal)):
                self._on_bu(f, auth)
            if ba is not None or (mal and any(m.kind == "BA" for m in mal)):
                self._on_ba(f, auth)
            if f.br is not None:
                self._on_br(f)
        up = f.upper
        kind = _UPPER_KIND.get(type(up), 0)
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
        inner = f.inner
        if inner is not None and depth < 8:
            fi = facts_of(inner)
            self._on_tunnel(f, fi)
            self._level(inner, fi, f, depth + 1)
        elif bu is None and ba is None and outer is None:
            self._on_data(f)

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
                if self._t > ob.deadline + self.tol:
                    self._judge_obligation(w, ob)
                else:
                    keep.append(ob)
            if keep:
                self.oblig[w] = keep
            else:
                del self.oblig[w]

    def _oblige(self, node: Addr, ob: Obligation) -> None:
        lst = self.oblig.get(node)
        if lst is None:
            if len(self.oblig) >= self.o.limits.max_nodes:
                self._hit("obligations")
                return
            lst = self.oblig[node] = []
        if len(lst) >= 64:
            lst.pop(0)
        lst.append(ob)

    def _done(
        self, node: Addr, kind: str, flow: Flow | None = None, extra: Addr | None = None
    ) -> None:
        for ob in self.oblig.get(node, ()):
            if (
                ob.kind == kind
                and (flow is None or ob.flow is flow)
                and (extra is None or ob.extra == extra)
            ):
                ob.done = True

    def _judge_obligation(self, node: Addr, ob: Obligation) -> None:
        fl = ob.flow
        if ob.kind == "retx" and fl is not None:
            last = fl.last_mn_bu()
            if last is None or fl.gap:
                return
            if fl.invalid_ba is not None:
                pid = "W-BA-MINLEN" if fl.invalid_ba < 0 else "MN-BA-VALIDATE"
                ba_i = abs(fl.invalid_ba)
                self._flag(
                    pid,
                    node,
                    f"after the Binding Acknowledgement in packet {ba_i}, which §9.10 says to ignore, "
                    f"the Binding Update of packet {last.index} (seq {last.seq}) was no longer "
                    "retransmitted; no valid acknowledgement appears in the capture",
                    (last.index, ba_i),
                    section="9.10",
                )
            elif last.h and (fl.bas or fl.effect is not None):
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
        if ba is not None and not kernel.accepted(PY, ba.status) and not no_payload(f):
            self._flag(
                "W-BA-REJECT-NOPAYLOAD",
                f.src,
                f"rejecting Binding Acknowledgement (Status {ba.status}) in a packet with a payload "
                f"({type(f.upper).__name__}, not Next Header 59)",
            )
        if br is not None and br.ext:
            self._flag(
                "W-BR-LEN", f.src, f"Binding Request with Option Length {len(br.ext)} (must be 0)"
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
                    and len(u.data) in _MIP6_SHAPES[kind]
                    and (u.opt_type & 0xE0) != (typ & 0xE0)
                ):
                    self._flag(
                        "W-OPT-ACTION-BITS",
                        f.src,
                        f"option type {u.opt_type:#04x} is shaped like a {kind} but its action bits "
                        f"are {u.opt_type >> 5:03b}, not {typ >> 5:03b}",
                    )

    # ------------------------------------------------------------ Binding Updates (§5.1, §9.4-§9.8)

    def _on_bu(self, f: PacketFacts, auth: bool) -> None:
        bu = f.bu
        home = f.hao.home_address if f.hao is not None else f.src
        dst = f.final_dst
        t = self._t
        if bu is None:
            m = next(m for m in f.malformed if m.kind == "BU")
            seq = malformed_seq(m)
            if seq is None:
                return
            sb = SeenBU(
                self._index,
                t,
                f.src,
                dst,
                home,
                f.src,
                seq,
                0,
                False,
                False,
                0,
                auth,
                f.hao is not None,
                False,
            )
            fl = self._flow(home, dst)
            if fl is not None:
                fl.bus.append(sb)
            return
        coa = bu.care_of if bu.care_of is not None else f.src
        sb = SeenBU(
            self._index,
            t,
            f.src,
            dst,
            home,
            coa,
            bu.seq,
            bu.lifetime,
            bu.a,
            bu.h,
            bu.id_length,
            auth,
            f.hao is not None,
            True,
        )
        owner = self.coa_home.get(home)
        prev_router = owner is not None and owner != home  # §9.6: "home" is an old care-of address
        if prev_router:
            self._prev_router(sb, bu)
        else:
            self._role(home, "mobile_node")
            self._add(self.homes, home, "home_addresses")
        if coa != home and not prev_router:
            self._role(coa, "care_of_address")
            if len(self.coa_home) < self.o.limits.max_nodes:
                self.coa_home[coa] = home
            else:
                self._hit("care_of_addresses")
        if bu.h and not self._anycast(dst):
            self._role(dst, "home_agent")
        elif not bu.h:
            self._role(dst, "correspondent")
        fl = self._flow(home, dst)
        self._done(home, "br-answer", extra=dst)
        self._done(home, "tunnel-bu", extra=dst)
        if fl is None:
            return
        if not auth:
            fl.bus.append(sb)  # the receiver's rules still judge it; it may be a forgery (§4.2)
            return
        for ob in self.oblig.get(home, ()):
            if ob.flow is fl:
                ob.done = True
        self._mn_rules(fl, sb)
        if bu.h:
            self._same_ha_first(fl, sb)
        fl.bus.append(sb)
        if sb.a and (sb.h or fl.invalid_ba is not None):
            interval = fl.interval if fl.exact else self.cfg.max_bindack_timeout
            self._oblige(home, Obligation("retx", t + interval, fl, self._index, (self._index,)))

    def _prev_router(self, sb: SeenBU, bu: BindingUpdate) -> None:
        """§9.6: to the previous default router: H = 1, home address = old care-of, care-of = new."""
        if bu.h and sb.coa != sb.home:
            return
        self._flag(
            "MN-PREV-ROUTER-BU",
            self.coa_home.get(sb.home),
            f"Binding Update for the old care-of address {fmt(sb.home)} "
            + ("lacks the H bit" if not bu.h else "names it as its own care-of address"),
        )

    def _aggregate_rate(self, sb: SeenBU) -> None:
        """C12 under --rate-scope aggregate: MAX_UPDATE_RATE between any two BUs of one mobile node."""
        last = self._last_any.get(sb.home)
        if (
            last is not None
            and last[1] != sb.dst
            and sb.t - last[0] < self.cfg.max_update_rate - self.tol
        ):
            self._flag(
                "MN-RATE-LIMIT",
                sb.home,
                f"Binding Update {(sb.t - last[0]) / 1000:.3f} s after the one to {fmt(last[1])} in "
                f"packet {last[2]} (MAX_UPDATE_RATE over all destinations, --rate-scope aggregate)",
                (last[2],),
            )
        if sb.home in self._last_any or len(self._last_any) < self.o.limits.max_nodes:
            self._last_any[sb.home] = (sb.t, sb.dst, sb.index)

    def _mn_rules(self, fl: Flow, sb: SeenBU) -> None:
        """MN-SEQ-INCREASE, MN-RETX-SAME-SEQ, MN-BACKOFF, MN-CN-RETX-STOP, MN-RATE-LIMIT, MN-SLOW-RATE,
        MN-ICMP-PP2-STOP, MN-BA-ACCEPTED/REJECTED against the previous BU of the same flow."""
        cfg, tol, node = self.cfg, self.tol, sb.home
        if fl.pp2 is not None:
            self._flag(
                "MN-ICMP-PP2-STOP",
                node,
                f"Binding Update to {fmt(fl.dst)} after its ICMP Parameter Problem code 2 in packet "
                f"{fl.pp2}",
                (fl.pp2,),
                section="9.9",
            )
        if cfg.rate_scope is RateScope.AGGREGATE:
            self._aggregate_rate(sb)
        prev = fl.last_mn_bu()
        if prev is None:
            self._new_chain(fl, sb, exact=False)
            fl.fast_count, fl.last_coa = 1, sb.coa
            return
        gap = sb.t - prev.t
        same_coa = sb.coa == prev.coa
        # §9.8 rate limits (B14): observed gaps only shrink if BUs are missing; fast_count is a lower bound
        fast = fl.fast_count if same_coa else 0
        if not kernel.rate_ok(PY, sb.t + tol, prev.t, fast, cfg):
            if gap < cfg.max_update_rate - tol:
                self._flag(
                    "MN-RATE-LIMIT",
                    node,
                    f"Binding Update to {fmt(fl.dst)} {gap / 1000:.3f} s after the one in packet "
                    f"{prev.index} (MAX_UPDATE_RATE {cfg.max_update_rate / 1000:g} s)",
                    (prev.index,),
                )
            else:
                self._flag(
                    "MN-SLOW-RATE",
                    node,
                    f"Binding Update to {fmt(fl.dst)} {gap / 1000:.3f} s after packet {prev.index}, "
                    f"after at least {fast} consecutive ones with care-of address {fmt(sb.coa)} "
                    f"(SLOW_UPDATE_RATE {cfg.slow_update_rate / 1000:g} s)",
                    (prev.index,),
                )
        fl.fast_count = fast + 1
        fl.last_coa = sb.coa
        same = same_coa and sb.a == prev.a and sb.h == prev.h
        if sb.seq == prev.seq:
            if same:
                self._retransmission(fl, sb, prev, gap)
            else:
                self._flag(
                    "MN-SEQ-INCREASE",
                    node,
                    f"new Binding Update to {fmt(fl.dst)} (care-of {fmt(sb.coa)}) reuses Sequence "
                    f"Number {sb.seq} of packet {prev.index}",
                    (prev.index,),
                    section="5.1",
                )
                self._new_chain(fl, sb, exact=True)
            return
        if kernel.seq_greater(PY, sb.seq, prev.seq, cfg):
            if (prev.seq + 1) % kernel.SEQ_MOD != sb.seq:
                fl.gap = True
            if same and prev.a and self._looks_like_retx(fl, sb, prev, gap):
                self._flag(
                    "MN-RETX-SAME-SEQ",
                    node,
                    f"retransmission of the Binding Update sent in packet {fl.chain_first.index if fl.chain_first else prev.index} "
                    f"changed Sequence Number {prev.seq} -> {sb.seq} (same binding, no acknowledgement "
                    f"seen, sent at the §9.7 timeout)",
                    (prev.index,),
                )
            self._new_chain(fl, sb, exact=True)
            return
        # not greater: only a reset Binding Update List entry or hidden BUs explain it
        if not self._seq_reset_explained(fl, sb, prev):
            d = (sb.seq - prev.seq) % kernel.SEQ_MOD
            self._flag(
                "MN-SEQ-INCREASE",
                node,
                f"Binding Update to {fmt(fl.dst)} with Sequence Number {sb.seq} after {prev.seq} "
                f"in packet {prev.index} (distance {d} modulo 2^16 is not 'greater'); no unseen "
                "Binding Update or reset of the list entry can explain it",
                (prev.index,),
                section="5.1",
            )
        self._new_chain(fl, sb, exact=True)

    def _seq_reset_explained(self, fl: Flow, sb: SeenBU, prev: SeenBU) -> bool:
        cfg, tol = self.cfg, self.tol
        if prev.lifetime == 0:
            return True  # the entry ended with that BU (§4.3: kept until its lifetime expires)
        if prev.lifetime != INF and sb.t >= prev.t + prev.lifetime * 1000 - tol:
            return True
        for a in fl.bas:
            if a.t >= prev.t and a.outcome == int(kernel.BAOutcome.REJECTED):
                return True  # §9.10: a rejection deleted the entry (C6: may restart anywhere)
        if not fl.gap:
            return False
        # hidden BUs, each at least MAX_UPDATE_RATE apart, could form a chain of greater numbers
        k = max(0, (sb.t - prev.t + 2 * tol) // cfg.max_update_rate - 1)
        if k >= 1:
            return True  # one hidden deletion (Lifetime 0) suffices
        return False

    def _looks_like_retx(self, fl: Flow, sb: SeenBU, prev: SeenBU, gap: int) -> bool:
        """A greater number for the same binding, no BA seen, sent right at the §9.7 deadline."""
        if fl.ba_for(prev.seq, prev.t) is not None:
            return False
        if any(ob.kind in ("br-answer", "tunnel-bu") for ob in self.oblig.get(sb.home, ())):
            return False
        if prev.lifetime != INF and gap * 2 >= prev.lifetime * 1000:
            return False
        if fl.exact:
            return abs(gap - fl.interval) <= self.tol
        # the first copy seen may itself be a retransmission: any later §9.7 interval (doublings)
        iv = fl.interval
        while iv <= self.cfg.max_bindack_timeout:
            if abs(gap - iv) <= self.tol:
                return True
            iv = (
                kernel.next_retx_interval(PY, iv, self.cfg)
                if iv < self.cfg.max_bindack_timeout
                else iv + 1
            )
        return False

    def _new_chain(self, fl: Flow, sb: SeenBU, *, exact: bool) -> None:
        fl.chain_first = sb
        fl.copies = 0
        fl.interval = self.cfg.initial_bindack_timeout
        fl.exact = exact
        fl.invalid_ba = None

    def _retransmission(self, fl: Flow, sb: SeenBU, prev: SeenBU, gap: int) -> None:
        cfg, tol, node = self.cfg, self.tol, sb.home
        first = fl.chain_first or prev
        fl.copies += 1
        ack = None
        for a in fl.bas:
            if a.seq == sb.seq and a.t >= first.t and a.outcome != int(kernel.BAOutcome.IGNORE):
                ack = a
        if ack is not None and not cfg.seq_equal_ack and self._on_schedule(fl, first, sb, gap):
            pid = (
                "MN-BA-ACCEPTED"
                if ack.outcome == int(kernel.BAOutcome.ACCEPTED)
                else "MN-BA-REJECTED"
            )
            self._flag(
                pid,
                node,
                f"Binding Update seq {sb.seq} retransmitted after the valid Binding Acknowledgement "
                f"in packet {ack.index} (retransmission must stop; capture point on the mobile node's path)",
                (first.index, ack.index),
                section="9.10",
            )
        expected = fl.interval
        if gap < expected - tol:
            self._flag(
                "MN-BACKOFF",
                node,
                f"retransmission of the Binding Update of packet {first.index} came {gap / 1000:.3f} s "
                f"after packet {prev.index}; the §9.7 timeout was at least {expected / 1000:g} s",
                (first.index, prev.index),
            )
        elif not kernel.retx_continues(PY, expected, sb.h, cfg) and fl.copies > 1:
            self._flag(
                "MN-CN-RETX-STOP",
                node,
                f"Binding Update to correspondent {fmt(fl.dst)} retransmitted although the timeout "
                f"had reached MAX_BINDACK_TIMEOUT ({cfg.max_bindack_timeout / 1000:g} s)",
                (first.index, prev.index),
                section="9.5",
            )
        if gap > expected + expected // 2 + tol:
            fl.exact = False
            fl.gap = True
        fl.interval = kernel.next_retx_interval(PY, expected, cfg)

    def _on_schedule(self, fl: Flow, first: SeenBU, sb: SeenBU, gap: int) -> bool:
        """Was this copy sent at a §9.7 retransmission time? A byte-identical copy at any other time is
        also explained by a replay of the earlier packet (§4.2), which the mobile node did not send."""
        cfg, tol = self.cfg, self.tol
        iv = cfg.initial_bindack_timeout
        if fl.exact:
            at, elapsed = 0, sb.t - first.t
            while at <= elapsed + tol:
                at += iv
                if abs(elapsed - at) <= tol:
                    return True
                iv = kernel.next_retx_interval(PY, iv, cfg)
            return False
        while iv <= cfg.max_bindack_timeout:
            if abs(gap - iv) <= tol:
                return True
            if iv >= cfg.max_bindack_timeout:
                break
            iv = kernel.next_retx_interval(PY, iv, cfg)
        return False

    def _same_ha_first(self, fl: Flow, sb: SeenBU) -> None:
        """§9.4: while a registration with one home agent is unexpired, try that one first."""
        reg = self.reg.get(sb.home)
        if reg is None or reg is fl or reg.known != "present" or reg.gap or self._anycast(fl.dst):
            return
        if reg.k_expiry is not None and sb.t >= reg.k_expiry - self.tol:
            return
        if sb.lifetime == 0 or sb.coa == sb.home:
            return
        if self.alias.get(fl.dst, fl.dst) == self.alias.get(reg.dst, reg.dst):
            return  # another address of the same home agent (topology aliases)
        last = reg.last_bu()
        if last is not None and last.coa == sb.coa:
            return
        self._flag(
            "MN-SAME-HA-FIRST",
            sb.home,
            f"new home registration sent to {fmt(fl.dst)} while the registration with {fmt(reg.dst)} "
            f"(acknowledged in packet {reg.k_ba}) was unexpired and not tried with care-of "
            f"{fmt(sb.coa)}",
            (reg.k_ba or 0,),
        )

    # ------------------------------------------------------------ Binding Acknowledgements (§5.2, §7.5)

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
        fl = self.flows.get((home, r)) or self._flow(home, r)
        if fl is None:
            return
        chain = fl.chain_first
        outcome = kernel.ba_outcome(
            PY,
            self.cfg,
            auth=auth,
            opt_len=opt_len,
            seq_matches=chain is None or chain.seq == seq,
            status=status if status is not None else 0,
        )
        if status is None:
            outcome = int(kernel.BAOutcome.IGNORE)
        fl.bas.append(
            SeenBA(self._index, self._t, seq, status if status is not None else -1, outcome)
        )
        fl.unacked.clear()
        if outcome == int(kernel.BAOutcome.IGNORE):
            short = opt_len < self.cfg.ba_min_length
            fl.invalid_ba = -self._index if short else self._index
        else:
            for ob in self.oblig.get(home, ()):
                if ob.flow is fl and ob.kind == "retx":
                    ob.done = True
        bu = fl.bu_with_seq(seq)
        if bu is not None and self._t - bu.t > self.cfg.max_bindack_timeout * 2:
            bu = None
        self._ba_routing(f, fl, bu, status)
        if bu is None:
            last = fl.last_bu()
            if (
                last is not None
                and last.t <= self._t
                and self._t - last.t < self.cfg.max_update_rate - self.tol
                and not kernel.seq_greater(PY, last.seq, seq, self.cfg)
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
        if status is not None and bu.length_ok:
            self._judge_ba(f, fl, bu, status, ba)
        elif not bu.length_ok:
            self._flag(
                "W-BU-MINLEN",
                r,
                f"Binding Update in packet {bu.index} was too short and had to be silently ignored, "
                "yet it was acknowledged",
                (bu.index,),
                section="7.2",
            )

    def _ba_routing(self, f: PacketFacts, fl: Flow, bu: SeenBU | None, status: int | None) -> None:
        """W-BA-VIA-RH (§5.2, §7.5) and BC-REJECT-NO-CACHE's routing half."""
        routed = f.rh is not None and f.rh.segments_left > 0
        if bu is not None:
            if bu.coa == bu.home:
                return  # de-registration at home: no care-of address to route by (B8)
            if not routed:
                self._flag(
                    "W-BA-VIA-RH",
                    f.src,
                    f"Binding Acknowledgement for the Binding Update in packet {bu.index} sent without "
                    f"a Routing header (care-of {fmt(bu.coa)}, home {fmt(bu.home)})",
                    (bu.index,),
                )
            elif f.dst != bu.coa or f.final_dst != bu.home:
                rejected = status is not None and not kernel.accepted(PY, status)
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
    ) -> frozenset[int]:
        """Every Status the kernel's cache decision gives over the hidden choices (room in the cache,
        an evictable entry, the §7.3 MAY to create, and whatever of the receiver is unknown)."""
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
        )

    def _judge_ba(
        self, f: PacketFacts, fl: Flow, bu: SeenBU, status: int, ba: BindingAck | None
    ) -> None:
        """BC-STALE-IGNORED, BC-SEQ-MONOTONIC, BC-BA-STATUS, HA-*, BC-HOMEREG-FULL-131 (§7.2-§8.3)."""
        cfg, r = self.cfg, f.src
        state, eseq = self._entry(fl, bu)
        entries = {"present": [(True, eseq)], "absent": [(False, 0)]}.get(
            state, [(False, 0), (True, (bu.seq + kernel.SEQ_HALF) % kernel.SEQ_MOD)]
        )
        checks = {
            kernel.bu_check(
                PY,
                cfg,
                auth=bu.auth,
                length_ok=bu.length_ok,
                has_hao=bu.has_hao,
                has_entry=he,
                entry_seq=es,
                seq=bu.seq,
            )
            for he, es in entries
        }
        acc = kernel.accepted(PY, status)
        valid_possible = (
            int(kernel.Check.VALID) in checks or int(kernel.Check.EQUAL_SEQ_REACK) in checks
        )
        if not valid_possible:
            (check,) = checks if len(checks) == 1 else (min(checks),)
            if check == int(kernel.Check.STALE_SEQ) and acc:
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
                    int(kernel.Check.NO_AUTH): "it carried no valid AH or ESP",
                    int(kernel.Check.NO_HAO): "it carried no Home Address option",
                    int(kernel.Check.TOO_SHORT): "its Option Length was too short",
                    int(
                        kernel.Check.STALE_SEQ
                    ): f"its Sequence Number {bu.seq} is not greater than "
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
        possible = self._statuses(bu, entries, is_ha_c, on_link_c, ha_idl, to_anycast)
        ok = any(kernel.accepted(PY, s) for s in possible) if acc else status in possible
        if not ok:
            accepts = any(kernel.accepted(PY, s) for s in possible)
            # attribution: a node answering an H BU acts as a home agent; name the rule it broke there
            named = possible
            if bu.h and len(is_ha_c) == 2:
                named = self._statuses(bu, entries, [True], on_link_c, ha_idl, to_anycast)
            rejections = sorted(s for s in named if not kernel.accepted(PY, s))
            pid = "BC-BA-STATUS"
            if len(rejections) == 1 and (acc or not accepts):
                x = rejections[0]
                pid = _HA_STATUS_PROPERTY.get(
                    x, "BC-HOMEREG-FULL-131" if x == 131 and bu.h else pid
                )
            elif bu.h and not acc and 131 in rejections and status not in _HA_STATUS_PROPERTY:
                pid = "BC-HOMEREG-FULL-131"
            allowed = ", ".join(str(s) for s in sorted(possible))
            self._flag(
                pid,
                r,
                f"Status {status} for the Binding Update in packet {bu.index}; in every state "
                f"consistent with the capture the model answers with Status in {{{allowed}}}"
                + (" (<128 = accepted)" if accepts else ""),
                (bu.index,),
            )
        if to_anycast:
            self._role(r, "home_agent")
        if not acc:
            if status == int(kernel.Status.HOME_REG_NOT_SUPPORTED):
                if len(self.is_ha) < self.o.limits.max_nodes:
                    self.is_ha.setdefault(r, False)
            return
        # what the accepted BU did to the receiver's entry (§7.3, §7.4, §8.2, §8.3)
        if bu.h:
            if r in self.is_ha or len(self.is_ha) < self.o.limits.max_nodes:
                self.is_ha[r] = True
            self._role(r, "home_agent")
        if kernel.wants_delete(PY, bu.lifetime, bu.coa == bu.home):
            fl.known = "absent"
            if self.reg.get(bu.home) is fl:
                del self.reg[bu.home]
        else:
            was = fl.known
            if was == "present" and fl.k_coa != bu.coa and fl.k_coa is not None and fl.k_ba:
                fl.prev_bind = (fl.k_coa, fl.k_ba)
            fl.known = "present"
            fl.k_seq, fl.k_coa, fl.k_home_reg = bu.seq, bu.coa, bu.h
            granted = max(bu.lifetime, ba.lifetime if ba is not None else 0)
            fl.k_expiry = None if granted == INF or bu.lifetime == INF else self._t + granted * 1000
            if bu.h:
                if was != "present" and not fl.gap:
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

    # ------------------------------------------------------------ Binding Requests, ICMP, ND

    def _on_br(self, f: PacketFacts) -> None:
        """§9.11: a Binding Request should be answered with a Binding Update to its source."""
        home = f.final_dst
        if f.rh is None or f.rh.segments_left == 0:
            home = self.coa_home.get(f.dst, f.dst)
        self._role(f.src, "correspondent")
        if home in self.homes:
            self._oblige(
                home,
                Obligation(
                    "br-answer",
                    self._t + self.o.answer_timeout,
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
        if is_multicast(fi.dst):
            self._flag(
                "W-UNKNOWN-OPT-11X",
                f.src,
                "ICMP Parameter Problem sent for a packet to a multicast destination; an unknown "
                "option of type 11xxxxxx is discarded silently there",
                section="5.1",
            )
        if fi.bu is None and not any(u.opt_type >> 6 == 3 for u in fi.unknown):
            return
        home = fi.hao.home_address if fi.hao is not None else fi.src
        fl = self.flows.get((home, fi.final_dst))
        if fl is not None:
            fl.pp2 = self._index
        if len(self.no_recog) < self.o.limits.max_nodes:
            self.no_recog.setdefault(f.src, self._index)

    def _on_na(self, f: PacketFacts, na: NeighborAdvertisement) -> None:
        """HA-GRATUITOUS-NA (§8.2), MN-RETURN-HOME (§9.13), HA-PROXY-NS (§8.2)."""
        self._add(self.nd_senders, f.src, "nd_senders")
        tgt = na.target
        self._done(f.src, "proxy-ns", extra=tgt)
        if not (is_multicast(f.dst) or f.dst == ALL_NODES):
            return
        reg = self.reg.get(tgt)
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
        elif tgt in self.homes and (f.src == tgt or is_link_local(f.src)) and reg is None:
            if na.solicited or not na.override:
                self._flag(
                    "MN-RETURN-HOME",
                    tgt,
                    f"unsolicited Neighbor Advertisement for the home address {fmt(tgt)} has "
                    f"S = {int(na.solicited)}, O = {int(na.override)} (must be S = 0, O = 1)",
                    section="9.13",
                )

    def _on_ns(self, f: PacketFacts, ns: NeighborSolicitation) -> None:
        if f.src != bytes(16):
            self._add(self.nd_senders, f.src, "nd_senders")
        reg = self.reg.get(ns.target)
        if reg is None or reg.known != "present":
            return
        if reg.k_expiry is not None and self._t > reg.k_expiry - self.tol:
            return
        if f.src == reg.dst:
            self._ha_resolves_home(f, reg, ns.target)
            return
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
            already = (
                last is not None
                and last.coa == d
                and last.lifetime > 0
                and (last.lifetime == INF or self._t < last.t + last.lifetime * 1000)
            )
            if (fl2 is None or fl2.pp2 is None) and not already:
                wait = self.o.answer_timeout
                if fl2 is not None and fl2.fast_count >= self.cfg.max_fast_updates:
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

    def _loop_check(self, f: PacketFacts, fi: PacketFacts) -> None:
        """SYS-NO-LOOP (part, §8.4, §9.6): the same inner packet tunnelled back the way it came."""
        try:
            key = (fi.src, fi.dst, fi.upper)
            prev = self._tunnels.get(key)
        except TypeError:
            return
        if prev is not None and prev[0] == f.dst and prev[1] == f.src and self._t - prev[3] <= 2000:
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

    def _mark_effect(self, fl: Flow, coa: Addr) -> None:
        """The receiver routes by the care-of address of the last BU it got: it processed that BU
        (evidence for BC-BA-ON-A even when no acknowledgement is seen)."""
        last = fl.last_mn_bu()
        if last is None or last.coa != coa or last.coa == last.home:
            return
        if fl.effect is None and (fl.k_bu is None or fl.k_bu.t < last.t or fl.k_coa == coa):
            fl.effect = self._index
        # BC-BA-ON-A (§7.5): Binding Updates with A that the receiver visibly used, none acknowledged.
        # One acknowledgement missing from the capture (or lost, with §7.2 ignoring the identical
        # retransmissions) explains one; two distinct ones used and unanswered do not.
        if not last.a or fl.gap or fl.ba_for(last.seq, last.t) is not None:
            return
        if any(a.t >= last.t for a in fl.bas):
            return
        if last.index not in fl.unacked:
            fl.unacked.append(last.index)
            del fl.unacked[:-4]
        old = [i for i in fl.unacked if i != last.index]
        if old and self._t > last.t + self.o.ack_timeout + self.tol:
            self._flag(
                "BC-BA-ON-A",
                fl.dst,
                f"routes by the Binding Updates of packets {old[-1]} and {last.index} (both with the "
                f"A bit) but acknowledged neither within {self.o.ack_timeout / 1000:g} s",
                (old[-1], last.index),
                key=last.index,
            )

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

    # ------------------------------------------------------------ data packets (§7.9, §9.1, §8.4)

    def _on_data(self, f: PacketFacts) -> None:
        routed = f.rh is not None and f.rh.segments_left > 0
        if f.hao is not None and f.hao.home_address != f.src:
            key = (f.hao.home_address, f.final_dst)
            if key not in self.flows and len(self._hao_only) < self.o.limits.max_bindings:
                self._hao_only.setdefault(key, self._index)
        if routed:
            self._routed(f)
            return
        if f.hao is None and f.src in self.homes:
            reg = self.reg.get(f.src)
            if (
                reg is not None
                and reg.known == "present"
                and reg.k_coa != f.src
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

    def _direct_to_home(self, f: PacketFacts) -> None:
        """A packet to a home address without a Routing header: remembered (intercepted by the HA,
        §8.4), and BC-ROUTE-VIA-RH when its sender holds a binding (§7.9)."""
        if len(self._direct) < self.o.limits.max_bindings:
            self._direct[(f.dst, f.src)] = self._index
        key = (f.src, f.dst, f.upper)
        try:
            self.recent[key] = (self._index, self._t)
        except TypeError:
            return
        if len(self.recent) > self.o.limits.recent_packets:
            self.recent.popitem(last=False)
        fl = self.flows.get((f.dst, f.src))
        if fl is None or fl.known != "present" or fl.k_home_reg or fl.k_bu is None:
            return
        if fl.k_expiry is not None and self._t > fl.k_expiry - self.tol:
            return
        if any(b.t > fl.k_bu.t and b.seq != fl.k_bu.seq for b in fl.bus):
            return
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
            reg = self.reg.get(home)
            fl_r = self.flows.get((home, r))
            if reg is not None and (fl_r is None or fl_r.known != "present"):
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
                if len(fl.unreach) >= UNREACH_PERSISTENT and fl.unreach[-1] > (fl.k_ba or 0):
                    self._flag(
                        "BC-ICMP-UNREACH",
                        r,
                        f"still routes by the binding for {fmt(home)} via {fmt(coa)} after "
                        f"{len(fl.unreach)} ICMP Destination Unreachable errors for such packets "
                        f"(last in packet {fl.unreach[-1]})",
                        tuple(fl.unreach[-UNREACH_PERSISTENT:]),
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
        fi = facts_of(inner)
        if fi.rh is None:
            return
        fl = self.flows.get((fi.final_dst, fi.src))
        if fl is not None and fl.known == "present" and fi.dst == fl.k_coa:
            fl.unreach.append(self._index)
            del fl.unreach[:-8]

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

    # ------------------------------------------------------------ reporting

    def nodes(self) -> list[tuple[Addr, tuple[str, ...]]]:
        return [(a, tuple(sorted(r))) for a, r in sorted(self.roles.items())]

    def explain(self, addrs: Iterable[Addr]) -> list[str]:
        """The model state of the nodes involved in one packet (for `--explain N`)."""
        want = set(addrs)
        for a in list(want):
            h = self.coa_home.get(a)
            if h is not None:
                want.add(h)
        lines: list[str] = []
        for a in sorted(want):
            roles = ", ".join(sorted(self.roles.get(a, ()))) or "no role inferred"
            lines.append(f"node {fmt(a)}: {roles}")
            if a in self.reg:
                lines.append(f"  registered with home agent {fmt(self.reg[a].dst)}")
        for (home, dst), fl in sorted(self.flows.items()):
            if home not in want and dst not in want:
                continue
            last = fl.last_bu()
            lines.append(f"flow home {fmt(home)} -> {fmt(dst)}:")
            if last is not None:
                lines.append(
                    f"  mobile node: last Binding Update packet {last.index} seq {last.seq} care-of "
                    f"{fmt(last.coa)} lifetime {last.lifetime} H={int(last.h)} A={int(last.a)}; "
                    f"retransmission timeout >= {fl.interval / 1000:g} s"
                    + (" (exact)" if fl.exact else "")
                    + f"; fast updates >= {fl.fast_count}"
                )
            if fl.known == "unknown":
                lines.append("  receiver's Binding Cache entry: unknown (no evidence yet)")
            elif fl.known == "absent":
                lines.append(
                    f"  receiver's Binding Cache entry: absent (deleted, packet {fl.k_ba})"
                )
            else:
                exp = "never" if fl.k_expiry is None else f"{fl.k_expiry / 1000:.3f} s"
                lines.append(
                    f"  receiver's Binding Cache entry: seq {fl.k_seq} care-of "
                    f"{fmt(fl.k_coa or bytes(16))} home_reg={fl.k_home_reg} expires {exp} "
                    f"(packet {fl.k_ba})"
                )
            if fl.gap:
                lines.append("  the capture shows evidence of missing packets on this flow")
        return lines


__all__ = ["Observer"]
