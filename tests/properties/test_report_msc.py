"""Message sequence charts: page structure, determinism, and (with chromium) a real rendering."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from properties.report.msc import Arrow, Lifeline, MscViolation, render, render_svg

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
