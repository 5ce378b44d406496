"""Build the replay corpus traces/captures/*.pcapng and traces/captures/manifest.json.

Run from the repository root: `python tools/make_captures.py`. Deterministic (fixed addresses, fixed
timestamps, no clock): the committed files are reproduced byte for byte. Each capture is a hand-built
packet sequence (draft §4-§10) encoded with the shared codec and written with the pcapng writer; the
manifest gives the exact verdicts `mip6check replay` must reach: (property ID, packet number) pairs.

Three kinds: conforming runs (no violation), implementation faults (the violations listed), and partial
captures (cut at the start, one link only, packets missing) that must give no violation.
`convert-*` captures are new bytes generated from the shape of the shared draft-era captures
(../shared/traces): they are written only when those files are present (nothing is copied).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mip6check.model.addr import ALL_NODES, a, link_local, site_local  # noqa: E402
from mip6check.model.codec import (  # noqa: E402
    AH,
    DRAFT08,
    ESP,
    UDP,
    BindingAck,
    BindingRequest,
    DestUnreachable,
    HomeAddress,
    IPv6Packet,
    NeighborAdvertisement,
    NeighborSolicitation,
    NoNextHeader,
    ParamProblem,
    PrefixInfo,
    Profile,
    RouterAdvertisement,
    RouterSolicitation,
    Routing0,
    TargetLLA,
    UnknownOption,
    bu,
    dest_options,
    encapsulate,
    encode_packet,
    option_offset,
)
from mip6check.model.codec.link import encode_ethernet  # noqa: E402
from mip6check.model.codec.pcap import PcapngWriter, PcapWriter  # noqa: E402
from mip6check.model.codec.values import DRAFT04, EchoReply, EchoRequest, Raw, Upper  # noqa: E402
from mip6check.model.roles import ah as ahmod  # noqa: E402

OUT = ROOT / "traces" / "captures"
SHARED = ROOT.parent / "shared" / "traces"

HA = a("2001:db8:1::1")
HA2 = a("2001:db8:1::2")
HOME = a("2001:db8:1::100")
COA1 = a("2001:db8:2::100")
COA2 = a("2001:db8:3::100")
CN = a("2001:db8:4::5")
CN2 = a("2001:db8:5::7")
ROUTER_HOME = a("2001:db8:1::fe")
PREV_RTR = a("2001:db8:2::1")
OFFLINK_HOME = a("2001:db8:9::100")
ANYCAST = a("2001:db8:1:0:fdff:ffff:ffff:fffe")
MAC = bytes.fromhex("00005e005301")
MAC_PEER = bytes.fromhex("00005e005302")
ICV = bytes(12)
SA_KEY = bytes.fromhex("6d69703663686563b16b657930303031aabbccdd")
T0 = 1_000_000  # ms: captures start at t = 1000 s


@dataclass
class Capture:
    """One corpus entry: packets at millisecond times, the expected verdicts and replay arguments."""

    name: str
    kind: str  # conforming | fault | partial | convert
    description: str
    packets: list[tuple[int, IPv6Packet]] = field(default_factory=list)
    expected: list[tuple[str, int]] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    pcap: bool = False  # classic pcap, LINKTYPE_IPV6, instead of pcapng/Ethernet

    def at(self, t_ms: int, pkt: IPv6Packet) -> int:
        self.packets.append((t_ms, pkt))
        return len(self.packets)

    def expect(self, pid: str, index: int) -> None:
        self.expected.append((pid, index))


# ------------------------------------------------------------------ packet builders (draft §5, §7.9, §8.4)


def bu_pkt(
    src: bytes,
    dst: bytes,
    seq: int,
    lifetime: int,
    *,
    home: bytes = HOME,
    h: bool = False,
    a_bit: bool = True,
    care_of: bytes | None = None,
    id_length: int | None = None,
    auth: str = "ah",
    hao: bool = True,
    profile: Profile = DRAFT04,
    rh_home: bool = False,
) -> IPv6Packet:
    idl = (64 if h else 0) if id_length is None else id_length
    opts = [bu(seq, lifetime, a=a_bit, h=h, care_of=care_of, id_length=idl, profile=profile)]
    if hao:
        opts.append(HomeAddress(home, b"", profile.hao))
    hs: list = []
    if rh_home:
        hs.append(Routing0(1, (home,)))
    if auth == "ah":
        hs.append(AH(0x100, seq, ICV))
    hs.append(dest_options(*opts))
    payload: Upper = NoNextHeader()
    if auth == "esp":
        payload = ESP(0x300, seq, bytes(24))
        return IPv6Packet(src, dst, (dest_options(*opts),), payload)
    return IPv6Packet(src, dst, tuple(hs), payload)


def ba_pkt(
    src: bytes,
    coa: bytes,
    seq: int,
    status: int = 0,
    lifetime: int = 60,
    *,
    home: bytes = HOME,
    rh: bool = True,
    auth: bool = True,
    payload: Upper | None = None,
    profile: Profile = DRAFT04,
) -> IPv6Packet:
    hs: list = []
    dst = coa
    if rh and coa != home:
        hs.append(Routing0(1, (home,)))
    elif not rh:
        dst = coa
    if auth:
        hs.append(AH(0x200, seq, ICV))
    hs.append(dest_options(BindingAck(status, seq, lifetime, lifetime, b"", profile.ba)))
    return IPv6Packet(src, dst, tuple(hs), payload if payload is not None else NoNextHeader())


def br_pkt(src: bytes, coa: bytes, *, home: bytes = HOME, ext: bytes = b"") -> IPv6Packet:
    return IPv6Packet(
        src, coa, (Routing0(1, (home,)), AH(0x400, 1, ICV), dest_options(BindingRequest(ext)))
    )


def udp(src: bytes, dst: bytes, n: int, *, hao: bytes | None = None) -> IPv6Packet:
    hs = (dest_options(HomeAddress(hao)),) if hao is not None else ()
    return IPv6Packet(src, dst, hs, UDP(5000, 7, f"payload {n}".encode()))


def rh_udp(src: bytes, coa: bytes, n: int, *, home: bytes = HOME) -> IPv6Packet:
    return IPv6Packet(src, coa, (Routing0(1, (home,)),), UDP(7, 5000, f"reply {n}".encode()))


def na(
    src: bytes, target: bytes, *, s: bool = False, o: bool = True, dst: bytes = ALL_NODES
) -> IPv6Packet:
    return IPv6Packet(
        src, dst, (), NeighborAdvertisement(target, False, s, o, (TargetLLA(MAC),)), hop_limit=255
    )


def ns(src: bytes, target: bytes) -> IPv6Packet:
    sol = bytes.fromhex("ff0200000000000000000001ff") + target[13:]
    return IPv6Packet(src, sol, (), NeighborSolicitation(target), hop_limit=255)


def ra(src: bytes, prefix: bytes) -> IPv6Packet:
    return IPv6Packet(
        src,
        ALL_NODES,
        (),
        RouterAdvertisement(options=(PrefixInfo(64, True, True, 2592000, 604800, prefix),)),
        hop_limit=255,
    )


def ha_nas(c: Capture, t: int) -> None:
    """§8.2: the home agent's unsolicited advertisements for a home registration with ID Length 64:
    the home address, and the link-local and site-local addresses it covers."""
    for target in (HOME, link_local(HOME), site_local(HOME)):
        c.at(t, na(HA, target))


def signed(pkt: IPv6Packet, key: bytes = SA_KEY) -> IPv6Packet:
    return ahmod.sign(pkt, key, encode_packet)


# ------------------------------------------------------------------ scenarios

CAPTURES: list[Capture] = []


def capture(
    kind: str, description: str, **kw: object
) -> Callable[[Callable[[Capture], None]], None]:
    def deco(fn: Callable[[Capture], None]) -> None:
        c = Capture(fn.__name__.replace("_", "-"), kind, description, **kw)  # type: ignore[arg-type]
        fn(c)
        CAPTURES.append(c)

    return deco


def registration(c: Capture, t: int, seq: int = 7, coa: bytes = COA1, lifetime: int = 60) -> int:
    """A home registration (§9.4) and its acknowledgement (§8.2, §7.5); returns the BA's index."""
    c.at(t, bu_pkt(coa, HA, seq, lifetime, h=True))
    return c.at(t + 2, ba_pkt(HA, coa, seq, lifetime=lifetime))


def route_opt(
    c: Capture, t: int, seq: int = 1, coa: bytes = COA1, lifetime: int = 60, cn: bytes = CN
) -> int:
    """A Binding Update to a correspondent (§9.5) and its acknowledgement (§7.5)."""
    c.at(t, bu_pkt(coa, cn, seq, lifetime))
    return c.at(t + 3, ba_pkt(cn, coa, seq, lifetime=lifetime))


# --- conforming runs


@capture(
    "conforming",
    "home registration, gratuitous NA, interception and tunnel, BU to the correspondent",
)
def home_registration(c: Capture) -> None:
    c.at(0, ra(PREV_RTR, a("2001:db8:2::")))
    registration(c, 100)
    c.at(110, na(HA, HOME))
    c.at(110, na(HA, link_local(HOME)))
    c.at(500, udp(CN, HOME, 1))
    c.at(501, encapsulate(udp(CN, HOME, 1), HA, COA1))
    c.at(900, bu_pkt(COA1, CN, 1, 60))
    c.at(903, ba_pkt(CN, COA1, 1))
    c.at(1500, rh_udp(CN, COA1, 2))
    c.at(1600, udp(COA1, CN, 3, hao=HOME))


