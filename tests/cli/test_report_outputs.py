"""`mip6check replay --msc/--sarif/--junit` on a capture with two violations (mn-no-backoff: packets
3 and 4): the chart names and highlights both by packet number, SARIF points at both frames (byte
region and logical location, schema-valid), JUnit case names do not depend on the capture."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import jsonschema
import pytest

from mip6check.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "traces" / "captures"
SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
SVG = "{http://www.w3.org/2000/svg}"
RED = (0xD0, 0x02, 0x1B)


def _replay(capsys: pytest.CaptureFixture[str], capture: str, *argv: str) -> int:
    code = main(["replay", str(CAPTURES / capture), *argv])
    capsys.readouterr()
    return code


def _svg(page: str) -> ET.Element:
    return ET.fromstring(page[page.index("<svg") : page.index("</svg>") + len("</svg>")])


def test_msc_highlights_both_violations_by_packet_number(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "r.html"
    assert _replay(capsys, "mn-no-backoff.pcapng", "--msc", str(out)) == 1
    page = out.read_text(encoding="utf-8")
    assert "2 violations: MN-BACKOFF (§9.7) broken at packets 3, 4" in page
    root = _svg(page)
    bad = [g for g in root.iter(f"{SVG}g") if "violating" in (g.get("class") or "")]
    assert [g.get("data-frame") for g in bad] == ["3", "4"]
    box = [g for g in root.iter(f"{SVG}g") if g.get("class") == "violation"]
    heads = [t.text for t in box[0].iter(f"{SVG}text") if (t.text or "").startswith("Violation")]
    assert heads == [
        "Violation of MN-BACKOFF (draft §9.7) at packet 3",
        "Violation of MN-BACKOFF (draft §9.7) at packet 4",
    ]
    lifelines = {
        g.get("data-node"): [t.text for t in g.iter(f"{SVG}text")]
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "lifeline"
    }
    assert lifelines == {
        "2001:db8:2::100": ["2001:db8:2::100", "care_of_address"],
        "2001:db8:1::1": ["2001:db8:1::1", "home_agent"],
    }
    assert "…" not in page and "step 2" not in page
    # byte-identical when written again
    again = tmp_path / "r2.html"
    _replay(capsys, "mn-no-backoff.pcapng", "--msc", str(again))
    assert again.read_bytes() == out.read_bytes()


def test_sarif_points_at_both_frames(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each result opens on the line of the capture's text rendering that is its packet; the
    capture and packet are logical locations, the packet's pcapng block a related byte region."""
    from tests.properties.test_report_junit_sarif import github_problems

    monkeypatch.chdir(tmp_path)
    cap = tmp_path / "captures" / "mn-no-backoff.pcapng"
    cap.parent.mkdir()
    cap.write_bytes((CAPTURES / "mn-no-backoff.pcapng").read_bytes())
    code = main(["replay", "captures/mn-no-backoff.pcapng", "--sarif", "reports/r.sarif"])
    capsys.readouterr()
    assert code == 2  # the reports folder does not exist: one stderr line, nothing half-written
    (tmp_path / "reports").mkdir()
    code = main(["replay", "captures/mn-no-backoff.pcapng", "--sarif", "reports/r.sarif"])
    capsys.readouterr()
    assert code == 1
    log = json.loads((tmp_path / "reports" / "r.sarif").read_text(encoding="utf-8"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    assert github_problems(log) == []
    run = log["runs"][0]
    assert run["invocations"][0]["arguments"] == [
        "replay",
        "captures/mn-no-backoff.pcapng",
        "--sarif",
        "reports/r.sarif",
    ]
    rendering = (tmp_path / "reports" / "r.sarif.packets.txt").read_text().splitlines()
    decoded = subprocess.run(
        [sys.executable, "-m", "mip6check.cli.main", "decode", str(cap)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.splitlines()
    assert rendering == decoded
    data = cap.read_bytes()
    results = run["results"]
    assert [r["properties"]["packet"] for r in results] == [3, 4]
    for r in results:
        n = r["properties"]["packet"]
        (loc,) = r["locations"]
        phys = loc["physicalLocation"]
        assert phys["artifactLocation"]["uri"] == "reports/r.sarif.packets.txt"
        assert phys["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert phys["region"] == {"startLine": n} and rendering[n - 1].startswith(f"{n} ")
        assert [x["name"] for x in loc["logicalLocations"]] == [
            "mn-no-backoff.pcapng",
            f"packet {n}",
        ]
        byte = r["relatedLocations"][0]["physicalLocation"]
        assert byte["artifactLocation"]["uri"] == "captures/mn-no-backoff.pcapng"
        off, length = byte["region"]["byteOffset"], byte["region"]["byteLength"]
        # the region is exactly the frame's pcapng Enhanced Packet Block
        btype, blen = struct.unpack_from("<II", data, off)
        assert btype == 6 and blen == length
        assert struct.unpack_from("<I", data, off + length - 4)[0] == length
    first, second = (r["relatedLocations"][0]["physicalLocation"]["region"] for r in results)
    assert first["byteOffset"] + first["byteLength"] == second["byteOffset"]


def test_junit_case_names_do_not_depend_on_the_capture(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    names = {}
    for cap in ("mn-no-backoff.pcapng", "home-registration.pcapng"):
        out = tmp_path / f"{cap}.xml"
        _replay(capsys, cap, "--junit", str(out))
        root = ET.fromstring(out.read_text(encoding="utf-8"))
        names[cap] = [c.get("name") for c in root.iter("testcase")]
        assert (
            names[cap].pop() == "undecodable packets"
        )  # always there, an error when there are any
        assert all(
            re.fullmatch(r"[A-Z0-9-]+ \(§[0-9.]+(, §[0-9.]+)*\)", n or "") for n in names[cap]
        )
    assert names["mn-no-backoff.pcapng"] == names["home-registration.pcapng"]
    assert "MN-BACKOFF (§9.7)" in names["mn-no-backoff.pcapng"]


def _png_rows(data: bytes) -> tuple[int, int, list[bytes], int]:
    """Width, height, unfiltered rows and bytes per pixel of an 8-bit RGB/RGBA PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w, h, bpp = 8, b"", 0, 0, 3
    while pos < len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            w, h, depth, colour = struct.unpack_from(">IIBB", body)
            assert depth == 8 and colour in (2, 6)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = (
            raw[y * (stride + 1)],
            bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]),
        )
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up, ul = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + left) & 255
            elif f == 2:
                line[i] = (line[i] + up) & 255
            elif f == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif f == 4:
                p = left + up - ul
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - ul)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else ul)
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, rows, bpp


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not on PATH")
def test_chromium_draws_two_red_arrows(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    page, png = tmp_path / "r.html", tmp_path / "r.png"
    _replay(capsys, "mn-no-backoff.pcapng", "--msc", str(page))
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-background-networking",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1100,800",
            f"--screenshot={png}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    w, h, rows, bpp = _png_rows(png.read_bytes())
    assert (w, h) == (1100, 800)

    def red_run(row: bytes) -> int:
        best = cur = 0
        for x in range(w):
            px = tuple(row[x * bpp : x * bpp + 3])
            cur = cur + 1 if all(abs(c - r) <= 12 for c, r in zip(px, RED, strict=True)) else 0
            best = max(best, cur)
        return best

    # a red arrow shaft: longer than any text, shorter than the violation box's border
    lines = [y for y in range(h) if 150 <= red_run(rows[y]) < 450]
    groups = [y for i, y in enumerate(lines) if i == 0 or y - lines[i - 1] > 3]
    assert len(groups) == 2, f"two red arrows expected, rows {lines}"


def test_replay_junit_skips_what_the_capture_did_not_exercise(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """home-registration.pcapng holds no Binding Request and no ICMP error: the properties about
    those were not tested by it, so they are skipped, not passed; undecodable packets: none."""
    out = tmp_path / "h.xml"
    _replay(capsys, "home-registration.pcapng", "--junit", str(out))
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    assert "skipped" not in root.attrib
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["W-BR-LEN (§5.3)"].find("skipped") is not None
    assert cases["W-BU-NEEDS-HAO (§5.1, §7.2)"].find("skipped") is None
    assert cases["undecodable packets"].find("error") is None
    passed = [c for c in cases.values() if len(c) == 0 or c[0].tag == "system-out"]
    assert passed and len(passed) < len(cases) - 1


def test_replay_junit_shows_undecodable_packets(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ip6 = bytes.fromhex(
        "6000000000003b40" + "20010db8000100000000000000000001" + "20010db8000200000000000000000002"
    )
    eth = bytes(6) + bytes.fromhex("00005e005301") + b"\x86\xdd"
    frames = [eth + ip6, eth + ip6[:20]]  # the second is cut inside the IPv6 header
    cap = tmp_path / "bad.pcap"
    cap.write_bytes(
        struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
        + b"".join(struct.pack("<IIII", 1, 0, len(f), len(f)) + f for f in frames)
    )
    out = tmp_path / "bad.xml"
    code = main(["replay", str(cap), "--junit", str(out)])
    capsys.readouterr()
    assert code in (0, 1)
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    (case,) = [c for c in root.iter("testcase") if c.get("name") == "undecodable packets"]
    err = case.find("error")
    assert err is not None and "1 packets could not be decoded" in (err.get("message") or "")
    assert (err.text or "").startswith("packet 2: ")
