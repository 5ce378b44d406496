"""Frozen typed values for every packet part the codec reads and writes (the codec's vocabulary).

Conventions: addresses are 16-octet `bytes`; an option or header the codec does not know is a value
(UnknownOption, RoutingOther, Raw), never an error; checksums are kept as read (`compare=False`, so
`decode(encode(x)) == x` holds) and `None` means "compute on encode".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mip6check.model.addr import Addr

# ---------------------------------------------------------------- option-type profiles (wire-formats §3, §7)


@dataclass(frozen=True, slots=True)
class Profile:
    """Option Type numbering: data, not code paths. `draft04` is the default (§5.1-§5.4)."""

    name: str
    bu: int
    ba: int
    br: int
    hao: int


DRAFT04 = Profile("draft04", bu=195, ba=2, br=3, hao=196)
DRAFT08 = Profile("draft08", bu=198, ba=7, br=8, hao=201)
PROFILES: dict[str, Profile] = {p.name: p for p in (DRAFT04, DRAFT08)}

# ---------------------------------------------------------------- TLV options (Hop-by-Hop / Destination Options)


@dataclass(frozen=True, slots=True)
class Pad1:
    pass


@dataclass(frozen=True, slots=True)
class PadN:
    data: bytes = b""  # usually zeros; kept so odd padding round-trips


@dataclass(frozen=True, slots=True)
class BindingUpdate:
    """§5.1. Option Length on the wire = 8, or 24 when `care_of` is given, plus len(ext)."""

    seq: int
    lifetime: int  # seconds; 0 = delete; 0xFFFFFFFF = infinity
    a: bool = False
    h: bool = False
    c: bool = False  # the flag as sent; `care_of` is present iff the bytes held it
    id_length: int = 0
    care_of: Addr | None = None
    reserved: int = 0  # low 5 bits of the flags octet
    ext: bytes = b""
    opt_type: int = 195


@dataclass(frozen=True, slots=True)
class BindingAck:
    """§5.2. Option Length on the wire = 11 + len(ext) (wire-formats B2: the stated 12 is an error)."""

    status: int
    seq: int
    lifetime: int
    refresh: int
    ext: bytes = b""
    opt_type: int = 2


@dataclass(frozen=True, slots=True)
class BindingRequest:
    """§5.3. Option Length 0; any data octets are extensions."""

    ext: bytes = b""
    opt_type: int = 3


@dataclass(frozen=True, slots=True)
class HomeAddress:
    """§5.4. Option Length 16 + len(ext)."""

    home_address: Addr
    ext: bytes = b""
    opt_type: int = 196


@dataclass(frozen=True, slots=True)
class MalformedOption:
    """A recognised Mobile IPv6 option whose data is too short for its fixed part (§7.2, §9.10: ignore)."""

    opt_type: int
    kind: str  # "BU" | "BA" | "HAO" | "BR"
    data: bytes
    reason: str


@dataclass(frozen=True, slots=True)
class UnknownOption:
    opt_type: int
    data: bytes

    @property
    def action(self) -> int:
        """Top two bits of the type (IPv6 §4.2): 0 skip, 1 discard, 2 discard+ICMP, 3 discard+ICMP unless mcast."""
        return self.opt_type >> 6


Option = (
    Pad1
    | PadN
    | BindingUpdate
    | BindingAck
    | BindingRequest
    | HomeAddress
    | MalformedOption
    | UnknownOption
)
MIP6_OPTIONS = (BindingUpdate, BindingAck, BindingRequest, HomeAddress, MalformedOption)

# ---------------------------------------------------------------- extension headers


@dataclass(frozen=True, slots=True)
class HopByHop:
    options: tuple[Option, ...]


@dataclass(frozen=True, slots=True)
class DestOptions:
    options: tuple[Option, ...]


@dataclass(frozen=True, slots=True)
class Routing0:
    """Type 0 Routing header, the era's layout (8-bit Reserved + 24-bit strict/loose bitmap)."""

    segments_left: int
    addresses: tuple[Addr, ...]
    reserved: int = 0
    bitmap: int = 0


@dataclass(frozen=True, slots=True)
class Routing2:
    """RFC 6275 type 2 Routing header (decoded for today's captures; not part of the draft)."""

    segments_left: int
    home_address: Addr
    reserved: int = 0


@dataclass(frozen=True, slots=True)
class RoutingOther:
    routing_type: int
    segments_left: int
    data: bytes  # octets after the first four


@dataclass(frozen=True, slots=True)
class Fragment:
    offset: int  # in 8-octet units
    more: bool
    ident: int
    reserved: int = 0
    res2: int = 0  # the 2 reserved bits beside M


@dataclass(frozen=True, slots=True)
class AH:
    """Authentication Header: SPI, sequence, ICV (length from Payload Len)."""

    spi: int
    seq: int
    icv: bytes
    reserved: int = 0


ExtHeader = HopByHop | DestOptions | Routing0 | Routing2 | RoutingOther | Fragment | AH

# ---------------------------------------------------------------- ND options (RFC 2461)


@dataclass(frozen=True, slots=True)
class SourceLLA:
    lla: bytes


@dataclass(frozen=True, slots=True)
class TargetLLA:
    lla: bytes


