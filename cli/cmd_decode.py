"""`mip6check decode FILE [--json] [--profile NAME]`: one line per capture record (cli-contract.md).

Every record gets exactly one line: a decoded packet, a frame that is not IPv6 (`not_ipv6`), or a
packet or record in error (`error` with its offset). A readable capture exits 0 even when packets are
malformed; a file that cannot be read as a capture exits 2 with one stderr line.

`--workers N` (default: one per core) renders chunks of records in N local processes and this one
writes their lines in capture order: the output is byte for byte the same as with `--workers 1` (in
this process), and so are errors, Ctrl-C (the lines before it, exit 130) and notes. A capture file
on disk is cut into ranges of records that the workers read themselves (this process walks the
record or block headers only, so nothing per record crosses a pipe); a stream (a pipe, a FIFO) is
read here and its records are sent to the workers.
"""

from __future__ import annotations

import argparse
import itertools
import os
import stat
import struct
import sys
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from operator import attrgetter
from typing import TYPE_CHECKING, Any, BinaryIO

from mip6check.cli.json_fused import FusedWriters
from mip6check.cli.json_lines import decoded_line, decoded_line_at, record_line, wrapped
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
from mip6check.model.codec.link import LINKTYPE_ETHERNET, LinkFrame, decode_link
from mip6check.model.codec.pcap import (
    MAX_RECORD,
    CaptureReader,
    Note,
    Record,
    RecordError,
    _mk_record,
    iter_file,
    iter_opened,
    iter_range,
    open_capture,
    scan_pcap_records,
)
from mip6check.model.codec.shapes import ShapeDecoder
from mip6check.model.errors import CaptureError

if TYPE_CHECKING:  # the process machinery is imported only when workers are started
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

CHUNK = 2048  # records per job: large enough that sending them costs little beside rendering them


def default_workers() -> int:
    """The number of cores this process may run on (as properties.parallel counts them, without
    importing its pools: start-up is part of what a user waits for on every decode)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", metavar="FILE", help="a pcap or pcapng capture")
    p.add_argument("--json", action="store_true", help="JSON Lines, one object per record")
    p.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default=DRAFT04.name,
        help="option-type numbering (default: the draft's own, draft04)",
    )
    p.add_argument(
        "--workers",
        metavar="N",
        type=int,
        default=None,
        help=f"records rendered in N local processes (default: the number of cores, "
        f"{default_workers()} here); 1 renders them in this process; the output is the same",
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
    """`record_line(decode_record(r))` of each record. The common one (an IPv6 packet decoded without
    error) is written by the fused writer of its shape when one has been made (json_fused.py: from
    its octets, no value built), else decoded by the ShapeDecoder (the same values and errors as
    decode_partial, faster on repeated shapes) and rendered straight from its parts, without the
    Decoded value between."""
    shaped, fused = _readers(profile)
    decode, write = shaped.decode, fused.write
    for rec in records:
        if type(rec) is Record:
            data = rec.data
            # decode_link's untagged Ethernet IPv6 frame (no VLAN tag), without its LinkFrame
            if rec.linktype == LINKTYPE_ETHERNET and data[12:14] == b"\x86\xdd" and not rec.note:
                d = data[14:]
                got = write(d)  # a shape seen before, written from its octets
                if got is not None:
                    yield wrapped(rec, *got)
                    continue
                pkt, error = decode(d, 14)
                if error is None and pkt is not None:
                    line = decoded_line_at(rec, 14, pkt)
                    fused.learn(d, pkt, line)
                    yield line
                    continue
            yield _general_line(rec, shaped, fused)
        else:
            yield record_line(decode_record(rec, profile))


_READERS: dict[Profile, tuple[ShapeDecoder, FusedWriters]] = {}


def _readers(profile: Profile) -> tuple[ShapeDecoder, FusedWriters]:
    """This process's shape decoder and fused writers of `profile`: kept from one call of json_lines
    to the next (a worker renders many chunks; the shapes are learnt once)."""
    got = _READERS.get(profile)
    if got is None:
        got = _READERS[profile] = (ShapeDecoder(profile), FusedWriters(profile))
    return got


def _general_line(rec: Record, shaped: ShapeDecoder, fused: FusedWriters) -> str:
    """json_lines' line of a record other than an error-free untagged Ethernet IPv6 frame."""
    data = rec.data
    link = decode_link(rec.linktype, data)
    off = link.ipv6_offset
    if off is None:
        return record_line(_not_ipv6(rec, link))
    d = data[off:]
    plain = not link.vlans and not rec.note
    if plain:
        got = fused.write(d)
        if got is not None:
            return wrapped(rec, *got)
    pkt, error = shaped.decode(d, off)  # as _decode_at
    if error is None and pkt is not None and plain:
        line = decoded_line(rec, link, pkt)
        fused.learn(d, pkt, line)
        return line
    if error is not None:
        error.frame_index = rec.index
    return record_line(_mk_decoded(rec, link, pkt, error))


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


