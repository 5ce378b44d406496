"""`decode --json`'s lines written as JSON text directly: `record_line(d)` is, byte for byte,
`json.dumps(record_json(d))` (ensure_ascii, default separators), without building the dictionaries.

Why: on a large capture, building one dictionary per packet and encoding it took three times as long
as decoding the packet. The common records (a packet decoded without error: options of the draft's
tables, Routing headers, tunnels) are written here from pre-encoded pieces; anything rarer (errors,
notes, VLANs, frames that are not IPv6, ICMPv6 and Mobility Header bodies, malformed options) is
rendered by render.py's dictionaries and the standard encoder, so the two can only differ where the
tests compare them (tests/cli/test_decode_lines.py, on every capture in the repository).
"""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable
from typing import Any

from mip6check.cli.render import (
    _CHAIN_NAMES,
    _HEADER_TYPES,
    _NO_JSON,
    _NOT_ICMP,
    _ROUTING_TYPES,
    Decoded,
    _record_checksum,
    chain_name,
    fmt,
    fmt_mac,
    icmpv6_json,
    mh_json,
    option_json,
    packet_json,
    record_json,
)
from mip6check.model.codec import (
    DestOptions,
    EchoReply,
    EchoRequest,
    HopByHop,
    IPv6Packet,
    MobilityHeader,
    MTUOption,
    NeighborAdvertisement,
    NeighborSolicitation,
    PrefixInfo,
    Redirect,
    RouterAdvertisement,
    RouterSolicitation,
    Routing0,
    Routing2,
    RoutingOther,
    SourceLLA,
    TargetLLA,
    wire_checksum_ok,
)
from mip6check.model.codec.compile import CompiledOption
from mip6check.model.codec.link import LINKTYPE_NAMES, LinkFrame
from mip6check.model.codec.options import BY_VALUE
from mip6check.model.codec.pcap import Record

_quote: Callable[[str], str] = json.encoder.encode_basestring_ascii


def json_dumps() -> Callable[[Any], str]:
    """`json.dumps` of one value, byte for byte (ensure_ascii, default separators), with the C
    encoder made once rather than once per call."""
    enc = json.JSONEncoder(ensure_ascii=True)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return enc.encode
    it = make(
        None,  # no cycle check: record objects are trees
        enc.default,
        _quote,
        None,
        enc.key_separator,
        enc.item_separator,
        False,
        False,
        True,
    )
    join = "".join

    def dumps(obj: Any) -> str:
        if isinstance(obj, str | int | float) or obj is None:  # the C encoder wants a container
            return enc.encode(obj)
        return join(it(obj, 0))

    return dumps


_dumps = json_dumps()


_ADDR: dict[bytes, str] = {}  # address -> its JSON string: captures repeat few addresses


def addr_json(addr: bytes) -> str:
    """An address as its JSON string (remembered, up to 65536 of them)."""
    try:
        s = _ADDR.get(addr)
    except TypeError:  # not hashable (a bytearray)
        return _quote(fmt(addr))
    if s is None:
        s = _quote(fmt(addr))
        if len(_ADDR) >= 65536:
            _ADDR.clear()
        _ADDR[addr] = s
    return s


def scalar_json(v: object) -> str:
    """One option field as JSON: flag, number, or null (anything else as the encoder writes it)."""
    t = type(v)
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return int.__repr__(v)  # type: ignore[arg-type,unused-ignore]
    if v is None:
        return "null"
    return _dumps(v)


_CHAIN_JSON: dict[type, str] = {t: _quote(n) for t, n in _CHAIN_NAMES.items()}
_CHECKSUM_JSON = {True: "true", False: "false", None: "null"}


class _OptionWriter:
    """One option table's JSON writer: `{"type": KIND`, the shown fields, then opt_type and in."""

    __slots__ = ("compiled", "head", "fields")

    def __init__(self, c: CompiledOption) -> None:
        self.compiled = c
        self.head = '{"type": ' + _quote(c.layout.kind)
        self.fields = tuple(
            (f", {_quote(f.name)}: ", f.name, f.is_address) for f in c.layout.fields if f.shown
        )

    def write(self, o: Any, where: str) -> str:
        s = self.head
        for key, name, is_addr in self.fields:
            v = getattr(o, name)
            if is_addr and v is not None:
                s += key + addr_json(v)
            elif v is True:
                s += key + "true"
            elif v is False:
                s += key + "false"
            elif v is None:
                s += key + "null"
            elif type(v) is int:
                s += f"{key}{v}"
            else:
                s += key + _dumps(v)
        t = o.opt_type
        return s + f', "opt_type": {t if type(t) is int else _dumps(t)}, "in": "{where}"}}'


