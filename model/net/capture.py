"""Every frame on every link to pcapng: one interface per link, Ethernet, simulated timestamps."""

from __future__ import annotations

from typing import BinaryIO

from mip6check.model.codec.link import LINKTYPE_ETHERNET
from mip6check.model.codec.pcap import PcapngWriter


class Capture:
    """A pcapng stream the network writes to; interface ids follow the order links were added."""

    def __init__(self, fileobj: BinaryIO) -> None:
        self._w = PcapngWriter(fileobj)
        self._ids: dict[str, int] = {}
        self.frames = 0

    def add_link(self, name: str, description: str = "") -> int:
        if name not in self._ids:
            self._ids[name] = self._w.add_interface(
                name, linktype=LINKTYPE_ETHERNET, tsresol=6, description=description
            )
        return self._ids[name]

    def write(self, link: str, time_ms: int, frame: bytes) -> None:
        self._w.write(self._ids[link], frame, time_ms=time_ms)
        self.frames += 1
