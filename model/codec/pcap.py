"""pcap and pcapng capture files: streaming readers and writers, pure and constant-memory.

Reading: `iter_records(fileobj, path)` (or `CaptureReader`) yields one item per record of the file, in
order: a `Record` for every packet, or a `RecordError` for a record that cannot be read (a file that ends
mid-record, an absurd length, a packet block naming an interface that does not exist). Nothing is
silently dropped: a truncated tail is a final `RecordError` with `fatal=True`, after which the iterator
stops. A file that is not a capture at all (empty, wrong magic, truncated file header) raises
`model.errors.CaptureError` when the reader is created. File-level oddities that do not stop reading
(snaplen 0, an IDB option running past its block) are collected in `CaptureReader.notes`; per-record
oddities (caplen > snaplen, caplen > orig_len) in `Record.note`.

The reader pulls the file in large chunks (1 MiB) and slices records out of that buffer with
`struct.Struct`, so the cost per record is one header unpack and one slice. Memory is bounded by one
chunk plus the largest record actually present; a claimed length is never allocated up front, and any
record or block length above `MAX_RECORD` (256 MiB) is reported, not read.

Writing: `PcapWriter` and `PcapngWriter`. Timestamps always come from the caller (integer nanoseconds,
microseconds or milliseconds); nothing here reads a clock.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from mip6check.model.codec.buffer import maker
from mip6check.model.errors import CaptureError, ModelUsageError

__all__ = [
    "CHUNK",
    "MAX_RECORD",
    "CaptureReader",
    "Interface",
    "Note",
    "PcapWriter",
    "PcapngWriter",
    "Record",
    "RecordError",
    "iter_file",
    "iter_opened",
    "iter_range",
    "open_capture",
    "iter_records",
    "scan_pcap_records",
]

CHUNK = 1 << 20
MAX_RECORD = 256 << 20
MAX_SNAPLEN = 262144  # libpcap's largest snapshot length; used when the header says 0
LINKTYPE_MASK = 0x03FFFFFF  # upper bits of the pcap link type hold FCS information

PCAP_MAGIC_US = 0xA1B2C3D4
PCAP_MAGIC_NS = 0xA1B23C4D
PCAP_MAGIC_KUZNETZOV = 0xA1B2CD34  # "modified" pcap: 8 more octets per record header
PCAPNG_SHB = 0x0A0D0D0A
PCAPNG_BOM = 0x1A2B3C4D
BT_IDB = 1
BT_PB = 2  # obsolete Packet Block
BT_SPB = 3
BT_EPB = 6

OPT_ENDOFOPT = 0
OPT_COMMENT = 1
IF_NAME = 2
IF_DESCRIPTION = 3
IF_TSRESOL = 9
IF_TSOFFSET = 14
SHB_USERAPPL = 4


# ---------------------------------------------------------------- values


@dataclass(frozen=True, slots=True)
class Record:
    """One packet of a capture file: `index` is 1-based in the file; time is integer nanoseconds."""

    index: int
    time_ns: int
    linktype: int
    data: bytes
    orig_len: int
    iface: int = 0  # interface ordinal in the file (pcapng: counted across sections); pcap: 0
    file_offset: int = 0  # offset of the record (pcap record header / pcapng block) in the file
    note: str = ""  # a non-fatal oddity of this record ("caplen 2000 > snaplen 1500"), else ""

    @property
    def time(self) -> float:
        """Capture timestamp in seconds."""
        return self.time_ns / 1e9


_mk_record = maker(Record)  # positional, all eight fields: the per-record hot path


@dataclass(frozen=True, slots=True)
class RecordError:
    """A record that could not be read. `fatal` means reading stopped here (nothing trustworthy follows)."""

    index: int
    file_offset: int
    reason: str
    fatal: bool = True


@dataclass(frozen=True, slots=True)
class Note:
    """A file-level oddity that did not stop reading (e.g. snaplen 0 in the file header)."""

    file_offset: int
    reason: str


@dataclass(frozen=True, slots=True)
class Interface:
    """A capture interface: pcap has one, pcapng one per Interface Description Block."""

    linktype: int
    snaplen: int
    name: str = ""
    tsresol: int = 6  # the if_tsresol octet: 10^-n when the top bit is 0, else 2^-(n & 0x7F)
    tsoffset: int = 0  # seconds added to every timestamp (if_tsoffset)
    section: int = 0


def _ts_factors(tsresol: int) -> tuple[int, int, int]:
    """(mul, shift, div) with ns = ((units * mul) >> shift) // div for an if_tsresol octet."""
    n = tsresol & 0x7F
    if tsresol & 0x80:
        return 1_000_000_000, n, 1
    if n <= 9:
        return 10 ** (9 - n), 0, 1
    return 1, 0, 10 ** (n - 9)


