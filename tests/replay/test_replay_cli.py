"""`mip6check replay`: exit codes, side outputs, --explain, topology/SA files, bounded tracking,
and the shared captures (no exception, every record accounted for)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from mip6check.cli.main import main
from mip6check.model.addr import a
from mip6check.model.codec import AH, HomeAddress, IPv6Packet, bu, dest_options, encode_packet
from mip6check.model.codec.pcap import PcapWriter
from mip6check.properties.replay import (
    Limits,
    ReplayOptions,
    SAError,
    TopologyError,
    load_sa,
    load_topology,
    replay_file,
)

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "traces" / "captures"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["replay", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_clean_capture_exit_0_and_header(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(CAPTURES / "home-registration.pcapng"))
    assert code == 0 and err == ""
    assert "clock tolerance 0.05 s" in out and "0 violations" in out


def test_violation_exit_1_names_packet_and_related(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(CAPTURES / "ha-accepts-stale.pcapng"))
    assert code == 1
    assert "packet 4" in out and "BC-SEQ-MONOTONIC" in out and "§7.2 MUST" in out
    code, out, _ = run(capsys, str(CAPTURES / "ha-accepts-stale.pcapng"), "--json")
    v = [x for x in json.loads(out)["violations"] if x["property"] == "BC-SEQ-MONOTONIC"][0]
    assert v["packet"] == 4 and v["related"] and v["level"] == "MUST" and v["section"] == "7.2"


@pytest.mark.parametrize(
    "argv",
    [
        ["/nonexistent.pcap"],
        ["--clock-tolerance", "-1", "X"],
        ["--clock-tolerance", "nan", "X"],
        ["--msc", "/nonexistent-dir/x.html", "X"],
        ["--max-bindings", "0", "X"],
        ["--topology", "/nonexistent.toml", "X"],
        ["--sa", "/nonexistent.sa", "X"],
        ["--home-prefix", "not-a-prefix", "X"],
        ["--profile", "draft99", "X"],
    ],
)
def test_bad_input_exit_2_one_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    argv = [str(CAPTURES / "home-registration.pcapng") if x == "X" else x for x in argv]
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err


def test_garbage_and_directory_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "g.pcap").write_bytes(b"garbage" * 10)
    for p in (tmp_path / "g.pcap", tmp_path):
        code, _, err = run(capsys, str(p))
        assert code == 2 and err.count("\n") == 1


def test_side_outputs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    j, s, m = tmp_path / "r.xml", tmp_path / "r.sarif", tmp_path / "r.html"
    code, _, _ = run(
        capsys,
        str(CAPTURES / "mn-no-backoff.pcapng"),
        "--junit",
        str(j),
        "--sarif",
        str(s),
        "--msc",
        str(m),
    )
    assert code == 1
    assert "MN-BACKOFF" in j.read_text() and "<failure" in j.read_text()
    sarif = json.loads(s.read_text())
    assert any(r["ruleId"] == "MN-BACKOFF" for r in sarif["runs"][0]["results"])
    assert "MN-BACKOFF" in m.read_text() and "<svg" in m.read_text()


def test_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(CAPTURES / "ha-accepts-stale.pcapng"), "--explain", "2")
    assert "explain:" in out and "receiver's Binding Cache entry: seq 10" in out
    code, out, _ = run(
        capsys, str(CAPTURES / "ha-accepts-stale.pcapng"), "--json", "--explain", "2"
    )
    assert any("seq 10" in line for line in json.loads(out)["explain"])


def test_no_progress_when_not_a_tty(capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = run(capsys, str(CAPTURES / "cn-route-opt.pcapng"))
    assert err == ""


def test_topology_and_overrides(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    topo = tmp_path / "t.toml"
    topo.write_text(
        '[[home_agent]]\naddress = "2001:db8:1::1"\nprefixes = ["2001:db8:9::/64"]\n'
        'id_length = 64\n[[mobile_node]]\nhome_address = "2001:db8:9::100"\n'
    )
    t = load_topology(str(topo))
    assert t.home_agents[0].prefixes[0].length == 64
    # with 2001:db8:9::/64 on the home agent's link, accepting that home address is right
    code, out, _ = run(capsys, str(CAPTURES / "ha-accepts-offlink.pcapng"), "--topology", str(topo))
    assert code == 0, out
    code, _, _ = run(
        capsys, str(CAPTURES / "ha-accepts-offlink.pcapng"), "--home-prefix", "2001:db8:9::/64"
    )
    assert code == 0
    bad = tmp_path / "b.toml"
    bad.write_text("[[home_agent]]\nprefixes = 3\n")
    with pytest.raises(TopologyError):
        load_topology(str(bad))


def test_a_cache_size_per_node(tmp_path: Path) -> None:
    """`[[node]]` states one node's Binding Cache size (§7.7); the others keep `cache_capacity`."""
    topo = tmp_path / "t.toml"
    topo.write_text(
        'cache_capacity = 64\n[[node]]\naddress = "2001:db8:3::3"\ncache_capacity = 2\n'
    )
    t = load_topology(str(topo))
    assert t.capacity_of(bytes.fromhex("20010db8000300000000000000000003")) == 2
    assert t.capacity_of(bytes.fromhex("20010db8000300000000000000000004")) == 64
    for text in (
        '[[node]]\naddress = "2001:db8:3::3"\n',
        '[[node]]\naddress = "x"\ncache_capacity = 1\n',
        '[[node]]\naddress = "2001:db8:3::3"\ncache_capacity = 0\n',
    ):
        bad = tmp_path / "b.toml"
        bad.write_text(text)
        with pytest.raises(TopologyError):
            load_topology(str(bad))


