"""`mip6check decode FILE [--json] [--profile NAME]`: one line per capture record (cli-contract.md).

Every record gets exactly one line: a decoded packet, a frame that is not IPv6 (`not_ipv6`), or a
packet or record in error (`error` with its offset). A readable capture exits 0 even when packets are
malformed; a file that cannot be read as a capture exits 2 with one stderr line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator

from mip6check.cli.json_lines import packet_line, record_line
from mip6check.cli.main import fail, one_line
from mip6check.cli.render import Decoded, record_text
from mip6check.model.codec import (
    DRAFT04,
    PROFILES,
    DecodeError,
    IPv6Packet,
    Profile,
    decode_partial,
)
from mip6check.model.codec.buffer import maker
from mip6check.model.codec.link import LinkFrame, decode_link
from mip6check.model.codec.pcap import Note, Record, RecordError, iter_file
from mip6check.model.errors import CaptureError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="a pcap or pcapng capture")
    p.add_argument("--json", action="store_true", help="JSON Lines, one object per record")
    p.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default=DRAFT04.name,
        help="option-type numbering (default: the draft's own, draft04)",
    )


def decode_record(rec: Record | RecordError, profile: Profile = DRAFT04) -> Decoded:
    """One record through the link layer and the codec; never raises for any record content."""
    if isinstance(rec, RecordError):
        return Decoded(rec)
    link = decode_link(rec.linktype, rec.data)
    off = link.ipv6_offset
    if off is None:
        return _not_ipv6(rec, link)
    pkt, error = _decode_at(rec, off, profile)
    return _mk_decoded(rec, link, pkt, error)


def _not_ipv6(rec: Record, link: LinkFrame) -> Decoded:
    """A record whose link layer holds no IPv6 packet (or is cut short before one)."""
    if link.truncated:
        err = DecodeError(len(rec.data), "link", "header", link.reason)
        err.frame_index = rec.index
        return Decoded(rec, link, None, err)
    return Decoded(rec, link)


def _decode_at(
    rec: Record, off: int, profile: Profile
) -> tuple[IPv6Packet | None, DecodeError | None]:
    pkt, error = decode_partial(rec.data[off:], profile, base_offset=off)
    if error is not None:
        error.frame_index = rec.index  # DESIGN principle 5: the reader adds the frame index
    return pkt, error


def json_lines(
    records: Iterator[Record | RecordError], profile: Profile = DRAFT04
) -> Iterator[str]:
    """`record_line(decode_record(r))` of each record, the common one (an IPv6 packet decoded without
    error) rendered straight from its parts, without the Decoded value between."""
    for rec in records:
        if type(rec) is Record:
            link = decode_link(rec.linktype, rec.data)
            off = link.ipv6_offset
            if off is None:
                yield record_line(_not_ipv6(rec, link))
                continue
            pkt, error = _decode_at(rec, off, profile)
            if error is None and pkt is not None and not link.vlans and not rec.note:
                yield packet_line(rec, link, pkt)
            else:
                yield record_line(_mk_decoded(rec, link, pkt, error))
        else:
            yield record_line(decode_record(rec, profile))


_mk_decoded = maker(Decoded)  # the same value as Decoded(...), built faster (one per record)


def decode_path(
    path: str, profile: Profile = DRAFT04, notes: list[Note] | None = None
) -> Iterator[Decoded]:
    """Every record of a capture file, decoded. Raises CaptureError (at once) for a non-capture;
    file-level oddities (snaplen 0, ...) are appended to `notes` when given."""
    records = iter_file(path, notes)
    return (decode_record(r, profile) for r in records)


def _write_lines(lines: Iterator[str], write: Callable[[str], object], batch: int = 256) -> None:
    """Write each line and a newline, `batch` lines per call (one write per line costs as much as
    rendering a small packet)."""
    chunk: list[str] = []
    add = chunk.append
    try:
        for line in lines:
            add(line)
            if len(chunk) >= batch:
                add("")
                text = "\n".join(chunk)
                chunk.clear()
                write(text)
    finally:  # the lines rendered before an error or Ctrl-C are written, as one by one they were
        if chunk:
            add("")
            write("\n".join(chunk))


def run(args: argparse.Namespace) -> int:
    profile = PROFILES[args.profile]
    notes: list[Note] = []
    try:
        if args.json:
            lines = json_lines(iter_file(args.file, notes), profile)
        else:
            lines = map(record_text, decode_path(args.file, profile, notes))
        _write_lines(lines, sys.stdout.write)
    except CaptureError as e:
        sys.stdout.flush()
        return fail(f"{e.path}: {e.reason} (at byte {e.offset})")
    sys.stdout.flush()
    for n in notes:  # not errors: the capture was read; stderr keeps stdout one line per record
        note = f"mip6check: {args.file}: note: {n.reason} (at byte {n.file_offset})"
        print(one_line(note), file=sys.stderr)
    return 0
