"""Whole-log checks: BC-HAO-SUBSTITUTE and SYS-DELIVERY fail on planted faults, pass on clean runs."""

from __future__ import annotations

from pathlib import Path

from mip6check.model.addr import a
from mip6check.model.codec.values import UDP, DestOptions, HomeAddress, IPv6Packet
from mip6check.model.dsl import parse_scenario
from mip6check.model.dsl.build import run_scenario
from mip6check.model.net.log import Kind, LogRecord
from mip6check.model.roles.events import BindingAckReceived, BindingUpdateSent, Delivered
from mip6check.model.roles.hooks import DATA_PORT, data_payload, flow_of
from mip6check.properties.logchecks import check_log, delivery, hao_of, hao_substitution

ROOT = Path(__file__).resolve().parents[2]
HOME, COA, CN, HA = (
    a("2001:db8:1::100"),
    a("2001:db8:2::100"),
    a("2001:db8:3::3"),
    a("2001:db8:1::1"),
)


def data(src: bytes, dst: bytes, flow: int, hao: bytes | None = None) -> IPv6Packet:
    hdrs = (DestOptions((HomeAddress(hao),)),) if hao else ()
    return IPv6Packet(src, dst, hdrs, UDP(DATA_PORT, DATA_PORT, data_payload(flow)))


def rec(i: int, t: int, kind: Kind, node: str | None, event: object) -> LogRecord:
    return LogRecord(t, i, kind, node, None, None, event)


def test_hao_substitution_detects_the_care_of_source() -> None:
    pkt = data(COA, CN, 9, hao=HOME)
    good = [
        rec(0, 5, Kind.RX, "CN", pkt),
        rec(1, 5, Kind.EVENT, "CN", Delivered("CN", HOME, CN, "direct", 9)),
    ]
    bad = [
        rec(0, 5, Kind.RX, "CN", pkt),
        rec(1, 5, Kind.EVENT, "CN", Delivered("CN", COA, CN, "direct", 9)),
    ]
    assert hao_substitution(good) == []
    assert [v.property for v in hao_substitution(bad)] == ["BC-HAO-SUBSTITUTE"]


def registered(t: int = 100) -> list[LogRecord]:
    return [
        rec(
            0, 0, Kind.EVENT, "MN", BindingUpdateSent("MN", HA, HOME, COA, 7, 60, True, True, False)
        ),
        rec(1, t, Kind.EVENT, "MN", BindingAckReceived("MN", HA, 7, 0, "ACCEPTED")),
    ]


def test_delivery_required_after_acknowledged_registration() -> None:
    sent = rec(2, 1000, Kind.APP, "CN", data(CN, HOME, 4))
    tail = rec(9, 5000, Kind.EVENT, "X", None)
    lost = [*registered(), sent, tail]
    assert [v.property for v in delivery(lost)] == ["SYS-DELIVERY"]
    ok = [
        *registered(),
        sent,
        rec(3, 1010, Kind.EVENT, "MN", Delivered("MN", CN, HOME, "tunnel", 4)),
        tail,
    ]
    assert delivery(ok) == []


def test_delivery_premises_excuse_loss_and_movement() -> None:
    sent = rec(2, 1000, Kind.APP, "CN", data(CN, HOME, 4))
    tail = rec(9, 5000, Kind.EVENT, "X", None)
    assert delivery([*registered(), sent, rec(3, 1005, Kind.LOST, None, None), tail]) == []
    assert delivery([*registered(), rec(3, 900, Kind.MOVE, "MN", None), sent, tail]) == []
    unacked = registered()[:1]
    assert delivery([*unacked, sent, tail]) == []


def test_corpus_exercises_both_checks() -> None:
    """The corpus has HAO data and post-registration traffic, so the checks above are not vacuous there."""
    seen_hao = seen_app = 0
    for f in sorted((ROOT / "traces" / "scenarios").glob("*.scenario")):
        recs = run_scenario(parse_scenario(f.read_text(), str(f))).network.log.records
        assert check_log(recs) == [], f.name
        seen_app += sum(1 for r in recs if r.kind is Kind.APP)
        seen_hao += sum(
            1
            for r in recs
            if r.kind is Kind.RX
            and isinstance(r.event, IPv6Packet)
            and flow_of(r.event) is not None
            and hao_of(r.event) is not None
        )
    assert seen_app > 10 and seen_hao >= 3