_WRITERS: dict[type, _OptionWriter] = {}


def option_line(o: object, where: str) -> str | None:
    """option_json(o, where) as JSON text (None where it is None)."""
    t = type(o)
    if t in _NO_JSON:
        return None
    c = BY_VALUE.get(t)
    if c is not None and c.layout.kind != "PadN":
        w = _WRITERS.get(t)
        if w is None or w.compiled is not c:  # first use, or the option was registered again
            w = _WRITERS[t] = _OptionWriter(c)
        return w.write(o, where)
    j = option_json(o, where)  # type: ignore[arg-type]
    return _dumps(j) if j is not None else None


def _list(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]" if items else "[]"


def _routing(h: object) -> str:
    if isinstance(h, Routing0):
        addrs = _list([addr_json(x) for x in h.addresses])
        return f'{{"type": 0, "segments_left": {h.segments_left}, "addresses": {addrs}}}'
    if isinstance(h, Routing2):
        addr = addr_json(h.home_address)
        return f'{{"type": 2, "segments_left": {h.segments_left}, "addresses": [{addr}]}}'
    assert isinstance(h, RoutingOther)
    return f'{{"type": {h.routing_type}, "segments_left": {h.segments_left}, "addresses": []}}'


def _icmp_other(u: object, invoking: bool) -> str:
    j = icmpv6_json(u, invoking=invoking)
    return "null" if j is None else _dumps(j)


def _nd_tail(options: tuple[object, ...]) -> str:
    """The ND option members icmpv6_json adds (", \"slla\": ..."), in its order; "" for none."""
    if not options:
        return ""
    shown: dict[str, str] = {}
    prefixes: list[str] = []
    for o in options:
        t = type(o)
        if t is SourceLLA:
            shown["slla"] = _quote(fmt_mac(o.lla))  # type: ignore[attr-defined]
        elif t is TargetLLA:
            shown["tlla"] = _quote(fmt_mac(o.lla))  # type: ignore[attr-defined]
        elif t is MTUOption:
            shown["mtu"] = scalar_json(o.mtu)  # type: ignore[attr-defined]
        elif t is PrefixInfo:
            shown.setdefault("prefixes", "")
            prefixes.append(
                _dumps(
                    {
                        "prefix": fmt(o.prefix),  # type: ignore[attr-defined]
                        "length": o.prefix_length,  # type: ignore[attr-defined]
                        "on_link": o.on_link,  # type: ignore[attr-defined]
                        "autonomous": o.autonomous,  # type: ignore[attr-defined]
                        "valid_lifetime": o.valid_lifetime,  # type: ignore[attr-defined]
                        "preferred_lifetime": o.preferred_lifetime,  # type: ignore[attr-defined]
                    }
                )
            )
        elif isinstance(o, SourceLLA | TargetLLA | MTUOption | PrefixInfo):
            raise _Subclass
    if prefixes:
        shown["prefixes"] = "[" + ", ".join(prefixes) + "]"
    return "".join(f', "{k}": {v}' for k, v in shown.items())


class _Subclass(Exception):
    """A value of a subclass of a codec type: rendered by the general path."""


def _nd(head: Callable[[Any], str]) -> Callable[[Any, bool], str]:
    """A Neighbor Discovery message's writer: `head(u)` gives its members before the options."""

    def write(u: Any, invoking: bool) -> str:
        try:
            return "{" + head(u) + _nd_tail(u.options) + "}"
        except _Subclass:
            return _icmp_other(u, invoking)

    return write


def _flag(v: object) -> str:
    return "true" if v is True else "false" if v is False else scalar_json(v)


