"""The replay loop: stream a capture record by record (constant memory), decode each with the shared
codec, and feed the observers (§4-§10 as the spec in properties/spec defines them).

Accounting (cli-contract.md): every record is a packet; `packets == decoded + undecodable`. A record
the link layer shows is not IPv6 counts as decoded (and also in `not_ipv6`); a record the reader could
not read, a truncated link header, or an IPv6 packet the codec rejects counts as undecodable.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mip6check.model.addr import Addr, fmt
from mip6check.model.codec import DecodeError, decode_packet
from mip6check.model.codec.link import LINKTYPE_ETHERNET, decode_link
from mip6check.model.codec.pcap import Record, RecordError, iter_file
from mip6check.model.config import AuthMode
from mip6check.properties.replay.facts import facts_of
from mip6check.properties.replay.observer import Observer, carries_ba
from mip6check.properties.replay.options import ReplayOptions
from mip6check.properties.replay.sa import KeyRing
from mip6check.properties.verdict import Violation

MAX_ERRORS_KEPT = 100

Progress = Callable[[int, float], None]  # (packets so far, capture seconds) -> None


@dataclass(frozen=True, slots=True)
class ReplayReport:
    """The outcome of one replay (the `replay --json` object, cli-contract.md)."""

    file: str
    packets: int
    decoded: int
    undecodable: int
    not_ipv6: int
    copies: int
    nodes: tuple[tuple[str, tuple[str, ...]], ...]
    violations: tuple[Violation, ...]
    clock_tolerance: int  # ms
    profile: str
    limits_hit: tuple[tuple[str, int], ...]
    errors: tuple[tuple[int, str], ...]  # (packet, reason) of the first undecodable records
    explain: tuple[str, ...] = ()
    inputs: tuple[tuple[str, int], ...] = ()  # (row, premises its judge met): ObserverBase._saw

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "file": self.file,
            "packets": self.packets,
            "decoded": self.decoded,
            "undecodable": self.undecodable,
            "not_ipv6": self.not_ipv6,
            "copies": self.copies,
            "profile": self.profile,
            "clock_tolerance": self.clock_tolerance / 1000,
            "nodes": [{"address": a, "roles": list(r)} for a, r in self.nodes],
            "violations": [v.to_json() for v in self.violations],
            "limits_reached": {k: n for k, n in self.limits_hit},
            "errors": [{"packet": i, "reason": r} for i, r in self.errors],
        }
        if self.explain:
            out["explain"] = list(self.explain)
        return out


def replay_file(
    path: str,
    opts: ReplayOptions | None = None,
    *,
    explain: int | None = None,
    progress: Progress | None = None,
    display_name: str | None = None,
) -> ReplayReport:
    """Replay one capture file. Raises model.errors.CaptureError when it is not a readable capture."""
    opts = opts or ReplayOptions()
    keys = KeyRing(opts.sa_keys, icv=opts.config.auth is AuthMode.VERIFY)
    obs = Observer(opts, keys)
    profile = opts.config.profile
    packets = decoded = undecodable = not_ipv6 = 0
    errors: list[tuple[int, str]] = []
    explained: list[str] = []
    records = iter_file(path)
    last_t = 0
    copies = 0
    seen: OrderedDict[bytes, tuple[int, int, int]] = OrderedDict()
    cap = opts.limits.recent_packets
    has_keys = bool(keys)
    observe = obs.packet
    for rec in records:
        packets += 1
        if type(rec) is not Record:
            assert isinstance(rec, RecordError)
            undecodable += 1
            if len(errors) < MAX_ERRORS_KEPT:
                errors.append((packets, rec.reason))
            continue
        data = rec.data
        if rec.linktype == LINKTYPE_ETHERNET and data[12:14] == b"\x86\xdd":
            # untagged Ethernet with IPv6: what decode_link would say, without building its value
            raw, reason = data[14:], None
            try:
                pkt = decode_packet(raw, profile, base_offset=14)
            except DecodeError as e:
                pkt, reason = None, _reason(e)
        else:
            pkt, reason, raw = _decode(rec, profile)
        if pkt is None:
            if reason is None:
                decoded += 1
                not_ipv6 += 1
            else:
                undecodable += 1
                if len(errors) < MAX_ERRORS_KEPT:
                    errors.append((rec.index, reason))
            if explain == rec.index:
                explained.append(f"packet {rec.index}: " + (reason or "not an IPv6 frame"))
            continue
        decoded += 1
        if _is_copy(seen, rec, raw, cap):
            copies += 1  # the same transmission captured again on another link (or forwarded)
            if carries_ba(pkt):
                obs.copy_seen(rec.time_ns, pkt)  # when an acknowledgement reaches the last hop
            if explain == rec.index:
                explained.append(f"packet {rec.index}: a copy of an earlier packet on another link")
            continue
        if has_keys:
            opened = keys.open_esp(pkt, profile)
            if opened is not None:
                pkt = opened
            observe(rec.index, rec.time_ns, pkt, esp_opened=opened is not None)
        else:
            observe(rec.index, rec.time_ns, pkt)
        last_t = rec.time_ns
        if explain == rec.index:
            explained.extend(_explain(obs, rec.index, pkt))
        if progress is not None and packets % 4096 == 0:
            progress(packets, last_t / 1e9)
    if explain is not None and not explained:
        explained.append(f"packet {explain}: not in the capture ({packets} packets)")
    violations = tuple(
        sorted(obs.violations, key=lambda v: (v.packet or 0, v.property, v.node, v.message))
    )
    return ReplayReport(
        file=display_name if display_name is not None else path,
        packets=packets,
        decoded=decoded,
        undecodable=undecodable,
        not_ipv6=not_ipv6,
        copies=copies,
        nodes=tuple((fmt(a), r) for a, r in obs.nodes()),
        violations=violations,
        clock_tolerance=opts.clock_tolerance,
        profile=profile.name,
        limits_hit=tuple(sorted(obs.limits_hit.items())),
        errors=tuple(errors),
        explain=tuple(explained),
        inputs=tuple(sorted(obs.inputs.items())),
    )


COPY_WINDOW_NS = 300_000_000  # a packet seen again within 300 ms on another interface is one packet
FORWARD_WINDOW_NS = 3_500_000_000
"""A packet seen again with a smaller Hop Limit is a router's copy if within this: a router may hold
it for address resolution up to MAX_MULTICAST_SOLICIT x RETRANS_TIMER = 3 s (RFC 2461 §7.2.2, §10)."""


def _is_copy(
    seen: OrderedDict[bytes, tuple[int, int, int]], rec: Record, raw: bytes, cap: int
) -> bool:
    """True when this IPv6 packet is an earlier one seen again: the same octets apart from the Hop
    Limit, within COPY_WINDOW_NS on another capture interface, or within FORWARD_WINDOW_NS with a
    smaller Hop Limit (forwarded, perhaps after address resolution).
    Captures taken on several links at once (pcapng, one interface per link) show each hop's copy."""
    if len(raw) < 40:
        return False
    key = raw[:7] + raw[8 : 40 + (raw[4] << 8 | raw[5])]  # link padding left out
    hop = raw[7]
    prev = seen.get(key)
    if prev is not None:
        t0, iface0, hop0 = prev
        dt = rec.time_ns - t0
        if (dt <= COPY_WINDOW_NS and rec.iface != iface0) or (
            hop < hop0 and dt <= FORWARD_WINDOW_NS
        ):
            # a copy: the transmission it copies stays the one remembered, so that a router's
            # copies of two identical transmissions (a retransmission, held together in its
            # address-resolution queue) are each taken for a copy
            return True
    seen[key] = (rec.time_ns, rec.iface, hop)
    if prev is None and len(seen) > cap:
        seen.popitem(last=False)
    return False


