"""The capture as the differential replay reads it: every IPv6 frame with its link (capture
interface), time, link-layer addresses, octets and decoded packet (the shared codec)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mip6check.model.codec import DecodeError, decode_packet
from mip6check.model.codec.link import decode_link
from mip6check.model.codec.pcap import Record, iter_file
from mip6check.model.codec.values import IPv6Packet, Profile


@dataclass(frozen=True, slots=True)
class Frame:
    """One captured IPv6 packet: its number (1-based, as `decode` counts), link `L<iface>`, time
    (ns as captured, ms after the capture's first whole second), Ethernet addresses when the link
    layer has them, and the packet as octets and decoded."""

    number: int
    link: str
    time_ns: int
    time_ms: int
    src_mac: bytes | None
    dst_mac: bytes | None
    octets: bytes
    packet: IPv6Packet


@dataclass(frozen=True, slots=True)
class Captured:
    """The decodable IPv6 frames of a capture, the start time and how many records were left out."""

    path: str
    start_ns: int
    frames: tuple[Frame, ...]
    left_out: int  # records not IPv6, unreadable, or rejected by the codec


def read_capture(
    path: str, profile: Profile, opener: Callable[[IPv6Packet], IPv6Packet | None] | None = None
) -> Captured:
    """Read `path` (raises model.errors.CaptureError when it is not a readable capture). `opener`
    gives what an ESP-NULL payload carries when its key is known (replay's KeyRing.open_esp): the
    packet is compared as opened, as replay judges it."""
    frames: list[Frame] = []
    left_out = 0
    start_ns: int | None = None
    for rec in iter_file(path):
        if not isinstance(rec, Record):
            left_out += 1
            continue
        if start_ns is None:
            start_ns = (rec.time_ns // 1_000_000_000) * 1_000_000_000
        link = decode_link(rec.linktype, rec.data)
        off = link.ipv6_offset
        if off is None:
            left_out += 1
            continue
        raw = rec.data[off:]
        if len(raw) >= 40:
            plen = int.from_bytes(raw[4:6], "big")
            if plen and 40 + plen <= len(raw):
                raw = raw[: 40 + plen]  # link padding is not part of the packet
        try:
            pkt = decode_packet(raw, profile)
        except DecodeError:
            left_out += 1
            continue
        if opener is not None:
            pkt = opener(pkt) or pkt
        src_mac = link.src if link.src is not None and len(link.src) == 6 else None
        dst_mac = link.dst if link.dst is not None and len(link.dst) == 6 else None
        frames.append(
            Frame(
                rec.index,
                f"L{rec.iface}",
                rec.time_ns,
                max(0, (rec.time_ns - start_ns + 500_000) // 1_000_000),
                src_mac,
                dst_mac,
                raw,
                pkt,
            )
        )
    return Captured(path, start_ns or 0, tuple(frames), left_out)


__all__ = ["Captured", "Frame", "read_capture"]
