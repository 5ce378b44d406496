"""IPv6 address and prefix helpers. Addresses are 16-byte `bytes` everywhere in the model (fast, hashable)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

Addr = bytes  # always 16 octets

UNSPECIFIED: Addr = bytes(16)
ALL_NODES: Addr = bytes.fromhex("ff020000000000000000000000000001")
ALL_ROUTERS: Addr = bytes.fromhex("ff020000000000000000000000000002")


@lru_cache(maxsize=65536)
def a(text: str) -> Addr:
    """Parse an IPv6 address written as text."""
    return ipaddress.IPv6Address(text).packed


@lru_cache(maxsize=65536)
def fmt(addr: Addr) -> str:
    """The compressed text form Python's ipaddress prints (the CLI contract's form)."""
    return str(ipaddress.IPv6Address(addr))


def is_multicast(addr: Addr) -> bool:
    return addr[0] == 0xFF


def is_link_local(addr: Addr) -> bool:
    return addr[0] == 0xFE and (addr[1] & 0xC0) == 0x80


def is_site_local(addr: Addr) -> bool:
    return addr[0] == 0xFE and (addr[1] & 0xC0) == 0xC0


def solicited_node(addr: Addr) -> Addr:
    """ff02::1:ffXX:XXXX for Neighbor Solicitation."""
    return bytes.fromhex("ff02" + "00" * 9 + "01ff") + addr[13:16]


@dataclass(frozen=True, slots=True)
class Prefix:
    """An on-link subnet prefix (network bits + length)."""

    network: Addr
    length: int

    @staticmethod
    def parse(text: str) -> Prefix:
        net = ipaddress.IPv6Network(text, strict=False)
        return Prefix(net.network_address.packed, net.prefixlen)

    def contains(self, addr: Addr) -> bool:
        n = self.length
        full, rem = divmod(n, 8)
        if addr[:full] != self.network[:full]:
            return False
        if rem == 0:
            return True
        mask = (0xFF << (8 - rem)) & 0xFF
        return (addr[full] & mask) == (self.network[full] & mask)

    def with_iid(self, iid: bytes) -> Addr:
        """Prefix + interface identifier (the low 128-length bits of `iid`, 16 octets)."""
        p = int.from_bytes(self.network, "big")
        i = int.from_bytes(iid, "big") & ((1 << (128 - self.length)) - 1)
        hi = p & (((1 << self.length) - 1) << (128 - self.length))
        return (hi | i).to_bytes(16, "big")

    def __str__(self) -> str:
        return f"{fmt(self.network)}/{self.length}"


def iid_of(addr: Addr, id_length: int) -> bytes:
    """The low `id_length` bits of an address, as 16 octets (§8.2 ID Length)."""
    v = int.from_bytes(addr, "big") & ((1 << id_length) - 1) if id_length else 0
    return v.to_bytes(16, "big")


def link_local(iid_source: Addr, id_length: int = 64) -> Addr:
    return Prefix(bytes.fromhex("fe80" + "00" * 14), 64).with_iid(iid_of(iid_source, id_length))


def site_local(iid_source: Addr, subnet: int = 0, id_length: int = 64) -> Addr:
    net = bytes.fromhex("fec0" + "00" * 4 + f"{subnet:04x}" + "00" * 8)
    return Prefix(net, 64).with_iid(iid_of(iid_source, id_length))


def home_agents_anycast(prefix: Prefix) -> Addr:
    """§4.4 / wire-formats 4.4: RFC 2526 form <prefix>:fdff:ffff:ffff:fffe for a 64-bit prefix."""
    if prefix.length == 64:
        return prefix.with_iid(bytes.fromhex("00" * 8 + "fdfffffffffffffe"))
    ones = (1 << (128 - prefix.length)) - 1
    return prefix.with_iid((ones & ~1).to_bytes(16, "big"))
