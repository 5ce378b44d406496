"""TLV options of Hop-by-Hop and Destination Options headers (IPv6 §4.2; draft §5.1-§5.4).

Option Type numbers come from the Profile (data, wire-formats §3, §7); 201, the RFC 6275 Home Address
option, decodes as HomeAddress under every profile. A recognised option too short for its fixed part is a
MalformedOption value (§7.2, §9.10 say to ignore it); an unknown one is an UnknownOption value.
"""

from __future__ import annotations

import struct

from mip6check.model.codec.buffer import fail, maker
from mip6check.model.codec.values import (
    DRAFT04,
    BindingAck,
    BindingRequest,
    BindingUpdate,
    DestOptions,
    HomeAddress,
    MalformedOption,
    Option,
    Pad1,
    PadN,
    Profile,
    UnknownOption,
)
from mip6check.model.errors import ModelUsageError

_BU = struct.Struct("!BBHI")  # flags, ID Length, Sequence, Lifetime (§5.1)
_BA = struct.Struct("!BHII")  # Status, Sequence, Lifetime, Refresh (§5.2)
HAO_RFC6275 = 201

_PAD1 = Pad1()
_PADN0 = PadN(b"")
_mk_bu = maker(BindingUpdate)
_mk_ba = maker(BindingAck)
_mk_hao = maker(HomeAddress)
_mk_padn = maker(PadN)
_mk_unknown = maker(UnknownOption)


def _dispatch(profile: Profile) -> dict[int, str]:
    table = {profile.bu: "BU", profile.ba: "BA", profile.br: "BR", profile.hao: "HAO"}
    table.setdefault(HAO_RFC6275, "HAO")
    return table


_TABLES: dict[Profile, dict[int, str]] = {}
_T04 = _dispatch(DRAFT04)


def option_table(profile: Profile) -> dict[int, str]:
    """Option Type -> kind ("BU", "BA", "BR", "HAO") for `profile` (cached; profiles are hashable)."""
    if profile is DRAFT04:
        return _T04
    t = _TABLES.get(profile)
    if t is None:
        t = _TABLES[profile] = _dispatch(profile)
    return t


def decode_option_data(kind: str, t: int, d: bytes) -> Option:
    """Decode the data of a recognised Mobile IPv6 option (§5.1-§5.4); short data -> MalformedOption."""
    n = len(d)
    if kind == "HAO":
        if n < 16:
            return MalformedOption(t, kind, d, f"Option Length {n} < 16")
        return _mk_hao(d[:16], d[16:], t)
    if kind == "BU":
        if n < 8:
            return MalformedOption(t, kind, d, f"Option Length {n} < 8")
        flags, idl, seq, life = _BU.unpack_from(d, 0)
        c = bool(flags & 0x20)
        if c:
            if (
                n < 24
            ):  # wire-formats §7 B1: Length 16 with C=1 is malformed under the default reading
                return MalformedOption(t, kind, d, f"C set but Option Length {n} < 24")
            return _mk_bu(
                seq,
                life,
                bool(flags & 0x80),
                bool(flags & 0x40),
                True,
                idl,
                d[8:24],
                flags & 0x1F,
                d[24:],
                t,
            )
        return _mk_bu(
            seq,
            life,
            bool(flags & 0x80),
            bool(flags & 0x40),
            False,
            idl,
            None,
            flags & 0x1F,
            d[8:],
            t,
        )
    if kind == "BA":
        if n < 11:  # wire-formats §7 B2: 11, not the stated 12
            return MalformedOption(t, kind, d, f"Option Length {n} < 11")
        status, seq, life, refresh = _BA.unpack_from(d, 0)
        return _mk_ba(status, seq, life, refresh, d[11:], t)
    return BindingRequest(d, t)  # BR: Length 0, any data octets are extensions (§5.3)


def decode_options(
    data: bytes, pos: int, end: int, table: dict[int, str], base: int, layer: str, max_options: int
) -> tuple[Option, ...]:
    """The options in data[pos:end]; an option running past `end` is a DecodeError."""
    out: list[Option] = []
    append = out.append
    while pos < end:
        t = data[pos]
        if t == 0:
            append(_PAD1)
            pos += 1
        else:
            if pos + 1 >= end:
                fail(base + pos, layer, "option", f"option type {t} has no length octet")
            n = data[pos + 1]
            q = pos + 2 + n
            if q > end:
                fail(
                    base + pos + 1,
                    layer,
                    "option_length",
                    f"option type {t} length {n} runs past the header",
                )
            if t == 1:
                append(_mk_padn(data[pos + 2 : q]) if n else _PADN0)
            else:
                kind = table.get(t)
                if kind == "HAO" and n >= 16:  # decode_option_data's HomeAddress, without the copy
                    append(_mk_hao(data[pos + 2 : pos + 18], data[pos + 18 : q], t))
                else:
                    d = data[pos + 2 : q]
                    append(_mk_unknown(t, d) if kind is None else decode_option_data(kind, t, d))
            pos = q
        if len(out) > max_options:
            fail(base + pos, layer, "options", f"more than max_options={max_options} options")
    return tuple(out)


