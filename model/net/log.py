"""The append-only event log: what was sent, received and dropped where, and every role event.

Property monitors observe this log and the nodes' snapshots; they never act on the network (STYLE §12).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum

from mip6check.model.roles.events import Dropped, NodeSnapshot


class Kind(Enum):
    TX = "tx"  # a frame put on a link (event: the Transmit)
    RX = "rx"  # a frame decoded and handed to a node (event: the IPv6Packet)
    LOST = "lost"  # the link lost a copy (event: None)
    DECODE_ERROR = "decode-error"  # a receiver's codec refused the bytes (event: the DecodeError)
    EVENT = "event"  # a role event (Dropped, CacheUpdated, Delivered, ...)
    APP = "app"  # data originated by a scenario (event: the IPv6Packet)
    MOVE = "move"  # an interface detached from / attached to a link (detail "node.iface->link")
    INJECT = "inject"  # a frame put on a link from outside any node


@dataclass(frozen=True, slots=True)
class LogRecord:
    time: int
    seq: int
    kind: Kind
    node: str | None
    link: str | None
    frame: int | None
    event: object
    detail: str = ""


@dataclass(frozen=True, slots=True)
class NodeCounts:
    sent: int
    received: int
    dropped: int


class EventLog:
    """Records in order; `snapshots(now)` asks the network for every node's frozen state."""

    def __init__(
        self, snapshot_source: Callable[[int], dict[str, NodeSnapshot]] | None = None
    ) -> None:
        self.records: list[LogRecord] = []
        self._snap = snapshot_source

    def append(
        self,
        time: int,
        kind: Kind,
        node: str | None,
        link: str | None = None,
        frame: int | None = None,
        event: object = None,
        detail: str = "",
    ) -> LogRecord:
        r = LogRecord(time, len(self.records), kind, node, link, frame, event, detail)
        self.records.append(r)
        return r

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[LogRecord]:
        return iter(self.records)

    def of(self, kind: Kind | None = None, node: str | None = None) -> list[LogRecord]:
        return [
            r
            for r in self.records
            if (kind is None or r.kind is kind) and (node is None or r.node == node)
        ]

    def events(
        self, etype: type | tuple[type, ...] | None = None, node: str | None = None
    ) -> list[object]:
        """Role events (optionally of a type and/or a node), in order."""
        return [
            r.event
            for r in self.records
            if r.kind is Kind.EVENT
            and (node is None or r.node == node)
            and (etype is None or isinstance(r.event, etype))
        ]

    def counts(self) -> dict[str, NodeCounts]:
        """Packets sent/received/dropped per node."""
        acc: dict[str, list[int]] = {}
        for r in self.records:
            if r.node is None:
                continue
            c = acc.setdefault(r.node, [0, 0, 0])
            if r.kind is Kind.TX:
                c[0] += 1
            elif r.kind is Kind.RX:
                c[1] += 1
            elif r.kind is Kind.DECODE_ERROR or (
                r.kind is Kind.EVENT and isinstance(r.event, Dropped)
            ):
                c[2] += 1
        return {n: NodeCounts(*c) for n, c in acc.items()}

    def snapshots(self, now: int) -> dict[str, NodeSnapshot]:
        return self._snap(now) if self._snap is not None else {}

    def lines(self) -> list[str]:
        """A stable text form (for determinism tests and goldens)."""
        return [
            f"{r.time} {r.kind.value} {r.node or '-'} {r.link or '-'} {r.frame if r.frame is not None else '-'} "
            f"{r.detail} {r.event!r}"
            for r in self.records
        ]
