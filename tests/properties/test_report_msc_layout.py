"""Message sequence charts, reviewer's fixes: numbering as the user sees it, every violation
highlighted, lifeline labels never cut, large captures summarised (deterministically)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from mip6check.properties.report.msc import (
    GAP_S,
    Arrow,
    Lifeline,
    MscViolation,
    render,
    render_chart,
    where,
)
from mip6check.properties.report.msc_decoded import chart_from_decoded, summarise
from mip6check.properties.verdict import Violation

SVG = "{http://www.w3.org/2000/svg}"


def _svg(page: str) -> ET.Element:
    return ET.fromstring(page[page.index("<svg") : page.index("</svg>") + len("</svg>")])


def _groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if cls in (g.get("class") or "").split()]


def _texts(el: ET.Element) -> list[str]:
    return [t.text or "" for t in el.iter(f"{SVG}text")]


def _subtitle(page: str) -> str:
    m = re.search(r'<p class="sub">([^<]*)</p>', page)
    assert m is not None
    return m.group(1)


def _bu(frame: int, t: float) -> Arrow:
    return Arrow(t, "MN", "HA", (f"BU A H seq=20 life=60 #{frame}",), "bu", frame=frame)


ROLES = [Lifeline("MN"), Lifeline("HA")]
CAPTURE = [_bu(1, 1000.0), _bu(2, 1001.0), _bu(3, 1002.0), _bu(4, 1003.0)]


def test_numbering_is_the_packet_number_everywhere() -> None:
    v = MscViolation(2, "MN-BACKOFF", "9.7", "retransmission too early")
    page = render(ROLES, CAPTURE, v)
    assert _subtitle(page) == "MN-BACKOFF (§9.7) broken at packet 3"
    root = _svg(page)
    (bad,) = _groups(root, "violating")
    assert bad.get("data-frame") == "3" and bad.get("data-where") == "packet 3"
    tip = bad.find(f"{SVG}title")
    assert tip is not None and "packet 3" in (tip.text or "") and "step" not in (tip.text or "")
    assert "packet 3" in _texts(bad)  # the row label beside the arrow
    (box,) = _groups(root, "violation")
    assert "Violation of MN-BACKOFF (draft §9.7) at packet 3" in _texts(box)
    assert "step 2" not in page


def test_numbering_without_frames_is_one_based_steps() -> None:
    arrows = [Arrow(0.1 * i, "MN", "HA", (f"m{i}",)) for i in range(4)]
    page = render(ROLES, arrows, MscViolation(0, "X-PROP", "1.2", "first"))
    assert _subtitle(page) == "X-PROP (§1.2) broken at step 1"
    assert where(arrows, 3) == "step 4"
    (box,) = _groups(_svg(page), "violation")
    assert "Violation of X-PROP (draft §1.2) at step 1" in _texts(box)


def test_every_violation_is_highlighted_and_listed() -> None:
    vs = [
        MscViolation(2, "MN-BACKOFF", "9.7", "too early after packet 2"),
        MscViolation(3, "MN-BACKOFF", "9.7", "too early after packet 3"),
        MscViolation(3, "MN-RATE-LIMIT", "9.8", "too often"),
    ]
    page = render(ROLES, CAPTURE, vs)
    root = _svg(page)
    bad = _groups(root, "violating")
    assert len(bad) == len({v.step for v in vs}) == 2
    assert [g.get("data-frame") for g in bad] == ["3", "4"]
    assert bad[1].get("data-property") == "MN-BACKOFF MN-RATE-LIMIT"
    assert "✗ MN-RATE-LIMIT (§9.8)" in _texts(bad[1]) and "✗ MN-BACKOFF (§9.7)" in _texts(bad[1])
    (box,) = _groups(root, "violation")
    assert box.get("data-count") == "3"
    heads = [t for t in _texts(box) if t.startswith("Violation of")]
    assert heads == [
        "Violation of MN-BACKOFF (draft §9.7) at packet 3",
        "Violation of MN-BACKOFF (draft §9.7) at packet 4",
        "Violation of MN-RATE-LIMIT (draft §9.8) at packet 4",
    ]
    assert _subtitle(page) == (
        "3 violations: MN-BACKOFF (§9.7) broken at packets 3, 4; MN-RATE-LIMIT (§9.8) broken at packet 4"
    )
    # one violation, as a bare value or a one-element sequence: the same page
    assert render(ROLES, CAPTURE, vs[0]) == render(ROLES, CAPTURE, [vs[0]])


def test_lifeline_labels_are_never_cut_and_boxes_do_not_overlap() -> None:
    lines = [
        Lifeline("2001:db8:2::100", "fe80::100, 2001:db8:4::100", "care_of_address, mobile_node"),
        Lifeline("2001:db8:1::1", "fe80::ff:fe00:1", "home_agent"),
        Lifeline("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "", "correspondent"),
    ]
    arrows = [
        Arrow(0.0, lines[0].name, lines[2].name, ("x" * 90,)),
        Arrow(1.0, lines[1].name, lines[0].name, ("BA status=0 seq=7 life=60 refresh=60",)),
    ]
    root = _svg(render(lines, arrows))
    heads = _groups(root, "lifeline")
    for ln, g in zip(lines, heads, strict=True):
        texts = _texts(g)
        assert texts[0] == ln.name and texts[1] == ln.role
        assert texts[2:] == [a.strip() for a in ln.address.split(",") if a.strip()]
        assert not any("…" in t for t in texts)
    boxes = []
    for g in heads:
        rect = g.find(f"{SVG}rect")
        assert rect is not None
        x, w = int(rect.get("x", "0")), int(rect.get("width", "0"))
        longest = max(len(t) for t in _texts(g))
        assert w >= longest * 7, "a box at least as wide as its longest line"
        boxes.append((x, x + w))
    assert all(a[1] < b[0] for a, b in zip(boxes, boxes[1:], strict=False))
    # the 90-character label between lifelines 0 and 2 fits between them
    xs = [int(g.find(f"{SVG}line").get("x1", "0")) for g in heads]  # type: ignore[union-attr]
    assert xs[2] - xs[0] >= 90 * 8


def _pkt(i: int, t: float, **kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "index": i,
        "time": t,
        "src": "2001:db8:3::4",
        "dst": "2001:db8:1::100",
        "chain": ["udp"],
        "mip6": [],
        "routing": None,
        "icmpv6": None,
        "inner": None,
        "mh": None,
        "error": None,
    }
    base.update(kw)
    return base


def _big_capture(n: int) -> list[dict[str, Any]]:
    """n packets: mostly data, a periodic identical RA every 10th, a BU every 50th, a gap at 3000."""
    out = []
    for i in range(1, n + 1):
        t = i * 0.01 + (600.0 if i > 3000 else 0.0)
        if i % 50 == 0:
            bu = {"type": "BU", "a": True, "h": True, "seq": i, "lifetime": 60}
            out.append(
                _pkt(i, t, src="2001:db8:2::100", dst="2001:db8:1::1", mip6=[bu], chain=["dstopts"])
            )
        elif i % 10 == 0:
            ra = {"type": 134, "code": 0, "router_lifetime": 1800, "slla": "02:00:00:00:00:01"}
            out.append(_pkt(i, t, src="fe80::1", dst="ff02::1", icmpv6=ra, chain=["icmpv6"]))
        else:
            out.append(_pkt(i, t))
    return out


def test_large_capture_is_summarised() -> None:
    pkts = _big_capture(5000)
    v = Violation("MN-BACKOFF", "9.7", "MUST", "MN", "too early", packet=4321, related=(4250, 7))
    s = summarise(pkts, [v], limit=60)
    drawn = [p["index"] for p in s.packets]
    assert s.total == 5000 and s.repeated_ras == 399  # 400 RAs, all identical: one drawn
    assert {4321, 4250, 7} <= set(drawn) and drawn == sorted(drawn)
    assert len(drawn) == 60 + 3
    assert all(p["mip6"] or p["icmpv6"] or p["index"] in (4321, 7) for p in s.packets)

    chart = chart_from_decoded(pkts, [v], roles={"2001:db8:1::1": "home_agent"}, limit=60)
    assert len(chart.arrows) == 63 and len(chart.violations) == 1
    assert chart.arrows[chart.violations[0].step].frame == 4321
    (note,) = chart.notes
    assert note.startswith("63 of 5000 packets drawn; left out: 399 repeated Router Advertisements")
    assert "beyond the limit of 60" in note

    page = render_chart(chart, title="big")
    root = _svg(page)
    assert len(_groups(root, "arrow")) == 63 and len(_groups(root, "violating")) == 1
    gaps = [" ".join(_texts(g)) for g in _groups(root, "gap")]
    assert any("packets not drawn" in g for g in gaps)
    assert any(f"+{600 + 0.5:.3f} s" in g or "s ⋯" in g for g in gaps)
    assert "63 of 5000 packets drawn" in page
    # byte-identical for the same input, also when fed as a generator
    assert page == render_chart(
        chart_from_decoded(
            iter(_big_capture(5000)), [v], roles={"2001:db8:1::1": "home_agent"}, limit=60
        ),
        title="big",
    )


def test_small_capture_draws_everything_but_repeated_ras() -> None:
    pkts = _big_capture(120)
    chart = chart_from_decoded(pkts)
    assert len(chart.arrows) == 120 - 9  # 10 RAs, the first drawn
    assert not chart.violations


def test_gap_marker_for_long_silence() -> None:
    arrows = [_bu(1, 0.0), _bu(2, GAP_S + 2.0), _bu(5, GAP_S + 2.5)]
    root = _svg(render(ROLES, arrows))
    gaps = [" ".join(_texts(g)) for g in _groups(root, "gap")]
    assert gaps == [f"⋯ +{GAP_S + 2.0:.3f} s ⋯", "⋯ 2 packets not drawn ⋯"]


def test_node_grouping_multicast_and_dad() -> None:
    pkts = [
        _pkt(1, 0.0, src="fe80::100", dst="ff02::2", icmpv6={"type": 133, "slla": "02:08"}),
        _pkt(2, 0.1, src="::", dst="ff02::1:ff00:100", icmpv6={"type": 135, "target": "fe80::100"}),
        _pkt(
            3,
            0.2,
            src="2001:db8:2::100",
            dst="fe80::3",
            icmpv6={"type": 136, "target": "2001:db8:2::100", "tlla": "02:08"},
        ),
        # a proxy NA (target is not the sender): never joins the target to the proxy
        _pkt(
            4,
            0.3,
            src="fe80::1",
            dst="ff02::1",
            icmpv6={"type": 136, "target": "2001:db8:1::100", "tlla": "02:01"},
        ),
    ]
    chart = chart_from_decoded(pkts, roles={"2001:db8:2::100": "care_of_address"})
    names = [ln.name for ln in chart.lifelines]
    assert names == ["2001:db8:2::100", "fe80::3", "fe80::1", "multicast"]
    mn = chart.lifelines[0]
    assert mn.address == "fe80::100" and mn.role == "care_of_address"
    assert chart.arrows[1].src == "2001:db8:2::100"
    assert chart.arrows[1].label[:2] == (
        "from :: (duplicate address detection)",
        "to ff02::1:ff00:100",
    )


def test_many_violations_are_capped_per_property() -> None:
    from mip6check.properties.report.msc import MAX_VIOLATIONS
    from mip6check.properties.report.msc_decoded import drawn_violations

    pkts = _big_capture(3000)
    vs = [
        Violation("MN-RATE-LIMIT", "9.8", "MUST", "MN", f"bu {i}", packet=i, related=(1,))
        for i in range(100, 3000, 7)
    ] + [Violation("MN-BACKOFF", "9.7", "MUST", "MN", "late one", packet=2999)]
    chosen = drawn_violations(vs)
    assert len(chosen) == MAX_VIOLATIONS and chosen[-1].property == "MN-BACKOFF"
    chart = chart_from_decoded(pkts, vs, limit=50)
    assert len(chart.violations) == MAX_VIOLATIONS and chart.total_violations == len(vs)
    assert {v.property for v in chart.violations} == {"MN-RATE-LIMIT", "MN-BACKOFF"}
    page = render_chart(chart)
    assert _subtitle(page).startswith(f"{len(vs)} violations, {MAX_VIOLATIONS} drawn: ")
    assert len(_groups(_svg(page), "violating")) == MAX_VIOLATIONS
    rest = len(vs) - MAX_VIOLATIONS
    assert any(
        n.startswith(f"Not drawn: {rest} more violations of MN-RATE-LIMIT") for n in chart.notes
    )
    assert len(chart.arrows) <= 50 + MAX_VIOLATIONS + 1


def test_lost_packet_is_drawn_half_way_with_a_cross() -> None:
    arrows = [_bu(1, 1.0), Arrow(2.0, "MN", "HA", ("BU seq=21982",), "bu", frame=2, lost=True)]
    page = render(ROLES, arrows, MscViolation(1, "MN-RETX-SAME-SEQ", "9.7", "changed seq"))
    (bad,) = _groups(_svg(page), "violating")
    assert "(lost)" in _texts(bad) and "✗ MN-RETX-SAME-SEQ (§9.7)" in _texts(bad)
    assert bad.find(f"{SVG}polygon") is None, "no arrowhead: it never arrived"
    assert [p.get("class") for p in bad.iter(f"{SVG}path")] == ["lost-mark"]
    assert _subtitle(page) == "MN-RETX-SAME-SEQ (§9.7) broken at packet 2"
