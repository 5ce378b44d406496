"""`decode --json` writes its lines without building dictionaries (cli/json_lines.py): every line must
be exactly `json.dumps(record_json(d))`, the contract's form, on every capture of the repository, on
the benchmarks' traffic, on mutilated packets, and for values the fast path hands to the general one."""

from __future__ import annotations

import io
import json
import random
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from mip6check.cli import cmd_decode, json_lines, render
from mip6check.cli.cmd_decode import _write_lines, decode_path, decode_record
from mip6check.cli.json_lines import option_line, packet_fields, record_line
from mip6check.cli.main import main
from mip6check.cli.render import option_json, packet_json, record_json
from mip6check.model.addr import a
from mip6check.model.codec import (
    PROFILES,
    BindingUpdate,
    DestOptions,
    HomeAddress,
    IPv6Packet,
    NeighborAdvertisement,
    NoNextHeader,
    PrefixInfo,
    RouterAdvertisement,
    SourceLLA,
    TargetLLA,
    dest_options,
)
from mip6check.model.codec.pcap import PcapWriter, Record, iter_file

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from bench._corpus import frames  # noqa: E402

CAPTURES = sorted(
    p for d in ("traces",) for p in (ROOT / d).rglob("*") if p.suffix in (".pcap", ".pcapng")
)


def test_there_are_captures_to_compare() -> None:
    assert len(CAPTURES) >= 100


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_repository_capture_byte_for_byte(profile: str) -> None:
    records = 0
    for path in CAPTURES:
        try:
            items = list(decode_path(str(path), PROFILES[profile]))
        except Exception:  # noqa: BLE001 - a capture made to be unreadable: nothing to render
            continue
        for d in items:
            assert record_line(d) == json.dumps(record_json(d)), (path.name, d.record)
            records += 1
    assert records > 1000


def test_benchmark_traffic_byte_for_byte_and_without_dictionaries(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "mix.pcap"
    with open(path, "wb") as f:
        w = PcapWriter(f, linktype=1, nanosecond=False)
        for i, fr in enumerate(frames(600)):
            w.write(fr, time_us=i * 1000 + 7)
    items = list(decode_path(str(path)))
    want = [json.dumps(record_json(d)) for d in items]
    assert [record_line(d) for d in items] == want

    # the common records (registrations, acknowledgements, tunnels, route-optimised data, ND) are
    # written without record_json / packet_json / option_json: the speed of decode --json rests on it
    def no(*args: object, **kwargs: object) -> object:
        raise AssertionError("the general renderer was used")

    for name in ("record_json", "packet_json", "option_json", "icmpv6_json", "mh_json"):
        monkeypatch.setattr(json_lines, name, no)
    assert [record_line(d) for d in items] == want


def _mutilated(seed: int, n: int) -> list[bytes]:
    rng = random.Random(seed)
    base = list(frames(60, seed=seed))
    out = []
    for _ in range(n):
        fr = bytearray(rng.choice(base))
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(14, len(fr))
            fr[i] = rng.randrange(256)
        if rng.random() < 0.3:
            del fr[rng.randrange(14, len(fr)) :]
        out.append(bytes(fr))
    return out


def test_mutilated_packets_byte_for_byte() -> None:
    """Errors, truncations, unknown options and headers: whichever path renders them, the same line."""
    for i, fr in enumerate(_mutilated(5, 3000)):
        rec = Record(i + 1, i * 1_000_001, 1, fr, len(fr) + (i % 3))
        d = decode_record(rec)
        assert record_line(d) == json.dumps(record_json(d)), fr.hex()


def test_values_beyond_the_fast_path() -> None:
    """Odd values the codec does not produce still come out as the dictionaries would."""
    home, coa, ha = a("2001:db8:1::100"), a("2001:db8:2::100"), a("2001:db8:1::1")
    bu = BindingUpdate(seq=7, lifetime=60, a=True, h=True, id_length=64, care_of=coa)
    assert option_line(bu, "dstopts") == json.dumps(option_json(bu, "dstopts"))
    ra = RouterAdvertisement(
        managed=True,
        home_agent=True,
        options=(
            SourceLLA(b"\x02\x00\x00\x00\x00\x01"),
            _prefix("2001:db8:1::", 64),
            SourceLLA(b"\x02\x00\x00\x00\x00\x02"),  # a repeated key keeps its first place
            _prefix("2001:db8:7::", 48),
        ),
    )
    na = NeighborAdvertisement(home, override=True, options=(TargetLLA(b"\x02" * 6),))
    for u in (ra, na):
        pkt = IPv6Packet(a("fe80::1"), a("ff02::1"), (), u, hop_limit=255)  # type: ignore[arg-type]
        assert "{" + packet_fields(pkt) + "}" == json.dumps(packet_json(pkt))

    @dataclass(frozen=True)
    class MyDest(DestOptions):  # a subclass of a header: the general renderer's isinstance path
        pass

    pkt = IPv6Packet(coa, ha, (MyDest((HomeAddress(home),)),), NoNextHeader())
    assert "{" + packet_fields(pkt) + "}" == json.dumps(packet_json(pkt))
    hop = IPv6Packet(coa, ha, (dest_options(HomeAddress(home)),), NoNextHeader(), hop_limit=True)
    assert "{" + packet_fields(hop) + "}" == json.dumps(packet_json(hop))


def test_a_renamed_option_table_is_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    """The writers are remembered by value type, and redone when the codec's table changes."""
    hao = HomeAddress(a("2001:db8:1::100"))
    first = option_line(hao, "dstopts")
    c = json_lines.BY_VALUE[HomeAddress]
    renamed = type(c)(
        type(c.layout)(**{**_fields(c.layout), "kind": "HOME"}), *list(_fields(c).values())[1:]
    )
    monkeypatch.setitem(json_lines.BY_VALUE, HomeAddress, renamed)
    monkeypatch.setitem(render.BY_VALUE, HomeAddress, renamed)
    assert option_line(hao, "dstopts") == json.dumps(option_json(hao, "dstopts"))
    assert option_line(hao, "dstopts") != first


def _prefix(p: str, n: int) -> PrefixInfo:
    return PrefixInfo(
        prefix_length=n,
        on_link=n == 64,
        autonomous=True,
        valid_lifetime=100,
        preferred_lifetime=50,
        prefix=a(p),
    )


def _fields(obj: object) -> dict[str, object]:
    import dataclasses

    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}  # type: ignore[arg-type]


