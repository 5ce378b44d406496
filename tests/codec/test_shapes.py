"""The shape decoder (model/codec/shapes.py) is the general codec made faster on repeated shapes: on
every shared and repository capture, on the benchmarks' traffic and on mutilated packets it must give
decode_partial's value and error, and a packet that is not of a plan's shape must fall back to it."""

from __future__ import annotations

import ast
import random
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mip6check.model.codec import (
    PROFILES,
    UDP,
    DecodeError,
    Fragment,
    IPv6Packet,
    Profile,
    UnknownOption,
    dest_options,
    encode_packet,
    shapes,
)
from mip6check.model.codec import ipv6 as _ip
from mip6check.model.codec.layout import Field, OptionLayout
from mip6check.model.codec.link import decode_link
from mip6check.model.codec.options import option_decoders, register_option, unregister_option
from mip6check.model.codec.pcap import Record, iter_file
from mip6check.model.codec.shapes import MAX_PER_KEY, ShapeDecoder, plan_source
from mip6check.model.errors import CaptureError

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench._corpus import frames  # noqa: E402

Result = tuple[IPv6Packet | None, DecodeError | None]


def _ipv6(paths: list[Path]) -> Iterator[tuple[bytes, int]]:
    """(packet octets, offset in its frame) of every IPv6 frame of the captures."""
    for path in paths:
        try:
            for rec in iter_file(str(path)):
                if type(rec) is Record:
                    off = decode_link(rec.linktype, rec.data).ipv6_offset
                    if off is not None:
                        yield rec.data[off:], off
        except CaptureError:
            continue  # a capture made to be unreadable, or cut in the middle


def _same(got: Result, want: Result, where: object) -> None:
    assert got[0] == want[0], where
    assert repr(got[1]) == repr(want[1]), where
    if want[1] is not None:
        assert got[1] is not None and got[1].offset == want[1].offset, where


def _compare(items: list[tuple[bytes, int]], profile: Profile) -> tuple[int, int]:
    """Every packet through a fresh ShapeDecoder twice (plans made, then used) and through
    decode_partial; returns (packets, packets the second pass decoded by a plan)."""
    dec = ShapeDecoder(profile)
    for data, off in items:
        _same(dec.decode(data, off), _ip.decode_partial(data, profile, base_offset=off), data)
    general = _ip.decode_partial
    calls = [0]

    def counted(*args: object, **kw: object) -> Result:
        calls[0] += 1
        return general(*args, **kw)  # type: ignore[arg-type]

    _ip.decode_partial = counted
    try:
        got = [dec.decode(data, off) for data, off in items]
    finally:
        _ip.decode_partial = general
    for (data, off), g in zip(items, got, strict=True):
        _same(g, general(data, profile, base_offset=off), data)
    return len(items), len(items) - calls[0]


def test_every_shared_capture(shared_traces: Path) -> None:
    items = list(
        _ipv6(sorted(p for p in shared_traces.rglob("*") if p.suffix in (".pcap", ".pcapng")))
    )
    n, planned = _compare(items, PROFILES["draft04"])
    assert n > 1000 and planned > n // 2, (n, planned)


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_repository_capture(profile: str) -> None:
    paths = sorted(p for p in (ROOT / "traces").rglob("*") if p.suffix in (".pcap", ".pcapng"))
    n, planned = _compare(list(_ipv6(paths)), PROFILES[profile])
    assert n > 500 and planned > n // 2, (n, planned)


def _traffic(n: int, seed: int) -> list[tuple[bytes, int]]:
    out = []
    for fr in frames(n, seed):
        off = decode_link(1, fr).ipv6_offset
        assert off is not None
        out.append((fr[off:], off))
    return out


def test_generated_mixed_traffic() -> None:
    items = _traffic(3000, 7)
    n, planned = _compare(items, PROFILES["draft04"])
    assert planned == n  # every shape of the mix is planned, and every later packet takes its plan


def test_mutilated_packets_fall_back_to_the_general_codec() -> None:
    """Octets overwritten or cut off, steering ones among them: the same value and the same error
    (with its offset) as decode_partial, whichever path a packet takes."""
    rng = random.Random(15)
    items = _traffic(400, 3)
    bad: list[tuple[bytes, int]] = []
    for data, off in items:
        for _ in range(6):
            b = bytearray(data)
            for _ in range(rng.randint(1, 3)):
                b[rng.randrange(len(b))] = rng.choice((0, 1, 2, 4, 5, 0xFF, rng.randrange(256)))
            bad.append((bytes(b), off))
        bad.append((data[: rng.randrange(40, len(data))], off))
    mixed = [x for pair in zip(items, bad[: len(items)], strict=False) for x in pair] + bad
    n, planned = _compare(mixed, PROFILES["draft04"])
    assert planned > n // 4
    errors = sum(_ip.decode_partial(d, base_offset=o)[1] is not None for d, o in bad)
    assert errors > len(bad) // 10


