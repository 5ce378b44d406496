"""Binding Cache (§4.3, §7.3, §7.4, §7.7, §7.8, §8.2, §8.3): bounded, one entry per home address.

Every change goes through the decision kernel (`kernel.apply_bu`, `expire_entry`, `evict_entry`,
`icmp_unreach_entry`) evaluated with `PY`, so the Z3 encoding checks the very transitions run here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from mip6check.model.addr import Addr
from mip6check.model.config import Config
from mip6check.model.errors import ModelUsageError
from mip6check.model.roles import kernel as K
from mip6check.model.roles.events import CacheDeleted, CacheEntryView, CacheUpdated, RoleEvent
from mip6check.model.roles.logic import PY


@dataclass(frozen=True, slots=True)
class CacheRecord:
    """One entry with every §4.3 field: home, care-of, lifetime (granted, s; expiry ms), home
    registration flag, ID Length, maximum Sequence Number, recent use, time of the last Binding Request."""

    home: Addr
    coa: Addr
    seq: int
    home_reg: bool
    expiry: int
    infinite: bool
    last_used: int
    id_length: int = 0
    lifetime: int = 0
    br_sent: int | None = None
    unreach: int = 0  # §7.8 Destination Unreachable count for packets routed by this entry

    def kernel(self) -> K.Entry:
        return K.Entry(
            True,
            self.home,
            self.coa,
            self.seq,
            self.home_reg,
            self.expiry,
            self.infinite,
            self.last_used,
        )

    def view(self) -> CacheEntryView:
        return CacheEntryView(
            self.home,
            self.coa,
            self.seq,
            None if self.infinite else self.expiry,
            self.home_reg,
            self.id_length,
            self.last_used,
        )


ABSENT = K.Entry(False, b"", b"", 0, False, 0, False, 0)


@dataclass(frozen=True, slots=True)
class BuDecision:
    """What one Binding Update did: the §7.2 Check, the CacheOp, the Status, whether the cache changed."""

    check: K.Check
    op: K.CacheOp
    status: int
    changed: bool
    created: bool
    events: tuple[RoleEvent, ...]


class BindingCache:
    """The cache of one node. `capacity` bounds the number of entries (§7.7)."""

    def __init__(self, node: str, config: Config, capacity: int = 64) -> None:
        if capacity < 1:
            raise ModelUsageError("Binding Cache capacity must be >= 1")
        self.node = node
        self.config = config
        self.capacity = capacity
        self._entries: dict[Addr, CacheRecord] = {}
        # entries the kernel kept when their expiry was tested at or after it: no timer for them again
        # (never in a correct kernel, which deletes them; one that keeps them must not stall the clock)
        self._kept_past: set[Addr] = set()

    # ------------------------------------------------------------ reading
    def get(self, home: Addr) -> CacheRecord | None:
        """The entry for `home` as stored (no use mark, no expiry test)."""
        return self._entries.get(home)

    def __len__(self) -> int:
        return len(self._entries)

    def records(self) -> tuple[CacheRecord, ...]:
        return tuple(sorted(self._entries.values(), key=lambda r: r.home))

    def views(self) -> tuple[CacheEntryView, ...]:
        return tuple(r.view() for r in self.records())

    def next_deadline(self) -> int | None:
        finite = [
            r.expiry
            for r in self._entries.values()
            if not r.infinite and r.home not in self._kept_past
        ]
        return min(finite) if finite else None

    def lookup(self, home: Addr, now: int) -> CacheRecord | None:
        """§4.3, §7.9: the entry used to route a packet to `home`; marks its last use. An expired entry
        is never used (BC-EXPIRE)."""
        found = self.route(home, now)
        return found[0] if found is not None else None

    def route(
        self, home: Addr, now: int, *, home_registration: bool = False
    ) -> tuple[CacheRecord, Addr] | None:
        """(entry, care-of address) a packet for `home` is routed by, as the kernel decides it
        (kernel.binding_route, §7.9; kernel.tunnel_route with `home_registration`, §8.2, §8.4), or
        None; marks the entry's last use."""
        rec = self._entries.get(home)
        if rec is None:
            return None
        decide = K.tunnel_route if home_registration else K.binding_route
        use, coa = decide(PY, rec.kernel(), now)
        if not use:
            return None
        rec = replace(rec, last_used=max(rec.last_used, now))
        self._entries[home] = rec
        return rec, coa

    def note_br(self, home: Addr, now: int) -> None:
        rec = self._entries.get(home)
        if rec is not None:
            self._entries[home] = replace(rec, br_sent=now)

    # ------------------------------------------------------------ changes (through the kernel only)
    def process(self, bu: K.BUIn, env: K.NodeEnv, now: int, *, id_length: int = 0) -> BuDecision:
        """Apply one Binding Update (§7.2-§7.4, §7.7, §8.2, §8.3). `env.cache_full` and
        `env.any_evictable` are filled in here from the cache itself. Entries whose lifetime ran out
        are deleted first, so an expired binding never takes part (BC-EXPIRE)."""
        expired = self.expire(now)
        evictable = [r for r in self._entries.values() if K.is_evictable(PY, r.home_reg)]
        env = replace(
            env, cache_full=len(self._entries) >= self.capacity, any_evictable=bool(evictable)
        )
        old = self._entries.get(bu.home)
        before = old.kernel() if old is not None else ABSENT
        new, check, op, status = K.apply_bu(PY, self.config, before, bu, env, now)
        events: list[RoleEvent] = list(expired)
        op = K.CacheOp(op)
        if op is K.CacheOp.EVICT_AND_UPDATE:
            # the kernel's decision as given: with nothing evictable (never when the kernel is right:
            # it answers 131 then, §7.7) the entry is stored past the cache's size
            victim = min(evictable, key=lambda r: (r.last_used, r.home), default=None)
            if victim is not None:
                events.extend(self._evict(victim))
        changed = op is not K.CacheOp.NONE and (new != before or op is not K.CacheOp.DELETE)
        if new.present:
            rec = CacheRecord(
                home=new.home,
                coa=new.coa,
                seq=new.seq,
                home_reg=bool(new.home_reg),
                expiry=new.expiry,
                infinite=bool(new.infinite),
                last_used=new.last_used,
                id_length=id_length,
                lifetime=bu.lifetime,
                br_sent=old.br_sent if old is not None and old.coa == new.coa else None,
            )
            if op in (K.CacheOp.UPDATE, K.CacheOp.EVICT_AND_UPDATE):
                self._entries[bu.home] = rec
                self._kept_past.discard(bu.home)
                events.append(
                    CacheUpdated(
                        self.node,
                        rec.home,
                        rec.coa,
                        rec.seq,
                        bu.lifetime,
                        rec.home_reg,
                        old is None,
                        "8.2" if rec.home_reg else "7.3",
                    )
                )
        elif old is not None:
            del self._entries[bu.home]
            events.append(
                CacheDeleted(self.node, bu.home, "bu", old.home_reg, "8.3" if bu.h else "7.4")
            )
        else:
            changed = False
        return BuDecision(
            K.Check(check), op, int(status), changed, old is None and new.present, tuple(events)
        )

    def _evict(self, victim: CacheRecord) -> list[RoleEvent]:
        after = K.evict_entry(PY, victim.kernel(), True)
        if after.present:  # the kernel refused (home registration): nothing happens
            return []
        del self._entries[victim.home]
        return [CacheDeleted(self.node, victim.home, "evict", victim.home_reg, "7.7")]

    def expire(self, now: int) -> list[RoleEvent]:
        """§4.3, §7.7: delete every entry whose lifetime ran out (BC-EXPIRE; infinite ones stay)."""
        events: list[RoleEvent] = []
        for rec in self.records():
            if not K.expire_entry(PY, rec.kernel(), now).present:
                del self._entries[rec.home]
                self._kept_past.discard(rec.home)
                events.append(CacheDeleted(self.node, rec.home, "expiry", rec.home_reg, "4.3"))
            elif not rec.infinite and rec.expiry <= now:
                self._kept_past.add(rec.home)
        return events

    def icmp_unreachable(self, home: Addr, limit: int) -> list[RoleEvent]:
        """§7.8: count a Destination Unreachable for a packet routed by the entry for `home`; delete
        the entry once the count is `limit` (persistent), unless it is a home registration."""
        rec = self._entries.get(home)
        if rec is None:
            return []
        rec = replace(rec, unreach=rec.unreach + 1)
        self._entries[home] = rec
        if K.icmp_unreach_entry(PY, rec.kernel(), rec.unreach, limit).present:
            return []
        del self._entries[home]
        return [CacheDeleted(self.node, home, "icmp", rec.home_reg, "7.8")]
