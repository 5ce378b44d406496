"""Outputs pinned byte for byte: `decode` (text and --json) of every capture in traces/captures and of
the shared tcpdump-all files, and `replay` (human and --json) of every corpus capture, as SHA-256
digests recorded before the speed work of issues 2 and 6. A speed change must not change one byte.

    python tests/cli/test_output_digests.py --write   # re-record (only for an intended output change)
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cli.main import main  # noqa: E402

CAPTURES = ROOT / "traces" / "captures"
DIGESTS = Path(__file__).with_name("output_digests.json")
SHARED = Path(os.environ.get("MIP6CHECK_SHARED", ROOT.parent / "shared")) / "traces" / "tcpdump-all"


def _run(argv: list[str], cwd: Path) -> str:
    out, err = io.StringIO(), io.StringIO()
    old = Path.cwd()
    os.chdir(cwd)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(argv)
    finally:
        os.chdir(old)
    h = hashlib.sha256()
    for part in (str(code), out.getvalue(), err.getvalue()):
        h.update(part.encode("utf-8", "surrogateescape"))
        h.update(b"\x00")
    return h.hexdigest()


def _decode_cases(shared: bool) -> Iterator[tuple[str, list[str], Path]]:
    for p in sorted(CAPTURES.glob("*.pcap*")):
        yield f"decode captures/{p.name}", ["decode", p.name], CAPTURES
        yield f"decode --json captures/{p.name}", ["decode", "--json", p.name], CAPTURES
    if shared and SHARED.is_dir():
        for p in sorted(SHARED.iterdir()):
            if p.is_file():
                yield f"decode tcpdump-all/{p.name}", ["decode", p.name], SHARED
                yield f"decode --json tcpdump-all/{p.name}", ["decode", "--json", p.name], SHARED


def _replay_cases() -> Iterator[tuple[str, list[str], Path]]:
    manifest = json.loads((CAPTURES / "manifest.json").read_text())
    for e in manifest["captures"]:
        yield f"replay {e['file']}", ["replay", e["file"], *e["args"]], CAPTURES
        yield f"replay --json {e['file']}", ["replay", e["file"], "--json", *e["args"]], CAPTURES


def _recorded() -> dict[str, str]:
    if not DIGESTS.exists():
        return {}
    data: dict[str, str] = json.loads(DIGESTS.read_text())
    return data


RECORDED = _recorded()


def _check(name: str, argv: list[str], cwd: Path) -> None:
    want = RECORDED.get(name)
    if want is None:
        pytest.skip(f"no recorded digest for {name}")
    assert _run(argv, cwd) == want, f"output of `mip6check {' '.join(argv)}` changed"


@pytest.mark.parametrize(
    ("name", "argv", "cwd"),
    list(_decode_cases(False)),
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_decode_output_unchanged(name: str, argv: list[str], cwd: Path) -> None:
    _check(name, argv, cwd)


def test_decode_shared_output_unchanged(shared_traces: Path) -> None:
    """Every tcpdump-all file (about 7 MB in all) decodes to the recorded bytes."""
    if not SHARED.is_dir():
        pytest.skip("tcpdump-all is absent")
    changed = [
        name
        for name, argv, cwd in _decode_cases(True)
        if name.startswith("decode") and "tcpdump-all/" in name and name in RECORDED
        if _run(argv, cwd) != RECORDED[name]
    ]
    assert not changed


@pytest.mark.parametrize(
    ("name", "argv", "cwd"), list(_replay_cases()), ids=lambda x: x if isinstance(x, str) else ""
)
def test_replay_output_unchanged(name: str, argv: list[str], cwd: Path) -> None:
    _check(name, argv, cwd)


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit(__doc__)
    got = {n: _run(a, c) for cases in (_decode_cases(True), _replay_cases()) for n, a, c in cases}
    DIGESTS.write_text(json.dumps(got, indent=0, sort_keys=True) + "\n")
    print(f"{len(got)} digests written to {DIGESTS}")
