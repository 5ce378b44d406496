"""The three sentences the received copy lost (§5.2 A-bit rule, §5.2 and §5.4 Option Length) are
clauses, marked restored and mapped; every MUST and MUST NOT is judged by a property or says what a
judge would need; W-HAO-LEN (the restored §5.4 length) is judged by replay."""

from __future__ import annotations

from pathlib import Path

import pytest

from mip6check.model.addr import a
from mip6check.model.codec import (
    AH,
    UDP,
    HomeAddress,
    IPv6Packet,
    MalformedOption,
    dest_options,
    encode_packet,
)
from mip6check.model.codec.link import encode_ethernet
from mip6check.model.codec.pcap import PcapngWriter
from mip6check.properties.coverage import Coverage, build, load_clauses, load_map
from mip6check.properties.replay import ReplayOptions, replay_file

RESTORED = {"C5.2-R1": "5.2", "C5.2-R2": "5.2", "C5.4-R1": "5.4"}


def test_208_clauses_with_the_three_restored() -> None:
    clauses = load_clauses()
    assert len(clauses) == 208
    by_id = {c.id: c for c in clauses}
    for cid, sec in RESTORED.items():
        assert by_id[cid].section == sec and by_id[cid].keyword == "MUST"
    assert "Acknowledge (A) bit is set" in by_id["C5.2-R1"].text
    assert by_id["C5.2-R2"].text.endswith("MUST be set to 12.")
    assert by_id["C5.4-R1"].text.endswith("MUST be set to 16.")
    # restored clauses sit before the first extracted clause of their section; the rest keep their IDs
    ids = [c.id for c in clauses]
    assert ids.index("C5.2-R2") + 1 == ids.index("C5.2-01")
    assert ids.index("C5.4-R1") + 1 == ids.index("C5.4-01")
    import json

    raw = json.loads(
        Path(__file__).resolve().parents[2].joinpath("properties", "clauses.json").read_text()
    )
    marked = {c["id"] for c in raw["clauses"] if c.get("restored")}
    assert marked == set(RESTORED)


def test_restored_clauses_are_mapped_to_their_rules() -> None:
    m = load_map()
    assert "BC-BA-ON-A" in m["C5.2-R1"]["properties"]
    assert "SPEC-BA-LEN-12" in m["C5.2-R2"]["properties"]
    assert "W-HAO-LEN" in m["C5.4-R1"]["properties"]
    report = build()
    assert report.problems == ()
    assert report.totals()["clauses"] == 208


def test_every_must_is_judged_or_names_what_a_judge_needs() -> None:
    """No MUST or MUST NOT hides behind "implemented": a property judges it, or it is out of scope
    with a reason naming what a judge would need."""
    for r in build().rows:
        if r.clause.keyword in ("MUST", "MUST NOT") and not r.properties:
            assert r.coverage is Coverage.OUT_OF_SCOPE, r.clause.id
            assert r.reason and "would need" in r.reason, r.clause.id


HA, HOME, COA, CN = (
    a("2001:db8:1::1"),
    a("2001:db8:1::100"),
    a("2001:db8:2::100"),
    a("2001:db8:4::5"),
)


def _replay(tmp_path: Path, hao: object) -> list[tuple[str, int]]:
    pkt = IPv6Packet(COA, CN, (AH(0x100, 1, bytes(12)), dest_options(hao)), UDP(5000, 7, b"x"))  # type: ignore[arg-type]
    path = tmp_path / "hao.pcapng"
    with path.open("wb") as f:
        w = PcapngWriter(f)
        i = w.add_interface("t")
        w.write(i, encode_ethernet(bytes(6), bytes(6), encode_packet(pkt)), time_ms=1000)
    rep = replay_file(str(path), ReplayOptions())
    return [(v.property, v.packet) for v in rep.violations]


@pytest.mark.parametrize(
    "hao,flagged",
    [
        (HomeAddress(HOME), False),
        (HomeAddress(HOME, b"\x00\x00"), True),  # Option Length 18: extensions the MUST forbids
        (MalformedOption(196, "HAO", HOME[:8], "short"), True),  # Option Length 8 (B3's threshold)
    ],
)
def test_replay_judges_the_home_address_option_length(
    tmp_path: Path, hao: object, flagged: bool
) -> None:
    got = _replay(tmp_path, hao)
    assert (("W-HAO-LEN", 1) in got) is flagged, got
