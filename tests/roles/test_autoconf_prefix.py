"""RFC 2462 §5.5.3 in the mobile node (§9.3, §8.5): a Prefix Information option whose length plus the
64-bit interface identifier is not 128 gives no address - neither a care-of address nor a home
address - and is noted; the on-link prefixes still tell where the node is (§9.2)."""

from __future__ import annotations

import random

import pytest

from mip6check.model.addr import ALL_NODES, UNSPECIFIED, Prefix, a, is_multicast
from mip6check.model.codec import decode_packet, encode_packet
from mip6check.model.codec.values import IPv6Packet, PrefixInfo, RouterAdvertisement, SourceLLA
from mip6check.model.config import DEFAULT
from mip6check.model.roles.events import Action, BindingUpdateSent, Note
from mip6check.model.roles.mn_movement import autoconf_address
from mip6check.model.roles.mobile_node import MobileNode
from mip6check.model.roles.node import IPv6Node
from tests.roles.fakes import FOREIGN_NET, HA_ADDR, HOME_NET, MN_COA, MN_HOME, FakeCore, events, rx

MAC_MN = bytes.fromhex("020000000064")
MAC_R = bytes.fromhex("020000000001")
R_LL = a("fe80::1")
SLASH48 = Prefix.parse("2001:db8:5::/48")


def _info(p: Prefix, autonomous: bool = True) -> PrefixInfo:
    return PrefixInfo(p.length, True, autonomous, 100, 50, p.network)


def _away_node() -> tuple[IPv6Node, MobileNode]:
    """A real node (its address guard included) carrying a mobile node that just left home."""
    mn = MobileNode("mn", DEFAULT, home=MN_HOME, home_prefix=HOME_NET, home_agent=HA_ADDR)
    node = IPv6Node("mn", DEFAULT, random.Random(3), router=False, mobility=mn)
    node.add_interface("e0", MAC_MN, (), [MN_HOME])
    node.attach("e0", 0)
    node.detach("e0", 100)
    node.attach("e0", 200)
    return node, mn


def _forged_ra(*prefixes: Prefix, autonomous: bool = True) -> IPv6Packet:
    infos = (_info(p, autonomous) for p in prefixes)
    ra = RouterAdvertisement(router_lifetime=1800, options=(SourceLLA(MAC_R), *infos))
    return decode_packet(encode_packet(IPv6Packet(R_LL, ALL_NODES, (), ra, hop_limit=255)))


def _notes(out: list[Action], kind: str) -> list[Note]:
    return [n for n in events(out, Note) if n.kind == kind]


@pytest.mark.parametrize("bad", ["::/128", "2001:db8:5::/48", "2001:db8:5::100/128"])
def test_forged_ra_with_a_prefix_leaving_no_identifier_forms_nothing(bad: str) -> None:
    """A forged RA on the foreign link whose only prefix is `bad`: the node moves (a new default
    router, §9.2) but forms no care-of address, does not raise, registers nothing, and notes the
    prefix with RFC 2462 §5.5.3."""
    node, mn = _away_node()
    before = set(node.addresses())
    out = node.receive("e0", _forged_ra(Prefix.parse(bad)), 300)
    assert [(n.detail, n.section) for n in _notes(out, "prefix-ignored")] == [
        (bad, "RFC2462 5.5.3")
    ]
    assert _notes(out, "movement") and _notes(out, "no-prefix")
    assert mn.primary is None and mn.coas == []
    assert set(node.addresses()) - before <= {a("fe80::ff:fe00:64"), a("fe80::100")}
    assert UNSPECIFIED not in node.addresses()
    assert events(out, BindingUpdateSent) == []


