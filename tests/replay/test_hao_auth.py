"""W-HAO-AUTH-COVERED (§4.2, §5.4, §13.2) and MN-HAO-BEFORE-IPSEC (§9.1) under `--auth verify`: packets
built here with the codec, their AH ICV computed over a wrong form of the packet (the Home Address option
zeroed, the addresses swapped, the option absent) and carried in the packet as sent."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mip6check.model.addr import a
from mip6check.model.codec import (
    AH,
    UDP,
    HomeAddress,
    IPv6Packet,
    NoNextHeader,
    bu,
    decode_packet,
    dest_options,
    encode_packet,
)
from mip6check.model.codec.pcap import PcapWriter
from mip6check.model.config import AuthMode, Config
from mip6check.model.roles import ah as ahmod
from mip6check.properties.replay import ReplayOptions, SecurityAssociation, replay_file
from mip6check.properties.replay.hao_auth import uncovered_form

HA = a("2001:db8:1::1")
HOME = a("2001:db8:1::100")
COA = a("2001:db8:2::100")
KEY = bytes.fromhex("6d69703663686563b16b657930303031aabbccdd")
SA = SecurityAssociation(HOME, HA, "hmac-sha1-96", KEY)
ROWS = {"W-HAO-AUTH-COVERED", "MN-HAO-BEFORE-IPSEC"}


def _sent_udp() -> UDP:
    """The UDP header as sent (its checksum over the care-of/home pseudo-header): every form a sender
    may wrongly sign keeps the payload octets it sends."""
    pkt = IPv6Packet(COA, HA, (dest_options(HomeAddress(HOME)),), UDP(5000, 7, b"data"))
    up = decode_packet(encode_packet(pkt)).payload
    assert isinstance(up, UDP) and up.checksum is not None
    return up


SENT_UDP = _sent_udp()


def packet(hao_home: bytes = HOME, *, src: bytes = COA, with_hao: bool = True) -> IPv6Packet:
    opts = (dest_options(HomeAddress(hao_home)),) if with_hao else ()
    return IPv6Packet(src, HA, (AH(0x100, 1, bytes(12)), *opts), SENT_UDP)


def carried(signed_form: IPv6Packet) -> IPv6Packet:
    """The packet as sent (source the care-of address, option = home address), carrying the AH whose
    ICV was computed over `signed_form`."""
    icv = ahmod.sign(signed_form, KEY, encode_packet).headers[0]
    sent = packet()
    return replace(sent, headers=(icv, *sent.headers[1:]))


FORMS = {
    "as-sent": ahmod.sign(packet(), KEY, encode_packet),
    "mutable": carried(packet(bytes(16))),
    "swapped": carried(packet(COA, src=HOME)),
    "after-ipsec": carried(packet(src=HOME, with_hao=False)),
    "garbage": replace(packet(), headers=(AH(0x100, 1, b"\x01" * 12), *packet().headers[1:])),
}


def replay(tmp_path: Path, pkt: IPv6Packet, auth: AuthMode = AuthMode.VERIFY) -> set[str]:
    path = tmp_path / "c.pcap"
    with path.open("wb") as f:
        PcapWriter(f, linktype=229).write(encode_packet(pkt), time_ms=1_000_000)
    opts = ReplayOptions(config=Config(auth=auth), sa_keys=(SA,))
    return {v.property for v in replay_file(str(path), opts).violations}


@pytest.mark.parametrize(
    ("form", "want", "pid"),
    [
        ("as-sent", None, None),
        ("mutable", "mutable", "W-HAO-AUTH-COVERED"),
        ("swapped", "swapped", "W-HAO-AUTH-COVERED"),
        ("after-ipsec", "after-ipsec", "MN-HAO-BEFORE-IPSEC"),
        ("garbage", None, None),
    ],
)
def test_each_wrong_form_is_named(tmp_path: Path, form: str, want: str | None, pid: str) -> None:
    pkt = FORMS[form]
    if form != "as-sent":
        assert uncovered_form(pkt, pkt.headers[0], SA) == want  # type: ignore[arg-type]
    got = replay(tmp_path, pkt) & ROWS
    assert got == ({pid} if pid else set())


def test_presence_reading_does_not_judge(tmp_path: Path) -> None:
    """Without `--auth verify` no ICV is checked, so no form can be told apart."""
    for pkt in FORMS.values():
        assert replay(tmp_path, pkt, AuthMode.PRESENCE) & ROWS == set()


def test_binding_update_with_an_uncovered_option(tmp_path: Path) -> None:
    """A Binding Update whose ICV leaves the option out also fails §7.2's authentication test."""
    hs = (
        AH(0x100, 1, bytes(12)),
        dest_options(bu(1, 60, a=True, h=True, id_length=64), HomeAddress(HOME)),
    )
    sent = IPv6Packet(COA, HA, hs, NoNextHeader())
    zeroed = replace(
        sent,
        headers=(
            hs[0],
            dest_options(bu(1, 60, a=True, h=True, id_length=64), HomeAddress(bytes(16))),
        ),
    )
    icv = ahmod.sign(zeroed, KEY, encode_packet).headers[0]
    got = replay(tmp_path, replace(sent, headers=(icv, *hs[1:])))
    assert {"W-HAO-AUTH-COVERED", "W-BU-NEEDS-AUTH"} <= got
