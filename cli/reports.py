"""What `replay`'s CI reports need beyond the verdicts: how many packets of the kind each checked
property judges a capture held (a property none exercised is "not tested", never "passed"), and the
capture's text rendering that SARIF results point into (line N is packet N)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from mip6check.model.codec.link import decode_link
from mip6check.model.codec.pcap import Record, iter_file
from mip6check.model.codec.values import PROFILES


def tested_counts(path: str, profile: str, checked: Iterable[str]) -> dict[str, int]:
    """For each property of `checked`, the packets of `path` of the kind it judges (a second pass
    over the capture with the same codec and option profile, by name, that replay used)."""
    from mip6check.model.codec import DecodeError, decode_packet
    from mip6check.properties.explore.coverage import Coverage

    prof = PROFILES[profile]
    cov = Coverage()
    for rec in iter_file(path):
        if type(rec) is not Record:
            continue
        off = decode_link(rec.linktype, rec.data).ipv6_offset
        if off is None:
            continue
        try:
            pkt = decode_packet(rec.data[off:], prof, base_offset=off)
        except DecodeError:
            continue
        cov.packet(pkt)
    return {pid: cov.saw(pid) for pid in checked}


def rendering_path(sarif_out: str) -> Path:
    """Where the capture's text rendering goes: beside the SARIF log, `OUT.packets.txt`."""
    return Path(sarif_out).with_name(Path(sarif_out).name + ".packets.txt")


def write_rendering(capture: str, sarif_out: str, profile: str) -> str:
    """Write `decode`'s text of `capture` (one line per record: line N is packet N) beside the
    SARIF log and return its path, so that every result has a line to open."""
    from mip6check.cli.cmd_decode import decode_path
    from mip6check.cli.render import record_text

    out = rendering_path(sarif_out)
    with open(out, "w", encoding="utf-8") as f:
        for d in decode_path(capture, PROFILES[profile]):
            f.write(record_text(d) + "\n")
    return str(out)
