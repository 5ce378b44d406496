"""A scenario derived from a capture: one link per capture interface (its prefix from the Router
Advertisements seen there, else from the addresses), the cast replay infers and the moves the
Binding Updates show (as comments: no role is modelled), and every captured IPv6 packet as a timed
`inject … raw` of its exact octets. Simulated, the scenario puts the same packets on the links at the
same times (to the millisecond); its expectations are replay's verdicts on the capture, so
`simulate` confirms the reproduction is judged as the original was (a row is expected to hold only
where the capture holds packets of the kind it judges)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, field

from mip6check.model.codec.link import decode_link
from mip6check.model.codec.pcap import Record, RecordError, iter_file
from mip6check.properties.replay import ReplayOptions, replay_file
from mip6check.properties.replay.checked import CHECKED

MAX_TIME_MS = 86_400_000
"""The scenario language's bound on a time (24 h): a longer capture is refused, not cut."""


@dataclass(frozen=True, slots=True)
class Packet:
    """One captured IPv6 packet: its number in the capture, link, time (ms after the start) and octets."""

    number: int
    link: str
    time_ms: int
    octets: bytes


@dataclass(slots=True)
class Derived:
    """What a capture gives a scenario: links and prefixes, the packets, the cast and the moves,
    what was not IPv6 (listed, never dropped silently) and replay's verdicts."""

    source: str
    start_ns: int
    links: dict[str, str] = field(default_factory=dict)  # name -> prefix
    packets: list[Packet] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (number, reason)
    cast: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    moves: list[tuple[int, str, str, int]] = field(default_factory=list)  # ms, home, care-of, pkt
    violated: list[str] = field(default_factory=list)
    exercised: list[str] = field(default_factory=list)  # replay rows some packet here is about


class DeriveError(ValueError):
    """A capture that cannot become a scenario (longer than the language's 24 h bound)."""


def _ipv6(rec: Record) -> bytes | None:
    """The IPv6 packet of a frame, trimmed to its Payload Length (link padding is not part of it)."""
    link = decode_link(rec.linktype, rec.data)
    if link.ipv6_offset is None:
        return None
    pkt = rec.data[link.ipv6_offset :]
    if len(pkt) >= 40 and pkt[0] >> 4 == 6:
        plen = int.from_bytes(pkt[4:6], "big")
        if plen and 40 + plen <= len(pkt):
            pkt = pkt[: 40 + plen]
    return pkt


def _ra_prefixes(pkt: bytes) -> Iterator[str]:
    """Prefix Information options of a Router Advertisement without extension headers (RFC 2461)."""
    if len(pkt) < 56 or pkt[6] != 58 or pkt[40] != 134:
        return
    off = 40 + 16
    while off + 2 <= len(pkt):
        kind, length = pkt[off], pkt[off + 1] * 8
        if length == 0:
            return
        if kind == 3 and length == 32 and off + 32 <= len(pkt):
            plen = pkt[off + 2]
            net = ipaddress.IPv6Network((pkt[off + 16 : off + 32], plen), strict=False)
            yield str(net)
        off += length


def _guess_prefix(pkts: list[bytes]) -> str:
    """The /64 of the first global unicast source address; the documentation prefix if none."""
    for p in pkts:
        if len(p) >= 40:
            a = ipaddress.IPv6Address(p[8:24])
            if a.is_global or (a.exploded.startswith("2001:0db8")):
                return str(ipaddress.IPv6Network((p[8:24], 64), strict=False))
    return "2001:db8::/64"