def test_lines_written_before_a_failure_are_kept() -> None:
    out: list[str] = []

    def lines() -> object:
        for i in range(300):
            yield str(i)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _write_lines(lines(), out.append)  # type: ignore[arg-type]
    assert "".join(out) == "".join(f"{i}\n" for i in range(300))


def test_the_command_prints_the_same_as_the_dictionaries(tmp_path: Path) -> None:
    path = tmp_path / "mix.pcap"
    with open(path, "wb") as f:
        w = PcapWriter(f, linktype=1, nanosecond=False)
        for i, fr in enumerate(frames(700)):  # more lines than one write's batch
            w.write(fr, time_us=i * 1000)
        ipv4 = b"\x01" * 6 + b"\x00" * 6 + b"\x08\x00" + b"\x45" + bytes(30)  # Ethernet, IPv4
        w.write(ipv4, time_us=1)
        for fr in _mutilated(9, 300):  # errors and truncations through the command's own loop
            w.write(fr, time_us=2)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert main(["decode", "--json", str(path)]) == 0
    want = "".join(json.dumps(record_json(d)) + "\n" for d in decode_path(str(path)))
    assert out.getvalue() == want
    assert len(list(iter_file(str(path)))) == want.count("\n") == 1001
    assert '"error": {"offset"' in want and '"not_ipv6": {' in want


def _command_lines(records: list[Record], profile: str = "draft04") -> list[str]:
    return list(cmd_decode.json_lines(iter(records), PROFILES[profile]))


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_the_command_loop_byte_for_byte_on_every_repository_capture(profile: str) -> None:
    """The command's own loop (shapes compiled to one f-string each) against the dictionaries."""
    records = 0
    for path in CAPTURES:
        try:
            recs = list(iter_file(str(path)))
        except Exception:  # noqa: BLE001 - a capture made to be unreadable: nothing to render
            continue
        want = [json.dumps(record_json(decode_record(r, PROFILES[profile]))) for r in recs]
        assert _command_lines(recs, profile) == want, path.name  # type: ignore[arg-type]
        records += len(recs)
    assert records > 1000


