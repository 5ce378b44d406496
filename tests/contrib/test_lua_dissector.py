"""The Wireshark Lua dissector (contrib/wireshark/mip6-draft04.lua): its option tables are generated
from the codec's field tables; it agrees field by field with `mip6check decode --json`; its W-* expert
infos name the same (property, packet) pairs as `mip6check replay --json`. tshark tests skip when
tshark is absent (`.ci/run` installs it)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from mip6check.cli.main import main
from mip6check.model.codec import IPv6Packet, NoNextHeader, dest_options, encode_packet
from mip6check.model.codec.layout import MIP6_LAYOUTS, Field, OptionLayout
from mip6check.model.codec.options import register_option, unregister_option
from mip6check.model.codec.pcap import PcapWriter

ROOT = Path(__file__).resolve().parents[2]
LUA = ROOT / "contrib" / "wireshark" / "mip6-draft04.lua"
CAPTURES = ROOT / "traces" / "captures"
TSHARK = shutil.which("tshark")
needs_tshark = pytest.mark.skipif(TSHARK is None, reason="tshark is not installed")
SCENARIOS = [
    "01-first-registration",
    "05-route-optimisation",
    "10-ha-cache-full-131",
    "15-forged-bu-ignored",
]
# captures for the default run: every one on which replay reports a W-* verdict, and conforming ones
# that exercise the exemptions (the full set runs with --run-slow)
FAST = [
    "ba-without-rh",
    "br-bad-length",
    "bu-idlen-nonzero",
    "bu-too-short",
    "bu-without-ah",
    "bu-without-hao",
    "hao-wrong-action-bits",
    "hao-with-extension",
    "cn-answers-hao-at-coa",
    "mn-accepts-short-ba",
    "mn-accepts-unauth-ba",
    "pp2-for-multicast",
    "reject-with-payload",
    "rs-from-home",
    "return-home",
    "home-registration",
    "handoff",
    "draft08-registration",
    "mn-retx-new-seq",
    "reject-via-cache",
]

sys.path.insert(0, str(LUA.parent))
import generate  # noqa: E402


def test_generated_tables_are_current() -> None:
    """The plugin's option tables are exactly what generate.py writes from model/codec/layout.py."""
    text = LUA.read_text(encoding="utf-8")
    assert generate.render(text, generate.lua_tables()) == text
    assert generate.main(["--check"]) == 0


def test_generated_tables_name_every_field() -> None:
    """Each field of each table appears, with its octet, size and mask, in the generated Lua."""
    tables = generate.lua_tables()
    for lay in MIP6_LAYOUTS:
        for f, octet, size, mask, _ in generate.positions(lay):
            row = f'name = "{f.name}", label = "{f.label}", octet = {octet}, size = {size}, mask = {mask:#x}'
            assert row in tables, (lay.kind, f.name)
    assert 'draft04 = { [195] = "BU", [2] = "BA", [3] = "BR", [196] = "HAO" }' in tables


def test_every_wire_property_has_an_expert_info() -> None:
    """Each W-* row of the catalog is an expert info of the plugin, and the plugin names no other."""
    import re

    from mip6check.properties.catalog import CATALOG

    wanted = {pid for pid in CATALOG if pid.startswith("W-")}
    text = LUA.read_text(encoding="utf-8")
    assert set(re.findall(r'\{ "(W-[A-Z0-9-]+)", "§', text)) == wanted


def _plugin_fields(lay: OptionLayout) -> dict[str, str]:
    """decode --json key -> the plugin's filter name, for the shown fields of a table."""
    k = lay.kind.lower()
    return {f.name: f"mip6d04.{k}.{f.name}" for f in lay.fields if f.shown}


