"""--sa: HMAC-MD5-96 and HMAC-SHA1-96 AH ICVs over the immutable fields (model.roles.ah.normalise)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace

import pytest

from mip6check.model.addr import a
from mip6check.model.codec import (
    AH,
    HomeAddress,
    IPv6Packet,
    Routing0,
    bu,
    dest_options,
    encode_packet,
)
from mip6check.model.codec.values import BindingAck
from mip6check.model.roles import ah as ahmod
from mip6check.properties.replay.facts import facts_of
from mip6check.properties.replay.sa import KeyRing, SecurityAssociation

HOME, HA, COA = a("2001:db8:1::100"), a("2001:db8:1::1"), a("2001:db8:2::100")
KEY = bytes.fromhex("000102030405060708090a0b0c0d0e0f")


def _sign(pkt: IPv6Packet, alg: str, key: bytes = KEY) -> IPv6Packet:
    h = ahmod.find_ah(pkt)
    assert h is not None
    digest = {"hmac-md5-96": hashlib.md5, "hmac-sha1-96": hashlib.sha1}[alg]
    icv = hmac.new(key, encode_packet(ahmod.normalise(pkt)), digest).digest()[:12]
    return replace(pkt, headers=tuple(AH(h.spi, h.seq, icv) if x is h else x for x in pkt.headers))


@pytest.mark.parametrize("alg", ["hmac-md5-96", "hmac-sha1-96"])
@pytest.mark.parametrize("kind", ["bu", "ba"])
def test_icv_verifies_and_detects_changes(alg: str, kind: str) -> None:
    if kind == "bu":
        pkt = IPv6Packet(
            COA,
            HA,
            (
                AH(1, 1, bytes(12)),
                dest_options(bu(7, 60, a=True, h=True, id_length=64), HomeAddress(HOME)),
            ),
        )
    else:
        pkt = IPv6Packet(
            HA,
            COA,
            (Routing0(1, (HOME,)), AH(2, 1, bytes(12)), dest_options(BindingAck(0, 7, 60, 60))),
        )
    good = _sign(pkt, alg)
    ring = KeyRing((SecurityAssociation(HOME, HA, alg, KEY),))
    assert ring.check(good, facts_of(good), encode_packet)
    # mutable fields do not matter; the Hop Limit changes en route
    assert ring.check(replace(good, hop_limit=3), facts_of(good), encode_packet)
    # a wrong key or a changed immutable field fails
    other = KeyRing((SecurityAssociation(HOME, HA, alg, b"other key"),))
    assert not other.check(good, facts_of(good), encode_packet)
    changed = (
        dest_options(BindingAck(0, 8, 60, 60))
        if kind == "ba"
        else dest_options(bu(8, 60, a=True, h=True, id_length=64), HomeAddress(HOME))
    )
    moved = replace(good, headers=good.headers[:-1] + (changed,))
    assert not ring.check(moved, facts_of(moved), encode_packet)


def test_presence_when_no_key_applies() -> None:
    pkt = IPv6Packet(COA, HA, (AH(1, 1, bytes(12)), dest_options(HomeAddress(HOME))))
    ring = KeyRing(
        (SecurityAssociation(a("2001:db8:7::1"), a("2001:db8:7::2"), "hmac-sha1-96", KEY),)
    )
    assert ring.check(pkt, facts_of(pkt), encode_packet)
