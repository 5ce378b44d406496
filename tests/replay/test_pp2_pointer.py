"""W-UNKNOWN-OPT-11X (§5.1, IPv6 §4.2): a Parameter Problem code 2 designates the option its sender
could not recognise: the Option Type octet of an option of type 10xxxxxx or 11xxxxxx. Captures built
here with the codec: a mobile node's Binding Update (behind an AH) and the correspondent's answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from mip6check.model.addr import a
from mip6check.model.codec import (
    AH,
    HomeAddress,
    IPv6Packet,
    NoNextHeader,
    ParamProblem,
    bu,
    dest_options,
    encode_packet,
    option_offset,
)
from mip6check.model.codec.pcap import PcapWriter
from mip6check.model.codec.values import DRAFT04
from mip6check.properties.replay import ReplayOptions, replay_file
from mip6check.properties.spec.ipv6 import option_types_at

HOME = a("2001:db8:1::100")
COA = a("2001:db8:2::100")
CN = a("2001:db8:4::5")
UPDATE = IPv6Packet(
    COA,
    CN,
    (AH(0x100, 7, bytes(12)), dest_options(bu(7, 60, a=True), HomeAddress(HOME))),
    NoNextHeader(),
)
DATA = encode_packet(UPDATE)


def flagged(tmp_path: Path, pointer: int) -> list[tuple[str, int | None]]:
    path = tmp_path / "c.pcap"
    with path.open("wb") as f:
        w = PcapWriter(f, linktype=229)
        w.write(DATA, time_ms=1_000_000)
        w.write(
            encode_packet(IPv6Packet(CN, COA, (), ParamProblem(2, pointer, DATA))),
            time_ms=1_000_003,
        )
    rep = replay_file(str(path), ReplayOptions())
    return [(v.property, v.packet) for v in rep.violations if v.property == "W-UNKNOWN-OPT-11X"]


def test_pointer_at_the_binding_update_is_clean(tmp_path: Path) -> None:
    at = option_offset(DATA, DRAFT04.bu)
    assert at is not None and at > 64  # behind the IPv6 header and the AH
    assert flagged(tmp_path, at) == []


@pytest.mark.parametrize("pointer", [48, 6, 40])
def test_pointer_at_no_option_is_flagged(tmp_path: Path, pointer: int) -> None:
    """Inside the AH, at the Next Header field, at the AH's first octet: no option there."""
    assert pointer not in option_types_at(DATA)
    assert flagged(tmp_path, pointer) == [("W-UNKNOWN-OPT-11X", 2)]


def test_pointer_at_a_padding_option_is_flagged(tmp_path: Path) -> None:
    """A Pad option (type 0 or 1) is skipped when unknown, never the cause of code 2."""
    pads = [off for off, t in option_types_at(DATA).items() if t in (0, 1)]
    assert pads
    assert flagged(tmp_path, pads[0]) == [("W-UNKNOWN-OPT-11X", 2)]