def _reason(e: DecodeError) -> str:
    return f"{e.layer}.{e.field} at offset {e.offset}: {e.reason}"


def _decode(rec: Record, profile: Any) -> tuple[Any, str | None, bytes]:
    """(IPv6Packet, None, its octets) | (None, None, b"") for a non-IPv6 frame | (None, reason, b"")."""
    link = decode_link(rec.linktype, rec.data)
    off = link.ipv6_offset
    if off is None:
        if link.truncated:
            return None, f"link header: {link.reason}", b""
        return None, None, b""
    raw = rec.data[off:] if off else rec.data
    try:
        return decode_packet(raw, profile, base_offset=off), None, raw
    except DecodeError as e:
        return None, _reason(e), b""


def _explain(obs: Observer, index: int, pkt: Any) -> list[str]:
    f = facts_of(pkt)
    addrs: set[Addr] = {f.src, f.dst, f.final_dst}
    if f.hao is not None:
        addrs.add(f.hao.home_address)
    if f.bu is not None and f.bu.care_of is not None:
        addrs.add(f.bu.care_of)
    if f.inner is not None:
        fi = facts_of(f.inner)
        addrs |= {fi.src, fi.dst, fi.final_dst}
    head = f"packet {index}: {fmt(f.src)} -> {fmt(f.dst)}"
    if f.final_dst != f.dst:
        head += f" (final {fmt(f.final_dst)})"
    return [head, *obs.explain(addrs)]
