"""Malformed or unexpected input from the network never raises out of a role (DESIGN, principle 7)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mip6check.model.codec.values import (
    UDP,
    BindingAck,
    BindingRequest,
    BindingUpdate,
    DestUnreachable,
    HomeAddress,
    IPv6Packet,
    MalformedOption,
    ParamProblem,
    PrefixInfo,
    RouterAdvertisement,
)
from mip6check.model.config import DEFAULT
from mip6check.model.roles.correspondent import Correspondent
from mip6check.model.roles.home_agent import HomeAgent
from mip6check.model.roles.hooks import Received
from mip6check.model.roles.mobile_node import MobileNode
from tests.roles.fakes import (
    CN_ADDR,
    FOREIGN_NET,
    HA_ADDR,
    HOME_NET,
    LL_NET,
    MN_COA,
    MN_HOME,
    FakeCore,
)

ADDRS = st.sampled_from(
    [
        MN_HOME,
        MN_COA,
        HA_ADDR,
        CN_ADDR,
        bytes(16),
        b"\xfe\x80" + bytes(13) + b"\x01",
        b"\xff\x02" + bytes(13) + b"\x01",
    ]
) | st.binary(min_size=16, max_size=16)
U16, U32 = st.integers(0, 0xFFFF), st.integers(0, 0xFFFFFFFF)
OPTS = st.one_of(
    st.builds(
        BindingUpdate,
        U16,
        U32,
        st.booleans(),
        st.booleans(),
        st.booleans(),
        st.integers(0, 255),
        st.none() | ADDRS,
    ),
    st.builds(BindingAck, st.integers(0, 255), U16, U32, U32),
    st.just(BindingRequest()),
    st.builds(HomeAddress, ADDRS),
    st.builds(
        MalformedOption,
        st.just(195),
        st.sampled_from(["BU", "BA", "HAO", "BR"]),
        st.binary(max_size=7),
        st.just("short"),
    ),
)


@st.composite
def received(draw: st.DrawFn) -> Received:
    opts = tuple(draw(st.lists(OPTS, max_size=4)))
    src, dst = draw(ADDRS), draw(ADDRS)
    pkt = IPv6Packet(src, dst, (), UDP(1, 2, draw(st.binary(max_size=8))))
    outer = draw(st.none() | st.builds(lambda s, d: IPv6Packet(s, d, (), pkt), ADDRS, ADDRS))
    hao = draw(st.none() | ADDRS)
    lengths = tuple(draw(st.lists(st.integers(0, 255), min_size=len(opts), max_size=len(opts))))
    return Received(
        pkt,
        "w0",
        hao or src,
        dst,
        opts,
        hao,
        draw(st.booleans()),
        draw(st.booleans()),
        outer,
        draw(st.sampled_from([(), lengths])),
    )


def roles() -> list[tuple[object, FakeCore]]:
    ha = HomeAgent("ha", DEFAULT, serving=(HOME_NET,), capacity=2)
    mn = MobileNode("mn", DEFAULT, home=MN_HOME, home_prefix=HOME_NET, home_agent=None)
    return [
        (Correspondent("cn", DEFAULT, capacity=2), FakeCore("cn", addrs={CN_ADDR: "w0"})),
        (
            ha,
            FakeCore(
                "ha", is_router=True, addrs={HA_ADDR: "w0"}, prefixes={"w0": (HOME_NET, LL_NET)}
            ),
        ),
        (mn, FakeCore("mn", addrs={MN_HOME: "w0"})),
    ]


@settings(max_examples=150)
@given(
    steps=st.lists(
        st.tuples(received(), st.integers(0, 300_000), st.integers(0, 3), st.binary(max_size=80)),
        max_size=8,
    )
)
def test_no_exception_escapes(steps: list[tuple[Received, int, int, bytes]]) -> None:
    ra = RouterAdvertisement(options=(PrefixInfo(64, True, True, 100, 50, FOREIGN_NET.network),))
    for role, core in roles():
        now = 0
        if isinstance(role, MobileNode):
            role.moved(core, "w0", 0)
            role.on_router_advertisement(
                core,
                ra,
                Received(
                    IPv6Packet(b"\xfe\x80" + bytes(13) + b"\x02", CN_ADDR),
                    "w0",
                    CN_ADDR,
                    CN_ADDR,
                    (),
                    None,
                    False,
                    False,
                    None,
                ),
                0,
            )
        for rx, dt, kind, junk in steps:
            now += dt
            role.on_receive(core, rx, now)  # type: ignore[attr-defined]
            if kind == 1:
                role.on_icmp_error(core, DestUnreachable(3, junk), rx, now)  # type: ignore[attr-defined]
            elif kind == 2:
                role.on_icmp_error(core, ParamProblem(2, 0, junk), rx, now)  # type: ignore[attr-defined]
            elif kind == 3:
                role.on_router_advertisement(core, ra, rx, now)  # type: ignore[attr-defined]
            role.intercept(core, rx.packet, "w0", now)  # type: ignore[attr-defined]
            role.on_output(core, IPv6Packet(MN_HOME, rx.src, (), UDP(1, 2)), now)  # type: ignore[attr-defined]
            while (t := role.next_deadline()) is not None and t <= now:  # type: ignore[attr-defined]
                role.on_timer(core, t)  # type: ignore[attr-defined]
            role.snapshot("x", now)  # type: ignore[attr-defined]