def test_sa_file_formats(tmp_path: Path) -> None:
    txt = tmp_path / "k.txt"
    txt.write_text("# comment\n2001:db8:1::100 2001:db8:1::1 hmac-md5-96 00112233\n")
    (sa,) = load_sa(str(txt))
    assert sa.algorithm == "hmac-md5-96" and sa.key == bytes.fromhex("00112233")
    bad = tmp_path / "b.txt"
    bad.write_text("2001:db8:1::100 2001:db8:1::1 rot13 0011\n")
    with pytest.raises(SAError):
        load_sa(str(bad))


def _many_homes(path: Path, n: int) -> None:
    """BUs from n distinct home addresses, then a faulty pair (no back-off) from the first one."""
    ha = a("2001:db8:1::1")
    with path.open("wb") as f:
        w = PcapWriter(f, linktype=229)
        t = 0
        for k in [0, *range(n), 0, 0, 0]:
            home = (int.from_bytes(a("2001:db8:1::"), "big") + 0x10000 + k).to_bytes(16, "big")
            coa = (int.from_bytes(a("2001:db8:2::"), "big") + 0x10000 + k).to_bytes(16, "big")
            pkt = IPv6Packet(
                coa,
                ha,
                (
                    AH(1, 1, bytes(12)),
                    dest_options(bu(5, 60, a=True, h=True, id_length=64), HomeAddress(home)),
                ),
            )
            w.write(encode_packet(pkt), time_ms=t)
            t += 1 if k else 1000


def test_bounded_tracking_reports_and_keeps_checking(tmp_path: Path) -> None:
    p = tmp_path / "many.pcap"
    _many_homes(p, 3000)
    r = replay_file(str(p), ReplayOptions(limits=Limits(max_nodes=500, max_bindings=200)))
    assert dict(r.limits_hit).get("bindings", 0) > 0
    assert len(r.nodes) <= 500
    assert any(v.property == "MN-BACKOFF" for v in r.violations)
    assert r.packets == r.decoded + r.undecodable == 3004


