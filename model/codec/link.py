"""Link layers of capture files: where the IPv6 packet starts in a frame, or why the frame is not IPv6.

`decode_link(linktype, data)` never raises: a frame that carries something other than IPv6 (IPv4, ARP,
a link type not decoded here) is a `LinkFrame` with `ipv6_offset = None` and the reason; a frame too
short for its own link header is one with `truncated = True`. `encode_ethernet` builds frames for the
writers; `multicast_mac` is the RFC 2464 §7 mapping of an IPv6 multicast address to 33:33:xx:xx:xx:xx.
"""

from __future__ import annotations

from dataclasses import dataclass

from mip6check.model.addr import Addr
from mip6check.model.codec.buffer import maker
from mip6check.model.errors import ModelUsageError

__all__ = [
    "ETHERTYPE_IPV4",
    "ETHERTYPE_IPV6",
    "LINKTYPE_ETHERNET",
    "LINKTYPE_IPV6",
    "LINKTYPE_LINUX_SLL",
    "LINKTYPE_LINUX_SLL2",
    "LINKTYPE_LOOP",
    "LINKTYPE_NULL",
    "LINKTYPE_RAW",
    "LinkFrame",
    "decode_link",
    "encode_ethernet",
    "fmt_mac",
    "multicast_mac",
]

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_PPP = 9
LINKTYPE_PPP_HDLC = 50
LINKTYPE_C_HDLC = 104
LINKTYPE_RAW = 101
LINKTYPE_LOOP = 108
LINKTYPE_LINUX_SLL = 113
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276
# DLT_RAW's platform values that some old files carry instead of 101
_RAW_ALIASES = (12, 14)

ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_ARP = 0x0806
ETHERTYPE_IPV6 = 0x86DD
_VLAN_TPIDS = (0x8100, 0x88A8, 0x9100, 0x9200)
MAX_VLAN_TAGS = 8

AF_INET = 2
AF_INET6 = (24, 28, 30)  # NetBSD/OpenBSD, FreeBSD, Darwin (the LINKTYPE_NULL registry values)

_ETHERTYPE_NAMES = {ETHERTYPE_IPV4: "IPv4", ETHERTYPE_ARP: "ARP", ETHERTYPE_IPV6: "IPv6"}
LINKTYPE_NAMES = {
    LINKTYPE_NULL: "null",
    LINKTYPE_ETHERNET: "ethernet",
    LINKTYPE_RAW: "raw",
    LINKTYPE_LOOP: "loop",
    LINKTYPE_LINUX_SLL: "linux-sll",
    LINKTYPE_IPV4: "ipv4",
    LINKTYPE_IPV6: "ipv6",
    LINKTYPE_LINUX_SLL2: "linux-sll2",
    LINKTYPE_PPP: "ppp",
    LINKTYPE_PPP_HDLC: "ppp-hdlc",
    LINKTYPE_C_HDLC: "cisco-hdlc",
}
PPP_IPV6 = 0x0057
PPP_IPV4 = 0x0021


@dataclass(frozen=True, slots=True)
class LinkFrame:
    """What the link layer says about a frame.

    `ipv6_offset` is where the IPv6 header starts in the frame, or None when the frame is not IPv6;
    then `reason` says what it is ("IPv4", "ethertype 0x0806 (ARP)", "link type 105 not decoded").
    `ethertype` is the payload's ethertype where the link has one, `family` the AF value for null/loop.
    """

    linktype: int
    ipv6_offset: int | None
    ethertype: int | None = None
    family: int | None = None
    vlans: tuple[int, ...] = ()  # VLAN IDs, outermost first
    src: bytes | None = None  # link-layer source (Ethernet, cooked captures)
    dst: bytes | None = None
    reason: str = ""
    truncated: bool = False  # the frame is shorter than its own link header

    @property
    def is_ipv6(self) -> bool:
        return self.ipv6_offset is not None


_mk_frame = maker(LinkFrame)


def _ethertype_frame(
    linktype: int,
    etype: int,
    off: int,
    vlans: tuple[int, ...] = (),
    src: bytes | None = None,
    dst: bytes | None = None,
) -> LinkFrame:
    if etype == ETHERTYPE_IPV6:
        return LinkFrame(linktype, off, etype, None, vlans, src, dst)
    name = _ETHERTYPE_NAMES.get(etype)
    reason = f"ethertype 0x{etype:04x}" + (f" ({name})" if name else "")
    return LinkFrame(linktype, None, etype, None, vlans, src, dst, reason)


def _truncated(linktype: int, need: int, have: int) -> LinkFrame:
    return LinkFrame(
        linktype,
        None,
        reason=f"frame of {have} octets is shorter than its link header ({need})",
        truncated=True,
    )


def _ethernet(linktype: int, data: bytes) -> LinkFrame:
    if len(data) < 14:
        return _truncated(linktype, 14, len(data))
    dst, src = data[0:6], data[6:12]
    etype = int.from_bytes(data[12:14], "big")
    off = 14
    vlans: list[int] = []
    while etype in _VLAN_TPIDS:  # 802.1Q / 802.1ad (QinQ)
        if len(vlans) >= MAX_VLAN_TAGS:
            return LinkFrame(
                linktype, None, etype, None, tuple(vlans), src, dst, "too many VLAN tags"
            )
        if len(data) < off + 4:
            return _truncated(linktype, off + 4, len(data))
        vlans.append(int.from_bytes(data[off : off + 2], "big") & 0x0FFF)
        etype = int.from_bytes(data[off + 2 : off + 4], "big")
        off += 4
    if etype <= 1500:  # 802.3 length: LLC, possibly SNAP with an ethertype
        if data[off : off + 6] == b"\xaa\xaa\x03\x00\x00\x00" and len(data) >= off + 8:
            etype = int.from_bytes(data[off + 6 : off + 8], "big")
            return _ethertype_frame(linktype, etype, off + 8, tuple(vlans), src, dst)
        return LinkFrame(linktype, None, None, None, tuple(vlans), src, dst, "802.3 LLC frame")
    return _ethertype_frame(linktype, etype, off, tuple(vlans), src, dst)


