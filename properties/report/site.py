"""The `mip6check report` page: one self-contained HTML file (inline style and script, no network)
that shows the draft's normative sentences highlighted by status, a panel with everything known about
the selected sentence, the property × engine matrix, the SPEC findings, the switches in force and
every violation or counterexample of the given results with its chart."""

from __future__ import annotations

import html
import json
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from mip6check.properties.catalog import CATALOG
from mip6check.properties.report.draft_text import FOOTER_RE, clean
from mip6check.properties.report.results import Found
from mip6check.properties.report.site_data import STATUS_LABELS, SiteData

ENGINE_COLUMNS = ("monitor", "log", "replay", "hypothesis", "smt")
_HEADING = re.compile(r"^(\d+(?:\.\d+)*)\.\s+\S")


@dataclass(frozen=True, slots=True)
class Shown:
    """A violation or counterexample as the page shows it: the result, its chart (an SVG element or
    None) and the capture copied beside the page (a relative link, or None)."""

    found: Found
    svg: str | None
    download: str | None


def _asset(name: str) -> str:
    return resources.files("mip6check.properties.report").joinpath(name).read_text("utf-8")


def section_titles() -> dict[str, str]:
    """Section number -> title, from the draft's table of contents (shipped as package data)."""
    data = json.loads(_asset("sections.json"))
    return dict(data["sections"])


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _sentence(c: dict[str, Any], text: str | None = None) -> str:
    """One normative sentence as a focusable, selectable mark with its status as a class."""
    status = c["status"]
    cls = f"s st-{status}" + (" violated" if c.get("violated") else "")
    cls += " restored" if c.get("restored") else ""
    label = STATUS_LABELS.get(status, status) + (", violated" if c.get("violated") else "")
    return (
        f'<mark class="{cls}" tabindex="0" role="button" data-clause="{_e(c["id"])}" '
        f'data-status="{_e(status)}" aria-label="{_e(c["id"])} {_e(c["keyword"])}: {_e(label)}">'
        f"{_e(text if text is not None else c['text'])}</mark>"
    )


