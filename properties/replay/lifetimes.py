"""What an accepted Binding Acknowledgement's Lifetime and Refresh oblige (§5.2), and whether a Binding
Update names a care-of address the mobile node is using (§9.5), judged from the packets alone.

- BC-BA-REFRESH: an acknowledgement accepting a Binding Update without the H bit (the sender is not
  serving as home agent for it) has Refresh equal to Lifetime.
- MN-HOMEREG-RENEW: after a home agent accepted a home registration with a finite Lifetime, a packet the
  mobile node sends away from home with a Home Address option for that home address, from the same
  care-of address, after that Lifetime ended, with no home registration sent since the grant: the node
  needed the service and did not renew it in time. Not judged when the flow shows missing packets, or
  when the node sends from another care-of address (it moved: a renewal from there may be unseen).
- MN-COA-IN-USE: a Care-of Address field that no node can be using (multicast, unspecified, loopback),
  or that the capture shows in use by another node and never by this mobile node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from mip6check.model.addr import Addr, fmt
from mip6check.properties.replay.base import ObserverBase
from mip6check.properties.replay.facts import PacketFacts
from mip6check.properties.replay.options import ReplayOptions
from mip6check.properties.replay.sa import KeyRing
from mip6check.properties.spec import obligation
from mip6check.properties.spec.lifetimes import (
    coa_in_use,
    coa_unusable,
    extends_remaining,
    lapsed,
    refresh_as_required,
    renewal_deadline,
)
from mip6check.properties.spec.logic import PY
from mip6check.properties.spec.wire import status_accepts


@dataclass(frozen=True, slots=True)
class _Grant:
    """A home agent's accepted home registration (§5.2): whom, until when, from which care-of address."""

    ha: Addr
    deadline: int  # ms: the acknowledgement's time plus the granted Lifetime
    coa: Addr
    bu_index: int
    ba_index: int
    lifetime: int  # seconds, as granted


@dataclass(frozen=True, slots=True)
class _User:
    """Who the capture shows using an address as its own (§9.5)."""

    owner: Addr  # the home address of a mobile node, or the node's own address
    what: str  # how it was used, for the message
    index: int