# ---------------------------------------------------------------- chunked input


class _Input:
    """A binary file read in large chunks; `buf[pos:]` is unread, `base` is the file offset of `buf[0]`."""

    __slots__ = ("f", "read", "buf", "pos", "base", "eof")

    def __init__(self, f: BinaryIO) -> None:
        self.f = f
        # read1: one raw read per call, so a live pipe yields what it has instead of blocking for 1 MiB
        self.read = getattr(f, "read1", f.read)
        self.buf = b""
        self.pos = 0
        self.base = 0
        self.eof = False

    def fill(self, need: int) -> int:
        """Make at least `need` unread octets available if the file has them; return how many there are."""
        have = len(self.buf) - self.pos
        if have >= need or self.eof:
            return have
        parts = [self.buf[self.pos :]] if have else []
        self.base += self.pos
        self.pos = 0
        while have < need:
            chunk = self.read(max(CHUNK, min(need - have, CHUNK * 16)))
            if not chunk:
                self.eof = True
                break
            parts.append(chunk)
            have += len(chunk)
        self.buf = b"".join(parts)
        return have


def _read_head(inp: _Input, path: str, need: int = 28) -> bytes:
    try:
        inp.fill(need)
    except OSError as e:
        raise CaptureError(path, 0, f"cannot read: {e.strerror or e}") from None
    return inp.buf


# ---------------------------------------------------------------- reader


