"""RFC 6275 Mobility Header values (Next Header 135, or pre-IANA 62): decoded for today's captures only."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class MobilityOption:
    """A mobility option: type 0 is Pad1 (no length octet); others are TLV."""

    opt_type: int
    data: bytes = b""


@dataclass(frozen=True, slots=True)
class MobilityHeader:
    """Payload Proto, MH Type, Reserved, Checksum, then the type's message data.

    `fields` holds the decoded fixed part of the message as (name, value) pairs in wire order
    (e.g. ("seq", 7), ("a", True), ("lifetime", 60)), so any of the message types 0-7 is one value type;
    `options` are the mobility options after it.
    """

    mh_type: int
    fields: tuple[tuple[str, int | bool | bytes], ...] = ()
    options: tuple[MobilityOption, ...] = ()
    payload_proto: int = 59
    reserved: int = 0
    next_header_number: int = 135  # 135, or 62 for the pre-IANA number some old stacks used
    checksum: int | None = field(default=None, compare=False)
    declared_len: int | None = field(default=None, compare=False)  # Header Len as read (units of 8)
