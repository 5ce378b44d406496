"""The field tables of `layout.py` compiled, once at import, into the codec's fast paths.

Each table becomes one `struct.Struct` over its whole-octet words (flags and sub-octet fields share a
word and are read with a shift and a mask) and a generated decode and encode function, so the hot path
is one `unpack_from` and one constructor call, as a hand-written decoder would be (STYLE principle 4).
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Callable
from typing import Any

from mip6check.model.codec.buffer import maker
from mip6check.model.codec.layout import Field, MessageLayout, OptionLayout
from mip6check.model.errors import ModelUsageError

_CODES = {8: "B", 16: "H", 32: "I", 64: "Q", 128: "16s"}

FieldValue = int | bool | bytes


@dataclasses.dataclass(frozen=True, slots=True)
class Word:
    """One struct item: whole-octet fields alone, or sub-octet fields packed into 8/16/32 bits."""

    code: str
    bits: int
    parts: tuple[tuple[Field, int], ...]  # (field, shift from the word's low bit)


def words(fields: tuple[Field, ...]) -> tuple[Word, ...]:
    """Group `fields` (wire order) into struct items; a layout that does not fill whole words is a bug."""
    out: list[Word] = []
    acc: list[Field] = []
    bits = 0
    for f in fields:
        if not acc and f.bits in _CODES:
            out.append(Word(_CODES[f.bits], f.bits, ((f, 0),)))
            continue
        acc.append(f)
        bits += f.bits
        if bits in (8, 16, 32, 64):
            shift = bits
            parts = []
            for g in acc:
                shift -= g.bits
                parts.append((g, shift))
            out.append(Word(_CODES[bits], bits, tuple(parts)))
            acc, bits = [], 0
        elif bits > 64:
            raise ModelUsageError(f"fields {[g.name for g in acc]} do not fill whole words")
    if acc:
        raise ModelUsageError(f"fields {[g.name for g in acc]} do not fill whole words")
    return tuple(out)


def _read(w: Word, var: str) -> list[tuple[str, str]]:
    """(field name, expression) for each field of a word held in `var`."""
    out = []
    for f, shift in w.parts:
        if len(w.parts) == 1:
            out.append((f.name, var))
        elif f.bits == 1:
            out.append((f.name, f"bool({var} & {1 << shift:#x})"))
        elif shift == 0:
            out.append((f.name, f"{var} & {(1 << f.bits) - 1:#x}"))
        else:
            out.append((f.name, f"({var} >> {shift}) & {(1 << f.bits) - 1:#x}"))
    return out


def _write(w: Word, get: Callable[[str], str]) -> str:
    """The expression packing one word from the value's fields."""
    if len(w.parts) == 1:
        return get(w.parts[0][0].name)
    terms = []
    for f, shift in w.parts:
        if f.bits == 1:
            terms.append(f"({1 << shift:#x} if {get(f.name)} else 0)")
        else:
            terms.append(f"(({get(f.name)} & {(1 << f.bits) - 1:#x}) << {shift})")
    return " | ".join(terms)


def _exec(src: str, ns: dict[str, Any], name: str) -> Any:
    exec(src, ns)  # noqa: S102 - source generated from the field tables above, nothing else
    return ns[name]


def value_type(layout: OptionLayout) -> type[Any]:
    """The option's value type: the table's own, or a frozen dataclass made from the table (fields in
    wire order, then the octets after the fixed part, then the Option Type)."""
    if layout.value is not None:
        return layout.value
    specs: list[Any] = []
    for f in layout.fields:
        typ = bool if f.is_flag else bytes if f.is_address else int
        specs.append((f.name, typ | None if f.present_if else typ))
    specs += [(layout.rest, bytes), ("opt_type", int)]
    return dataclasses.make_dataclass(layout.title.replace(" ", ""), specs, frozen=True, slots=True)


@dataclasses.dataclass(frozen=True, slots=True)
class CompiledOption:
    """A layout's generated codec: `decode_at(opt_type, buf, p, q)` reads the option data in
    buf[p:q] without copying it first, `decode(opt_type, data)` the same over a whole `data`, and
    `encode(value)` gives the data octets."""

    layout: OptionLayout
    value: type[Any]
    decode_at: Callable[[int, bytes, int, int], Any]
    decode: Callable[[int, bytes], Any]
    encode: Callable[[Any], bytes]


@dataclasses.dataclass(frozen=True, slots=True)
class FieldReads:
    """Where each field of an option table is read, as expressions over the option data in a buffer:
    `ints` unpacks the whole-word integers (into names `words`), `exprs` reads each unconditional
    field from them or slices it from the buffer, `cond` each conditional field (present when
    `flag`'s expression is true and the data reaches `full` octets); `fixed` is the fixed part."""

    ints: struct.Struct
    words: tuple[str, ...]
    exprs: dict[str, str]
    cond: dict[str, str]
    flag: str | None
    fixed: int
    full: int


