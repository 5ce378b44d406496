"""Shape-specialised decoding: `decode_shaped` is `decode_partial`, faster on a capture that repeats
few packet shapes (the chain of Next Header values, the Hdr Ext Len of each header, the Option Type
and Option Length of each option: the octets that steer the general decoder, IPv6 §4).

The first packet of a shape that decodes without error is decoded by the general codec, and the
general decoder's walk over its octets is written down as one function (a *plan*): the steering
octets compared at once (one `unpack_from`, one tuple comparison), then the codec's own decoders of
each header, option and upper layer (`decode_routing`, the compiled option decoders of the profile,
`decode_icmpv6`, `decode_udp`, ...) called at the offsets that shape gives. A later packet whose
steering octets are the same takes the same path through the general decoder, so the plan gives
the same value; a plan is kept only if it gives the general codec's value for the packet it was
made from. Anything else (another shape, a plan's check failing, any DecodeError, a Fragment, a
limit other than the default) is decoded by the general codec, which reports errors as it always
does, with their offsets.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mip6check.model.codec import icmpv6 as _icmp
from mip6check.model.codec import ipv6 as _ip
from mip6check.model.codec import mh as _mh
from mip6check.model.codec import transport as _tr
from mip6check.model.codec.options import (
    _LAST,
    _PAD1,
    _PADN0,
    Decoders,
    _mk_unknown,
    option_decoders,
)
from mip6check.model.codec.routing import decode_routing
from mip6check.model.codec.values import DRAFT04, IPv6Packet, Profile
from mip6check.model.errors import DecodeError

_Plan = Callable[[bytes, int], "IPv6Packet | None"]
_Result = tuple["IPv6Packet | None", "DecodeError | None"]

MAX_PLANS = 512
"""Plans one decoder makes, at most (a capture of endless odd shapes is decoded by the general codec
once they are made: each plan costs a compilation)."""
MAX_PER_KEY = 8
"""Plans made for one key (the first steering octets), at most; tried the most recent success
first."""
_EXT = _ip._EXT


def shape_key(data: bytes) -> int:
    """The key plans are filed under: the packet's first Next Header, and when that is an extension
    header, its own Next Header and length too (`data` has at least 48 octets)."""
    key = data[6]
    if key in _EXT:
        key |= data[40] << 8 | data[41] << 16
    return key


class ShapeDecoder:
    """`decode_partial` under one profile and the default limits, by plans of the shapes seen
    (module docstring). The plans follow the option registry: when it changes, they are dropped."""

    __slots__ = ("profile", "table", "by_key", "tries", "made")

    def __init__(self, profile: Profile = DRAFT04) -> None:
        self.profile = profile
        self._renew()

    def _renew(self) -> None:
        self.table = option_decoders(self.profile)
        self.by_key: dict[int, list[_Plan]] = {}
        self.tries: dict[int, int] = {}  # plans tried to make per key (a Fragment's never succeed)
        self.made = 0

    def decode(self, data: bytes, base_offset: int = 0) -> _Result:
        """`decode_partial(data, profile, base_offset=base_offset)`: the same value, the same error."""
        if _LAST[1] is not self.table and option_decoders(self.profile) is not self.table:
            self._renew()  # the option registry changed
        if type(data) is not bytes:
            data = bytes(data)
        if len(data) < 48:
            return _ip.decode_partial(data, self.profile, base_offset=base_offset)
        key = data[6]
        if key in _EXT:  # shape_key
            key |= data[40] << 8 | data[41] << 16
        tried = self.by_key.get(key)
        if tried is not None:
            try:
                pkt = tried[0](data, base_offset)
            except DecodeError:
                return self._general(data, base_offset, key)
            if pkt is not None:
                return pkt, None
            for i in range(1, len(tried)):  # the other plans of this key
                try:
                    pkt = tried[i](data, base_offset)
                except DecodeError:
                    break
                if pkt is not None:
                    tried.insert(0, tried.pop(i))  # the most recent success first
                    return pkt, None
        return self._general(data, base_offset, key)

    def _general(self, data: bytes, base_offset: int, key: int) -> _Result:
        """The general codec's result, and a plan of this packet's shape when it has none yet."""
        got = _ip.decode_partial(data, self.profile, base_offset=base_offset)
        pkt = got[0]
        tries = self.tries.get(key, 0)
        if got[1] is None and pkt is not None and self.made < MAX_PLANS and tries < MAX_PER_KEY:
            self.made += 1
            self.tries[key] = tries + 1
            plan = make_plan(data, self.table)
            if plan is not None and _agrees(plan, data, base_offset, pkt):
                self.by_key.setdefault(key, []).insert(0, plan)
        return got


_DECODERS: dict[Profile, ShapeDecoder] = {}


def decode_shaped(data: bytes, profile: Profile = DRAFT04, *, base_offset: int = 0) -> _Result:
    """`decode_partial(data, profile, base_offset=base_offset)` by this process's shape decoder of
    `profile`: the same value and the same error."""
    d = _DECODERS.get(profile)
    if d is None:
        d = _DECODERS[profile] = ShapeDecoder(profile)
    return d.decode(data, base_offset)


def _agrees(plan: _Plan, data: bytes, base: int, pkt: IPv6Packet) -> bool:
    """Does the plan give the general codec's value for the packet it was made from?"""
    try:
        return plan(data, base) == pkt
    except DecodeError:
        return False


