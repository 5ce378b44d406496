"""Runtime monitors: the catalog rows a run's role events and node snapshots show, judged incrementally
over any run (simulation, scenario corpus, Hypothesis run). Properties observe; they never act.

They judge with the spec's definitions (properties/spec), never with the model's kernel, so a fault
planted in the model changes what the model does but not what the monitor demands. Replay of the
run's capture judges many of the same rows from the packets, with the same definitions: the monitor
sees what the role did even when the link then lost the packet (replay excuses verdicts resting on a
lost frame), so the two evidences complement each other.

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
from mip6check.properties.spec import PY, Engine, declare, obligation
from mip6check.properties.spec.binding_cache import Check72, Received, check_72
from mip6check.properties.spec.home_agent import to_ha_anycast
from mip6check.properties.spec.mobile_node import (
    ba_acceptable,
    backoff_after,
    counts_as_fast,
    may_retransmit,
    min_gap,
)
from mip6check.properties.spec.registry import Deadlines
from mip6check.properties.spec.wire import INFINITE, greater, ran_out, status_accepts
from mip6check.properties.verdict import Violation

JUDGED: tuple[str, ...] = declare(
    Engine.MONITOR,
    (
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
        "MN-BA-VALIDATE",
        "MN-BA-ACCEPTED",
        "MN-BA-REJECTED",
    ),
)
"""The rows this engine judges, declared in the spec registry."""

MONITORED = JUDGED  # the name engine drivers use


def fmt(addr: Addr) -> str:
    """An address for a message; a broken model may log a key that is not one (e.g. no Home Address)."""
    return _fmt_addr(addr) if len(addr) == 16 else f"<{addr.hex() or 'no address'}>"


@dataclass
class _Sent:
    """What a monitor remembers of the Binding Updates one mobile node sent to one (destination, home)."""

    seq: int
    coa: Addr
    home_reg: bool
    first_time: int  # the original transmission of this Sequence Number
    last_time: int
    lifetime: int
    gap: int | None = None  # the §9.7 timeout that scheduled the last retransmission
    settled: bool = False  # a Binding Acknowledgement the node acted on ended retransmission
    rejected: bool = False  # it rejected it (Status >= 128): §9.10 deletes the entry
    rejected_at: int = 0  # when the acknowledgement acted on arrived
    consecutive: int = 1  # Binding Updates to this destination with the same care-of address (§9.8)


@dataclass
class _Grant:
    """A Binding Cache entry as granted (§4.3): Sequence Number, home registration, when and how long."""

    seq: int
    home_reg: bool
    granted_at: int
    lifetime: int  # seconds, as granted


@dataclass
class MonitorSet:
    """All event/state monitors of the registry's MONITOR rows for one run, under one reading."""

    config: Config = DEFAULT
    tolerance_ms: int = 0
    only: frozenset[str] | None = None
    deadlines: Deadlines = field(default_factory=Deadlines)
    violations: list[Violation] = field(default_factory=list)
    _step: int = 0
    _cache: dict[tuple[str, Addr], _Grant] = field(default_factory=dict)
    _group: list[tuple[int, RoleEvent]] = field(default_factory=list)
    _group_key: tuple[int, str] | None = None
    _sent: dict[tuple[str, Addr, Addr], _Sent] = field(default_factory=dict)
    # (home, care-of address, Sequence Number) -> the H bit its sender set (§5.1): what a cache
    # entry made from that update must be marked, in the sender's words, not the receiver's (§8.2)
    _h_bit: dict[tuple[Addr, Addr, int], bool] = field(default_factory=dict)
    _last_any: dict[str, int] = field(default_factory=dict)
    _once: set[tuple[str, str, bytes]] = field(default_factory=set)

    # ------------------------------------------------------------------ plumbing

    def _flag(self, prop: str, node: str, time: int, message: str) -> None:
        if self.only is not None and prop not in self.only:
            return
        ob = obligation(prop)
        self.violations.append(
            Violation(
                property=prop,
                section=", ".join(ob.sections),
                level=ob.level,
                node=node,
                message=message,
                time=time / 1000,
                step=self._step,
            )
        )

    def _flag_once(self, prop: str, node: str, subject: bytes, time: int, message: str) -> None:
        """A state invariant seen broken in many snapshots is one violation, at its first sighting."""
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
        # an update ignored for naming no home (no Home Address option, §7.2) has home None; an
        # entry made from it anyway carries the empty home
        ignored = {e.home or b"" for _, e in group if isinstance(e, BindingIgnored)}
        decided = {e.home for _, e in group if isinstance(e, BindingProcessed)}
        for _, e in group:
            if not (
                isinstance(e, CacheUpdated) or (isinstance(e, CacheDeleted) and e.reason == "bu")
            ):
                continue
            if e.home in ignored and e.home not in decided:
                self._flag(
                    "BC-STALE-IGNORED",
                    e.node,
                    t,
                    f"a Binding Update for {fmt(e.home)} failed §7.2 yet the Binding Cache changed",
                )
            elif e.home not in decided:
                self._flag(
                    "BC-HAO-NO-STATE",
                    e.node,
                    t,
                    f"the Binding Cache entry for {fmt(e.home)} changed without a Binding Update "
                    "(a Home Address option alone must not change it)",
                )
        for _, e in group:
            if not isinstance(e, BindingProcessed):
                continue
            ok = bool(status_accepts(PY, e.status))
            # an accepted deletion (§7.4) of an entry that does not exist changes nothing and is
            # still acknowledged with Status 0 (wire-formats B8)
            deletion = e.coa == e.home or e.lifetime == 0
            now = self._cache.get((e.node, e.home))
            # (an entry there now was made by another update of this same instant: the cache
            # changes are applied before these decisions are checked, and a deletion creates none)
            if ok and not e.cache_changed and deletion and (now is None or now.granted_at == t):
                continue
            if ok and not e.cache_changed and self._reacknowledged(e):
                continue
            if ok != e.cache_changed:
                self._flag(
                    "BC-BA-STATUS",
                    e.node,
                    t,
                    f"Status {e.status} for the Binding Update from {fmt(e.home)} but the cache "
                    f"{'was' if e.cache_changed else 'was not'} changed",
                )

    def _reacknowledged(self, e: BindingProcessed) -> bool:
        """§7.2 under `seq_equal_ack` (B4, B5): an identical retransmission of the stored Binding
        Update is acknowledged again (Status 0) without changing the cache."""
        stored = self._cache.get((e.node, e.home))
        r = Received(True, True, True, e.seq, stored is not None, stored.seq if stored else 0)
        return bool(check_72(PY, self.config, r) == int(Check72.EQUAL_REACK))

    # ------------------------------------------------------------------ per-event checks

    def _event(self, t: int, e: RoleEvent) -> None:
        if isinstance(e, CacheUpdated):
            old = self._cache.get((e.node, e.home))
            if old is not None and not e.created and not greater(PY, e.seq, old.seq, self.config):
                self._flag(
                    "BC-SEQ-MONOTONIC",
                    e.node,
                    t,
                    f"entry for {fmt(e.home)} updated by Sequence Number {e.seq}, not greater than "
                    f"the stored {old.seq} (mod 2^16)",
                )
            sent_h = self._h_bit.get((e.home, e.coa, e.seq), False)
            self._cache[(e.node, e.home)] = _Grant(e.seq, e.home_reg or sent_h, t, e.lifetime)
        elif isinstance(e, CacheDeleted):
            old = self._cache.pop((e.node, e.home), None)
            if e.home_reg or (old is not None and old.home_reg):
                self._home_registration_left(t, e, old)
            if e.reason == "expiry" and old is not None:
                self._expired_early(t, e, old)
            if e.reason == "expiry" and old is not None and old.lifetime == INFINITE:
                self._flag(
                    "BC-INFINITE",
                    e.node,
                    t,
                    f"entry for {fmt(e.home)} with Lifetime 0xffffffff expired",
                )
        elif isinstance(e, BindingUpdateSent):
            self._bu_sent(t, e)
        elif isinstance(e, BindingAckReceived) and e.outcome in ("ACCEPTED", "REJECTED"):
            self._ba_acted_on(t, e)

    def _home_registration_left(self, t: int, e: CacheDeleted, old: _Grant | None) -> None:
        """BC-HOMEREG-NOEVICT (§4.3, §7.7, §8.2): a home registration leaves only when its Lifetime
        runs out or by a Binding Update; never by replacement, an ICMP error (§7.8 deletes other
        entries only), nor "expiry" before the Lifetime granted has run out."""
        if e.reason not in ("expiry", "bu"):
            why = {
                "evict": "cache replacement (§7.7)",
                "icmp": "ICMP Destination Unreachable (§7.8)",
            }
            self._flag(
                "BC-HOMEREG-NOEVICT",
                e.node,
                t,
                f"home registration for {fmt(e.home)} removed by {why.get(e.reason, e.reason)}",
            )
        elif e.reason == "expiry" and old is not None:
            if not ran_out(PY, old.granted_at, old.lifetime, t + self.tolerance_ms):
                self._flag(
                    "BC-HOMEREG-NOEVICT",
                    e.node,
                    t,
                    f"home registration for {fmt(e.home)} removed as expired "
                    f"{old.granted_at + old.lifetime * 1000 - t} ms before the Lifetime granted "
                    f"({old.lifetime} s at {old.granted_at} ms) ran out",
                )

    def _expired_early(self, t: int, e: CacheDeleted, old: _Grant) -> None:
        """BC-EXPIRE (§4.3, §7.3, §7.7), the early side: an entry's timer is set to the Lifetime of the
        Binding Update that created or last updated it, and the entry is deleted when that timer
        expires; one deleted as expired before the Lifetime granted ran out was cut short (an entry
        may also go by replacement, §7.7, or §7.8, but those are not its lifetime running out). An
        infinite Lifetime never runs out: BC-INFINITE judges that one."""
        if old.lifetime == INFINITE or ran_out(
            PY, old.granted_at, old.lifetime, t + self.tolerance_ms
        ):
            return
        end = old.granted_at + old.lifetime * 1000
        self._flag(
            "BC-EXPIRE",
            e.node,
            t,
            f"entry for {fmt(e.home)} deleted as expired {end - t} ms before the lifetime granted "
            f"({old.lifetime} s at {old.granted_at / 1000:.3f} s) ran out",
        )

    def _bu_sent(self, t: int, e: BindingUpdateSent) -> None:
        """§5.1, §9.4, §9.5, §9.7, §9.8: a Binding Update the node sent, against the ones before."""
        cfg = self.config
        key = (e.node, e.destination, e.home)
        prev = self._sent.get(key)
        self._h_bit[(e.home, e.coa, e.seq)] = e.home_reg
        if len(self._h_bit) > 4096:
            del self._h_bit[next(iter(self._h_bit))]
        scope = (
            e.node if cfg.rate_scope is RateScope.AGGREGATE else f"{e.node}>{fmt(e.destination)}"
        )
        last = self._last_any.get(scope)
        if last is not None and t - last + self.tolerance_ms < cfg.max_update_rate:
            self._flag(
                "MN-RATE-LIMIT",
                e.node,
                t,
                f"Binding Update to {fmt(e.destination)} {t - last} ms after the previous one "
                f"(MAX_UPDATE_RATE {cfg.max_update_rate} ms)",
            )
        self._last_any[scope] = t
        if e.retransmission:
            if prev is not None:
                self._retransmitted(t, e, prev)
            return  # else the original was not observed
        if prev is not None and not greater(PY, e.seq, prev.seq, cfg):
            self._flag(
                "MN-SEQ-INCREASE",
                e.node,
                t,
                f"new Binding Update to {fmt(e.destination)} uses Sequence Number {e.seq}, not "
                f"greater than the previous {prev.seq}",
            )
        same_coa = prev is not None and prev.coa == e.coa
        if prev is not None and same_coa and prev.consecutive >= cfg.max_fast_updates:
            if t + self.tolerance_ms - prev.last_time < min_gap(PY, prev.consecutive, cfg):
                self._flag(
                    "MN-SLOW-RATE",
                    e.node,
                    t,
                    f"{prev.consecutive} consecutive Binding Updates to {fmt(e.destination)} with "
                    f"one care-of address, then one {t - prev.last_time} ms later",
                )
        self._sent[key] = _Sent(
            seq=e.seq,
            coa=e.coa,
            home_reg=e.home_reg,
            first_time=t,
            last_time=t,
            lifetime=e.lifetime,
            consecutive=prev.consecutive + 1 if prev is not None and same_coa else 1,
        )

    def _retransmitted(self, t: int, e: BindingUpdateSent, prev: _Sent) -> None:
        """§9.7: same Sequence Number, the doubling timeout (held to the §9.8 gap), stopping at the
        cap for a correspondent (§9.5) and once a Binding Acknowledgement settled it (§9.10)."""
        cfg = self.config
        if e.seq != prev.seq:
            self._flag(
                "MN-RETX-SAME-SEQ",
                e.node,
                t,
                f"retransmission to {fmt(e.destination)} changed Sequence Number {prev.seq} -> {e.seq}",
            )
        if prev.settled:
            self._flag(
                "MN-BA-ACCEPTED",
                e.node,
                t,
                f"Binding Update {e.seq} retransmitted to {fmt(e.destination)} after its Binding "
                "Acknowledgement ended retransmission (§9.10)",
            )
        gap = t - prev.last_time
        timeout = backoff_after(prev.gap, cfg)
        want = max(timeout, int(min_gap(PY, prev.consecutive, cfg)))
        if abs(gap - want) > self.tolerance_ms:
            held = f" (timeout {timeout} ms, held to the §9.8 gap)" if want != timeout else ""
            self._flag(
                "MN-BACKOFF",
                e.node,
                t,
                f"retransmission to {fmt(e.destination)} after {gap} ms; back-off expects "
                f"{want} ms{held}",
            )
        if prev.gap is not None and not may_retransmit(PY, timeout, prev.home_reg, cfg):
            self._flag(
                "MN-CN-RETX-STOP",
                e.node,
                t,
                f"Binding Update to correspondent {fmt(e.destination)} retransmitted after the "
                "interval reached MAX_BINDACK_TIMEOUT",
            )
        if (
            prev.consecutive >= cfg.max_fast_updates
            and t + self.tolerance_ms - prev.last_time < min_gap(PY, prev.consecutive, cfg)
        ):
            self._flag(
                "MN-SLOW-RATE",
                e.node,
                t,
                f"{prev.consecutive} consecutive Binding Updates to {fmt(e.destination)}, then one "
                f"{t - prev.last_time} ms later (SLOW_UPDATE_RATE {cfg.slow_update_rate} ms)",
            )
        prev.last_time, prev.gap = t, timeout
        prev.consecutive += counts_as_fast(cfg, True)

    def _ba_acted_on(self, t: int, e: BindingAckReceived) -> None:
        """MN-BA-VALIDATE (§9.10): a Binding Acknowledgement the node acted on matches, by Sequence
        Number, a Binding Update it sent to the BA's source (§8.1: or to the Home-Agents anycast
        address). Authentication and length are on the wire: replay judges those."""
        cfg = self.config
        outstanding = [
            (dest, s)
            for (node, dest, _h), s in self._sent.items()
            if node == e.node and s.seq == e.seq
        ]
        peers = [s for dest, s in outstanding if dest == e.source or to_ha_anycast(dest, cfg)]
        ok = ba_acceptable(
            PY,
            cfg,
            auth=True,
            opt_len=cfg.ba_min_length,
            outstanding=bool(outstanding),
            seq_matches=bool(outstanding),
            from_peer=bool(peers),
        )
        if not ok:
            why = (
                f"no Binding Update with Sequence Number {e.seq} is outstanding"
                if not outstanding
                else f"Sequence Number {e.seq} was sent to "
                + ", ".join(fmt(d) for d, _ in outstanding)
                + f", not to {fmt(e.source)}"
            )
            self._flag(
                "MN-BA-VALIDATE",
                e.node,
                t,
                f"acted on a Binding Acknowledgement (Status {e.status}, {e.outcome.lower()}) "
                f"from {fmt(e.source)}: {why}",
            )
        for s in peers:
            s.settled = True
            # §5.2, §9.10: the Status decides what acting on it means, not the node's reading of it
            s.rejected = not status_accepts(PY, e.status)
            s.rejected_at = t

    # ------------------------------------------------------------------ state checks

    def check_state(self, now: int, snapshots: Mapping[str, NodeSnapshot]) -> None:
        """Over frozen snapshots: BC-UNIQUE, BC-EXPIRE, HA-HOMEREG-MARK, MN-BUL-RECORD, MN-BA-REJECTED,
        MN-HOME-RETX."""
        self.flush()
        late = self.tolerance_ms + self.deadlines.expiry_tolerance
        for name, snap in snapshots.items():
            homes = [e.home for e in snap.binding_cache]
            if len(homes) != len(set(homes)):
                self._flag_once(
                    "BC-UNIQUE", name, b"", now, "two Binding Cache entries for one home address"
                )
            for e in snap.binding_cache:
                g = self._cache.get((name, e.home))
                if g is None:
                    continue
                # §4.3, §7.7: judged from the lifetime granted, not the expiry the node reports
                if ran_out(PY, g.granted_at, g.lifetime, now - late):
                    self._flag_once(
                        "BC-EXPIRE",
                        name,
                        e.home + g.granted_at.to_bytes(8, "big"),
                        now,
                        f"entry for {fmt(e.home)} still held {now - g.granted_at - g.lifetime * 1000}"
                        f" ms after the lifetime granted ({g.lifetime} s at "
                        f"{g.granted_at / 1000:.3f} s) ran out",
                    )
                if g.home_reg and not e.home_reg:
                    self._flag_once(
                        "HA-HOMEREG-MARK",
                        name,
                        e.home,
                        now,
                        f"entry for {fmt(e.home)} accepted as a home registration is not marked as one",
                    )
            bul = {(b.destination, b.home): b for b in snap.bul}
            for (node, dest, home), s in self._sent.items():
                # §9.5: an accepted update stays listed until its lifetime ends (C9.5-06); a
                # rejected one is deleted (§9.10)
                if node != name:
                    continue
                entry = bul.get((dest, home))
                subject = dest + home + s.seq.to_bytes(2, "big")
                if s.rejected:
                    if entry is not None and entry.seq == s.seq:
                        self._flag_once(
                            "MN-BA-REJECTED",
                            name,
                            subject,
                            now,
                            f"Binding Update {s.seq} to {fmt(dest)} still in the Binding Update "
                            f"List after the rejecting Binding Acknowledgement acted on at "
                            f"{s.rejected_at / 1000:.3f} s (§9.10: the entry is deleted)",
                        )
                    continue
                if entry is None and not ran_out(PY, s.first_time, s.lifetime, now):
                    self._flag_once(
                        "MN-BUL-RECORD",
                        name,
                        subject,
                        now,
                        f"Binding Update {s.seq} to {fmt(dest)} is not in the Binding Update List",
                    )
                if s.settled:
                    continue  # acknowledged: no retransmission is owed
                bound = self.config.max_bindack_timeout + self.tolerance_ms
                if (
                    s.home_reg
                    and entry is not None
                    and entry.seq == s.seq
                    and now > s.last_time + bound
                    # C13: under retx_at_max=stop a wait reaching the cap ends retransmission
                    and may_retransmit(PY, backoff_after(s.gap, self.config), True, self.config)
                ):
                    self._flag_once(
                        "MN-HOME-RETX",
                        name,
                        subject,
                        now,
                        f"home registration {s.seq} to {fmt(dest)} unacknowledged and not "
                        f"retransmitted for {now - s.last_time} ms",
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


__all__ = ["JUDGED", "MONITORED", "MonitorSet", "check_run", "fmt"]
