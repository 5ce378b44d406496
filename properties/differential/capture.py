"""The capture as the differential replay reads it: every IPv6 frame with its link (capture
interface), time, link-layer addresses, octets and decoded packet (the shared codec), as a stream.

A capture of at most `cache` frames is kept in memory after its first reading; a longer one is read
again from the file each time it is walked (each walk holds one frame at a time), so the memory a
differential replay takes does not grow with the capture."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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


CACHE_FRAMES = 20_000
"""Frames kept in memory after the first reading (a few tens of MB at most); beyond, streamed."""

Opener = Callable[[IPv6Packet], "IPv6Packet | None"]


class Frames:
    """The capture's decodable IPv6 frames in file order, walked as often as needed: each walk reads
    the file again unless the whole capture fitted in the cache. `first`, `last` and `count` are
    known from the first reading (read_capture)."""

    def __init__(self, path: str, profile: Profile, opener: Opener | None, cache: int) -> None:
        self.path = path
        self._profile = profile
        self._opener = opener
        self.count = 0
        self.left_out = 0
        self.start_ns = 0
        self.first: Frame | None = None
        self.last: Frame | None = None
        self.walks = 0  # readings of the file (for the tests and the benchmark)
        kept: list[Frame] | None = []
        for f in self._read():
            self.count += 1
            self.first = self.first or f
            self.last = f
            if kept is not None:
                kept.append(f)
                if len(kept) > cache:
                    kept = None
        self._kept = tuple(kept) if kept is not None else None

    def __iter__(self) -> Iterator[Frame]:
        if self._kept is not None:
            return iter(self._kept)
        return self._read()

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    @property
    def streamed(self) -> bool:
        return self._kept is None

    def _read(self) -> Iterator[Frame]:
        self.walks += 1
        left_out = 0
        start_ns: int | None = None
        profile, opener = self._profile, self._opener
        for rec in iter_file(self.path):
            if not isinstance(rec, Record):
                left_out += 1
                continue
            if start_ns is None:
                start_ns = (rec.time_ns // 1_000_000_000) * 1_000_000_000
                self.start_ns = start_ns
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
            yield Frame(
                rec.index,
                f"L{rec.iface}",
                rec.time_ns,
                max(0, (rec.time_ns - start_ns + 500_000) // 1_000_000),
                src_mac,
                dst_mac,
                raw,
                pkt,
            )
        self.left_out = left_out


@dataclass(frozen=True, slots=True)
class Captured:
    """The decodable IPv6 frames of a capture (a stream, Frames), the start time (the capture's
    first whole second) and how many records were left out."""

    path: str
    start_ns: int
    frames: Frames
    left_out: int  # records not IPv6, unreadable, or rejected by the codec


def read_capture(
    path: str, profile: Profile, opener: Opener | None = None, *, cache: int = CACHE_FRAMES
) -> Captured:
    """Read `path` once through (raises model.errors.CaptureError when it is not a readable
    capture). `opener` gives what an ESP-NULL payload carries when its key is known (replay's
    KeyRing.open_esp): the packet is compared as opened, as replay judges it."""
    frames = Frames(path, profile, opener, cache)
    return Captured(path, frames.start_ns, frames, frames.left_out)


__all__ = ["CACHE_FRAMES", "Captured", "Frame", "Frames", "read_capture"]