class _Unplanned(Exception):
    """A shape no plan is made for (the general codec decodes it every time)."""


class _Writer:
    """The plan's source, built while walking one packet's octets as `ipv6._decode` does."""

    def __init__(self, data: bytes, table: Decoders) -> None:
        self.d = data
        self.table = table
        self.lines: list[str] = []
        self.steer: dict[int, int] = {}  # offset -> octet, the octets the path depends on
        self.ns: dict[str, Any] = {
            "H": _ip._HDR,
            "AHS": _ip._AH,
            "PKT": _ip._mk_pkt,
            "DST": _ip._mk_dst,
            "HBH": _ip._mk_hbh,
            "AH": _ip._mk_ah,
            "NONE": _ip._mk_none,
            "ESP": _ip._mk_esp,
            "RAW": _ip._mk_raw,
            "II": _ip._II,
            "RT": decode_routing,
            "ICMP": _icmp.decode_icmpv6,
            "UDP": _tr.decode_udp,
            "TCP": _tr.decode_tcp,
            "MH": _mh.decode_mh,
            "PAD1": _PAD1,
            "PADN0": _PADN0,
            "UNK": _mk_unknown,
        }
        self.names = 0
        self.need = 0  # octets the steering offsets and fixed parts need

    def fresh(self, stem: str) -> str:
        self.names += 1
        return f"{stem}{self.names}"

    def octet(self, at: int) -> int:
        """A steering octet: its value in this packet, compared in every later packet."""
        self.steer[at] = self.d[at]
        self.need = max(self.need, at + 1)
        return self.d[at]

    def emit(self, line: str) -> None:
        self.lines.append(" " + line)

    def packet(self, pos: int, pend: str | None, depth: int) -> str:
        """Lines decoding the IPv6 packet at `pos` (outer: pend None; inner: it must end at `pend`)
        and the expression of its value."""
        if depth > _ip.DEFAULT_LIMITS.max_tunnel_depth:
            raise _Unplanned
        k = self.fresh("")
        vtf, plen, hl = f"vtf{k}", f"plen{k}", f"hl{k}"
        self.need = max(self.need, pos + 40)
        self.emit(f"{vtf}, {plen}, _, {hl} = H.unpack_from(d, {pos})")
        self.emit(f"if {vtf} >> 28 != 6: return None")
        if pend is None:
            pend = f"pe{k}"
            self.emit(f"{pend} = {pos + 40} + {plen}")
            self.emit(f"if {pend} > n: return None")
        else:  # a tunnelled packet fills its outer payload exactly (ipv6._decode, exact)
            self.emit(f"if {pos + 40} + {plen} != {pend}: return None")
        nh = self.octet(pos + 6)
        p = pos + 40
        heads: list[str] = []
        count = 0
        while nh in _EXT:
            if nh == 44:
                raise _Unplanned  # a Fragment's offset and M flag steer too: left to the codec
            hlen = self.octet(p + 1)
            size = (hlen + 2) * 4 if nh == 51 else (hlen + 1) * 8
            q = p + size
            self.need = max(self.need, q)
            heads.append(self.header(nh, p, q))
            count += 1
            if count > _ip.DEFAULT_LIMITS.max_ext_headers:
                raise _Unplanned
            nh = self.octet(p)
            p = q
        self.emit(f"if {pend} < {p}: return None")  # every header inside the payload
        upper = self.upper(nh, p, pend, depth)
        hs = "(" + "".join(h + ", " for h in heads) + ")"
        return (
            f"PKT(d[{pos + 8}:{pos + 24}], d[{pos + 24}:{pos + 40}], {hs}, {upper}, {hl}, "
            f"({vtf} >> 20) & 0xFF, {vtf} & 0xFFFFF)"
        )

    def header(self, nh: int, p: int, q: int) -> str:
        """The expression of the extension header `nh` in d[p:q]."""
        if nh == 60 or nh == 0:
            opts = self.options(p + 2, q)
            return f"{'DST' if nh == 60 else 'HBH'}(({''.join(o + ', ' for o in opts)}))"
        if nh == 43:
            return f"RT(d, {p}, {q}, base)"
        v = self.fresh("ah")  # AH (51)
        self.emit(f"_, _, r{v}, spi{v}, seq{v} = AHS.unpack_from(d, {p})")
        return f"AH(spi{v}, seq{v}, d[{p + 12}:{q}], r{v})"

    def options(self, pos: int, end: int) -> list[str]:
        """The expressions of the options in d[pos:end], as options.decode_options reads them."""
        out: list[str] = []
        while pos < end:
            t = self.octet(pos)
            if t == 0:
                out.append("PAD1")
                pos += 1
                continue
            n = self.octet(pos + 1)
            q = pos + 2 + n
            dec = self.table.get(t)
            if dec is None:
                out.append(f"UNK({t}, d[{pos + 2}:{q}])")
            elif t == 1 and not n:
                out.append("PADN0")
            else:
                name = f"D{self.fresh('')}"
                self.ns[name] = dec
                out.append(f"{name}({t}, d, {pos + 2}, {q})")
            pos = q
            if len(out) > _ip.DEFAULT_LIMITS.max_options:
                raise _Unplanned
        return out

    def upper(self, nh: int, p: int, pend: str, depth: int) -> str:
        """The expression of the upper layer `nh` in d[p:pend], as ipv6._upper decodes it."""
        if nh == 58:
            return f"ICMP(d, {p}, {pend}, base)"
        if nh == 17:
            return f"UDP(d, {p}, {pend}, base)"
        if nh == 6:
            return f"TCP(d, {p}, {pend}, base)"
        if nh == 59:
            return f"NONE(d[{p}:{pend}])"
        if nh in _ip._MH:
            return f"MH(d, {p}, {pend}, base, {nh})"
        if nh == 41:
            return self.packet(p, pend, depth + 1)
        if nh == 50:
            v = self.fresh("esp")
            self.emit(f"if {pend} - {p} < 8: return None")
            self.emit(f"spi{v}, seq{v} = II.unpack_from(d, {p})")
            return f"ESP(spi{v}, seq{v}, d[{p + 8}:{pend}])"
        return f"RAW({nh}, d[{p}:{pend}])"


