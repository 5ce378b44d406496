"""The report in a real browser (headless Chromium from the distribution's packages; skipped, and
said so, without it): no console errors, sentences by status equal `coverage --json` after the
script ran, selecting a sentence shows its properties, a violated property is red with its chart."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = next(
    (p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p),
    None,
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (apt-get install chromium)"
)
ARTEFACTS = Path(os.environ.get("MIP6CHECK_ARTEFACTS", ROOT / "reports" / "browser"))


def mip6check(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mip6check.cli.main", *argv],
        capture_output=True,
        text=True,
        timeout=300,
    )


def chromium(url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            *extra,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def console_errors(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ":CONSOLE" in ln or "Uncaught" in ln]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("site")
    r = mip6check("replay", "--json", str(ROOT / "traces/captures/bu-without-ah.pcapng"))
    (tmp / "replay.json").write_text(r.stdout)
    out = tmp / "r"
    rep = mip6check("report", "--out", str(out), str(tmp / "replay.json"))
    assert rep.returncode == 1, rep.stderr
    return out / "index.html"


def test_console_is_clean_and_the_detector_works(site: Path, tmp_path: Path) -> None:
    r = chromium(site.as_uri(), "--dump-dom")
    assert r.returncode == 0 and "</html>" in r.stdout
    assert console_errors(r.stderr) == []
    broken = tmp_path / "broken.html"  # the same check sees a script error when there is one
    broken.write_text(
        site.read_text().replace("</body>", "<script>noSuchFunction();</script></body>")
    )
    assert console_errors(chromium(broken.as_uri(), "--dump-dom").stderr)


def test_statuses_in_the_rendered_page_equal_coverage(site: Path) -> None:
    cov = json.loads(mip6check("coverage", "--json").stdout)["totals"]
    dom = chromium(site.as_uri(), "--dump-dom").stdout
    got = Counter(re.findall(r'<mark class="s st-[a-z_]+[^"]*"[^>]*data-status="([a-z_]+)"', dom))
    assert dict(got) == {k: v for k, v in cov.items() if k != "clauses" and v}


def test_selecting_a_sentence_shows_its_properties(site: Path) -> None:
    clause = json.loads(mip6check("coverage", "--json").stdout)["clauses"]
    c = next(x for x in clause if x["id"] == "C7.2-02")
    dom = chromium(site.as_uri() + "#C7.2-02", "--dump-dom").stdout
    panel = re.search(r'<div id="detail-body">(.*?)</aside>', dom, re.S).group(1)
    assert "C7.2-02" in panel and "Nothing selected" not in panel
    for pid in c["properties"]:
        assert f'id="prop-{pid}"' in panel
    assert "engines that judge it" in panel and 'class="s st-property violated selected"' in dom


def test_violation_red_with_chart_and_screenshot(site: Path) -> None:
    dom = chromium(site.as_uri(), "--dump-dom").stdout
    assert re.search(r'<mark class="s st-property violated"[^>]*data-clause="C4.2-01"', dom)
    art = re.search(
        r'<article class="found"[^>]*data-prop="W-BU-NEEDS-AUTH">(.*?)</article>', dom, re.S
    )
    assert art and "<svg" in art.group(1)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTEFACTS / "report.png"
    r = chromium(site.as_uri() + "#C4.2-01", "--window-size=1400,1100", f"--screenshot={shot}")
    assert r.returncode == 0 and shot.stat().st_size > 20_000
