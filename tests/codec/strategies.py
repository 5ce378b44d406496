"""Hypothesis strategies for every codec value (checksums left None: computed on encode)."""

from __future__ import annotations

from hypothesis import strategies as st

from mip6check.model.codec import (
    AH,
    DRAFT04,
    DRAFT08,
    ESP,
    MH_LAYOUTS,
    TCP,
    UDP,
    BindingAck,
    BindingRequest,
    BindingUpdate,
    DestOptions,
    DestUnreachable,
    EchoReply,
    EchoRequest,
    Fragment,
    HomeAddress,
    HopByHop,
    ICMPv6Other,
    IPv6Packet,
    MobilityHeader,
    MobilityOption,
    MTUOption,
    NeighborAdvertisement,
    NeighborSolicitation,
    NoNextHeader,
    Option,
    PacketTooBig,
    Pad1,
    PadN,
    ParamProblem,
    PrefixInfo,
    Profile,
    Raw,
    Redirect,
    RouterAdvertisement,
    RouterSolicitation,
    Routing0,
    Routing2,
    RoutingOther,
    SourceLLA,
    TargetLLA,
    TimeExceeded,
    UnknownNDOption,
    UnknownOption,
)
from mip6check.model.codec.options import decode_option_data, encode_option, option_table

addr = st.binary(min_size=16, max_size=16)
u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
small = st.binary(max_size=12)
profiles = st.sampled_from([DRAFT04, DRAFT08])


def bu_opt(p: Profile) -> st.SearchStrategy[BindingUpdate]:
    return st.builds(
        lambda seq, life, a, h, coa, idl, r, ext: BindingUpdate(
            seq, life, a, h, coa is not None, idl, coa, r, ext, p.bu
        ),
        u16,
        u32,
        st.booleans(),
        st.booleans(),
        st.none() | addr,
        u8,
        st.integers(0, 31),
        small,
    )


def malformed_opt(p: Profile) -> st.SearchStrategy[Option]:
    """Recognised types with short data, mapped through the decoder so `reason` matches."""
    bu_short = st.binary(max_size=7).map(lambda d: ("BU", p.bu, d))
    bu_c = st.binary(min_size=7, max_size=15).map(
        lambda d: ("BU", p.bu, bytes((0x20 | (d[0] & 0xDF),)) + d[1:])
    )
    ba = st.binary(max_size=10).map(lambda d: ("BA", p.ba, d))
    hao = st.binary(max_size=15).map(lambda d: ("HAO", p.hao, d))
    return st.one_of(bu_short, bu_c, ba, hao).map(
        lambda kd: decode_option_data(kd[0], kd[1], kd[2])
    )


def unknown_opt(p: Profile) -> st.SearchStrategy[UnknownOption]:
    known = set(option_table(p)) | {0, 1}
    return st.builds(UnknownOption, u8.filter(lambda t: t not in known), small)


def option(p: Profile) -> st.SearchStrategy[Option]:
    return st.one_of(
        st.just(Pad1()),
        st.builds(PadN, small),
        bu_opt(p),
        st.builds(lambda *a: BindingAck(*a, opt_type=p.ba), u8, u16, u32, u32, small),
        st.builds(lambda e: BindingRequest(e, p.br), small),
        st.builds(
            lambda ad, e, t: HomeAddress(ad, e, t), addr, small, st.sampled_from([p.hao, 201])
        ),
        malformed_opt(p),
        unknown_opt(p),
    )


def pad_to_8(opts: list[Option]) -> tuple[Option, ...]:
    n = 2 + sum(len(encode_option(o)) for o in opts)
    gap = (-n) % 8
    if gap == 1:
        opts = [*opts, Pad1()]
    elif gap:
        opts = [*opts, PadN(bytes(gap - 2))]
    return tuple(opts)


def options_list(p: Profile) -> st.SearchStrategy[tuple[Option, ...]]:
    return st.lists(option(p), max_size=5).map(pad_to_8)


def ext_header(p: Profile) -> st.SearchStrategy[object]:
    return st.one_of(
        options_list(p).map(HopByHop),
        options_list(p).map(DestOptions),
        st.builds(
            Routing0, u8, st.lists(addr, max_size=4).map(tuple), u8, st.integers(0, 0xFFFFFF)
        ),
        st.builds(Routing2, u8, addr, u32),
        st.builds(
            RoutingOther,
            u8.filter(lambda t: t not in (0, 2)),
            u8,
            st.integers(0, 3).flatmap(lambda k: st.binary(min_size=4 + 8 * k, max_size=4 + 8 * k)),
        ),
        st.builds(Fragment, st.just(0), st.just(False), u32, u8, st.integers(0, 3)),
        st.builds(
            AH,
            u32,
            u32,
            st.integers(0, 4).flatmap(lambda k: st.binary(min_size=4 * k, max_size=4 * k)),
            u16,
        ),
    )