def render_lines(
    records: Iterable[Record | RecordError], profile: Profile, as_json: bool
) -> Iterator[str]:
    """The output line of each record, in order (JSON Lines or text)."""
    if as_json:
        return json_lines(iter(records), profile)
    return (record_text(decode_record(r, profile)) for r in records)


# A record travels to a worker as the tuple of its fields (a third of the cost of pickling it)
_FIELDS = attrgetter(
    "index", "time_ns", "linktype", "data", "orig_len", "iface", "file_offset", "note"
)
_Wire = tuple[int, int, int, bytes, int, int, int, str] | RecordError


def _to_wire(rec: Record | RecordError) -> _Wire:
    return _FIELDS(rec) if type(rec) is Record else rec  # type: ignore[return-value]


def _render(
    records: Iterable[Record | RecordError], profile: Profile, as_json: bool
) -> tuple[str, BaseException | None]:
    """The lines of some records, each ended by a newline, and the exception that stopped them
    (None): the lines before a failure are written as in one process."""
    done: list[str] = []
    try:
        done.extend(render_lines(records, profile, as_json))
    except Exception as e:  # noqa: BLE001 - raised again by the reader, after the lines before it
        return "".join(line + "\n" for line in done), e
    done.append("")
    return "\n".join(done), None


def render_chunk(
    items: list[_Wire], profile_name: str, as_json: bool
) -> tuple[str, BaseException | None]:
    """A worker's job when the parent reads the records (a stream): the lines of a chunk of them."""
    recs = [_mk_record(*x) if type(x) is tuple else x for x in items]
    return _render(recs, PROFILES[profile_name], as_json)  # type: ignore[arg-type]


_Range = tuple[bytes, int, int, int]
"""A range of a capture file: (the file's state before it - see iter_range -, its offset, its end,
the index of its first record)."""
RANGE_BYTES = 4 << 20  # a range also ends once it holds this many octets (large records)
_READ = 1 << 20  # the octets read at a time while walking the record headers


def render_range(
    fd: int, path: str, job: _Range, profile_name: str, as_json: bool
) -> tuple[str, BaseException | None, list[Note]]:
    """A worker's job when it reads the capture itself: the lines of the records of one range of
    the file open as `fd`, read by the same reader as the whole file (indexes, offsets, notes, what
    ends reading are the same), the exception that stopped them (None) and the range's notes."""
    head, offset, end, first = job
    parts: list[bytes] = []
    at = offset
    try:
        while at < end:
            got = os.pread(fd, end - at, at)
            if not got:
                break  # the file's end (or it shrank since it was walked): the reader says so
            parts.append(got)
            at += len(got)
    except OSError as e:
        return "", CaptureError(path, 0, f"read error: {e.strerror or e}"), []
    reader, records = iter_range(head, b"".join(parts), offset, first, path)
    text, err = _render(records, PROFILES[profile_name], as_json)
    return text, err, [n for n in reader.notes if n.file_offset >= offset]