def test_the_command_loop_compiles_the_benchmark_shapes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every shape of the benchmark traffic is written by its compiled writer (packet_fields and the
    dictionaries unused), and the same as the dictionaries; so are mutilated packets."""
    recs = [Record(i + 1, i * 1_000_003, 1, fr, len(fr)) for i, fr in enumerate(frames(600))]
    mutilated = [Record(i + 1, i, 1, fr, len(fr)) for i, fr in enumerate(_mutilated(11, 1500))]
    want = [json.dumps(record_json(decode_record(r))) for r in recs]
    want_mutilated = [json.dumps(record_json(decode_record(r))) for r in mutilated]

    def no(*args: object, **kwargs: object) -> object:
        raise AssertionError("not the compiled writer")

    monkeypatch.setattr(json_lines, "_SHAPES", {})
    monkeypatch.setattr(cmd_decode, "_READERS", {})  # each shape's first packet: its typed writer
    with monkeypatch.context() as m:
        for name in ("packet_fields", "record_json", "packet_json", "option_json", "mh_json"):
            m.setattr(json_lines, name, no)
        assert _command_lines(recs) == want
    assert len(json_lines._SHAPES) >= 7 and None not in json_lines._SHAPES.values()
    assert _command_lines(mutilated) == want_mutilated


def test_a_compiled_shape_sees_a_renamed_option_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """A shape's writer checks that its option tables are still the codec's: a table registered
    again is written with its new kind, as option_line does."""
    recs = [Record(i + 1, i, 1, fr, len(fr)) for i, fr in enumerate(frames(12))]
    first = _command_lines(recs)
    c = json_lines.BY_VALUE[HomeAddress]
    renamed = type(c)(
        type(c.layout)(**{**_fields(c.layout), "kind": "HOME"}), *list(_fields(c).values())[1:]
    )
    monkeypatch.setitem(json_lines.BY_VALUE, HomeAddress, renamed)
    monkeypatch.setitem(render.BY_VALUE, HomeAddress, renamed)
    again = _command_lines(recs)
    assert again == [json.dumps(record_json(decode_record(r))) for r in recs]
    assert again != first and '"type": "HOME"' in "".join(again)


def test_the_command_loop_on_neighbor_discovery_and_echo_shapes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ND messages (repeated options keep their first place and last value, prefixes in order, an
    MTU), Redirect and Echo, through the compiled writers only, the same as the dictionaries."""
    from mip6check.model.codec import (
        EchoReply,
        EchoRequest,
        MTUOption,
        Redirect,
        RouterSolicitation,
        encode_packet,
    )
    from mip6check.model.codec.link import encode_ethernet

    lla1, lla2 = b"\x02\x00\x00\x00\x00\x01", b"\x02\x00\x00\x00\x00\x02"
    ra = RouterAdvertisement(
        cur_hop_limit=64,
        managed=True,
        home_agent=True,
        router_lifetime=1800,
        reachable_time=7,
        retrans_timer=9,
        options=(
            SourceLLA(lla1),
            _prefix("2001:db8:1::", 64),
            MTUOption(1280),
            SourceLLA(lla2),
            _prefix("2001:db8:7::", 48),
        ),
    )
    bodies = [
        ra,
        RouterSolicitation(options=(SourceLLA(lla1),)),
        NeighborAdvertisement(a("2001:db8::1"), solicited=True, router=True, options=()),
        Redirect(a("2001:db8::2"), a("2001:db8:9::3"), options=(TargetLLA(lla2),)),
        EchoRequest(ident=7, seq=65535),
        EchoReply(ident=0, seq=1),
    ]
    frames_ = [
        encode_ethernet(lla1, lla2, encode_packet(IPv6Packet(a("fe80::1"), a("ff02::1"), (), u)))  # type: ignore[arg-type]
        for u in bodies
    ]
    recs = [Record(i + 1, i, 1, fr, len(fr)) for i, fr in enumerate(frames_)]
    want = [json.dumps(record_json(decode_record(r))) for r in recs]

    def no(*args: object, **kwargs: object) -> object:
        raise AssertionError("not the compiled writer")

    monkeypatch.setattr(json_lines, "_SHAPES", {})
    for name in ("packet_fields", "record_json", "packet_json", "icmpv6_json", "_nd_tail"):
        monkeypatch.setattr(json_lines, name, no)
    assert _command_lines(recs) == want
    assert '"slla": "02:00:00:00:00:02", "prefixes": [' in want[0] and '"mtu": 1280' in want[0]


def test_the_command_loop_on_every_routing_header_type(monkeypatch: pytest.MonkeyPatch) -> None:
    """Type 0 (no, one and three addresses), type 2 and an unknown type, each first of two Routing
    headers (only the first is shown), through the compiled writers only, as the dictionaries."""
    from mip6check.model.codec import UDP, Routing0, Routing2, RoutingOther, encode_packet
    from mip6check.model.codec.link import encode_ethernet

    addrs = [a(f"2001:db8:{i}::1") for i in range(1, 4)]
    firsts = [
        Routing0(0, ()),
        Routing0(1, (addrs[0],)),
        Routing0(2, tuple(addrs)),
        Routing2(1, addrs[1]),
        RoutingOther(7, 3, bytes(4)),
    ]
    frames_ = [
        encode_ethernet(
            b"\x02" * 6,
            b"\x04" * 6,
            encode_packet(
                IPv6Packet(addrs[0], addrs[2], (h, Routing2(0, addrs[0])), UDP(1, 2, b"x"))
            ),
        )
        for h in firsts
    ]
    recs = [Record(i + 1, i, 1, fr, len(fr)) for i, fr in enumerate(frames_)]
    want = [json.dumps(record_json(decode_record(r))) for r in recs]

    def no(*args: object, **kwargs: object) -> object:
        raise AssertionError("not the compiled writer")

    monkeypatch.setattr(json_lines, "_SHAPES", {})
    for name in ("packet_fields", "record_json", "packet_json", "_routing"):
        monkeypatch.setattr(json_lines, name, no)
    assert _command_lines(recs) == want
    assert '"routing": {"type": 7, "segments_left": 3, "addresses": []}' in want[4]
    assert '"routing": {"type": 2, "segments_left": 1, "addresses": ["2001:db8:2::1"]}' in want[3]
