"""A reproducible mix of Mobile IPv6 traffic for the benchmarks, built with the project's own codec."""

from __future__ import annotations

import random
from collections.abc import Iterator

from mip6check.model.addr import a
from mip6check.model.codec import dest_options, encapsulate, encode_packet
from mip6check.model.codec.link import encode_ethernet
from mip6check.model.codec.values import (
    AH,
    UDP,
    BindingAck,
    BindingUpdate,
    HomeAddress,
    IPv6Packet,
    NeighborAdvertisement,
    NeighborSolicitation,
    NoNextHeader,
    Routing0,
    SourceLLA,
    TargetLLA,
)

MN_LLA, HA_LLA = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")


def packets(n: int, seed: int = 1) -> Iterator[IPv6Packet]:
    """n packets: home registrations, acknowledgements, tunnelled and route-optimised data, ND."""
    rng = random.Random(seed)
    ha = a("2001:db8:1::1")
    for i in range(n):
        mn = i % 1000
        home = a(f"2001:db8:1::{mn + 0x100:x}")
        coa = a(f"2001:db8:{2 + mn % 50:x}::{mn + 0x100:x}")
        cn = a(f"2001:db8:99::{1 + mn % 100:x}")
        seq = (i // 1000) & 0xFFFF
        kind = i % 6
        ah = AH(spi=0x100 + mn, seq=i, icv=rng.randbytes(12))
        if kind == 0:
            opts = dest_options(
                BindingUpdate(seq=seq, lifetime=60, a=True, h=True, id_length=64), HomeAddress(home)
            )
            yield IPv6Packet(coa, ha, (ah, opts), NoNextHeader())
        elif kind == 1:
            opts = dest_options(BindingAck(status=0, seq=seq, lifetime=60, refresh=60))
            yield IPv6Packet(ha, coa, (Routing0(1, (home,)), ah, opts), NoNextHeader())
        elif kind == 2:
            inner = IPv6Packet(cn, home, (), UDP(4000, 5000, rng.randbytes(64)))
            yield encapsulate(inner, ha, coa)
        elif kind == 3:
            yield IPv6Packet(
                coa, cn, (dest_options(HomeAddress(home)),), UDP(5000, 4000, rng.randbytes(64))
            )
        elif kind == 4:
            yield IPv6Packet(cn, coa, (Routing0(1, (home,)),), UDP(4000, 5000, rng.randbytes(64)))
        else:
            if i % 12 == 5:
                yield IPv6Packet(
                    a("fe80::1"),
                    a("ff02::1:ff00:100"),
                    (),
                    NeighborSolicitation(home, (SourceLLA(MN_LLA),)),
                    hop_limit=255,
                )
            else:
                yield IPv6Packet(
                    ha,
                    a("ff02::1"),
                    (),
                    NeighborAdvertisement(home, override=True, options=(TargetLLA(HA_LLA),)),
                    hop_limit=255,
                )


def frames(n: int, seed: int = 1) -> Iterator[bytes]:
    for p in packets(n, seed):
        yield encode_ethernet(MN_LLA, HA_LLA, encode_packet(p))
