"""Build the bundled example captures under traces/examples/ with the codec and the pcapng writer.

Run from the repository root: `python tools/make_examples.py`. Deterministic: fixed addresses, fixed
timestamps, no clock, so the committed files are reproduced byte for byte.

home-registration.pcapng - a mobile node away from home registers with its home agent (draft §4.2,
§9.6): Router Advertisement on the foreign link, Binding Update (A, H) with Home Address option and
AH, proxy Neighbor Advertisement by the home agent on the home link, Binding Acknowledgement routed
to the home address with a type 0 Routing header, then a tunnelled packet from a correspondent.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mip6check.model.addr import ALL_NODES, a  # noqa: E402
from mip6check.model.codec import (  # noqa: E402
    AH,
    UDP,
    BindingAck,
    HomeAddress,
    IPv6Packet,
    NeighborAdvertisement,
    PrefixInfo,
    RouterAdvertisement,
    Routing0,
    SourceLLA,
    TargetLLA,
    bu,
    dest_options,
    encapsulate,
    encode_packet,
)
from mip6check.model.codec.link import encode_ethernet  # noqa: E402
from mip6check.model.codec.pcap import PcapngWriter  # noqa: E402

HA = a("2001:db8:1::1")
HOME = a("2001:db8:1::100")
COA = a("2001:db8:2::100")
ROUTER2 = a("fe80::2")
CN = a("2001:db8:3::5")
MAC_MN = bytes.fromhex("00005e005301")
MAC_HA = bytes.fromhex("00005e005302")
MAC_R2 = bytes.fromhex("00005e005303")
ICV = bytes(12)


def packets() -> list[tuple[str, int, bytes, bytes | None, IPv6Packet]]:
    """(link, time in microseconds, src MAC, dst MAC or None for multicast, packet)."""
    ra = IPv6Packet(
        ROUTER2,
        ALL_NODES,
        (),
        RouterAdvertisement(
            cur_hop_limit=64,
            router_lifetime=1800,
            options=(
                SourceLLA(MAC_R2),
                PrefixInfo(64, True, True, 2592000, 604800, a("2001:db8:2::")),
            ),
        ),
        hop_limit=255,
    )
    bu_pkt = IPv6Packet(
        COA,
        HA,
        (
            dest_options(bu(7, 60, a=True, h=True, id_length=64), HomeAddress(HOME)),
            AH(0x100, 1, ICV),
        ),
    )
    proxy_na = IPv6Packet(
        HA,
        ALL_NODES,
        (),
        NeighborAdvertisement(
            HOME, router=False, solicited=False, override=True, options=(TargetLLA(MAC_HA),)
        ),
        hop_limit=255,
    )
    ba_pkt = IPv6Packet(
        HA,
        COA,
        (Routing0(1, (HOME,)), dest_options(BindingAck(0, 7, 60, 60)), AH(0x200, 1, ICV)),
    )
    data = IPv6Packet(CN, HOME, (), UDP(5000, 7, b"hello"))
    tunnelled = encapsulate(data, HA, COA)
    return [
        ("foreign", 12_000_000, MAC_R2, None, ra),
        ("foreign", 12_000_250, MAC_MN, MAC_R2, bu_pkt),
        ("home", 12_000_900, MAC_HA, None, proxy_na),
        ("foreign", 12_001_200, MAC_R2, MAC_MN, ba_pkt),
        ("foreign", 13_000_000, MAC_R2, MAC_MN, tunnelled),
    ]


def write_home_registration(path: Path) -> None:
    with path.open("wb") as f:
        w = PcapngWriter(f)
        ifaces = {"foreign": w.add_interface("foreign"), "home": w.add_interface("home")}
        for link, t_us, src_mac, dst_mac, pkt in packets():
            frame = encode_ethernet(src_mac, dst_mac, encode_packet(pkt))
            w.write(ifaces[link], frame, time_us=t_us)


def main() -> None:
    out = ROOT / "traces" / "examples"
    out.mkdir(parents=True, exist_ok=True)
    write_home_registration(out / "home-registration.pcapng")
    print(f"wrote {out / 'home-registration.pcapng'}")


if __name__ == "__main__":
    main()
