"""Differential test against `tshark -T json` (skipped when tshark is absent): a deterministic batch of
our packets written to one pcap, and the shared MH captures, compared field by field."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from mip6check.model.addr import fmt
from mip6check.model.codec import (
    UDP,
    EchoRequest,
    HomeAddress,
    IPv6Packet,
    MobilityHeader,
    MobilityOption,
    NeighborAdvertisement,
    NeighborSolicitation,
    PrefixInfo,
    RouterAdvertisement,
    Routing0,
    Routing2,
    SourceLLA,
    decode_packet,
    dest_options,
    encapsulate,
    encode_packet,
)
from tests.codec._pcap import ipv6_frames, write_raw_ipv6

TSHARK = shutil.which("tshark")
pytestmark = pytest.mark.skipif(TSHARK is None, reason="tshark not installed")


def _pairs(pairs: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return pairs  # keep duplicate keys (tshark repeats "ipv6" for tunnels) and their order


def _flat(node: Any, out: dict[str, list[str]]) -> None:
    """Every leaf value by key, in document order."""
    for k, v in node:
        if isinstance(v, str):
            out.setdefault(k, []).append(v)
        elif isinstance(v, list) and v and isinstance(v[0], tuple):
            _flat(v, out)
        elif isinstance(v, list):
            for x in v:
                if isinstance(x, str):
                    out.setdefault(k, []).append(x)
                else:
                    _flat(x, out)


def _tshark(path: Path) -> list[dict[str, list[str]]]:
    assert TSHARK is not None
    r = subprocess.run(
        [TSHARK, "-r", str(path), "-T", "json", "-o", "ip.check_checksum:FALSE"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    res = []
    for frame in json.loads(r.stdout, object_pairs_hook=_pairs):
        d: dict[str, list[str]] = {}
        _flat(dict(dict(frame)["_source"])["layers"], d)
        res.append(d)
    return res


def _batch(n: int = 120) -> list[IPv6Packet]:
    rnd = random.Random(2026)
    ad = lambda: bytes([0x20, 0x01, 0x0D, 0xB8]) + rnd.randbytes(12)  # noqa: E731
    out: list[IPv6Packet] = []
    for i in range(n):
        src, dst, hl, fl = ad(), ad(), rnd.randrange(256), rnd.randrange(1 << 20)
        k = i % 7
        pay: Any
        hs: tuple[Any, ...] = ()
        if k == 0:
            hs, pay = (
                (dest_options(HomeAddress(ad(), opt_type=201), hao_8n6=True),),
                UDP(rnd.randrange(1, 65536), rnd.randrange(1, 65536), rnd.randbytes(5)),
            )
        elif k == 1:
            hs, pay = (
                (Routing0(1, (ad(), ad())[: rnd.randrange(1, 3)]),),
                EchoRequest(rnd.randrange(65536), rnd.randrange(65536), b"ping"),
            )
        elif k == 2:
            ba = (
                ("status", rnd.randrange(256)),
                ("k", rnd.random() < 0.5),
                ("rsv", 0),
                ("seq", rnd.randrange(65536)),
                ("lifetime", rnd.randrange(65536)),
            )
            hs, pay = (Routing2(1, ad()),), MobilityHeader(6, ba, (MobilityOption(1, b"\x00\x00"),))
        elif k == 3:
            bu = (
                ("seq", rnd.randrange(65536)),
                ("a", True),
                ("h", rnd.random() < 0.5),
                ("l", False),
                ("k", True),
                ("rsv", 0),
                ("lifetime", rnd.randrange(65536)),
            )
            hs, pay = (
                (dest_options(HomeAddress(ad(), opt_type=201), hao_8n6=True),),
                MobilityHeader(5, bu, (MobilityOption(1, b"\x00\x00"),)),
            )
        elif k == 4:
            pay = RouterAdvertisement(
                64,
                False,
                False,
                True,
                0,
                rnd.randrange(65536),
                0,
                0,
                (PrefixInfo(64, True, True, rnd.randrange(1 << 32), 100, ad()[:8] + bytes(8)),),
            )
        elif k == 5:
            pay = (
                NeighborSolicitation(ad(), (SourceLLA(rnd.randbytes(6)),))
                if rnd.random() < 0.5
                else NeighborAdvertisement(ad(), True, False, True)
            )
        else:
            pay = encapsulate(IPv6Packet(ad(), ad(), (), UDP(7, 9, b"in")), ad(), ad())
        out.append(IPv6Packet(src, dst, hs, pay, hl, 0, fl))
    return out


def _check(pkt: IPv6Packet, t: dict[str, list[str]]) -> None:
    assert t["ipv6.src"][0] == fmt(pkt.src) and t["ipv6.dst"][0] == fmt(pkt.dst)
    assert int(t["ipv6.hlim"][0]) == pkt.hop_limit and int(t["ipv6.flow"][0], 16) == pkt.flow_label
    assert int(t["ipv6.plen"][0]) == len(encode_packet(pkt)) - 40
    for h in pkt.headers:
        if isinstance(h, Routing0):
            assert (
                int(t["ipv6.routing.type"][0]) == 0
                and int(t["ipv6.routing.segleft"][0]) == h.segments_left
            )
            assert [fmt(x) for x in h.addresses] == t.get("ipv6.routing.src.addr", [])
        elif isinstance(h, Routing2):
            assert t["ipv6.routing.mipv6.home_address"] == [fmt(h.home_address)]
    haos = (
        [
            fmt(o.home_address)
            for o in getattr(pkt.headers[0], "options", ())
            if isinstance(o, HomeAddress)
        ]
        if pkt.headers
        else []
    )
    assert haos == t.get("ipv6.opt.mipv6.home_address", [])
    u = pkt.payload
    if isinstance(u, MobilityHeader):
        f = dict(u.fields)
        assert int(t["mip6.mhtype"][0]) == u.mh_type and int(t["mip6.csum"][0], 16) == u.checksum
        if u.mh_type == 5:
            assert (
                int(t["mip6.bu.seqnr"][0]) == f["seq"]
                and int(t["mip6.bu.lifetime"][0]) == f["lifetime"]
            )
        if u.mh_type == 6:
            assert (
                int(t["mip6.ba.status"][0]) == f["status"]
                and int(t["mip6.ba.seqnr"][0]) == f["seq"]
            )
            assert int(t["mip6.ba.k_flag"][0]) == int(bool(f["k"]))
    elif isinstance(u, IPv6Packet):
        assert t["ipv6.src"][1] == fmt(u.src) and t["ipv6.dst"][1] == fmt(u.dst)
    elif hasattr(u, "checksum") and "icmpv6.type" in t:
        assert int(t["icmpv6.checksum"][0], 16) == u.checksum  # type: ignore[union-attr]
    elif isinstance(u, UDP):
        assert int(t["udp.checksum"][0], 16) == u.checksum and int(t["udp.srcport"][0]) == u.sport


def test_tshark_batch(tmp_path: Path) -> None:
    pkts = [decode_packet(encode_packet(p)) for p in _batch()]
    f = tmp_path / "batch.pcap"
    write_raw_ipv6(f, [encode_packet(p) for p in pkts])
    rows = _tshark(f)
    assert len(rows) == len(pkts)
    for p, t in zip(pkts, rows, strict=True):
        _check(p, t)


def test_tshark_shared_mh(shared_traces: Path) -> None:
    files = [
        *sorted((shared_traces / "zeek/Traces/mobile-ipv6").glob("*.pcap")),
        shared_traces / "tcpdump/ipv6_mobility_1.pcap",
    ]
    for f in files:
        frames = [b for _i, b, _o in ipv6_frames(f) if b is not None]
        rows = _tshark(f)
        assert len(rows) == len(frames)
        for b, t in zip(frames, rows, strict=True):
            _check(decode_packet(b), t)
