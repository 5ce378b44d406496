"""Binding Update List (§4.3, §9.5, §9.7-§9.10): one entry per (destination, home address) (C16).

Transitions run only through the kernel (`bul_new_bu`, `bul_retransmit`, `bul_on_ba`,
`bul_param_problem`, `expired`, `bu_allowed`) evaluated with `PY`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from mip6check.model.addr import Addr
from mip6check.model.config import Config, RateScope
from mip6check.model.errors import ModelUsageError
from mip6check.model.roles import kernel as K
from mip6check.model.roles.events import BulChanged, BulEntryView, RoleEvent
from mip6check.model.roles.logic import PY

Key = tuple[Addr, Addr]  # (destination, home address)


@dataclass(frozen=True, slots=True)
class BulRecord:
    """Every §4.3 field: destination, home address, care-of address, remaining lifetime (as expiry),
    maximum Sequence Number sent, retransmission state, time of last send, the no-more-BU flag; plus
    what a §9.7 retransmission must repeat (flags, ID Length, packet source)."""

    destination: Addr
    home: Addr
    coa: Addr
    seq: int
    lifetime: int  # seconds, as sent
    expiry: int
    infinite: bool
    home_reg: bool
    ack: bool
    acked: bool
    interval: int
    next_retx: int
    retx_on: bool
    last_send: int
    fast_count: int
    no_more_bu: bool
    id_length: int = 0
    src: Addr = b""

    def kernel(self) -> K.BulEntry:
        return K.BulEntry(
            True,
            self.seq,
            self.coa,
            self.home_reg,
            self.acked,
            self.interval,
            self.next_retx,
            self.retx_on,
            self.last_send,
            self.fast_count,
            self.no_more_bu,
        )

    def with_kernel(self, b: K.BulEntry) -> BulRecord:
        return replace(
            self,
            seq=b.seq,
            coa=b.coa,
            home_reg=bool(b.home_reg),
            acked=bool(b.acked),
            interval=b.interval,
            next_retx=b.next_retx,
            retx_on=bool(b.retx_on),
            last_send=b.last_send,
            fast_count=b.fast_count,
            no_more_bu=bool(b.no_more_bu),
        )

    def view(self) -> BulEntryView:
        return BulEntryView(
            self.destination,
            self.home,
            self.coa,
            self.seq,
            None if self.infinite else self.expiry,
            self.home_reg,
            self.acked,
            self.interval,
            self.next_retx if self.retx_on else None,
            self.last_send,
            self.fast_count,
            self.no_more_bu,
        )


_ABSENT = K.BulEntry(False, 0, b"", False, False, 0, 0, False, 0, 0, False)


class BindingUpdateList:
    """The list of one mobile node; rate-limit memory per destination outlives deleted entries (§9.10)."""

    def __init__(self, node: str, config: Config) -> None:
        self.node = node
        self.config = config
        self._entries: dict[Key, BulRecord] = {}
        # destination -> (last send, consecutive same-CoA BUs, that CoA); survives deleted entries (§9.10)
        self._rate: dict[Addr, tuple[int, int, Addr]] = {}
        self._no_more: set[Addr] = set()
        self._last_seq: dict[
            Key, int
        ] = {}  # last Sequence Number sent, kept after the entry is gone

    def get(self, destination: Addr, home: Addr) -> BulRecord | None:
        return self._entries.get((destination, home))

    def records(self) -> tuple[BulRecord, ...]:
        return tuple(self._entries[k] for k in sorted(self._entries))

    def views(self) -> tuple[BulEntryView, ...]:
        return tuple(r.view() for r in self.records())

    def __len__(self) -> int:
        return len(self._entries)

    def no_more_bu(self, destination: Addr) -> bool:
        return destination in self._no_more

    # ------------------------------------------------------------ rate limiting (§9.8, §9.9)
    def allowed(self, destination: Addr, now: int, coa: Addr | None = None) -> bool:
        """kernel.bu_allowed for `destination` (per destination, or aggregate under Config.rate_scope)."""
        return self.earliest(destination, now, coa) == now

    def earliest(self, destination: Addr, now: int, coa: Addr | None = None) -> int | None:
        """The first time >= now a BU (for care-of address `coa`; None = the last one sent) may go to
        `destination`; None when it never may (§9.9)."""
        if destination in self._no_more:
            return None
        state = self._rate_state(destination, coa)
        ok = K.bu_allowed(
            PY,
            self.config,
            no_more_bu=False,
            sent_before=state is not None,
            now=now,
            last_send=state[0] if state else 0,
            fast_count=state[1] if state else 0,
        )
        return now if ok else max(now, self.rate_floor(destination, coa))

    def _rate_state(self, destination: Addr, coa: Addr | None = None) -> tuple[int, int] | None:
        """(last send, same-CoA count): a BU with another care-of address starts a new run (§9.8)."""
        st = self._rate.get(destination)
        fast = 0 if st is None or (coa is not None and coa != st[2]) else st[1]
        if self.config.rate_scope is RateScope.AGGREGATE and self._rate:
            return max(t for t, _, _ in self._rate.values()), fast
        return (st[0], fast) if st is not None else None

    def rate_floor(self, destination: Addr, coa: Addr | None = None) -> int:
        """The time from which §9.8 lets the next BU go to `destination` (0 = any time)."""
        state = self._rate_state(destination, coa)
        if state is None:
            return 0
        last, fast = state
        gap = (
            self.config.slow_update_rate
            if fast >= self.config.max_fast_updates
            else self.config.max_update_rate
        )
        return last + gap

    # ------------------------------------------------------------ transitions
    def new_bu(
        self,
        destination: Addr,
        home: Addr,
        coa: Addr,
        now: int,
        *,
        lifetime: int,
        home_reg: bool,
        ack: bool,
        step: int,
        initial_seq: int,
        resume: bool = True,
        id_length: int = 0,
        src: Addr = b"",
    ) -> tuple[BulRecord, list[RoleEvent]]:
        """Record a new (not retransmitted) BU (§9.5): a greater Sequence Number, fresh back-off (§9.7).
        Without an entry the start is free (§5.1): `resume` continues after the last number sent to
        that destination for that home address (so MN-SEQ-INCREASE holds across deletions)."""
        if not 1 <= step < K.SEQ_HALF:
            raise ModelUsageError(f"sequence step {step} outside 1..2^15-1 (§5.1)")
        old = self._entries.get((destination, home))
        before = old.kernel() if old is not None else _ABSENT
        memory = self._rate.get(destination)
        if old is None and memory is not None:  # §9.8: the count outlives a deleted entry
            before = replace(_ABSENT, coa=memory[2], fast_count=memory[1])
        last = self._last_seq.get((destination, home))
        if (
            old is None and resume and last is not None
        ):  # §5.1: any start is allowed; keep increasing
            initial_seq = K.next_seq(PY, last, step)
        b = K.bul_new_bu(
            PY,
            self.config,
            before,
            now,
            step=step,
            initial_seq=initial_seq % K.SEQ_MOD,
            coa=coa,
            home_reg=home_reg,
            ack=ack,
        )
        infinite = lifetime == K.INFINITE_LIFETIME
        rec = BulRecord(
            destination,
            home,
            coa,
            b.seq,
            lifetime,
            K.expiry_of(now, lifetime),
            infinite,
            home_reg,
            ack,
            False,
            0,
            0,
            False,
            0,
            0,
            destination in self._no_more,
            id_length,
            src,
        ).with_kernel(b)
        self._entries[(destination, home)] = rec
        self._last_seq[(destination, home)] = rec.seq
        self._rate[destination] = (now, rec.fast_count, rec.coa)
        return rec, [BulChanged(self.node, destination, home, "set", rec.seq, "9.5")]

    def retransmit(self, destination: Addr, home: Addr, now: int) -> BulRecord:
        """§9.7: same Sequence Number, doubled timeout (capped); correspondents stop at the cap (C13)."""
        rec = self._entries.get((destination, home))
        if rec is None or not rec.retx_on:
            raise ModelUsageError("retransmit without an outstanding Binding Update")
        rec = rec.with_kernel(K.bul_retransmit(PY, self.config, rec.kernel(), now))
        self._entries[(destination, home)] = rec
        self._rate[destination] = (now, rec.fast_count, rec.coa)
        return rec

    def due(self, now: int) -> list[Key]:
        """Entries whose retransmission time has come."""
        return [
            k
            for k in sorted(self._entries)
            if self._entries[k].retx_on
            and self._entries[k].next_retx <= now
            and self.allowed(k[0], now)
        ]

    def on_ba(
        self, destination: Addr, home: Addr, *, auth: bool, opt_len: int, seq: int, status: int
    ) -> tuple[K.BAOutcome, list[RoleEvent]]:
        """§9.10 through kernel.bul_on_ba: accepted marks acknowledged, rejected deletes the entry."""
        rec = self._entries.get((destination, home))
        before = rec.kernel() if rec is not None else _ABSENT
        after, outcome = K.bul_on_ba(
            PY, self.config, before, auth=auth, opt_len=opt_len, ba_seq=seq, status=status
        )
        outcome = K.BAOutcome(outcome)
        if rec is None:
            return outcome, []
        if not after.present:
            del self._entries[(destination, home)]
            return outcome, [BulChanged(self.node, destination, home, "delete", rec.seq, "9.10")]
        self._entries[(destination, home)] = rec.with_kernel(after)
        return outcome, []

    def param_problem(self, destination: Addr) -> list[RoleEvent]:
        """§9.9: mark every entry for `destination` "no more Binding Updates" (kernel.bul_param_problem)."""
        events: list[RoleEvent] = []
        for (d, h), rec in sorted(self._entries.items()):
            if d == destination:
                self._entries[(d, h)] = rec.with_kernel(K.bul_param_problem(PY, rec.kernel()))
                events.append(BulChanged(self.node, d, h, "set", rec.seq, "9.9"))
        self._no_more.add(destination)
        return events

    def expire(self, now: int) -> list[RoleEvent]:
        """§4.3 (MN-BUL-EXPIRE): delete entries whose lifetime reached zero."""
        events: list[RoleEvent] = []
        for k in sorted(self._entries):
            rec = self._entries[k]
            if K.expired(PY, now, rec.expiry, rec.infinite):
                del self._entries[k]
                events.append(BulChanged(self.node, k[0], k[1], "delete", rec.seq, "4.3"))
        return events

    def next_deadline(self) -> int | None:
        times = [r.expiry for r in self._entries.values() if not r.infinite]
        times += [
            max(r.next_retx, self.rate_floor(r.destination))
            for r in self._entries.values()
            if r.retx_on
        ]
        return min(times) if times else None
