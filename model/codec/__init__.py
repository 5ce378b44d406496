"""The packet codec facade: pure bytes <-> frozen values (STYLE principle 4; DESIGN "Codec: pure").

`decode_packet` returns an IPv6Packet or raises DecodeError (offset absolute in the outermost buffer);
any other exception is a bug. `encode_packet` derives lengths, Next Header values and checksums and
raises ModelUsageError for a value that cannot be written.

Readings taken by the decoder (wire-formats §7):
- Option numbers come from the Profile; 201 (RFC 6275 Home Address) is HomeAddress under every profile.
- BU with C=1 needs Option Length >= 24; shorter (e.g. the stated 16) is MalformedOption (B1). BA needs
  >= 11 (B2); octets past a fixed part are `ext`.
- Routing type 0 uses the era's Reserved(8) + bitmap(24) layout (the later 32-bit Reserved reads as
  reserved<<24 | bitmap); an odd Hdr Ext Len is a DecodeError.
- After a Fragment header with offset > 0 or M set, the rest is Raw(next_header, octets).
- Octets after Payload Length are link padding, ignored; an inner (tunnelled) packet must fill its
  outer payload exactly.
- Mobility Header: Header Len 0 with more octets following (the ns-3 model) decodes with a final
  ("trailing", bytes) field and `header_len_mismatch()` true; any other Header Len disagreement is a
  DecodeError. BU/BA lifetimes are raw (units of 4 s).
"""

from __future__ import annotations

from mip6check.model.codec.checksum import compute_checksum, verify_checksum
from mip6check.model.codec.encode import encode_packet, pseudo_addresses
from mip6check.model.codec.helpers import (
    checksum_ok,
    encapsulate,
    final_destination,
    has_auth,
    innermost,
    mobility_options,
    upper_layer,
    wire_checksum_ok,
)
from mip6check.model.codec.ipv6 import (
    DEFAULT_LIMITS,
    Limits,
    decode_packet,
    decode_partial,
    invoking_packet,
    option_offset,
)
from mip6check.model.codec.mh import (
    MH_LAYOUTS,
    MH_NAMES,
    MobilityHeader,
    MobilityOption,
    header_len_mismatch,
)
from mip6check.model.codec.options import OPTION_RULES, alignment, bu, dest_options, pad_options
from mip6check.model.codec.values import (
    AH,
    DRAFT04,
    DRAFT08,
    ESP,
    MIP6_OPTIONS,
    PROFILES,
    TCP,
    UDP,
    BindingAck,
    BindingRequest,
    BindingUpdate,
    DestOptions,
    DestUnreachable,
    EchoReply,
    EchoRequest,
    ExtHeader,
    Fragment,
    HomeAddress,
    HopByHop,
    ICMPv6,
    ICMPv6Other,
    IPv6Packet,
    MalformedOption,
    MTUOption,
    NDOption,
    NeighborAdvertisement,
    NeighborSolicitation,
    NoNextHeader,
    Option,
    PacketTooBig,
    Pad1,
    PadN,
    ParamProblem,
    PrefixInfo,
    Profile,
    Raw,
    Redirect,
    RouterAdvertisement,
    RouterSolicitation,
    Routing0,
    Routing2,
    RoutingOther,
    SourceLLA,
    TargetLLA,
    TimeExceeded,
    UnknownNDOption,
    UnknownOption,
    Upper,
)
from mip6check.model.errors import DecodeError

__all__ = [
    "AH",
    "DEFAULT_LIMITS",
    "DRAFT04",
    "DRAFT08",
    "ESP",
    "MH_LAYOUTS",
    "MH_NAMES",
    "MIP6_OPTIONS",
    "OPTION_RULES",
    "PROFILES",
    "TCP",
    "UDP",
    "BindingAck",
    "BindingRequest",
    "BindingUpdate",
    "DecodeError",
    "DestOptions",
    "DestUnreachable",
    "EchoReply",
    "EchoRequest",
    "ExtHeader",
    "Fragment",
    "HomeAddress",
    "HopByHop",
    "ICMPv6",
    "ICMPv6Other",
    "IPv6Packet",
    "Limits",
    "MTUOption",
    "MalformedOption",
    "MobilityHeader",
    "MobilityOption",
    "NDOption",
    "NeighborAdvertisement",
    "NeighborSolicitation",
    "NoNextHeader",
    "Option",
    "PacketTooBig",
    "Pad1",
    "PadN",
    "ParamProblem",
    "PrefixInfo",
    "Profile",
    "Raw",
    "Redirect",
    "RouterAdvertisement",
    "RouterSolicitation",
    "Routing0",
    "Routing2",
    "RoutingOther",
    "SourceLLA",
    "TargetLLA",
    "TimeExceeded",
    "UnknownNDOption",
    "UnknownOption",
    "Upper",
    "alignment",
    "bu",
    "checksum_ok",
    "compute_checksum",
    "decode_packet",
    "decode_partial",
    "dest_options",
    "encapsulate",
    "encode_packet",
    "final_destination",
    "has_auth",
    "header_len_mismatch",
    "innermost",
    "invoking_packet",
    "mobility_options",
    "option_offset",
    "pad_options",
    "pseudo_addresses",
    "upper_layer",
    "verify_checksum",
    "wire_checksum_ok",
]