class CaptureReader:
    """Streaming reader for pcap and pcapng; iterate it for `Record | RecordError` items, in file order.

    The constructor reads the file header and raises `CaptureError` when the file is not a capture.
    """

    def __init__(
        self, fileobj: BinaryIO, path: str = "<stream>", notes: list[Note] | None = None
    ) -> None:
        self.path = path
        self.notes: list[Note] = [] if notes is None else notes  # a caller's list collects them
        self.interfaces: list[Interface] = []
        self._inp = _Input(fileobj)
        self._index0 = 0  # records are numbered from this + 1 (iter_pcap_range: a range's first)
        head = _read_head(self._inp, path)
        if not head:
            raise CaptureError(path, 0, "empty file, not a capture")
        if len(head) < 4:
            raise CaptureError(
                path, 0, f"file of {len(head)} octets, too short for a capture header"
            )
        magic_be = int.from_bytes(head[:4], "big")
        magic_le = int.from_bytes(head[:4], "little")
        self._endian = ""
        self.nanosecond = False
        self._rec_hdr = 16
        if magic_be == PCAPNG_SHB:
            self.format = "pcapng"
            got = self._check_shb(head, 0, first=True)
            if isinstance(got, tuple):
                head = _read_head(self._inp, path, got[1])
            if isinstance(got, tuple) and len(head) < got[1]:
                raise CaptureError(
                    path,
                    len(head),
                    f"pcapng Section Header Block truncated ({len(head)} of {got[1]} octets)",
                )
        else:
            self.format = "pcap"
            for magic, endian in ((magic_be, ">"), (magic_le, "<")):
                if magic in (PCAP_MAGIC_US, PCAP_MAGIC_NS, PCAP_MAGIC_KUZNETZOV):
                    self._endian = endian
                    self.nanosecond = magic == PCAP_MAGIC_NS
                    self._rec_hdr = 24 if magic == PCAP_MAGIC_KUZNETZOV else 16
                    break
            else:
                raise CaptureError(path, 0, f"not a pcap or pcapng file (magic 0x{head[:4].hex()})")
            if len(head) < 24:
                raise CaptureError(
                    path, len(head), f"pcap file header truncated ({len(head)} of 24 octets)"
                )
            _, _, _, _, snaplen, linktype = struct.unpack_from(self._endian + "HHiIII", head, 4)
            if snaplen == 0:
                self.notes.append(Note(16, "snaplen 0 in the file header (taken as 262144)"))
            elif snaplen > MAX_RECORD:
                self.notes.append(
                    Note(16, f"snaplen {snaplen} in the file header is absurd (taken as 262144)")
                )
            self.interfaces.append(Interface(linktype & LINKTYPE_MASK, snaplen))

    @property
    def pcap_layout(self) -> tuple[str, int] | None:
        """A classic pcap file's byte order ("<" or ">") and record header length (16; 24 for the
        modified format); None for pcapng."""
        return (self._endian, self._rec_hdr) if self.format == "pcap" else None

    def section_header(self, buf: bytes, pos: int) -> tuple[str, int, int] | str:
        """A pcapng Section Header Block after the first, at `buf[pos:]`, as this reader checks it:
        (byte order, block length, major version), or the reason it ends reading."""
        return self._check_shb(buf, pos, first=False)

    @property
    def linktype(self) -> int | None:
        """Link type of the first interface (pcap: the file's), or None before any pcapng IDB."""
        return self.interfaces[0].linktype if self.interfaces else None

    def _check_shb(self, buf: bytes, pos: int, first: bool) -> tuple[str, int, int] | str:
        """Validate a Section Header Block at `buf[pos:]`: (endian, block length, major) or a reason."""
        avail = len(buf) - pos
        if avail < 12:
            reason = f"pcapng Section Header Block truncated ({avail} octets)"
            if first:
                raise CaptureError(self.path, avail, reason)
            return reason
        bom = buf[pos + 8 : pos + 12]
        if bom == b"\x1a\x2b\x3c\x4d":
            endian = ">"
        elif bom == b"\x4d\x3c\x2b\x1a":
            endian = "<"
        else:
            reason = f"pcapng byte-order magic 0x{bom.hex()} is wrong"
            if first:
                raise CaptureError(self.path, pos + 8, reason)
            return reason
        (blen,) = struct.unpack_from(endian + "I", buf, pos + 4)
        if blen < 28 or blen % 4 or blen > MAX_RECORD:
            reason = f"pcapng Section Header Block length {blen} is invalid"
            if first:
                raise CaptureError(self.path, pos + 4, reason)
            return reason
        if avail < 16:
            reason = "pcapng Section Header Block truncated"
            if first:
                raise CaptureError(self.path, pos + avail, reason)
            return reason
        (major,) = struct.unpack_from(endian + "H", buf, pos + 12)
        if major != 1:
            reason = f"pcapng version {major} is not supported"
            if first:
                raise CaptureError(self.path, pos + 12, reason)
            return reason
        if first:
            self._endian = endian
        return endian, blen, major

    def __iter__(self) -> Iterator[Record | RecordError]:
        if self.format == "pcap":
            return self._iter_pcap()
        return self._iter_pcapng()

    # .................................................................. pcap

    def _iter_pcap(self) -> Iterator[Record | RecordError]:
        inp = self._inp
        hdr_len = self._rec_hdr
        unpack = struct.Struct(self._endian + "IIII").unpack_from
        iface = self.interfaces[0]
        linktype = iface.linktype
        snaplen = iface.snaplen if 0 < iface.snaplen <= MAX_RECORD else MAX_SNAPLEN
        frac = 1 if self.nanosecond else 1000
        index = self._index0
        inp.pos = 24
        buf = inp.buf
        pos = 24
        n = len(buf)
        while True:
            if n - pos < hdr_len:
                inp.pos = pos
                have = inp.fill(hdr_len)
                buf, pos, n = inp.buf, inp.pos, len(inp.buf)
                if have < hdr_len:
                    if have:
                        yield RecordError(
                            index + 1,
                            inp.base + pos,
                            f"file ends inside a record header ({have} of {hdr_len} octets)",
                        )
                    return
            ts_s, ts_f, caplen, orig_len = unpack(buf, pos)
            index += 1
            if caplen > MAX_RECORD:
                yield RecordError(
                    index, inp.base + pos, f"record length {caplen} is absurd (limit {MAX_RECORD})"
                )
                return
            end = pos + hdr_len + caplen
            if end > n:
                inp.pos = pos
                have = inp.fill(hdr_len + caplen)
                buf, pos, n = inp.buf, inp.pos, len(inp.buf)
                end = pos + hdr_len + caplen
                if end > n:
                    yield RecordError(
                        index,
                        inp.base + pos,
                        f"file ends inside record {index} ({have - hdr_len} of {caplen} octets)",
                    )
                    return
            note = ""
            if caplen > snaplen:
                note = f"caplen {caplen} > snaplen {snaplen}"
            elif caplen > orig_len:
                note = f"caplen {caplen} > original length {orig_len}"
            yield _mk_record(
                index,
                ts_s * 1_000_000_000 + ts_f * frac,
                linktype,
                buf[pos + hdr_len : end],
                orig_len,
                0,
                inp.base + pos,
                note,
            )
            pos = end

    # .................................................................. pcapng

    def _parse_idb(self, e: str, body: bytes, off: int, section: int) -> Interface:
        """Interface Description Block body (after type and length): link type, snaplen, options."""
        linktype, _, snaplen = struct.unpack_from(e + "HHI", body, 0)
        name = ""
        tsresol = 6
        tsoffset = 0
        p = 8
        end = len(body)
        while p + 4 <= end:
            code, olen = struct.unpack_from(e + "HH", body, p)
            if code == OPT_ENDOFOPT:
                break
            if p + 4 + olen > end:
                self.notes.append(
                    Note(off + p, f"IDB option {code} length {olen} runs past the block")
                )
                break
            val = body[p + 4 : p + 4 + olen]
            if code == IF_TSRESOL and olen >= 1:
                tsresol = val[0]
            elif code == IF_TSOFFSET and olen >= 8:
                (tsoffset,) = struct.unpack_from(e + "q", val, 0)
            elif code == IF_NAME:
                name = val.decode("utf-8", "replace").rstrip("\x00")
            p += 4 + ((olen + 3) & ~3)
        return Interface(linktype, snaplen, name, tsresol, tsoffset, section)

    def _iter_pcapng(self) -> Iterator[Record | RecordError]:
        inp = self._inp
        e = self._endian
        bh = struct.Struct(e + "II")
        epb = struct.Struct(e + "IIIII")
        index = self._index0
        section = -1
        # per-interface decode tables of the current section: (ordinal, linktype, snaplen, mul, shift, div, offset_ns)
        ifs: list[tuple[int, int, int, int, int, int, int]] = []
        fast = struct.Struct(e + "IIIIIII")  # an EPB's type, length, interface, time, lengths
        u32 = struct.Struct(e + "I").unpack_from
        while True:
            buf, pos = inp.buf, inp.pos
            avail = len(buf) - pos
            if avail >= 32:  # fast path: a complete, well-formed EPB on a known interface
                btype, blen, ifid, ts_hi, ts_lo, caplen, orig_len = fast.unpack_from(buf, pos)
                if (
                    btype == BT_EPB
                    and 32 <= blen <= avail
                    and not blen & 3
                    and ifid < len(ifs)
                    and caplen <= blen - 32
                    and u32(buf, pos + blen - 4)[0] == blen
                ):
                    index += 1
                    ordinal, linktype, snaplen, mul, shift, div, offset_ns = ifs[ifid]
                    units = (ts_hi << 32) | ts_lo
                    t = ((units * mul) >> shift) // div if div != 1 or shift else units * mul
                    note = ""
                    if snaplen and caplen > snaplen:
                        note = f"caplen {caplen} > snaplen {snaplen}"
                    elif caplen > orig_len:
                        note = f"caplen {caplen} > original length {orig_len}"
                    inp.pos = pos + blen
                    yield _mk_record(
                        index,
                        t + offset_ns,
                        linktype,
                        buf[pos + 28 : pos + 28 + caplen],
                        orig_len,
                        ordinal,
                        inp.base + pos,
                        note,
                    )
                    continue
            if avail < 12:
                have = inp.fill(12)
                buf, pos = inp.buf, inp.pos
                if have < 8:
                    if have:
                        yield RecordError(
                            index + 1,
                            inp.base + pos,
                            f"file ends inside a block header ({have} octets)",
                        )
                    return
            off = inp.base + pos
            btype, blen = bh.unpack_from(buf, pos)
            if btype == PCAPNG_SHB:
                got = self._check_shb(buf, pos, first=section < 0)
                if isinstance(got, str):
                    yield RecordError(index + 1, off, got)
                    return
                e, blen, _ = got
                if e != bh.format[0]:
                    bh = struct.Struct(e + "II")
                    epb = struct.Struct(e + "IIIII")
                    fast = struct.Struct(e + "IIIIIII")
                    u32 = struct.Struct(e + "I").unpack_from
            if blen < 12 or blen % 4 or blen > MAX_RECORD:
                yield RecordError(
                    index + 1, off, f"pcapng block type 0x{btype:08x} has invalid length {blen}"
                )
                return
            if len(buf) - pos < blen:
                have = inp.fill(blen)
                buf, pos = inp.buf, inp.pos
                if have < blen:
                    yield RecordError(
                        index + 1, off, f"file ends inside a pcapng block ({have} of {blen} octets)"
                    )
                    return
            (trailer,) = struct.unpack_from(e + "I", buf, pos + blen - 4)
            if trailer != blen:
                yield RecordError(
                    index + 1,
                    off,
                    f"pcapng block length {blen} and trailing length {trailer} differ",
                )
                return
            inp.pos = pos + blen
            if btype == BT_EPB or btype == BT_PB:
                index += 1
                if blen < 32:
                    yield RecordError(
                        index, off, f"packet block too short ({blen} octets)", fatal=False
                    )
                    continue
                if btype == BT_EPB:
                    ifid, ts_hi, ts_lo, caplen, orig_len = epb.unpack_from(buf, pos + 8)
                else:
                    ifid, _, ts_hi, ts_lo, caplen, orig_len = struct.unpack_from(
                        e + "HHIIII", buf, pos + 8
                    )
                if ifid >= len(ifs):
                    yield RecordError(
                        index,
                        off,
                        f"packet block names interface {ifid}, the section has {len(ifs)}",
                        fatal=False,
                    )
                    continue
                if caplen > blen - 32:
                    yield RecordError(
                        index,
                        off,
                        f"captured length {caplen} runs past the block ({blen} octets)",
                        fatal=False,
                    )
                    continue
                ordinal, linktype, snaplen, mul, shift, div, offset_ns = ifs[ifid]
                units = (ts_hi << 32) | ts_lo
                t = ((units * mul) >> shift) // div if div != 1 or shift else units * mul
                note = ""
                if snaplen and caplen > snaplen:
                    note = f"caplen {caplen} > snaplen {snaplen}"
                elif caplen > orig_len:
                    note = f"caplen {caplen} > original length {orig_len}"
                yield _mk_record(
                    index,
                    t + offset_ns,
                    linktype,
                    buf[pos + 28 : pos + 28 + caplen],
                    orig_len,
                    ordinal,
                    off,
                    note,
                )
            elif btype == BT_SPB:
                index += 1
                if not ifs:
                    yield RecordError(
                        index, off, "simple packet block before any interface", fatal=False
                    )
                    continue
                (orig_len,) = struct.unpack_from(e + "I", buf, pos + 8)
                ordinal, linktype, snaplen, *_ = ifs[0]
                caplen = min(orig_len, blen - 16)
                if snaplen:
                    caplen = min(caplen, snaplen)
                yield Record(
                    index, 0, linktype, buf[pos + 12 : pos + 12 + caplen], orig_len, ordinal, off
                )
            elif btype == BT_IDB:
                if blen < 20:
                    yield RecordError(index + 1, off, f"interface block too short ({blen} octets)")
                    return
                itf = self._parse_idb(e, buf[pos + 8 : pos + blen - 4], off + 8, section)
                self.interfaces.append(itf)
                mul, shift, div = _ts_factors(itf.tsresol)
                ifs.append(
                    (
                        len(self.interfaces) - 1,
                        itf.linktype,
                        itf.snaplen,
                        mul,
                        shift,
                        div,
                        itf.tsoffset * 1_000_000_000,
                    )
                )
            elif btype == PCAPNG_SHB:
                section += 1
                ifs = []
            # any other block type (NRB, ISB, DSB, custom...) is skipped by its length


