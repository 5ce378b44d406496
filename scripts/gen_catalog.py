#!/usr/bin/env python3
"""Generate properties/catalog_data.py from ../shared/spec/properties.md (run once per catalog change).

The runtime never reads ../shared: the generated module is committed. tests/properties/test_catalog.py
re-parses properties.md (when present) and asserts the committed data still matches it.

Usage: python scripts/gen_catalog.py [PATH/TO/properties.md] > properties/catalog_data.py
   or: python scripts/gen_catalog.py --write
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SRC = ROOT.parent / "shared" / "spec" / "properties.md"
OUT = ROOT / "properties" / "catalog_data.py"

GROUP_HEADINGS = {
    "Wire format (W)": "W",
    "Binding Cache": "BC",
    "Home agent (HA)": "HA",
    "Mobile node (MN)": "MN",
    "System (SYS)": "SYS",
    "Findings on the text itself (SPEC)": "SPEC",
}


def _sections(cell: str) -> tuple[str, ...]:
    """'5.1, 7.2' -> ('5.1', '7.2'); '5.1-5.4' -> ('5.1', '5.2', '5.3', '5.4')."""
    out: list[str] = []
    for part in (p.strip() for p in cell.split(",")):
        m = re.fullmatch(r"(\d+)\.(\d+)-(\d+)\.(\d+)", part)
        if m and m.group(1) == m.group(3):
            out += [f"{m.group(1)}.{i}" for i in range(int(m.group(2)), int(m.group(4)) + 1)]
        elif part:
            out.append(part)
    return tuple(out)


def parse(text: str) -> list[dict[str, object]]:
    """Every table row of properties.md as a dict (id, sections, level, kind, trace, text, group)."""
    rows: list[dict[str, object]] = []
    group = ""
    for line in text.splitlines():
        if line.startswith("## "):
            title = line[3:].strip()
            group = next((g for h, g in GROUP_HEADINGS.items() if title.startswith(h)), "")
            continue
        if not line.startswith("|") or not group:
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not cells or cells[0] in ("ID", "") or set(cells[0]) <= set("-: "):
            continue
        if group == "SPEC":  # | ID | § | What to show |
            pid, sec, what = cells[0], cells[1], cells[2]
            level, kind, trace = "—", "spec", "no"
        else:  # | ID | § | Level | Kind | Trace | What must hold |
            pid, sec, level, kind, trace, what = cells[:6]
        rows.append(
            {
                "id": pid,
                "sections": _sections(sec),
                "level": level,
                "kind": kind,
                "trace": trace,
                "text": what,
                "group": group,
            }
        )
    return rows


# Rows this project adds to the shared catalog ("add rows freely: new IDs, same naming scheme").
PROJECT_ROWS: tuple[dict[str, object], ...] = (
    {
        "id": "SPEC-RETX-NO-REACK",
        "sections": ("9.7", "7.2"),
        "level": "—",
        "kind": "spec",
        "trace": "no",
        "text": "After the Binding Acknowledgement of an accepted Binding Update is lost, every "
        "retransmission (same Sequence Number, §9.7) fails §7.2: over the run, none is acknowledged "
        "until the binding expires, none ever with an infinite Lifetime (B5); with --seq-equal-ack "
        "it converges.",
        "group": "SPEC",
    },
    {
        "id": "SPEC-SEQ-RETX",
        "sections": ("5.1", "9.7"),
        "level": "—",
        "kind": "spec",
        "trace": "no",
        "text": "Every Binding Update MUST carry a greater Sequence Number (§5.1), a retransmission MUST carry the same one (§9.7): no retransmission meets §5.1 (B4).",
        "group": "SPEC",
    },
    {
        "id": "SPEC-BA-MUST-VS-SILENT",
        "sections": ("5.2", "7.2", "7.5"),
        "level": "—",
        "kind": "spec",
        "trace": "no",
        "text": "The destination of a Binding Update with A set MUST return an acknowledgement (§5.2, restored), one failing §7.2 MUST be silently ignored, and §7.5 says SHOULD (B7).",
        "group": "SPEC",
    },
    {
        "id": "SPEC-DEREG-BA-NO-ENTRY",
        "sections": ("5.2", "7.4", "8.3"),
        "level": "—",
        "kind": "spec",
        "trace": "no",
        "text": "An accepting acknowledgement MUST be sent using the Binding Cache entry, but an accepted deletion has just removed it (B8).",
        "group": "SPEC",
    },
    {
        "id": "SPEC-HOMEREG-DELETE",
        "sections": ("8.2", "8.3"),
        "level": "—",
        "kind": "spec",
        "trace": "no",
        "text": "A home registration MUST NOT be removed before its Lifetime expires (§8.2), yet a de-registration MUST delete it (§8.3) (B10).",
        "group": "SPEC",
    },
    {
        "id": "SPEC-INFINITE-FILL",
        "sections": ("5.1", "7.7", "8.2"),
        "level": "—",
        "kind": "spec",
        "trace": "no",
        "text": "Home registrations with Lifetime 0xFFFFFFFF never expire and are never evicted: once they fill the cache every new home registration gets 131, for ever (C2).",
        "group": "SPEC",
    },
    {
        "id": "SPEC-SEQ-FORGOTTEN",
        "sections": ("5.1", "9.10", "7.7"),
        "level": "—",
        "kind": "spec",
        "trace": "no",
        "text": "After a rejection deletes the mobile node's list entry its next Sequence Number may start anywhere, and a peer still holding the old number silently refuses half the starts; no Status says why (C4, C6).",
        "group": "SPEC",
    },
    {
        "id": "SPEC-DHAAD-NO-SA",
        "sections": ("8.1", "7.2", "4.2"),
        "level": "—",
        "kind": "spec",
        "trace": "no",
        "text": "Dynamic home agent discovery must pass §7.2's authentication before §8.1, with a home agent not yet known: without a security association the update is ignored and 135 is unreachable (C7).",
        "group": "SPEC",
    },
    {
        "id": "SPEC-DEREG-UNKNOWN",
        "sections": ("8.3",),
        "level": "—",
        "kind": "spec",
        "trace": "no",
        "text": "A de-registration at a home agent holding no registration for the address passes the 132/133 tests and is accepted: no Status says 'not registered' (C8).",
        "group": "SPEC",
    },
    {
        "id": "SPEC-RETX-STOP-READINGS",
        "sections": ("9.7", "9.4", "9.5"),
        "level": "—",
        "kind": "spec",
        "trace": "no",
        "text": "At MAX_BINDACK_TIMEOUT §9.7 retransmits until acknowledged, §9.5 stops (correspondents), §9.4 goes on (home agent) (C13).",
        "group": "SPEC",
    },
    {
        "id": "SPEC-HAO-EXT-8",
        "sections": ("5.4",),
        "level": "—",
        "kind": "spec",
        "trace": "no",
        "text": "The Home Address option's Length MUST be 16, yet 'greater than 8 octets' marks extensions: the MUST length makes half the address an extension (B3).",
        "group": "SPEC",
    },
    {
        "id": "SPEC-UNKNOWN-BU-ICMP",
        "sections": ("9.9", "5.1"),
        "level": "—",
        "kind": "spec",
        "trace": "no",
        "text": "§9.9 says a node not recognising the Binding Update SHOULD return a Parameter Problem; the type bits 11 forbid it for a multicast destination and require it otherwise (B15).",
        "group": "SPEC",
    },
    {
        "id": "SPEC-PP2-WHICH-OPTION",
        "sections": ("4.3", "9.9"),
        "level": "—",
        "kind": "spec",
        "trace": "no",
        "text": "A Parameter Problem code 2 about the Home Address option in a Binding Update's packet meets the 'no more Binding Updates' trigger: the draft never reads the pointer (C17).",
        "group": "SPEC",
    },
    {
        "id": "SPEC-TENTATIVE-TYPES",
        "sections": ("5.1", "5.2", "5.3", "5.4"),
        "level": "—",
        "kind": "spec",
        "trace": "no",
        "text": "The tentative option types collide with assigned ones: the Binding Update's 195 is RFC 1888's NSAP Address option (C19).",
        "group": "SPEC",
    },
    {
        "id": "SPEC-72-GAPS",
        "sections": ("7.2", "5.1"),
        "level": "—",
        "kind": "spec",
        "trace": "no",
        "text": "§7.2 test 2 compares the Option Length with §5.1's whatever the C bit says, and no test reads ID Length without H: both malformed updates are cached (C5).",
        "group": "SPEC",
    },
    {
        "id": "W-HAO-LEN",
        "sections": ("5.4",),
        "level": "MUST",
        "kind": "act",
        "trace": "yes",
        "text": "A Home Address option's Option Length is 16 (the §5.4 sentence the received copy lost, "
        "C5.4-R1): shorter cannot hold the address; longer carries extensions the MUST forbids (B13).",
        "group": "W",
    },
)


def catalog_rows(text: str) -> list[dict[str, object]]:
    """The shared catalog's rows followed by this project's own (IDs never collide)."""
    rows = parse(text)
    known = {r["id"] for r in rows}
    return rows + [r for r in PROJECT_ROWS if r["id"] not in known]


def render(rows: list[dict[str, object]]) -> str:
    """The Python source of properties/catalog_data.py."""
    lines = [
        '"""GENERATED by scripts/gen_catalog.py from ../shared/spec/properties.md: do not edit by hand."""',
        "",
        "from __future__ import annotations",
        "",
        "# (id, sections, level, kind, trace, text, group)",
        "ROWS: tuple[tuple[str, tuple[str, ...], str, str, str, str, str], ...] = (",
    ]
    for r in rows:
        lines.append(
            f"    ({r['id']!r}, {r['sections']!r}, {r['level']!r}, {r['kind']!r}, {r['trace']!r},"
        )
        lines.append(f"     {r['text']!r}, {r['group']!r}),")
    lines.append(")")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    write = "--write" in argv
    args = [a for a in argv if a != "--write"]
    src = Path(args[0]) if args else DEFAULT_SRC
    code = render(catalog_rows(src.read_text(encoding="utf-8")))
    if write:
        OUT.write_text(code, encoding="utf-8")
        # keep the committed module `ruff format` clean (best effort: ruff is a test dependency)
        subprocess.run(["ruff", "format", "-q", str(OUT)], check=False)
    else:
        sys.stdout.write(code)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
