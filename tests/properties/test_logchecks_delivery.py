"""SYS-DELIVERY's matching by bisection (properties/logchecks.delivery) gives the verdicts of the plain
scan it replaced, on the corpus scenarios (their logs as run, with tighter deadlines, and with
deliveries and losses taken out or put out of order), and stays linear on a long run."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from mip6check.model.addr import Addr, a, fmt
from mip6check.model.codec.values import UDP, IPv6Packet
from mip6check.model.dsl import parse_scenario
from mip6check.model.dsl.build import run_scenario
from mip6check.model.net.log import Kind, LogRecord
from mip6check.model.roles.events import BindingAckReceived, BindingUpdateSent, Delivered
from mip6check.model.roles.hooks import DATA_PORT, data_payload, flow_of
from mip6check.properties import logchecks
from mip6check.properties.logchecks import _Mobile, delivery
from mip6check.properties.logfacts import bu_of
from mip6check.properties.verdict import Violation

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "traces" / "scenarios").glob("*.scenario")) + sorted(
    (ROOT / "traces" / "regressions").glob("*.scenario")
)


def scan_delivery(records: Sequence[LogRecord], deadline_ms: int = 2_000) -> list[Violation]:
    """The check as first written: every due packet scans the loss, move and delivery lists."""
    mobiles: dict[str, _Mobile] = {}
    owner: dict[Addr, str] = {}
    lossy: list[int] = []
    moves: dict[str, list[int]] = {}
    due: list[tuple[int, str, int, Addr, int]] = []
    delivered: dict[tuple[str, int], list[int]] = {}
    injected: set[int] = set()
    forged: dict[Addr, list[int]] = {}  # an attacker's update for the home address (a premise)
    for r in records:
        ev = r.event
        if r.kind is Kind.INJECT and r.frame is not None:
            injected.add(r.frame)
        elif r.kind is Kind.RX and r.frame in injected and isinstance(ev, IPv6Packet):
            claimed = bu_of(ev)
            if claimed is not None:
                forged.setdefault(claimed[1], []).append(r.time)
        if r.kind in (Kind.LOST, Kind.DECODE_ERROR):
            lossy.append(r.time)
        elif r.kind is Kind.MOVE and r.node is not None:
            moves.setdefault(r.node, []).append(r.time)
            if r.node in mobiles:
                mobiles[r.node].acked_at = None
        elif isinstance(ev, BindingUpdateSent) and ev.home_reg and ev.coa != ev.home:
            m = mobiles.setdefault(ev.node, _Mobile(set()))
            m.homes.add(ev.home)
            owner[ev.home] = ev.node
            if not ev.retransmission:
                m.pending = {ev.seq: r.time}
        elif isinstance(ev, BindingAckReceived) and ev.outcome == "ACCEPTED":
            m2 = mobiles.get(ev.node)
            if m2 is not None and m2.pending and ev.seq in m2.pending:
                m2.acked_at = r.time
        elif isinstance(ev, BindingUpdateSent) and ev.home_reg and ev.coa == ev.home:
            if ev.node in mobiles:
                mobiles[ev.node].acked_at = None
        elif isinstance(ev, Delivered):
            delivered.setdefault((ev.node, ev.flow), []).append(r.time)
        elif r.kind is Kind.APP and isinstance(ev, IPv6Packet):
            node = owner.get(ev.dst)
            flow = flow_of(ev)
            if node is not None and flow is not None and mobiles[node].acked_at is not None:
                due.append((r.time, node, flow, ev.dst, r.seq))
    end = records[-1].time if records else 0
    out: list[Violation] = []
    for t, node, flow, home, step in due:
        if t + deadline_ms > end:
            continue
        if (
            any(t <= x <= t + deadline_ms for x in lossy)
            or any(t <= x <= t + deadline_ms for x in moves.get(node, ()))
            or any(t - deadline_ms <= x <= t + deadline_ms for x in forged.get(home, ()))
        ):
            continue
        times = delivered.get((node, flow), [])
        hit = next((x for x in times if t <= x <= t + deadline_ms), None)
        if hit is None:
            out.append(
                logchecks._violation(
                    "SYS-DELIVERY",
                    node,
                    t,
                    f"flow {flow} sent to home address {fmt(home)} after the home registration was "
                    f"acknowledged did not reach {node} within {deadline_ms} ms",
                    step,
                )
            )
        else:
            times.remove(hit)
    return out


def _key(vs: list[Violation]) -> list[tuple[str, int, int | None]]:
    return [(v.property, v.node, v.time, v.step, v.message) for v in vs]


@pytest.fixture(scope="module")
def logs() -> list[tuple[str, list[LogRecord]]]:
    out = []
    for f in SCENARIOS:
        try:
            run = run_scenario(parse_scenario(f.read_text(), str(f)))
        except Exception:  # noqa: BLE001 - a regression scenario made to be refused
            continue
        out.append((f.name, list(run.network.log.records)))
    assert len(out) >= 20
    return out


def test_the_corpus_gives_the_scan_s_verdicts(logs: list[tuple[str, list[LogRecord]]]) -> None:
    due_somewhere = found = 0
    rng = random.Random(15)
    for name, recs in logs:
        variants = [recs]
        # deliveries and losses taken out: the same packets become due without their delivery
        variants.append(
            [r for r in recs if not isinstance(r.event, Delivered) or rng.random() < 0.5]
        )
        variants.append([r for r in recs if r.kind is not Kind.LOST])
        # deliveries logged out of time order (the scan's first-in-log-order match must hold)
        shuffled = list(recs)
        idx = [i for i, r in enumerate(recs) if isinstance(r.event, Delivered)]
        moved = [recs[i] for i in idx]
        rng.shuffle(moved)
        for i, r in zip(idx, moved, strict=True):
            shuffled[i] = r
        variants.append(shuffled)
        for v in variants:
            for deadline in (1, 3, 10, 50, 2_000):
                got, want = delivery(v, deadline), scan_delivery(v, deadline)
                assert _key(got) == _key(want), (name, deadline)
                found += len(got)
        due_somewhere += any(r.kind is Kind.APP for r in recs)
    assert due_somewhere >= 10 and found > 0  # the comparison is not between two empty lists


HOME, COA, CN, HA = (
    a("2001:db8:1::100"),
    a("2001:db8:2::100"),
    a("2001:db8:3::3"),
    a("2001:db8:1::1"),
)


def _long_run(n: int) -> list[LogRecord]:
    """One registered mobile node, n data packets to its home address, each delivered 5 ms later
    (one in seven is not), a loss now and then."""

    def rec(t: int, kind: Kind, node: str | None, event: object) -> LogRecord:
        rec.seq += 1  # type: ignore[attr-defined]
        return LogRecord(t, rec.seq, kind, node, None, None, event)  # type: ignore[attr-defined]

    rec.seq = 0  # type: ignore[attr-defined]
    bu = BindingUpdateSent("MN", HA, HOME, COA, 7, 60, True, True, False)
    out = [
        rec(0, Kind.EVENT, "MN", bu),
        rec(1, Kind.EVENT, "MN", BindingAckReceived("MN", HA, 7, 0, "ACCEPTED")),
    ]
    for i in range(n):
        t = 1_000 + 10 * i
        flow = i % 3
        pkt = IPv6Packet(CN, HOME, (), UDP(DATA_PORT, DATA_PORT, data_payload(flow)))
        out.append(rec(t, Kind.APP, "CN", pkt))
        if i % 7:
            out.append(rec(t + 5, Kind.EVENT, "MN", Delivered("MN", CN, HOME, "tunnel", flow)))
        if i % 500 == 499:
            out.append(rec(t + 6, Kind.LOST, None, None))
    out.append(rec(1_000 + 10 * n + 5_000, Kind.EVENT, "X", None))
    return out


def test_a_long_run_is_linear() -> None:
    """32,000 due packets: the same verdicts as the scan on 4,000, and 8x the packets take about 8x
    the time (the scan's cost grew about 11x for 4x the packets: 0.42 s against 0.07 s at 20,000)."""
    small, big = _long_run(4_000), _long_run(32_000)
    assert _key(delivery(small, 20)) == _key(scan_delivery(small, 20))
    assert len(delivery(small, 20)) > 500  # the packets not delivered

    def cost(recs: list[LogRecord]) -> float:
        best = float("inf")
        for _ in range(3):
            t0 = time.process_time()
            delivery(recs, 20)
            best = min(best, time.process_time() - t0)
        return best

    ratio = cost(big) / max(cost(small), 1e-6)
    assert ratio < 16, ratio  # linear (or n log n) is about 8; quadratic about 64
