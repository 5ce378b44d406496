"""`mip6check report`: the page's sentences by status equal `coverage --json`, results are drawn
(violated sentences, charts, captures), the page is self-contained, bad results are a usage error."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "traces" / "captures"
DRAFT = ROOT.parent / "shared" / "spec" / "000_5ef8facd5bbaef68.txt"


def mip6check(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mip6check.cli.main", *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.fixture(scope="module")
def coverage() -> dict:
    r = mip6check("coverage", "--json")
    return json.loads(r.stdout)


def statuses(page: str) -> Counter[str]:
    return Counter(re.findall(r'<mark class="s st-[a-z_]+[^"]*"[^>]*data-status="([a-z_]+)"', page))


@pytest.fixture(scope="module")
def replay_fault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`replay --json` of a faulty capture: a Binding Update without AH (W-BU-NEEDS-AUTH, §4.2)."""
    out = tmp_path_factory.mktemp("results") / "replay.json"
    r = mip6check("replay", "--json", str(CAPTURES / "bu-without-ah.pcapng"))
    assert r.returncode == 1, r.stderr
    out.write_text(r.stdout)
    return out


def test_sentences_by_status_equal_coverage(tmp_path: Path, coverage: dict) -> None:
    r = mip6check("report", "--out", str(tmp_path / "r"))
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "r" / "index.html").read_text()
    got = statuses(page)
    want = {k: v for k, v in coverage["totals"].items() if k != "clauses" and v}
    assert dict(got) == want
    assert sum(got.values()) == coverage["totals"]["clauses"]
    assert "violated" not in re.findall(r'<mark class="s [^"]*"', page)[0]
    # every restored sentence is marked as restored
    restored = [
        c
        for c in json.loads((ROOT / "properties/clauses.json").read_text())["clauses"]
        if c.get("restored")
    ]
    assert restored and page.count('class="tag">restored') == len(restored)


@pytest.mark.skipif(not DRAFT.is_file(), reason="the received copy of the draft is absent")
def test_draft_text_places_every_sentence(tmp_path: Path, coverage: dict) -> None:
    r = mip6check("report", "--out", str(tmp_path / "r"), "--draft", str(DRAFT))
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "r" / "index.html").read_text()
    assert "not found in the given draft text" not in page
    got = statuses(page)
    assert sum(got.values()) == coverage["totals"]["clauses"]
    assert got["property"] == coverage["totals"]["property"]
    assert '<h3 id="sec-9.13">' in page and "Johnson and Perkins" not in page
    assert "lost from the received copy" in page


def test_violations_drawn_with_chart_and_capture(tmp_path: Path, replay_fault: Path) -> None:
    out = tmp_path / "r"
    r = mip6check("report", "--out", str(out), str(replay_fault))
    assert r.returncode == 1, r.stderr  # a given result shows a violation
    page = (out / "index.html").read_text()
    marked = re.findall(r'<mark class="s st-property violated"[^>]*data-clause="([^"]+)"', page)
    assert "C4.2-01" in marked  # W-BU-NEEDS-AUTH judges §4.2's sentence
    art = re.search(
        r'<article class="found" id="found-1" data-prop="W-BU-NEEDS-AUTH">(.*?)</article>',
        page,
        re.S,
    )
    assert art and "<svg" in art.group(1) and 'download href="captures/' in art.group(1)
    link = re.search(r'download href="(captures/[^"]+)"', art.group(1)).group(1)
    assert (out / link).read_bytes() == (CAPTURES / "bu-without-ah.pcapng").read_bytes()
    assert re.search(
        r'<tr class="violated-row"><th scope="row"[^>]*><a [^>]*>W-BU-NEEDS-AUTH', page
    )