_ICMP: dict[type, Callable[[Any, bool], str]] = {
    EchoRequest: lambda u, _: (
        f'{{"type": 128, "code": {scalar_json(u.code)}, "ident": {scalar_json(u.ident)}, '
        f'"seq": {scalar_json(u.seq)}}}'
    ),
    EchoReply: lambda u, _: (
        f'{{"type": 129, "code": {scalar_json(u.code)}, "ident": {scalar_json(u.ident)}, '
        f'"seq": {scalar_json(u.seq)}}}'
    ),
    RouterSolicitation: _nd(lambda u: f'"type": 133, "code": {scalar_json(u.code)}'),
    RouterAdvertisement: _nd(
        lambda u: (
            f'"type": 134, "code": {scalar_json(u.code)}, '
            f'"cur_hop_limit": {scalar_json(u.cur_hop_limit)}, "managed": {_flag(u.managed)}, '
            f'"other": {_flag(u.other)}, "home_agent": {_flag(u.home_agent)}, '
            f'"router_lifetime": {scalar_json(u.router_lifetime)}, '
            f'"reachable_time": {scalar_json(u.reachable_time)}, '
            f'"retrans_timer": {scalar_json(u.retrans_timer)}'
        )
    ),
    NeighborSolicitation: _nd(
        lambda u: f'"type": 135, "code": {scalar_json(u.code)}, "target": {addr_json(u.target)}'
    ),
    NeighborAdvertisement: _nd(
        lambda u: (
            f'"type": 136, "code": {scalar_json(u.code)}, "target": {addr_json(u.target)}, '
            f'"solicited": {_flag(u.solicited)}, "override": {_flag(u.override)}, '
            f'"router": {_flag(u.router)}'
        )
    ),
    Redirect: _nd(
        lambda u: (
            f'"type": 137, "code": {scalar_json(u.code)}, "target": {addr_json(u.target)}, '
            f'"destination": {addr_json(u.destination)}'
        )
    ),
}


def _chain(sig: tuple[type, ...], headers: tuple[object, ...], payload: object) -> str:
    """The chain list as JSON text for a packet whose header and payload types are `sig`."""
    text = _CHAINS.get(sig)
    if text is None:
        names = [chain_name(h) for h in headers]
        names.append(chain_name(payload))
        text = _dumps(names)
        if all(t in _CHAIN_NAMES for t in sig):  # named by type alone: the same for every packet
            _CHAINS[sig] = text
    return text


_CHAINS: dict[tuple[type, ...], str] = {}


def packet_fields(pkt: IPv6Packet, invoking: bool = True) -> str:
    """The members of packet_json(pkt) as JSON text, without the braces ("src": ... "hop_limit": N)."""
    headers = pkt.headers
    u = pkt.payload
    tu = type(u)
    mip6 = routing = None
    if headers:
        sig = (*map(type, headers), tu)
        for h in headers:
            th = type(h)
            if th is DestOptions or th is HopByHop:
                where = "dstopts" if th is DestOptions else "hbh"
                for o in h.options:  # type: ignore[union-attr]
                    if type(o) not in _NO_JSON:
                        oj = option_line(o, where)
                        if oj is not None:
                            if mip6 is None:
                                mip6 = [oj]
                            else:
                                mip6.append(oj)
            elif th in _ROUTING_TYPES:
                if routing is None:
                    routing = _routing(h)
            elif th not in _HEADER_TYPES:  # a subclass or something new: the general renderer
                return _dumps(packet_json(pkt, invoking=invoking))[1:-1]
    else:
        sig = (tu,)
    chain = _CHAINS.get(sig) or _chain(sig, headers, u)
    if tu in _NOT_ICMP:
        if tu is IPv6Packet:
            inner = packet_fields(u, invoking)  # type: ignore[arg-type]
            rest = '"icmpv6": null, "inner": {' + inner + '}, "mh": null'
        else:
            rest = '"icmpv6": null, "inner": null, "mh": null'
    else:
        icmp = _ICMP.get(tu, _icmp_other)(u, invoking)
        inner = "{" + packet_fields(u, invoking) + "}" if isinstance(u, IPv6Packet) else "null"
        mh = _dumps(mh_json(u)) if isinstance(u, MobilityHeader) else "null"
        rest = f'"icmpv6": {icmp}, "inner": {inner}, "mh": {mh}'
    try:
        src = _ADDR[pkt.src]
    except (KeyError, TypeError):
        src = addr_json(pkt.src)
    try:
        dst = _ADDR[pkt.dst]
    except (KeyError, TypeError):
        dst = addr_json(pkt.dst)
    hop = pkt.hop_limit
    return (
        f'"src": {src}, "dst": {dst}, "chain": {chain}, '
        f'"mip6": {"[" + ", ".join(mip6) + "]" if mip6 else "[]"}, '
        f'"routing": {routing or "null"}, {rest}, '
        f'"hop_limit": {hop if type(hop) is int else scalar_json(hop)}'
    )