def derive(path: str, opts: ReplayOptions | None = None) -> Derived:
    """Read `path` (CaptureError when it is not a capture) into a `Derived`."""
    recs = list(iter_file(path))
    first = next((r for r in recs if isinstance(r, Record)), None)
    start_ns = (first.time_ns // 1_000_000_000) * 1_000_000_000 if first else 0
    d = Derived(path, start_ns)
    per_link: dict[str, list[bytes]] = {}
    for r in recs:
        if isinstance(r, RecordError):
            d.skipped.append((r.index, f"unreadable record: {r.reason}"))
            continue
        pkt = _ipv6(r)
        if pkt is None:
            d.skipped.append((r.index, "not IPv6"))
            continue
        ms = (r.time_ns - start_ns + 500_000) // 1_000_000
        if ms > MAX_TIME_MS:
            raise DeriveError(f"packet {r.index} is more than 24 h after the first (the bound)")
        name = f"L{r.iface}"
        per_link.setdefault(name, []).append(pkt)
        d.packets.append(Packet(r.index, name, max(ms, 0), pkt))
    for name, pkts in per_link.items():
        seen = [p for q in pkts for p in _ra_prefixes(q)]
        d.links[name] = seen[0] if seen else _guess_prefix(pkts)
    if d.packets:
        report = replay_file(path, opts)
        d.cast = [(a, tuple(r)) for a, r in report.nodes]
        d.violated = sorted({v.property for v in report.violations})
        d.moves = _moves(report.nodes, d)
        d.exercised = _exercised(d, opts)
    return d


def _exercised(d: Derived, opts: ReplayOptions | None) -> list[str]:
    """The rows replay judges for which the capture holds a packet of the kind they are about (a
    row nothing exercised would "hold" without being checked, so it gets no expectation)."""
    from mip6check.model.codec import decode_packet
    from mip6check.model.errors import DecodeError
    from mip6check.properties.explore.coverage import Coverage

    profile = (opts or ReplayOptions()).config.profile
    cov = Coverage()
    for p in d.packets:
        try:
            cov.packet(decode_packet(p.octets, profile))
        except DecodeError:
            continue
    return [pid for pid in CHECKED if cov.saw(pid) > 0]


def _moves(
    nodes: tuple[tuple[str, tuple[str, ...]], ...], d: Derived
) -> list[tuple[int, str, str, int]]:
    """Care-of address changes: a Binding Update's source (with a Home Address option) that differs
    from the one the same home address used before."""
    from mip6check.model.codec import decode_packet
    from mip6check.model.errors import DecodeError

    last: dict[str, str] = {}
    out: list[tuple[int, str, str, int]] = []
    for p in d.packets:
        try:
            pkt = decode_packet(p.octets)
        except DecodeError:
            continue
        home = coa = None
        for h in getattr(pkt, "headers", ()):
            for o in getattr(h, "options", ()):
                kind = type(o).__name__
                if kind == "HomeAddress":
                    home = str(ipaddress.IPv6Address(o.home_address))
                if kind == "BindingUpdate":
                    coa = str(ipaddress.IPv6Address(pkt.src))
        if home and coa and last.get(home) != coa:
            if home in last or coa != home:
                out.append((p.time_ms, home, coa, p.number))
            last[home] = coa
    return out


def _time(ms: int) -> str:
    return f"{ms}ms" if ms % 1000 else f"{ms // 1000}s"


def render(d: Derived) -> str:
    """The scenario text (the language of docs/scenario-language.md), comments for what it does not
    model: the cast, the moves, the frames that were not IPv6."""
    out = [
        f"# derived by mip6check derive from {d.source}",
        f"# time 0 = {d.start_ns // 1_000_000_000} s (Unix time); packets at their captured times, to 1 ms",
        "# no role is modelled: every node's packets are injected as captured",
    ]
    for addr, roles in d.cast:
        out.append(f"# cast (replay's inference): {addr} {', '.join(roles)}")
    for ms, home, coa, number in d.moves:
        out.append(f"# at {_time(ms)}: {home} binds care-of address {coa} (packet {number})")
    for number, reason in d.skipped:
        out.append(f"# packet {number} not injected: {reason}")
    for name, prefix in d.links.items():
        out.append(f"link {name} prefix {prefix}")
    for p in d.packets:
        hexed = " ".join(p.octets[i : i + 16].hex() for i in range(0, len(p.octets), 16))
        out.append(f'at {_time(p.time_ms)}: inject on {p.link} raw "{hexed}"  # packet {p.number}')
    end = (d.packets[-1].time_ms if d.packets else 0) + 1000
    out.append(f"run until {_time(end - end % 1000 + 1000)}")
    out.extend(f"expect: property {pid} violated" for pid in d.violated)
    out.extend(f"expect: property {pid} holds" for pid in d.exercised if pid not in d.violated)
    return "\n".join(out) + "\n"


__all__ = ["MAX_TIME_MS", "DeriveError", "Derived", "Packet", "derive", "render"]
