"""HA-GRATUITOUS-NA and HA-PROXY-NS (§8.2: C8.2-11, C8.2-17's set of addresses) and MN-RETURN-HOME (§9.13: C9.13-05,
C9.13-06) in replay: the Target Link-layer Address option, and advertisements for every home address,
link-local and site-local included. Captures built here with the codec."""

from __future__ import annotations

from pathlib import Path

import pytest

from mip6check.model.addr import ALL_NODES, Prefix, a, link_local, site_local
from mip6check.model.codec import (
    AH,
    UDP,
    BindingAck,
    HomeAddress,
    IPv6Packet,
    NeighborAdvertisement,
    NeighborSolicitation,
    NoNextHeader,
    Routing0,
    TargetLLA,
    bu,
    dest_options,
    encapsulate,
    encode_packet,
)
from mip6check.model.codec.pcap import PcapWriter
from mip6check.properties.replay import HomeAgentSpec, ReplayOptions, Topology, replay_file

HA = a("2001:db8:1::1")
HOME = a("2001:db8:1::100")
COA = a("2001:db8:2::100")
CN = a("2001:db8:4::5")
MAC = bytes.fromhex("00005e005301")
ICV = bytes(12)
Packets = list[tuple[int, IPv6Packet]]
ROWS = ("HA-GRATUITOUS-NA", "HA-PROXY-NS", "MN-RETURN-HOME")


def na(src: bytes, target: bytes, *, lla: bool = True) -> IPv6Packet:
    opts = (TargetLLA(MAC),) if lla else ()
    return IPv6Packet(
        src, ALL_NODES, (), NeighborAdvertisement(target, False, False, True, opts), hop_limit=255
    )


def registration(seq: int = 7, *, id_length: int = 64, coa: bytes = COA, life: int = 60) -> Packets:
    opts = dest_options(bu(seq, life, a=True, h=True, id_length=id_length), HomeAddress(HOME))
    ba = dest_options(BindingAck(0, seq, life, life))
    hs = (
        (Routing0(1, (HOME,)), AH(0x200, seq, ICV), ba)
        if coa != HOME
        else (AH(0x200, seq, ICV), ba)
    )
    return [
        (0, IPv6Packet(coa, HA, (AH(0x100, seq, ICV), opts), NoNextHeader())),
        (2, IPv6Packet(HA, coa, hs, NoNextHeader())),
    ]


def tunnel(t: int) -> tuple[int, IPv6Packet]:
    """The home agent goes on sending (a tunnelled packet), past the answer bound."""
    return (t, encapsulate(IPv6Packet(CN, HOME, (), UDP(7, 5000, b"x")), HA, COA))


def replay(tmp_path: Path, packets: Packets, topology: Topology | None = None) -> list[str]:
    path = tmp_path / "c.pcap"
    with path.open("wb") as f:
        w = PcapWriter(f, linktype=229)
        for t, pkt in packets:
            w.write(encode_packet(pkt), time_ms=1_000_000 + t)
    rep = replay_file(str(path), ReplayOptions(topology=topology or Topology()))
    return [f"{v.property}@{v.packet}: {v.message}" for v in rep.violations if v.property in ROWS]


def test_home_agent_advertisement_without_link_layer_address(tmp_path: Path) -> None:
    packets = [*registration(), (10, na(HA, HOME, lla=False))]
    got = replay(tmp_path, packets)
    assert len(got) == 1 and got[0].startswith("HA-GRATUITOUS-NA@3") and "Link-layer" in got[0]


@pytest.mark.parametrize(
    ("targets", "missing"),
    [
        ((HOME, link_local(HOME), site_local(HOME)), None),
        ((HOME,), "fe80::100, fec0::100"),
        ((HOME, link_local(HOME)), "fec0::100"),
    ],
    ids=["all", "home-only", "no-site-local"],
)
def test_every_covered_address_advertised(
    tmp_path: Path, targets: tuple[bytes, ...], missing: str | None
) -> None:
    packets = [*registration(), *[(10, na(HA, x)) for x in targets], tunnel(6_000)]
    got = replay(tmp_path, packets)
    if missing is None:
        assert got == []
    else:
        assert len(got) == 1 and got[0].startswith("HA-GRATUITOUS-NA@")
        assert f"no Neighbor Advertisement for {missing}," in got[0]