@dataclass(frozen=True, slots=True)
class PrefixInfo:
    prefix_length: int
    on_link: bool
    autonomous: bool
    valid_lifetime: int
    preferred_lifetime: int
    prefix: Addr
    flags_rest: int = 0  # the other 6 flag bits (R of RFC 3775 is 0x20 of the octet)
    reserved2: int = 0


@dataclass(frozen=True, slots=True)
class MTUOption:
    mtu: int
    reserved: int = 0


@dataclass(frozen=True, slots=True)
class UnknownNDOption:
    nd_type: int
    data: bytes  # octets after type and length


NDOption = SourceLLA | TargetLLA | PrefixInfo | MTUOption | UnknownNDOption

# ---------------------------------------------------------------- ICMPv6 (RFC 2463, RFC 2461)


@dataclass(frozen=True, slots=True)
class DestUnreachable:
    code: int
    invoking: bytes  # the invoking packet as carried; `codec.invoking_packet()` decodes it as far as it goes
    unused: int = 0
    checksum: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class PacketTooBig:
    mtu: int
    invoking: bytes
    code: int = 0
    checksum: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class TimeExceeded:
    code: int
    invoking: bytes
    unused: int = 0
    checksum: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ParamProblem:
    code: int  # 0 erroneous header field, 1 unrecognised Next Header, 2 unrecognised option
    pointer: int
    invoking: bytes
    checksum: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class EchoRequest:
    ident: int
    seq: int
    data: bytes = b""
    code: int = 0
    checksum: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class EchoReply:
    ident: int
    seq: int
    data: bytes = b""
    code: int = 0
    checksum: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class RouterSolicitation:
    options: tuple[NDOption, ...] = ()
    reserved: int = 0
    code: int = 0
    checksum: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class RouterAdvertisement:
    cur_hop_limit: int = 64
    managed: bool = False
    other: bool = False
    home_agent: bool = False  # the H flag of later drafts/RFC 3775 (0x20)
    flags_rest: int = 0  # remaining 5 bits
    router_lifetime: int = 1800
    reachable_time: int = 0
    retrans_timer: int = 0
    options: tuple[NDOption, ...] = ()
    code: int = 0
    checksum: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class NeighborSolicitation:
    target: Addr
    options: tuple[NDOption, ...] = ()
    reserved: int = 0
    code: int = 0
    checksum: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class NeighborAdvertisement:
    target: Addr
    router: bool = False
    solicited: bool = False
    override: bool = False
    options: tuple[NDOption, ...] = ()
    reserved: int = 0  # the 29 reserved bits
    code: int = 0
    checksum: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Redirect:
    target: Addr
    destination: Addr
    options: tuple[NDOption, ...] = ()
    reserved: int = 0
    code: int = 0
    checksum: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class ICMPv6Other:
    icmp_type: int
    code: int
    body: bytes  # octets after the checksum
    checksum: int | None = field(default=None, compare=False)


ICMPv6 = (
    DestUnreachable
    | PacketTooBig
    | TimeExceeded
    | ParamProblem
    | EchoRequest
    | EchoReply
    | RouterSolicitation
    | RouterAdvertisement
    | NeighborSolicitation
    | NeighborAdvertisement
    | Redirect
    | ICMPv6Other
)

# ---------------------------------------------------------------- transport and other upper layers


@dataclass(frozen=True, slots=True)
class UDP:
    sport: int
    dport: int
    payload: bytes = b""
    checksum: int | None = field(default=None, compare=False)
    length: int | None = field(default=None, compare=False)  # as read; None = computed


@dataclass(frozen=True, slots=True)
class TCP:
    sport: int
    dport: int
    seq: int = 0
    ack: int = 0
    flags: int = 0x02  # 9 bits (NS..FIN) plus the 3 reserved bits above them: 12 bits total
    window: int = 65535
    urgent: int = 0
    options: bytes = b""  # multiple of 4 octets
    payload: bytes = b""
    checksum: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class NoNextHeader:
    """Next Header 59. Octets after it (which receivers ignore) are kept."""

    trailing: bytes = b""


@dataclass(frozen=True, slots=True)
class ESP:
    """Encapsulating Security Payload: SPI, sequence, opaque rest (padding, next header, ICV inside)."""

    spi: int
    seq: int
    data: bytes


@dataclass(frozen=True, slots=True)
class Raw:
    """An upper layer the codec does not decode (IPv4, unknown numbers...): the number and the octets."""

    next_header: int
    data: bytes


# The RFC 6275 Mobility Header (Next Header 135, or the pre-IANA 62) lives in model/codec/mh.py as
# `MobilityHeader`; it is part of the Upper union through this forward name.
from mip6check.model.codec.mh import MobilityHeader  # noqa: E402


@dataclass(frozen=True, slots=True)
class IPv6Packet:
    """An IPv6 packet: fixed header, ordered extension headers (duplicates kept), and the upper layer.

    Each header's Next Header field is derived from the element that follows it; Payload Length is
    derived from the content. `payload` is an inner IPv6Packet for IPv6-in-IPv6 (Next Header 41).
    """

    src: Addr
    dst: Addr
    headers: tuple[ExtHeader, ...] = ()
    payload: Upper = NoNextHeader()
    hop_limit: int = 64
    traffic_class: int = 0  # 8 bits (RFC 2460 split; the era's 4-bit Priority is its top nibble)
    flow_label: int = 0  # 20 bits


Upper = ICMPv6 | UDP | TCP | NoNextHeader | ESP | Raw | MobilityHeader | IPv6Packet
