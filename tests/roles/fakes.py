"""A fake NodeCore recording what the mobility roles send, and builders for Received values."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from mip6check.model.addr import Addr, Prefix, a
from mip6check.model.codec.values import (
    AH,
    DestOptions,
    IPv6Packet,
    NoNextHeader,
    Option,
    Pad1,
    PadN,
    Upper,
)
from mip6check.model.config import DEFAULT, Config
from mip6check.model.roles.events import Action, Transmit
from mip6check.model.roles.hooks import Received


@dataclass
class FakeCore:
    name: str = "node"
    config: Config = DEFAULT
    is_router: bool = False
    addrs: dict[Addr, str] = field(default_factory=dict)
    prefixes: dict[str, tuple[Prefix, ...]] = field(default_factory=dict)
    seed: int = 1
    sent: list[IPv6Packet] = field(default_factory=list)
    on_link: list[tuple[str, IPv6Packet]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def addresses(self) -> tuple[Addr, ...]:
        return tuple(self.addrs)

    def iface_of(self, addr: Addr) -> str | None:
        return self.addrs.get(addr)

    def on_link_prefixes(self, iface: str | None = None) -> tuple[Prefix, ...]:
        if iface is None:
            return tuple(p for ps in self.prefixes.values() for p in ps)
        return self.prefixes.get(iface, ())

    def lla(self, iface: str) -> bytes:
        return bytes.fromhex("0200000000") + bytes([len(iface)])

    def add_address(self, iface: str, addr: Addr) -> None:
        self.addrs[addr] = iface

    def remove_address(self, iface: str, addr: Addr) -> None:
        self.addrs.pop(addr, None)

    def send(self, packet: IPv6Packet, now: int) -> list[Action]:
        self.sent.append(packet)
        return [Transmit("if0", bytes(6), packet)]

    def send_on_link(
        self, iface: str, packet: IPv6Packet, dst_lla: bytes | None, now: int
    ) -> list[Action]:
        self.on_link.append((iface, packet))
        return [Transmit(iface, dst_lla or bytes(6), packet)]

    def random(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)


def real(opts: tuple[Option, ...]) -> tuple[Option, ...]:
    return tuple(o for o in opts if not isinstance(o, (Pad1, PadN)))


def options_of(pkt: IPv6Packet) -> tuple[Option, ...]:
    return tuple(o for h in pkt.headers if isinstance(h, DestOptions) for o in real(h.options))


def rx(
    *options: Option,
    src: Addr,
    dst: Addr,
    hao: Addr | None = None,
    auth: bool = True,
    iface: str = "if0",
    lengths: tuple[int, ...] = (),
    payload: Upper | None = None,
    tunnel_outer: IPv6Packet | None = None,
    via_rh: bool = False,
    packet: IPv6Packet | None = None,
) -> Received:
    """A Received as node.py would hand it over: `src` is the IPv6 Source (the HAO replaces it in rx.src)."""
    hdrs = ((AH(0x100, 1, bytes(12)),) if auth else ()) + (
        (DestOptions(options),) if options else ()
    )
    pkt = packet or IPv6Packet(src, dst, hdrs, payload or NoNextHeader())
    return Received(
        pkt, iface, hao or src, dst, tuple(options), hao, auth, via_rh, tunnel_outer, lengths
    )


def events(actions: list[Action], kind: type) -> list:  # type: ignore[type-arg]
    return [x for x in actions if isinstance(x, kind)]


HOME_NET = Prefix.parse("2001:db8:1::/64")
FOREIGN_NET = Prefix.parse("2001:db8:2::/64")
OTHER_NET = Prefix.parse("2001:db8:3::/64")
LL_NET = Prefix.parse("fe80::/64")
MN_HOME = a("2001:db8:1::100")
MN_COA = a("2001:db8:2::100")
HA_ADDR = a("2001:db8:1::1")
CN_ADDR = a("2001:db8:9::9")