def _by_section(clauses: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for c in clauses:
        out.setdefault(c["section"], []).append(c)
    return out


def _section_key(s: str) -> list[int]:
    return [int(x) for x in s.split(".") if x.isdigit()]


def draft_from_clauses(clauses: list[dict[str, Any]], titles: dict[str, str]) -> str:
    """The draft's normative sentences in section order under their headings (no draft text given)."""
    parts: list[str] = []
    for sec, cs in sorted(_by_section(clauses).items(), key=lambda kv: _section_key(kv[0])):
        parts.append(f'<h3 id="sec-{_e(sec)}">§{_e(sec)} {_e(titles.get(sec, ""))}</h3>')
        for c in cs:
            tag = ' <span class="tag">restored</span>' if c.get("restored") else ""
            parts.append(f"<p>{_sentence(c)}{tag}</p>")
    return "\n".join(parts)


def _paragraphs(lines: list[str]) -> list[tuple[int, int, str]]:
    """The received text as paragraphs (first line, last line, normalised text), page furniture
    (footers, page numbers) left out and a sentence that a page break cut joined to its
    continuation (a paragraph not ending a sentence, or a next one starting in lower case)."""
    kept = [(n, clean(x)) for n, x in enumerate(lines, 1)]
    kept = [(n, t) for n, t in kept if t and not FOOTER_RE.match(t)]
    out: list[tuple[int, int, str]] = []
    for n, text in kept:
        if out:
            first, last, prev = out[-1]
            cut = not prev.endswith((".", ":", ";", "?", "!", ")", '"')) or text[0].islower()
            joinable = not _HEADING.match(prev) and not _HEADING.match(text)
            if cut and joinable and not text.startswith("- ") and n - last <= 8:
                out[-1] = (first, n, f"{prev} {text}")
                continue
        out.append((n, n, text))
    return out


def draft_from_text(lines: list[str], clauses: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """The received text, a paragraph each, each clause marked where it stands (in the paragraph
    holding its recorded line, or a near one); restored sentences set after their line, marked as
    restored. Returns the HTML and the IDs of clauses not found in the text (listed on the page,
    never dropped)."""
    paras = _paragraphs(lines)
    at: dict[int, list[tuple[int, int, dict[str, Any]]]] = {}
    restored: dict[int, list[dict[str, Any]]] = {}
    unplaced: list[str] = []
    for c in clauses:
        line = int(c.get("line") or 0)
        if c.get("restored"):
            restored.setdefault(line, []).append(c)
            continue
        want = clean(c["text"])
        near = sorted(
            (i for i, (a, b, _) in enumerate(paras) if a - 4 <= line <= b + 4),
            key=lambda i: 0 if paras[i][0] <= line <= paras[i][1] else 1,
        )
        for i in near:
            pos = paras[i][2].find(want)
            if pos >= 0 and not any(a < pos + len(want) and pos < b for a, b, _ in at.get(i, [])):
                at.setdefault(i, []).append((pos, pos + len(want), c))
                break
        else:
            unplaced.append(c["id"])
    start = next((i for i, p in enumerate(paras) if p[2] == "1. Introduction"), 0)
    parts: list[str] = []
    for i, (first, last, text) in enumerate(paras):
        m = _HEADING.match(text)
        if i >= start and m and len(text) < 90:
            parts.append(f'<h3 id="sec-{_e(m.group(1))}">{_e(text)}</h3>')
        else:
            out, pos = [], 0
            for a, b, c in sorted(at.get(i, []), key=lambda t: t[0]):
                out.append(_e(text[pos:a]))
                out.append(_sentence(c, text[a:b]))
                pos = b
            out.append(_e(text[pos:]))
            parts.append(f"<p>{''.join(out)}</p>")
        for line in range(first, last + 1):
            for c in restored.get(line, []):
                parts.append(
                    f'<p class="restored-p">{_sentence(c)} <span class="tag">restored: '
                    f"lost from the received copy</span></p>"
                )
    return "\n".join(parts), unplaced


def _places(items: list[dict[str, Any]]) -> str:
    return ", ".join(f"{_e(p['path'])}:{p['line']}" for p in items) or "none"


def _link(pid: str, clause: str | None) -> str:
    """A property ID, linked to the first sentence it judges (selecting it shows the property)."""
    if clause is None:
        return _e(pid)
    return f'<a href="#{_e(clause)}" data-select="{_e(clause)}">{_e(pid)}</a>'


def _matrix(data: SiteData) -> str:
    """Property × engine: which engines judge each row (registry) and what the given verify run said."""
    verify: dict[tuple[str, str], dict[str, Any]] = {}
    for r in data.results.verify:
        verify[(str(r.get("property")), str(r.get("engine")))] = r
    engines = sorted({e for _, e in verify})
    first: dict[str, str] = {}
    for c in data.coverage["clauses"]:
        for pid in c.get("properties") or []:
            first.setdefault(pid, c["id"])
    head = "".join(f'<th scope="col">{e}</th>' for e in ENGINE_COLUMNS)
    vhead = "".join(f'<th scope="col">verify: {_e(e)}</th>' for e in engines)
    rows = []
    for pid, p in data.properties.items():
        cells = "".join(
            f'<td class="{"yes" if e in p["engines"] else "no"}">'
            f"{'judges' if e in p['engines'] else '—'}</td>"
            for e in ENGINE_COLUMNS
        )
        vcells = ""
        for e in engines:
            got = verify.get((pid, e))
            if got is None:
                vcells += '<td class="no">—</td>'
                continue
            r = got
            ev = r.get("examples")
            evidence = f" ({ev})" if ev is not None else ""
            vcells += f'<td class="v-{_e(r.get("status"))}">{_e(r.get("status"))}{evidence}</td>'
        cls = ' class="violated-row"' if p["violated"] else ""
        rows.append(
            f'<tr{cls}><th scope="row" title="{_e(p["text"])}">{_link(pid, first.get(pid))}</th>'
            f"<td>{_e(p['level'])}</td>{cells}{vcells}</tr>"
        )
    return (
        '<table class="matrix"><thead><tr><th scope="col">property</th><th scope="col">level</th>'
        f"{head}{vhead}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _findings(data: SiteData) -> str:
    witness: dict[str, Any] = {}
    for r in data.results.verify:
        if r.get("status") == "finding":
            witness[str(r.get("property"))] = r.get("witness")
    rows = []
    for pid, p in data.properties.items():
        if not pid.startswith("SPEC-"):
            continue
        w = witness.get(pid)
        shown = (
            f"<code>{_e(json.dumps(w, sort_keys=True))[:600]}</code>"
            if w is not None
            else '<span class="muted">run <code>mip6check verify --json</code> and give its output '
            "to see the witness</span>"
        )
        secs = ", ".join("§" + s for s in p["sections"])
        rows.append(
            f'<tr><th scope="row">{_e(pid)}</th><td>{_e(secs)}</td><td>{_e(p["text"])}</td>'
            f"<td>{shown}</td></tr>"
        )
    return (
        '<table><thead><tr><th scope="col">finding</th><th scope="col">sections</th>'
        '<th scope="col">what the text allows</th><th scope="col">witness</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _switches(data: SiteData) -> str:
    rows = "".join(
        f'<tr><th scope="row"><code>{_e(s["flag"])}</code></th><td>{_e(s["value"])}</td>'
        f"<td>{_e(s['default'])}</td><td>{_e(s['where'])}</td><td>{_e(s['reading'])}</td></tr>"
        for s in data.switches
    )
    return (
        '<table><thead><tr><th scope="col">switch</th><th scope="col">in force</th>'
        '<th scope="col">default</th><th scope="col">sections</th><th scope="col">reading</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def _shown(items: list[Shown]) -> str:
    if not items:
        return '<p class="muted">No violation or counterexample in the given results.</p>'
    out = []
    for i, s in enumerate(items, 1):
        f = s.found
        row = CATALOG.get(f.property)
        secs = ", ".join("§" + x for x in row.sections) if row else ""
        where = f" at packet {f.packet}" if f.packet is not None else ""
        out.append(
            f'<article class="found" id="found-{i}" data-prop="{_e(f.property)}">'
            f"<h3>{_e(f.property)} <small>{_e(secs)}</small></h3>"
            f"<p>{_e(f.source)}{_e(where)} ({_e(f.origin.name)}): {_e(f.message)}</p>"
        )
        if s.download:
            out.append(f'<p><a download href="{_e(s.download)}">capture (pcapng/pcap)</a></p>')
        if f.scenario is not None:
            text = f.scenario.read_text("utf-8", errors="replace")
            out.append(
                f"<details open><summary>scenario {_e(f.scenario.name)}</summary>"
                f"<pre>{_e(text)}</pre></details>"
            )
        if s.svg:
            out.append(f'<div class="chart">{s.svg}</div>')
        elif f.capture is None:
            out.append('<p class="muted">No capture of this run was found beside the results.</p>')
        out.append("</article>")
    return "\n".join(out)


def _summary(data: SiteData, unplaced: list[str], shown: list[Shown]) -> str:
    t = data.coverage["totals"]
    verify = Counter(str(r.get("status")) for r in data.results.verify)
    musts = data.coverage["by_keyword"]
    must_total = sum(musts.get(k, {}).get(s, 0) for k in ("MUST", "MUST NOT") for s in musts[k])
    must_judged = sum(musts.get(k, {}).get("property", 0) for k in ("MUST", "MUST NOT"))
    items = [
        f"<li><b>{t['clauses']}</b> normative sentences: <b>{t['property']}</b> judged, "
        f"<b>{t['implemented']}</b> implemented only, <b>{t['out_of_scope']}</b> out of scope, "
        f"<b>{t['unmapped']}</b> unmapped</li>",
        f"<li>MUST / MUST NOT: <b>{must_judged}</b> of <b>{must_total}</b> judged by a property</li>",
        f"<li><b>{len(data.properties)}</b> properties; "
        f"<b>{sum(1 for p in data.properties.values() if p['engines'])}</b> judged by an engine</li>",
    ]
    if data.results.files:
        names = ", ".join(_e(p.name) for p in data.results.files)
        verdicts = ", ".join(f"{n} {_e(k)}" for k, n in sorted(verify.items())) or "none"
        items.append(
            f"<li>results: {names} — verify: {verdicts}; replay: "
            f"{len(data.results.replay)} captures; explore: {len(data.results.explore)} runs</li>"
        )
        bad = len(data.violated)
        items.append(
            f'<li class="{"bad" if bad else "good"}"><b>{bad}</b> properties violated, '
            f"{len(shown)} violations or counterexamples shown</li>"
        )
    else:
        items.append("<li>no results given: coverage only</li>")
    if unplaced:
        items.append(
            f'<li class="bad">not found in the given draft text: {_e(", ".join(unplaced))}</li>'
        )
    if data.coverage.get("problems"):
        items.append(
            f'<li class="bad">problems: {_e("; ".join(map(str, data.coverage["problems"])))}</li>'
        )
    return "<ul>" + "".join(items) + "</ul>"


def render(data: SiteData, shown: list[Shown], draft_lines: list[str] | None) -> str:
    """The whole page as one HTML string."""
    clauses = data.coverage["clauses"]
    unplaced: list[str] = []
    if draft_lines is not None:
        draft, unplaced = draft_from_text(draft_lines, clauses)
        if unplaced:
            byid = {c["id"]: c for c in clauses}
            draft += "\n<h3>Sentences not found in the given text</h3>" + "".join(
                f"<p>{_sentence(byid[i])}</p>" for i in unplaced
            )
        source = "the draft's text as given with <code>--draft</code>"
    else:
        draft = draft_from_clauses(clauses, section_titles())
        source = (
            "the draft's normative sentences (give the draft's text with <code>--draft FILE</code> "
            "to see them in place)"
        )
    counts = Counter(c["status"] for c in clauses)
    legend = (
        "".join(
            f'<li><span class="s st-{k}">{_e(v)}</span> {counts.get(k, 0)}</li>'
            for k, v in STATUS_LABELS.items()
        )
        + f'<li><span class="s violated">violated</span> {sum(1 for c in clauses if c["violated"])}</li>'
    )
    payload = json.dumps(data.to_json(), sort_keys=True).replace("</", "<\\/")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mip6check report: draft-ietf-mobileip-ipv6-04</title>
<style>{_asset("site.css")}</style></head>
<body>
<a class="skip" href="#detail">Skip to the selected sentence</a>
<header><h1>mip6check report <small>draft-ietf-mobileip-ipv6-04</small></h1>
<nav aria-label="sections"><a href="#summary">Summary</a> <a href="#draft">Draft</a>
<a href="#matrix">Properties × engines</a> <a href="#findings">Findings</a>
<a href="#switches">Switches</a> <a href="#violations">Violations</a></nav></header>
<section id="summary"><h2>Summary</h2>{_summary(data, unplaced, shown)}</section>
<div class="layout">
<section id="draft" aria-label="the draft"><h2>The draft</h2>
<p class="muted">Showing {source}. Select a sentence (click, or Tab then Enter) for its properties,
engines, code and tests.</p>
<ul class="legend" aria-label="legend">{legend}</ul>
<div id="text">{draft}</div></section>
<aside id="detail" tabindex="-1" aria-live="polite"><h2>Selected sentence</h2>
<div id="detail-body"><p class="muted">Nothing selected yet.</p></div></aside>
</div>
<section id="matrix-sec"><h2 id="matrix">Properties × engines</h2>
<p class="muted">Left: the engines that judge each row, derived from the spec registry. Right: the
statuses of the given <code>verify --json</code> run, with the evidence count.</p>{_matrix(data)}</section>
<section><h2 id="findings">Findings in the draft itself (SPEC rows)</h2>{_findings(data)}</section>
<section><h2 id="switches">Switches in force</h2>{_switches(data)}</section>
<section><h2 id="violations">Violations and counterexamples</h2>{_shown(shown)}</section>
<script type="application/json" id="data">{payload}</script>
<script>{_asset("site.js")}</script>
</body></html>
"""


def write(out: Path, data: SiteData, shown: list[Shown], draft_lines: list[str] | None) -> Path:
    """Write `out/index.html` (and the captures already copied into `out/captures/`)."""
    out.mkdir(parents=True, exist_ok=True)
    page = out / "index.html"
    page.write_text(render(data, shown, draft_lines), "utf-8")
    return page


def copy_capture(out: Path, capture: Path, index: int) -> str:
    """Copy a capture beside the page for download; returns the relative link."""
    dest_dir = out / "captures"
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / f"{index:03d}-{capture.name}"
    shutil.copyfile(capture, dest)
    return f"captures/{dest.name}"


__all__ = [
    "Shown",
    "copy_capture",
    "draft_from_clauses",
    "draft_from_text",
    "render",
    "section_titles",
    "write",
]