def encode_option(o: Option) -> bytes:
    """The wire form of one option (Type, Length, Data; Pad1 is one zero octet)."""
    if isinstance(o, Pad1):
        return b"\x00"
    if isinstance(o, PadN):
        d = o.data
        t = 1
    elif isinstance(o, HomeAddress):
        d, t = o.home_address + o.ext, o.opt_type
    elif isinstance(o, BindingUpdate):
        flags = (
            (0x80 if o.a else 0) | (0x40 if o.h else 0) | (0x20 if o.c else 0) | (o.reserved & 0x1F)
        )
        d = _BU.pack(flags, o.id_length, o.seq, o.lifetime) + (o.care_of or b"") + o.ext
        t = o.opt_type
    elif isinstance(o, BindingAck):
        d, t = _BA.pack(o.status, o.seq, o.lifetime, o.refresh) + o.ext, o.opt_type
    elif isinstance(o, BindingRequest):
        d, t = o.ext, o.opt_type
    else:  # MalformedOption, UnknownOption
        d, t = o.data, o.opt_type
    if len(d) > 255:
        raise ModelUsageError(f"option data of {len(d)} octets exceeds 255")
    return bytes((t, len(d))) + d


def encode_options(opts: tuple[Option, ...]) -> bytes:
    return b"".join([encode_option(o) for o in opts])


# ---------------------------------------------------------------- alignment (wire-formats §1.5)


def alignment(o: Option, hao_8n6: bool = False) -> tuple[int, int]:
    """(x, y) meaning the Option Type must sit at offset x*n + y: BU 4n+2, BA 4n+3, HAO 4n+2 (or 8n+6)."""
    if isinstance(o, BindingUpdate):
        return (4, 2)
    if isinstance(o, BindingAck):
        return (4, 3)
    if isinstance(o, HomeAddress):
        return (8, 6) if hao_8n6 else (4, 2)
    return (1, 0)


def _pad(n: int) -> list[Option]:
    if n == 0:
        return []
    if n == 1:
        return [_PAD1]
    return [PadN(bytes(n - 2))]


def pad_options(
    opts: tuple[Option, ...] | list[Option], hao_8n6: bool = False
) -> tuple[Option, ...]:
    """Insert Pad1/PadN before each option to meet its alignment, then pad the header to 8n octets."""
    out: list[Option] = []
    off = 2  # Next Header + Hdr Ext Len
    for o in opts:
        x, y = alignment(o, hao_8n6)
        gap = (y - off) % x
        out.extend(_pad(gap))
        off += gap
        out.append(o)
        off += len(encode_option(o))
    out.extend(_pad((-off) % 8))
    return tuple(out)


def dest_options(*opts: Option, hao_8n6: bool = False) -> DestOptions:
    """A Destination Options header holding `opts`, padded for the draft's alignments (wire-formats §1)."""
    return DestOptions(pad_options(opts, hao_8n6))


def bu(
    seq: int,
    lifetime: int,
    *,
    a: bool = False,
    h: bool = False,
    care_of: bytes | None = None,
    id_length: int = 0,
    profile: Profile = DRAFT04,
) -> BindingUpdate:
    """A Binding Update option under `profile` (C is set iff `care_of` is given, §5.1)."""
    return BindingUpdate(
        seq, lifetime, a, h, care_of is not None, id_length, care_of, 0, b"", profile.bu
    )


# ---------------------------------------------------------------- where each option belongs (STYLE principle 8)

# kind -> (headers it may appear in, who processes it, draft reference). The codec decodes every option in
# any options header; placement checks and processing are the roles' (this table is their one source).
OPTION_RULES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "BU": (("DestOptions",), ("correspondent", "home_agent", "previous_router"), "§5.1, §7.2"),
    "BA": (("DestOptions",), ("mobile_node",), "§5.2, §9.10"),
    "BR": (("DestOptions",), ("mobile_node",), "§5.3, §9.11"),
    "HAO": (("DestOptions",), ("correspondent", "home_agent"), "§5.4, §7.1"),
}
