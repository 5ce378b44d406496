"""What roles emit: actions for the engine (Transmit) and observable events (what property monitors read).

Every event is a frozen dataclass naming its node and, where it is a protocol decision, the draft section.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mip6check.model.addr import Addr
from mip6check.model.codec.values import IPv6Packet

# ---------------------------------------------------------------- actions for the engine


@dataclass(frozen=True, slots=True)
class Transmit:
    """Put `packet` on interface `iface`, link-layer destination `dst_lla` (6 octets; multicast mapped)."""

    iface: str
    dst_lla: bytes
    packet: IPv6Packet


# ---------------------------------------------------------------- observable events (the log)


@dataclass(frozen=True, slots=True)
class CacheUpdated:
    """A Binding Cache entry was created or updated (§7.3, §8.2)."""

    node: str
    home: Addr
    coa: Addr
    seq: int
    lifetime: int  # seconds as granted
    home_reg: bool
    created: bool
    section: str = "7.3"


@dataclass(frozen=True, slots=True)
class CacheDeleted:
    """An entry left the cache. reason: "bu" (§7.4/§8.3), "expiry" (§4.3), "evict" (§7.7), "icmp" (§7.8)."""

    node: str
    home: Addr
    reason: str
    home_reg: bool
    section: str = "7.4"


@dataclass(frozen=True, slots=True)
class BindingIgnored:
    """A Binding Update failed §7.2 (or another silent-discard rule) and changed nothing."""

    node: str
    home: Addr | None
    seq: int | None
    reason: str  # a kernel.Check name or another short code
    section: str = "7.2"


@dataclass(frozen=True, slots=True)
class BindingProcessed:
    """A valid Binding Update was decided: the status chosen and whether the cache changed (§7.5)."""

    node: str
    home: Addr
    coa: Addr
    seq: int
    status: int
    cache_changed: bool
    ack_sent: bool
    section: str = "7.5"
    # the Lifetime the BU asked for (0 = deletion, §7.4); None = not given; not part of equality
    lifetime: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class BindingUpdateSent:
    """A mobile node sent a BU (§9.4-§9.8). `retransmission` distinguishes §9.7 copies."""

    node: str
    destination: Addr
    home: Addr
    coa: Addr
    seq: int
    lifetime: int
    home_reg: bool
    ack_requested: bool
    retransmission: bool
    section: str = "9.4"


@dataclass(frozen=True, slots=True)
class BindingAckReceived:
    """A mobile node judged a Binding Acknowledgement (§9.10). outcome: IGNORE/ACCEPTED/REJECTED."""

    node: str
    source: Addr
    seq: int
    status: int
    outcome: str
    section: str = "9.10"


@dataclass(frozen=True, slots=True)
class BulChanged:
    """A Binding Update List entry was created, updated or deleted (§4.3). op: "set" | "delete"."""

    node: str
    destination: Addr
    home: Addr
    op: str
    seq: int | None = None
    section: str = "4.3"


@dataclass(frozen=True, slots=True)
class Intercepted:
    """A home agent intercepted a packet for a registered home address (§8.4). action: "tunnel" | "drop"."""

    node: str
    home: Addr
    action: str
    coa: Addr | None
    section: str = "8.4"


@dataclass(frozen=True, slots=True)
class Delivered:
    """An upper-layer packet reached its final node. via: "direct" | "tunnel" | "rh"."""

    node: str
    src: Addr
    dst: Addr
    via: str
    flow: int  # a flow/packet identifier taken from the payload (e.g. UDP data), for SYS properties


@dataclass(frozen=True, slots=True)
class Dropped:
    """A node discarded a packet; `reason` names the rule, `section` where it comes from."""

    node: str
    reason: str
    section: str = ""


@dataclass(frozen=True, slots=True)
class Note:
    """Any other observable protocol step: kind is a short name (e.g. "movement", "coa-formed")."""

    node: str
    kind: str
    detail: str = ""
    section: str = ""


RoleEvent = (
    CacheUpdated
    | CacheDeleted
    | BindingIgnored
    | BindingProcessed
    | BindingUpdateSent
    | BindingAckReceived
    | BulChanged
    | Intercepted
    | Delivered
    | Dropped
    | Note
)
Action = Transmit | RoleEvent

# ---------------------------------------------------------------- snapshots (frozen state views)


@dataclass(frozen=True, slots=True)
class CacheEntryView:
    home: Addr
    coa: Addr
    seq: int
    expiry: int | None  # ms; None = infinite
    home_reg: bool
    id_length: int
    last_used: int


@dataclass(frozen=True, slots=True)
class BulEntryView:
    destination: Addr
    home: Addr
    coa: Addr
    seq: int
    expiry: int | None
    home_reg: bool
    acked: bool
    retx_interval: int
    next_retx: int | None
    last_send: int
    fast_count: int
    no_more_bu: bool


@dataclass(frozen=True, slots=True)
class NodeSnapshot:
    name: str
    now: int
    binding_cache: tuple[CacheEntryView, ...] = ()
    bul: tuple[BulEntryView, ...] = ()
    care_of: tuple[Addr, ...] = ()
    at_home: bool | None = None
