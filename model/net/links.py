"""A link: prefixes, attached interfaces and its seeded impairments (delay, loss, duplication, jitter).

The link only decides fates (when each copy of a frame arrives, or that it is lost); carrying the bytes,
capturing and decoding them is the network's job (topology.py), so every hop goes through the codec.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from mip6check.model.addr import Prefix
from mip6check.model.errors import ModelUsageError
from mip6check.model.roles.node import IPv6Node


@dataclass(frozen=True, slots=True)
class Attachment:
    """One interface on the link."""

    node: IPv6Node
    iface: str
    lla: bytes


class Link:
    """A broadcast link (Ethernet-like). Impairments are drawn from the link's own seeded RNG."""

    def __init__(
        self,
        name: str,
        prefixes: tuple[Prefix, ...] = (),
        *,
        index: int = 0,
        seed: int = 0,
        delay: int = 1,
        loss: float = 0.0,
        dup: float = 0.0,
        jitter: int = 0,
    ) -> None:
        if delay < 0 or jitter < 0 or not 0.0 <= loss <= 1.0 or not 0.0 <= dup <= 1.0:
            raise ModelUsageError(f"link {name}: delay/jitter >= 0 ms, loss/dup in [0, 1]")
        self.name = name
        self.prefixes = prefixes
        self.index = index
        self.delay = delay
        self.loss = loss
        self.dup = dup
        self.jitter = jitter
        self.rng = random.Random(f"{seed}:link:{name}")
        self.attachments: list[Attachment] = []
        self.by_lla: dict[bytes, list[Attachment]] = {}  # unicast delivery index
        self._drop_next = 0
        self.sent = 0
        self.lost = 0

    def drop_next(self, n: int = 1) -> None:
        """The next `n` frames put on this link are lost (a scenario's deterministic loss)."""
        if n < 0:
            raise ModelUsageError("drop_next needs n >= 0")
        self._drop_next += n

    def attach(self, node: IPv6Node, iface: str) -> Attachment:
        for at in self.attachments:
            if at.node is node and at.iface == iface:
                raise ModelUsageError(f"{node.name}.{iface} is already on {self.name}")
        at = Attachment(node, iface, node.lla(iface))
        self.attachments.append(at)
        self.by_lla.setdefault(at.lla, []).append(at)
        return at

    def detach(self, node: IPv6Node, iface: str) -> None:
        self.attachments = [
            a for a in self.attachments if not (a.node is node and a.iface == iface)
        ]
        self.by_lla = {}
        for a in self.attachments:
            self.by_lla.setdefault(a.lla, []).append(a)

    def fate(self) -> tuple[int, ...]:
        """Delivery delays (ms) for the copies of one frame: () lost, two entries duplicated."""
        self.sent += 1
        if self._drop_next:
            self._drop_next -= 1
            self.lost += 1
            return ()
        rng = self.rng
        if self.loss and rng.random() < self.loss:
            self.lost += 1
            return ()
        d = self.delay + (rng.randint(0, self.jitter) if self.jitter else 0)
        if self.dup and rng.random() < self.dup:
            return (d, self.delay + (rng.randint(0, self.jitter) if self.jitter else 0))
        return (d,)
