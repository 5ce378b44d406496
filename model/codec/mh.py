"""RFC 6275 Mobility Header values (Next Header 135, or pre-IANA 62): decoded for today's captures only."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NoReturn

from mip6check.model.codec.buffer import maker
from mip6check.model.codec.compile import compile_message
from mip6check.model.codec.layout import MH_MESSAGES
from mip6check.model.errors import DecodeError, ModelUsageError


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


# ---------------------------------------------------------------- decoding and encoding (RFC 6275 §6.1)

# Message data layouts: the field tables of layout.py (1-bit fields are bools, 128-bit fields addresses
# as bytes, the rest unsigned ints; BU/BA lifetimes are raw, units of 4 seconds, §6.1.7), compiled once.
MESSAGES = {m.mh_type: compile_message(m) for m in MH_MESSAGES}
MH_LAYOUTS: dict[int, tuple[tuple[str, int], ...]] = {
    t: tuple((f.name, f.bits) for f in c.layout.fields) for t, c in MESSAGES.items()
}
MH_NAMES = {t: c.layout.kind for t, c in MESSAGES.items()}
MH_NUMBERS = (135, 62)

_mk_mh = maker(MobilityHeader)
_mk_opt = maker(MobilityOption)
_PAD1 = MobilityOption(0)


def _fail(offset: int, field: str, reason: str) -> NoReturn:
    raise DecodeError(offset, "MH", field, reason)


def decode_mobility_options(
    data: bytes, pos: int, end: int, base: int
) -> tuple[MobilityOption, ...]:
    """Mobility options (RFC 6275 §6.2): Pad1 is a lone zero octet, every other type is TLV."""
    out: list[MobilityOption] = []
    while pos < end:
        t = data[pos]
        if t == 0:
            out.append(_PAD1)
            pos += 1
            continue
        if pos + 2 > end:
            _fail(base + pos, "option", f"mobility option type {t} has no length octet")
        q = pos + 2 + data[pos + 1]
        if q > end:
            _fail(base + pos + 1, "option_length", f"mobility option type {t} runs past the header")
        out.append(_mk_opt(t, data[pos + 2 : q]))
        pos = q
    return tuple(out)


def decode_mh(data: bytes, pos: int, end: int, base: int, number: int = 135) -> MobilityHeader:
    """Decode the Mobility Header in data[pos:end] (§6.1.1).

    Header Len claiming more than the data is a DecodeError; claiming less is a DecodeError too, except
    Header Len 0 with more octets following: the ns-3 MIPv6 model never fills the field in (and writes
    its Home Address destination-options header *after* the MH). That case decodes the message's fixed
    part from the data, parses no options, and keeps every later octet as a final ("trailing", bytes)
    field; `declared_len=0` is kept, so `header_len_mismatch()` flags it and encoding is byte-exact.
    """
    if end - pos < 6:
        _fail(base + pos, "header", f"truncated: {end - pos} octets, need 6")
    proto, hlen, mtype, rsv = data[pos], data[pos + 1], data[pos + 2], data[pos + 3]
    ck = int.from_bytes(data[pos + 4 : pos + 6], "big")
    size = (hlen + 1) * 8
    if size > end - pos:
        _fail(
            base + pos + 1,
            "header_len",
            f"Header Len {hlen} ({size} octets) exceeds the {end - pos} octets present",
        )
    if size < end - pos and hlen != 0:
        _fail(
            base + pos + 1,
            "header_len",
            f"Header Len {hlen} ({size} octets) but {end - pos} octets follow",
        )
    mend = end
    p = pos + 6
    msg = MESSAGES.get(mtype)
    if msg is None:
        return _mk_mh(mtype, (("data", data[p:mend]),), (), proto, rsv, number, ck, hlen)
    n = msg.size
    if mend - p < n:
        _fail(base + p, MH_NAMES[mtype], f"truncated: {mend - p} octets of message data, need {n}")
    fields = msg.decode(data[p : p + n])
    if size < end - pos:  # the ns-3 Header Len 0 case
        fields += (("trailing", data[p + n : mend]),)
        return _mk_mh(mtype, fields, (), proto, rsv, number, ck, hlen)
    return _mk_mh(
        mtype,
        fields,
        decode_mobility_options(data, p + n, mend, base),
        proto,
        rsv,
        number,
        ck,
        hlen,
    )


def header_len_mismatch(mh: MobilityHeader) -> bool:
    """True when the Header Len as read disagrees with the octets the value holds (the ns-3 quirk)."""
    return mh.declared_len is not None and (mh.declared_len + 1) * 8 != len(encode_mh_body(mh)) + 6


def encode_mh_body(mh: MobilityHeader) -> bytes:
    """Message data and options (everything after the Checksum field)."""
    msg = MESSAGES.get(mh.mh_type)
    parts: list[bytes] = []
    if msg is None:
        for _, v in mh.fields:
            if isinstance(v, bytes):
                parts.append(v)
    else:
        parts.append(msg.encode({**msg.defaults, **dict(mh.fields)}))
    for o in mh.options:
        parts.append(b"\x00" if o.opt_type == 0 else bytes((o.opt_type, len(o.data))) + o.data)
    if msg is not None:
        for name, v in mh.fields:
            if name == "trailing" and isinstance(v, bytes):
                parts.append(v)
    return b"".join(parts)


def encode_mh(mh: MobilityHeader) -> bytes:
    """The Mobility Header with checksum as stored (0 when None). Header Len is written as read when
    stored, else computed; a computed length needs the header to be a multiple of 8 octets (§6.1.1)."""
    body = encode_mh_body(mh)
    total = 6 + len(body)
    if mh.declared_len is not None:
        hlen = mh.declared_len
    else:
        if total % 8:
            raise ModelUsageError(
                f"Mobility Header of {total} octets is not a multiple of 8: add padding options"
            )
        hlen = total // 8 - 1
    ck = mh.checksum or 0
    return bytes((mh.payload_proto, hlen, mh.mh_type, mh.reserved, ck >> 8, ck & 0xFF)) + body
