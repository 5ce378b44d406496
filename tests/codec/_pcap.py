"""A tiny classic-pcap reader for the codec tests (linktypes 1 Ethernet/802.1Q, 101/229 raw IPv6).

Yields (frame index, IPv6 bytes or None, offset of the IPv6 header in the frame)."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path


def ipv6_frames(path: Path) -> Iterator[tuple[int, bytes | None, int]]:
    data = path.read_bytes()
    magic = data[:4]
    if magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    elif magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    else:
        raise ValueError(f"{path}: not a classic pcap file")
    linktype = struct.unpack_from(e + "I", data, 20)[0] & 0x03FFFFFF
    pos, i = 24, 0
    while pos + 16 <= len(data):
        caplen = struct.unpack_from(e + "I", data, pos + 8)[0]
        frame = data[pos + 16 : pos + 16 + caplen]
        pos += 16 + caplen
        off = 0
        if linktype == 1:
            off, et = 14, frame[12:14]
            while et in (b"\x81\x00", b"\x88\xa8") and len(frame) >= off + 4:
                et, off = frame[off + 2 : off + 4], off + 4
            yield i, (frame[off:] if et == b"\x86\xdd" else None), off
        elif linktype in (101, 229):
            yield i, (frame if frame[:1] and frame[0] >> 4 == 6 else None), 0
        else:
            yield i, None, 0
        i += 1


def write_raw_ipv6(path: Path, packets: list[bytes]) -> None:
    """A classic little-endian pcap with LINKTYPE_IPV6 (229) records, timestamps 0, 1, 2... s."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 229)]
    for i, p in enumerate(packets):
        out.append(struct.pack("<IIII", i, 0, len(p), len(p)) + p)
    path.write_bytes(b"".join(out))
