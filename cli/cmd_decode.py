"""`mip6check decode FILE [--json] [--profile NAME]`: one line per capture record (cli-contract.md).

Every record gets exactly one line: a decoded packet, a frame that is not IPv6 (`not_ipv6`), or a
packet or record in error (`error` with its offset). A readable capture exits 0 even when packets are
malformed; a file that cannot be read as a capture exits 2 with one stderr line.
"""

from __future__ import annotations

import argparse
import json
import json.encoder
import sys
from collections.abc import Callable, Iterator
from typing import Any

from mip6check.cli.main import fail, one_line
from mip6check.cli.render import Decoded, record_json, record_text
from mip6check.model.codec import DRAFT04, PROFILES, DecodeError, Profile, decode_partial
from mip6check.model.codec.buffer import maker
from mip6check.model.codec.link import decode_link
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
        if link.truncated:
            err = DecodeError(len(rec.data), "link", "header", link.reason)
            err.frame_index = rec.index
            return Decoded(rec, link, None, err)
        return Decoded(rec, link)
    pkt, error = decode_partial(rec.data[off:], profile, base_offset=off)
    if error is not None:
        error.frame_index = rec.index  # DESIGN principle 5: the reader adds the frame index
    return _mk_decoded(rec, link, pkt, error)


_mk_decoded = maker(Decoded)  # the same value as Decoded(...), built faster (one per record)


def decode_path(
    path: str, profile: Profile = DRAFT04, notes: list[Note] | None = None
) -> Iterator[Decoded]:
    """Every record of a capture file, decoded. Raises CaptureError (at once) for a non-capture;
    file-level oddities (snaplen 0, ...) are appended to `notes` when given."""
    records = iter_file(path, notes)
    return (decode_record(r, profile) for r in records)


def json_dumps() -> Callable[[dict[str, Any]], str]:
    """`json.dumps` of one record object, byte for byte (ensure_ascii, default separators), with the
    C encoder made once rather than once per record."""
    enc = json.JSONEncoder(ensure_ascii=True)
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return enc.encode
    it = make(
        None,  # no cycle check: record objects are trees
        enc.default,
        json.encoder.encode_basestring_ascii,
        None,
        enc.key_separator,
        enc.item_separator,
        False,
        False,
        True,
    )
    join = "".join
    return lambda obj: join(it(obj, 0))


def run(args: argparse.Namespace) -> int:
    profile = PROFILES[args.profile]
    notes: list[Note] = []
    try:
        items = decode_path(args.file, profile, notes)
        out = sys.stdout
        write = out.write
        if args.json:
            dumps = json_dumps()
            for d in items:
                write(dumps(record_json(d)) + "\n")
        else:
            for d in items:
                write(record_text(d) + "\n")
    except CaptureError as e:
        sys.stdout.flush()
        return fail(f"{e.path}: {e.reason} (at byte {e.offset})")
    sys.stdout.flush()
    for n in notes:  # not errors: the capture was read; stderr keeps stdout one line per record
        note = f"mip6check: {args.file}: note: {n.reason} (at byte {n.file_offset})"
        print(one_line(note), file=sys.stderr)
    return 0
