"""`replay --shard-by mn`: the first pass keys each packet by its mobile node, and the sharded verdicts
(per-node properties from the shards, the others from the global pass) equal the unsharded ones."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from mip6check.cli.main import main
from mip6check.model.addr import a
from mip6check.model.codec.pcap import PcapWriter, iter_file
from mip6check.model.codec.values import UDP, IPv6Packet
from mip6check.properties.replay import ReplayOptions
from mip6check.properties.shard import GLOBAL, SHARDS, _Keys, _remap, split_capture
from mip6check.properties.verdict import Violation

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "traces" / "captures"
MANIFEST = json.loads((CAPTURES / "manifest.json").read_text())
SHARED_MIP6 = ("tcpdump", "zeek", "ns3-mipv6-manoj24rana", "openair4G-pmipv6", "arkime")


def _corpus_module() -> object:
    spec = importlib.util.spec_from_file_location("bench_corpus", ROOT / "bench" / "_corpus.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_corpus"] = mod
    spec.loader.exec_module(mod)
    return mod


def replay(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["replay", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize(
    "entry", MANIFEST["captures"], ids=[e["file"] for e in MANIFEST["captures"]]
)
def test_sharded_equals_unsharded_on_the_corpus(
    entry: dict, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(CAPTURES)
    plain = replay(capsys, entry["file"], "--json", *entry["args"])
    sharded = replay(
        capsys, entry["file"], "--json", "--shard-by", "mn", "--workers", "1", *entry["args"]
    )
    assert sharded == plain


def test_sharded_text_is_the_single_capture_report(capsys: pytest.CaptureFixture[str]) -> None:
    f = str(CAPTURES / "not-ha-accepts.pcapng")  # HA-NOT-HA-132 needs two mobile nodes' traffic
    plain = replay(capsys, f)
    assert plain[0] == 1 and "HA-NOT-HA-132" in plain[1]
    assert replay(capsys, f, "--shard-by", "mn", "--workers", "2") == plain


def test_sharded_shared_captures_agree(
    capsys: pytest.CaptureFixture[str], shared_traces: Path
) -> None:
    dirs = [str(shared_traces / d) for d in SHARED_MIP6 if (shared_traces / d).is_dir()]
    plain = replay(capsys, *dirs, "--json", "--workers", "2")
    sharded = replay(capsys, *dirs, "--json", "--workers", "2", "--shard-by", "mn")
    assert sharded == plain and plain[1].count("\n") > 20


@pytest.fixture(scope="module")
def many_mn(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6,000 packets of 1,000 mobile nodes (home registrations, tunnels, route optimisation, ND)."""
    corpus = _corpus_module()
    path = tmp_path_factory.mktemp("shard") / "mix.pcap"
    with path.open("wb") as f:
        w = PcapWriter(f)
        for i, frame in enumerate(corpus.frames(6_000)):  # type: ignore[attr-defined]
            w.write(frame, time_ns=1_000_000_000 + i * 1_000_000)
    return path


def test_many_nodes_sharded_equals_unsharded(
    capsys: pytest.CaptureFixture[str], many_mn: Path
) -> None:
    plain = replay(capsys, str(many_mn), "--json")
    for n in ("1", "2"):
        assert replay(capsys, str(many_mn), "--json", "--shard-by", "mn", "--workers", n) == plain


def test_first_pass_keeps_each_node_in_one_shard(many_mn: Path, tmp_path: Path) -> None:
    split = split_capture(str(many_mn), ReplayOptions(), str(tmp_path))
    assert split.packets == split.decoded == 6_000 and split.mobile_nodes == 1_000
    assert len(split.shards) == SHARDS
    shards_of: dict[int, set[int]] = {}
    for s, (f, index) in enumerate(split.shards):
        recs = list(iter_file(f))
        assert len(recs) == len(index) and list(index) == sorted(index)  # capture order kept
        for i in index:
            shards_of.setdefault(i, set()).add(s)
    assert set(shards_of) == set(range(1, 6_001))  # nothing dropped
    # a packet naming a known mobile node is in its shard only; one seen before its node is known
    # (a tunnelled packet ahead of the first Binding Update) goes to every shard
    once = sum(len(v) == 1 for v in shards_of.values())
    assert all(len(v) in (1, SHARDS) for v in shards_of.values())
    assert once >= 0.85 * 6_000
    # each node has sent a Home Address option within its first three packets (i, i+1000, i+2000)
    assert all(len(shards_of[i]) == 1 for i in range(3_001, 6_001))
    # the global pass holds the signalling (BU, BA, ND) and the home agent's packets, not all data
    assert 0 < len(split.global_pass[1]) < 6_000


