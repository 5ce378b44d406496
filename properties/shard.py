"""`replay --shard-by mn`: one large capture split by mobile node, shards replayed in parallel.

A first pass (here, serial) decodes every record with the shared codec, keys each packet by the home
address it concerns (a Home Address option, a Binding Update's or Acknowledgement's home address, a
Routing header's home address, a Neighbor Solicitation/Advertisement target, an address already known
as a home address or care-of address, and a tunnel's inner packet before its outer header, §8.4),
and writes SHARDS capture files: each mobile node's packets go to one shard (nodes dealt round-robin
in order of appearance), packets no mobile node claims go to every shard. Each shard is replayed by
the ordinary replay (properties.replay) in capture order; its verdicts on the properties sound per
mobile node are kept, with packet numbers mapped back to the original capture.

The properties in GLOBAL need more than one mobile node's traffic (docs/scale.md says why for each);
they are judged by a global pass: the same replay over every signalling packet (Binding Update,
Acknowledgement and Request options, ICMPv6 including Neighbor Discovery), every packet sent by a node
that sent a Binding Acknowledgement, and every unclaimed packet.
The number of shards is fixed, so the verdicts do not depend on the number of workers.
"""

from __future__ import annotations

import re
import tempfile
from array import array
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from mip6check.model.addr import Addr, a
from mip6check.model.codec import DecodeError, decode_packet
from mip6check.model.codec.pcap import PcapngWriter, Record, RecordError, iter_file
from mip6check.model.codec.values import (
    BindingAck,
    BindingRequest,
    BindingUpdate,
    DestOptions,
    HomeAddress,
    ICMPv6,
    IPv6Packet,
    NeighborAdvertisement,
    NeighborSolicitation,
    Routing0,
    Routing2,
)
from mip6check.model.errors import CaptureError
from mip6check.properties.parallel import run_ordered
from mip6check.properties.replay import Limits, ReplayOptions, ReplayReport
from mip6check.properties.replay.engine import MAX_ERRORS_KEPT, _decode, _is_copy, _reason
from mip6check.properties.replay.observer import carries_ba
from mip6check.properties.replay_many import CaptureFailure, Outcome, ReplayJob, replay_job
from mip6check.properties.verdict import Violation

SHARDS = 16  # fixed: the same split, hence the same verdicts, for any number of workers

# judged by the global pass: each needs the traffic of more than one mobile node (docs/scale.md)
GLOBAL: frozenset[str] = frozenset(
    {
        "BC-HOMEREG-FULL-131",  # §7.7/§8.2: a full cache is full of other nodes' registrations
        "BC-HOMEREG-NOEVICT",  # §4.3/§7.7: eviction pressure comes from other registrations
        "HA-PROXY-NS",  # §8.1: "the home agent kept sending" and its ND use are shown by any node
        "HA-GRATUITOUS-NA",  # §8.1: likewise, an obligation of the home agent judged on its liveness
        # the Status a receiver owes (§8.2, §7.2) rests on what it showed of itself to every node:
        # a node that answered one mobile node 132 is no home agent for the next one
        "BC-BA-STATUS",
        "HA-NOT-HA-132",
        "HA-NOT-HOME-133",
        "HA-DHAAD-135",
        "HA-IDLEN-136",
        # §9.5: whether a care-of address is another node's shows in that node's own signalling
        "MN-COA-IN-USE",
        # RFC 2463 §2.4 (f): a node's ICMP errors about many mobile nodes' packets add up to its rate
        "IPV6-ICMP-RATE",
    }
)


@dataclass(frozen=True, slots=True)
class Split:
    """What the first pass found: the shard files, each shard's packet numbers in the original
    capture, and the record accounting (cli-contract.md: packets == decoded + undecodable)."""

    shards: tuple[tuple[str, array[int]], ...]  # (file, original packet number of each record)
    global_pass: tuple[str, array[int]]
    packets: int
    decoded: int
    undecodable: int
    not_ipv6: int
    copies: int
    errors: tuple[tuple[int, str], ...]
    mobile_nodes: int


