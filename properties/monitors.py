"""Runtime monitors: the catalog's event- and state-level properties evaluated incrementally over any run
(simulation, Hypothesis run). Properties observe; they never act (STYLE principle 12).

They judge with properties/draft_rules.py (the draft's definitions), never with the model's kernel, so a
fault patched into the kernel changes what the model does but not what the monitor demands.

Feed `(time_ms, event)` pairs in log order with `feed`, and node snapshots with `check_state`; each
breach becomes a Violation naming the property, the section and the log step that shows it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from mip6check.model.addr import Addr
from mip6check.model.addr import fmt as _fmt_addr
from mip6check.model.config import DEFAULT, Config, RateScope
from mip6check.model.roles.events import (
    BindingAckReceived,
    BindingIgnored,
    BindingProcessed,
    BindingUpdateSent,
    CacheDeleted,
    CacheUpdated,
    NodeSnapshot,
    RoleEvent,
)
from mip6check.model.roles.logic import PY
from mip6check.properties import draft_rules as rules
from mip6check.properties.catalog import CATALOG
from mip6check.properties.verdict import Violation

INFINITE = 0xFFFFFFFF  # §5.1: infinity


def fmt(addr: Addr) -> str:
    """An address for a message; a broken model may log a key that is not one (e.g. no Home Address)."""
    return _fmt_addr(addr) if len(addr) == 16 else f"<{addr.hex() or 'no address'}>"


# the properties this module can judge from events and snapshots
MONITORED: tuple[str, ...] = (
    "BC-UNIQUE",
    "BC-SEQ-MONOTONIC",
    "BC-STALE-IGNORED",
    "BC-HAO-NO-STATE",
    "BC-BA-STATUS",
    "BC-EXPIRE",
    "BC-INFINITE",
    "BC-HOMEREG-NOEVICT",
    "HA-HOMEREG-MARK",
    "MN-BUL-RECORD",
    "MN-SEQ-INCREASE",
    "MN-RETX-SAME-SEQ",
    "MN-BACKOFF",
    "MN-HOME-RETX",
    "MN-CN-RETX-STOP",
    "MN-RATE-LIMIT",
    "MN-SLOW-RATE",
    "MN-BA-ACCEPTED",
    "MN-BA-REJECTED",
)


@dataclass
class _Sent:
    """What a monitor remembers of the BUs one mobile node sent to one (destination, home address)."""

    seq: int
    coa: Addr
    home_reg: bool
    first_time: int  # the original transmission of this sequence number
    last_time: int
    gap: int | None = None  # the §9.7 timeout that scheduled the last retransmission
    settled: bool = False  # an accepted/rejected BA stopped retransmission (§9.10)
    consecutive: int = 1  # BUs to this destination with the same care-of address (§9.8)
    lifetime: int = 0


@dataclass
class MonitorSet:
    """All event/state monitors of the catalog for one run, under one reading of the draft."""

    config: Config = DEFAULT
    tolerance_ms: int = 0
    only: frozenset[str] | None = None
    violations: list[Violation] = field(default_factory=list)
    _step: int = 0
    _cache: dict[tuple[str, Addr], tuple[int, bool, bool]] = field(
        default_factory=dict
    )  # seq, home_reg, infinite
    _group: list[tuple[int, RoleEvent]] = field(default_factory=list)
    _group_key: tuple[int, str] | None = None
    _sent: dict[tuple[str, Addr, Addr], _Sent] = field(default_factory=dict)
    _last_any: dict[str, int] = field(default_factory=dict)
    _once: set[tuple[str, str, bytes]] = field(default_factory=set)

    # ------------------------------------------------------------------ plumbing

    def _on(self, prop: str) -> bool:
        return self.only is None or prop in self.only

    def _flag(self, prop: str, node: str, time: int, message: str) -> None:
        if not self._on(prop):
            return
        p = CATALOG[prop]
        self.violations.append(
            Violation(
                property=prop,
                section=", ".join(p.sections),
                level=p.level,
                node=node,
                message=message,
                time=time / 1000,
                step=self._step,
            )
        )

    def _flag_once(self, prop: str, node: str, subject: bytes, time: int, message: str) -> None:
        """A state invariant seen broken in many snapshots is one violation, reported at its first sighting."""
        key = (prop, node, subject)
        if key not in self._once:
            self._once.add(key)
            self._flag(prop, node, time, message)

    def feed_all(self, log: Iterable[tuple[int, RoleEvent]]) -> list[Violation]:
        for t, ev in log:
            self.feed(t, ev)
        self.flush()
        return self.violations

    def feed(self, time: int, event: RoleEvent) -> None:
        """One logged event. Events of one node at one instant are judged together (one transition)."""
        self._step += 1
        key = (time, event.node)
        if self._group_key is not None and key != self._group_key:
            self.flush()
        self._group_key = key
        self._group.append((time, event))
        self._event(time, event)

    def flush(self) -> None:
        """Judge the pending transition (the events of one node at one instant)."""
        if self._group:
            self._transition(self._group)
        self._group = []
        self._group_key = None

    # ------------------------------------------------------------------ per-transition checks

    def _transition(self, group: list[tuple[int, RoleEvent]]) -> None:
        """BC-STALE-IGNORED, BC-HAO-NO-STATE, BC-BA-STATUS: cache changes happen only with a decided BU."""
        t = group[0][0]
        ignored = {e.home for _, e in group if isinstance(e, BindingIgnored)}
        decided = {e.home for _, e in group if isinstance(e, BindingProcessed)}
        for _, e in group:
            if not (
                isinstance(e, CacheUpdated) or (isinstance(e, CacheDeleted) and e.reason == "bu")
            ):
                continue
            home = e.home
            if home in ignored and home not in decided:
                self._flag(
                    "BC-STALE-IGNORED",
                    e.node,
                    t,
                    f"a Binding Update for {fmt(home)} failed §7.2 yet the Binding Cache changed",
                )
            elif home not in decided:
                self._flag(
                    "BC-HAO-NO-STATE",
                    e.node,
                    t,
                    f"the Binding Cache entry for {fmt(home)} changed without a Binding Update (a Home Address option alone must not change it)",
                )
        for _, e in group:
            if isinstance(e, BindingProcessed):
                ok = rules.status_accepts(e.status)
                # an accepted deletion (care-of address = home address, §7.4) of an entry that does not
                # exist changes nothing and is still acknowledged with Status 0 (wire-formats B8)
                deletion = e.coa == e.home or e.lifetime == 0
                if ok and not e.cache_changed and deletion and (e.node, e.home) not in self._cache:
                    continue
                if ok != e.cache_changed:
                    self._flag(
                        "BC-BA-STATUS",
                        e.node,
                        t,
                        f"Status {e.status} for the Binding Update from {fmt(e.home)} but the cache {'was' if e.cache_changed else 'was not'} changed",
                    )

    # ------------------------------------------------------------------ per-event checks

    def _event(self, t: int, e: RoleEvent) -> None:
        if isinstance(e, CacheUpdated):
            key = (e.node, e.home)
            old = self._cache.get(key)
            if (
                old is not None
                and not e.created
                and not rules.greater(PY, e.seq, old[0], self.config)
            ):
                self._flag(
                    "BC-SEQ-MONOTONIC",
                    e.node,
                    t,
                    f"entry for {fmt(e.home)} updated by Sequence Number {e.seq}, not greater than the stored {old[0]} (mod 2^16)",
                )
            self._cache[key] = (e.seq, e.home_reg, e.lifetime == INFINITE)
        elif isinstance(e, CacheDeleted):
            old = self._cache.pop((e.node, e.home), None)
            if e.reason == "evict" and (e.home_reg or (old is not None and old[1])):
                self._flag(
                    "BC-HOMEREG-NOEVICT",
                    e.node,
                    t,
                    f"home registration for {fmt(e.home)} removed by cache replacement (§7.7)",
                )
            if e.reason == "expiry" and old is not None and old[2]:
                self._flag(
                    "BC-INFINITE",
                    e.node,
                    t,
                    f"entry for {fmt(e.home)} with Lifetime 0xffffffff expired",
                )
        elif isinstance(e, BindingUpdateSent):
            self._bu_sent(t, e)
        elif isinstance(e, BindingAckReceived):
            if e.outcome in ("ACCEPTED", "REJECTED"):
                mine = [
                    s
                    for (node, _d, _h), s in self._sent.items()
                    if node == e.node and s.seq == e.seq
                ]
                exact = [
                    s
                    for (node, dest, _h), s in self._sent.items()
                    if node == e.node and dest == e.source and s.seq == e.seq
                ]
                # §8.1: the answer to a BU sent to the Home-Agents anycast address comes from a unicast one
                for s in exact or mine:
                    s.settled = True

    def _bu_sent(self, t: int, e: BindingUpdateSent) -> None:
        cfg = self.config
        key = (e.node, e.destination, e.home)
        prev = self._sent.get(key)
        rate_key = (
            e.node if cfg.rate_scope is RateScope.AGGREGATE else f"{e.node}>{fmt(e.destination)}"
        )
        last = self._last_any.get(rate_key)
        if last is not None and t - last + self.tolerance_ms < cfg.max_update_rate:
            self._flag(
                "MN-RATE-LIMIT",
                e.node,
                t,
                f"Binding Update to {fmt(e.destination)} {t - last} ms after the previous one (MAX_UPDATE_RATE {cfg.max_update_rate} ms)",
            )
        self._last_any[rate_key] = t
        if e.retransmission:
            if prev is None:
                return  # the original was not observed
            if e.seq != prev.seq:
                self._flag(
                    "MN-RETX-SAME-SEQ",
                    e.node,
                    t,
                    f"retransmission to {fmt(e.destination)} changed Sequence Number {prev.seq} -> {e.seq}",
                )
            if prev.settled:
                prop = "MN-BA-ACCEPTED"
                self._flag(
                    prop,
                    e.node,
                    t,
                    f"Binding Update {e.seq} retransmitted to {fmt(e.destination)} after its Binding Acknowledgement ended retransmission (§9.10)",
                )
            gap = t - prev.last_time
            interval = rules.backoff_after(
                prev.gap, cfg
            )  # §9.7: the timeout for this retransmission
            # §9.8 may hold it back further: after MAX_FAST_UPDATES consecutive BUs, SLOW_UPDATE_RATE
            want = max(interval, rules.min_gap(prev.consecutive, cfg))
            if abs(gap - want) > self.tolerance_ms:
                self._flag(
                    "MN-BACKOFF",
                    e.node,
                    t,
                    f"retransmission to {fmt(e.destination)} after {gap} ms; back-off expects {want} ms"
                    + (
                        f" (timeout {interval} ms, held to the §9.8 gap)"
                        if want != interval
                        else ""
                    ),
                )
            if (
                not prev.home_reg
                and prev.gap is not None
                and not rules.correspondent_retx_allowed(interval, cfg)
            ):
                self._flag(
                    "MN-CN-RETX-STOP",
                    e.node,
                    t,
                    f"Binding Update to correspondent {fmt(e.destination)} retransmitted after the interval reached MAX_BINDACK_TIMEOUT",
                )
            count = prev.consecutive
            if (
                t + self.tolerance_ms - prev.last_time < rules.min_gap(count, cfg)
                and count >= cfg.max_fast_updates
            ):
                self._flag(
                    "MN-SLOW-RATE",
                    e.node,
                    t,
                    f"{count} consecutive Binding Updates to {fmt(e.destination)}, then one {t - prev.last_time} ms later (SLOW_UPDATE_RATE {cfg.slow_update_rate} ms)",
                )
            prev.last_time, prev.gap = t, interval
            prev.consecutive += 1
            return
        if prev is not None and not rules.greater(PY, e.seq, prev.seq, cfg):
            self._flag(
                "MN-SEQ-INCREASE",
                e.node,
                t,
                f"new Binding Update to {fmt(e.destination)} uses Sequence Number {e.seq}, not greater than the previous {prev.seq}",
            )
        consecutive = prev.consecutive + 1 if prev is not None and prev.coa == e.coa else 1
        if prev is not None and prev.coa == e.coa and prev.consecutive >= cfg.max_fast_updates:
            if t + self.tolerance_ms - prev.last_time < rules.min_gap(prev.consecutive, cfg):
                self._flag(
                    "MN-SLOW-RATE",
                    e.node,
                    t,
                    f"{prev.consecutive} consecutive Binding Updates to {fmt(e.destination)} with one care-of address, then one {t - prev.last_time} ms later",
                )
        self._sent[key] = _Sent(
            seq=e.seq,
            coa=e.coa,
            home_reg=e.home_reg,
            first_time=t,
            last_time=t,
            consecutive=consecutive,
            lifetime=e.lifetime,
        )

    # ------------------------------------------------------------------ state checks

    def check_state(self, now: int, snapshots: Mapping[str, NodeSnapshot]) -> None:
        """Invariants over frozen snapshots: BC-UNIQUE, BC-EXPIRE, MN-BUL-RECORD, MN-HOME-RETX, HA-HOMEREG-MARK."""
        self.flush()
        for name, snap in snapshots.items():
            homes = [e.home for e in snap.binding_cache]
            if len(homes) != len(set(homes)):
                self._flag_once(
                    "BC-UNIQUE", name, b"", now, "two Binding Cache entries for one home address"
                )
            for e in snap.binding_cache:
                if e.expiry is not None and e.expiry + self.tolerance_ms < now:
                    self._flag_once(
                        "BC-EXPIRE",
                        name,
                        e.home + (e.expiry or 0).to_bytes(8, "big"),
                        now,
                        f"entry for {fmt(e.home)} still held {now - e.expiry} ms after its lifetime ran out",
                    )
                known = self._cache.get((name, e.home))
                if known is not None and known[1] and not e.home_reg:
                    self._flag_once(
                        "HA-HOMEREG-MARK",
                        name,
                        e.home,
                        now,
                        f"entry for {fmt(e.home)} accepted as a home registration is not marked as one",
                    )
            bul = {(b.destination, b.home): b for b in snap.bul}
            for (node, dest, home), s in self._sent.items():
                if node != name:
                    continue
                alive = s.lifetime == INFINITE or now < s.first_time + s.lifetime * 1000
                entry = bul.get((dest, home))
                if alive and not s.settled and entry is None:
                    self._flag_once(
                        "MN-BUL-RECORD",
                        name,
                        dest + home + s.seq.to_bytes(2, "big"),
                        now,
                        f"Binding Update {s.seq} to {fmt(dest)} is not in the Binding Update List",
                    )
                if (
                    s.home_reg
                    and not s.settled
                    and entry is not None
                    and entry.seq == s.seq
                    and now > s.last_time + self.config.max_bindack_timeout + self.tolerance_ms
                ):
                    self._flag_once(
                        "MN-HOME-RETX",
                        name,
                        dest + home + s.seq.to_bytes(2, "big"),
                        now,
                        f"home registration {s.seq} to {fmt(dest)} unacknowledged and not retransmitted for {now - s.last_time} ms",
                    )


def check_run(
    log: Iterable[tuple[int, RoleEvent]],
    config: Config = DEFAULT,
    *,
    only: Iterable[str] | None = None,
) -> list[Violation]:
    """Every event monitor over a whole logged run (no snapshots)."""
    ms = MonitorSet(config=config, only=frozenset(only) if only is not None else None)
    return ms.feed_all(log)