def test_id_length_zero_covers_the_home_address_alone(tmp_path: Path) -> None:
    packets = [*registration(id_length=0), (10, na(HA, HOME)), tunnel(6_000)]
    assert replay(tmp_path, packets) == []


def test_every_on_link_prefix(tmp_path: Path) -> None:
    """With two on-link prefixes (topology) the address on the second one is covered too."""
    p2 = Prefix(a("2001:db8:7::"), 64)
    topo = Topology(home_agents=(HomeAgentSpec(HA, (Prefix(a("2001:db8:1::"), 64), p2)),))
    base = [(10, na(HA, x)) for x in (HOME, link_local(HOME), site_local(HOME))]
    got = replay(tmp_path, [*registration(), *base, tunnel(6_000)], topo)
    assert len(got) == 1 and "2001:db8:7::100" in got[0], got
    more = [*base, (11, na(HA, a("2001:db8:7::100")))]
    assert replay(tmp_path, [*registration(), *more, tunnel(6_000)], topo) == []


def dereg(t: int) -> Packets:
    opts = dest_options(bu(8, 0, a=True, h=True, id_length=64), HomeAddress(HOME))
    ba = dest_options(BindingAck(0, 8, 0, 0))
    return [
        (t, IPv6Packet(HOME, HA, (AH(0x100, 8, ICV), opts), NoNextHeader())),
        (t + 2, IPv6Packet(HA, HOME, (AH(0x200, 8, ICV), ba), NoNextHeader())),
    ]


def test_return_home_advertisements(tmp_path: Path) -> None:
    def run(*nas: IPv6Packet) -> list[str]:
        back = [(30_000 + i, p) for i, p in enumerate(nas)]
        later = (40_000, IPv6Packet(HOME, CN, (), UDP(5000, 7, b"home")))
        return replay(tmp_path, [*registration(), *dereg(29_000), *back, later])

    all_three = (na(HOME, HOME), na(link_local(HOME), link_local(HOME)), na(HOME, site_local(HOME)))
    assert run(*all_three) == []
    got = run(na(HOME, HOME))
    assert len(got) == 1 and "no Neighbor Advertisement for fe80::100, fec0::100" in got[0]
    got = run(na(HOME, HOME, lla=False), *all_three[1:])
    assert len(got) == 1 and got[0].startswith("MN-RETURN-HOME@") and "Link-layer" in got[0]


def ns(src: bytes, target: bytes) -> IPv6Packet:
    sol = bytes.fromhex("ff0200000000000000000001ff") + target[13:]
    return IPv6Packet(src, sol, (), NeighborSolicitation(target), hop_limit=255)


@pytest.mark.parametrize("covered", [link_local(HOME), site_local(HOME)], ids=["ll", "sl"])
def test_solicitation_for_a_covered_address(tmp_path: Path, covered: bytes) -> None:
    nas = [(10, na(HA, x)) for x in (HOME, link_local(HOME), site_local(HOME))]
    asked = (3_000, ns(a("2001:db8:1::fe"), covered))
    answer = (
        3_001,
        IPv6Packet(
            HA,
            a("2001:db8:1::fe"),
            (),
            NeighborAdvertisement(covered, False, True, True, (TargetLLA(MAC),)),
            hop_limit=255,
        ),
    )
    assert replay(tmp_path, [*registration(), *nas, asked, answer, tunnel(6_000)]) == []
    got = replay(tmp_path, [*registration(), *nas, asked, tunnel(6_000)])
    assert len(got) == 1 and got[0].startswith("HA-PROXY-NS@"), got
    idl0 = [*registration(id_length=0), (10, na(HA, HOME)), asked, tunnel(6_000)]
    assert replay(tmp_path, idl0) == []  # ID Length 0: only the home address is covered
