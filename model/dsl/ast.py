"""The scenario language's syntax tree: frozen dataclasses, one per statement form.

Every node keeps its source position in `pos` (line, column; 1-based), a field excluded from equality
and hashing, so that `parse(print(s)) == s` compares meaning, not layout. Times are integer
milliseconds, addresses 16-octet `bytes`, prefixes `model.addr.Prefix`. An `Endpoint` is a node name
(`str`) or a literal address (`bytes`), so forged packets can claim any source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from mip6check.model.addr import Addr, Prefix

INFINITY = 0xFFFFFFFF
"""Lifetime written `infinity` (§5.1: all ones)."""


@dataclass(frozen=True, slots=True)
class Pos:
    """Where a construct starts in the source text (1-based line and column)."""

    line: int = 0
    column: int = 0


NOWHERE = Pos()


def _pos() -> Pos:
    return field(default=NOWHERE, compare=False, repr=False)


Endpoint = str | Addr
"""A node name, or a literal IPv6 address (16 octets)."""

# ---------------------------------------------------------------- topology


@dataclass(frozen=True, slots=True)
class Link:
    """`link NAME prefix P [delay T] [loss p] [dup p] [reorder T] [silent]`: one subnet with its
    impairments. `silent`: routers send no Router Advertisements on it (a backbone: hosts there take
    the prefix from this declaration and a default route via the link's first router)."""

    name: str
    prefix: Prefix
    delay: int = 0  # ms, one way
    loss: float = 0.0  # probability a frame is lost
    dup: float = 0.0  # probability a frame is duplicated
    reorder: int = 0  # ms of random extra delay (0..reorder), which reorders frames
    silent: bool = False  # no Router Advertisements here (RFC 2461 §6.2.2 AdvSendAdvertisements)
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Router:
    """`router NAME on L1, L2`: a plain IPv6 router (also the previous default router of §9.6)."""

    name: str
    links: tuple[str, ...]
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class HomeAgent:
    """`home-agent NAME on L [id-length N] [capacity N]`: a router with the home agent function (§8)."""

    name: str
    links: tuple[str, ...]
    id_length: int | None = None  # interface-identifier length (§8.2, Status 136); None = 64
    capacity: int | None = None  # Binding Cache size (§7.7, Status 131); None = the role's default
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Correspondent:
    """`correspondent NAME on L [legacy] [capacity N]`. Legacy: no Mobile IPv6 (§9.9 Parameter Problem)."""

    name: str
    links: tuple[str, ...]
    legacy: bool = False
    capacity: int | None = None
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Mobile:
    """`mobile NAME home ADDR agent HA|discover on L`: a mobile node; agent None = dynamic discovery (§9.4)."""

    name: str
    home: Addr
    agent: str | None
    links: tuple[str, ...]
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Attacker:
    """`attacker NAME on L`: a host holding no keys, used as the source of injected packets."""

    name: str
    links: tuple[str, ...]
    pos: Pos = _pos()


Node = Router | HomeAgent | Correspondent | Mobile | Attacker


@dataclass(frozen=True, slots=True)
class Route:
    """`route ROUTER PREFIX via LINK [next-hop ADDR]`: a static route."""

    router: str
    prefix: Prefix
    via: str
    next_hop: Addr | None = None
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Choice:
    """`choice NODE na-rexmit N`: one of a node's MAY choices (model/roles/choices.py) fixed for the
    run, so a run that took it (an `explore` counterexample) replays under `simulate`. Known: `na-rexmit`
    (§8.2, §9.13: repeat each Neighbor Advertisement N more times, 0..MAX_ADVERT_REXMIT)."""

    node: str
    name: str
    value: int
    pos: Pos = _pos()


CHOICES = ("na-rexmit",)
"""The choices a scenario can fix (`choice NODE NAME N`)."""


@dataclass(frozen=True, slots=True)
class Key:
    """`key A B "secret"`: the AH HMAC-SHA1-96 key shared by a pair of nodes (§4.2, §7.2)."""

    a: str
    b: str
    secret: str
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class OnOff:
    value: bool


@dataclass(frozen=True, slots=True)
class IntValue:
    value: int


@dataclass(frozen=True, slots=True)
class TimeValue:
    ms: int


@dataclass(frozen=True, slots=True)
class AddrValue:
    value: Addr


@dataclass(frozen=True, slots=True)
class WordValue:
    value: str


SwitchValue = OnOff | IntValue | TimeValue | AddrValue | WordValue


@dataclass(frozen=True, slots=True)
class Switch:
    """`set NAME VALUE`: one field of model.config.Config (hyphens for underscores)."""

    name: str
    value: SwitchValue
    pos: Pos = _pos()


# ---------------------------------------------------------------- timeline


@dataclass(frozen=True, slots=True)
class Move:
    """`at T: move MN to LINK`: detach from every link, attach to LINK (movement, §9.2)."""

    time: int
    node: str
    link: str
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class ReturnHome:
    """`at T: return MN home`: attach the mobile node to its home link (§9.13)."""

    time: int
    node: str
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Attach:
    """`at T: attach MN to LINK`: one more interface on LINK, keeping the others (§9.12)."""

    time: int
    node: str
    link: str
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Detach:
    """`at T: detach MN from LINK`: the interface on LINK leaves it (§9.12)."""

    time: int
    node: str
    link: str
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Send:
    """`at T: send A -> B [count N] [every T] [flow F]`: upper-layer data packets from A to B."""

    time: int
    src: str
    dst: str
    count: int = 1
    every: int | None = None  # ms between packets; None = 1 s
    flow: int | None = None  # flow identifier carried in the payload; None = chosen by the engine
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class DropNext:
    """`at T: drop next N on LINK`: the next N frames put on LINK are lost."""

    time: int
    count: int
    link: str
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Renumber:
    """`at T: renumber LINK to PREFIX`: the link's prefix changes (§8.5, §10)."""

    time: int
    link: str
    prefix: Prefix
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class InjectBU:
    """A Binding Update option built from fields, possibly forged, stale or malformed (§5.1)."""

    src: Endpoint
    dst: Endpoint
    home: Addr
    seq: int
    lifetime: int
    coa: Addr | None = None  # sets C and the Care-of Address field
    a: bool = False
    h: bool = False
    id_length: int | None = None
    length: int | None = None  # Option Length override (malformed); None = the correct one
    key: str | None = None  # AH key to sign with; None = the pair's configured key, if any
    auth: bool = True  # False: no AH header at all
    hao: bool = True  # False: no Home Address option
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class InjectBA:
    """A Binding Acknowledgement option (§5.2)."""

    src: Endpoint
    dst: Endpoint
    status: int
    seq: int
    lifetime: int
    refresh: int | None = None  # None = lifetime
    length: int | None = None
    key: str | None = None
    auth: bool = True
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class InjectBR:
    """A Binding Request option (§5.3)."""

    src: Endpoint
    dst: Endpoint
    length: int | None = None
    key: str | None = None
    auth: bool = True
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class InjectRaw:
    """`raw "hex"`: a whole IPv6 packet as bytes, put on the link as it is."""

    data: bytes
    pos: Pos = _pos()


class Msg(Enum):
    """Message kinds that expectations and replays name."""

    BU = "bu"
    BA = "ba"
    BR = "br"
    PARAM_PROBLEM = "param-problem"
    UNREACHABLE = "unreachable"
    NA = "na"
    RA = "ra"
    DATA = "data"


@dataclass(frozen=True, slots=True)
class InjectReplay:
    """`replay bu from A to B`: the last such packet seen on the wire, sent again byte for byte."""

    msg: Msg
    src: Endpoint
    dst: Endpoint
    pos: Pos = _pos()


Packet = InjectBU | InjectBA | InjectBR | InjectRaw | InjectReplay


@dataclass(frozen=True, slots=True)
class Inject:
    """`at T: inject on LINK PACKET`: a frame put on LINK from outside the protocol."""

    time: int
    link: str
    packet: Packet
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class RunUntil:
    """`run until T`: advance the clock to T (the last one ends the run)."""

    time: int
    pos: Pos = _pos()


Step = Move | ReturnHome | Attach | Detach | Send | DropNext | Renumber | Inject | RunUntil

# ---------------------------------------------------------------- expectations


class When(Enum):
    """`at T` (state at T, or events up to T), `by T` (some time up to T), `never` (at no time)."""

    AT = "at"
    BY = "by"
    NEVER = "never"


class Via(Enum):
    DIRECT = "direct"
    TUNNEL = "tunnel"
    RH = "rh"


@dataclass(frozen=True, slots=True)
class CacheHas:
    """`NODE cache has HOME [-> COA] [home-reg]`: a Binding Cache entry (§4.3)."""

    node: str
    home: Addr
    coa: Addr | None = None
    home_reg: bool = False  # True: the entry must be a home registration
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class CacheLacks:
    """`NODE cache lacks HOME`."""

    node: str
    home: Addr
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class CacheSize:
    """`NODE cache size N`: exactly N entries."""

    node: str
    size: int
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class BulHas:
    """`MN bul has DEST` / `MN bul lacks DEST`: the Binding Update List (§4.3)."""

    node: str
    dest: Endpoint
    present: bool = True
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class IsHome:
    """`MN is home` / `MN is away`."""

    node: str
    home: bool
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Delivered:
    """`delivered A -> B [flow F] [via tunnel|rh|direct] [count N]` (at least N packets)."""

    src: str
    dst: str
    flow: int | None = None
    via: Via | None = None
    count: int | None = None
    pos: Pos = _pos()


class Verb(Enum):
    SENT = "sent"
    RECEIVED = "received"
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class MsgEvent:
    """`NODE sent MSG [to P]`, `NODE received|ignored MSG [from P]`, then field filters, in any order."""

    node: str
    verb: Verb
    msg: Msg
    peer: Endpoint | None = None
    seq: int | None = None
    lifetime: int | None = None
    status: int | None = None
    code: int | None = None
    home: Addr | None = None
    coa: Addr | None = None
    count: int | None = (
        None  # at least this many matching messages (under `never`: fewer than this)
    )
    octets: int | None = None  # sent/received: the packet carrying it is this long as sent
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class DroppedAt:
    """`NODE dropped ["reason"]`: the node discarded a packet (reason: substring of the rule's name)."""

    node: str
    reason: str | None = None
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class Noted:
    """`NODE noted KIND`: the node logged a protocol step of this kind (a role `Note`, e.g. movement)."""

    node: str
    kind: str
    pos: Pos = _pos()


Condition = (
    CacheHas | CacheLacks | CacheSize | BulHas | IsHome | Delivered | MsgEvent | DroppedAt | Noted
)


@dataclass(frozen=True, slots=True)
class Expect:
    """`expect at T: C`, `expect by T: C`, `expect never: C`. `time` is None exactly for NEVER."""

    when: When
    time: int | None
    condition: Condition
    pos: Pos = _pos()


@dataclass(frozen=True, slots=True)
class ExpectProperty:
    """`expect: property ID holds|violated`: a catalog property's verdict over the whole run."""

    property_id: str
    holds: bool
    pos: Pos = _pos()


Expectation = Expect | ExpectProperty

# ---------------------------------------------------------------- the whole file


@dataclass(frozen=True, slots=True)
class Scenario:
    """A scenario file: topology, configuration, a timeline in source order, expectations."""

    links: tuple[Link, ...] = ()
    nodes: tuple[Node, ...] = ()
    routes: tuple[Route, ...] = ()
    keys: tuple[Key, ...] = ()
    switches: tuple[Switch, ...] = ()
    seed: int | None = None
    timeline: tuple[Step, ...] = ()
    expectations: tuple[Expectation, ...] = ()
    filename: str = field(default="<string>", compare=False, repr=False)
    mutant: str | None = None
    """`mutant NAME`: the deliberately broken model the file was found under (a counterexample of
    `mip6check explore --mutant`); the model ignores it, `mip6check simulate` applies it."""
    choices: tuple[Choice, ...] = ()
    """`choice NODE NAME N` lines: MAY choices fixed per node (model/roles/choices.py)."""

    def node(self, name: str) -> Node | None:
        """The node declared with this name, if any."""
        for n in self.nodes:
            if n.name == name:
                return n
        return None

    def link(self, name: str) -> Link | None:
        """The link declared with this name, if any."""
        for link in self.links:
            if link.name == name:
                return link
        return None

    @property
    def end_time(self) -> int:
        """When the run stops: the last `run until`, else the latest time the file mentions."""
        ends = [s.time for s in self.timeline if isinstance(s, RunUntil)]
        if ends:
            return max(ends)
        times = [s.time for s in self.timeline]
        times += [e.time for e in self.expectations if isinstance(e, Expect) and e.time is not None]
        return max(times, default=0)
