"""Differential tests against Scapy (test-only dependency) on the parts both understand: build with
Scapy and decode with ours (fields compared), and build ours and compare bytes with Scapy's build."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mip6check.model.codec import (
    DRAFT04,
    DRAFT08,
    UDP,
    DestOptions,
    EchoRequest,
    Fragment,
    HomeAddress,
    HopByHop,
    IPv6Packet,
    MobilityHeader,
    MobilityOption,
    MTUOption,
    NeighborAdvertisement,
    NeighborSolicitation,
    NoNextHeader,
    PrefixInfo,
    Redirect,
    RouterAdvertisement,
    RouterSolicitation,
    Routing0,
    Routing2,
    SourceLLA,
    TargetLLA,
    checksum_ok,
    decode_packet,
    dest_options,
    encode_packet,
)
from tests.codec.strategies import addr, packet, u8, u16, u32

scapy_all = pytest.importorskip("scapy.all")
inet6 = pytest.importorskip("scapy.layers.inet6")
S: Any = inet6
IPv6: Any = inet6.IPv6
UDPs: Any = scapy_all.UDP


def ip6(b: bytes) -> str:
    import ipaddress

    return str(ipaddress.IPv6Address(b))


hdr = st.tuples(addr, addr, u8, st.integers(0, 0xFFFFF), u8)
mac = st.binary(min_size=6, max_size=6)


def _sc(src: bytes, dst: bytes, tc: int, fl: int, hl: int) -> Any:
    return IPv6(src=ip6(src), dst=ip6(dst), tc=tc, fl=fl, hlim=hl)


def _ours(
    h: tuple[bytes, bytes, int, int, int], headers: tuple[Any, ...], payload: Any
) -> IPv6Packet:
    src, dst, tc, fl, hl = h
    return IPv6Packet(src, dst, headers, payload, hl, tc, fl)


def _same(ours: IPv6Packet, sc: Any) -> None:
    b = bytes(sc)
    assert encode_packet(ours) == b
    got = decode_packet(b)
    assert got == ours
    assert checksum_ok(got) in (True, None)
    back = IPv6(encode_packet(ours))
    assert (back.src, back.dst, back.tc, back.fl, back.hlim) == (
        ip6(ours.src),
        ip6(ours.dst),
        ours.traffic_class,
        ours.flow_label,
        ours.hop_limit,
    )


@given(hdr, u16, u16, st.binary(max_size=20))
def test_udp(h: Any, sp: int, dp: int, data: bytes) -> None:
    _same(_ours(h, (), UDP(sp, dp, data)), _sc(*h) / UDPs(sport=sp, dport=dp) / data)


@given(hdr, addr, u16, u16, u8)
def test_hao_201_both_profiles(h: Any, hoa: bytes, sp: int, dp: int, prof: int) -> None:
    ours = _ours(h, (dest_options(HomeAddress(hoa, opt_type=201), hao_8n6=True),), UDP(sp, dp))
    sc = _sc(*h) / S.IPv6ExtHdrDestOpt(options=[S.HAO(hoa=ip6(hoa))]) / UDPs(sport=sp, dport=dp)
    _same(ours, sc)  # UDP checksum over the home address (§9.1) agrees with Scapy's
    got = decode_packet(bytes(sc), DRAFT08 if prof & 1 else DRAFT04)
    assert isinstance(got.headers[0], DestOptions)
    assert HomeAddress(hoa, b"", 201) in got.headers[0].options


@given(hdr, st.lists(addr, min_size=1, max_size=4), u8, st.integers(0, 0xFFFFFF))
def test_routing0(h: Any, addrs: list[bytes], segleft: int, bitmap: int) -> None:
    ours = _ours(h, (Routing0(segleft, tuple(addrs), 0, bitmap),), EchoRequest(1, 2, b"x"))
    sc = (
        _sc(*h)
        / S.IPv6ExtHdrRouting(addresses=[ip6(x) for x in addrs], segleft=segleft, reserved=bitmap)
        / S.ICMPv6EchoRequest(id=1, seq=2, data=b"x")
    )
    _same(ours, sc)  # ICMPv6 checksum uses the final RH0 address when Segments Left > 0 (§7.9)


@given(hdr, addr, u32)
def test_routing2_fragment_hbh(h: Any, hoa: bytes, ident: int) -> None:
    from mip6check.model.codec import PadN

    ours = _ours(
        h,
        (HopByHop((PadN(bytes(4)),)), Routing2(1, hoa), Fragment(0, False, ident)),
        NoNextHeader(),
    )
    sc = (
        _sc(*h)
        / S.IPv6ExtHdrHopByHop()
        / S.IPv6ExtHdrRouting(type=2, addresses=[ip6(hoa)], segleft=1)
        / S.IPv6ExtHdrFragment(id=ident, nh=59)
    )
    got = decode_packet(bytes(sc))
    assert got.headers[1:] == ours.headers[1:]
    assert isinstance(got.headers[0], HopByHop)


@given(hdr, addr, mac, st.booleans(), st.booleans(), st.booleans())
def test_nd_ns_na(h: Any, tgt: bytes, lla: bytes, r: bool, s: bool, o: bool) -> None:
    _same(
        _ours(h, (), NeighborSolicitation(tgt, (SourceLLA(lla),))),
        _sc(*h) / S.ICMPv6ND_NS(tgt=ip6(tgt)) / S.ICMPv6NDOptSrcLLAddr(lladdr=lla.hex(":")),
    )
    _same(
        _ours(h, (), NeighborAdvertisement(tgt, r, s, o, (TargetLLA(lla),))),
        _sc(*h)
        / S.ICMPv6ND_NA(tgt=ip6(tgt), R=r, S=s, O=o)
        / S.ICMPv6NDOptDstLLAddr(lladdr=lla.hex(":")),
    )
    _same(
        _ours(h, (), RouterSolicitation((SourceLLA(lla),))),
        _sc(*h) / S.ICMPv6ND_RS() / S.ICMPv6NDOptSrcLLAddr(lladdr=lla.hex(":")),
    )


@given(
    hdr,
    u8,
    st.booleans(),
    st.booleans(),
    st.booleans(),
    u16,
    u32,
    u32,
    st.integers(0, 128),
    addr,
    u32,
    u32,
    u32,
)
def test_nd_ra(
    h: Any,
    chl: int,
    m: bool,
    o: bool,
    ha: bool,
    life: int,
    reach: int,
    retr: int,
    plen: int,
    prefix: bytes,
    valid: int,
    pref: int,
    mtu: int,
) -> None:
    ours = _ours(
        h,
        (),
        RouterAdvertisement(
            chl,
            m,
            o,
            ha,
            0,
            life,
            reach,
            retr,
            (PrefixInfo(plen, True, False, valid, pref, prefix), MTUOption(mtu)),
        ),
    )
    sc = (
        _sc(*h)
        / S.ICMPv6ND_RA(
            chlim=chl,
            M=m,
            O=o,
            H=ha,
            prf=0,
            routerlifetime=life,
            reachabletime=reach,
            retranstimer=retr,
        )
        / S.ICMPv6NDOptPrefixInfo(
            prefixlen=plen,
            L=1,
            A=0,
            validlifetime=valid,
            preferredlifetime=pref,
            prefix=ip6(prefix),
        )
        / S.ICMPv6NDOptMTU(mtu=mtu)
    )
    _same(ours, sc)


@given(hdr, addr, addr)
def test_nd_redirect(h: Any, tgt: bytes, dst: bytes) -> None:
    _same(
        _ours(h, (), Redirect(tgt, dst)), _sc(*h) / S.ICMPv6ND_Redirect(tgt=ip6(tgt), dst=ip6(dst))
    )


@given(hdr, hdr, u16, u16)
def test_tunnel(h: Any, h2: Any, sp: int, dp: int) -> None:
    inner = _ours(h2, (), UDP(sp, dp, b"data"))
    _same(_ours(h, (), inner), _sc(*h) / _sc(*h2) / UDPs(sport=sp, dport=dp) / b"data")


def _mh(
    t: int, fields: tuple[tuple[str, Any], ...], opts: tuple[MobilityOption, ...] = ()
) -> MobilityHeader:
    return MobilityHeader(t, fields, opts)


@given(
    hdr,
    u16,
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    u16,
    u8,
    st.booleans(),
    st.integers(0, 2**64 - 1),
)
def test_mobility_header(
    h: Any,
    seq: int,
    a: bool,
    hf: bool,
    lf: bool,
    k: bool,
    life: int,
    status: int,
    kb: bool,
    cookie: int,
) -> None:
    pad2 = (MobilityOption(1, b"\x00\x00"),)
    flags = "".join(c for c, on in zip("AHLK", (a, hf, lf, k), strict=True) if on)
    bu = _mh(
        5,
        (("seq", seq), ("a", a), ("h", hf), ("l", lf), ("k", k), ("rsv", 0), ("lifetime", life)),
        pad2,
    )
    _same(_ours(h, (), bu), _sc(*h) / S.MIP6MH_BU(seq=seq, flags=flags, mhtime=life))
    ba = _mh(6, (("status", status), ("k", kb), ("rsv", 0), ("seq", seq), ("lifetime", life)), pad2)
    _same(
        _ours(h, (), ba),
        _sc(*h) / S.MIP6MH_BA(status=status, flags="K" if kb else 0, seq=seq, mhtime=life),
    )
    _same(_ours(h, (), _mh(0, (("rsv", 0),))), _sc(*h) / S.MIP6MH_BRR())
    _same(
        _ours(h, (), _mh(1, (("rsv", 0), ("cookie", cookie)))),
        _sc(*h) / S.MIP6MH_HoTI(cookie=cookie.to_bytes(8, "big")),
    )


@given(hdr, addr, u8)
def test_binding_error(h: Any, hoa: bytes, status: int) -> None:
    pkt = decode_packet(bytes(_sc(*h) / S.MIP6MH_BE(status=status, ha=ip6(hoa))))
    mh = pkt.payload
    assert isinstance(mh, MobilityHeader) and mh.mh_type == 7
    assert dict(mh.fields)["status"] == status and dict(mh.fields)["home_address"] == hoa
    assert checksum_ok(pkt) is True


@given(packet(DRAFT04, 0))
def test_scapy_reads_our_random_packets(pkt: IPv6Packet) -> None:
    """Reverse direction on arbitrary values: Scapy parses our bytes to the same header fields and the
    same Next Header chain as far as it dissects extension headers."""
    from mip6check.model.codec.encode import header_number

    b = encode_packet(pkt)
    sc = IPv6(b)
    assert (sc.src, sc.dst, sc.hlim, sc.tc, sc.fl, sc.plen) == (
        ip6(pkt.src),
        ip6(pkt.dst),
        pkt.hop_limit,
        pkt.traffic_class,
        pkt.flow_label,
        len(b) - 40,
    )
    ours = [header_number(x) for x in (*pkt.headers, pkt.payload)]
    chain = [sc.nh]
    layer = sc.payload
    ext = (S.IPv6ExtHdrHopByHop, S.IPv6ExtHdrDestOpt, S.IPv6ExtHdrRouting, S.IPv6ExtHdrFragment)
    while isinstance(layer, ext) and len(chain) <= len(pkt.headers):
        if type(pkt.headers[len(chain) - 1]).__name__ == "RoutingOther":
            break  # Scapy dissects other routing types its own way (type 4 as SRH, ...)
        chain.append(layer.nh)
        layer = layer.payload
    assert chain == ours[: len(chain)]