@capture(
    "conforming", "handoff: new care-of address registered, previous-router BU, tunnel follows"
)
def handoff(c: Capture) -> None:
    registration(c, 0, seq=7)
    c.at(1000, encapsulate(udp(CN, HOME, 1), HA, COA1))
    route_opt(c, 1500, seq=1)
    registration(c, 20_000, seq=8, coa=COA2)
    c.at(20_100, bu_pkt(COA2, PREV_RTR, 1, 30, home=COA1, h=True, care_of=COA2, id_length=0))
    route_opt(c, 20_200, seq=2, coa=COA2)
    c.at(21_000, rh_udp(CN, COA2, 2))


@capture("conforming", "return home: de-registration (H, A, care-of = home) and unsolicited NAs")
def return_home(c: Capture) -> None:
    registration(c, 0, seq=3)
    c.at(30_000, bu_pkt(HOME, HA, 4, 0, h=True))
    c.at(30_002, ba_pkt(HA, HOME, 4, lifetime=0))
    c.at(30_010, na(HOME, HOME))
    c.at(30_011, na(link_local(HOME), link_local(HOME)))
    c.at(31_000, udp(CN, HOME, 1))


@capture(
    "conforming", "route optimisation with a correspondent: BU, BA, Routing-header traffic, refresh"
)
def cn_route_opt(c: Capture) -> None:
    registration(c, 0)
    route_opt(c, 2000, seq=1, lifetime=20)
    for i in range(5):
        c.at(3000 + 1000 * i, rh_udp(CN, COA1, i))
    route_opt(c, 15_000, seq=2, lifetime=20)
    c.at(30_000, rh_udp(CN, COA1, 9))


@capture("conforming", "Binding Request from the correspondent answered with a Binding Update")
def br_refresh(c: Capture) -> None:
    route_opt(c, 0, seq=5, lifetime=30)
    c.at(20_000, br_pkt(CN, COA1))
    c.at(20_400, bu_pkt(COA1, CN, 6, 30))
    c.at(20_403, ba_pkt(CN, COA1, 6, lifetime=30))
    c.at(25_000, udp(COA1, CN, 1, hao=HOME))


@capture(
    "conforming", "dynamic home agent discovery: BU to the anycast address, Status 135 from unicast"
)
def dhaad(c: Capture) -> None:
    c.at(0, bu_pkt(COA1, ANYCAST, 1, 60, h=True))
    c.at(5, ba_pkt(HA, COA1, 1, status=135, lifetime=0))
    c.at(1500, bu_pkt(COA1, HA, 2, 60, h=True))
    c.at(1502, ba_pkt(HA, COA1, 2))


@capture("conforming", "no acknowledgement for a while: retransmissions at 1, 2, 4 s, then the BA")
def retx_backoff(c: Capture) -> None:
    for t in (0, 1000, 3000, 7000):
        c.at(t, bu_pkt(COA1, HA, 11, 60, h=True))
    c.at(7003, ba_pkt(HA, COA1, 11))


@capture(
    "fault",
    "home address off the home agent's link: the home agent answers Status 133, no payload, via the "
    "care-of (conforming); the mobile node sent its home registration off its home subnet (§5.1)",
)
def reject_133(c: Capture) -> None:
    i = c.at(0, bu_pkt(COA1, HA, 1, 60, h=True, home=OFFLINK_HOME))
    c.expect("MN-HOMEREG-DEST", i)
    c.at(3, ba_pkt(HA, COA1, 1, status=133, lifetime=0, home=OFFLINK_HOME))


def pp2_about(b: IPv6Packet) -> ParamProblem:
    """The Parameter Problem code 2 a node without Mobile IPv6 sends about `b`: its Pointer at the
    Binding Update's Option Type octet (IPv6 §4.2)."""
    data = encode_packet(b)
    ptr = option_offset(data, DRAFT04.bu)
    assert ptr is not None
    return ParamProblem(2, ptr, data[:1232])


@capture(
    "conforming", "a correspondent without Mobile IPv6: Parameter Problem code 2; no more BUs to it"
)
def pp2_stop(c: Capture) -> None:
    registration(c, 0)
    b = bu_pkt(COA1, CN2, 1, 60)
    c.at(1000, b)
    c.at(1003, IPv6Packet(CN2, COA1, (), pp2_about(b)))
    c.at(2000, udp(COA1, CN2, 1, hao=HOME))
    c.at(9000, udp(COA1, CN2, 2, hao=HOME))


@capture(
    "conforming",
    "proxy Neighbor Discovery: the home agent answers a solicitation for the home address",
)
def proxy_ns(c: Capture) -> None:
    registration(c, 0)
    ha_nas(c, 10)
    c.at(5000, ns(ROUTER_HOME, HOME))
    c.at(5001, na(HA, HOME, s=True, o=True, dst=ROUTER_HOME))
    c.at(7000, udp(HA, ROUTER_HOME, 1))


@capture("conforming", "Sequence Numbers wrap modulo 2^16 (65535 -> 0)")
def seq_wrap(c: Capture) -> None:
    route_opt(c, 0, seq=65534)
    route_opt(c, 10_000, seq=65535)
    route_opt(c, 20_000, seq=0)


@capture(
    "conforming",
    "KAME-era numbering (draft08 profile: BU 198, BA 7, HAO 201)",
    args=["--profile", "draft08"],
)
def draft08_registration(c: Capture) -> None:
    c.at(0, bu_pkt(COA1, HA, 7, 60, h=True, profile=DRAFT08))
    c.at(2, ba_pkt(HA, COA1, 7, profile=DRAFT08))
    c.at(900, encapsulate(udp(CN, HOME, 1), HA, COA1))


@capture("conforming", "Binding Update and Acknowledgement protected by ESP instead of AH")
def esp_auth(c: Capture) -> None:
    c.at(0, bu_pkt(COA1, HA, 7, 60, h=True, auth="esp"))
    c.at(2, ba_pkt(HA, COA1, 7))


@capture(
    "conforming",
    "AH ICVs (HMAC-SHA1-96) verified with --sa keys",
    args=["--sa", "sa-keys.toml", "--auth", "verify"],
)
def sa_verified(c: Capture) -> None:
    c.at(0, signed(bu_pkt(COA1, HA, 7, 60, h=True)))
    c.at(2, signed(ba_pkt(HA, COA1, 7)))


@capture("conforming", "classic pcap (LINKTYPE_IPV6) of a correspondent binding", pcap=True)
def pcap_cn(c: Capture) -> None:
    route_opt(c, 0, seq=40)
    c.at(1000, rh_udp(CN, COA1, 1))


# --- implementation faults


@capture("fault", "mobile node retransmits every second instead of doubling (§9.7)")
def mn_no_backoff(c: Capture) -> None:
    for t in (0, 1000, 2000, 3000):
        c.at(t, bu_pkt(COA1, HA, 20, 60, h=True))
    c.expect("MN-BACKOFF", 3)
    c.expect("MN-BACKOFF", 4)


@capture("fault", "mobile node retransmits with a new Sequence Number (§9.7)")
def mn_retx_new_seq(c: Capture) -> None:
    c.at(0, bu_pkt(COA1, HA, 7, 60, h=True))
    i = c.at(1000, bu_pkt(COA1, HA, 8, 60, h=True))
    c.at(1003, ba_pkt(HA, COA1, 8))
    c.expect("MN-RETX-SAME-SEQ", i)


@capture("fault", "two Binding Updates to one correspondent 300 ms apart (§9.8 MAX_UPDATE_RATE)")
def mn_rate_limit(c: Capture) -> None:
    c.at(0, bu_pkt(COA1, CN, 1, 60, a_bit=False))
    i = c.at(300, bu_pkt(COA2, CN, 2, 60, a_bit=False))
    c.expect("MN-RATE-LIMIT", i)


@capture("fault", "six BUs with one care-of address 1.5 s apart (§9.8 SLOW_UPDATE_RATE after 5)")
def mn_slow_rate(c: Capture) -> None:
    for k in range(6):
        i = c.at(1500 * k, bu_pkt(COA1, CN, 10 + k, 60, a_bit=False))
    c.expect("MN-SLOW-RATE", i)


@capture("fault", "home agent accepts a stale Sequence Number (9 after 10) (§7.2)")
def ha_accepts_stale(c: Capture) -> None:
    registration(c, 0, seq=10)
    i = c.at(1500, bu_pkt(COA2, HA, 9, 60, h=True))
    j = c.at(1502, ba_pkt(HA, COA2, 9))
    c.expect("MN-SEQ-INCREASE", i)
    c.expect("BC-SEQ-MONOTONIC", j)