_LINKS: dict[int, str] = {}  # link type -> its JSON value


def record_line(d: Decoded) -> str:
    """The JSON Lines object of one record, `json.dumps(record_json(d))` byte for byte."""
    r = d.record
    pkt = d.packet
    link = d.link
    if (
        type(r) is not Record
        or pkt is None
        or d.error is not None
        or link is None
        or link.ipv6_offset is None
        or link.vlans
        or r.note
    ):
        return _dumps(record_json(d))
    return packet_line(r, link, pkt)


def packet_line(r: Record, link: LinkFrame, pkt: IPv6Packet) -> str:
    """record_line of a record whose IPv6 packet (at `link.ipv6_offset`, no VLAN tags, no note on the
    record) decoded without error: what most records of a capture are."""
    return _line(r, link.ipv6_offset, pkt, packet_fields(pkt))  # type: ignore[arg-type]


def _line(r: Record, off: int, pkt: IPv6Packet, fields: str) -> str:
    """The record's JSON object around `fields`, the packet's members (packet_fields' text), for a
    packet at `off` in the record."""
    try:
        checksum = _CHECKSUM_JSON[wire_checksum_ok(r.data, pkt, off)]
    except IndexError:  # as _record_checksum: a packet value not decoded from these octets
        checksum = _CHECKSUM_JSON[_record_checksum(r, None, pkt)]
    return wrapped(r, fields, checksum)


def wrapped(r: Record, fields: str, checksum: str) -> str:
    """The record's JSON object around `fields` (the packet's members), its checksum_ok `checksum`
    (JSON text), for a packet decoded without error."""
    lt = _LINKS.get(r.linktype) or _LINKS.setdefault(
        r.linktype, _dumps(LINKTYPE_NAMES.get(r.linktype, r.linktype))
    )
    return (
        f'{{"index": {r.index}, "time": {float.__repr__(r.time_ns / 1e9)}, {fields}, '
        f'"error": null, "link": {lt}, "checksum_ok": {checksum}, '
        f'"orig_len": {r.orig_len}, "caplen": {len(r.data)}}}'
    )


# ---------------------------------------------------------------- shapes compiled to one expression
#
# A capture repeats few packet shapes (the header types, the option types in each options header, the
# upper-layer type). For a packet the codec has just decoded, the fields of each type are of the
# types its tables give (flags bool, numbers int, addresses bytes or None where conditional), so the
# members of one shape are written by one generated f-string: packet_fields' loops and type tests
# are done once per shape instead of once per packet. Anything the generator does not know (an option
# or header outside the tables, a Mobility Header or ICMPv6 error body, a subclass) is left to
# packet_fields; tests compare both with the dictionaries on every capture of the repository.

_Shape = tuple[type, ...]
_Writer = Callable[[IPv6Packet], "str | None"]
_SHAPES: dict[_Shape, _Writer | None] = {}
_OPTION_HEADERS = (DestOptions, HopByHop)


def decoded_fields(pkt: IPv6Packet) -> str:
    """packet_fields(pkt) of a packet the codec decoded (so its fields are of its tables' types)."""
    hs = pkt.headers
    key: _Shape = (type(pkt.payload), *map(type, hs))  # the shape: payload, headers, options
    if DestOptions in key or HopByHop in key:
        for h in hs:
            if type(h) in _OPTION_HEADERS:
                key += (None, *map(type, h.options))  # type: ignore[arg-type,union-attr]
    if key[0] in _ND_HEADS:
        key += (None, *map(type, pkt.payload.options))  # type: ignore[arg-type,union-attr]
    try:
        w = _SHAPES[key]
    except KeyError:
        w = _SHAPES[key] = _compile_shape(pkt)
    if w is not None:
        s = w(pkt)
        if s is not None:
            return s
        del _SHAPES[key]  # an option table registered again: compiled anew by the next packet
    return packet_fields(pkt)


def _f(text: str) -> str:
    """Constant text inside the generated f-string."""
    return text.replace("{", "{{").replace("}", "}}")


