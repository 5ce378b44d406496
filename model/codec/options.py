"""TLV options of Hop-by-Hop and Destination Options headers (IPv6 §4.2; draft §5.1-§5.4).

Option Type numbers come from the Profile (data, wire-formats §3, §7); 201, the RFC 6275 Home Address
option, decodes as HomeAddress under every profile. A recognised option too short for its fixed part is a
MalformedOption value (§7.2, §9.10 say to ignore it); an unknown one is an UnknownOption value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from mip6check.model.codec.buffer import fail, maker
from mip6check.model.codec.compile import CompiledOption, compile_option
from mip6check.model.codec.layout import BINDING_UPDATE as BU_LAYOUT
from mip6check.model.codec.layout import MIP6_LAYOUTS, PADN, OptionLayout
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

Decoder = Callable[[int, bytes, int, int], Option]
Decoders = dict[int, Decoder]
_PAD1 = Pad1()
_PADN0 = PadN(b"")
_mk_padn = maker(PadN)
_mk_unknown = maker(UnknownOption)
_C_BIT = 0x20  # §5.1: Care-of Address Present, the third bit of the Binding Update's first octet

# The draft's options and PadN, each compiled from its table (layout.py) with its value type.
_VALUES = {
    "BU": BindingUpdate,
    "BA": BindingAck,
    "BR": BindingRequest,
    "HAO": HomeAddress,
    "PadN": PadN,
}
COMPILED: dict[str, CompiledOption] = {}
BY_VALUE: dict[type[Any], CompiledOption] = {}


def register_option(layout: OptionLayout) -> CompiledOption:
    """Compile `layout` and make the codec recognise it (its Option Types under every profile are the
    profile's attribute `kind.lower()` when there is one, and `layout.numbers`). The one place an option
    is added: decode, encode, alignment and the lengths follow from its table."""
    lay = layout if layout.value is not None else replace(layout, value=_VALUES.get(layout.kind))
    c = compile_option(lay, MalformedOption)
    old = COMPILED.get(layout.kind)
    if old is not None:
        BY_VALUE.pop(old.value, None)
    COMPILED[layout.kind] = c
    BY_VALUE[c.value] = c
    _forget()
    return c


def unregister_option(kind: str) -> None:
    """Forget an option registered with `register_option` (tests that add a made-up one)."""
    c = COMPILED.pop(kind)
    BY_VALUE.pop(c.value, None)
    _forget()


def _dispatch(profile: Profile) -> dict[int, str]:
    table: dict[int, str] = {}
    for kind in COMPILED:
        if kind == "PadN":
            continue
        t = getattr(profile, kind.lower(), None)
        if isinstance(t, int):
            table[t] = kind
    for kind, c in COMPILED.items():
        if kind != "PadN":
            for t in c.layout.numbers:
                table.setdefault(t, kind)
    return table


_TABLES: dict[Profile, dict[int, str]] = {}
_DECODERS: dict[Profile, Decoders] = {}
_LAST: list[object] = [None, None]  # (profile, its decoders) of the last option_decoders call


def _forget() -> None:
    """Drop the dispatch tables built from the registry (it changed)."""
    _TABLES.clear()
    _DECODERS.clear()
    _LAST[0] = _LAST[1] = None


def option_table(profile: Profile) -> dict[int, str]:
    """Option Type -> kind ("BU", "BA", "BR", "HAO", ...) for `profile` (cached; profiles are hashable)."""
    t = _TABLES.get(profile)
    if t is None:
        t = _TABLES[profile] = _dispatch(profile)
        _DECODERS[profile] = {
            1: COMPILED["PadN"].decode_at,
            **{n: COMPILED[k].decode_at for n, k in t.items()},
        }
    return t


def option_decoders(profile: Profile) -> Decoders:
    """Option Type -> the compiled decoder of its table, for `profile` (the hot path's dispatch)."""
    last = _LAST
    if last[0] is profile:  # the profile of the previous call: no hashing of the dataclass
        return last[1]  # type: ignore[return-value]
    option_table(profile)
    d = _DECODERS[profile]
    last[0], last[1] = profile, d
    return d


def decode_option_data(kind: str, t: int, d: bytes) -> Option:
    """Decode the data of a recognised option (§5.1-§5.4); data short of the fixed part -> MalformedOption."""
    return COMPILED[kind].decode(t, d)  # type: ignore[no-any-return]


def stated_binding_update(m: MalformedOption, minimum: int | None = None) -> BindingUpdate | None:
    """§5.1 as its text counts the C bit ("+8", B1): a Binding Update with C set whose Option Length
    reaches `minimum` (the stated 16 unless given; §7.2 read alone gives 8, C5) but not the layout's 24,
    read as its fixed part with no Care-of Address (the octets after the fixed part kept as `ext`);
    None for any other malformed option. The codec never applies this reading itself: the
    `bu_c_length` switch selects it in the roles and judges."""
    d = m.data
    least = BU_LAYOUT.stated_fixed_length(True) if minimum is None else minimum
    if m.kind != "BU" or len(d) < max(least, BU_LAYOUT.fixed_length()) or not d[0] & _C_BIT:
        return None
    v = decode_option_data("BU", m.opt_type, bytes((d[0] & ~_C_BIT,)) + d[1:])
    return replace(v, c=True) if isinstance(v, BindingUpdate) else None


def option_length(o: Option) -> int:
    """The Option Length octet of `o` as encoded: its table's fixed part plus the octets after it."""
    c = BY_VALUE.get(type(o))
    if c is None:
        return 0 if type(o) is Pad1 else len(o.data)  # type: ignore[union-attr]
    return len(c.encode(o))


def decode_options(
    data: bytes,
    pos: int,
    end: int,
    table: Decoders,
    base: int,
    layer: str,
    max_options: int,
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
            dec = table.get(t)
            if dec is None:
                append(_mk_unknown(t, data[pos + 2 : q]))
            elif t == 1 and not n:
                append(_PADN0)
            else:
                append(dec(t, data, pos + 2, q))
            pos = q
        if len(out) > max_options:
            fail(base + pos, layer, "options", f"more than max_options={max_options} options")
    return tuple(out)


def encode_option(o: Option) -> bytes:
    """The wire form of one option (Type, Length, Data; Pad1 is one zero octet)."""
    t = type(o)
    if t is Pad1:
        return b"\x00"
    c = BY_VALUE.get(t)
    if c is None:  # MalformedOption, UnknownOption
        d, n = o.data, o.opt_type  # type: ignore[union-attr]
    else:
        d, n = c.encode(o), 1 if t is PadN else o.opt_type  # type: ignore[union-attr]
    if len(d) > 255:
        raise ModelUsageError(f"option data of {len(d)} octets exceeds 255")
    return bytes((n, len(d))) + d


def encode_options(opts: tuple[Option, ...]) -> bytes:
    return b"".join([encode_option(o) for o in opts])


# ---------------------------------------------------------------- alignment (wire-formats §1.5)


def alignment(o: Option, hao_8n6: bool = False) -> tuple[int, int]:
    """(x, y) meaning the Option Type must sit at offset x*n + y: its table's (BU 4n+2, BA 4n+3, HAO 4n+2,
    or 8n+6 under `hao_8n6`, the later drafts' reading)."""
    c = BY_VALUE.get(type(o))
    if c is None:
        return (1, 0)
    lay = c.layout
    return lay.align_8n6 if hao_8n6 and lay.align_8n6 is not None else lay.align


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

for _layout in (*MIP6_LAYOUTS, PADN):
    register_option(_layout)

# kind -> (headers it may appear in, who processes it, draft reference), from the tables. The codec decodes
# every option in any options header; placement checks and processing are the roles'.
OPTION_RULES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    lay.kind: (lay.headers, lay.processed_by, lay.section) for lay in MIP6_LAYOUTS
}
