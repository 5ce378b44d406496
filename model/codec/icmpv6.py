"""ICMPv6 (RFC 2463) and Neighbor Discovery (RFC 2461) messages and ND options.

Errors keep the invoking packet as bytes (`invoking_packet()` in ipv6.py decodes it as far as it goes).
ND option Length 0 is a DecodeError (RFC 2461 §4.6); Prefix Information / MTU options of an unexpected
length are kept as UnknownNDOption values so nothing is lost.
"""

from __future__ import annotations

import struct

from mip6check.model.codec.buffer import HH, U32, fail, maker
from mip6check.model.codec.values import (
    DestUnreachable,
    EchoReply,
    EchoRequest,
    ICMPv6,
    ICMPv6Other,
    MTUOption,
    NDOption,
    NeighborAdvertisement,
    NeighborSolicitation,
    PacketTooBig,
    ParamProblem,
    PrefixInfo,
    Redirect,
    RouterAdvertisement,
    RouterSolicitation,
    SourceLLA,
    TargetLLA,
    TimeExceeded,
    UnknownNDOption,
)
from mip6check.model.errors import ModelUsageError

_HDR = struct.Struct("!BBH")
_RA = struct.Struct("!BBHII")
_PI = struct.Struct("!BBIII")  # prefix length, flags, valid, preferred, reserved2
_MTU = struct.Struct("!HI")

_FIXED = {1: 4, 2: 4, 3: 4, 4: 4, 128: 4, 129: 4, 133: 4, 134: 12, 135: 20, 136: 20, 137: 36}
_mk_SourceLLA = maker(SourceLLA)
_mk_TargetLLA = maker(TargetLLA)
_mk_PrefixInfo = maker(PrefixInfo)
_mk_MTUOption = maker(MTUOption)
_mk_UnknownNDOption = maker(UnknownNDOption)
_mk_DestUnreachable = maker(DestUnreachable)
_mk_PacketTooBig = maker(PacketTooBig)
_mk_TimeExceeded = maker(TimeExceeded)
_mk_ParamProblem = maker(ParamProblem)
_mk_RouterSolicitation = maker(RouterSolicitation)
_mk_RouterAdvertisement = maker(RouterAdvertisement)
_mk_NeighborSolicitation = maker(NeighborSolicitation)
_mk_NeighborAdvertisement = maker(NeighborAdvertisement)
_mk_Redirect = maker(Redirect)
_mk_ICMPv6Other = maker(ICMPv6Other)
_mk_EchoRequest = maker(EchoRequest)
_mk_EchoReply = maker(EchoReply)
_NAMES = {
    1: "DestUnreachable",
    2: "PacketTooBig",
    3: "TimeExceeded",
    4: "ParamProblem",
    128: "EchoRequest",
    129: "EchoReply",
    133: "RS",
    134: "RA",
    135: "NS",
    136: "NA",
    137: "Redirect",
}


def decode_nd_options(data: bytes, pos: int, end: int, base: int) -> tuple[NDOption, ...]:
    """ND options in data[pos:end] (RFC 2461 §4.6): Type, Length in units of 8 octets, data."""
    out: list[NDOption] = []
    while pos < end:
        if pos + 2 > end:
            fail(base + pos, "ND", "option", "truncated option header")
        t = data[pos]
        n = data[pos + 1]
        if n == 0:
            fail(base + pos + 1, "ND", "option_length", f"ND option type {t} has Length 0")
        q = pos + 8 * n
        if q > end:
            fail(
                base + pos + 1,
                "ND",
                "option_length",
                f"ND option type {t} Length {n} runs past the message",
            )
        if t == 1:
            out.append(_mk_SourceLLA(data[pos + 2 : q]))
        elif t == 2:
            out.append(_mk_TargetLLA(data[pos + 2 : q]))
        elif t == 3 and n == 4:
            plen, fl, valid, pref, r2 = _PI.unpack_from(data, pos + 2)
            out.append(
                _mk_PrefixInfo(
                    plen,
                    bool(fl & 0x80),
                    bool(fl & 0x40),
                    valid,
                    pref,
                    data[pos + 16 : q],
                    fl & 0x3F,
                    r2,
                )
            )
        elif t == 5 and n == 1:
            r, mtu = _MTU.unpack_from(data, pos + 2)
            out.append(_mk_MTUOption(mtu, r))
        else:
            out.append(_mk_UnknownNDOption(t, data[pos + 2 : q]))
        pos = q
    return tuple(out)


def encode_nd_option(o: NDOption) -> bytes:
    """One ND option; link-layer addresses are zero-padded to a multiple of 8 octets."""
    if isinstance(o, PrefixInfo):
        fl = (0x80 if o.on_link else 0) | (0x40 if o.autonomous else 0) | (o.flags_rest & 0x3F)
        return (
            b"\x03\x04"
            + _PI.pack(o.prefix_length, fl, o.valid_lifetime, o.preferred_lifetime, o.reserved2)
            + o.prefix
        )
    if isinstance(o, MTUOption):
        return b"\x05\x01" + _MTU.pack(o.reserved, o.mtu)
    if isinstance(o, SourceLLA):
        t, d = 1, o.lla
    elif isinstance(o, TargetLLA):
        t, d = 2, o.lla
    else:
        t, d = o.nd_type, o.data
    d = d + bytes((-(len(d) + 2)) % 8)
    n = (len(d) + 2) // 8
    if n > 255:
        raise ModelUsageError("ND option longer than 2040 octets")
    return bytes((t, n)) + d


