#!/usr/bin/env python3
"""Extract every normative sentence of the draft into properties/clauses.json.

A clause is one sentence holding an RFC 2119 keyword in capitals (MUST, MUST NOT, SHOULD, SHOULD NOT,
MAY, REQUIRED, SHALL, SHALL NOT, RECOMMENDED, OPTIONAL), with its section and a stable ID
`C<section>-<nn>` (numbered in document order within the section).

The received copy is not the IETF .txt (wire-formats.md §5 A): this script repairs what it must —
page footers ("Johnson and Perkins / Expires 21 May 1998 / [Page N]") interleaved mid-sentence and
paragraphs split at page breaks (A5), markdown links, bold and `2^{16}` (A5), and the two lost section
headings (A2: §5.2 resumes at Status 130 after the page-19 footer; A3: §5.4's body follows §5.3).
Keywords quoted as words ("MUST" in §3.3 and Appendix A) are not clauses.

Usage: python scripts/extract_clauses.py [DRAFT.txt] [--check]
  writes properties/clauses.json (or, with --check, exits 1 if the committed file differs).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mip6check.properties.report.draft_text import FOOTER_RE, clean

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SRC = ROOT.parent / "shared" / "spec" / "000_5ef8facd5bbaef68.txt"
OUT = ROOT / "properties" / "clauses.json"

KEYWORDS = (
    "NOT RECOMMENDED",
    "MUST NOT",
    "SHOULD NOT",
    "SHALL NOT",
    "MUST",
    "SHOULD",
    "SHALL",
    "REQUIRED",
    "RECOMMENDED",
    "MAY",
    "OPTIONAL",
)
KW_RE = re.compile(r"\b(" + "|".join(k.replace(" ", r"\s+") for k in KEYWORDS) + r")\b")
QUOTED_KW_RE = re.compile(r"\"(" + "|".join(KEYWORDS) + r")\"")
HEADING_RE = re.compile(r"^(\d+(?:\.\d+)*)\.\s+([A-Z][^.]*)$")

# A2/A3: headings missing from the received copy, restored at the first paragraph of their body.
# (section in force, paragraph prefix) -> section it really belongs to.
LOST_HEADINGS = {
    ("5.1", "- 130 Administratively prohibited"): "5.2",
    ("5.3", "The inclusion of a Home Address option in a packet affects only"): "5.4",
}


# A2/A3: normative sentences of draft-04 whose text the received copy lost with the §5.2 and §5.4
# diagrams (wire-formats.md §1.2, §1.4 read them in the IETF draft-04 text). They are restored with the
# surviving §5.3 wording ("Length of the option, in octets, excluding ...") as the template, keep IDs
# outside the extracted numbering (`R<n>`: the extracted IDs never shift), sit before the first
# extracted clause of their section, and carry `restored` naming where their text comes from.
RESTORED: tuple[tuple[str, str, str, str], ...] = (
    (
        "C5.2-R1",
        "5.2",
        "When a node receives a packet containing a Binding Update option, with this node being the "
        "destination of the packet, this node MUST return a Binding Acknowledgement to the source of "
        "the packet, if the Acknowledge (A) bit is set in the Binding Update.",
        "A2: §5.2 introduction lost in the received copy; wire-formats.md §1.2 (draft-04, verbatim "
        "there: 'MUST return a Binding Acknowledgement ... if the Acknowledge (A) bit is set')",
    ),
    (
        "C5.2-R2",
        "5.2",
        "Option Length: 8-bit unsigned integer. Length of the option, in octets, excluding the Option "
        "Type and Option Length fields; for the Binding Acknowledgement option, this field MUST be set "
        "to 12.",
        "A2: §5.2 field list lost in the received copy; wire-formats.md §1.2 (draft-04: 'MUST be set "
        "to 12', although the fields sum to 11, B2)",
    ),
    (
        "C5.4-R1",
        "5.4",
        "Option Length: 8-bit unsigned integer. Length of the option, in octets, excluding the Option "
        "Type and Option Length fields; for the Home Address option, this field MUST be set to 16.",
        "A3: §5.4 heading, diagram and field list lost in the received copy; wire-formats.md §1.4 "
        "(draft-04: 'MUST be 16')",
    ),
)


_RANK = {
    "MUST": 0,
    "SHALL": 0,
    "REQUIRED": 0,
    "SHOULD": 1,
    "RECOMMENDED": 1,
    "MAY": 2,
    "OPTIONAL": 2,
}


def strongest(kws: list[str]) -> str:
    """The strongest keyword of a sentence (MUST-family > SHOULD-family > MAY), first on ties."""
    return min(kws, key=lambda k: _RANK[k.replace("NOT ", "").replace(" NOT", "")])


@dataclass
class Clause:
    """One normative sentence: ID, strongest keyword, all keywords in order, section, text, line."""

    id: str
    keyword: str
    keywords: list[str]
    section: str
    text: str
    line: int
    items: list[str] = field(default_factory=list)
    restored: str = ""  # where a sentence the received copy lost comes from (empty: extracted)


_ABBREV = ("e.g.", "i.e.", "etc.", "vs.")


def sentences(par: str) -> list[str]:
    """Split a paragraph into sentences (not after e.g./i.e./etc.)."""
    protected = par
    for i, a in enumerate(_ABBREV):
        protected = protected.replace(a, f"\x00{i}\x00")
    parts = re.split(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])", protected)
    out = []
    for p in parts:
        for i, a in enumerate(_ABBREV):
            p = p.replace(f"\x00{i}\x00", a)
        if p.strip():
            out.append(p.strip())
    return out


def paragraphs(lines: list[str]) -> list[tuple[int, str, str]]:
    """(source line, section, cleaned text) for every body paragraph, page breaks repaired."""
    # body = from the second "1. Introduction" (the first is the table of contents) to Appendix A
    intro = [i for i, ln in enumerate(lines) if ln.strip() == "1. Introduction"]
    start = intro[1] if len(intro) > 1 else 0
    end = next(
        (i for i in range(start, len(lines)) if lines[i].startswith("Appendix A.")), len(lines)
    )
    pars: list[list[object]] = []  # [line, section, text, broke_by_footer]
    section = "0"
    footer_seen = False
    in_code = False
    for i in range(start, end):
        raw = lines[i].rstrip("\n")
        if raw.strip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        text = clean(raw)
        if not text:
            continue
        if FOOTER_RE.match(text):
            footer_seen = True
            continue
        h = HEADING_RE.match(text)
        if h and len(text) < 80:
            section = h.group(1)
            pars.append([i + 1, section, "", False])  # a heading stops joining
            footer_seen = False
            continue
        for (cur, prefix), real in LOST_HEADINGS.items():
            if section == cur and text.startswith(prefix):
                section = real
                pars.append([i + 1, section, "", False])
        prev = pars[-1] if pars else None
        prev_text = str(prev[2]) if prev else ""
        ends_open = bool(prev_text) and not re.search(r"[.:!?][\"')\]]*$", prev_text)
        starts_item = text.startswith("- ")
        # a paragraph cut by a page break: the previous one ends mid-sentence and this one goes on
        # (field labels such as "Sequence Number" also end open, but are short and not continued)
        goes_on = text[0].islower() or text[0] == "(" or footer_seen or len(prev_text) > 80
        if prev and ends_open and not starts_item and goes_on:
            prev[2] = prev_text + " " + text
        else:
            pars.append([i + 1, section, text, footer_seen])
        footer_seen = False
    return [(int(p[0]), str(p[1]), str(p[2])) for p in pars if p[2]]


def extract(text: str) -> list[Clause]:
    """All clauses of the draft, in document order."""
    lines = text.splitlines()
    pars = paragraphs(lines)
    clauses: list[Clause] = []
    counters: dict[str, int] = {}
    for n, (line, section, par) in enumerate(pars):
        body = par[2:] if par.startswith("- ") else par
        for sent in sentences(body):
            probe = QUOTED_KW_RE.sub("", sent)
            kws = [re.sub(r"\s+", " ", m.group(1)) for m in KW_RE.finditer(probe)]
            if not kws:
                continue
            counters[section] = counters.get(section, 0) + 1
            c = Clause(
                id=f"C{section}-{counters[section]:02d}",
                keyword=strongest(kws),
                keywords=list(dict.fromkeys(kws)),
                section=section,
                text=sent,
                line=line,
            )
            if sent.endswith(":"):  # "... the following tests:" -> the list that follows
                for _, sec2, nxt in pars[n + 1 :]:
                    if sec2 != section or not nxt.startswith("- "):
                        break
                    c.items.append(nxt[2:])
            clauses.append(c)
    return restore(clauses)


def restore(clauses: list[Clause]) -> list[Clause]:
    """Insert the RESTORED sentences before the first extracted clause of their section."""
    out = list(clauses)
    for cid, section, text, source in reversed(RESTORED):
        at = next(i for i, c in enumerate(out) if c.section == section)
        kws = [re.sub(r"\s+", " ", m.group(1)) for m in KW_RE.finditer(text)]
        out.insert(
            at,
            Clause(
                cid,
                strongest(kws),
                list(dict.fromkeys(kws)),
                section,
                text,
                out[at].line,
                restored=source,
            ),
        )
    return out


def render(clauses: list[Clause]) -> str:
    doc = {
        "source": "draft-ietf-mobileip-ipv6-04 (received copy 000_5ef8facd5bbaef68.txt)",
        "generator": "scripts/extract_clauses.py",
        "clauses": [{k: v for k, v in asdict(c).items() if v not in ([], "")} for c in clauses],
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    src = Path(args[0]) if args else DEFAULT_SRC
    clauses = extract(src.read_text(encoding="utf-8"))
    out = render(clauses)
    if check:
        same = OUT.is_file() and OUT.read_text(encoding="utf-8") == out
        print("clauses.json is up to date" if same else "clauses.json differs: regenerate")
        return 0 if same else 1
    OUT.write_text(out, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(clauses)} clauses")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
