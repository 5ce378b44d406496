"""Issue 7, bounded work on hostile input: the codec's Limits (tunnel nesting, extension headers per
packet, options per header) and replay's Limits (nodes, bindings, violations) are configurable, cut
the work short, and are reported when hit - by decode (`error.reason` names the limit) and by replay
(`limits_reached` in JSON, "limit reached" in text) - while the tracked nodes are still checked.

tests/codec/test_golden.py checks each codec limit raises; tests/replay/test_replay_cli.py checks the
replay limits on 3000 home addresses (and a million, slow). Here: the worst packets a 64 KiB payload
allows, the time they cost, the limits through the command line, and memory that stays flat once a
replay limit is reached.
"""

from __future__ import annotations

import json
import struct
import time
from pathlib import Path

import pytest

from mip6check.cli.main import main
from mip6check.model.addr import a
from mip6check.model.codec import DecodeError, decode_packet
from mip6check.model.codec.ipv6 import MAX_TUNNEL_DEPTH, decode_partial
from mip6check.model.codec.ipv6 import Limits as CodecLimits
from mip6check.model.codec.pcap import PcapWriter
from mip6check.model.errors import ModelUsageError
from mip6check.properties.replay import Limits, ReplayOptions, replay_file
from tests.replay.test_replay_cli import _many_homes

SRC, DST = a("2001:db8::1"), a("2001:db8::2")


def ipv6(nh: int, payload: bytes) -> bytes:
    return (
        bytes([0x60, 0, 0, 0])
        + struct.pack(">H", len(payload))
        + bytes([nh, 64])
        + SRC
        + DST
        + payload
    )


def nested_tunnels(depth: int) -> bytes:
    data = b""
    nh = 59
    for _ in range(depth):
        data = ipv6(nh, data)
        nh = 41
    return data


def many_ext_headers(n: int) -> bytes:
    """n Destination Options headers of 8 octets each (a PadN each), then No Next Header."""
    return ipv6(
        60, b"".join(bytes([60 if i < n - 1 else 59, 0, 1, 4, 0, 0, 0, 0]) for i in range(n))
    )


def many_options() -> bytes:
    """One Destination Options header of 2040 octets: 2038 Pad1 options."""
    return ipv6(60, bytes([59, 254]) + bytes(255 * 8 - 2 + 8))