def decode_icmpv6(data: bytes, pos: int, end: int, base: int) -> ICMPv6:
    """Decode the ICMPv6 message in data[pos:end]."""
    if end - pos < 4:
        fail(base + pos, "ICMPv6", "header", f"truncated: {end - pos} octets, need 4")
    t, code, ck = _HDR.unpack_from(data, pos)
    need = _FIXED.get(t)
    p = pos + 4
    if need is None:
        return _mk_ICMPv6Other(t, code, data[p:end], ck)
    if end - p < need:
        fail(
            base + p,
            "ICMPv6",
            _NAMES[t],
            f"truncated: {end - p} octets after the checksum, need {need}",
        )
    if t == 1:
        return _mk_DestUnreachable(code, data[p + 4 : end], U32.unpack_from(data, p)[0], ck)
    if t == 2:
        return _mk_PacketTooBig(U32.unpack_from(data, p)[0], data[p + 4 : end], code, ck)
    if t == 3:
        return _mk_TimeExceeded(code, data[p + 4 : end], U32.unpack_from(data, p)[0], ck)
    if t == 4:
        return _mk_ParamProblem(code, U32.unpack_from(data, p)[0], data[p + 4 : end], ck)
    if t == 128 or t == 129:
        ident, seq = HH.unpack_from(data, p)
        cls = _mk_EchoRequest if t == 128 else _mk_EchoReply
        return cls(ident, seq, data[p + 4 : end], code, ck)
    if t == 133:
        return _mk_RouterSolicitation(
            decode_nd_options(data, p + 4, end, base), U32.unpack_from(data, p)[0], code, ck
        )
    if t == 134:
        hl, fl, life, reach, retrans = _RA.unpack_from(data, p)
        opts = decode_nd_options(data, p + 12, end, base)
        return _mk_RouterAdvertisement(
            hl,
            bool(fl & 0x80),
            bool(fl & 0x40),
            bool(fl & 0x20),
            fl & 0x1F,
            life,
            reach,
            retrans,
            opts,
            code,
            ck,
        )
    if t == 135:
        return _mk_NeighborSolicitation(
            data[p + 4 : p + 20],
            decode_nd_options(data, p + 20, end, base),
            U32.unpack_from(data, p)[0],
            code,
            ck,
        )
    if t == 136:
        w = U32.unpack_from(data, p)[0]
        return _mk_NeighborAdvertisement(
            data[p + 4 : p + 20],
            bool(w >> 31),
            bool(w & 0x40000000),
            bool(w & 0x20000000),
            decode_nd_options(data, p + 20, end, base),
            w & 0x1FFFFFFF,
            code,
            ck,
        )
    return _mk_Redirect(
        data[p + 4 : p + 20],
        data[p + 20 : p + 36],
        decode_nd_options(data, p + 36, end, base),
        U32.unpack_from(data, p)[0],
        code,
        ck,
    )


def _opts(opts: tuple[NDOption, ...]) -> bytes:
    return b"".join([encode_nd_option(o) for o in opts])


def encode_icmpv6(m: ICMPv6) -> bytes:
    """The message with its checksum field as stored (0 when None: the caller computes it)."""
    ck = m.checksum or 0
    if isinstance(m, DestUnreachable):
        t, code, body = 1, m.code, U32.pack(m.unused) + m.invoking
    elif isinstance(m, PacketTooBig):
        t, code, body = 2, m.code, U32.pack(m.mtu) + m.invoking
    elif isinstance(m, TimeExceeded):
        t, code, body = 3, m.code, U32.pack(m.unused) + m.invoking
    elif isinstance(m, ParamProblem):
        t, code, body = 4, m.code, U32.pack(m.pointer) + m.invoking
    elif isinstance(m, (EchoRequest, EchoReply)):
        t = 128 if isinstance(m, EchoRequest) else 129
        code, body = m.code, HH.pack(m.ident, m.seq) + m.data
    elif isinstance(m, RouterSolicitation):
        t, code, body = 133, m.code, U32.pack(m.reserved) + _opts(m.options)
    elif isinstance(m, RouterAdvertisement):
        fl = (
            (0x80 if m.managed else 0)
            | (0x40 if m.other else 0)
            | (0x20 if m.home_agent else 0)
            | (m.flags_rest & 0x1F)
        )
        t, code = 134, m.code
        body = _RA.pack(
            m.cur_hop_limit, fl, m.router_lifetime, m.reachable_time, m.retrans_timer
        ) + _opts(m.options)
    elif isinstance(m, NeighborSolicitation):
        t, code, body = 135, m.code, U32.pack(m.reserved) + m.target + _opts(m.options)
    elif isinstance(m, NeighborAdvertisement):
        w = (m.router << 31) | (m.solicited << 30) | (m.override << 29) | (m.reserved & 0x1FFFFFFF)
        t, code, body = 136, m.code, U32.pack(w) + m.target + _opts(m.options)
    elif isinstance(m, Redirect):
        t, code, body = (
            137,
            m.code,
            U32.pack(m.reserved) + m.target + m.destination + _opts(m.options),
        )
    else:
        t, code, body = m.icmp_type, m.code, m.body
    return _HDR.pack(t, code, ck) + body
