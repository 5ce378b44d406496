"""The field tables are the one place an option's layout is written (model/codec/layout.py): a made-up
option given as a table entry and nothing else decodes, encodes, round-trips, pads to its alignment and
shows in `decode --json`; the draft's tables match the layouts of wire-formats §1.5."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mip6check.cli.main import main
from mip6check.cli.render import packet_json
from mip6check.model.codec import (
    DRAFT04,
    DRAFT08,
    DestOptions,
    IPv6Packet,
    MalformedOption,
    NoNextHeader,
    UnknownOption,
    alignment,
    decode_packet,
    dest_options,
    encode_packet,
)
from mip6check.model.codec.layout import (
    BINDING_ACK,
    BINDING_REQUEST,
    BINDING_UPDATE,
    HOME_ADDRESS,
    Field,
    OptionLayout,
)
from mip6check.model.codec.options import (
    COMPILED,
    option_length,
    option_table,
    register_option,
    unregister_option,
)
from mip6check.model.codec.pcap import PcapWriter

A = bytes(15) + b"\x01"
B = bytes(15) + b"\x02"

MADE_UP = OptionLayout(
    kind="PING",
    title="Made-up Ping",
    section="§99",
    fields=(
        Field("x", 1, "Extra (X)"),
        Field("y", 1, "Yes (Y)"),
        Field("rsv", 6, "Reserved", shown=False),
        Field("hops", 8, "Hops"),
        Field("ident", 16, "Identifier"),
        Field("when", 32, "When"),
        Field("origin", 128, "Origin", present_if="x"),
    ),
    action=0b000,
    align=(4, 2),
    numbers=(0x1E,),
)


@pytest.fixture
def ping() -> Iterator[type[Any]]:
    """The made-up option registered for one test, and forgotten after it."""
    c = register_option(MADE_UP)
    try:
        yield c.value
    finally:
        unregister_option("PING")


def _packet(*opts: object) -> IPv6Packet:
    return IPv6Packet(A, B, (dest_options(*opts),), NoNextHeader())  # type: ignore[arg-type]


def test_made_up_option_decodes_encodes_and_round_trips(ping: type[Any]) -> None:
    assert option_table(DRAFT04)[0x1E] == "PING" and option_table(DRAFT08)[0x1E] == "PING"
    o = ping(True, False, 5, 9, 0x1234, 0xDEADBEEF, B, b"\x07", 0x1E)
    wire = encode_packet(_packet(o))
    # the option sits at 4n+2 (its table's alignment), after the 2 octets of the header: no padding
    assert (
        wire[42:69] == bytes((0x1E, 25, 0x85, 9, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF)) + B + b"\x07"
    )
    got = decode_packet(wire)
    assert got == _packet(o) and encode_packet(got) == wire
    assert option_length(o) == 25
    short = decode_packet(encode_packet(_packet(UnknownOption(0x1E, b"\x80" + bytes(8)))))
    (mal,) = [x for x in short.headers[0].options if isinstance(x, MalformedOption)]  # type: ignore[union-attr]
    assert (mal.kind, mal.reason) == ("PING", "X set but Option Length 9 < 24")
    assert alignment(o) == (4, 2)


@given(
    x=st.booleans(),
    y=st.booleans(),
    rsv=st.integers(0, 63),
    hops=st.integers(0, 255),
    ident=st.integers(0, 0xFFFF),
    when=st.integers(0, 0xFFFFFFFF),
    ext=st.binary(max_size=9),
)
def test_made_up_option_round_trips_every_value(
    x: bool, y: bool, rsv: int, hops: int, ident: int, when: int, ext: bytes
) -> None:
    c = register_option(MADE_UP)
    try:
        o = c.value(x, y, rsv, hops, ident, when, B if x else None, ext, 0x1E)
        wire = encode_packet(_packet(o))
        assert decode_packet(wire) == _packet(o)
        assert encode_packet(decode_packet(wire)) == wire
    finally:
        unregister_option("PING")


def test_made_up_option_in_decode_json(ping: type[Any], tmp_path: Path, capsys: Any) -> None:
    o = ping(False, True, 0, 3, 77, 60, None, b"", 0x1E)
    j = packet_json(decode_packet(encode_packet(_packet(o))))
    assert j["mip6"] == [
        {
            "type": "PING",
            "x": False,
            "y": True,
            "hops": 3,
            "ident": 77,
            "when": 60,
            "origin": None,
            "opt_type": 0x1E,
            "in": "dstopts",
        }
    ]
    cap = tmp_path / "ping.pcapng"
    with cap.open("wb") as fh:
        w = PcapWriter(fh, linktype=101)
        w.write(encode_packet(_packet(ping(True, False, 0, 1, 2, 3, A, b"", 0x1E))), time_us=0)
    assert main(["decode", "--json", str(cap)]) == 0
    (rec,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rec["mip6"][0]["origin"] == "::1" and rec["mip6"][0]["x"] is True


def test_unregistered_option_is_unknown_again() -> None:
    register_option(MADE_UP)
    unregister_option("PING")
    got = decode_packet(encode_packet(_packet(UnknownOption(0x1E, bytes(8)))))
    assert any(type(o) is UnknownOption for o in got.headers[0].options)  # type: ignore[union-attr]


def test_draft_tables_match_wire_formats_summary() -> None:
    """wire-formats §1.5: Option Lengths of the layout and as stated, alignments, action bits."""
    rows = {
        lay.kind: (lay.shapes(), lay.stated_fixed_length(), lay.align, lay.action)
        for lay in (BINDING_UPDATE, BINDING_ACK, BINDING_REQUEST, HOME_ADDRESS)
    }
    assert rows == {
        "BU": ((8, 24), 8, (4, 2), 0b110),
        "BA": ((11,), 12, (4, 3), 0b000),
        "BR": ((0,), 0, (1, 0), 0b000),
        "HAO": ((16,), 16, (4, 2), 0b110),
    }
    assert BINDING_UPDATE.stated_fixed_length(True) == 16  # "+8 if C" (B1)
    assert HOME_ADDRESS.align_8n6 == (8, 6)
    assert {k: dataclasses.is_dataclass(c.value) for k, c in COMPILED.items()} == dict.fromkeys(
        COMPILED, True
    )


def test_option_length_from_the_table() -> None:
    from mip6check.model.codec import BindingAck, BindingRequest, HomeAddress, bu

    assert option_length(bu(1, 2)) == 8
    assert option_length(bu(1, 2, care_of=A)) == 24
    assert option_length(BindingAck(0, 1, 2, 3, b"xy")) == 13
    assert option_length(BindingRequest(b"abc")) == 3
    assert option_length(HomeAddress(A)) == 16
    hdr = DestOptions((HomeAddress(A),))
    assert option_length(hdr.options[0]) == 16


def test_docs_option_tables_are_current() -> None:
    """docs/option-tables.md is what tools/option_tables.py writes from the tables."""
    import sys

    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root / "tools"))
    import option_tables

    page = (root / "docs" / "option-tables.md").read_text(encoding="utf-8")
    assert option_tables.render() == page
    assert (
        "| 10 | 16 | Care-of Address (only when C is set) | `care_of` / `mip6d04.bu.care_of` |"
        in page
    )
    made_up = option_tables.render([MADE_UP], [])
    assert "| 2 | bit 7 | Extra (X) | `x` / `mip6d04.ping.x` |" in made_up
    assert "| 10 | 16 | Origin (only when X is set) | `origin` / `mip6d04.ping.origin` |" in made_up
