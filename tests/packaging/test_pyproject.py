"""What `pip install` ships, read from pyproject.toml without building: every room package is
listed under one import name, the data the commands need is package data, the licence is declared
as PEP 639 asks, the sdist takes what the tests and docs need, and the dependency lower bounds are the
ones .ci/wheel.sh installs. (.ci/wheel.sh builds and installs the wheel itself.)"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
TOOL = PY["tool"]["setuptools"]


def test_every_room_package_is_listed_under_mip6check() -> None:
    listed = set(TOOL["packages"])
    for room in ("model", "properties", "cli"):
        for init in (ROOT / room).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT).parts
            name = ".".join(("mip6check", *rel))
            assert name in listed, f"{name} is missing from [tool.setuptools] packages"
    assert not any(p.split(".")[0] != "mip6check" for p in listed)
    assert TOOL["package-dir"]["mip6check.model"] == "model"


def test_the_commands_data_is_package_data() -> None:
    dirs = TOOL["package-dir"]
    assert dirs["mip6check.traces"] == "traces" and dirs["mip6check.docs"] == "docs"
    data = TOOL["package-data"]
    assert data["mip6check.traces.scenarios"] == ["*.scenario"]
    assert "mip6check.traces.regressions" in TOOL["packages"]
    assert list((ROOT / "traces" / "scenarios").glob("*.scenario"))
    assert (ROOT / "docs" / "properties.md").is_file()


def test_license_is_a_pep639_expression_with_its_file() -> None:
    project = PY["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert not any(c.startswith("License ::") for c in project["classifiers"])
    (req,) = [r for r in PY["build-system"]["requires"] if r.startswith("setuptools")]
    assert int(re.findall(r"\d+", req)[0]) >= 77  # the first setuptools that reads PEP 639


def test_sdist_takes_tests_docs_and_traces() -> None:
    manifest = (ROOT / "MANIFEST.in").read_text(encoding="utf-8").split()
    for d in ("tests", "docs", "traces", "bench", ".ci", "mip6check"):
        assert d in manifest, d


def test_lower_bounds_are_the_ones_ci_installs() -> None:
    """Every runtime dependency has a `>=` bound; .ci/wheel.sh installs exactly those versions."""
    deps = PY["project"]["dependencies"]
    assert deps and all(re.fullmatch(r"[a-z0-9-]+>=[0-9.]+", d) for d in deps), deps
    wheel = (ROOT / ".ci" / "wheel.sh").read_text(encoding="utf-8")
    assert 're.sub(r">=", "==", d)' in wheel and "--no-deps" in wheel
    assert (ROOT / ".ci" / "wheel.sh").stat().st_mode & 0o111
    assert ".ci/wheel.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_no_doc_links_outside_the_repository() -> None:
    for doc in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        assert "../shared/spec" not in doc.read_text(encoding="utf-8"), doc