lla = st.sampled_from([6, 14]).flatmap(lambda n: st.binary(min_size=n, max_size=n))
nd_option = st.one_of(
    st.builds(SourceLLA, lla),
    st.builds(TargetLLA, lla),
    st.builds(
        PrefixInfo, u8, st.booleans(), st.booleans(), u32, u32, addr, st.integers(0, 63), u32
    ),
    st.builds(MTUOption, u32, u16),
    st.builds(UnknownNDOption, u8.filter(lambda t: t not in (1, 2, 3, 5)), lla),
)
nd_options = st.lists(nd_option, max_size=3).map(tuple)
icmp_types_known = {1, 2, 3, 4, 128, 129, 133, 134, 135, 136, 137}

icmpv6 = st.one_of(
    st.builds(DestUnreachable, u8, st.binary(max_size=60), u32),
    st.builds(PacketTooBig, u32, st.binary(max_size=60), u8),
    st.builds(TimeExceeded, u8, st.binary(max_size=60), u32),
    st.builds(ParamProblem, u8, u32, st.binary(max_size=60)),
    st.builds(EchoRequest, u16, u16, small, u8),
    st.builds(EchoReply, u16, u16, small, u8),
    st.builds(RouterSolicitation, nd_options, u32, u8),
    st.builds(
        RouterAdvertisement,
        u8,
        st.booleans(),
        st.booleans(),
        st.booleans(),
        st.integers(0, 31),
        u16,
        u32,
        u32,
        nd_options,
        u8,
    ),
    st.builds(NeighborSolicitation, addr, nd_options, u32, u8),
    st.builds(
        NeighborAdvertisement,
        addr,
        st.booleans(),
        st.booleans(),
        st.booleans(),
        nd_options,
        st.integers(0, (1 << 29) - 1),
        u8,
    ),
    st.builds(Redirect, addr, addr, nd_options, u32, u8),
    st.builds(ICMPv6Other, u8.filter(lambda t: t not in icmp_types_known), u8, small),
)


def _mh_fields(t: int) -> st.SearchStrategy[tuple[tuple[str, int | bool | bytes], ...]]:
    parts = []
    for name, w in MH_LAYOUTS[t]:
        v: st.SearchStrategy[int | bool | bytes]
        v = st.booleans() if w == 1 else addr if w == 128 else st.integers(0, (1 << w) - 1)
        parts.append(v.map(lambda x, n=name: (n, x)))
    return st.tuples(*parts)


mobility_option = st.one_of(
    st.just(MobilityOption(0)), st.builds(MobilityOption, st.integers(1, 255), small)
)


def _pad_mh(t: int, opts: list[MobilityOption]) -> tuple[MobilityOption, ...]:
    fixed = sum(w for _, w in MH_LAYOUTS[t]) // 8
    n = 6 + fixed + sum(1 if o.opt_type == 0 else 2 + len(o.data) for o in opts)
    gap = (-n) % 8
    if gap == 1:
        return (*opts, MobilityOption(0))
    if gap:
        return (*opts, MobilityOption(1, bytes(gap - 2)))
    return tuple(opts)


mobility_header = st.one_of(
    st.integers(0, 7).flatmap(
        lambda t: st.builds(
            lambda f, o, pp, r, nn: MobilityHeader(t, f, _pad_mh(t, o), pp, r, nn),
            _mh_fields(t),
            st.lists(mobility_option, max_size=3),
            u8,
            u8,
            st.sampled_from([135, 62]),
        )
    ),
    st.builds(
        lambda t, k, pp: MobilityHeader(t, (("data", bytes(2 + 8 * k)),), (), pp),
        st.integers(8, 255),
        st.integers(0, 2),
        u8,
    ),
)

_KNOWN_NH = {0, 6, 17, 41, 43, 44, 50, 51, 58, 59, 60, 62, 135}
leaf_upper = st.one_of(
    icmpv6,
    st.builds(UDP, u16, u16, small),
    st.builds(
        TCP,
        u16,
        u16,
        u32,
        u32,
        st.integers(0, 0xFFF),
        u16,
        u16,
        st.integers(0, 3).flatmap(lambda k: st.binary(min_size=4 * k, max_size=4 * k)),
        small,
    ),
    st.builds(NoNextHeader, small),
    st.builds(ESP, u32, u32, small),
    st.builds(Raw, u8.filter(lambda n: n not in _KNOWN_NH), small),
    mobility_header,
)


def packet(p: Profile = DRAFT04, depth: int = 2) -> st.SearchStrategy[IPv6Packet]:
    upper = (
        leaf_upper
        if depth == 0
        else st.one_of(leaf_upper, st.deferred(lambda: packet(p, depth - 1)))
    )
    return st.builds(
        IPv6Packet,
        addr,
        addr,
        st.lists(ext_header(p), max_size=4).map(tuple),
        upper,
        u8,
        u8,
        st.integers(0, 0xFFFFF),
    )
