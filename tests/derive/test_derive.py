"""`mip6check derive`: a capture becomes a scenario that round-trips through the scenario language
and, simulated with no role modelled, puts the capture's IPv6 packets on the links byte for byte (at
their times, to the millisecond), judged as replay judged the capture."""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path

import pytest

from mip6check.cli.main import main
from mip6check.model.codec.link import decode_link
from mip6check.model.codec.pcap import Record, iter_file
from mip6check.model.dsl import parse_scenario, print_scenario
from mip6check.model.switches import SWITCHES
from mip6check.properties.derive.scenario import _ipv6

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "traces" / "captures"
ENTRIES = json.loads((CAPTURES / "manifest.json").read_text())["captures"]
SHARED = Path(os.environ.get("MIP6CHECK_SHARED", ROOT.parent / "shared")) / "traces"
DERIVE_ARGS = ("--home-prefix", "--home-agent", "--topology")


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main(list(argv))
    return code, out.getvalue()


def packets(path: Path) -> list[tuple[int, bytes]]:
    """(time in ms, IPv6 octets) of every IPv6 frame, times from the first packet's second."""
    recs = [r for r in iter_file(str(path)) if isinstance(r, Record)]
    out = []
    for r in recs:
        if decode_link(r.linktype, r.data).ipv6_offset is not None:
            out.append((r.time_ns, _ipv6(r) or b""))
    t0 = (out[0][0] // 10**9) * 10**9 if out else 0
    return [((t - t0 + 500_000) // 1_000_000, b) for t, b in out]


def derive_args(args: list[str]) -> list[str] | None:
    """The manifest's replay arguments as derive takes them (files relative to the captures folder),
    or None when one of them is an option derive does not have (e.g. --sa: keys, not the cast)."""
    known = set(DERIVE_ARGS) | {s.flag for s in SWITCHES}
    out: list[str] = []
    for a in args:
        if a.startswith("--") and a.split("=")[0] not in known:
            return None
        out.append(str(CAPTURES / a) if (CAPTURES / a).is_file() else a)
    return out


def check(capture: Path, tmp: Path, args: list[str]) -> str:
    scen, pcap = tmp / "d.scenario", tmp / "d.pcapng"
    code, _ = run("derive", str(capture), "--out", str(scen), *args)
    assert code == 0, capture
    text = scen.read_text()
    ast = parse_scenario(text, str(scen))
    assert parse_scenario(print_scenario(ast), "printed") == ast  # round trip
    code, out = run("simulate", str(scen), "--pcap", str(pcap))
    assert packets(pcap) == packets(capture), capture.name
    return f"{code}\n{out}"


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"] for e in ENTRIES])
def test_corpus_capture_reproduced(entry: dict, tmp_path: Path) -> None:
    args = derive_args(entry["args"])
    result = check(CAPTURES / entry["file"], tmp_path, args or [])
    code = int(result.split("\n", 1)[0])
    if not entry["args"]:  # replay's verdicts on the capture hold on the reproduction too
        assert code == 0, result


def _shared() -> list[Path]:
    if not SHARED.is_dir():
        return []
    keep = {".pcap", ".pcapng", ".cap", ".dmp"}
    found = []
    for p in sorted(SHARED.rglob("*")):
        if p.suffix in keep and p.stat().st_size < 2_000_000:
            data = p.read_bytes()
            if b"\x86\xdd" in data or data[:4] in (b"\x0a\x0d\x0d\x0a",):
                found.append(p)
    return found


def test_shared_mobile_ipv6_captures_reproduced(tmp_path: Path) -> None:
    """Every shared capture carrying Mobile IPv6 (a draft option, a Home Address option or a
    Mobility Header, as decode shows) is reproduced byte for byte."""
    if not SHARED.is_dir():
        pytest.skip("../shared/traces is absent")
    done = []
    for p in _shared():
        code, out = run("decode", "--json", str(p))
        if code == 2 or ('"mip6": [{' not in out and '"mh": {' not in out):
            continue
        check(p, tmp_path, [])
        done.append(p.name)
    assert len(done) >= 10, done


def test_bad_capture_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "x.pcap"
    bad.write_bytes(b"not a capture at all")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["derive", str(bad)]) == 2
    assert err.getvalue().startswith("mip6check: derive: ") and err.getvalue().count("\n") == 1


def test_no_expectation_for_a_row_nothing_in_the_capture_exercises(tmp_path: Path) -> None:
    """A row is expected to hold only where the capture holds packets of the kind it judges: the
    home registration has no Binding Request, so W-BR-LEN gets no `holds` line; its BU rows do."""
    code, text = run("derive", str(CAPTURES / "home-registration.pcapng"))
    assert code == 0
    expects = [ln for ln in text.splitlines() if ln.startswith("expect")]
    assert "expect: property W-BU-MINLEN holds" in expects
    assert not any("W-BR-LEN" in ln for ln in expects)
