"""The committed catalog matches docs/properties.md (its source), and lookups fail clearly."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from mip6check.properties.catalog import CATALOG, Group, UnknownPropertyError, get, ids
from mip6check.properties.catalog_data import ROWS

ROOT = Path(__file__).resolve().parents[2]
PROPERTIES_MD = ROOT / "docs" / "properties.md"


def _gen_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "gen_catalog", ROOT / "scripts" / "gen_catalog.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_generated_catalog_matches_properties_md() -> None:
    rows = _gen_module().catalog_rows(PROPERTIES_MD.read_text(encoding="utf-8"))
    expected = [
        (r["id"], r["sections"], r["level"], r["kind"], r["trace"], r["text"], r["group"])
        for r in rows
    ]
    assert expected == [tuple(r) for r in ROWS], "run: python scripts/gen_catalog.py --write"


def test_catalog_source_is_the_projects_own() -> None:
    """The generator reads the repository's docs/properties.md, never a file outside the checkout."""
    gen = _gen_module()
    assert gen.DEFAULT_SRC == PROPERTIES_MD
    assert ROWS and all(r[0] in PROPERTIES_MD.read_text(encoding="utf-8") for r in ROWS)
    with pytest.raises(ValueError, match="IDs given twice"):
        gen.catalog_rows(
            PROPERTIES_MD.read_text(encoding="utf-8") + "\n## Wire format (W)\n\n"
            "| W-BU-MINLEN | 5.1 | MUST | act | yes | again |\n"
        )


def test_catalog_shape() -> None:
    assert len(CATALOG) == len(ROWS) >= 72
    assert len(set(CATALOG)) == len(ROWS)
    p = get("MN-RETX-SAME-SEQ")
    assert p.sections == ("9.7",) and p.level == "MUST" and p.kind == "act" and p.trace == "yes"
    assert p.group is Group.MN and p.section == "9.7" and p.replayable
    assert get("W-OPT-ACTION-BITS").sections == ("5.1", "5.2", "5.3", "5.4")
    spec = get("SPEC-SEQ-HALF")
    assert spec.kind == "spec" and spec.level == "—" and spec.group is Group.SPEC
    assert get("SYS-DELIVERY").level == "—"
    assert ids(Group.SYS) == ["SYS-DELIVERY", "SYS-NO-LOOP", "SYS-CONVERGE"]


def test_unknown_id_is_a_clear_keyerror() -> None:
    with pytest.raises(UnknownPropertyError) as exc:
        get("BC-NOPE")
    assert isinstance(exc.value, KeyError)
    assert "unknown property ID 'BC-NOPE'" in str(exc.value)