def test_a_plan_declines_another_shape_and_the_codec_reports_the_error() -> None:
    """A planned shape, then the same packet with its first option's length made to run past the
    header: the plan's steering octets differ, the general codec gives the error at its offset."""
    (data, off), *_ = _traffic(1, 1)
    dec = ShapeDecoder()
    assert dec.decode(data, off)[1] is None
    key = next(iter(dec.by_key))
    plan = dec.by_key[key][0]
    assert plan(data, off) == dec.decode(data, off)[0]
    b = bytearray(data)
    assert data[6] == 51  # AH, then Destination Options (a home registration)
    first_option = 40 + (data[41] + 2) * 4 + 2
    assert b[first_option] not in (0, 1)
    b[first_option + 1] = 250
    assert plan(bytes(b), off) is None
    got = dec.decode(bytes(b), off)
    _same(got, _ip.decode_partial(bytes(b), base_offset=off), b)
    assert got[1] is not None and got[1].offset == off + first_option + 1
    assert len(dec.by_key[key]) == 1  # no plan made of a packet in error


PING = OptionLayout(
    kind="PING",
    title="Made-up Ping",
    section="§99",
    fields=(Field("hops", 8, "Hops"), Field("ident", 16, "Identifier")),
    action=0,
    numbers=(0x1E,),
)


def test_plans_follow_the_option_registry() -> None:
    """Option Type 0x1E is unknown, then registered: the plans made while it was unknown are dropped,
    and the packets decode with the new option's values as decode_partial gives them."""
    items = [(_unknown(0x1E, i), 0) for i in range(5)]
    dec = ShapeDecoder()
    for data, off in items * 2:
        got = dec.decode(data, off)
        assert type(got[0].headers[0].options[0]) is UnknownOption  # type: ignore[union-attr]
    assert sum(map(len, dec.by_key.values())) == 1
    register_option(PING)
    try:
        for data, off in items:
            got = dec.decode(data, off)
            _same(got, _ip.decode_partial(data, base_offset=off), data)
            assert type(got[0].headers[0].options[0]).__name__ == "Made-upPing"  # type: ignore[union-attr]
    finally:
        unregister_option("PING")
    for data, off in items:
        _same(dec.decode(data, off), _ip.decode_partial(data, base_offset=off), data)


def _unknown(opt_type: int, i: int = 0) -> bytes:
    """A packet whose one option (besides padding) is an unknown `opt_type` with 3 octets of data."""
    opts = dest_options(UnknownOption(opt_type, bytes((i, 0, i))))
    return encode_packet(IPv6Packet(bytes(15) + b"\x01", bytes(15) + b"\x02", (opts,)))


def test_plans_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """At most MAX_PER_KEY plans for one key and MAX_PLANS in all; beyond, the general codec
    decodes, with the same results."""
    items = [(_unknown(t), 0) for t in range(0x1E, 0x1E + 3 * MAX_PER_KEY)]  # one key, many shapes
    dec = ShapeDecoder()
    for data, off in items * 2:
        _same(dec.decode(data, off), _ip.decode_partial(data, base_offset=off), data)
    assert [len(v) for v in dec.by_key.values()] == [MAX_PER_KEY]
    frags = [  # a Fragment's shape is never planned: tried MAX_PER_KEY times, then left be
        (
            encode_packet(
                IPv6Packet(bytes(16), bytes(16), (Fragment(0, False, i),), UDP(1, 2, b"x"))
            ),
            0,
        )
        for i in range(3 * MAX_PER_KEY)
    ]
    dec = ShapeDecoder()
    for data, off in frags:
        _same(dec.decode(data, off), _ip.decode_partial(data, base_offset=off), data)
    assert dec.made == MAX_PER_KEY and not dec.by_key
    monkeypatch.setattr(shapes, "MAX_PLANS", 3)
    dec = ShapeDecoder()
    for data, off in [*items, *_traffic(100, 4)] * 2:
        _same(dec.decode(data, off), _ip.decode_partial(data, base_offset=off), data)
    assert dec.made == 3 and sum(map(len, dec.by_key.values())) == 3


def test_a_plan_source_holds_only_integers_of_the_packet() -> None:
    """The plan's source is made from the offsets and steering octets (integers) of the codec's walk:
    no other constant of the packet (an address, a payload) is ever written into it."""
    for data, _off in _traffic(200, 9):
        made = plan_source(data, option_decoders(PROFILES["draft04"]))
        assert made is not None
        src, _ns = made
        consts = [n.value for n in ast.walk(ast.parse(src)) if isinstance(n, ast.Constant)]
        assert consts and all(type(c) is int or c is None for c in consts), src