def test_shared_tcpdump_all(shared_traces: Path) -> None:
    """Every file of ../shared/traces/tcpdump-all through replay --json: no traceback, counts add up."""
    d = shared_traces / "tcpdump-all"
    if not d.is_dir():
        pytest.skip("tcpdump-all absent")
    n = 0
    for p in sorted(d.iterdir()):
        buf = io.StringIO()
        import contextlib

        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()) as err:
            code = main(["replay", str(p), "--json"])
        assert code in (0, 1, 2), p
        if code == 2:
            assert err.getvalue().count("\n") == 1 and "internal error" not in err.getvalue(), p
            continue
        r = json.loads(buf.getvalue())
        assert r["packets"] == r["decoded"] + r["undecodable"], p
        n += 1
    assert n > 0


def test_shared_mobility_captures_no_exception(shared_traces: Path) -> None:
    for p in sorted(shared_traces.rglob("*.pcap*")):
        if "tcpdump-all" in p.parts:
            continue
        try:
            r = replay_file(str(p))
        except Exception as e:  # noqa: BLE001
            from mip6check.model.errors import CaptureError

            assert isinstance(e, CaptureError), p
            continue
        assert r.packets == r.decoded + r.undecodable


@pytest.mark.slow
def test_million_home_addresses_bounded(tmp_path: Path) -> None:
    """Issue 7: BUs from a million distinct home addresses finish with bounded tracking."""
    import resource

    p = tmp_path / "million.pcap"
    _many_homes(p, 1_000_000)
    r = replay_file(str(p))
    assert r.packets == 1_000_004
    assert dict(r.limits_hit).get("bindings", 0) > 0
    assert any(v.property == "MN-BACKOFF" for v in r.violations)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert peak_mb < 1500, peak_mb


def test_home_agent_aliases(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Without keys the forged BU (with AH) to the home agent's second address looks like the mobile
    node trying another home agent; naming that address an alias of the same node removes it."""
    cap = str(CAPTURES / "sim-15-forged-bu-ignored.pcapng")
    _, out, _ = run(capsys, cap, "--json")
    assert "MN-SAME-HA-FIRST" in {v["property"] for v in json.loads(out)["violations"]}
    topo = tmp_path / "t.toml"
    topo.write_text('[[home_agent]]\naddress = "2001:db8:1::1"\naliases = ["2001:db8:3::1"]\n')
    _, out, _ = run(capsys, cap, "--json", "--topology", str(topo))
    assert [v["property"] for v in json.loads(out)["violations"]] == ["W-BU-NEEDS-AUTH"]


def test_json_shape_is_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    """cli-contract.md `replay --json`: field names and types."""
    _, out, _ = run(capsys, str(CAPTURES / "mn-no-backoff.pcapng"), "--json")
    r = json.loads(out)
    assert isinstance(r["file"], str)
    for k in ("packets", "decoded", "undecodable"):
        assert isinstance(r[k], int)
    assert r["packets"] == r["decoded"] + r["undecodable"]
    for n in r["nodes"]:
        assert isinstance(n["address"], str) and isinstance(n["roles"], list)
    assert r["violations"]
    for v in r["violations"]:
        assert isinstance(v["packet"], int) and isinstance(v["time"], float)
        assert isinstance(v["property"], str) and isinstance(v["section"], str)
        assert v["level"] in ("MUST", "SHOULD", "—")
        assert isinstance(v["node"], str) and isinstance(v["message"], str)
        assert isinstance(v["related"], list)


def test_the_documented_topology_file_reads_as_documented(tmp_path: Path) -> None:
    """docs/replay.md's example topology: every key lands where its comment says (top-level keys
    before the first table, which TOML would otherwise put inside it)."""
    import re

    doc = (Path(__file__).resolve().parents[2] / "docs" / "replay.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", doc, re.S)
    assert block is not None
    topo = tmp_path / "doc.toml"
    topo.write_text(block.group(1))
    t = load_topology(str(topo))
    assert t.not_home_agents and t.cache_capacity == 64
    assert t.home_agents[0].aliases and t.mobile_nodes[0][1] is not None
    assert t.capacity_of(t.not_home_agents[0]) == 2