def _ours(capture: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    assert main(["decode", "--json", str(capture)]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _tshark_json(capture: Path, lua: Path = LUA, *extra: str) -> list[dict[str, Any]]:
    out = subprocess.run(
        [TSHARK or "tshark", "-X", f"lua_script:{lua}", *extra, "-r", str(capture), "-T", "json"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [p["_source"]["layers"] for p in json.loads(out)]


def _items(layer: dict[str, Any], tree: str) -> list[dict[str, Any]]:
    """tshark's JSON repeats keys; with one option per kind in a packet it is a dict, else a list."""
    v = layer.get(tree)
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _norm(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def _compare(
    ours: list[dict[str, Any]], theirs: list[dict[str, Any]], layouts: Iterable[OptionLayout]
) -> int:
    assert len(ours) == len(theirs)
    compared = 0
    for mine, layers in zip(ours, theirs, strict=True):
        layer = layers.get("mip6d04", {})
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for opt in mine["mip6"]:
            by_kind.setdefault(opt["type"], []).append(opt)
        for lay in layouts:
            got = _items(layer, f"mip6d04.{lay.kind.lower()}")
            want = by_kind.get(lay.kind, [])
            assert len(got) == len(want), (mine["index"], lay.kind)
            for o, t in zip(want, got, strict=True):
                for field, ws_name in _plugin_fields(lay).items():
                    if o.get(field) is None:
                        assert ws_name not in t, (mine["index"], field)
                        continue
                    assert t[ws_name] == _norm(o[field]), (mine["index"], lay.kind, field)
                    compared += 1
    return compared


@needs_tshark
@pytest.mark.parametrize("name", SCENARIOS)
def test_dissector_agrees_with_decode(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / f"{name}.pcapng"
    scenario = ROOT / "traces" / "scenarios" / f"{name}.scenario"
    assert main(["simulate", str(scenario), "--pcap", str(capture)]) == 0
    capsys.readouterr()
    assert _compare(_ours(capture, capsys), _tshark_json(capture), MIP6_LAYOUTS) > 0


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


@needs_tshark
def test_made_up_option_gets_plugin_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A table entry and nothing else: the generated plugin dissects it as decode --json does."""
    layouts = (*MIP6_LAYOUTS, MADE_UP)
    lua = tmp_path / "mip6.lua"
    lua.write_text(generate.render(LUA.read_text(encoding="utf-8"), generate.lua_tables(layouts)))
    c = register_option(MADE_UP)
    try:
        capture = tmp_path / "ping.pcap"
        a, b = bytes(15) + b"\x01", bytes(15) + b"\x02"
        with capture.open("wb") as fh:
            w = PcapWriter(fh, linktype=101)
            for i, o in enumerate(
                (
                    c.value(True, False, 3, 9, 0x1234, 0xDEADBEEF, b, b"", 0x1E),
                    c.value(False, True, 0, 1, 2, 3, None, b"\x05", 0x1E),
                )
            ):
                pkt = IPv6Packet(a, b, (dest_options(o),), NoNextHeader())
                w.write(encode_packet(pkt), time_us=i)
        ours = _ours(capture, capsys)
    finally:
        unregister_option("PING")
    assert [m["mip6"][0]["type"] for m in ours] == ["PING", "PING"]
    assert _compare(ours, _tshark_json(capture, lua), layouts) == 11


# ---------------------------------------------------------------- W-* verdicts: the plugin and replay


def _replay_w(capture: Path, capsys: pytest.CaptureFixture[str]) -> set[tuple[str, int]]:
    assert main(["replay", "--json", str(capture)]) in (0, 1)
    out: set[tuple[str, int]] = set()
    for line in capsys.readouterr().out.splitlines():
        for v in json.loads(line).get("violations", []):
            if v["property"].startswith("W-"):
                out.add((v["property"], v["packet"]))
    return out


def _plugin_w(capture: Path) -> set[tuple[str, int]]:
    out: set[tuple[str, int]] = set()

    def walk(v: Any, frame: int) -> None:
        if isinstance(v, dict):
            for k, x in v.items():
                if k.startswith("mip6d04.w_"):
                    out.add(("W-" + k[len("mip6d04.w_") :].upper().replace("_", "-"), frame))
                walk(x, frame)
        elif isinstance(v, list):
            for x in v:
                walk(x, frame)

    for layers in _tshark_json(capture):
        walk(layers.get("mip6d04", {}), int(layers["frame"]["frame.number"]))
    return out


def _check_w(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    capture = CAPTURES / name
    assert _plugin_w(capture) == _replay_w(capture, capsys), name


@needs_tshark
@pytest.mark.parametrize("name", FAST)
def test_expert_info_equals_replay(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    _check_w(f"{name}.pcapng", capsys)


@needs_tshark
@pytest.mark.slow
def test_expert_info_equals_replay_on_every_capture(capsys: pytest.CaptureFixture[str]) -> None:
    names = sorted(p.name for p in CAPTURES.iterdir() if p.suffix in (".pcap", ".pcapng"))
    assert len(names) > 50
    for name in names:
        _check_w(name, capsys)


@needs_tshark
@pytest.mark.slow
def test_expert_info_equals_replay_on_shared_captures(
    shared_traces: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same on the captures written by others (Mobility Header, Home Address option 201...)."""
    caps = sorted(p for p in shared_traces.rglob("*") if p.suffix in (".pcap", ".pcapng"))
    compared = 0
    for capture in caps:
        try:
            theirs = _plugin_w(capture)
        except subprocess.CalledProcessError:
            continue  # a file tshark itself refuses (damaged on purpose): nothing to compare
        assert theirs == _replay_w(capture, capsys), capture.name
        compared += 1
    assert compared > len(caps) // 2


@needs_tshark
def test_profile_preference_takes_the_documented_names(tmp_path: Path) -> None:
    """`-o mip6d04.profile:draft08` (as documented) switches the numbering: 198 is then a BU."""
    capture = CAPTURES / "draft08-registration.pcapng"
    d04 = _tshark_json(capture)
    d08 = _tshark_json(capture, LUA, "-o", "mip6d04.profile:draft08")
    assert not any("mip6d04.bu" in x.get("mip6d04", {}) for x in d04)
    assert any("mip6d04.bu" in x.get("mip6d04", {}) for x in d08)


@needs_tshark
def test_option_overrunning_its_header_is_flagged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An option whose length runs past its header is reported (decode: an error with its offset;
    the plugin: an expert info), not skipped silently."""
    from mip6check.model.codec import HomeAddress

    a, b = bytes(15) + b"\x01", bytes(15) + b"\x02"
    data = bytearray(
        encode_packet(IPv6Packet(a, b, (dest_options(HomeAddress(a)),), NoNextHeader()))
    )
    assert data[42] == 196
    data[43] = 40  # Option Length 40 in a 24-octet header
    capture = tmp_path / "overrun.pcap"
    with capture.open("wb") as fh:
        PcapWriter(fh, linktype=101).write(bytes(data), time_us=0)
    (rec,) = _ours(capture, capsys)
    assert rec["error"]["offset"] == 43 and rec["error"]["field"] == "option_length"
    (layers,) = _tshark_json(capture)
    assert "mip6d04.overrun" in json.dumps(layers.get("mip6d04", {}))