def pcap_ranges(f: BinaryIO, path: str, layout: tuple[str, int], per: int) -> Iterator[_Range]:
    """Cut a pcap file into ranges of `per` whole records (fewer once RANGE_BYTES are reached) by
    walking its record headers only. The last range runs to the file's end, or through a record of
    absurd length, so that its reader meets and reports what ends the file. A read error is raised
    (CaptureError) after the ranges walked before it."""
    endian, hdr = layout
    f.seek(0)
    head = f.read(24)
    buf, base, pos, index = b"", 24, 0, 1  # buf[0] is at file offset `base`
    eof = False
    while True:
        start, first = base + pos, index
        while True:
            pos, n, caplen = scan_pcap_records(buf, pos, hdr, endian, per - (index - first))
            index += n
            if index - first >= per or base + pos - start >= RANGE_BYTES:
                break
            if caplen > MAX_RECORD:  # the reader reports it and reads nothing after it
                yield head, start, base + pos + hdr, first
                return
            if eof:  # the end, maybe inside a record: the reader reports that one
                if base + len(buf) > start:
                    yield head, start, base + len(buf), first
                return
            try:
                more = f.read(max(_READ, hdr + max(caplen, 0)))
            except OSError as e:
                if index > first:
                    yield head, start, base + pos, first
                raise CaptureError(path, 0, f"read error: {e.strerror or e}") from None
            eof = not more
            buf, base, pos = buf[pos:] + more, base + pos, 0
        yield head, start, base + pos, first


_SHB, _IDB = 0x0A0D0D0A, 1
_PACKETS = frozenset({2, 3, 6})  # Packet, Simple Packet and Enhanced Packet Blocks: one record each


def pcapng_ranges(f: BinaryIO, path: str, reader: CaptureReader, per: int) -> Iterator[_Range]:
    """Cut a pcapng file into ranges of `per` packet blocks (fewer once RANGE_BYTES are reached) by
    walking its block headers; each range carries the section header and interface blocks before
    it, so that its reader knows the byte order and the interfaces. Only blocks the reader is sure
    to read past are walked: at anything else (a bad length, a trailing length that differs, a cut
    block, a bad section header) the last range runs through it and its reader reports it. A read
    error is raised (CaptureError) after the ranges walked before it."""
    f.seek(0)
    buf, base, pos, index, eof = b"", 0, 0, 1, False
    head = b""  # the SHBs and IDBs walked so far
    bh = struct.Struct("<II").unpack_from
    u32 = struct.Struct("<I").unpack_from
    while True:
        start, first, before = base + pos, index, head
        while index - first < per and base + pos - start < RANGE_BYTES:
            avail = len(buf) - pos
            blen = -1
            if avail >= 32 or (eof and avail >= 12):
                btype, blen = bh(buf, pos)
                trail = u32
                if btype == _SHB:
                    got = reader.section_header(buf, pos)
                    if isinstance(got, str):
                        break  # ends reading: the reader reports it
                    order, blen, _ = got
                    trail = struct.Struct(order + "I").unpack_from
                if blen < 12 or blen % 4 or blen > MAX_RECORD or (btype == _IDB and blen < 20):
                    break
                if blen <= avail:
                    if trail(buf, pos + blen - 4)[0] != blen:
                        break
                    if btype == _SHB:
                        bh = struct.Struct(order + "II").unpack_from
                        u32 = trail
                    if btype == _SHB or btype == _IDB:
                        head += buf[pos : pos + blen]
                    elif btype in _PACKETS:
                        index += 1
                    pos += blen
                    continue
            if eof:  # the end, maybe inside a block: the reader reports that one
                if base + len(buf) > start:
                    yield before, start, base + len(buf), first
                return
            try:
                more = f.read(max(_READ, blen - avail))
            except OSError as e:
                if base + pos > start:
                    yield before, start, base + pos, first
                raise CaptureError(path, 0, f"read error: {e.strerror or e}") from None
            eof = not more
            buf, base, pos = buf[pos:] + more, base + pos, 0
        else:
            yield before, start, base + pos, first
            continue
        # a block that ends reading: the last range runs through it
        whole = blen if 12 <= blen <= MAX_RECORD else 0  # the reader reads all of a sane length
        yield before, start, base + pos + max(16, whole), first
        return


def _take(
    records: Iterator[Record | RecordError],
) -> tuple[list[Record | RecordError], CaptureError | None]:
    """The next CHUNK records, and the CaptureError that ended the capture among them (None)."""
    chunk: list[Record | RecordError] = []
    try:
        chunk.extend(islice(records, CHUNK))
    except CaptureError as e:  # the records before it are written first
        return chunk, e
    return chunk, None