@capture("fault", "home agent keeps tunnelling to the previous care-of address (§8.4)")
def ha_stale_coa(c: Capture) -> None:
    registration(c, 0, seq=1)
    c.at(5000, encapsulate(udp(CN, HOME, 1), HA, COA1))
    registration(c, 10_000, seq=2, coa=COA2)
    c.at(10_300, udp(CN, HOME, 2))
    i = c.at(10_301, encapsulate(udp(CN, HOME, 2), HA, COA1))
    c.expect("HA-TUNNEL", i)


@capture("fault", "correspondent keeps using a binding deleted by a Lifetime-0 BU (§7.4)")
def cn_deleted_binding(c: Capture) -> None:
    route_opt(c, 0, seq=1)
    c.at(1000, rh_udp(CN, COA1, 1))
    route_opt(c, 20_000, seq=2, lifetime=0)
    i = c.at(20_400, rh_udp(CN, COA1, 2))
    c.expect("BC-DELETE", i)


@capture("fault", "correspondent routes by a binding after its lifetime ran out (§4.3, §7.7)")
def cn_expired_binding(c: Capture) -> None:
    route_opt(c, 0, seq=1, lifetime=4)
    c.at(2000, rh_udp(CN, COA1, 1))
    i = c.at(9000, rh_udp(CN, COA1, 2))
    c.expect("BC-EXPIRE", i)


@capture("fault", "rejecting Binding Acknowledgement carried in a packet with a payload (§5.2)")
def reject_with_payload(c: Capture) -> None:
    c.expect("MN-HOMEREG-DEST", c.at(0, bu_pkt(COA1, HA, 1, 60, h=True, home=OFFLINK_HOME)))
    i = c.at(
        3,
        ba_pkt(
            HA,
            COA1,
            1,
            status=133,
            lifetime=0,
            home=OFFLINK_HOME,
            payload=UDP(7, 5000, b"piggyback"),
        ),
    )
    c.expect("W-BA-REJECT-NOPAYLOAD", i)


@capture("fault", "Binding Update without AH or ESP, accepted by the home agent (§4.2, §7.2)")
def bu_without_ah(c: Capture) -> None:
    i = c.at(0, bu_pkt(COA1, HA, 1, 60, h=True, auth="none"))
    j = c.at(3, ba_pkt(HA, COA1, 1))
    c.expect("W-BU-NEEDS-AUTH", i)
    c.expect("BC-STALE-IGNORED", j)


@capture("fault", "Binding Update without a Home Address option (§5.1)")
def bu_without_hao(c: Capture) -> None:
    i = c.at(0, bu_pkt(COA1, CN, 1, 60, hao=False))
    c.expect("W-BU-NEEDS-HAO", i)


@capture("fault", "Binding Acknowledgement sent without a Routing header (§5.2, §7.5)")
def ba_without_rh(c: Capture) -> None:
    c.at(0, bu_pkt(COA1, HA, 1, 60, h=True))
    i = c.at(3, ba_pkt(HA, COA1, 1, rh=False))
    c.expect("W-BA-VIA-RH", i)


@capture("fault", "Binding Acknowledgement with a Sequence Number no BU had (§5.2)")
def ba_wrong_seq(c: Capture) -> None:
    c.at(0, bu_pkt(COA1, HA, 5, 60, h=True))
    i = c.at(3, ba_pkt(HA, COA1, 6))
    c.expect("BC-BA-SEQ", i)


@capture("fault", "home agent accepts a home address that is not on its link (§8.2: Status 133)")
def ha_accepts_offlink(c: Capture) -> None:
    c.expect("MN-HOMEREG-DEST", c.at(0, bu_pkt(COA1, HA, 1, 60, h=True, home=OFFLINK_HOME)))
    i = c.at(3, ba_pkt(HA, COA1, 1, home=OFFLINK_HOME))
    c.expect("HA-NOT-HOME-133", i)


@capture(
    "fault",
    "home agent (64-bit identifiers, per the topology) accepts ID Length 48 (§8.2: Status 136)",
    args=["--topology", "ha-topology.toml"],
)
def ha_idlen(c: Capture) -> None:
    c.at(0, bu_pkt(COA1, HA, 1, 60, h=True, id_length=48))
    i = c.at(3, ba_pkt(HA, COA1, 1))
    c.expect("HA-IDLEN-136", i)


@capture("fault", "mobile node keeps sending BUs after Parameter Problem code 2 (§9.9)")
def mn_ignores_pp2(c: Capture) -> None:
    b = bu_pkt(COA1, CN2, 1, 60)
    c.at(0, b)
    c.at(3, IPv6Packet(CN2, COA1, (), pp2_about(b)))
    i = c.at(5000, bu_pkt(COA1, CN2, 2, 60))
    c.expect("MN-ICMP-PP2-STOP", i)


@capture("fault", "a router answers an ICMP error with another ICMP error (RFC 2463 §2.4 (e.1))")
def icmp_error_on_error(c: Capture) -> None:
    err = IPv6Packet(CN, COA1, (), DestUnreachable(3, encode_packet(udp(COA1, CN, 1))))
    c.at(0, err)
    i = c.at(2, IPv6Packet(a("2001:db8:4::fe"), CN, (), DestUnreachable(0, encode_packet(err))))
    c.expect("IPV6-NO-ERROR-ON-ERROR", i)


@capture("fault", "a node sends 101 ICMP errors within one second (RFC 2463 §2.4 (f))")
def icmp_rate(c: Capture) -> None:
    last = 0
    for n in range(101):
        bad = udp(CN2, CN, n)
        c.at(n * 5, bad)
        last = c.at(n * 5 + 1, IPv6Packet(CN, CN2, (), DestUnreachable(4, encode_packet(bad))))
    c.expect("IPV6-ICMP-RATE", last)


@capture(
    "fault",
    "an ICMP error carrying a whole 1300-octet packet, 1348 octets; then one cut to 1232, exactly"
    " 1280 (RFC 2463 §2.4 (c): at most the minimum IPv6 MTU)",
)
def icmp_error_too_long(c: Capture) -> None:
    bad = IPv6Packet(CN2, CN, (), Raw(253, bytes(1260)))  # 1300 octets, unknown Next Header
    c.at(0, bad)
    i = c.at(1, IPv6Packet(CN, CN2, (), ParamProblem(1, 6, encode_packet(bad))))
    c.expect("IPV6-ICMP-ERROR-SIZE", i)
    c.at(2000, bad)
    c.at(2001, IPv6Packet(CN, CN2, (), ParamProblem(1, 6, encode_packet(bad)[:1232])))


@capture("fault", "gratuitous Neighbor Advertisement with S = 1 and O = 0 (§8.2)")
def ha_bad_gratuitous_na(c: Capture) -> None:
    registration(c, 0)
    i = c.at(10, na(HA, HOME, s=True, o=False))
    c.expect("HA-GRATUITOUS-NA", i)


@capture("fault", "non-H Binding Update with a nonzero ID Length (§5.1)")
def bu_idlen_nonzero(c: Capture) -> None:
    i = c.at(0, bu_pkt(COA1, CN, 1, 60, id_length=64))
    c.at(3, ba_pkt(CN, COA1, 1))
    c.expect("W-BU-IDLEN-ZERO", i)


@capture("fault", "Binding Request with Option Length 2 (§5.3)")
def br_bad_length(c: Capture) -> None:
    i = c.at(0, br_pkt(CN, COA1, ext=b"\x00\x00"))
    c.at(300, bu_pkt(COA1, CN, 1, 60))
    c.expect("W-BR-LEN", i)


@capture("fault", "Binding Acknowledgement with Option Length 13 (§5.2, B13)")
def ba_bad_length(c: Capture) -> None:
    c.at(0, bu_pkt(COA1, HA, 7, 60, h=True))
    ba = BindingAck(0, 7, 60, 60, b"\x00\x00")
    i = c.at(3, IPv6Packet(HA, COA1, (Routing0(1, (HOME,)), AH(0x200, 7, ICV), dest_options(ba))))
    c.expect("W-BA-LEN", i)


@capture(
    "conforming",
    "home registration renewed before its granted Lifetime ends (§5.2), correspondent's Refresh = Lifetime",
)
def homereg_renewed(c: Capture) -> None:
    registration(c, 0, lifetime=10)
    c.at(5_000, udp(COA1, CN, 1, hao=HOME))
    route_opt(c, 6_000, seq=1, lifetime=30)
    registration(c, 9_000, seq=8, lifetime=10)
    c.at(12_000, udp(COA1, CN, 2, hao=HOME))
    registration(c, 18_000, seq=9, lifetime=10)
    c.at(25_000, udp(COA1, CN, 3, hao=HOME))


@capture(
    "fault",
    "mobile node keeps sending as its home address after the 10 s its home agent granted, not renewed (§5.2)",
)
def mn_homereg_lapsed(c: Capture) -> None:
    registration(c, 0, lifetime=10)
    c.at(5_000, udp(COA1, CN, 1, hao=HOME))
    i = c.at(12_000, udp(COA1, CN, 2, hao=HOME))
    c.at(13_000, udp(COA1, CN, 3, hao=HOME))
    c.expect("MN-HOMEREG-RENEW", i)
    c.expect("MN-REFRESH", i)  # the home agent's Refresh equals its Lifetime here