def test_a_64_prefix_beside_a_128_and_a_48_gives_the_only_care_of_address() -> None:
    node, mn = _away_node()
    out = node.receive("e0", _forged_ra(Prefix.parse("::/128"), SLASH48, FOREIGN_NET), 300)
    assert sorted(n.detail for n in _notes(out, "prefix-ignored")) == [
        "2001:db8:5::/48",
        "::/128",
    ]
    assert mn.primary == MN_COA and mn.coas == [MN_COA]
    assert [e.coa for e in events(out, BindingUpdateSent)] == [MN_COA]
    assert not any(x == UNSPECIFIED or x[:6] == SLASH48.network[:6] for x in node.addresses())


def test_a_prefix_without_the_autonomous_flag_is_on_link_but_forms_nothing() -> None:
    """RFC 2462 §5.5.3 (a): no A flag, no address (silently); the prefix still says where the node
    is. When the same router later advertises the prefix with A, the movement's care-of address is
    formed then (§9.3)."""
    node, mn = _away_node()
    out = node.receive("e0", _forged_ra(FOREIGN_NET, autonomous=False), 300)
    assert (
        _notes(out, "movement") and _notes(out, "no-prefix") and not _notes(out, "prefix-ignored")
    )
    assert mn.primary is None and MN_COA not in node.addresses()
    out = node.receive("e0", _forged_ra(FOREIGN_NET), 400)
    assert mn.primary == MN_COA and [e.coa for e in events(out, BindingUpdateSent)] == [MN_COA]
    assert node.receive("e0", _forged_ra(FOREIGN_NET), 500) == []  # nothing new after that


def test_the_home_prefix_without_the_autonomous_flag_is_still_home() -> None:
    node, mn = _away_node()
    node.receive("e0", _forged_ra(FOREIGN_NET), 300)
    out = node.receive("e0", _forged_ra(HOME_NET, autonomous=False), 1_500)
    assert _notes(out, "returned-home") and mn.at_home


def test_secondary_prefix_of_another_length_forms_no_secondary_address() -> None:
    """§9.3 MAY: a non-primary care-of address per prefix, only where autoconfiguration forms one."""
    node, mn = _away_node()
    node.receive("e0", _forged_ra(FOREIGN_NET), 300)
    out = node.receive("e0", _forged_ra(FOREIGN_NET, SLASH48), 400)
    assert mn.coas == [MN_COA] and _notes(out, "prefix-ignored")


def test_home_renumbering_to_a_128_adds_no_home_address() -> None:
    """§8.5: an authenticated RA tunnelled from the home agent renumbers the home link; a prefix
    autoconfiguration ignores gives no new home address and does not become the home prefix."""
    mn = MobileNode("mn", DEFAULT, home=MN_HOME, home_prefix=HOME_NET, home_agent=HA_ADDR)
    core = FakeCore("mn", addrs={MN_HOME: "w0"})
    adv = RouterAdvertisement(options=(_info(Prefix.parse("::/128")), _info(SLASH48)))
    outer = IPv6Packet(HA_ADDR, MN_COA, (), adv)
    out = mn.on_router_advertisement(
        core, adv, rx(src=HA_ADDR, dst=ALL_NODES, auth=True, payload=adv, tunnel_outer=outer), 0
    )
    assert mn.homes == (MN_HOME,) and mn.home_prefix == HOME_NET
    assert _notes(out, "home-renumbered") == [] and len(_notes(out, "prefix-ignored")) == 2


def test_autoconf_address_rules() -> None:
    home = a("2001:db8:1::1:2:3:4")
    assert autoconf_address(Prefix.parse("2001:db8:7::/64"), home) == a("2001:db8:7::1:2:3:4")
    for bad in ("2001:db8:7::/48", "2001:db8:7::/96", "::/128", "fe80::/64", "ff02::/64"):
        assert autoconf_address(Prefix.parse(bad), home) is None, bad
    assert autoconf_address(Prefix.parse("::/64"), a("2001:db8:1::")) is None  # would be ::
    assert not is_multicast(autoconf_address(Prefix.parse("::/64"), home) or UNSPECIFIED)
