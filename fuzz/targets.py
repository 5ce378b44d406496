"""Fuzz targets (issue 7): each takes arbitrary bytes and raises AssertionError (or lets an unexpected
exception escape) only when an invariant of mip6check breaks. Shared by the Hypothesis tests
(tests/robustness/test_fuzz.py) and the long-run harness (fuzz/run.py, atheris or Hypothesis).

Invariants:
- codec: decode_packet raises only DecodeError, its offset inside the data; decode_partial never raises
  and agrees with it; what decodes re-encodes, and the re-encoding decodes to the same value.
- pcap: a file is either refused at once with CaptureError, or read as records with indices 1, 2, ...,
  increasing file offsets, data no longer than the file, nothing after a fatal record error; every
  record goes through the link layer and codec (cli.cmd_decode.decode_record) and renders as JSON.
- scenario: parse_scenario raises only ScenarioError (syntax errors are ScenarioErrors too).
- replay: a one-packet capture replays with packets == decoded + undecodable == 1.
"""

from __future__ import annotations

import io
import json
import os
import struct
import tempfile
from collections.abc import Callable

from mip6check.cli.cmd_decode import decode_record
from mip6check.cli.render import record_json, record_text
from mip6check.model.codec import DRAFT04, DecodeError, decode_packet, encode_packet
from mip6check.model.codec.ipv6 import decode_partial
from mip6check.model.codec.pcap import Record, RecordError, iter_records
from mip6check.model.codec.values import DRAFT08
from mip6check.model.dsl import ScenarioError, parse_scenario
from mip6check.model.errors import CaptureError

LINKTYPES = (229, 1, 101, 0, 113, 276, 228, 12, 108)


def codec(data: bytes) -> None:
    """One IPv6 packet under both profiles."""
    for profile in (DRAFT04, DRAFT08):
        try:
            pkt = decode_packet(data, profile)
        except DecodeError as e:
            assert 0 <= e.offset <= len(data), (e.offset, len(data))
            pkt = None
        part, err = decode_partial(data, profile)
        assert (err is None) == (pkt is not None), (err, pkt is not None)
        if err is not None:
            assert 0 <= err.offset <= len(data)
        if pkt is not None:
            again = encode_packet(pkt)
            assert decode_packet(again, profile) == pkt


def link(data: bytes) -> None:
    """One frame of any link type (the first octet picks it) through decode's record path."""
    if not data:
        return
    lt = LINKTYPES[data[0] % len(LINKTYPES)]
    frame = data[1:]
    d = decode_record(Record(1, 0, lt, frame, len(frame)))
    json.dumps(record_json(d))
    assert "\n" not in record_text(d)


def pcap(data: bytes) -> None:
    """A whole capture file (pcap or pcapng) from memory."""
    try:
        items = iter_records(io.BytesIO(data))
        first = next(items, None)
    except CaptureError:
        return
    if first is None:
        return
    index = 0
    last_offset = -1
    fatal = False
    for r in (first, *items):
        assert not fatal, "a record after a fatal record error"
        index += 1
        assert r.index == index, (r.index, index)
        assert r.file_offset > last_offset, (r.file_offset, last_offset)
        assert r.file_offset <= len(data)
        last_offset = r.file_offset
        if isinstance(r, RecordError):
            fatal = r.fatal
        else:
            assert len(r.data) <= len(data)
        d = decode_record(r)
        json.dumps(record_json(d))
        assert "\n" not in record_text(d)
    assert index <= len(data) // 12 + 1


def scenario(data: bytes) -> None:
    """A scenario file's text (invalid UTF-8 replaced, as an editor would show it)."""
    text = data.decode("utf-8", "replace")
    try:
        parse_scenario(text, "<fuzz>")
    except ScenarioError as e:
        assert e.one_line()


def replay_one(data: bytes) -> None:
    """A capture holding this one frame (the first octet picks the link type), replayed."""
    from mip6check.properties.replay import replay_file

    if not data:
        return
    lt = LINKTYPES[data[0] % len(LINKTYPES)]
    frame = data[1:]
    head = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, lt)
    rec = struct.pack("<IIII", 1, 0, len(frame), len(frame)) + frame
    fd, path = tempfile.mkstemp(suffix=".pcap", prefix="mip6check-fuzz-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(head + rec)
        r = replay_file(path)
    finally:
        os.unlink(path)
    assert r.packets == r.decoded + r.undecodable == 1, (r.packets, r.decoded, r.undecodable)


TARGETS: dict[str, Callable[[bytes], None]] = {
    "codec": codec,
    "link": link,
    "pcap": pcap,
    "scenario": scenario,
    "replay": replay_one,
}