def iter_records(fileobj: BinaryIO, path: str = "<stream>") -> Iterator[Record | RecordError]:
    """Iterate the records of a pcap or pcapng file object. Raises `CaptureError` now if it is not one."""
    return iter(CaptureReader(fileobj, path))


def iter_file(path: str, notes: list[Note] | None = None) -> Iterator[Record | RecordError]:
    """Open `path` and iterate its records; an unopenable path or non-capture raises `CaptureError`.
    File-level notes (snaplen 0, ...) are appended to `notes` when given."""
    f, reader = open_capture(path, notes)
    return _closing(f, reader, path)


def open_capture(path: str, notes: list[Note] | None = None) -> tuple[BinaryIO, CaptureReader]:
    """Open `path` and read its capture header: the open file and its reader (iterate it with
    `iter_opened`). Raises `CaptureError` as `iter_file` does; notes go to `notes`."""
    try:
        f = open(path, "rb")  # noqa: SIM115 - closed by iter_opened (or the caller)
    except IsADirectoryError:
        raise CaptureError(path, 0, "is a directory, not a capture file") from None
    except OSError as e:
        raise CaptureError(path, 0, f"cannot open: {e.strerror or e}") from None
    except ValueError as e:  # a path with a NUL character
        raise CaptureError(path, 0, f"cannot open: {e}") from None
    try:
        reader = CaptureReader(f, path, notes)
    except BaseException:
        f.close()
        raise
    return f, reader


