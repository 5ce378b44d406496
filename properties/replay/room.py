"""What a capture shows of a receiver's Binding Cache room (§7.3, §7.7): how many entries it may
hold, and when it surely holds as many home registrations as its size (nothing evictable)."""

from __future__ import annotations

from typing import ClassVar

from mip6check.model.addr import Addr
from mip6check.properties.replay.base import ObserverBase
from mip6check.properties.replay.state import Flow, SeenBU
from mip6check.properties.spec.binding_cache import asks_delete
from mip6check.properties.spec.logic import PY
from mip6check.properties.spec.wire import infinite


class CacheRoom(ObserverBase):
    """BC-CREATE's room (131 with room) and BC-HOMEREG-FULL-131's fullness, from the cache sizes the
    topology states and the bindings the capture shows granted."""

    JUDGES: ClassVar[tuple[str, ...]] = ("BC-CREATE",)
    """The catalog rows this family's judges flag (checked.py declares their union to the spec)."""

    def _refused_with_room(self, fl: Flow, bu: SeenBU, r: Addr) -> None:
        """BC-CREATE (§7.3, §7.7): a valid Binding Update without H SHOULD create the entry; Status 131
        (insufficient resources) is the answer of a cache with no room that can be made. With the
        cache capacity stated (topology) and fewer bindings at the receiver than that, every one of
        them seen being granted and none of its flows with unseen updates, there was room."""
        cap = self.o.topology.capacity_of(r)
        if cap is None or asks_delete(PY, bu.lifetime, bu.coa == bu.home):
            return
        me = self.alias.get(r, r)
        held = 0
        for other in self.flows.values():
            if self.alias.get(other.dst, other.dst) != me or other is fl:
                continue
            if other.gap:
                return  # an update the capture did not show may have filled it
            held += self._may_hold(other)
        if held >= cap:
            return
        self._flag(
            "BC-CREATE",
            r,
            f"Status 131 (insufficient resources) for the Binding Update in packet {bu.index}, "
            f"with at most {held} of its {cap} Binding Cache entries held: it had room to create "
            "the entry",
            (bu.index,),
            section="7.3",
        )

    def _may_hold(self, fl: Flow) -> bool:
        """Could the receiver of `fl` hold an entry for its home now (counted generously: any update
        asking for a binding whose lifetime has not run out, unless a later deletion was granted)?"""
        if fl.known == "present" and (fl.k_expiry is None or fl.k_expiry > self._t - self.tol):
            return True
        deleted_at = fl.k_bu.t if fl.known == "absent" and fl.k_bu is not None else -1
        return any(
            b.t > deleted_at
            and not asks_delete(PY, b.lifetime, b.coa == b.home)
            and (infinite(PY, b.lifetime) or b.t + b.lifetime * 1000 > self._t - self.tol)
            for b in fl.bus
        )

    def _rooms(self, fl: Flow, bu: SeenBU, r: Addr) -> tuple[tuple[bool, bool], ...]:
        """The (full, any evictable) states the receiver's cache may be in when `bu` arrives: only
        (full, nothing evictable) when, its size stated, it surely holds that many unexpired home
        registrations for other homes (§7.7: a home registration is never evicted), each granted with
        no update seen or possible since; else every state."""
        every = ((False, False), (False, True), (True, False), (True, True))
        cap = self.o.topology.capacity_of(r)
        if cap is None or not bu.h:
            return every
        me = self.alias.get(r, r)
        held = 0
        for other in self.flows.values():
            if other is fl or other.home == fl.home:
                continue
            if self.alias.get(other.dst, other.dst) != me or other.known != "present":
                continue
            kb = other.k_bu
            if kb is None or not other.k_home_reg or other.gap:
                continue
            if other.k_expiry is not None and other.k_expiry <= self._t + self.tol:
                continue
            if any(b.t > kb.t and b.seq != kb.seq for b in other.bus):
                continue
            if self._unseen_bu_possible(other, kb.t, self._t):
                continue
            held += 1
        return ((True, False),) if held >= cap else every