@capture("fault", "correspondent's Binding Acknowledgement with Refresh 10 s, Lifetime 30 s (§5.2)")
def cn_refresh_not_lifetime(c: Capture) -> None:
    registration(c, 0)
    c.at(1_000, bu_pkt(COA1, CN, 1, 30))
    ba = BindingAck(0, 1, 30, 10, b"", DRAFT04.ba)
    i = c.at(
        1_003, IPv6Packet(CN, COA1, (Routing0(1, (HOME,)), AH(0x200, 1, ICV), dest_options(ba)))
    )
    c.expect("BC-BA-REFRESH", i)


@capture(
    "fault",
    "Binding Updates naming a care-of address another mobile node sends its updates from, and a "
    "multicast one (§9.5)",
)
def mn_coa_not_in_use(c: Capture) -> None:
    other_home, other_coa = a("2001:db8:1::200"), a("2001:db8:2::200")
    c.at(0, bu_pkt(other_coa, CN, 1, 60, home=other_home))
    i = c.at(10, bu_pkt(COA1, HA, 7, 60, h=True, care_of=other_coa))
    c.expect("MN-COA-IN-USE", i)
    j = c.at(2_000, bu_pkt(COA1, CN, 1, 30, care_of=a("ff02::1")))
    c.expect("MN-COA-IN-USE", j)


@capture("fault", "home registration without the A bit (§9.4)")
def homereg_no_a(c: Capture) -> None:
    i = c.at(0, bu_pkt(COA1, HA, 1, 60, h=True, a_bit=False))
    c.expect("MN-HOMEREG-FORM", i)


@capture("fault", "Router Solicitation from the home address (§9.3)")
def rs_from_home(c: Capture) -> None:
    registration(c, 0)
    i = c.at(5000, IPv6Packet(HOME, a("ff02::2"), (), RouterSolicitation(), hop_limit=255))
    c.expect("W-AUTOCONF-LLSRC", i)


@capture(
    "fault",
    "home agent gets a Destination Unreachable for a packet it tunnelled and relays nothing to the "
    "correspondent (§7.8, RFC 2473 §8)",
)
def ha_no_icmp_relay(c: Capture) -> None:
    registration(c, 0)
    original = udp(CN, HOME, 1)
    tunnelled = encapsulate(original, HA, COA1)
    c.at(1_000, original)
    c.at(1_001, tunnelled)
    i = c.at(
        1_005, IPv6Packet(a("2001:db8:3::fe"), HA, (), DestUnreachable(3, encode_packet(tunnelled)))
    )
    j = c.at(7_000, encapsulate(udp(CN, HOME, 2), HA, COA1))
    c.expect("BC-TUNNEL-ICMP-RELAY", j)
    assert i < j


@capture(
    "fault",
    "mobile node answers the home agent's tunnel with Parameter Problem code 1 (§6: it MUST decapsulate)",
)
def mn_refuses_tunnel(c: Capture) -> None:
    registration(c, 0)
    tunnelled = encapsulate(udp(CN, HOME, 1), HA, COA1)
    c.at(1_000, udp(CN, HOME, 1))
    c.at(1_001, tunnelled)
    i = c.at(1_002, IPv6Packet(COA1, HA, (), ParamProblem(1, 6, encode_packet(tunnelled))))
    c.expect("MN-DECAP", i)


@capture("fault", "Router Solicitation from the care-of address (§9.3: link-local only)")
def rs_from_coa(c: Capture) -> None:
    registration(c, 0)
    i = c.at(5000, IPv6Packet(COA1, a("ff02::2"), (), RouterSolicitation(), hop_limit=255))
    c.expect("W-AUTOCONF-LLSRC", i)


@capture(
    "fault",
    "Binding Request answered with a Lifetime ending before the one already granted (§9.11)",
)
def mn_br_answer_shortens(c: Capture) -> None:
    route_opt(c, 0, seq=5, lifetime=60)
    c.at(20_000, br_pkt(CN, COA1))
    i = c.at(20_400, bu_pkt(COA1, CN, 6, 30))
    c.at(20_403, ba_pkt(CN, COA1, 6, lifetime=30))
    c.expect("MN-BR-LIFETIME", i)


@capture("fault", "home agent tunnels a packet for the mobile node's link-local address (§8.2)")
def ha_tunnels_link_local(c: Capture) -> None:
    registration(c, 0)
    i = c.at(1000, encapsulate(udp(ROUTER_HOME, link_local(HOME), 1), HA, COA1))
    c.expect("HA-LOCAL-SCOPE-DROP", i)


@capture("fault", "home agent still tunnels after an accepted de-registration (§8.3)")
def ha_after_dereg(c: Capture) -> None:
    registration(c, 0, seq=3)
    c.at(30_000, bu_pkt(HOME, HA, 4, 0, h=True))
    c.at(30_002, ba_pkt(HA, HOME, 4, lifetime=0))
    i = c.at(30_300, encapsulate(udp(CN, HOME, 1), HA, COA1))
    c.expect("HA-DEREG", i)


@capture("fault", "Router Advertisement tunnelled to the mobile node without authentication (§8.5)")
def ha_ra_unauth(c: Capture) -> None:
    registration(c, 0)
    i = c.at(4000, encapsulate(ra(HA, a("2001:db8:1::")), HA, COA1))
    c.expect("HA-RA-TUNNEL", i)


@capture("fault", "Binding Request left unanswered while the mobile node keeps sending (§9.11)")
def mn_ignores_br(c: Capture) -> None:
    route_opt(c, 0, seq=1, lifetime=30)
    c.at(20_000, br_pkt(CN, COA1))
    i = c.at(27_000, udp(COA1, CN, 1, hao=HOME))
    c.expect("MN-BR-ANSWER", i)


@capture("fault", "tunnelled packet from a correspondent does not trigger a Binding Update (§9.5)")
def mn_no_tunnel_bu(c: Capture) -> None:
    registration(c, 0)
    c.at(1000, encapsulate(udp(CN, HOME, 1), HA, COA1))
    i = c.at(8000, udp(COA1, CN, 2, hao=HOME))
    c.expect("MN-TUNNEL-TRIGGERS-BU", i)


@capture("fault", "mobile node retransmits after an accepted acknowledgement (§9.10)")
def mn_retx_after_ack(c: Capture) -> None:
    c.at(0, bu_pkt(COA1, HA, 7, 60, h=True))
    c.at(3, ba_pkt(HA, COA1, 7))
    i = c.at(1000, bu_pkt(COA1, HA, 7, 60, h=True))
    c.expect("MN-BA-ACCEPTED", i)


@capture("fault", "correspondent BU retransmitted after the timeout reached 256 s (§9.5, §9.7)")
def mn_cn_retx_forever(c: Capture) -> None:
    for t in (0, 1, 3, 7, 15, 31, 63, 127, 255, 511):
        i = c.at(t * 1000, bu_pkt(COA1, CN, 3, 600))
    c.expect("MN-CN-RETX-STOP", i)


@capture("fault", "home registration neither acknowledged nor retransmitted (§9.4)")
def mn_stops_home_retx(c: Capture) -> None:
    registration(c, 0, seq=1, lifetime=200)
    c.at(100_000, bu_pkt(COA1, HA, 2, 200, h=True))
    i = c.at(105_000, udp(COA1, CN, 1, hao=HOME))
    c.expect("MN-HOME-RETX", i)


@capture(
    "fault",
    "mobile node acts on a Binding Acknowledgement from a node it sent no Binding Update to: the "
    "home registration is no longer retransmitted (§9.10: sent to this destination address)",
)
def mn_accepts_ba_wrong_peer(c: Capture) -> None:
    registration(c, 0, seq=1, lifetime=200)
    c.at(100_000, bu_pkt(COA1, HA, 2, 200, h=True))
    c.at(100_300, ba_pkt(CN, COA1, 2, lifetime=200))
    i = c.at(105_000, udp(COA1, CN, 1, hao=HOME))
    c.expect("MN-BA-VALIDATE", i)


@capture(
    "conforming",
    "a Binding Acknowledgement from the wrong node is ignored: the home registration is "
    "retransmitted and acknowledged by the home agent",
)
def mn_ignores_ba_wrong_peer(c: Capture) -> None:
    registration(c, 0, seq=1, lifetime=200)
    c.at(100_000, bu_pkt(COA1, HA, 2, 200, h=True))
    c.at(100_300, ba_pkt(CN, COA1, 2, lifetime=200))
    c.at(101_000, bu_pkt(COA1, HA, 2, 200, h=True))
    c.at(101_002, ba_pkt(HA, COA1, 2, lifetime=200))
    c.at(105_000, udp(COA1, CN, 1, hao=HOME))


@capture(
    "fault",
    "correspondent routes by a binding after the lifetime its Binding Update requested (no "
    "acknowledgement asked for): the entry must be gone (§4.3, §7.3)",
)
def cn_uses_binding_past_request(c: Capture) -> None:
    registration(c, 0)
    c.at(1000, bu_pkt(COA1, CN, 1, 10, a_bit=False))
    c.at(5000, rh_udp(CN, COA1, 1))
    i = c.at(12_000, rh_udp(CN, COA1, 2))
    c.expect("BC-EXPIRE", i)