class Lifetimes(ObserverBase):
    """MN-HOMEREG-RENEW, BC-BA-REFRESH, MN-COA-IN-USE, judged at each outermost packet."""

    JUDGES: ClassVar[tuple[str, ...]] = (
        "BC-BA-REFRESH",
        "MN-HOMEREG-RENEW",
        "MN-COA-IN-USE",
        "MN-BR-LIFETIME",
        "MN-REFRESH",
        "MN-HOMEREG-DEST",
    )
    """The catalog rows this family's judges flag (checked.py declares their union to the spec)."""

    def __init__(self, opts: ReplayOptions, keys: KeyRing | None = None) -> None:
        super().__init__(opts, keys)
        self._grants: dict[Addr, _Grant] = {}  # home address -> its unrenewed grant
        self._users: dict[Addr, _User] = {}  # address -> its last user seen
        self._sent_from: dict[Addr, set[Addr]] = {}  # home address -> sources it sent from
        # home address -> peer -> (the Refresh period it recommended, whether a home registration)
        self._refresh: dict[Addr, dict[Addr, tuple[_Grant, bool]]] = {}
        self._dest_ok: set[tuple[Addr, Addr]] = set()  # (destination, home) on the home subnet
        self._requests: dict[
            tuple[Addr, Addr], tuple[int, int]
        ] = {}  # (home, peer) -> BR (packet, ms)
        bound = obligation("MN-HOMEREG-RENEW").bound
        assert bound is not None
        self._renew_tol = bound.ms(self.cfg)

    def _lifetimes(self, f: PacketFacts, auth: bool) -> None:
        """Observe one outermost packet (after the other families, so the flows know its BU/BA)."""
        hao = f.hao
        if f.ba is not None:
            self._granted(f)
        if f.br is not None:
            self._requested(f)
        if f.bu is not None and hao is not None and auth:
            self._updated(f, hao.home_address)
        elif hao is not None and f.src != hao.home_address and f.bu is None:
            self._needs_service(f, hao.home_address)
        if (hao is not None and f.bu is not None) or f.ba is not None or f.br is not None:
            self._note_users(f)

    # ------------------------------------------------------------ §5.2

    def _granted(self, f: PacketFacts) -> None:
        ba = f.ba
        assert ba is not None
        if not status_accepts(PY, ba.status):
            return
        r = f.src
        home = f.final_dst
        if f.rh is None or f.rh.segments_left == 0:
            home = self.coa_home.get(f.dst, f.dst)
        fl = self.flows.get((home, r))
        bu = fl.bu_with_seq(ba.seq) if fl is not None else None
        if (
            bu is None
            or not bu.auth
            or bu.t > self._t
            or self._t - bu.t > 2 * self.cfg.max_bindack_timeout
        ):
            return
        deletion = bu.lifetime == 0 or bu.coa == bu.home
        due = None if deletion else renewal_deadline(self._t, ba.refresh)
        peers = self._refresh.setdefault(home, {})
        if due is None or not bu.h:
            # a correspondent's binding: a mobile node may let it go (§9.5 MAY), so its packets
            # with a Home Address option show no need to refresh it
            peers.pop(r, None)
        elif len(peers) < 64:
            peers[r] = (_Grant(r, due, bu.coa, bu.index, self._index, ba.refresh), bu.h)
        if not bu.h:
            reg = self.reg.get(home)
            serving = reg is not None and reg.dst == r
            if not deletion and not refresh_as_required(serving, ba.lifetime, ba.refresh):
                self._flag(
                    "BC-BA-REFRESH",
                    r,
                    f"Binding Acknowledgement accepting the Binding Update of packet {bu.index} (no H "
                    f"bit: not a home registration) has Refresh {ba.refresh} s, not its Lifetime "
                    f"{ba.lifetime} s",
                    (bu.index,),
                )
            return
        deadline = None if deletion else renewal_deadline(self._t, ba.lifetime)
        if deadline is None:
            self._grants.pop(home, None)
            return
        self._grants[home] = _Grant(r, deadline, bu.coa, bu.index, self._index, ba.lifetime)

    def _needs_service(self, f: PacketFacts, home: Addr) -> None:
        """A packet the mobile node sends away from home as `home`: it still needs its home agent."""
        self._still_used(f, home)
        g = self._grants.get(home)
        if g is None or not lapsed(g.deadline, self._t, self._renew_tol + self.tol):
            return
        del self._grants[home]
        fl = self.flows.get((home, g.ha))
        if (fl is not None and fl.gap) or f.src != g.coa:
            return  # packets missing on the flow, or the node moved: a renewal may be unseen
        self._flag(
            "MN-HOMEREG-RENEW",
            home,
            f"sends as {fmt(home)} from its care-of address {fmt(f.src)} at {self._t / 1000:.3f} s, "
            f"after the Lifetime of {g.lifetime} s granted by home agent {fmt(g.ha)} in packet "
            f"{g.ba_index} ended at {g.deadline / 1000:.3f} s, without having sent a new Binding "
            "Update to renew it",
            (g.bu_index, g.ba_index),
            key=g.ba_index,
        )

    def _still_used(self, f: PacketFacts, home: Addr) -> None:
        """§5.2 (MN-REFRESH): a packet sent as `home` after the Refresh period its home agent
        recommended ran out unrenewed."""
        peers = self._refresh.get(home)
        if not peers:
            return
        for peer, (g, home_reg) in list(peers.items()):
            if not (home_reg or f.final_dst == peer):
                continue
            if not lapsed(g.deadline, self._t, self._renew_tol + self.tol):
                continue
            del peers[peer]
            fl = self.flows.get((home, peer))
            if (fl is not None and fl.gap) or f.src != g.coa:
                continue  # packets missing on the flow, or the node moved: a refresh may be unseen
            whom = "home agent" if home_reg else "correspondent"
            self._flag(
                "MN-REFRESH",
                home,
                f"sends as {fmt(home)} from {fmt(f.src)} at {self._t / 1000:.3f} s, after the "
                f"Refresh period of {g.lifetime} s recommended by {whom} {fmt(peer)} in packet "
                f"{g.ba_index} ran out at {g.deadline / 1000:.3f} s, without a new Binding Update "
                "to it",
                (g.bu_index, g.ba_index),
                key=g.ba_index,
            )

    # ------------------------------------------------------------ §5.1

    def _home_subnet_dest(self, f: PacketFacts, home: Addr) -> None:
        """§5.1 (C5.1-01, the sender's side): a Binding Update with the H bit goes to a router sharing
        the subnet prefix of the home address: one with that prefix on-link (the topology's, or
        `--home-prefix`, or the /64 of its address, as the §8.2 on-link test reads it). A §9.6
        update's home address is the old care-of address, whose previous router shares it."""
        dest = f.final_dst
        if (dest, home) in self._dest_ok:
            return
        on_link = self._prefixes_of(self.alias.get(dest, dest)) or set()
        if any(p.contains(home) for p in on_link):
            if len(self._dest_ok) < self.o.limits.max_bindings:
                self._dest_ok.add((dest, home))
            return
        shown = ", ".join(f"{fmt(p.network)}/{p.length}" for p in sorted(on_link, key=str))
        self._flag(
            "MN-HOMEREG-DEST",
            home,
            f"Binding Update with the H bit sent to {fmt(dest)}, a node whose on-link prefixes "
            f"({shown or 'none known'}) do not hold the home address {fmt(home)}",
            section="5.1",
        )

    # ------------------------------------------------------------ §9.11

    def _requested(self, f: PacketFacts) -> None:
        home = f.final_dst
        if f.rh is None or f.rh.segments_left == 0:
            home = self.coa_home.get(f.dst, f.dst)
        if home in self.homes and len(self._requests) < self.o.limits.max_bindings:
            self._requests[(home, f.src)] = (self._index, self._t)

    def _answered(self, f: PacketFacts, home: Addr) -> None:
        """§9.11: the Binding Update answering a Binding Request extends the lifetime remaining from
        the previous one sent to that node (Lifetime 0, keeping the binding private, is exempt)."""
        bu = f.bu
        assert bu is not None
        asked = self._requests.pop((home, f.dst), None)
        if asked is None or self._t - asked[1] > self.o.answer_timeout or bu.lifetime == 0:
            return
        fl = self.flows.get((home, f.dst))
        prev = None
        if fl is not None:
            prev = next(
                (b for b in reversed(fl.bus) if b.auth and b.index < asked[0] and b.lifetime),
                None,
            )
        if (
            prev is None
            or fl is None
            or fl.gap
            or extends_remaining(prev.t, prev.lifetime, self._t, bu.lifetime)
        ):
            return
        self._flag(
            "MN-BR-LIFETIME",
            home,
            f"Binding Update answering the Binding Request of packet {asked[0]} has Lifetime "
            f"{bu.lifetime} s, ending at {(self._t + bu.lifetime * 1000) / 1000:.3f} s: it does not "
            f"extend the lifetime of the Binding Update of packet {prev.index} to that node, which "
            f"ends at {(prev.t + prev.lifetime * 1000) / 1000:.3f} s",
            (prev.index, asked[0]),
            section="9.11",
        )

    # ------------------------------------------------------------ §9.5

    def _updated(self, f: PacketFacts, home: Addr) -> None:
        bu = f.bu
        assert bu is not None
        self._sent_from.setdefault(home, set()).add(f.src)
        if bu.h:
            self._grants.pop(home, None)  # renewed, de-registered, or registering elsewhere
            self._home_subnet_dest(f, home)
        self._refresh.get(home, {}).pop(f.dst, None)  # refreshed (or deleted)
        self._answered(f, home)
        coa = bu.care_of if bu.care_of is not None else f.src
        why = coa_unusable(coa)
        related: tuple[int, ...] = ()
        if why is None and bu.care_of is not None and coa != f.src:
            user = self._users.get(coa)
            if user is not None and not self._same_node(user.owner, home):
                mine = frozenset(self._sent_from.get(home, ()))
                if not coa_in_use(coa, home, mine):
                    why = f"{user.what} (packet {user.index})"
                    related = (user.index,)
        if why is None:
            return
        self._flag(
            "MN-COA-IN-USE",
            home,
            f"Binding Update to {fmt(f.dst)} names care-of address {fmt(coa)}, {why}; not one the "
            "mobile node is using",
            related,
        )

    def _same_node(self, owner: Addr, home: Addr) -> bool:
        """`owner` is `home` or an address `home`'s node has sent from (a §9.6 update's home address is
        its previous care-of address); what a Binding Update merely claims is no evidence."""
        return owner == home or owner in self._sent_from.get(home, ())

    def _note_users(self, f: PacketFacts) -> None:
        """Who uses which address, from signalling alone (a mobile node's Binding Updates, the
        senders of acknowledgements and requests): what `replay --shard-by mn`'s global pass also
        holds, so MN-COA-IN-USE reaches the same verdicts sharded or not (docs/scale.md)."""
        hao = f.hao
        i = self._index
        if hao is not None and f.bu is not None:
            h = hao.home_address
            self._users[h] = _User(h, f"the home address of the mobile node {fmt(h)}", i)
            if f.src != h:
                self._users[f.src] = _User(
                    h, f"the care-of address the mobile node {fmt(h)} sends its updates from", i
                )
                self._sent_from.setdefault(h, set()).add(f.src)
        elif (f.ba is not None or f.br is not None) and f.src not in self.coa_home:
            kind = "Acknowledgement" if f.ba is not None else "Request"
            self._users[f.src] = _User(
                f.src, f"the address of the node that sent the Binding {kind}", i
            )


__all__ = ["Lifetimes"]
