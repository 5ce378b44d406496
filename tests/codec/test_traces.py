"""Real captures written by others (../shared/traces, skipped when absent): decode every IPv6 packet
and compare with the expected outputs that ship beside them (tcpdump .out files, Zeek baselines)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mip6check.model.addr import a, fmt
from mip6check.model.codec import (
    UDP,
    DecodeError,
    DestOptions,
    HomeAddress,
    IPv6Packet,
    MobilityHeader,
    Raw,
    Routing0,
    Routing2,
    checksum_ok,
    decode_packet,
    decode_partial,
    encode_packet,
    header_len_mismatch,
    innermost,
)
from tests.codec._pcap import ipv6_frames


def _packets(path: Path) -> list[tuple[int, bytes, int]]:
    return [(i, b, off) for i, b, off in ipv6_frames(path) if b is not None]


def _exact(b: bytes) -> bytes:
    return b[: 40 + int.from_bytes(b[4:6], "big")]


# ---------------------------------------------------------------- every file decodes cleanly or with DecodeError


def test_every_shared_capture_decodes_or_raises_decode_error(shared_traces: Path) -> None:
    files = sorted(shared_traces.rglob("*.pcap"))
    assert files
    n = 0
    for f in files:
        try:
            frames = _packets(f)
        except ValueError:
            continue  # pcapng or odd files: the pcap reader's tests cover them
        for _i, b, off in frames:
            n += 1
            try:
                pkt = decode_packet(b, base_offset=off)
            except DecodeError as e:
                assert off <= e.offset <= off + len(b), (f, e)
                decode_partial(b)
            else:
                assert encode_packet(pkt) == _exact(b), f  # byte for byte
    assert n > 100


# ---------------------------------------------------------------- tcpdump ipv6_mobility_1 (-v)

_OPT = {0: "(pad1)", 1: "(padn)"}


def _tcpdump_mh(pkt: IPv6Packet) -> str:
    """Render a decoded Mobility Header the way tcpdump -v prints it (print-mobility.c)."""
    mh = pkt.payload
    assert isinstance(mh, MobilityHeader)
    f = dict(mh.fields)
    name = {0: "BRR", 1: "HoTI", 2: "CoTI", 3: "HoT", 4: "CoT", 5: "BU", 6: "BA", 7: "BE"}[
        mh.mh_type
    ]
    s = name

    def cookie(v: object) -> str:
        x = f"{v:016x}"
        return f"{x[:8]}:{x[8:]}"

    if mh.mh_type == 1:
        s += f" Home Init Cookie={cookie(f['cookie'])}"
    elif mh.mh_type == 2:
        s += f" Care-of Init Cookie={cookie(f['cookie'])}"
    elif mh.mh_type in (3, 4):
        who = "Home" if mh.mh_type == 3 else "Care-of"
        s += f" nonce id={f['nonce_idx']:#x} {who} Init Cookie={cookie(f['cookie'])} {who} Keygen Token={cookie(f['token'])}"
    elif mh.mh_type == 5:
        flags = "".join(c.upper() for c in "ahlk" if f[c])
        s += (
            f" seq#={f['seq']}"
            + (f" {flags}" if flags else "")
            + f" lifetime={int(f['lifetime']) * 4}"
        )
    elif mh.mh_type == 6:
        s += (
            f" status={f['status']}"
            + (" K" if f["k"] else "")
            + f" seq#={f['seq']} lifetime={int(f['lifetime']) * 4}"
        )
    elif mh.mh_type == 7:
        ha = f["home_address"]
        assert isinstance(ha, bytes)
        s += f" status={f['status']} homeaddr {fmt(ha)}"
    for o in mh.options:
        d = o.data
        if o.opt_type in _OPT:
            s += _OPT[o.opt_type]
        elif o.opt_type == 2:
            s += f"(refresh: {int.from_bytes(d[:2], 'big') * 4})"
        elif o.opt_type == 3:
            s += f"(alt-CoA: {fmt(d[:16])})"
        elif o.opt_type == 4:
            s += f"(ni: ho=0x{d[0:2].hex()} co=0x{d[2:4].hex()})"
        elif o.opt_type == 5:
            s += "(auth)"
        else:
            s += f"(unknown: type-#{o.opt_type} len={len(d)})"
    return s


def test_tcpdump_ipv6_mobility_1(shared_traces: Path) -> None:
    d = shared_traces / "tcpdump"
    lines = (d / "ipv6_mobility_1-v.out").read_text().splitlines()
    pkts = _packets(d / "ipv6_mobility_1.pcap")
    assert len(lines) == len(pkts) == 16
    for line, (_i, b, _off) in zip(lines, pkts, strict=True):
        pkt = decode_packet(b)
        m = re.search(
            r"hlim (\d+), next-header Mobility \((\d+)\), payload length (\d+)\) (\S+) > (\S+): mobility: (.*)$",
            line,
        )
        assert m, line
        assert pkt.hop_limit == int(m[1])
        assert isinstance(pkt.payload, MobilityHeader) and pkt.payload.next_header_number == int(
            m[2]
        )
        assert len(b) - 40 == int(m[3])
        assert pkt.src == a(m[4]) and pkt.dst == a(m[5])
        assert _tcpdump_mh(pkt) == m[6]
        assert not header_len_mismatch(pkt.payload)
        assert checksum_ok(pkt) is False  # INDEX.md: MH checksum is 0 in every packet of this file


@pytest.mark.parametrize(
    "name",
    [
        "mobility_opt_asan",
        *(f"mobility_opt_asan_{k}" for k in range(2, 9)),
        "ipv6-mobility-header-oobr",
    ],
)
def test_tcpdump_fuzzed_mh_partial(shared_traces: Path, name: str) -> None:
    """Fuzzed NH 62 packets are truncated ([|mobility]): a clean DecodeError, and the partial decode
    agrees with tcpdump's IPv6 header fields and payload protocol."""
    d = shared_traces / "tcpdump"
    lines = (d / f"{name}.out").read_text().splitlines()
    pkts = _packets(d / f"{name}.pcap")
    assert len(lines) == len(pkts)
    for line, (_i, b, off) in zip(lines, pkts, strict=True):
        with pytest.raises(DecodeError):
            decode_packet(b, base_offset=off)
        pkt, err = decode_partial(b)
        assert pkt is not None and err is not None
        m = re.search(
            r"IP6 (?:\(class (0x\w+), flowlabel (0x\w+), hlim (\d+), .*?payload length (\d+)\) )?(\S+) > (\S+): mobility: \(payload protocol (\d+)",
            line,
        )
        assert m, line
        if m[1]:
            assert pkt.traffic_class == int(m[1], 16) and pkt.flow_label == int(m[2], 16)
            assert pkt.hop_limit == int(m[3]) and int.from_bytes(b[4:6], "big") == int(m[4])
        assert pkt.src == a(m[5]) and pkt.dst == a(m[6])
        assert isinstance(pkt.payload, Raw) and pkt.payload.next_header == 62
        assert pkt.payload.data[0] == int(m[7])