def _family_frame(linktype: int, family: int) -> LinkFrame:
    if family in AF_INET6:
        return LinkFrame(linktype, 4, None, family)
    reason = "IPv4" if family == AF_INET else f"address family {family}"
    return LinkFrame(linktype, None, None, family, reason=reason)


def _ppp(linktype: int, data: bytes) -> LinkFrame:
    """PPP (RFC 1661/1662): optional FF 03 address/control, then a 1- or 2-octet protocol (PFC)."""
    off = 2 if data[:2] == b"\xff\x03" else 0
    if len(data) < off + 1:
        return _truncated(linktype, off + 1, len(data))
    if data[off] & 1:  # a compressed one-octet protocol field
        proto, off = data[off], off + 1
    else:
        if len(data) < off + 2:
            return _truncated(linktype, off + 2, len(data))
        proto, off = int.from_bytes(data[off : off + 2], "big"), off + 2
    if proto == PPP_IPV6:
        return LinkFrame(linktype, off, ETHERTYPE_IPV6)
    reason = "IPv4" if proto == PPP_IPV4 else f"PPP protocol 0x{proto:04x}"
    return LinkFrame(linktype, None, reason=reason)


def decode_link(linktype: int, data: bytes) -> LinkFrame:
    """Find the IPv6 packet in a frame of the given link type (pcap LINKTYPE_ value)."""
    if linktype == LINKTYPE_ETHERNET:
        if data[12:14] == b"\x86\xdd":  # untagged IPv6 frame: the common case (same value, faster)
            return _mk_frame(
                linktype, 14, ETHERTYPE_IPV6, None, (), data[6:12], data[0:6], "", False
            )
        return _ethernet(linktype, data)
    if linktype in (LINKTYPE_RAW, LINKTYPE_IPV6) or linktype in _RAW_ALIASES:
        if not data:
            return _truncated(linktype, 1, 0)
        version = data[0] >> 4
        if version == 4 and linktype != LINKTYPE_IPV6:
            return LinkFrame(linktype, None, ETHERTYPE_IPV4, reason="IPv4")
        return LinkFrame(linktype, 0, ETHERTYPE_IPV6)  # a wrong version is the IPv6 decoder's error
    if linktype == LINKTYPE_LINUX_SLL:
        # packet type, ARPHRD type, address length, 8 octets of address, protocol
        if len(data) < 16:
            return _truncated(linktype, 16, len(data))
        alen = min(int.from_bytes(data[4:6], "big"), 8)
        etype = int.from_bytes(data[14:16], "big")
        return _ethertype_frame(linktype, etype, 16, (), data[6 : 6 + alen])
    if linktype == LINKTYPE_LINUX_SLL2:
        # protocol, reserved, interface index, ARPHRD type, packet type, address length, 8 octets
        if len(data) < 20:
            return _truncated(linktype, 20, len(data))
        etype = int.from_bytes(data[0:2], "big")
        alen = min(data[11], 8)
        return _ethertype_frame(linktype, etype, 20, (), data[12 : 12 + alen])
    if linktype == LINKTYPE_NULL:
        # AF value in the capturing host's byte order: a value with upper 16 bits set is swapped
        if len(data) < 4:
            return _truncated(linktype, 4, len(data))
        family = int.from_bytes(data[0:4], "little")
        if family & 0xFFFF0000:
            family = int.from_bytes(data[0:4], "big")
        return _family_frame(linktype, family)
    if linktype == LINKTYPE_LOOP:
        if len(data) < 4:
            return _truncated(linktype, 4, len(data))
        return _family_frame(linktype, int.from_bytes(data[0:4], "big"))
    if linktype == LINKTYPE_PPP or linktype == LINKTYPE_PPP_HDLC:
        return _ppp(linktype, data)
    if linktype == LINKTYPE_C_HDLC:  # Cisco HDLC: address, control, ethertype
        if len(data) < 4:
            return _truncated(linktype, 4, len(data))
        return _ethertype_frame(linktype, int.from_bytes(data[2:4], "big"), 4)
    if linktype == LINKTYPE_IPV4:
        return LinkFrame(linktype, None, ETHERTYPE_IPV4, reason="IPv4")
    return LinkFrame(linktype, None, reason=f"link type {linktype} not decoded")


def multicast_mac(addr: Addr) -> bytes:
    """RFC 2464 §7: an IPv6 multicast address maps to 33:33 followed by its last four octets."""
    return b"\x33\x33" + addr[12:16]


def encode_ethernet(src_lla: bytes, dst_lla: bytes | None, ipv6_bytes: bytes) -> bytes:
    """An Ethernet II frame carrying an IPv6 packet; `dst_lla=None` derives it from a multicast dst."""
    if dst_lla is None:
        if len(ipv6_bytes) < 40 or ipv6_bytes[24] != 0xFF:
            raise ModelUsageError("dst_lla is needed unless the IPv6 destination is multicast")
        dst_lla = multicast_mac(ipv6_bytes[24:40])
    if len(src_lla) != 6 or len(dst_lla) != 6:
        raise ModelUsageError("Ethernet addresses are 6 octets")
    return dst_lla + src_lla + b"\x86\xdd" + ipv6_bytes


def fmt_mac(lla: bytes) -> str:
    """aa:bb:cc:dd:ee:ff."""
    return ":".join(f"{b:02x}" for b in lla)