def _compile_shape(pkt: IPv6Packet) -> _Writer | None:
    """The writer of `pkt`'s shape (None: a shape packet_fields alone writes)."""
    ns: dict[str, Any] = {
        "A": addr_json,
        "AD": _ADDR.get,
        "J": ", ".join,
        "T": "true",
        "F": "false",
        "N": "null",
        "G": BY_VALUE.get,
        "FIELDS": decoded_fields,
    }
    pre: list[str] = []  # statements before the return
    checks: list[str] = []  # the writer holds while its option tables are the codec's
    headers = pkt.headers
    u = pkt.payload
    tu = type(u)
    names = []
    for x in (*headers, u):
        name = _CHAIN_NAMES.get(type(x))
        if name is None:
            return None
        names.append(name)
    if headers:
        pre.append(f" {''.join(f'h{i}, ' for i in range(len(headers)))}= p.headers")
    mip6: list[str] = []
    routing: str | None = None
    for i, h in enumerate(headers):
        th = type(h)
        if th not in _HEADER_TYPES:
            return None
        if th in _OPTION_HEADERS:
            where = "dstopts" if th is DestOptions else "hbh"
            opts = h.options  # type: ignore[union-attr]
            pre.append(f" {''.join(f'o{i}_{j}, ' for j in range(len(opts)))}= h{i}.options")
            for j, o in enumerate(opts):
                t = type(o)
                if t in _NO_JSON:
                    continue
                c = BY_VALUE.get(t)
                if c is None or c.layout.kind == "PadN":
                    return None
                ns[f"T{i}_{j}"], ns[f"C{i}_{j}"] = t, c
                checks.append(f"G(T{i}_{j}) is not C{i}_{j}")
                mip6.append(_option_expr(c, f"o{i}_{j}", where, ns))
        elif th in _ROUTING_TYPES and routing is None:  # _routing(h), inline
            seg = f'"segments_left": {{h{i}.segments_left}}'
            if th is Routing0:
                addrs = f"[{{J([AD(x) or A(x) for x in h{i}.addresses])}}]"
                routing = f'{{{{"type": 0, {seg}, "addresses": {addrs}}}}}'
            elif th is Routing2:
                addr = f"{{AD(h{i}.home_address) or A(h{i}.home_address)}}"
                routing = f'{{{{"type": 2, {seg}, "addresses": [{addr}]}}}}'
            else:
                routing = f'{{{{"type": {{h{i}.routing_type}}, {seg}, "addresses": []}}}}'
    if tu is IPv6Packet:
        rest = '"icmpv6": null, "inner": {{{FIELDS(u)}}}, "mh": null'
    elif tu in _NOT_ICMP:
        rest = '"icmpv6": null, "inner": null, "mh": null'
    elif tu in _ND_HEADS or tu in _ECHO:
        icmp = _icmp_expr(u, ns)
        if icmp is None:
            return None
        rest = '"icmpv6": ' + icmp + ', "inner": null, "mh": null'
    elif tu in _ICMP:
        ns["ICMP"] = _ICMP[tu]
        rest = '"icmpv6": {ICMP(u, True)}, "inner": null, "mh": null'
    else:
        return None
    text = (
        f'"src": {{AD(p.src) or A(p.src)}}, "dst": {{AD(p.dst) or A(p.dst)}}, "chain": {_f(_dumps(names))}, '
        f'"mip6": [{", ".join(mip6)}], "routing": {routing or "null"}, {rest}, '
        f'"hop_limit": {{p.hop_limit}}'
    )
    if "'" in text or "\\" in text:  # not expected of the tables' names; packet_fields writes it
        return None
    guard = f" if {' or '.join(checks)}:\n  return None\n" if checks else ""
    src = "def write(p):\n" + guard + "\n".join(pre) + "\n u = p.payload\n return f'" + text + "'\n"
    exec(src, ns)  # noqa: S102 - text made above from the option tables' names only
    write: _Writer = ns["write"]
    return write


def _option_expr(c: CompiledOption, var: str, where: str, ns: dict[str, Any]) -> str:
    """option_line(var, where) as f-string text, for a value of c's table."""
    return option_text(c, lambda name: f"{var}.{name}", f"{var}.opt_type", where)


def option_text(c: CompiledOption, get: Callable[[str], str], opt_type: str, where: str) -> str:
    """option_line's text for an option of c's table as f-string text, each field's value the
    expression `get(name)` (an address may be None), the Option Type `opt_type`'s."""
    parts = [_f('{"type": ' + _quote(c.layout.kind))]
    for f in c.layout.fields:
        if not f.shown:
            continue
        key = _f(f", {_quote(f.name)}: ")
        v = get(f.name)
        if f.is_address:
            parts.append(f"{key}{{(AD({v}) or A({v})) if {v} is not None else N}}")
        elif f.is_flag:
            parts.append(f"{key}{{T if {v} else F}}")
        else:
            parts.append(f"{key}{{{v}}}")
    parts.append(f', "opt_type": {{{opt_type}}}, "in": "{where}"}}}}')
    return "".join(parts)


