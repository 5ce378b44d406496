"""The engine with the real mobility roles: home registration, tunnelling, route optimisation, AH keys."""

from __future__ import annotations

import pytest

from mip6check.model.addr import Prefix, a
from mip6check.model.codec.options import bu, dest_options
from mip6check.model.codec.values import AH, HomeAddress, IPv6Packet, NoNextHeader
from mip6check.model.config import DEFAULT, AuthMode, Config
from mip6check.model.net import Kind, Network
from mip6check.model.roles.correspondent import Correspondent
from mip6check.model.roles.events import BindingIgnored, CacheUpdated, Delivered, Intercepted
from mip6check.model.roles.home_agent import HomeAgent
from mip6check.model.roles.mobile_node import MobileNode

P1 = Prefix.parse("2001:db8:1::/64")
HOME = a("2001:db8:1::100")
HA = a("2001:db8:1::1")
CN = a("2001:db8:3::30")
KEY = b"0123456789abcdef0123"


def build(config: Config = DEFAULT, seed: int = 1, key: bool = False) -> Network:
    """Home link LH (HA), foreign link LF (router R), correspondent link LC joining both routers."""
    net = Network(seed=seed, config=config)
    net.add_link("LH", ["2001:db8:1::/64"])
    net.add_link("LF", ["2001:db8:2::/64"])
    net.add_link("LC", ["2001:db8:3::/64"])
    net.add_router("HA", HomeAgent("HA", config, serving=(P1,)))
    net.connect("HA", "h", "LH", addresses=[HA])
    net.connect("HA", "c", "LC", addresses=["2001:db8:3::1"])
    net.add_router("R")
    net.connect("R", "f", "LF", addresses=["2001:db8:2::1"])
    net.connect("R", "c", "LC", addresses=["2001:db8:3::2"])
    net.add_route("HA", "2001:db8:2::/64", "c", "2001:db8:3::2")
    net.add_route("R", "2001:db8:1::/64", "c", "2001:db8:3::1")
    net.add_host("CN", Correspondent("CN", config))
    net.connect("CN", "e0", "LC", addresses=[CN])
    net.add_host("MN", MobileNode("MN", config, home=HOME, home_prefix=P1, home_agent=HA))
    net.connect("MN", "e0", "LH", addresses=[HOME])
    if key:
        net.add_key("MN", HOME, "HA", HA, KEY)
    return net


def deliveries(net: Network) -> list[tuple[str, int, str]]:
    return [(d.node, d.flow, d.via) for d in net.log.events(Delivered)]  # type: ignore[attr-defined]


def test_registration_tunnel_and_route_optimisation() -> None:
    net = build()
    net.run_until(3_000)
    net.send_data("CN", HOME, 1, 3_000)  # at home: direct
    net.move("MN", "e0", "LF", 5_000)
    net.run_until(9_000)
    (ha,) = net.log.snapshots(9_000)["HA"].binding_cache
    assert ha.home == HOME and ha.home_reg and Prefix.parse("2001:db8:2::/64").contains(ha.coa)
    net.send_data("CN", HOME, 2, 9_000)  # intercepted and tunnelled (§8.4); triggers a BU (§9.5)
    net.run_until(12_000)
    net.send_data("CN", HOME, 3, 12_000)  # via the CN's binding: Routing header (§7.9)
    net.send_data("MN", CN, 4, 12_000)  # away from home: Home Address option (§9.1)
    net.run_until(15_000)
    assert deliveries(net) == [
        ("MN", 1, "direct"),
        ("MN", 2, "tunnel"),
        ("MN", 3, "rh"),
        ("CN", 4, "direct"),
    ]
    assert any(isinstance(e, Intercepted) for e in net.log.events(node="HA"))
    assert not net.log.of(Kind.DECODE_ERROR)


def test_same_seed_same_run_with_roles() -> None:
    def run(seed: int) -> list[str]:
        net = build(seed=seed)
        net.move("MN", "e0", "LF", 2_000)
        net.send_data("CN", HOME, 1, 6_000)
        net.run_until(9_000)
        return net.log.lines()

    assert run(4) == run(4)


@pytest.mark.parametrize("key", [True, False])
def test_home_registration_needs_the_key_under_verify(key: bool) -> None:
    cfg = DEFAULT.with_switches(auth=AuthMode.VERIFY)
    net = build(cfg, key=key)
    net.run_until(2_000)
    net.move("MN", "e0", "LF", 2_000)
    net.run_until(6_000)
    cached = [e for e in net.log.events(CacheUpdated, node="HA")]
    ignored = [e.reason for e in net.log.events(BindingIgnored, node="HA")]  # type: ignore[attr-defined]
    assert bool(cached) == key
    assert ("NO_AUTH" in ignored) == (not key)


def test_off_path_attacker_without_key_is_ignored() -> None:
    cfg = DEFAULT.with_switches(auth=AuthMode.VERIFY)
    net = build(cfg, key=True)
    net.add_host("X")
    net.connect("X", "e0", "LF", addresses=["2001:db8:2::66"])
    net.run_until(3_000)
    forged = IPv6Packet(
        a("2001:db8:2::66"),
        HA,
        (
            AH(0x100, 0, bytes(12)),
            dest_options(bu(7, 600, a=True, h=True, id_length=64), HomeAddress(HOME)),
        ),
        NoNextHeader(),
    )
    net.originate("X", forged, 3_000)
    net.run_until(4_000)
    assert [e.reason for e in net.log.events(BindingIgnored, node="HA")] == ["NO_AUTH"]  # type: ignore[attr-defined]
    assert not net.log.events(CacheUpdated, node="HA")


def test_injected_replay_of_a_recorded_binding_update_is_stale() -> None:
    net = build()
    net.move("MN", "e0", "LF", 2_000)
    net.run_until(6_000)
    bu_frames = [
        r for r in net.log.of(Kind.TX, "MN") if r.link == "LF" and r.event.packet.dst == HA
    ]  # type: ignore[attr-defined]
    assert bu_frames
    net.inject("LF", bu_frames[0].event.packet, 7_000)  # type: ignore[attr-defined]  # to R, the router
    net.run_until(8_000)
    assert net.log.of(Kind.INJECT)
    reasons = [e.reason for e in net.log.events(BindingIgnored, node="HA")]  # type: ignore[attr-defined]
    assert "STALE_SEQ" in reasons  # §7.2 (4): not greater than the cached Sequence Number