# ---------------------------------------------------------------- Zeek core.mobility_msg baseline

_ZEEK_MSG = {0: "brr", 1: "hoti", 2: "coti", 3: "hot", 4: "cot", 5: "bu", 6: "back", 7: "be"}
_ZEEK_NAME = {"life": "lifetime", "hoa": "home_address"}


def _zeek_records(text: str) -> dict[int, str]:
    out = {}
    for line in text.splitlines():
        m = re.search(r"mh_type=(\d+)", line)
        if m:
            out[int(m[1])] = line
    return out


def test_zeek_mobility_msg(shared_traces: Path) -> None:
    z = shared_traces / "zeek"
    rec = _zeek_records((z / "Baseline/core.mobility_msg/output").read_text())
    files = sorted((z / "Traces/mobile-ipv6").glob("mip6_*.pcap"))
    assert len(files) == 8
    seen = set()
    for f in files:
        ((_i, b, _off),) = _packets(f)
        pkt = decode_packet(b)
        mh = pkt.payload
        assert isinstance(mh, MobilityHeader)
        line = rec[mh.mh_type]
        hdr = re.search(
            r"mobility=\[nxt=(\d+), len=(\d+), mh_type=(\d+), rsv=(\d+), chksum=(\d+)", line
        )
        assert hdr
        assert (mh.payload_proto, mh.declared_len, mh.reserved, mh.checksum) == (
            int(hdr[1]),
            int(hdr[2]),
            int(hdr[4]),
            int(hdr[5]),
        )
        assert checksum_ok(pkt) is True  # INDEX.md: all Zeek MH checksums verify
        body = re.search(_ZEEK_MSG[mh.mh_type] + r"=\[(.*?), options=\[(.*?)\]\]", line)
        assert body, line
        fields = dict(mh.fields)
        for kv in body[1].split(", "):
            k, v = kv.split("=", 1)
            ours = fields[_ZEEK_NAME.get(k, k)]
            if isinstance(ours, bool):
                assert ours == (v == "T"), k
            elif isinstance(ours, bytes):
                assert ours == a(v), k
            else:
                assert ours == int(v), k
        zopts = re.findall(r"\[otype=(\d+), len=(\d+), data=([^\]]*)", body[2])
        assert [(o.opt_type, len(o.data)) for o in mh.options] == [
            (int(t), int(n)) for t, n, _ in zopts
        ]
        seen.add(mh.mh_type)
    assert seen == set(range(8))


