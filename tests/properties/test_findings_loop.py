"""SYS-NO-LOOP under the draft: two previous-router bindings (§9.6) that point at each other form a
tunnel loop. The scenario in traces/findings/ is simulated again, its capture replayed, and the loop
judged; without the move back no loop forms (control)."""

from __future__ import annotations

from pathlib import Path

from mip6check.cli.cmd_simulate import simulate
from mip6check.model.codec import DRAFT04, IPv6Packet
from mip6check.model.codec.ipv6 import decode_packet
from mip6check.model.codec.pcap import iter_file
from mip6check.model.errors import DecodeError
from mip6check.properties.replay import ReplayOptions, replay_file

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "traces" / "findings" / "sys-no-loop-previous-routers.scenario"
PCAP = SCENARIO.with_suffix(".pcapng")


def _loops(path: Path) -> list[int]:
    rep = replay_file(str(path), ReplayOptions())
    return [v.packet for v in rep.violations if v.property == "SYS-NO-LOOP" and v.packet]


def _depth(pkt: IPv6Packet) -> int:
    n = 0
    while isinstance(pkt.payload, IPv6Packet):
        pkt, n = pkt.payload, n + 1
    return n


def test_the_scenario_forms_the_loop_and_every_expectation_holds(tmp_path: Path) -> None:
    cap = tmp_path / "loop.pcapng"
    with cap.open("wb") as f:
        run = simulate(SCENARIO.read_text(encoding="utf-8"), str(SCENARIO), capture=f)
    assert run.results and all(r.ok for r in run.results), [r.text for r in run.results if not r.ok]
    assert _loops(cap), "replay sees no tunnel loop in the fresh run"
    assert _loops(PCAP), "replay sees no tunnel loop in the committed capture"


def _decoded(path: Path) -> list[IPv6Packet | None]:
    """Every Ethernet frame's IPv6 packet, None where the nesting exceeds the decoder's limit."""
    out: list[IPv6Packet | None] = []
    for r in iter_file(str(path)):
        try:
            out.append(decode_packet(r.data[14:], DRAFT04))  # type: ignore[union-attr]
        except DecodeError:
            out.append(None)
    return out


def test_the_loop_packet_is_tunnelled_back_where_it_was() -> None:
    pkts = _decoded(PCAP)
    first = pkts[_loops(PCAP)[0] - 1]
    assert first is not None
    inner_dsts = []
    p = first.payload
    while isinstance(p, IPv6Packet):
        inner_dsts.append(p.dst)
        p = p.payload
    assert first.dst in inner_dsts and _depth(first) >= 2
    # each turn adds one encapsulation with a fresh Hop Limit: the loop grows until a limit stops it
    assert max(_depth(x) for x in pkts if x is not None) >= 5
    assert any(x is None for x in pkts)  # the decoder's nesting limit is what ended it


def test_no_loop_without_the_move_back(tmp_path: Path) -> None:
    text = SCENARIO.read_text(encoding="utf-8")
    control = "\n".join(
        ln
        for ln in text.splitlines()
        if not ln.startswith(("at 20s: move", "expect at 29s: R2", "expect: property SYS-NO-LOOP"))
        and not ln.startswith("expect at 29s: HA")
    )
    path = tmp_path / "control.pcapng"
    with path.open("wb") as f:
        run = simulate(control, "control.scenario", capture=f)
    assert run.results and all(r.ok for r in run.results)
    assert _loops(path) == []
