"""SYS-DELIVERY under the draft: a previous router's binding (§9.6) for a care-of address outlives the
mobile node's return to that link, and the router sends the packets for the address it formed again
to the link it left (traces/findings/sys-delivery-previous-router.scenario); without the return they
arrive (control)."""

from __future__ import annotations

from pathlib import Path

from mip6check.cli.cmd_simulate import simulate
from mip6check.model.addr import a
from mip6check.model.codec import IPv6Packet
from mip6check.model.codec.ipv6 import decode_packet
from mip6check.model.codec.pcap import iter_file

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "traces" / "findings" / "sys-delivery-previous-router.scenario"
COA_A, COA_B = a("2001:db8:2::100"), a("2001:db8:3::100")


def _stale_tunnels(cap: Path) -> int:
    """Tunnels to the care-of address the node left, carrying a packet for the one it is back at."""
    n = 0
    for rec in iter_file(str(cap)):
        data = getattr(rec, "data", b"")
        if data[12:14] != b"\x86\xdd":
            continue
        pkt = decode_packet(data[14:])
        inner = pkt.payload
        if pkt.dst == COA_B and isinstance(inner, IPv6Packet) and inner.dst == COA_A:
            n += 1
    return n


def test_the_stale_binding_sends_the_packet_to_the_link_left(tmp_path: Path) -> None:
    cap = tmp_path / "run.pcapng"
    with cap.open("wb") as f:
        run = simulate(SCENARIO.read_text(encoding="utf-8"), str(SCENARIO), capture=f)
    assert run.results and all(r.ok for r in run.results), [r.text for r in run.results if not r.ok]
    assert _stale_tunnels(cap) >= 1


def test_without_the_return_the_packets_arrive(tmp_path: Path) -> None:
    text = SCENARIO.read_text(encoding="utf-8").replace("at 10s: move MN to LA\n", "")
    text = text.replace("property SYS-DELIVERY violated", "property SYS-DELIVERY holds")
    cap = tmp_path / "run.pcapng"
    with cap.open("wb") as f:
        run = simulate(text, "control", capture=f)
    assert run.results and all(r.ok for r in run.results), [r.text for r in run.results if not r.ok]
    assert _stale_tunnels(cap) == 0
