"""Outputs pinned byte for byte: `decode` (text and --json) of every capture in traces/captures and of
the shared tcpdump-all files, and `replay` (human and --json) of every corpus capture, as SHA-256
digests recorded before the speed work of issues 2 and 6. A speed change must not change one byte.
Each digest is keyed by the capture's own digest: a case whose capture was regenerated is skipped.

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

from mip6check.cli.main import main  # noqa: E402

CAPTURES = ROOT / "traces" / "captures"
DIGESTS = Path(__file__).with_name("output_digests.json")
SHARED = Path(os.environ.get("MIP6CHECK_SHARED", ROOT.parent / "shared")) / "traces" / "tcpdump-all"


def _input(argv: list[str], cwd: Path) -> str:
    """Digest of the capture a case reads (its output may change with it: then the case is skipped)."""
    name = argv[2] if argv[1] == "--json" else argv[1]
    return hashlib.sha256((cwd / name).read_bytes()).hexdigest()[:16]


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
    return f"{_input(argv, cwd)} {h.hexdigest()}"


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


def _unchanged(name: str, argv: list[str], cwd: Path) -> bool | None:
    """True/False: the output is/is not the recorded one; None: nothing to compare (no record, or the
    capture itself changed since it was recorded, e.g. a regenerated corpus)."""
    want = RECORDED.get(name)
    if want is None or want.split()[0] != _input(argv, cwd):
        return None
    return _run(argv, cwd) == want


def _check(name: str, argv: list[str], cwd: Path) -> None:
    same = _unchanged(name, argv, cwd)
    if same is None:
        pytest.skip(f"no digest recorded for this version of the capture: {name}")
    assert same, f"output of `mip6check {' '.join(argv)}` changed"


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
        if "tcpdump-all/" in name and _unchanged(name, argv, cwd) is False
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
