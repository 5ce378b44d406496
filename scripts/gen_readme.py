#!/usr/bin/env python3
"""Regenerate the README's generated tables (between <!-- BEGIN name --> and <!-- END name --> markers):
`switches` (the ambiguity switches) and `conformance` (property -> draft section -> modules -> engines).

Usage: python scripts/gen_readme.py          # print what would change
       python scripts/gen_readme.py --write  # rewrite README.md in place
tests/test_readme.py fails when the committed README differs from what this script generates.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mip6check.cli.switches import switch_table  # noqa: E402
from mip6check.properties.catalog import CATALOG  # noqa: E402
from mip6check.properties.coverage import build  # noqa: E402
from mip6check.properties.engines import load as load_engines  # noqa: E402
from mip6check.properties.smt.bmc import CHECKS as BMC_CHECKS  # noqa: E402
from mip6check.properties.smt.induction import PROOFS  # noqa: E402
from mip6check.properties.smt.spec import FINDINGS  # noqa: E402
from mip6check.properties.spec import Engine  # noqa: E402
from mip6check.properties.spec import engines_of as judges_of  # noqa: E402


def engines_of(pid: str) -> list[str]:
    """Where a property is checked: Z3 proof / finding, bounded model checking (the SMT engine's own
    kinds), then the run and capture engines as they declare themselves in the spec registry."""
    load_engines()
    judges = judges_of(pid)
    out = []
    if pid in PROOFS:
        out.append("Z3 proof")
    if pid in FINDINGS:
        out.append("Z3 finding")
    if pid in BMC_CHECKS:
        out.append("BMC")
    if Engine.MONITOR in judges:
        out.append("monitors (scenarios, Hypothesis)")
    if Engine.LOG in judges:
        out.append("log checks (scenarios)")
    if pid in ("SYS-CONVERGE", "SYS-DELIVERY"):
        out.append("scenario expectations")
    if Engine.REPLAY in judges:
        out.append("replay (captures, simulations)")
    return out


def conformance_table() -> str:
    report = build()
    modules: dict[str, set[str]] = {}
    for row in report.rows:
        for p in row.properties:
            modules.setdefault(p, set()).update(m.split("/")[-1] for m in row.modules)
    lines = [
        "| property | § | level | implemented in | checked by |",
        "|---|---|---|---|---|",
    ]
    for pid, p in CATALOG.items():
        mods = ", ".join(f"`{m}`" for m in sorted(modules.get(pid, ()))) or "—"
        where = ", ".join(engines_of(pid)) or "**not checked**"
        lines.append(f"| {pid} | {', '.join(p.sections)} | {p.level} | {mods} | {where} |")
    return "\n".join(lines)


SECTIONS = {"switches": switch_table, "conformance": conformance_table}


def regenerate(text: str) -> str:
    for name, fn in SECTIONS.items():
        pat = re.compile(rf"(<!-- BEGIN {name} -->\n).*?(\n<!-- END {name} -->)", re.S)
        if not pat.search(text):
            raise SystemExit(f"README.md lacks the markers for {name}")
        body = fn()
        text = pat.sub(lambda m, body=body: m.group(1) + body + m.group(2), text)
    return text


def main(argv: list[str]) -> int:
    readme = ROOT / "README.md"
    old = readme.read_text(encoding="utf-8")
    new = regenerate(old)
    if "--write" in argv:
        readme.write_text(new, encoding="utf-8")
    elif new != old:
        print("README.md is stale: run python scripts/gen_readme.py --write")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