@capture(
    "fault",
    "correspondent grants 10 s of the 60 s requested, then routes by the binding at 20 s: the entry "
    "lives for the lifetime granted (§5.2)",
)
def cn_uses_binding_past_grant(c: Capture) -> None:
    registration(c, 0)
    c.at(1000, bu_pkt(COA1, CN, 1, 60))
    c.at(1003, ba_pkt(CN, COA1, 1, lifetime=10))
    c.at(5000, rh_udp(CN, COA1, 1))
    i = c.at(21_000, rh_udp(CN, COA1, 2))
    c.expect("BC-EXPIRE", i)


@capture(
    "fault",
    "home agent tunnels an intercepted packet with the correspondent's address as the outer source "
    "instead of its own (§8.4)",
)
def ha_tunnel_wrong_source(c: Capture) -> None:
    registration(c, 0)
    p = udp(CN, HOME, 1)
    c.at(1000, p)
    i = c.at(1001, encapsulate(p, CN, COA1))
    c.expect("HA-TUNNEL", i)


@capture(
    "fault",
    "mobile node back on the home link advertises its home address but never de-registers with "
    "its home agent (§9.13), though it keeps sending",
)
def mn_home_without_dereg(c: Capture) -> None:
    registration(c, 0, seq=3)
    c.at(30_010, na(HOME, HOME))
    c.at(30_011, na(link_local(HOME), link_local(HOME)))
    c.at(30_012, na(link_local(HOME), site_local(HOME)))
    c.at(31_000, udp(HOME, CN, 1))
    i = c.at(40_000, udp(HOME, CN, 2))
    c.expect("MN-RETURN-HOME", i)


@capture(
    "fault",
    "correspondent answers an Echo Request carrying a Home Address option at the care-of address: it "
    "did not process the option, so it had to discard the packet and return ICMP Parameter Problem "
    "code 2 (§5.1, §5.4)",
)
def cn_answers_hao_at_coa(c: Capture) -> None:
    q = IPv6Packet(COA1, CN, (dest_options(HomeAddress(HOME)),), EchoRequest(7, 1, b"ping"))
    c.at(0, q)
    i = c.at(20, IPv6Packet(CN, COA1, (), EchoReply(7, 1, b"ping")))
    c.expect("W-UNKNOWN-OPT-11X", i)


@capture(
    "conforming",
    "correspondent answers an Echo Request carrying a Home Address option at the home address",
)
def cn_answers_hao_at_home(c: Capture) -> None:
    q = IPv6Packet(COA1, CN, (dest_options(HomeAddress(HOME)),), EchoRequest(7, 1, b"ping"))
    c.at(0, q)
    c.at(20, IPv6Packet(CN, HOME, (), EchoReply(7, 1, b"ping")))


@capture(
    "conforming",
    "home agent multicasts its gratuitous Neighbor Advertisement as it accepts the home "
    "registration, before its Binding Acknowledgement (§8.2)",
)
def ha_na_before_ba(c: Capture) -> None:
    c.at(0, bu_pkt(COA1, HA, 7, 60, h=True))
    ha_nas(c, 1)
    c.at(2, ba_pkt(HA, COA1, 7, lifetime=60))
    c.at(6000, encapsulate(udp(CN, HOME, 1), HA, COA1))


@capture(
    "conforming",
    "home agent solicits the home address of a mobile node that is de-registering (§8.3), before "
    "its Binding Acknowledgement: no proxy answer is due",
)
def ha_ns_during_dereg(c: Capture) -> None:
    registration(c, 0, seq=3)
    ha_nas(c, 10)
    c.at(30_000, bu_pkt(HOME, HA, 4, 0, h=True))
    c.at(30_001, ns(link_local(HA), HOME))
    c.at(30_003, ba_pkt(HA, HOME, 4, lifetime=0))
    c.at(30_010, na(HOME, HOME))
    c.at(32_000, udp(HA, CN, 1))


@capture(
    "fault",
    "home agent intercepts a packet for the registered home address but never tunnels it, while "
    "its tunnels to the care-of address are seen before and after (§8.4)",
)
def ha_drops_intercepted(c: Capture) -> None:
    registration(c, 0)
    p1, p2, p3 = udp(CN, HOME, 1), udp(CN, HOME, 2), udp(CN, HOME, 3)
    c.at(500, p1)
    c.at(501, encapsulate(p1, HA, COA1))
    c.at(1000, p2)
    c.at(2500, p3)
    i = c.at(2501, encapsulate(p3, HA, COA1))
    c.expect("HA-TUNNEL", i)


@capture("fault", "Binding Update to the previous router without the H bit (§9.6)")
def prev_router_no_h(c: Capture) -> None:
    registration(c, 0, seq=1)
    registration(c, 10_000, seq=2, coa=COA2)
    i = c.at(10_100, bu_pkt(COA2, PREV_RTR, 1, 30, home=COA1, care_of=COA2))
    c.expect("MN-PREV-ROUTER-BU", i)


@capture(
    "fault", "new registration sent to a second home agent while the first is unexpired (§9.4)"
)
def mn_other_ha_first(c: Capture) -> None:
    registration(c, 0, seq=1, lifetime=600)
    i = c.at(10_000, bu_pkt(COA2, HA2, 2, 600, h=True))
    c.expect("MN-SAME-HA-FIRST", i)


@capture("fault", "home agent forwards an intercepted packet with a Routing header (§8.4)")
def ha_adds_rh(c: Capture) -> None:
    registration(c, 0)
    c.at(1000, udp(CN, HOME, 1))
    p = udp(CN, HOME, 1)
    i = c.at(1001, IPv6Packet(CN, COA1, (Routing0(1, (HOME,)),), p.payload))
    c.expect("HA-NO-RH-FOR-INTERCEPTED", i)


@capture("fault", "Home Address option with two octets of extension (Option Length 18; §5.4: 16)")
def hao_with_extension(c: Capture) -> None:
    p = udp(COA1, CN, 1)
    i = c.at(0, IPv6Packet(COA1, CN, (dest_options(HomeAddress(HOME, b"\x00\x00")),), p.payload))
    c.expect("W-HAO-LEN", i)


@capture(
    "conforming",
    "the correspondent sends one payload twice: to the home address (tunnelled), then with a Routing "
    "header after a Binding Update without the A bit (its own packet, not the home agent's copy)",
)
def cn_same_payload_after_ro(c: Capture) -> None:
    registration(c, 0)
    p = udp(CN, HOME, 1)
    c.at(1000, p)
    c.at(1001, encapsulate(p, HA, COA1))
    c.at(1200, bu_pkt(COA1, CN, 1, 60, a_bit=False))
    c.at(1500, IPv6Packet(CN, COA1, (Routing0(1, (HOME,)),), p.payload))


@capture(
    "fault",
    "home agent adds a Routing header to an intercepted packet for a correspondent whose binding "
    "the mobile node had deleted (Lifetime 0): the correspondent cannot have routed it itself (§8.4)",
)
def ha_adds_rh_after_cn_dereg(c: Capture) -> None:
    registration(c, 0)
    c.at(500, bu_pkt(COA1, CN, 1, 0, a_bit=False))
    p = udp(CN, HOME, 1)
    c.at(1000, p)
    i = c.at(1001, IPv6Packet(CN, COA1, (Routing0(1, (HOME,)),), p.payload, hop_limit=63))
    c.expect("HA-NO-RH-FOR-INTERCEPTED", i)


@capture(
    "fault",
    "bad AH ICV with --sa keys: the Binding Update is not authenticated",
    args=["--sa", "sa-keys.toml", "--auth", "verify"],
)
def sa_bad_icv(c: Capture) -> None:
    good = signed(bu_pkt(COA1, HA, 7, 60, h=True))
    bad = IPv6Packet(
        good.src,
        good.dst,
        tuple(AH(0x100, 7, bytes(12)) if isinstance(h, AH) else h for h in good.headers),
    )
    i = c.at(0, bad)
    c.expect("W-BU-NEEDS-AUTH", i)


@capture(
    "fault",
    "AH ICVs that leave the Home Address option out: computed with it zeroed (§4.2, §5.4), and before "
    "it was added (§9.1)",
    args=["--sa", "sa-keys.toml", "--auth", "verify"],
)
def hao_not_covered(c: Capture) -> None:
    c.at(0, signed(bu_pkt(COA1, HA, 7, 60, h=True)))
    c.at(2, signed(ba_pkt(HA, COA1, 7)))

    def sent(seq: int, icv: AH) -> IPv6Packet:
        return IPv6Packet(COA1, HA, (icv, dest_options(HomeAddress(HOME))), NoNextHeader())

    zeroed = IPv6Packet(
        COA1, HA, (AH(0x100, 8, ICV), dest_options(HomeAddress(bytes(16)))), NoNextHeader()
    )
    i = c.at(500, sent(8, signed(zeroed).headers[0]))  # type: ignore[arg-type]
    c.expect("W-HAO-AUTH-COVERED", i)
    before = IPv6Packet(HOME, HA, (AH(0x100, 9, ICV),), NoNextHeader())
    j = c.at(900, sent(9, signed(before).headers[0]))  # type: ignore[arg-type]
    c.expect("MN-HAO-BEFORE-IPSEC", j)