def iter_opened(f: BinaryIO, reader: CaptureReader, path: str) -> Iterator[Record | RecordError]:
    """The records of a capture opened by `open_capture`, as `iter_file` yields them; closes `f`."""
    return _closing(f, reader, path)


def scan_pcap_records(
    buf: bytes, pos: int, hdr_len: int, endian: str, limit: int
) -> tuple[int, int, int]:
    """Walk the whole pcap records of `buf` from `pos` (a record header), at most `limit` of them,
    without reading their contents: (the offset after the last one walked, how many, the captured
    length of the record it stopped before: -1 when `buf` ends inside its header). Stops before a
    record that `buf` does not hold whole or whose length exceeds MAX_RECORD."""
    caplen_at = struct.Struct(endian + "I").unpack_from
    n = len(buf)
    last = n - hdr_len  # the last offset a whole header can start at
    for count in range(limit):
        if pos > last:
            return pos, count, -1
        caplen = caplen_at(buf, pos + 8)[0]
        end = pos + hdr_len + caplen
        if end > n or caplen > MAX_RECORD:
            return pos, count, caplen
        pos = end
    return pos, limit, (caplen_at(buf, pos + 8)[0] if pos <= last else -1)


def iter_range(
    head: bytes, data: bytes, offset: int, first_index: int, path: str = "<range>"
) -> tuple[CaptureReader, Iterator[Record | RecordError]]:
    """The records of `data`, the octets of a capture file from `offset` (where a record or block
    starts) to a later boundary or the file's end, exactly as `iter_file` yields them from the whole
    file (indexes, file offsets, notes, what ends reading): `head` is the state of the file before
    `offset` - pcap: its 24-octet header; pcapng: its section header and interface blocks before
    `offset`, in file order (empty when `offset` is 0). One range of a large capture is read
    without the rest. The reader's notes at or after `offset` are the range's own."""
    reader = CaptureReader(io.BytesIO(head + data), path)
    reader._inp.base = offset - len(head)  # file offsets: `data` starts at `offset`
    reader._index0 = first_index - 1
    return reader, iter(reader)