_ECHO = {EchoRequest: 128, EchoReply: 129}
# The members before the options of each Neighbor Discovery message, as _ICMP writes them: (name,
# kind) with kind "n" a number, "f" a flag, "a" an address.
_ND_HEADS: dict[type, tuple[int, tuple[tuple[str, str], ...]]] = {
    RouterSolicitation: (133, (("code", "n"),)),
    RouterAdvertisement: (
        134,
        (
            ("code", "n"),
            ("cur_hop_limit", "n"),
            ("managed", "f"),
            ("other", "f"),
            ("home_agent", "f"),
            ("router_lifetime", "n"),
            ("reachable_time", "n"),
            ("retrans_timer", "n"),
        ),
    ),
    NeighborSolicitation: (135, (("code", "n"), ("target", "a"))),
    NeighborAdvertisement: (
        136,
        (("code", "n"), ("target", "a"), ("solicited", "f"), ("override", "f"), ("router", "f")),
    ),
    Redirect: (137, (("code", "n"), ("target", "a"), ("destination", "a"))),
}
_ND_OPTIONS = (SourceLLA, TargetLLA, MTUOption, PrefixInfo)


def _icmp_expr(u: object, ns: dict[str, Any]) -> str | None:
    """The icmpv6 member of an Echo or Neighbor Discovery message of u's shape (its type and, for ND,
    its option types) as f-string text, as _ICMP's writers give it; None: left to them."""
    tu = type(u)
    if tu in _ECHO:
        return f'{{{{"type": {_ECHO[tu]}, "code": {{u.code}}, "ident": {{u.ident}}, "seq": {{u.seq}}}}}}'
    number, head = _ND_HEADS[tu]
    parts = [f'"type": {number}']
    for name, kind in head:
        v = f"u.{name}"
        if kind == "a":
            parts.append(f'"{name}": {{AD({v}) or A({v})}}')
        elif kind == "f":
            parts.append(f'"{name}": {{T if {v} else F}}')
        else:
            parts.append(f'"{name}": {{{v}}}')
    ns["Q"], ns["MAC"] = _quote, fmt_mac
    shown: dict[str, str] = {}  # a repeated member keeps its first place and its last value
    prefixes: list[str] = []
    for j, o in enumerate(u.options):  # type: ignore[attr-defined]
        t, v = type(o), f"u.options[{j}]"
        if t is SourceLLA or t is TargetLLA:
            shown["slla" if t is SourceLLA else "tlla"] = f"{{Q(MAC({v}.lla))}}"
        elif t is MTUOption:
            shown["mtu"] = f"{{{v}.mtu}}"
        elif t is PrefixInfo:
            shown.setdefault("prefixes", "")
            prefixes.append(
                f'{{{{"prefix": {{AD({v}.prefix) or A({v}.prefix)}}, '
                f'"length": {{{v}.prefix_length}}, "on_link": {{T if {v}.on_link else F}}, '
                f'"autonomous": {{T if {v}.autonomous else F}}, '
                f'"valid_lifetime": {{{v}.valid_lifetime}}, '
                f'"preferred_lifetime": {{{v}.preferred_lifetime}}}}}}'
            )
        elif isinstance(o, _ND_OPTIONS):  # a subclass: _nd_tail's general path
            return None
    if prefixes:
        shown["prefixes"] = "[" + ", ".join(prefixes) + "]"
    parts.extend(f'"{k}": {v}' for k, v in shown.items())
    return "{{" + ", ".join(parts) + "}}"


def decoded_line(r: Record, link: LinkFrame, pkt: IPv6Packet) -> str:
    """packet_line(r, link, pkt) of a packet the codec has just decoded from `r` (as decoded_fields)."""
    return _line(r, link.ipv6_offset, pkt, decoded_fields(pkt))  # type: ignore[arg-type]


def decoded_line_at(r: Record, off: int, pkt: IPv6Packet) -> str:
    """decoded_line(r, link, pkt) where `off` is the link's ipv6_offset (the LinkFrame not built)."""
    return _line(r, off, pkt, decoded_fields(pkt))
