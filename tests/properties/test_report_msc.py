"""Message sequence charts: page structure, determinism, and (with chromium) a real rendering."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mip6check.properties.report.msc import Arrow, Lifeline, MscViolation, render, render_svg

SVG = "{http://www.w3.org/2000/svg}"

LIFELINES = [
    Lifeline("MN", "2001:db8:2::100"),
    Lifeline("HA", "2001:db8:1::1"),
    Lifeline("CN", "2001:db8:3::5"),
]
ARROWS = [
    Arrow(
        10.0, "MN", "HA", ("BU A H seq=7 life=60", "HAO home=2001:db8:1::100", "AH"), "bu", frame=12
    ),
    Arrow(
        11.0,
        "MN",
        "HA",
        ("BU A H seq=8 life=60 (retransmission)", "HAO home=2001:db8:1::100"),
        "bu",
        highlighted=True,
        frame=17,
    ),
    Arrow(
        11.2,
        "HA",
        "MN",
        ("BA status=0 seq=8 life=60 refresh=60", "RH0 -> 2001:db8:1::100"),
        "ba",
        frame=18,
    ),
    Arrow(12.0, "CN", "HA", ("UDP to 2001:db8:1::100",), "data", frame=19),
    Arrow(
        12.1,
        "HA",
        "MN",
        ("IPv6-in-IPv6 HA -> 2001:db8:2::100", "inner: CN -> home"),
        "tunnel",
        frame=20,
    ),
    Arrow(12.2, "MN", "MN", ("decapsulate",), "data"),
]
VIOLATION = MscViolation(
    1,
    "MN-RETX-SAME-SEQ",
    "9.7",
    "retransmission of the Binding Update sent in packet 12 changed Sequence Number 7 -> 8 <&>",
)


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for k, v in attrs:
            if k in ("src", "href") and v and not v.startswith("#"):
                self.external.append(v)
        if tag in ("script", "link", "img", "iframe"):
            self.external.append(tag)


def _svg_root(page: str) -> ET.Element:
    start, end = page.index("<svg"), page.index("</svg>") + len("</svg>")
    return ET.fromstring(page[start:end])


def test_structure_one_lifeline_per_node_one_arrow_per_message() -> None:
    page = render(LIFELINES, ARROWS, VIOLATION, title="MN-RETX-SAME-SEQ counterexample")
    p = _Collect()
    p.feed(page)
    assert p.tags[:3] == ["html", "head", "meta"] and "svg" in p.tags
    assert p.external == [], "the page must be self-contained"
    root = _svg_root(page)
    groups = root.findall(f"{SVG}g")
    lifelines = [g for g in groups if g.get("class") == "lifeline"]
    assert [g.get("data-node") for g in lifelines] == ["MN", "HA", "CN"]
    arrows = [g for g in groups if (g.get("class") or "").startswith("arrow")]
    assert [g.get("data-step") for g in arrows] == [str(i) for i in range(len(ARROWS))]
    assert arrows[0].get("data-frame") == "12" and arrows[5].get("data-frame") is None
    bad = [g for g in arrows if "violating" in (g.get("class") or "")]
    assert len(bad) == 1 and bad[0].get("data-step") == "1"
    texts = " ".join(t.text or "" for t in bad[0].iter(f"{SVG}text"))
    assert "MN-RETX-SAME-SEQ (§9.7)" in texts and "seq=8" in texts
    assert any(el.get("stroke") == "#d0021b" for el in bad[0].iter(f"{SVG}line"))
    (box,) = [g for g in groups if g.get("class") == "violation"]
    box_text = " ".join(t.text or "" for t in box.iter(f"{SVG}text"))
    assert "Violation of MN-RETX-SAME-SEQ (draft §9.7)" in box_text and "7 -> 8 <&>" in box_text


def test_no_violation_and_determinism() -> None:
    a = render(LIFELINES, ARROWS)
    assert a == render(list(LIFELINES), list(ARROWS))
    root = _svg_root(a)
    assert not [g for g in root.iter(f"{SVG}g") if g.get("class") == "violation"]
    assert [
        g.get("data-step") for g in root.iter(f"{SVG}g") if g.get("class") == "arrow highlighted"
    ] == ["1"]
    assert render(LIFELINES, ARROWS, VIOLATION) == render(LIFELINES, ARROWS, VIOLATION)
    assert render_svg(["a", "b"], [Arrow(0.0, "a", "b", ("x",))]).startswith("<svg")


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="not a lifeline"):
        render(["a"], [Arrow(0.0, "a", "zz")])
    with pytest.raises(ValueError, match="step"):
        render(["a", "b"], [Arrow(0.0, "a", "b")], MscViolation(3, "X", "1", "m"))
    with pytest.raises(ValueError, match="unique"):
        render(["a", "a"], [])


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not on PATH")
def test_headless_chromium_screenshot(tmp_path: Path) -> None:
    page = tmp_path / "chart.html"
    png = tmp_path / "chart.png"
    page.write_text(render(LIFELINES, ARROWS, VIOLATION, title="counterexample"), encoding="utf-8")
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1000,900",
            f"--screenshot={png}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    assert (width, height) == (1000, 900)


DECODED = [
    {
        "index": 1,
        "time": 12.0,
        "src": "2001:db8:2::100",
        "dst": "2001:db8:1::1",
        "chain": ["dstopts", "ah", "none"],
        "mip6": [
            {
                "type": "BU",
                "a": True,
                "h": True,
                "c": False,
                "id_length": 64,
                "seq": 7,
                "lifetime": 60,
                "care_of": None,
            },
            {"type": "HAO", "home_address": "2001:db8:1::100"},
        ],
        "routing": None,
        "icmpv6": None,
        "inner": None,
        "error": None,
    },
    {
        "index": 2,
        "time": 12.1,
        "src": "2001:db8:1::1",
        "dst": "2001:db8:2::100",
        "chain": ["routing", "dstopts", "ah", "none"],
        "mip6": [{"type": "BA", "status": 0, "seq": 7, "lifetime": 60, "refresh": 60}],
        "routing": {"type": 0, "segments_left": 1, "addresses": ["2001:db8:1::100"]},
        "icmpv6": None,
        "inner": None,
        "error": None,
    },
    {
        "index": 3,
        "time": 12.2,
        "src": "fe80::1",
        "dst": "ff02::1",
        "chain": ["icmpv6"],
        "mip6": [],
        "routing": None,
        "icmpv6": {
            "type": 136,
            "code": 0,
            "target": "2001:db8:1::100",
            "solicited": False,
            "override": True,
            "router": False,
        },
        "inner": None,
        "error": None,
    },
    {
        "index": 4,
        "time": 13.0,
        "src": "2001:db8:1::1",
        "dst": "2001:db8:2::100",
        "chain": ["ipv6", "udp"],
        "mip6": [],
        "routing": None,
        "icmpv6": None,
        "error": None,
        "inner": {
            "src": "2001:db8:3::5",
            "dst": "2001:db8:1::100",
            "chain": ["udp"],
            "mip6": [],
            "routing": None,
            "icmpv6": None,
            "inner": None,
            "error": None,
        },
    },
]


def test_from_decoded_packets() -> None:
    from mip6check.properties.report.msc_decoded import from_decoded, label_lines
    from mip6check.properties.verdict import Violation

    assert label_lines(DECODED[0]) == (
        ("BU A H seq=7 life=60 idlen=64", "HAO home=2001:db8:1::100", "AH"),
        "bu",
    )
    assert (
        label_lines(DECODED[1])[1] == "ba"
        and "RH0 left=1 -> 2001:db8:1::100" in label_lines(DECODED[1])[0]
    )
    assert label_lines(DECODED[2]) == (("ICMPv6 NA target=2001:db8:1::100 S=0 O=1 R=0",), "nd")
    assert label_lines(DECODED[3])[1] == "tunnel"
    v = Violation(
        "HA-GRATUITOUS-NA",
        "8.2",
        "MUST",
        "HA",
        "NA source must be the home agent",
        packet=3,
        related=(1,),
    )
    names = {"2001:db8:2::100": "MN", "2001:db8:1::1": "HA", "fe80::1": "HA"}
    lifelines, arrows, bad = from_decoded(DECODED, [v], names)
    assert [ln.name for ln in lifelines] == ["MN", "HA", "multicast"]
    assert arrows[2].label[0] == "to ff02::1"
    assert lifelines[1].address == "2001:db8:1::1, fe80::1"
    assert bad is not None and bad.step == 2 and bad.property == "HA-GRATUITOUS-NA"
    assert [a.highlighted for a in arrows] == [True, False, True, False]
    root = _svg_root(render(lifelines, arrows, bad))
    assert len([g for g in root.iter(f"{SVG}g") if (g.get("class") or "").startswith("arrow")]) == 4