def _closing(f: BinaryIO, reader: CaptureReader, path: str) -> Iterator[Record | RecordError]:
    with f:
        try:
            yield from reader
        except OSError as e:
            raise CaptureError(path, 0, f"read error: {e.strerror or e}") from None


# ---------------------------------------------------------------- writers


def _to_ns(time_ns: int | None, time_us: int | None, time_ms: int | None) -> int:
    given = [t for t in (time_ns, time_us, time_ms) if t is not None]
    if len(given) != 1:
        raise ModelUsageError("give exactly one of time_ns, time_us, time_ms")
    if time_ns is not None:
        return time_ns
    if time_us is not None:
        return time_us * 1000
    assert time_ms is not None
    return time_ms * 1_000_000


class PcapWriter:
    """Classic pcap writer: one link type; microsecond or nanosecond magic; either byte order."""

    def __init__(
        self,
        fileobj: BinaryIO,
        *,
        linktype: int = 1,
        snaplen: int = MAX_SNAPLEN,
        nanosecond: bool = True,
        byteorder: str = "<",
    ) -> None:
        if byteorder not in ("<", ">"):
            raise ModelUsageError("byteorder is '<' or '>'")
        self.f = fileobj
        self.nanosecond = nanosecond
        self.snaplen = snaplen
        self._hdr = struct.Struct(byteorder + "IIII")
        magic = PCAP_MAGIC_NS if nanosecond else PCAP_MAGIC_US
        fileobj.write(struct.pack(byteorder + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype))

    def write(
        self,
        data: bytes,
        *,
        time_ns: int | None = None,
        time_us: int | None = None,
        time_ms: int | None = None,
        orig_len: int | None = None,
    ) -> None:
        """Append one record (microsecond files keep the time truncated to whole microseconds)."""
        t = _to_ns(time_ns, time_us, time_ms)
        if t < 0:
            raise ModelUsageError("negative timestamp")
        sec, frac = divmod(t, 1_000_000_000)
        if not self.nanosecond:
            frac //= 1000
        if sec > 0xFFFFFFFF:
            raise ModelUsageError("timestamp past 2106 does not fit pcap")
        self.f.write(
            self._hdr.pack(sec, frac, len(data), len(data) if orig_len is None else orig_len)
        )
        self.f.write(data)