class _Out:
    """One pcapng file being written, with its interfaces and the original packet numbers."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.f: BinaryIO = path.open("wb")
        self.w = PcapngWriter(self.f)
        self.ifaces: dict[tuple[int, int], int] = {}
        self.index: array[int] = array("q")

    def write(self, rec: Record) -> None:
        key = (rec.iface, rec.linktype)
        i = self.ifaces.get(key)
        if i is None:
            i = self.ifaces[key] = self.w.add_interface(f"if{rec.iface}", linktype=rec.linktype)
        self.w.write(i, rec.data, time_ns=rec.time_ns, orig_len=rec.orig_len)
        self.index.append(rec.index)

    def close(self) -> None:
        self.f.close()


class _Keys:
    """Home addresses and care-of addresses seen so far, and the shard of each mobile node."""

    def __init__(self, known: tuple[Addr, ...]) -> None:
        self.shard: dict[Addr, int] = {}
        self.coa: dict[Addr, Addr] = {}
        self.ba_senders: set[Addr] = set()  # home agents and correspondents (the global pass)
        for h in known:
            self._home(h)

    def _home(self, h: Addr) -> int:
        s = self.shard.get(h)
        if s is None:
            s = self.shard[h] = len(self.shard) % SHARDS
        return s

    def of(self, pkt: IPv6Packet, depth: int = 0) -> int | None:
        """The shard of a packet: its inner packet's first (§8.4), else this level's home address."""
        inner = pkt.payload
        if isinstance(inner, IPv6Packet) and depth < 8:
            s = self.of(inner, depth + 1)
            if s is not None:
                return s
        hao: Addr | None = None
        bu = ba = False
        rh: tuple[Addr, ...] = ()
        for h in pkt.headers:
            if isinstance(h, DestOptions):
                for o in h.options:
                    if isinstance(o, HomeAddress) and hao is None:
                        hao = o.home_address
                    elif isinstance(o, BindingUpdate):
                        bu = True
                    elif isinstance(o, BindingAck):
                        ba = True
            elif isinstance(h, Routing0):
                rh += h.addresses
            elif isinstance(h, Routing2):
                rh += (h.home_address,)
        if hao is not None:  # §5.4: the packet is the mobile node's, whatever else it carries
            home = self.coa.get(hao, hao)  # §9.6: a BU to the previous router names the old care-of
            if bu and pkt.src != hao:
                self.coa.setdefault(pkt.src, home)
            return self._home(home)
        if ba:
            self.ba_senders.add(pkt.src)
            if rh:  # §6.3: an acknowledgement routed to the home address
                return self._home(self.coa.get(rh[-1], rh[-1]))
        for x in (*rh, pkt.src, pkt.dst):
            s = self.shard.get(x)
            if s is not None:
                return s
            owner = self.coa.get(x)
            if owner is not None:
                return self.shard[owner]
        up = pkt.payload
        if isinstance(up, NeighborSolicitation | NeighborAdvertisement):
            return self.shard.get(up.target)
        return None


def _signalling(pkt: IPv6Packet, depth: int = 0) -> bool:
    """Binding Update/Acknowledgement/Request options or ICMPv6 at any level (the global pass)."""
    for h in pkt.headers:
        if isinstance(h, DestOptions) and any(
            isinstance(o, BindingUpdate | BindingAck | BindingRequest) for o in h.options
        ):
            return True
    up = pkt.payload
    if isinstance(up, ICMPv6):
        return True
    return isinstance(up, IPv6Packet) and depth < 8 and _signalling(up, depth + 1)


def split_capture(path: str, opts: ReplayOptions, workdir: str) -> Split:
    """The first pass: decode, count, drop copies seen on another link, key and write the shards.
    Raises CaptureError when the file is not a readable capture."""
    profile = opts.config.profile
    keys = _Keys(tuple(h for h, _ in opts.topology.mobile_nodes))
    outs = [_Out(Path(workdir) / f"shard{i:02d}.pcapng") for i in range(SHARDS)]
    glob = _Out(Path(workdir) / "global.pcapng")
    claimed = [False] * SHARDS
    packets = decoded = undecodable = not_ipv6 = copies = 0
    errors: list[tuple[int, str]] = []
    seen: OrderedDict[bytes, tuple[int, int, int]] = OrderedDict()
    cap = opts.limits.recent_packets
    try:
        for rec in iter_file(path):
            packets += 1
            if type(rec) is not Record:
                assert isinstance(rec, RecordError)
                undecodable += 1
                if len(errors) < MAX_ERRORS_KEPT:
                    errors.append((packets, rec.reason))
                continue
            pkt, reason, raw = _decode_record(rec, profile)
            if pkt is None:
                if reason is None:
                    decoded += 1
                    not_ipv6 += 1
                else:
                    undecodable += 1
                    if len(errors) < MAX_ERRORS_KEPT:
                        errors.append((rec.index, reason))
                continue
            decoded += 1
            if _is_copy(seen, rec, raw, cap):
                copies += 1
                if not carries_ba(pkt):
                    continue  # an acknowledgement's copy goes on: it may be when it arrived
            s = keys.of(pkt)
            if s is None:
                for o in outs:
                    o.write(rec)
                glob.write(rec)
                continue
            claimed[s] = True
            outs[s].write(rec)
            if pkt.src in keys.ba_senders or _signalling(pkt):
                glob.write(rec)  # a receiver's every packet: the liveness its obligations rest on
    finally:
        for o in (*outs, glob):
            o.close()
    used = [o for o, c in zip(outs, claimed, strict=True) if c] or outs[:1]
    return Split(
        shards=tuple((str(o.path), o.index) for o in used),
        global_pass=(str(glob.path), glob.index),
        packets=packets,
        decoded=decoded,
        undecodable=undecodable,
        not_ipv6=not_ipv6,
        copies=copies,
        errors=tuple(errors),
        mobile_nodes=len(keys.shard),
    )


def _decode_record(rec: Record, profile: object) -> tuple[IPv6Packet | None, str | None, bytes]:
    """As the replay loop decodes a record (properties/replay/engine.py), with the shared codec."""
    data = rec.data
    if rec.linktype == 1 and data[12:14] == b"\x86\xdd":  # untagged Ethernet carrying IPv6
        raw = data[14:]
        try:
            return decode_packet(raw, profile, base_offset=14), None, raw  # type: ignore[arg-type]
        except DecodeError as e:
            return None, _reason(e), b""
    pkt, reason, raw = _decode(rec, profile)
    return pkt, reason, raw


# "packet 12", "packets 12 and 15" in a message (not "packet 2001:db8::1 -> ...", an address)
_PACKET_NO = re.compile(r"\b(packets? )(\d+)(?![\w:])(?:( and )(\d+)(?![\w:]))?")


def _remap(v: Violation, index: array[int]) -> Violation:
    """A shard's violation, with its packet numbers (fields and message) the original capture's."""

    def orig(n: int) -> int:
        return index[n - 1] if 0 < n <= len(index) else n

    def sub(m: re.Match[str]) -> str:
        out = m[1] + str(orig(int(m[2])))
        if m[4] is not None:
            out += m[3] + str(orig(int(m[4])))
        return out

    return replace(
        v,
        packet=orig(v.packet) if v.packet else v.packet,
        related=tuple(orig(r) for r in v.related),
        message=_PACKET_NO.sub(sub, v.message),
    )


def merge(
    path: str,
    split: Split,
    shards: list[ReplayReport],
    glob: ReplayReport,
    cap: int = Limits().max_violations,
) -> ReplayReport:
    """One report for the capture: per-shard verdicts of the per-node properties, the global pass's
    verdicts of GLOBAL, the first pass's accounting; nodes and limits are the union over the runs.
    At most `cap` violations are kept, the first in packet order (an unsharded run keeps the first
    it finds, so past the cap the two may keep different ones: docs/scale.md)."""
    found: dict[tuple[object, ...], Violation] = {}
    runs = [*zip(shards, (ix for _, ix in split.shards), strict=True)]
    for rep, index in runs:
        for v in rep.violations:
            if v.property not in GLOBAL:
                m = _remap(v, index)
                found.setdefault((m.packet, m.property, m.node, m.message, m.related), m)
    for v in glob.violations:
        if v.property in GLOBAL:
            m = _remap(v, split.global_pass[1])
            found.setdefault((m.packet, m.property, m.node, m.message, m.related), m)
    ordered = sorted(found.values(), key=lambda v: (v.packet or 0, v.property, v.node, v.message))
    violations = tuple(ordered[:cap])
    roles: dict[Addr, set[str]] = {}
    limits: dict[str, int] = {}
    for rep in (*shards, glob):
        for addr, rs in rep.nodes:
            roles.setdefault(a(addr), set()).update(rs)
        for what, n in rep.limits_hit:
            limits[what] = limits.get(what, 0) + n
    if len(ordered) > cap:  # the run's cap on kept violations holds for the merged report too
        limits["violations"] = limits.get("violations", 0) + len(ordered) - cap
    from mip6check.model.addr import fmt

    return ReplayReport(
        file=path,
        packets=split.packets,
        decoded=split.decoded,
        undecodable=split.undecodable,
        not_ipv6=split.not_ipv6,
        copies=split.copies,
        nodes=tuple((fmt(x), tuple(sorted(r))) for x, r in sorted(roles.items())),
        violations=violations,
        clock_tolerance=glob.clock_tolerance,
        profile=glob.profile,
        limits_hit=tuple(sorted(limits.items())),
        errors=split.errors,
    )


def replay_sharded(ex: Executor, path: str, opts: ReplayOptions) -> ReplayReport:
    """Replay one capture split by mobile node on `ex`. Raises CaptureError like replay_file."""
    with tempfile.TemporaryDirectory(prefix="mip6check-shards-") as work:
        split = split_capture(path, opts, work)
        jobs = [ReplayJob(f, opts) for f, _ in (*split.shards, split.global_pass)]
        reports: list[ReplayReport] = []
        for o in run_ordered(ex, replay_job, jobs):
            if isinstance(o, CaptureFailure):  # a shard we wrote cannot be read: our fault
                raise RuntimeError(f"shard {o.file} unreadable: {o.reason} (at byte {o.offset})")
            reports.append(o)
    return merge(path, split, reports[:-1], reports[-1], opts.limits.max_violations)


def replay_sharded_job(
    ex: Executor,
    path: str,
    opts: ReplayOptions,
    on_done: Callable[[int, Outcome], None] | None = None,
) -> Outcome:
    """replay_sharded as an Outcome (a capture that cannot be read is a CaptureFailure)."""
    try:
        o: Outcome = replay_sharded(ex, path, opts)
    except CaptureError as e:
        o = CaptureFailure(path, e.offset, e.reason)
    if on_done is not None:
        on_done(0, o)
    return o
