"""The received copy of the draft as text: its markdown artefacts undone and its page furniture
recognised, the same way for the clause extractor (scripts/extract_clauses.py) and the report that
places those clauses back in the text."""

from __future__ import annotations

import re

FOOTER_RE = re.compile(r"^(Johnson and Perkins|Expires 21 May 1998|\[Page \d+\])$")
LINK_RE = re.compile(r"\[((?:\\\]|\\\[|[^\]])*)\]\(#\)")


def clean(s: str) -> str:
    """Undo the copy's markdown artefacts: links, escaped brackets, bold, 2^{16}, spaces."""
    s = LINK_RE.sub(lambda m: m.group(1).replace("\\[", "[").replace("\\]", "]"), s)
    s = s.replace("**", "")
    s = re.sub(r"\^\{(\d+)\}", r"^\1", s)
    s = re.sub(r"\s+([.,;])", r"\1", s)
    s = s.replace("\u00a0", " ")
    return re.sub(r"\s+", " ", s).strip()


__all__ = ["FOOTER_RE", "LINK_RE", "clean"]