def _record_chunks(records: Iterator[Record | RecordError]) -> Iterator[list[_Wire]]:
    """The records, CHUNK at a time, as they travel to a worker; a CaptureError of the reader is
    raised after the chunk of the records before it."""
    while True:
        chunk, late = _take(records)
        if chunk:
            yield list(map(_to_wire, chunk))
        if late is not None:
            raise late
        if len(chunk) < CHUNK:
            return


def _serve(
    conn: Connection, render: Callable[[Any], tuple[str, BaseException | None, Any]]
) -> None:
    """A worker process: render each job it is sent until it is sent None; each answer is the
    lines' octets (sent as they are, never pickled), then the exception that stopped them (None)
    and the notes met. A thread takes the jobs off the pipe as they come, so the reading process
    never waits to send one while this process waits to send a result. Ctrl-C is the reading
    process's to handle: it stops the workers."""
    import queue
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked by _pump while forking
    jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def take() -> None:
        while True:
            job = conn.recv()
            jobs.put(job)
            if job is None:
                return

    threading.Thread(target=take, daemon=True).start()
    while (job := jobs.get()) is not None:
        text, err, notes = render(job)
        conn.send_bytes(text.encode("utf-8", "surrogatepass"))
        conn.send((err, notes))


def _worker(conn: Connection, profile_name: str, as_json: bool) -> None:
    """A worker that is sent the records (render_chunk); the reading process has their notes."""
    _serve(conn, lambda items: (*render_chunk(items, profile_name, as_json), []))


def _range_worker(conn: Connection, fd: int, path: str, profile_name: str, as_json: bool) -> None:
    """A worker that is sent ranges of the capture file and reads them itself (render_range): the
    file, open in the reading process, is this forked process's too."""
    _serve(conn, lambda job: render_range(fd, path, job, profile_name, as_json))


def _write_parallel(
    records: Iterator[Record | RecordError],
    profile: Profile,
    as_json: bool,
    workers: int,
    write: Callable[[str], object],
) -> None:
    """Render a stream of records in `workers` processes, CHUNK records per job, and write each
    chunk's lines in capture order (see _pump). An error of the reader (CaptureError) is raised
    after the lines of every record read before it; the first chunk (a capture of one: all) is
    rendered here."""
    first, late = _take(records)
    # the first chunk is rendered here, before the workers are forked (see _write_ranges)
    text, err = _render(first, profile, as_json)
    write(text)
    if err is not None:
        raise err
    if late is not None:
        raise late
    if len(first) < CHUNK:
        return
    _pump(_record_chunks(records), _worker, (profile.name, as_json), workers, write, [])


def _write_ranges(
    f: BinaryIO,
    path: str,
    ranges: Iterator[_Range],
    notes: list[Note],
    profile: Profile,
    as_json: bool,
    workers: int,
    write: Callable[[str], object],
) -> None:
    """Render a capture file in `workers` processes that read their ranges of it themselves: this
    one only walks the record or block headers (`ranges`) and writes each range's lines in capture
    order, so no record and no line is pickled. The first range (a capture of one: all) is rendered
    here."""
    fd = f.fileno()
    ahead: list[_Range] = []
    failed: CaptureError | None = None
    try:
        ahead.extend(islice(ranges, 2))
    except CaptureError as e:  # a read error within the first two ranges: their lines, then it
        failed = e
    # the first range is rendered here, before the workers are forked: they start with the shapes
    # it taught this process's writers (json_lines) instead of each learning them again
    for job in ahead if len(ahead) < 2 or failed is not None else ahead[:1]:
        text, err, found = render_range(fd, path, job, profile.name, as_json)
        write(text)
        notes.extend(found)
        if err is not None:
            raise err
    if failed is not None:
        raise failed
    if len(ahead) < 2:
        return
    args = (fd, path, profile.name, as_json)
    _pump(itertools.chain(ahead[1:], ranges), _range_worker, args, workers, write, notes)