def _opt(e: str, code: int, value: bytes) -> bytes:
    return struct.pack(e + "HH", code, len(value)) + value + b"\x00" * (-len(value) % 4)


class PcapngWriter:
    """pcapng writer: one section, several interfaces (one per link, each with a name)."""

    def __init__(
        self, fileobj: BinaryIO, *, byteorder: str = "<", application: str = "mip6check"
    ) -> None:
        if byteorder not in ("<", ">"):
            raise ModelUsageError("byteorder is '<' or '>'")
        self.f = fileobj
        self._e = byteorder
        self._ifaces: list[
            tuple[int, int, int, int]
        ] = []  # (tsresol, mul, shift, div) for ns -> units
        opts = _opt(byteorder, SHB_USERAPPL, application.encode()) if application else b""
        if opts:
            opts += struct.pack(byteorder + "HH", OPT_ENDOFOPT, 0)
        body = struct.pack(byteorder + "IHHq", PCAPNG_BOM, 1, 0, -1) + opts
        self._block(PCAPNG_SHB, body)

    def _block(self, btype: int, body: bytes) -> None:
        pad = -len(body) % 4
        blen = 12 + len(body) + pad
        e = self._e
        self.f.write(
            struct.pack(e + "II", btype, blen) + body + b"\x00" * pad + struct.pack(e + "I", blen)
        )

    def add_interface(
        self,
        name: str,
        *,
        linktype: int = 1,
        snaplen: int = 0,
        tsresol: int = 9,
        description: str = "",
    ) -> int:
        """Describe an interface (IDB) and return its id for `write`. `tsresol` is the if_tsresol octet."""
        e = self._e
        opts = _opt(e, IF_NAME, name.encode())
        if description:
            opts += _opt(e, IF_DESCRIPTION, description.encode())
        if tsresol != 6:
            opts += _opt(e, IF_TSRESOL, bytes([tsresol]))
        opts += struct.pack(e + "HH", OPT_ENDOFOPT, 0)
        self._block(BT_IDB, struct.pack(e + "HHI", linktype, 0, snaplen) + opts)
        n = tsresol & 0x7F
        if tsresol & 0x80:
            self._ifaces.append((tsresol, 1 << n, 0, 1_000_000_000))
        elif n >= 9:
            self._ifaces.append((tsresol, 10 ** (n - 9), 0, 1))
        else:
            self._ifaces.append((tsresol, 1, 0, 10 ** (9 - n)))
        return len(self._ifaces) - 1

    def write(
        self,
        iface: int,
        data: bytes,
        *,
        time_ns: int | None = None,
        time_us: int | None = None,
        time_ms: int | None = None,
        orig_len: int | None = None,
        comment: str = "",
    ) -> None:
        """Append one Enhanced Packet Block on interface `iface` (time truncated to the resolution)."""
        if not 0 <= iface < len(self._ifaces):
            raise ModelUsageError(f"interface {iface} was not added")
        t = _to_ns(time_ns, time_us, time_ms)
        if t < 0:
            raise ModelUsageError("negative timestamp")
        _, mul, _, div = self._ifaces[iface]
        units = t * mul // div
        if units >> 64:
            raise ModelUsageError("timestamp does not fit 64 bits at this resolution")
        e = self._e
        body = struct.pack(
            e + "IIIII",
            iface,
            units >> 32,
            units & 0xFFFFFFFF,
            len(data),
            len(data) if orig_len is None else orig_len,
        )
        body += data + b"\x00" * (-len(data) % 4)
        if comment:
            body += _opt(e, OPT_COMMENT, comment.encode()) + struct.pack(e + "HH", OPT_ENDOFOPT, 0)
        self._block(BT_EPB, body)