@capture(
    "fault", "Binding Update whose Option Length (6) is below the fixed part, acknowledged (§7.2)"
)
def bu_too_short(c: Capture) -> None:
    short = UnknownOption(DRAFT04.bu, bytes([0xC0, 64, 0, 5, 0, 0]))
    c.at(0, IPv6Packet(COA1, HA, (AH(0x100, 5, ICV), dest_options(short, HomeAddress(HOME)))))
    i = c.at(3, ba_pkt(HA, COA1, 5))
    c.expect("W-BU-MINLEN", i)


@capture(
    "fault", "mobile node acts on a too-short Binding Acknowledgement: retransmission stops (§9.10)"
)
def mn_accepts_short_ba(c: Capture) -> None:
    registration(c, 0, seq=1)
    c.at(10_000, bu_pkt(COA1, HA, 2, 60, h=True))
    short = UnknownOption(DRAFT04.ba, bytes([0, 0, 2, 0, 0, 0, 60, 0, 0]))
    c.at(
        10_003, IPv6Packet(HA, COA1, (Routing0(1, (HOME,)), AH(0x200, 2, ICV), dest_options(short)))
    )
    i = c.at(15_000, udp(COA1, CN, 1, hao=HOME))
    c.expect("W-BA-MINLEN", i)


@capture("fault", "mobile node acts on an unauthenticated Binding Acknowledgement (§9.10)")
def mn_accepts_unauth_ba(c: Capture) -> None:
    registration(c, 0, seq=1)
    c.at(10_000, bu_pkt(COA1, HA, 2, 60, h=True))
    j = c.at(10_003, ba_pkt(HA, COA1, 2, auth=False))
    i = c.at(15_000, udp(COA1, CN, 1, hao=HOME))
    c.expect("W-BA-NEEDS-AUTH", j)
    c.expect("MN-BA-VALIDATE", i)


@capture("fault", "mobile node retransmits after a rejecting acknowledgement (§9.10)")
def mn_retx_after_reject(c: Capture) -> None:
    c.expect("MN-HOMEREG-DEST", c.at(0, bu_pkt(COA1, HA, 1, 60, h=True, home=OFFLINK_HOME)))
    c.at(3, ba_pkt(HA, COA1, 1, status=133, lifetime=0, home=OFFLINK_HOME))
    i = c.at(1000, bu_pkt(COA1, HA, 1, 60, h=True, home=OFFLINK_HOME))
    c.expect("MN-BA-REJECTED", i)
    c.expect("MN-HOMEREG-DEST", i)


@capture("fault", "a Home Address option sent with action bits 010 instead of 110 (§5.4)")
def hao_wrong_action_bits(c: Capture) -> None:
    registration(c, 0)
    bad = UnknownOption(0x44, HOME)
    i = c.at(1000, IPv6Packet(COA1, CN, (dest_options(bad),), UDP(5000, 7, b"x")))
    c.expect("W-OPT-ACTION-BITS", i)


@capture(
    "fault",
    "Parameter Problem code 2 for an 11-type option in a packet to a multicast group (§5.1)",
)
def pp2_for_multicast(c: Capture) -> None:
    mc = IPv6Packet(
        COA1, a("ff02::1"), (dest_options(UnknownOption(0xC7, bytes(6))),), UDP(1, 2, b"")
    )
    c.at(0, mc)
    i = c.at(2, IPv6Packet(CN2, COA1, (), ParamProblem(2, 42, encode_packet(mc))))
    c.expect("W-UNKNOWN-OPT-11X", i)


@capture("fault", "correspondent routes by the Binding Update's source, not its C field (§7.3)")
def cn_ignores_c_field(c: Capture) -> None:
    c.at(0, bu_pkt(COA1, CN, 1, 60, care_of=COA2))
    c.at(3, ba_pkt(CN, COA2, 1))
    i = c.at(500, rh_udp(CN, COA1, 1))
    c.expect("BC-CREATE", i)


@capture("fault", "correspondent rejects a valid Binding Update with Status 130 (§7.5)")
def cn_bad_status(c: Capture) -> None:
    c.at(0, bu_pkt(COA1, CN, 1, 60))
    i = c.at(3, ba_pkt(CN, COA1, 1, status=130, lifetime=0))
    c.expect("BC-BA-STATUS", i)


@capture(
    "fault", "correspondent routes by two bindings but acknowledges neither Binding Update (§7.5)"
)
def cn_no_ba(c: Capture) -> None:
    c.at(0, bu_pkt(COA1, CN, 1, 60))
    c.at(200, rh_udp(CN, COA1, 1))
    c.at(1000, bu_pkt(COA1, CN, 1, 60))
    c.at(3000, bu_pkt(COA1, CN, 1, 60))
    c.at(20_000, bu_pkt(COA2, CN, 2, 60))
    c.at(20_200, rh_udp(CN, COA2, 2))
    i = c.at(23_000, rh_udp(CN, COA2, 3))
    c.expect("BC-BA-ON-A", i)


@capture(
    "partial", "the acknowledgement is missing from the capture; the receiver uses the binding"
)
def partial_ba_missing_binding_used(c: Capture) -> None:
    c.at(0, bu_pkt(COA1, CN, 1, 60))
    c.at(200, rh_udp(CN, COA1, 1))
    c.at(1000, bu_pkt(COA1, CN, 1, 60))
    c.at(3000, bu_pkt(COA1, CN, 1, 60))
    c.at(5000, rh_udp(CN, COA1, 2))


@capture("fault", "rejecting acknowledgement routed via the cached care-of address (§5.2)")
def reject_via_cache(c: Capture) -> None:
    route_opt(c, 0, seq=1)
    c.at(10_000, bu_pkt(COA2, CN, 2, 60))
    i = c.at(10_003, ba_pkt(CN, COA1, 2, status=131, lifetime=0))
    c.expect("BC-REJECT-NO-CACHE", i)


@capture("fault", "correspondent bypasses a binding it still holds, then uses it again (§7.9)")
def cn_skips_rh(c: Capture) -> None:
    route_opt(c, 0, seq=1)
    c.at(1000, rh_udp(CN, COA1, 1))
    c.at(2000, udp(CN, HOME, 2))
    i = c.at(3000, rh_udp(CN, COA1, 3))
    c.expect("BC-ROUTE-VIA-RH", i)


@capture("fault", "home agent rejects a valid home registration with Status 130, not 131 (§7.7)")
def ha_reject_130(c: Capture) -> None:
    c.at(0, bu_pkt(COA1, HA, 1, 60, h=True))
    i = c.at(3, ba_pkt(HA, COA1, 1, status=130, lifetime=0))
    c.expect("BC-HOMEREG-FULL-131", i)


@capture(
    "fault", "a node that answered 132 (no home agent) later accepts a home registration (§8.2)"
)
def not_ha_accepts(c: Capture) -> None:
    c.expect("MN-HOMEREG-DEST", c.at(0, bu_pkt(COA1, CN, 1, 60, h=True)))
    c.at(3, ba_pkt(CN, COA1, 1, status=132, lifetime=0))
    c.at(5000, bu_pkt(COA2, CN, 1, 60, h=True, home=a("2001:db8:4::200")))  # on CN's subnet
    i = c.at(5003, ba_pkt(CN, COA2, 1, home=a("2001:db8:4::200")))
    c.expect("HA-NOT-HA-132", i)


@capture(
    "fault", "BU to the Home-Agents anycast address accepted, and answered from the anycast (§8.1)"
)
def dhaad_accepted(c: Capture) -> None:
    c.at(0, bu_pkt(COA1, ANYCAST, 1, 60, h=True))
    i = c.at(5, ba_pkt(ANYCAST, COA1, 1))
    c.expect("HA-DHAAD-135", i)


@capture(
    "fault",
    "home agent does not answer a Neighbor Solicitation for a registered home address (§8.2)",
)
def ha_no_proxy(c: Capture) -> None:
    registration(c, 0)
    ha_nas(c, 10)
    c.at(5000, ns(ROUTER_HOME, HOME))
    i = c.at(7000, encapsulate(udp(CN, HOME, 1), HA, COA1))
    c.at(7500, bu_pkt(COA1, CN, 1, 60))
    c.expect("HA-PROXY-NS", i)


@capture("fault", "no gratuitous Neighbor Advertisement after a new home registration (§8.2)")
def ha_no_gratuitous_na(c: Capture) -> None:
    c.at(0, na(HA, a("2001:db8:1::200")))
    registration(c, 1000)
    i = c.at(8000, encapsulate(udp(CN, HOME, 1), HA, COA1))
    c.at(8500, bu_pkt(COA1, CN, 1, 60))
    c.expect("HA-GRATUITOUS-NA", i)


@capture("fault", "back home, the unsolicited NA for the home address has S = 1 (§9.13)")
def return_home_bad_na(c: Capture) -> None:
    registration(c, 0, seq=3)
    c.at(30_000, bu_pkt(HOME, HA, 4, 0, h=True))
    c.at(30_002, ba_pkt(HA, HOME, 4, lifetime=0))
    i = c.at(30_010, na(HOME, HOME, s=True))
    c.expect("MN-RETURN-HOME", i)