def _pump(
    jobs: Iterator[Any],
    target: Callable[..., None],
    args: tuple[Any, ...],
    workers: int,
    write: Callable[[str], object],
    notes: list[Note],
) -> None:
    """Run `workers` forked processes `target(conn, *args)`, send them the jobs, chunk i to worker
    i mod N, two jobs per worker at a time, and write each job's lines (and keep its notes) in order. A CaptureError
    raised by `jobs` is raised after the lines of the jobs before it. No threads: pipes are read and
    written by this thread only, so a Ctrl-C that stops the workers part-way through a message
    cannot leave a thread waiting for its end."""
    import multiprocessing
    import signal

    late: CaptureError | None = None

    def next_job() -> Any:
        nonlocal late
        if late is not None:
            return None
        try:
            return next(jobs, None)
        except CaptureError as e:
            late = e
            return None

    ctx = multiprocessing.get_context("fork")  # the workers share this process's modules and file
    procs: list[tuple[BaseProcess, Connection]] = []
    try:
        # a Ctrl-C while a worker starts waits, blocked, until it ignores Ctrl-C: in this process
        # it is raised once they are started, never in a worker (a traceback on stderr)
        masked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for _ in range(workers):
                mine, theirs = ctx.Pipe()
                started: BaseProcess = ctx.Process(target=target, args=(theirs, *args), daemon=True)
                started.start()
                theirs.close()
                procs.append((started, mine))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, masked)
        sent = 0  # jobs sent; job i goes to worker i % workers
        job = next_job()
        for _, conn in procs * 2:
            if job is None:
                break
            conn.send(job)
            sent += 1
            job = next_job()
        for i in itertools.count():
            if i == sent:
                break
            proc, conn = procs[i % workers]
            try:
                data = conn.recv_bytes()
                err, found = conn.recv()
            except EOFError:
                raise RuntimeError(f"a decode worker stopped (exit code {proc.exitcode})") from None
            if job is not None:  # the next job to this worker, before writing
                conn.send(job)
                sent += 1
                job = next_job()
            write(data.decode("utf-8", "surrogatepass"))
            notes.extend(found)
            if err is not None:
                raise err
        for _, conn in procs:
            conn.send(None)
        for proc, _ in procs:
            proc.join()
    finally:  # Ctrl-C or a failure: the workers stop now, not after their jobs
        for proc, conn in procs:
            if proc.is_alive():
                proc.terminate()
            proc.join()
            conn.close()
    if late is not None:
        raise late


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def run(args: argparse.Namespace) -> int:
    profile = PROFILES[args.profile]
    notes: list[Note] = []
    workers = default_workers() if args.workers is None else args.workers
    if workers < 1:
        return fail("--workers must be at least 1")
    try:
        if workers == 1 or not _can_fork():
            _write_lines(
                render_lines(iter_file(args.file, notes), profile, args.json), sys.stdout.write
            )
        else:
            _write_with_workers(args.file, notes, profile, args.json, workers, sys.stdout.write)
    except CaptureError as e:
        sys.stdout.flush()
        return fail(f"{e.path}: {e.reason} (at byte {e.offset})")
    sys.stdout.flush()
    for n in notes:  # not errors: the capture was read; stderr keeps stdout one line per record
        note = f"mip6check: {args.file}: note: {n.reason} (at byte {n.file_offset})"
        print(one_line(note), file=sys.stderr)
    return 0


def _write_with_workers(
    path: str,
    notes: list[Note],
    profile: Profile,
    as_json: bool,
    workers: int,
    write: Callable[[str], object],
) -> None:
    """A capture file on disk is cut into ranges that the workers read themselves
    (_write_ranges); a stream (a pipe, a FIFO, a character device) is read here and its records are
    sent to them (_write_parallel)."""
    f, reader = open_capture(path, notes)
    if _seekable_file(f):
        with f:
            layout = reader.pcap_layout
            if layout is not None:
                ranges = pcap_ranges(f, path, layout, CHUNK)
            else:
                ranges = pcapng_ranges(f, path, reader, CHUNK)
            _write_ranges(f, path, ranges, notes, profile, as_json, workers, write)
        return
    _write_parallel(iter_opened(f, reader, path), profile, as_json, workers, write)


def _seekable_file(f: BinaryIO) -> bool:
    """A regular file: one whose ranges other processes can read at their offsets."""
    try:
        return stat.S_ISREG(os.fstat(f.fileno()).st_mode)
    except (OSError, ValueError):
        return False
