"""The rows the catalog missed, judged and shown to bite: MN-CN-UPDATE (§9.5), the IPv6
specification's errors the roles rely on (IPV6-*), and HA-RA-TUNNEL's scope (§8.5). Each corpus
scenario holds on the clean model with evidence (the judge had something to judge), and each mutant
that breaks the rule is reported violated by the scenario engine through that row, not an `expect`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mip6check.model.addr import a
from mip6check.model.codec import encode_packet
from mip6check.model.codec.values import UDP, DestOptions, IPv6Packet, PadN, Raw, Routing0
from mip6check.properties.base_rules import field_offsets
from mip6check.properties.mutants import BY_NAME
from mip6check.properties.scenarios import DEFAULT_DIRS
from mip6check.properties.spec.ipv6 import RhError, reaches_upper_layer, rh0_hop
from mip6check.properties.verdict import Status
from mip6check.properties.verify import VerifyOptions, run_verify

CASES = [
    ("24-cn-update-after-move.scenario", "mn-no-cn-update-after-move", "MN-CN-UPDATE"),
    ("25-ipv6-base-errors.scenario", "pp-unknown-nh-dropped", "IPV6-UNKNOWN-NH"),
    ("25-ipv6-base-errors.scenario", "pp-unknown-nh-pointer", "IPV6-UNKNOWN-NH"),
    ("25-ipv6-base-errors.scenario", "pp-pointer-header-lengths", "IPV6-UNKNOWN-NH"),
    ("25-ipv6-base-errors.scenario", "pp-hbh-not-first-pointer", "IPV6-UNKNOWN-NH"),
    ("25-ipv6-base-errors.scenario", "rh-24-addresses-accepted", "IPV6-RH-HDR-EXT-LEN"),
    ("25-ipv6-base-errors.scenario", "rh-strict-bit-ignored", "IPV6-RH-STRICT"),
    ("25-ipv6-base-errors.scenario", "rh-strict-bit-misread", "IPV6-RH-STRICT"),
    ("26-two-home-links-renumbering.scenario", "ha-ra-tunnel-other-link", "HA-RA-TUNNEL"),
]


def corpus_of(tmp_path: Path, name: str) -> dict[str, Path]:
    src = next(d / name for d in DEFAULT_DIRS if (d / name).exists())
    shutil.copy(src, tmp_path / name)
    return {"scenarios": tmp_path}


def scenario_result(tmp_path: Path, name: str, pid: str) -> tuple[Status, str]:
    opts = VerifyOptions(
        engines=("scenarios",), roots=corpus_of(tmp_path, name), properties=frozenset({pid})
    )
    r = next(r for r in run_verify(opts) if r.engine == "scenarios" and r.property == pid)
    return r.status, r.detail or ""


@pytest.mark.parametrize(("scenario", "mutant", "pid"), CASES)
def test_mutant_is_killed_by_its_row(tmp_path: Path, scenario: str, mutant: str, pid: str) -> None:
    m = BY_NAME[mutant]
    assert pid in m.catches and m.layer == "role"
    with m.applied():
        status, detail = scenario_result(tmp_path, scenario, pid)
    assert status is Status.VIOLATED, detail
    assert "expectation failed" not in detail  # the judge of the row, not an expect line


@pytest.mark.parametrize("scenario", sorted({c[0] for c in CASES}))
def test_clean_model_holds(tmp_path: Path, scenario: str) -> None:
    pids = {c[2] for c in CASES if c[0] == scenario}
    for pid in pids:
        status, detail = scenario_result(tmp_path, scenario, pid)
        assert status is Status.PASSED, detail


def test_field_offsets_read_the_chain() -> None:
    x, y = a("2001:db8::1"), a("2001:db8::2")
    bare = encode_packet(IPv6Packet(x, y, (), Raw(253, b"")))
    assert field_offsets(bare) == ([], 6)
    opts = encode_packet(IPv6Packet(x, y, (DestOptions((PadN(b"\0\0\0\0"),)),), Raw(253, b"")))
    assert field_offsets(opts) == ([(60, 40)], 40)


def test_rh0_hop_follows_the_ipv6_specification() -> None:
    many = tuple(a(f"2001:db8:6::{i + 1:x}") for i in range(24))
    assert rh0_hop(Routing0(24, many)).error is RhError.HDR_EXT_LEN
    assert rh0_hop(Routing0(0, many)).error is RhError.NONE  # Segments Left 0: next header
    assert rh0_hop(Routing0(3, many[:2])).error is RhError.SEGMENTS_LEFT
    hop = rh0_hop(Routing0(2, many[:2], 0, 0xC00000))  # bits 0 and 1: strict in both readings
    assert hop.next_address == many[0] and hop.strict
    assert not rh0_hop(Routing0(2, many[:2], 0, 0x400000)).strict  # bit[i] only (the algorithm)
    assert not rh0_hop(Routing0(2, many[:2], 0, 0x800000)).strict  # bit i-1 only (the field)
    assert reaches_upper_layer(IPv6Packet(many[0], many[1], (), UDP(1, 2)))
    assert not reaches_upper_layer(
        IPv6Packet(many[0], many[1], (Routing0(1, many[:1]),), UDP(1, 2))
    )