@capture("fault", "away from home, a packet leaves with the home address as source (§6, §9.1)")
def mn_home_source_away(c: Capture) -> None:
    registration(c, 0)
    i = c.at(2000, udp(HOME, CN, 1))
    c.expect("MN-HAO-OUT", i)


@capture(
    "fault", "multicast reverse-tunnelled to the home agent with the care-of inner source (§10)"
)
def mn_mcast_coa_source(c: Capture) -> None:
    registration(c, 0)
    i = c.at(2000, encapsulate(udp(COA1, a("ff0e::101"), 1), COA1, HA))
    c.expect("MN-MCAST-INNER-SRC", i)


@capture("fault", "correspondent routes by a care-of address it learnt only from a HAO (§5.4)")
def cn_binding_from_hao(c: Capture) -> None:
    c.at(0, udp(COA1, CN, 1, hao=HOME))
    c.at(100, udp(CN, HOME, 2))
    i = c.at(1000, rh_udp(CN, COA1, 3))
    c.expect("BC-HAO-NO-STATE", i)


@capture("fault", "correspondent keeps a binding despite persistent Destination Unreachable (§7.8)")
def cn_ignores_unreach(c: Capture) -> None:
    route_opt(c, 0, seq=1)
    for k in range(3):
        p = rh_udp(CN, COA1, k)
        c.at(1000 + 1000 * k, p)
        c.at(1001 + 1000 * k, IPv6Packet(PREV_RTR, CN, (), DestUnreachable(3, encode_packet(p))))
    i = c.at(5000, rh_udp(CN, COA1, 9))
    c.expect("BC-ICMP-UNREACH", i)


@capture("fault", "home agent and previous router tunnel one packet to each other (§8.4, §9.6)")
def tunnel_loop(c: Capture) -> None:
    registration(c, 0, coa=COA1)
    inner = udp(CN, HOME, 1)
    c.at(1000, encapsulate(inner, HA, COA1))
    i = c.at(1001, encapsulate(inner, COA1, HA))
    c.expect("SYS-NO-LOOP", i)


def esp_null(src: bytes, dst: bytes, inner_header: object, spi: int, seq: int) -> IPv6Packet:
    """ESP with NULL encryption (RFC 2410) and an HMAC-SHA1-96 ICV carrying one extension header."""
    import hashlib
    import hmac
    import struct

    whole = encode_packet(IPv6Packet(src, dst, (inner_header,), NoNextHeader()))  # type: ignore[arg-type]
    body = whole[40:]  # the header, Next Header 59
    pad = (-(len(body) + 2)) % 4
    body += bytes(range(1, pad + 1)) + bytes([pad, 60])
    icv = hmac.new(SA_KEY, struct.pack("!II", spi, seq) + body, hashlib.sha1).digest()[:12]
    return IPv6Packet(src, dst, (), ESP(spi, seq, body + icv))


@capture(
    "fault",
    "ESP-NULL opened with --sa: the home registration inside lacks the A bit (§9.4)",
    args=["--sa", "sa-keys.toml"],
)
def esp_null_opened(c: Capture) -> None:
    opts = dest_options(bu(9, 60, a=False, h=True, id_length=64), HomeAddress(HOME))
    i = c.at(0, esp_null(COA1, HA, opts, 0x500, 1))
    c.expect("MN-HOMEREG-FORM", i)


@capture(
    "fault",
    "BUs to two destinations 200 ms apart under --rate-scope aggregate (§9.8, C12)",
    args=["--rate-scope", "aggregate"],
)
def mn_rate_aggregate(c: Capture) -> None:
    registration(c, 0)
    c.at(5000, bu_pkt(COA1, CN, 1, 60))
    i = c.at(5200, bu_pkt(COA1, CN2, 1, 60))
    c.expect("MN-RATE-LIMIT", i)


@capture(
    "fault", "home agent resolves a registered home address itself: the entry was evicted (§7.7)"
)
def ha_evicts_home_reg(c: Capture) -> None:
    registration(c, 0, lifetime=600)
    c.at(10, na(HA, HOME))
    c.at(5000, udp(CN, HOME, 1))
    i = c.at(5001, ns(HA, HOME))
    c.expect("BC-HOMEREG-NOEVICT", i)


# --- partial captures: no violation


@capture(
    "partial",
    "cut at the start: acknowledgement and traffic of an unseen registration, then a refresh",
)
def partial_cut_start(c: Capture) -> None:
    c.at(0, ba_pkt(HA, COA1, 12))
    c.at(500, encapsulate(udp(CN, HOME, 1), HA, COA1))
    c.at(800, rh_udp(CN2, COA1, 1))
    c.at(2000, bu_pkt(COA1, HA, 13, 60, h=True))
    c.at(2002, ba_pkt(HA, COA1, 13))
    c.at(4000, rh_udp(CN2, COA1, 2))


@capture(
    "partial",
    "home link only: interception, tunnels, gratuitous and proxy NAs; no signalling visible",
)
def partial_home_link(c: Capture) -> None:
    c.at(0, na(HA, HOME))
    c.at(1000, udp(CN, HOME, 1))
    c.at(1001, encapsulate(udp(CN, HOME, 1), HA, COA1))
    c.at(2000, ns(ROUTER_HOME, HOME))
    c.at(2001, na(HA, HOME, s=True, dst=ROUTER_HOME))
    c.at(9000, encapsulate(udp(CN, HOME, 2), HA, COA2))


@capture(
    "partial", "foreign link only, with a lost acknowledgement and a missing retransmission copy"
)
def partial_missing_packets(c: Capture) -> None:
    c.at(0, bu_pkt(COA1, HA, 30, 60, h=True))
    # the BA for seq 30 and the retransmission at 1 s are missing from the capture
    c.at(3000, bu_pkt(COA1, HA, 30, 60, h=True))
    c.at(3003, ba_pkt(HA, COA1, 30))
    c.at(4000, encapsulate(udp(CN, HOME, 1), HA, COA1))
    c.at(4600, bu_pkt(COA1, CN, 3, 60))
    # the BA from the correspondent is missing; the next BU jumps two numbers
    c.at(40_000, bu_pkt(COA1, CN, 6, 60))
    c.at(40_003, ba_pkt(CN, COA1, 6))
    c.at(41_000, rh_udp(CN, COA1, 1))


@capture("partial", "missing packets on a handoff: the BA for the new care-of is not captured")
def partial_handoff_gap(c: Capture) -> None:
    registration(c, 0, seq=7)
    c.at(20_000, bu_pkt(COA2, HA, 9, 60, h=True))  # seq 8 is missing too
    c.at(21_000, encapsulate(udp(CN, HOME, 1), HA, COA2))
    c.at(22_000, udp(COA2, CN, 1, hao=HOME))


@capture(
    "partial", "capture starts in the middle of a back-off: first copy seen is already the third"
)
def partial_mid_backoff(c: Capture) -> None:
    for t in (0, 4000, 12_000):
        c.at(t, bu_pkt(COA1, HA, 50, 60, h=True))
    c.at(12_002, ba_pkt(HA, COA1, 50))


@capture(
    "conforming", "a tunnelled packet arrives while the BU to its sender is still unanswered (§9.5)"
)
def cn_binding_race(c: Capture) -> None:
    registration(c, 0)
    c.at(2000, bu_pkt(COA1, CN, 1, 60))
    c.at(2040, encapsulate(udp(CN, HOME, 1), HA, COA1))
    c.at(2060, ba_pkt(CN, COA1, 1))
    c.at(3000, rh_udp(CN, COA1, 2))
    c.at(9000, udp(COA1, CN, 3, hao=HOME))


@capture(
    "partial", "acknowledgement of a refresh missing; the next refresh comes at half the lifetime"
)
def partial_missing_ba_refresh(c: Capture) -> None:
    route_opt(c, 0, seq=100, lifetime=40)
    c.at(20_000, bu_pkt(COA1, CN, 101, 40, a_bit=False))
    c.at(21_000, rh_udp(CN, COA1, 1))
    c.at(40_000, bu_pkt(COA1, CN, 102, 40))
    c.at(40_003, ba_pkt(CN, COA1, 102, lifetime=40))


# ------------------------------------------------------------------ conversions of shared captures
# New bytes in the draft's formats, following the packet sequence of a shared capture: RFC 3775
# Mobility Header BU/BA become draft-04 options (Lifetime units of 4 s become seconds), type 2 Routing
# headers become type 0, Home Address option 201 becomes 196; every other packet is re-encoded as
# decoded. Only written when ../shared/traces is present.