def test_zeek_checksum_traces(shared_traces: Path) -> None:
    """Good files verify, bad files do not: pseudo-header uses the HoA (§9.1) and the RH0 final address (§7.9)."""
    d = shared_traces / "zeek/Traces/chksums"
    files = sorted(d.glob("*.pcap"))
    assert len(files) >= 12
    for f in files:
        for _i, b, _off in _packets(f):
            ok = checksum_ok(decode_packet(b))
            assert ok is ("-good-" in f.name), f.name


def test_zeek_hoa_and_routing(shared_traces: Path) -> None:
    t = shared_traces / "zeek/Traces/mobile-ipv6"
    ((_, b, _),) = _packets(t / "ipv6-mobile-hoa.pcap")
    pkt = decode_packet(b)
    (hao,) = [
        o
        for h in pkt.headers
        if isinstance(h, DestOptions)
        for o in h.options
        if isinstance(o, HomeAddress)
    ]
    assert hao.opt_type == 201 and fmt(hao.home_address) == "2001:78:1:32::1"
    assert isinstance(pkt.payload, UDP)
    ((_, b, _),) = _packets(t / "ipv6-mobile-routing.pcap")
    pkt = decode_packet(b)
    (rh,) = pkt.headers
    assert isinstance(rh, Routing2) and fmt(rh.home_address) == "2001:78:1:32::1"
    ((_, b, _),) = _packets(shared_traces / "zeek/Traces/ipv6-hbh-routing0.pcap")
    assert any(isinstance(h, Routing0) for h in decode_packet(b).headers)


def test_zeek_tunnels(shared_traces: Path) -> None:
    t = shared_traces / "zeek/Traces/tunnels"
    for name, depth in (("6in6.pcap", 1), ("6in6in6.pcap", 2)):
        ((_, b, _),) = _packets(t / name)
        pkt = decode_packet(b)
        k, p = 0, pkt
        while isinstance(p.payload, IPv6Packet):
            p, k = p.payload, k + 1
        assert k == depth and innermost(pkt) is p and isinstance(p.payload, UDP)
        assert checksum_ok(pkt) is True


def test_ns3_header_len_zero(shared_traces: Path) -> None:
    """ns-3 writes MH Header Len 0 and puts the HAO header after the MH: decoded and flagged, exact."""
    n = 0
    for f in sorted((shared_traces / "ns3-mipv6-manoj24rana").glob("*.pcap")):
        for _i, b, _off in _packets(f):
            pkt = decode_packet(b)
            assert encode_packet(pkt) == _exact(b)
            mh = innermost(pkt).payload
            if (
                isinstance(mh, MobilityHeader)
                and mh.declared_len == 0
                and len(encode_packet(innermost(pkt))) > 48
            ):
                assert header_len_mismatch(mh)
                assert dict(mh.fields)["trailing"]
                n += 1
    assert n > 0


def test_tcpdump_all_no_exception(shared_traces: Path) -> None:
    """issue 2/7: every IPv6 frame of tcpdump-all/ decodes or raises DecodeError (both profiles), and
    whatever decodes re-encodes byte for byte; ICMPv6 errors' invoking packets decode as far as they go."""
    from mip6check.model.codec import (
        DRAFT08,
        DestUnreachable,
        PacketTooBig,
        ParamProblem,
        TimeExceeded,
        invoking_packet,
    )
    from mip6check.model.codec.link import decode_link
    from mip6check.model.codec.pcap import Record, iter_file
    from mip6check.model.errors import CaptureError

    d = shared_traces / "tcpdump-all"
    if not d.is_dir():
        pytest.skip("tcpdump-all absent")
    n = 0
    for f in sorted(d.iterdir()):
        try:
            for r in iter_file(str(f)):
                if not isinstance(r, Record):
                    continue
                lf = decode_link(r.linktype, r.data)
                if lf.ipv6_offset is None:
                    continue
                b = r.data[lf.ipv6_offset :]
                n += 1
                for prof in (None, DRAFT08):
                    try:
                        p = (
                            decode_packet(b, base_offset=lf.ipv6_offset)
                            if prof is None
                            else decode_packet(b, prof)
                        )
                    except DecodeError as e:
                        assert prof or lf.ipv6_offset <= e.offset <= lf.ipv6_offset + len(b)
                        continue
                    assert encode_packet(p) == _exact(b), (f.name, r.index)
                    checksum_ok(p)
                    u = innermost(p).payload
                    if isinstance(u, DestUnreachable | PacketTooBig | TimeExceeded | ParamProblem):
                        invoking_packet(u.invoking)
        except CaptureError:
            continue
    assert n > 500