def test_verify_results_fill_the_matrix_and_findings(tmp_path: Path) -> None:
    v = mip6check(
        "verify",
        "--engine",
        "z3",
        "--property",
        "SPEC-SEQ-HALF",
        "--property",
        "BC-SEQ-MONOTONIC",
        "--json",
        "--no-timing",
    )
    assert v.returncode == 0, v.stderr
    res = tmp_path / "verify.json"
    res.write_text(v.stdout)
    r = mip6check("report", "--out", str(tmp_path / "r"), str(res))
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "r" / "index.html").read_text()
    assert '<th scope="col">verify: z3</th>' in page
    row = re.search(r"BC-SEQ-MONOTONIC</a></th>(.*?)</tr>", page, re.S).group(1)
    assert 'class="v-proved">proved' in row
    witness = json.dumps(
        next(x for x in json.loads(v.stdout)["results"] if x["status"] == "finding")["witness"],
        sort_keys=True,
    )
    finding = re.search(r"<th scope=\"row\">SPEC-SEQ-HALF</th>(.*?)</tr>", page, re.S).group(1)
    assert "<code>" in finding and json.loads(
        re.search(r"<code>(.*?)</code>", finding).group(1).replace("&quot;", '"')
    ) == json.loads(witness)


def test_page_is_self_contained(tmp_path: Path, replay_fault: Path) -> None:
    r = mip6check("report", "--out", str(tmp_path / "r"), str(replay_fault))
    assert r.returncode == 1, r.stderr
    page = (tmp_path / "r" / "index.html").read_text()
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "@import" not in page and "url(http" not in page
    assert '<script type="application/json" id="data">' in page
    data = json.loads(re.search(r'id="data">(.*?)</script>', page, re.S).group(1))
    assert set(data["clauses"]) == set(re.findall(r'data-clause="([^"]+)"', page))
    assert "W-BU-NEEDS-AUTH" in data["violated"]
    p = data["properties"]["BC-SEQ-MONOTONIC"]
    assert p["written"] and all(w["path"].startswith("properties/spec/") for w in p["written"])
    assert p["tests"] and p["engines"]


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        (
            '{"results": []}\n{"oops": 1}\n',
            ":2: not a verify, replay or explore --json output (at byte 16)",
        ),
        ('{"results": [}', ":1: not JSON (at byte 13)"),
        ("", "empty: no JSON object (at byte 0)"),
    ],
)
def test_bad_results_file_is_one_line_exit_2(tmp_path: Path, content: str, expect: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    r = mip6check("report", "--out", str(tmp_path / "r"), str(bad))
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith("mip6check: report: ") and r.stderr.strip().endswith(expect), (
        r.stderr
    )


def test_missing_results_file(tmp_path: Path) -> None:
    r = mip6check("report", "--out", str(tmp_path / "r"), str(tmp_path / "nope.json"))
    assert r.returncode == 2 and "No such file or directory" in r.stderr


def test_explore_counterexample_shows_scenario_chart_and_capture(tmp_path: Path) -> None:
    """An `explore --json` summary (its contract's fields) whose files sit beside it: the scenario
    text, the chart of its capture with the violating packet, the capture as a download."""
    scenario = sorted((ROOT / "traces" / "regressions").glob("*.scenario"))[0]
    cex = tmp_path / "cex"
    cex.mkdir()
    (cex / "counterexample.scenario").write_text(scenario.read_text())
    (cex / "counterexample.pcapng").write_bytes((CAPTURES / "bu-without-ah.pcapng").read_bytes())
    violation = {
        "packet": 1,
        "time": 1.0,
        "property": "W-BU-NEEDS-AUTH",
        "section": "4.2",
        "level": "MUST",
        "node": "2001:db8:2::100",
        "message": "no AH or ESP",
    }
    summary = {
        "budget": "ci",
        "seed": 1,
        "mutant": "retx-new-seq",
        "properties": "all monitored",
        "aimed": ["W-BU-NEEDS-AUTH"],
        "coverage": {},
        "violation": violation,
        "counterexample": {
            "scenario": "cex/counterexample.scenario",
            "pcap": "cex/counterexample.pcapng",
            "msc": "cex/counterexample.html",
            "steps": 3,
        },
    }
    res = tmp_path / "explore.json"
    res.write_text(json.dumps(summary) + "\n")
    r = mip6check("report", "--out", str(tmp_path / "r"), str(res))  # paths relative to the file
    assert r.returncode == 1, r.stderr
    page = (tmp_path / "r" / "index.html").read_text()
    art = re.search(
        r'<article class="found"[^>]*data-prop="W-BU-NEEDS-AUTH">(.*?)</article>', page, re.S
    )
    assert art and "explore at packet 1" in art.group(1)
    assert "<svg" in art.group(1) and 'download href="captures/' in art.group(1)
    first_line = scenario.read_text().splitlines()[0]
    assert html_escape(first_line) in art.group(1)


def html_escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)