def _records(path: Path) -> list[tuple[int, IPv6Packet]]:
    from mip6check.model.codec import decode_partial
    from mip6check.model.codec.link import decode_link
    from mip6check.model.codec.pcap import Record, iter_file

    out: list[tuple[int, IPv6Packet]] = []
    for r in iter_file(str(path)):
        if not isinstance(r, Record):
            continue
        link = decode_link(r.linktype, r.data)
        if link.ipv6_offset is None:
            continue
        pkt, err = decode_partial(r.data[link.ipv6_offset :])
        if pkt is not None:
            out.append((r.time_ns // 1_000_000, pkt))
    return out


def _to_draft(pkt: IPv6Packet) -> IPv6Packet:
    """One packet mapped to the draft-04 formats (see above)."""
    from dataclasses import replace

    from mip6check.model.codec import MobilityHeader, Routing2

    hs = []
    for h in pkt.headers:
        if isinstance(h, Routing2):
            hs.append(Routing0(h.segments_left, (h.home_address,)))
        elif hasattr(h, "options"):
            opts = tuple(
                HomeAddress(o.home_address, o.ext, DRAFT04.hao) if isinstance(o, HomeAddress) else o
                for o in h.options
            )
            hs.append(replace(h, options=opts))
        else:
            hs.append(h)
    up = pkt.payload
    if isinstance(up, IPv6Packet):
        return replace(pkt, headers=tuple(hs), payload=_to_draft(up))
    if isinstance(up, MobilityHeader) and up.mh_type in (5, 6):
        f = dict(up.fields)
        trailing = f.get("trailing", b"")
        assert isinstance(trailing, bytes)
        if up.mh_type == 5:  # BU: ns-3 put the Home Address destination option after the MH
            home = trailing[4:20] if len(trailing) >= 20 else pkt.src
            opt = bu(
                int(f["seq"]),
                int(f["lifetime"]) * 4,
                a=bool(f["a"]),
                h=bool(f["h"]),
                id_length=64 if f["h"] else 0,
            )
            return IPv6Packet(
                pkt.src,
                pkt.dst,
                (*hs, dest_options(opt, HomeAddress(home))),
                NoNextHeader(),
                pkt.hop_limit,
            )
        home = trailing[8:24] if len(trailing) >= 24 else pkt.dst  # BA: the type 2 RH after the MH
        ba = BindingAck(
            int(f["status"]), int(f["seq"]), int(f["lifetime"]) * 4, int(f["lifetime"]) * 4
        )
        return IPv6Packet(
            pkt.src,
            pkt.dst,
            (*hs, Routing0(1, (home,)), dest_options(ba)),
            NoNextHeader(),
            pkt.hop_limit,
        )
    return replace(pkt, headers=tuple(hs))


def _convert(
    name: str, description: str, sources: list[str], expected: list[tuple[str, int]]
) -> None:
    paths = [SHARED / s for s in sources]
    if not all(p.is_file() for p in paths):
        return
    c = Capture(name, "convert", description)
    t_base = None
    for p in paths:
        for t, pkt in _records(p):
            t_base = t if t_base is None else t_base
            c.at(max(0, t - t_base) if len(paths) == 1 else 10 * len(c.packets), _to_draft(pkt))
    c.expected.extend(expected)
    CAPTURES.append(c)


def conversions() -> None:
    _convert(
        "convert-ns3-home-registration",
        "ns-3 MIPv6 model, mobile node view (ns3-mipv6-manoj24rana/prefix4-n4-i1.pcap) in draft-04 "
        "formats: its signalling carries no AH/ESP, and the home agent accepts it anyway",
        ["ns3-mipv6-manoj24rana/prefix4-n4-i1.pcap"],
        [("W-BU-NEEDS-AUTH", 6), ("W-BA-NEEDS-AUTH", 9), ("BC-STALE-IGNORED", 9)],
    )
    _convert(
        "convert-ns3-home-agent-view",
        "ns-3 MIPv6 model, home agent view (prefix4-n6-i1.pcap) in draft-04 formats",
        ["ns3-mipv6-manoj24rana/prefix4-n6-i1.pcap"],
        [("W-BU-NEEDS-AUTH", 6), ("W-BA-NEEDS-AUTH", 7), ("BC-STALE-IGNORED", 7)],
    )
    _convert(
        "convert-zeek-hao-rh-tunnel",
        "Zeek's Home Address option, type 2 Routing header and 6in6 captures as draft-04 HAO, "
        "type 0 Routing header and tunnel packets",
        [
            "zeek/Traces/mobile-ipv6/ipv6-mobile-hoa.pcap",
            "zeek/Traces/mobile-ipv6/ipv6-mobile-routing.pcap",
            "zeek/Traces/tunnels/6in6.pcap",
            "zeek/Traces/tunnels/6in6in6.pcap",
        ],
        [],
    )


# ------------------------------------------------------------------ simulations of the scenario corpus
# Every traces/scenarios/*.scenario run through the forwarding engine (model.dsl + model.net), every
# link captured in one pcapng (so each packet appears once per link it crosses). Scenarios 15 and 17
# inject forged and replayed signalling; 15 is replayed with its key so that forgeries show.

SIM_EXPECTED: dict[str, list[tuple[str, int]]] = {
    "15-forged-bu-ignored": [
        ("W-BU-NEEDS-AUTH", 42),
        ("W-BU-NEEDS-AUTH", 45),
        ("W-BU-NEEDS-AUTH", 48),
    ],
}
SIM_ARGS: dict[str, list[str]] = {
    "15-forged-bu-ignored": ["--sa", "sim-keys.toml", "--auth", "verify"]
}


def simulations() -> list[dict[str, object]]:
    import io

    from mip6check.model.dsl import parse_scenario
    from mip6check.model.dsl.build import run_scenario

    (OUT / "sim-keys.toml").write_text(
        '# Key of scenario 15 (`key MN HA "s3cret"`), for both home agent addresses\n'
        + "".join(
            f'[[sa]]\nsrc = "2001:db8:1::100"\ndst = "{d}"\nalgorithm = "hmac-sha1-96"\n'
            f'key = "{b"s3cret".hex()}"\n'
            for d in ("2001:db8:1::1", "2001:db8:3::1")
        ),
        encoding="utf-8",
    )
    entries: list[dict[str, object]] = []
    for sc in sorted((ROOT / "traces" / "scenarios").glob("*.scenario")):
        buf = io.BytesIO()
        run_scenario(parse_scenario(sc.read_text(encoding="utf-8"), sc.name), capture=buf)
        name = f"sim-{sc.stem}.pcapng"
        (OUT / name).write_bytes(buf.getvalue())
        from mip6check.model.codec.pcap import iter_file

        n = sum(1 for _ in iter_file(str(OUT / name)))
        exp = SIM_EXPECTED.get(sc.stem, [])
        entries.append(
            {
                "file": name,
                "kind": "simulated",
                "description": f"forwarding-engine run of traces/scenarios/{sc.name}",
                "args": SIM_ARGS.get(sc.stem, []),
                "packets": n,
                "expected": [
                    {"property": p, "packet": i} for p, i in sorted(exp, key=lambda x: (x[1], x[0]))
                ],
            }
        )
    return entries


def write(c: Capture) -> None:
    path = OUT / f"{c.name}.{'pcap' if c.pcap else 'pcapng'}"
    with path.open("wb") as f:
        if c.pcap:
            w = PcapWriter(f, linktype=229)
            for t, pkt in c.packets:
                w.write(encode_packet(pkt), time_ms=T0 + t)
        else:
            g = PcapngWriter(f, application="mip6check tools/make_captures.py")
            iface = g.add_interface(c.name)
            for t, pkt in c.packets:
                raw = encode_packet(pkt)
                dst_mac = None if pkt.dst[0] == 0xFF else MAC_PEER
                g.write(iface, encode_ethernet(MAC, dst_mac, raw), time_ms=T0 + t)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "sa-keys.toml").write_text(
        "# Security associations for the --sa captures (properties/replay/sa.py format)\n"
        "[[sa]]\n"
        f'src = "{"2001:db8:1::100"}"\n'
        f'dst = "{"2001:db8:1::1"}"\n'
        'algorithm = "hmac-sha1-96"\n'
        f'key = "{SA_KEY.hex()}"\n'
        "[[sa]]  # ESP-NULL from the care-of address, selected by its SPI\n"
        f'src = "{"2001:db8:2::100"}"\n'
        f'dst = "{"2001:db8:1::1"}"\n'
        'algorithm = "hmac-sha1-96"\n'
        f'key = "{SA_KEY.hex()}"\n'
        "spi = 0x500\n",
        encoding="utf-8",
    )
    conversions()
    (OUT / "ha-topology.toml").write_text(
        "# The home agent of the hand-built captures (properties/replay/options.py format)\n"
        '[[home_agent]]\naddress = "2001:db8:1::1"\nprefixes = ["2001:db8:1::/64"]\nid_length = 64\n',
        encoding="utf-8",
    )
    entries = []
    for c in CAPTURES:
        write(c)
        entries.append(
            {
                "file": f"{c.name}.{'pcap' if c.pcap else 'pcapng'}",
                "kind": c.kind,
                "description": c.description,
                "args": c.args,
                "packets": len(c.packets),
                "expected": [
                    {"property": p, "packet": i}
                    for p, i in sorted(c.expected, key=lambda x: (x[1], x[0]))
                ],
            }
        )
    if "--no-simulations" not in sys.argv:
        entries.extend(simulations())
    else:  # keep the committed simulated captures listed
        old = (
            json.loads((OUT / "manifest.json").read_text())
            if (OUT / "manifest.json").exists()
            else {}
        )
        entries.extend(e for e in old.get("captures", []) if e.get("kind") == "simulated")
    manifest = {"generator": "tools/make_captures.py", "captures": entries}
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    print(f"{len(entries)} captures in {OUT}")


if __name__ == "__main__":
    main()
