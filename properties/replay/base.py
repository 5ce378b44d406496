"""The shared state of the replay observer: the cast inferred from the traffic, one `Flow` per (home
address, destination), obligations with deadlines, the verdict list, and whether a Binding Update the
capture did not show could explain what a receiver did (§4.3, §7.7, §9.8)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import ClassVar

from mip6check.model.addr import Addr, Prefix, fmt, home_agents_anycast, is_link_local, is_multicast
from mip6check.model.codec.values import IPv6Packet
from mip6check.model.config import AuthMode
from mip6check.properties.catalog import CATALOG
from mip6check.properties.replay.options import ReplayOptions
from mip6check.properties.replay.sa import KeyRing
from mip6check.properties.replay.state import Flow, Obligation, SeenBU
from mip6check.properties.spec import Deadlines
from mip6check.properties.spec.binding_cache import evictable
from mip6check.properties.spec.logic import PY
from mip6check.properties.spec.mobile_node import min_gap
from mip6check.properties.spec.wire import INFINITE
from mip6check.properties.verdict import Violation

INF = INFINITE
EVERY = (
    "; every explanation consistent with the capture (an unseen Binding Update, expiry, cache "
    "replacement) is excluded"
)


class ObserverBase:
    """The cast, the flows, the verdict list and the hidden-state reasoning every message family shares."""

    JUDGES: ClassVar[tuple[str, ...]] = ("BC-BA-ON-A",)
    """The catalog rows this family's judges flag (checked.py declares their union to the spec)."""
    COUNTS: ClassVar[tuple[str, ...]] = ()
    """The rows whose premises this family counts in `inputs` (`_saw`): for them a verdict of
    "held" rests on that count, not on the packets of their kind (properties/evidence.py)."""

    @classmethod
    def counted(cls) -> tuple[str, ...]:
        """Every row whose premises the observer's families count, gathered from their `COUNTS`."""
        return tuple(
            dict.fromkeys(p for k in reversed(cls.__mro__) for p in vars(k).get("COUNTS", ()))
        )

    @classmethod
    def judged(cls) -> tuple[str, ...]:
        """Every row the observer's families judge, gathered from their `JUDGES`."""
        return tuple(
            dict.fromkeys(p for k in reversed(cls.__mro__) for p in vars(k).get("JUDGES", ()))
        )

    def __init__(self, opts: ReplayOptions, keys: KeyRing | None = None) -> None:
        self.o = opts
        self.cfg = opts.config
        self.tol = opts.clock_tolerance
        # the options' keys when none are given: under `auth verify` AH ICVs are checked with them
        self.keys = keys or KeyRing(opts.sa_keys, icv=opts.config.auth is AuthMode.VERIFY)
        self.violations: list[Violation] = []
        self.inputs: dict[str, int] = {}  # row -> how often its judge met its premise
        self._flagged: set[tuple[str, int, str]] = set()
        self.flows: dict[tuple[Addr, Addr], Flow] = {}
        self.by_home: dict[Addr, list[Flow]] = {}  # home address -> its flows, in creation order
        self.back_home: dict[Addr, int] = {}  # home address -> its own NA from it (§9.13: at home)
        # home address -> the last multicast Neighbor Advertisement for it (source, ms)
        self.na_seen: dict[Addr, tuple[Addr, int]] = {}
        self.na_first: dict[Addr, int] = {}  # when a multicast NA for the address was first seen
        # (receiver, care-of address, answer signature) -> (packet, ms): a packet with a Home Address
        # option whose answer shows whether the receiver processed the option (§5.4, §7.1)
        self._questions: OrderedDict[tuple[Addr, Addr, tuple[object, ...]], tuple[int, int]] = (
            OrderedDict()
        )
        self.awaiting_tunnel: dict[tuple[Addr, Addr, object], Obligation] = {}  # §8.4, by packet
        self._hop = 64  # Hop Limit of the packet being observed
        # §8.4: how soon an intercepted packet is tunnelled (the spec's named switch for that absence)
        self.forward_window = Deadlines().forward_window
        self.roles: dict[Addr, set[str]] = {}
        self.coa_home: dict[Addr, Addr] = {}
        self.homes: set[Addr] = set()
        self.is_ha: dict[Addr, bool] = {}
        self.ha_prefixes: dict[Addr, set[Prefix]] = {}
        self.ha_idlen: dict[Addr, int] = {}
        self.reg: dict[Addr, Flow] = {}  # home address -> its home-registration flow
        self.nd_senders: set[Addr] = set()
        # nodes seen authenticating their acknowledgements (§5.2)
        self.ba_signers: set[Addr] = set()
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
        )  # (inner source, inner destination, upper layer) -> the tunnel that carried it
        # a Mobile IPv6 message (Hop Limit aside) -> (packet, ms) where it was first seen: a copy
        # inside a tunnel is the same message forwarded, judged once (§8.4, §9.6)
        self._messages: OrderedDict[IPv6Packet, tuple[int, int]] = OrderedDict()
        # packets first seen there that never reached their addressee: a tunnel loop carried them,
        # or an ICMP Destination Unreachable quotes them (or a tunnel carrying them)
        self.undelivered: set[int] = set()
        # address resolution on the last hop (RFC 2461 §7.2.2): acknowledgements by destination,
        # and those a router's multicast solicitation for that destination shows queued ->
        # when an advertisement for it released them (None: not yet)
        self._ba_to: dict[Addr, list[tuple[int, int]]] = {}
        self.held: dict[int, int | None] = {}
        self._resolving: dict[int, Addr] = {}  # acknowledgement held -> the router resolving for it
        self._solicits: dict[Addr, list[int]] = {}  # target -> ms of multicast solicitations for it
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
            self.by_home.setdefault(home, []).append(fl)
        return fl

    # ------------------------------------------------------------ verdicts

    def _saw(self, pid: str) -> None:
        """The judge of `pid` met its premise once (what it judges happened): its evidence count."""
        self.inputs[pid] = self.inputs.get(pid, 0) + 1

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
            if evictable(PY, fl.k_home_reg) and self.o.topology.cache_capacity is None:
                return "unknown", 0
            assert fl.k_seq is not None
            return "present", fl.k_seq
        return "absent", 0

    def _resolving_since(self, target: Addr, t: int) -> bool:
        """Was `target` solicited (address resolution, RFC 2461 §7.2.2) after `t` ms?"""
        return any(ts > t for ts in self._solicits.get(target, ()))

    def _retx_wait(self, fl: Flow) -> int:
        """§9.7, §9.8: how long after its last Binding Update the mobile node may wait before the next
        retransmission: the back-off timeout (exact when the whole chain was seen, else at most
        MAX_BINDACK_TIMEOUT), held to the §9.8 gap once MAX_FAST_UPDATES consecutive updates carried
        one care-of address (a retransmission keeps both rules by waiting for the later of the two)."""
        timeout = fl.interval if fl.exact else self.cfg.max_bindack_timeout
        return max(timeout, int(min_gap(PY, fl.fast_max, self.cfg)))

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
        # retransmissions) explains one; two distinct ones used and unanswered do not. A copy of an
        # update the receiver acknowledged since its first copy owes nothing: §7.2 ignores it (its
        # number is not greater), and the acknowledgement was lost on its way.
        if not last.a or fl.gap or fl.ba_for(last.seq, fl.first_sent(last)) is not None:
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
