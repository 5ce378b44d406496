"""The Neighbor Advertisements of a new home registration (§8.2) and of a return home (§9.13): each
carries a Target Link-layer Address option, and together they cover every home address, the
link-local and site-local ones included.

- HA-GRATUITOUS-NA: the home agent's multicast advertisement for a registered home address carries the
  option (C8.2-11); after accepting a new home registration with a nonzero ID Length it advertises the
  link-local and site-local addresses and the address on each on-link prefix too (C8.2-17's set).
- HA-PROXY-NS: while registered, it answers Neighbor Solicitations for every covered address (C8.2-17),
  the home address's being the observer's (properties/replay/interception.py).
- MN-RETURN-HOME: the mobile node's own multicast advertisement for its home address carries the option
  (C9.13-05), and it also advertises its link-local and site-local addresses (C9.13-06).

An advertisement missing from the set is judged at the advertiser's first packet after the answer
bound, and only when the capture shows that node's Neighbor Discovery traffic (as the home-address one
is, properties/replay/observer.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from mip6check.model.addr import (
    ALL_NODES,
    Addr,
    Prefix,
    fmt,
    iid_of,
    is_link_local,
    is_multicast,
    link_local,
    site_local,
)
from mip6check.model.codec.values import NeighborAdvertisement, NeighborSolicitation, TargetLLA
from mip6check.properties.replay.base import ObserverBase
from mip6check.properties.replay.facts import PacketFacts
from mip6check.properties.replay.options import ReplayOptions
from mip6check.properties.replay.sa import KeyRing
from mip6check.properties.spec.logic import PY
from mip6check.properties.spec.wire import status_accepts


@dataclass(frozen=True, slots=True)
class _Due:
    """Advertisements owed: by whom (its addresses), for which targets, since which packet, until."""

    pid: str
    node: Addr
    also: Addr  # another source address of the same node (the mobile node's link-local one)
    targets: frozenset[Addr]
    origin: int
    deadline: int


class NeighborAds(ObserverBase):
    """HA-GRATUITOUS-NA, HA-PROXY-NS and MN-RETURN-HOME over every covered address."""

    JUDGES: ClassVar[tuple[str, ...]] = ("HA-GRATUITOUS-NA", "HA-PROXY-NS", "MN-RETURN-HOME")
    """The catalog rows this family's judges flag (checked.py declares their union to the spec)."""

    def __init__(self, opts: ReplayOptions, keys: KeyRing | None = None) -> None:
        super().__init__(opts, keys)
        self._due: list[_Due] = []
        self._homereg: set[tuple[Addr, Addr]] = set()  # (home, home agent) accepted and not deleted
        self._back: set[Addr] = set()  # home addresses whose return-home set is owed or done
        self._covered: dict[
            Addr, Addr
        ] = {}  # address covered by a registration -> its home address

    def _neighbor_ads(self, f: PacketFacts) -> None:
        """Observe one outermost packet."""
        if self._due:
            self._judge_due(f)
        up = f.upper
        if isinstance(up, NeighborAdvertisement):
            self._discharge(f, up.target)
            if is_multicast(f.dst) or f.dst == ALL_NODES:
                self._advertised(f, up)
        elif isinstance(up, NeighborSolicitation):
            self._solicited(f, up)
        if f.ba is not None:
            self._new_registration(f)

    def _owe(self, due: _Due) -> None:
        if len(self._due) < 4096:
            self._due.append(due)

    def _discharge(self, f: PacketFacts, tgt: Addr) -> None:
        """An advertisement for `tgt` settles what its sender owed for it."""
        if not self._due:
            return
        home = self._covered.get(tgt, tgt)
        # the home agent may advertise from its link-local address (not the mobile node's own)
        by_ha_ll = is_link_local(f.src) and f.src not in (link_local(home), home)
        keep: list[_Due] = []
        for d in self._due:
            if tgt in d.targets and (
                f.src in (d.node, d.also) or (d.pid.startswith("HA-") and by_ha_ll)
            ):
                d = replace(d, targets=d.targets - {tgt})
            if d.targets:
                keep.append(d)
        self._due = keep

    def _solicited(self, f: PacketFacts, ns: NeighborSolicitation) -> None:
        """§8.2 (C8.2-17): while registered, the home agent answers solicitations for every address
        the registration covers, not only the home address (the observer judges that one)."""
        home = self._covered.get(ns.target)
        reg = self.reg.get(home) if home is not None else None
        if reg is None or reg.known != "present" or f.src == reg.dst or f.src == bytes(16):
            return
        if reg.k_expiry is not None and self._t > reg.k_expiry - self.tol:
            return
        last = reg.last_mn_bu()
        if last is not None and (last.lifetime == 0 or last.coa == last.home):
            return  # a de-registration is under way (§8.3)
        self._owe(
            _Due(
                "HA-PROXY-NS",
                reg.dst,
                reg.dst,
                frozenset({ns.target}),
                self._index,
                self._t + min(self.o.answer_timeout, 1000),
            )
        )

    def _advertised(self, f: PacketFacts, na: NeighborAdvertisement) -> None:
        tgt = na.target
        has_lla = any(isinstance(o, TargetLLA) for o in na.options)
        reg = self.reg.get(tgt)
        if reg is not None and f.src == reg.dst:
            if not has_lla:
                self._flag(
                    "HA-GRATUITOUS-NA",
                    f.src,
                    f"gratuitous Neighbor Advertisement for {fmt(tgt)} without a Target Link-layer "
                    "Address option (it must give the home agent's link-layer address)",
                    (reg.k_ba or 0,),
                    section="8.2",
                )
            return
        own = tgt in self.homes and f.src in (tgt, link_local(tgt))
        if not own:
            return
        if not has_lla:
            self._flag(
                "MN-RETURN-HOME",
                tgt,
                f"unsolicited Neighbor Advertisement for the home address {fmt(tgt)} without a "
                "Target Link-layer Address option (it must give the mobile node's link-layer address)",
                section="9.13",
            )
        if tgt in self._back:
            return
        self._back.add(tgt)
        owed = set()
        for other in (link_local(tgt), site_local(tgt)):
            seen = self.na_seen.get(other)
            recent = seen is not None and seen[1] >= self._t - self.o.answer_timeout
            if not (recent and seen is not None and seen[0] in (tgt, link_local(tgt))):
                owed.add(other)
        if owed:
            self._owe(
                _Due(
                    "MN-RETURN-HOME",
                    tgt,
                    link_local(tgt),
                    frozenset(owed),
                    self._index,
                    self._t + self.o.answer_timeout,
                )
            )

    def _new_registration(self, f: PacketFacts) -> None:
        """§8.2: the set of addresses a home agent advertises for an accepted home registration."""
        ba = f.ba
        assert ba is not None
        r = f.src
        home = f.final_dst
        if f.rh is None or f.rh.segments_left == 0:
            home = self.coa_home.get(f.dst, f.dst)
        fl = self.flows.get((home, r))
        bu = fl.bu_with_seq(ba.seq) if fl is not None else None
        if fl is None or bu is None or not bu.h or not bu.auth or bu.t > self._t:
            return
        if not status_accepts(PY, ba.status) or bu.lifetime == 0 or bu.coa == bu.home:
            self._homereg.discard((home, r))
            self._back.discard(home)
            for x in [x for x, h in self._covered.items() if h == home]:
                del self._covered[x]
            return
        new = (home, r) not in self._homereg
        self._homereg.add((home, r))
        self._back.discard(home)
        if bu.id_length == 0:
            return
        # the advertisements go "onto the home link" (§8.2): the prefixes on-link there count, not
        # those of the home agent's other links, where the cast gives it an address of its own on
        # another interface (an address of another link's prefix resolves nothing on the home link)
        prefixes = {
            p for p in self._prefixes_of(r) or set() if not self._other_link_prefix(r, p, home)
        }
        iid = iid_of(home, bu.id_length)
        targets = {link_local(home, bu.id_length), site_local(home, 0, bu.id_length)}
        targets |= {p.with_iid(iid) for p in prefixes if p.length + bu.id_length == 128}
        targets.discard(home)  # the home address's own advertisement is judged by the observer
        if len(self._covered) < self.o.limits.max_bindings:
            self._covered.update(dict.fromkeys(targets, home))
        if not new or fl.gap:
            return
        owed = set()
        for tgt in targets:
            seen = self.na_seen.get(tgt)
            if (
                seen is not None
                and seen[1] >= fl.first_sent(bu)
                and (seen[0] == r or is_link_local(seen[0]))
            ):
                continue  # advertised between the update (its first copy) and its acknowledgement
            owed.add(tgt)
        if owed:
            self._owe(
                _Due(
                    "HA-GRATUITOUS-NA",
                    r,
                    r,
                    frozenset(owed),
                    self._index,
                    self._t + self.o.answer_timeout,
                )
            )

    def _other_link_prefix(self, r: Addr, p: Prefix, home: Addr) -> bool:
        """Is `p` the prefix of another link of home agent `r`: the cast gives `r` an address there on
        another interface (an alias), and neither `r`'s home-link address nor the home is in it?"""
        for spec in self.o.topology.home_agents:
            if r == spec.address or r in spec.aliases:
                if p.contains(spec.address) or p.contains(home):
                    return False
                return any(p.contains(x) for x in spec.aliases)
        return False

    def _judge_due(self, f: PacketFacts) -> None:
        keep: list[_Due] = []
        for d in self._due:
            if f.src not in (d.node, d.also) or self._t <= d.deadline + self.tol:
                keep.append(d)
                continue
            if d.node not in self.nd_senders and d.also not in self.nd_senders:
                continue  # the capture does not show this node's Neighbor Discovery traffic
            missing = ", ".join(fmt(t) for t in sorted(d.targets))
            # one verdict per registration, at this packet: where the observer already flags the
            # home address's own advertisement here, the two are one breach (deduplicated)
            if d.pid == "HA-PROXY-NS":
                self._flag(
                    "HA-PROXY-NS",
                    d.node,
                    f"Neighbor Solicitation in packet {d.origin} for {missing}, an address the home "
                    "registration covers (ID Length > 0), was not answered by the home agent",
                    (d.origin,),
                    section="8.2",
                )
            elif d.pid == "HA-GRATUITOUS-NA":
                self._flag(
                    "HA-GRATUITOUS-NA",
                    d.node,
                    f"no Neighbor Advertisement for {missing}, covered by the new home registration "
                    f"acknowledged in packet {d.origin} (ID Length > 0: every on-link prefix, "
                    "link-local and site-local)",
                    (d.origin,),
                    section="8.2",
                )
            else:
                self._flag(
                    "MN-RETURN-HOME",
                    d.node,
                    f"back home (Neighbor Advertisement in packet {d.origin}) but no Neighbor "
                    f"Advertisement for {missing} (every home address, link-local and site-local "
                    "included)",
                    (d.origin,),
                    section="9.13",
                )
        self._due = keep


__all__ = ["NeighborAds"]
