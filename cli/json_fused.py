"""`decode --json`'s packet members and checksum written straight from a packet's octets, for the
shapes a capture repeats: no typed value is built for them.

For a packet the codec decoded without error (and `decoded_fields` wrote), one function per shape is
generated: the shape's steering octets checked as the codec's shape plans check them (shapes.py), the
checks of the codec's own decoders that could fail or give another type for other octets of that
shape (a Routing Type, an ICMPv6 Type, a UDP or TCP header's length, a Binding Update's C flag where
its Care-of Address would not fit), then one f-string reading each field where the codec reads it
(option fields as `field_reads` of their table gives them) and the checksum verified over the
pseudo-header `pseudo_addresses` would give. It is kept only if it writes, for the packet it was made
from, what the typed path wrote; a packet it declines (None) takes the typed path. Shapes with
Fragment, Mobility Header, Neighbor Discovery or other ICMPv6 bodies, malformed or subclassed values
are left to the typed path. Tests compare both paths on every capture (tests/cli/test_json_fused.py).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from mip6check.cli.json_lines import _ADDR, _CHECKSUM_JSON, _dumps, _f, addr_json, option_text
from mip6check.cli.render import chain_name
from mip6check.model.codec import (
    AH,
    ESP,
    TCP,
    UDP,
    DestOptions,
    EchoReply,
    EchoRequest,
    HomeAddress,
    HopByHop,
    IPv6Packet,
    NoNextHeader,
    Pad1,
    PadN,
    Profile,
    Routing0,
    Routing2,
    RoutingOther,
    UnknownOption,
)
from mip6check.model.codec.checksum import verify_checksum
from mip6check.model.codec.compile import field_reads
from mip6check.model.codec.options import _LAST, BY_VALUE, Decoders, option_decoders
from mip6check.model.codec.shapes import MAX_PER_KEY, shape_key, steering

_Fused = Callable[[bytes], "tuple[str, str] | None"]

MAX_WRITERS = 256
"""Writers one FusedWriters compiles, at most (then the typed path writes the rest)."""
_HDR = struct.Struct("!IHBB")
_HH = struct.Struct("!HH")
_EXT = frozenset((0, 43, 44, 51, 60))


class FusedWriters:
    """The fused writers of the shapes seen, under one profile (dropped when the option registry
    changes, as the shape plans are)."""

    __slots__ = ("profile", "table", "by_key", "tried", "made")

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self._renew()

    def _renew(self) -> None:
        self.table = option_decoders(self.profile)
        self.by_key: dict[int, list[_Fused]] = {}
        self.tried: dict[int, int] = {}
        self.made = 0

    def write(self, d: bytes) -> tuple[str, str] | None:
        """(packet members, checksum_ok) of the IPv6 packet `d` as JSON text, or None: the typed
        path writes it."""
        if _LAST[1] is not self.table and option_decoders(self.profile) is not self.table:
            self._renew()
        if len(d) < 48:
            return None
        key = d[6]
        if key in _EXT:  # shape_key
            key |= d[40] << 8 | d[41] << 16
        ws = self.by_key.get(key)
        if ws is not None:
            for w in ws:
                got = w(d)
                if got is not None:
                    return got
        return None

    def learn(self, d: bytes, pkt: IPv6Packet, line: str) -> None:
        """After the typed path wrote `line` (decoded_line_at's) for `d`, decoded without error to
        `pkt`: a writer of its shape, kept when it writes the same (a few tries per key)."""
        if len(d) < 48 or self.made >= MAX_WRITERS:
            return
        key = shape_key(d)
        n = self.tried.get(key, 0)
        if n >= MAX_PER_KEY:
            return
        self.tried[key] = n + 1
        self.made += 1
        w = compile_fused(d, pkt, self.table)
        if w is not None and w(d) == members(line):
            self.by_key.setdefault(key, []).insert(0, w)


def members(line: str) -> tuple[str, str]:
    """(the packet's members, checksum_ok) of a line `wrapped` wrote."""
    head = line.index(', "src": ') + 2
    tail = line.rindex(', "error": null, "link": ')
    ck = line.rindex('"checksum_ok": ') + len('"checksum_ok": ')
    return line[head:tail], line[ck : line.index(",", ck)]


class _Declined(Exception):
    """A shape the typed path writes."""


class _Gen:
    """The fused writer's source, built by walking one packet's value and octets together."""

    def __init__(self, d: bytes, table: Decoders) -> None:
        self.d = d
        self.table = table
        self.lines: list[str] = []
        self.guards: list[str] = []
        self.k = 0
        self.ns: dict[str, Any] = {
            "H": _HDR,
            "HH": _HH,
            "A": addr_json,
            "AD": _ADDR.get,
            "T": "true",
            "F": "false",
            "N": "null",
            "V": verify_checksum,
            "CK": _CHECKSUM_JSON,
            "G": BY_VALUE.get,
        }

    def fresh(self) -> int:
        self.k += 1
        return self.k

    def emit(self, line: str) -> None:
        self.lines.append(" " + line)

    def packet(self, pkt: IPv6Packet, pos: int, pend: str | None) -> tuple[str, str]:
        """(members text, checksum expression) of the packet at `pos` (outer: pend None)."""
        if type(pkt) is not IPv6Packet:
            raise _Declined
        k = self.fresh()
        self.emit(f"vtf{k}, plen{k}, _, hl{k} = H.unpack_from(d, {pos})")
        self.emit(f"if vtf{k} >> 28 != 6: return None")
        if pend is None:
            pend = f"pe{k}"
            self.emit(f"{pend} = {pos + 40} + plen{k}")
            self.emit(f"if {pend} > n: return None")
        else:
            self.emit(f"if {pos + 40} + plen{k} != {pend}: return None")
        src, dst = f"s{k}", f"t{k}"
        self.emit(f"{src} = d[{pos + 8}:{pos + 24}]")
        self.emit(f"{dst} = d[{pos + 24}:{pos + 40}]")
        psrc, pdst = src, f"pd{k}"  # the pseudo-header's addresses (pseudo_addresses)
        self.emit(f"{pdst} = {dst}")
        hao = False
        mip6: list[str] = []
        routing: str | None = None
        p = pos + 40
        for h in pkt.headers:
            th = type(h)
            if th is AH:
                q = p + (self.d[p + 1] + 2) * 4
            elif th is DestOptions or th is HopByHop or th in (Routing0, Routing2, RoutingOther):
                q = p + (self.d[p + 1] + 1) * 8
            else:
                raise _Declined  # a Fragment, a subclass
            if th is DestOptions or th is HopByHop:
                where = "dstopts" if th is DestOptions else "hbh"
                found = self.options(h.options, p + 2, q, where, mip6)  # type: ignore[union-attr]
                if th is DestOptions and not hao and found is not None:
                    psrc, hao = found, True
            elif th is not AH:
                text, final = self.routing(h, p, q)
                if routing is None:
                    routing = text
                if final is not None:
                    self.emit(f"{pdst} = {final} if d[{p + 3}] else {pdst}")
            p = q
        self.emit(f"if {pend} < {p}: return None")
        rest, checksum = self.upper(pkt.payload, p, pend, psrc, pdst)
        chain = _dumps([chain_name(x) for x in (*pkt.headers, pkt.payload)])
        text = (
            f'"src": {{AD({src}) or A({src})}}, "dst": {{AD({dst}) or A({dst})}}, '
            f'"chain": {_f(chain)}, "mip6": [{", ".join(mip6)}], "routing": {routing or "null"}, '
            f'{rest}, "hop_limit": {{hl{k}}}'
        )
        return text, checksum

    def options(
        self, opts: tuple[object, ...], a: int, end: int, where: str, out: list[str]
    ) -> str | None:
        """Each option's text appended to `out`, as decode_options reads d[a:end]; returns the
        expression of the first Home Address option's address (None without one)."""
        hao: str | None = None
        for o in opts:
            t = self.d[a]
            to = type(o)
            if t == 0:
                if to is not Pad1:
                    raise _Declined
                a += 1
                continue
            n = self.d[a + 1]
            q = a + 2 + n
            if to is PadN or to is UnknownOption:  # not written (render._NO_JSON)
                a = q
                continue
            c = BY_VALUE.get(to)
            if c is None or c.layout.kind == "PadN" or self.table.get(t) is not c.decode_at:
                raise _Declined  # a malformed option, a subclass
            k = self.fresh()
            self.ns[f"T{k}"], self.ns[f"C{k}"] = to, c
            self.guards.append(f"G(T{k}) is not C{k}")  # the table is still the codec's
            r = field_reads(c.layout, "d", str(a + 2), f"w{k}_")
            if n < r.fixed:
                raise _Declined
            if r.words:
                self.ns[f"W{k}"] = r.ints
                self.emit(f"{', '.join(r.words)}, = W{k}.unpack_from(d, {a + 2})")
            exprs = dict(r.exprs)
            if r.cond:
                if n < r.full:  # the flag set would make it a MalformedOption
                    self.emit(f"if {r.flag}: return None")
                for name, e in r.cond.items():
                    exprs[name] = f"({e} if {r.flag} else None)"
            for f in c.layout.fields:
                if f.is_address:  # read once, written twice
                    self.emit(f"a{k}_{f.name} = {exprs[f.name]}")
                    exprs[f.name] = f"a{k}_{f.name}"
            out.append(option_text(c, exprs.__getitem__, str(t), where))
            if to is HomeAddress and hao is None:
                hao = exprs["home_address"]
            a = q
        return hao

    def routing(self, h: object, p: int, q: int) -> tuple[str, str | None]:
        """(routing member text, expression of the final address when Segments Left > 0)."""
        rtype = self.d[p + 2]
        th = type(h)
        want = Routing0 if rtype == 0 else Routing2 if rtype == 2 else RoutingOther
        if th is not want:
            raise _Declined
        self.emit(f"if d[{p + 2}] != {rtype}: return None")  # another type decodes otherwise
        seg = f'"segments_left": {{d[{p + 3}]}}'
        if th is Routing0:
            addrs = [f"d[{i}:{i + 16}]" for i in range(p + 8, q, 16)]
            listed = ", ".join(f"{{AD({x}) or A({x})}}" for x in addrs)
            return (
                f'{{{{"type": 0, {seg}, "addresses": [{listed}]}}}}',
                addrs[-1] if addrs else None,
            )
        if th is Routing2:
            x = f"d[{p + 8}:{p + 24}]"
            return f'{{{{"type": 2, {seg}, "addresses": [{{AD({x}) or A({x})}}]}}}}', x
        return f'{{{{"type": {rtype}, {seg}, "addresses": []}}}}', None

    def upper(self, u: object, p: int, pend: str, psrc: str, pdst: str) -> tuple[str, str]:
        """(the icmpv6, inner and mh members, checksum expression) of the upper layer at p."""
        tu = type(u)
        nulls = '"icmpv6": null, "inner": null, "mh": null'
        cks = f"CK[V({psrc}, {pdst}, {{n}}, d[{p}:{pend}])]"
        if tu is NoNextHeader:
            return nulls, '"null"'
        if tu is ESP:
            self.emit(f"if {pend} - {p} < 8: return None")
            return nulls, '"null"'
        if tu is UDP:
            self.emit(f"if {pend} - {p} < 8: return None")
            return nulls, cks.format(n=17)
        if tu is TCP:
            self.emit(f"if {pend} - {p} < 20: return None")
            self.emit(
                f"if d[{p + 12}] < 0x50 or {p} + (d[{p + 12}] >> 4) * 4 > {pend}: return None"
            )
            return nulls, cks.format(n=6)
        if tu is IPv6Packet and isinstance(u, IPv6Packet):
            inner, checksum = self.packet(u, p, pend)
            return '"icmpv6": null, "inner": {{' + inner + '}}, "mh": null', checksum
        if tu is EchoRequest or tu is EchoReply:
            t = 128 if tu is EchoRequest else 129
            self.emit(f"if d[{p}] != {t} or {pend} - {p} < 8: return None")
            k = self.fresh()
            self.emit(f"id{k}, sq{k} = HH.unpack_from(d, {p + 4})")
            icmp = (
                f'{{{{"type": {t}, "code": {{d[{p + 1}]}}, "ident": {{id{k}}}, "seq": {{sq{k}}}}}}}'
            )
            return f'"icmpv6": {icmp}, "inner": null, "mh": null', cks.format(n=58)
        raise _Declined


def fused_source(d: bytes, pkt: IPv6Packet, table: Decoders) -> tuple[str, dict[str, Any]] | None:
    """The source of the fused writer of the shape of `d` (decoded without error to `pkt` with the
    option decoders `table`) and its namespace; None for a shape the typed path writes. The source
    holds offsets, octet values that select a path (integers) and the tables' names, never the
    packet's other contents."""
    st = steering(d, table)
    if st is None:
        return None
    g = _Gen(d, table)
    try:
        text, checksum = g.packet(pkt, 0, None)
    except (_Declined, IndexError):
        return None
    if "'" in text or "\\" in text:  # not expected of the tables' names: the typed path writes it
        return None
    g.ns["S"], g.ns["E"] = st.check, st.octets
    src = (
        "def write(d):\n n = len(d)\n"
        f" if n < {st.need} or S.unpack_from(d, 0) != E: return None\n"
        + "".join(f" if {x}: return None\n" for x in g.guards)
        + "\n".join(g.lines)
        + f"\n return f'{text}', {checksum}\n"
    )
    return src, g.ns


def compile_fused(d: bytes, pkt: IPv6Packet, table: Decoders) -> _Fused | None:
    """The fused writer of the shape of `d` (fused_source), compiled; None for a shape left to the
    typed path."""
    made = fused_source(d, pkt, table)
    if made is None:
        return None
    src, ns = made
    exec(src, ns)  # noqa: S102 - offsets, path-selecting octets (integers) and table names only
    w: _Fused = ns["write"]
    return w