def field_reads(layout: OptionLayout, b: str = "b", p: str = "p", w: str = "w") -> FieldReads:
    """The reads of `layout`'s fields from buffer `b` with the option data at `p` (expressions),
    the integers unpacked into `w0, w1, ...`: what the generated decoder runs, for other generated
    code to read the same octets the same way."""
    base = tuple(f for f in layout.fields if f.present_if is None)
    cond = tuple(f for f in layout.fields if f.present_if is not None)
    if layout.fields[: len(base)] != base:
        raise ModelUsageError(f"{layout.kind}: conditional fields must come last")
    ws = words(base)
    exprs: dict[str, str] = {}
    ints: list[Word] = []
    at = 0
    for wd in ws:
        if wd.code == "16s":
            lo = f"{p} + {at}" if at else p
            exprs[wd.parts[0][0].name] = f"{b}[{lo}:{p} + {at + 16}]"
        else:
            exprs.update(_read(wd, f"{w}{len(ints)}"))
            ints.append(wd)
        at += wd.bits // 8
    fixed = at
    cond_expr: dict[str, str] = {}
    flag: str | None = None
    if cond:
        f0 = layout.condition()
        assert f0 is not None
        flag = exprs[f0.name]
        for f in cond:
            if f.bits % 8:
                raise ModelUsageError(
                    f"{layout.kind}: conditional field {f.name} is not whole octets"
                )
            cond_expr[f.name] = f"{b}[{p} + {at}:{p} + {at + f.bits // 8}]"
            at += f.bits // 8
    return FieldReads(
        struct.Struct("!" + "".join(wd.code for wd in ints)),
        tuple(f"{w}{i}" for i in range(len(ints))),
        exprs,
        cond_expr,
        flag,
        fixed,
        at,
    )


def compile_option(layout: OptionLayout, malformed: type[Any]) -> CompiledOption:
    """Generate the decoder and encoder of one option table.

    Data shorter than the fixed part decodes as `malformed(opt_type, kind, data, reason)` (§7.2, §9.10
    say to ignore such an option); a conditional field must follow every unconditional one."""
    cls = value_type(layout)
    reads = field_reads(layout)
    cond = tuple(f for f in layout.fields if f.present_if is not None)
    ws = words(tuple(f for f in layout.fields if f.present_if is None))
    st = struct.Struct("!" + "".join(w.code for w in ws))
    n0 = st.size
    names = [f.name for f in dataclasses.fields(cls)]
    known = {f.name for f in layout.fields} | {layout.rest}
    if set(names) - {"opt_type"} != known:
        raise ModelUsageError(f"{cls.__name__} fields {names} do not match the {layout.kind} table")
    # addresses are sliced out of the buffer; the other words are read by one unpack_from
    exprs = reads.exprs
    ints = reads.words
    ns: dict[str, Any] = {
        "S": reads.ints,
        "P": st,
        "mk": maker(cls),
        "Mal": malformed,
        "K": layout.kind,
    }
    lines = ["def dec(t, b, p, q):\n"]
    if n0:
        lines.append(
            f"    if q - p < {n0}:\n"
            f"        return Mal(t, K, b[p:q], f'Option Length {{q - p}} < {n0}')\n"
        )
    if ints:
        var = ", ".join(ints) + ("," if len(ints) == 1 else "")
        lines.append(f"    {var} = S.unpack_from(b, p)\n")

    def build(present: bool, end: int) -> str:
        args = []
        for nm in names:
            if nm == "opt_type":
                args.append("t")
            elif nm == layout.rest:
                args.append(f"b[p + {end}:q]")
            elif nm in exprs:
                args.append(exprs[nm])
            else:  # a conditional field
                args.append(cond_expr[nm] if present else "None")
        return f"mk({', '.join(args)})"

    cond_expr = reads.cond
    if cond:
        flag = layout.condition()
        assert flag is not None
        at = reads.full
        lines.append(f"    if {exprs[flag.name]}:\n")
        lines.append(
            f"        if q - p < {at}:\n            return Mal(t, K, b[p:q], "
            f"f'{flag.name.upper()} set but Option Length {{q - p}} < {at}')\n"
        )
        lines.append(f"        return {build(True, at)}\n")
    lines.append(f"    return {build(False, n0)}\n")
    dec_at = _exec("".join(lines), ns, "dec")

    def dec(t: int, d: bytes) -> Any:
        return dec_at(t, d, 0, len(d))

    def get(nm: str) -> str:
        return f"o.{nm}"

    packed = f"P.pack({', '.join(_write(w, get) for w in ws)})" if ws else "b''"
    tail = "".join(f" + (o.{f.name} or b'')" for f in cond)
    enc = _exec(f"def enc(o):\n    return {packed}{tail} + o.{layout.rest}\n", ns, "enc")
    return CompiledOption(layout, cls, dec_at, dec, enc)


@dataclasses.dataclass(frozen=True, slots=True)
class CompiledMessage:
    """A Mobility Header message's generated codec over its (name, value) field pairs."""

    layout: MessageLayout
    size: int
    decode: Callable[[bytes], tuple[tuple[str, FieldValue], ...]]
    encode: Callable[[dict[str, FieldValue]], bytes]
    defaults: dict[str, FieldValue]


def compile_message(layout: MessageLayout) -> CompiledMessage:
    """Generate `decode(chunk) -> fields` and `encode(values) -> chunk` for one message table."""
    ws = words(layout.fields)
    st = struct.Struct("!" + "".join(w.code for w in ws))
    ns: dict[str, Any] = {"S": st}
    exprs = dict(e for i, w in enumerate(ws) for e in _read(w, f"w{i}"))
    var = ", ".join(f"w{i}" for i in range(len(ws))) + ("," if len(ws) == 1 else "")
    pairs = ", ".join(f"({f.name!r}, {exprs[f.name]})" for f in layout.fields)
    dec = _exec(f"def dec(d):\n    {var} = S.unpack(d)\n    return ({pairs},)\n", ns, "dec")

    def get(nm: str) -> str:
        return f"v[{nm!r}]"

    enc = _exec(
        f"def enc(v):\n    return S.pack({', '.join(_write(w, get) for w in ws)})\n", ns, "enc"
    )
    defaults: dict[str, FieldValue] = {
        f.name: (bytes(16) if f.is_address else False if f.is_flag else 0) for f in layout.fields
    }
    return CompiledMessage(layout, st.size, dec, enc, defaults)