WORST = {  # the most of each thing one 64 KiB packet can hold
    "max_tunnel_depth": nested_tunnels(65535 // 40),
    "max_ext_headers": many_ext_headers(65000 // 8),
    "max_options": many_options(),
}


@pytest.mark.parametrize("limit", sorted(WORST))
def test_default_limit_cuts_the_worst_packet_short(limit: str) -> None:
    data = WORST[limit]
    t = time.perf_counter()
    with pytest.raises(DecodeError, match=limit):
        decode_packet(data)
    pkt, err = decode_partial(data)
    assert err is not None and limit in str(err)
    assert time.perf_counter() - t < 0.5


@pytest.mark.parametrize("limit", sorted(WORST))
def test_limits_are_configurable(limit: str) -> None:
    """Lower: hit sooner. Higher than the packet needs: the packet decodes (or fails for another
    reason), never an exception other than DecodeError."""
    with pytest.raises(DecodeError, match=limit):
        decode_packet(
            many_ext_headers(5) if limit == "max_ext_headers" else WORST[limit],
            limits=CodecLimits(**{limit: 1}),
        )
    high = MAX_TUNNEL_DEPTH if limit == "max_tunnel_depth" else 100_000
    try:
        decode_packet(WORST[limit], limits=CodecLimits(**{limit: high}))
    except DecodeError as e:  # 1638 nested tunnels are deeper than any allowed setting
        assert limit == "max_tunnel_depth" and limit in str(e)


def test_deep_tunnel_limit_never_recursion_error() -> None:
    """Tunnels are decoded by recursion: the depth limit is capped (MAX_TUNNEL_DEPTH) so no setting
    turns deep nesting into RecursionError; at the cap, the deepest packet is a DecodeError.
    (Found by this suite: max_tunnel_depth=100000 raised RecursionError at 600 levels.)"""
    with pytest.raises(ModelUsageError, match="max_tunnel_depth"):
        CodecLimits(max_tunnel_depth=100_000)
    deepest = CodecLimits(max_tunnel_depth=MAX_TUNNEL_DEPTH)
    data = nested_tunnels(1600)
    with pytest.raises(DecodeError, match="max_tunnel_depth"):
        decode_packet(data, limits=deepest)
    assert decode_partial(data, limits=deepest)[1] is not None
    decode_packet(nested_tunnels(MAX_TUNNEL_DEPTH), limits=deepest)


def test_nested_icmp_errors_are_bounded() -> None:
    """ICMPv6 errors quoting ICMPv6 errors quoting ... as deep as 64 KiB allows: quick, no recursion error."""
    data = ipv6(59, b"")
    while len(data) < 65000:
        data = ipv6(58, bytes([1, 0, 0, 0, 0, 0, 0, 0]) + data)
    t = time.perf_counter()
    try:
        decode_packet(data)
    except DecodeError:
        pass
    decode_partial(data)
    assert time.perf_counter() - t < 0.5


def test_decode_and_replay_report_codec_limits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    p = tmp_path / "worst.pcap"
    with p.open("wb") as f:
        w = PcapWriter(f, linktype=229)
        for i, data in enumerate(WORST.values()):
            w.write(data, time_ms=i)
    assert main(["decode", "--json", str(p)]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [limit in j["error"]["reason"] for j, limit in zip(lines, WORST, strict=True)] == [
        True
    ] * 3
    assert all(j["src"] == "2001:db8::1" for j in lines)  # decoded as far as the limit
    assert main(["replay", "--json", str(p)]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["packets"] == 3 and r["undecodable"] == 3
    assert all(any(limit in e for e in map(str, r["errors"])) for limit in WORST)


# ---------------------------------------------------------------- replay: nodes, bindings, violations


@pytest.fixture(scope="module")
def many_homes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("homes") / "homes.pcap"
    _many_homes(p, 20_000)
    return p


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def test_replay_memory_flat_once_the_limit_is_reached(many_homes: Path) -> None:
    marks: list[float] = []
    r = replay_file(
        str(many_homes),
        ReplayOptions(limits=Limits(max_nodes=1000, max_bindings=500)),
        progress=lambda _n, _t: marks.append(_rss_mb()),
    )
    assert r.packets == r.decoded == 20_004
    hit = dict(r.limits_hit)
    assert hit["bindings"] > 0 and hit["nodes"] > 0
    assert len(r.nodes) <= 1000
    assert any(
        v.property == "MN-BACKOFF" for v in r.violations
    )  # the tracked node is still checked
    assert len(marks) >= 4 and max(marks[1:]) - marks[1] < 16, marks


def test_replay_limits_through_the_command_line(
    many_homes: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["replay", str(many_homes), "--max-nodes", "300", "--max-bindings", "200"]
    assert main([*argv, "--json"]) == 1
    r = json.loads(capsys.readouterr().out)
    assert r["limits_reached"]["bindings"] > 0 and r["limits_reached"]["nodes"] > 0
    assert len(r["nodes"]) <= 300
    assert main(argv) == 1
    text = capsys.readouterr().out
    assert "limit reached: bindings" in text and "MN-BACKOFF" in text


def test_violations_kept_are_bounded(tmp_path: Path) -> None:
    """Every packet a violation (Binding Updates without authentication): at most max_violations kept,
    the rest counted as a limit hit."""
    p = tmp_path / "noauth.pcap"
    from mip6check.model.codec import HomeAddress, IPv6Packet, bu, dest_options, encode_packet

    with p.open("wb") as f:
        w = PcapWriter(f, linktype=229)
        for i in range(400):
            home = (int.from_bytes(a("2001:db8:1::"), "big") + 0x100 + i).to_bytes(16, "big")
            pkt = IPv6Packet(
                a("2001:db8:2::9"),
                a("2001:db8:1::1"),
                (dest_options(bu(1, 60, a=True, h=True, id_length=64), HomeAddress(home)),),
            )
            w.write(encode_packet(pkt), time_ms=i * 10)
    full = replay_file(str(p))
    assert len(full.violations) > 20
    r = replay_file(str(p), ReplayOptions(limits=Limits(max_violations=10)))
    assert len(r.violations) == 10
    assert dict(r.limits_hit).get("violations", 0) == len(full.violations) - 10


@pytest.mark.slow
def test_million_home_addresses_default_limits_memory_plateau(tmp_path: Path) -> None:
    """A million distinct home addresses with the default limits: memory rises until the limits are
    reached (100,000 nodes) and stays flat after; the limit is reported."""
    p = tmp_path / "million.pcap"
    _many_homes(p, 1_000_000)
    marks: list[tuple[int, float]] = []
    r = replay_file(str(p), progress=lambda n, _t: marks.append((n, _rss_mb())))
    assert r.packets == 1_000_004
    assert dict(r.limits_hit).get("bindings", 0) > 0
    half = [m for n, m in marks if n >= 500_000]
    assert max(half) - half[0] < 0.1 * half[0], marks[::20]