@dataclass(frozen=True, slots=True)
class Steering:
    """The steering octets of a shape: `check.unpack_from(packet, 0) == octets` for a packet of at
    least `need` octets says it takes the same path through the general decoder."""

    check: struct.Struct
    octets: tuple[int, ...]
    need: int


def _walk(data: bytes, table: Decoders) -> tuple[_Writer, str, Steering] | None:
    w = _Writer(data, table)
    try:
        value = w.packet(0, None, 0)
    except (_Unplanned, IndexError):
        return None
    steer = sorted(w.steer.items())
    fmt, at = "!", 0
    for off, _ in steer:
        fmt += f"{off - at}xB" if off > at else "B"
        at = off + 1
    return w, value, Steering(struct.Struct(fmt), tuple(v for _, v in steer), w.need)


def steering(data: bytes, table: Decoders) -> Steering | None:
    """The steering octets of the shape of `data` (as plan_source), None for a shape left to the
    codec: for other generated readers of the same shapes."""
    walked = _walk(data, table)
    return None if walked is None else walked[2]


def plan_source(data: bytes, table: Decoders) -> tuple[str, dict[str, Any]] | None:
    """The source of the plan of the shape of `data` (an IPv6 packet the general codec decodes
    without error under the default limits with the option decoders `table`) and the namespace it
    runs in; None for a shape left to the codec. The source holds offsets and this packet's steering
    octets, integers all, never its other contents (the octets to compare are in the namespace)."""
    walked = _walk(data, table)
    if walked is None:
        return None
    w, value, steer = walked
    w.ns["S"] = steer.check
    w.ns["E"] = steer.octets
    src = (
        "def plan(d, base):\n"
        " n = len(d)\n"
        f" if n < {steer.need} or S.unpack_from(d, 0) != E: return None\n"
        + "\n".join(w.lines)
        + f"\n return {value}\n"
    )
    return src, w.ns


def make_plan(data: bytes, table: Decoders) -> _Plan | None:
    """The plan of the shape of `data` (plan_source), compiled; None for a shape left to the codec."""
    made = plan_source(data, table)
    if made is None:
        return None
    src, ns = made
    exec(src, ns)  # noqa: S102 - offsets and steering octets (integers) of the codec's walk only
    plan: _Plan = ns["plan"]
    return plan