def test_keys_tunnel_by_inner_packet_and_care_of_address() -> None:
    k = _Keys((a("2001:db8:1::100"), a("2001:db8:1::200")))
    inner = IPv6Packet(a("2001:db8:99::1"), a("2001:db8:1::200"), (), UDP(1, 2, b""))
    tunnel = IPv6Packet(a("2001:db8:1::1"), a("2001:db8:1::100"), (), inner)  # outer: another home
    assert k.of(tunnel) == k.shard[a("2001:db8:1::200")] != k.shard[a("2001:db8:1::100")]
    assert k.of(IPv6Packet(a("2001:db8:5::1"), a("2001:db8:5::2"), (), UDP(1, 2, b""))) is None


def test_remap_maps_numbers_in_fields_and_message_not_addresses() -> None:
    from array import array

    index = array("q", [3, 7, 20])
    v = Violation(
        "MN-SAME-HA-FIRST",
        "9.4",
        "MUST",
        "2001:db8:1::100",
        "acknowledged in packet 2; packets 1 and 3 differ; the packet 2001:db8::1 -> x",
        packet=3,
        related=(1, 2),
    )
    m = _remap(v, index)
    assert (m.packet, m.related) == (20, (3, 7))
    assert (
        m.message
        == "acknowledged in packet 7; packets 3 and 20 differ; the packet 2001:db8::1 -> x"
    )


def test_global_properties_are_replay_properties() -> None:
    from mip6check.properties.replay.checked import CHECKED

    assert GLOBAL <= set(CHECKED)


def test_frame_bytes_survive_the_split(many_mn: Path, tmp_path: Path) -> None:
    corpus = _corpus_module()
    frames = list(corpus.frames(6_000))  # type: ignore[attr-defined]
    split = split_capture(str(many_mn), ReplayOptions(), str(tmp_path))
    f, index = split.shards[3]
    for r, i in zip(iter_file(f), index, strict=True):
        assert r.data == frames[i - 1]  # type: ignore[attr-defined]


def test_docs_table_names_every_replay_property_and_the_global_ones() -> None:
    """docs/scale.md says, per property, whether a shard or the global pass judges it: the table
    covers every property replay judges, and its global rows are exactly GLOBAL."""
    import re

    from mip6check.properties.replay.checked import CHECKED

    rows = [
        line
        for line in (ROOT / "docs" / "scale.md").read_text().splitlines()
        if line.startswith("| `")
    ]
    glob: set[str] = set()
    shard: set[str] = set()
    for line in rows:
        ids = set(re.findall(r"`([A-Z0-9-]+\*?)`", line.split("|")[1]))
        (glob if "| global pass |" in line else shard).update(ids)
    assert glob == GLOBAL
    for pid in CHECKED:
        wild = pid.split("-")[0] + "-*"
        assert pid in glob | shard or wild in shard, pid


@pytest.fixture(scope="module")
def hurried(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same mix, 0.2 ms apart: mobile nodes that send too fast (violations to cap)."""
    corpus = _corpus_module()
    path = tmp_path_factory.mktemp("shard") / "hurried.pcap"
    with path.open("wb") as f:
        w = PcapWriter(f)
        for i, frame in enumerate(corpus.frames(12_000)):  # type: ignore[attr-defined]
            w.write(frame, time_ns=1_000_000_000 + i * 200_000)
    return path


def test_hurried_mix_sharded_equals_unsharded(
    capsys: pytest.CaptureFixture[str], hurried: Path
) -> None:
    plain = replay(capsys, str(hurried), "--json")
    assert plain[0] == 1
    assert replay(capsys, str(hurried), "--json", "--shard-by", "mn", "--workers", "2") == plain


def test_violation_cap_holds_for_the_merged_report(hurried: Path) -> None:
    """Past --max-violations... the merged report keeps the cap: the first violations in packet order,
    the rest counted under limits_reached."""
    from mip6check.properties.parallel import InlineExecutor
    from mip6check.properties.replay import Limits
    from mip6check.properties.shard import replay_sharded

    full = replay_sharded(InlineExecutor(), str(hurried), ReplayOptions())
    assert len(full.violations) > 100
    capped = replay_sharded(
        InlineExecutor(), str(hurried), ReplayOptions(limits=Limits(max_violations=100))
    )
    assert capped.violations == full.violations[:100]
    assert dict(capped.limits_hit)["violations"] >= len(full.violations) - 100
