"""Message sequence charts of captures, from `decode --json` packets: labels and the selection of
packets to draw.

Large captures (`summarise`, used by `replay --msc`): a chart stays readable at a few hundred
arrows, so from a capture these packets are drawn, in capture order, by class:
  1. the violating packets and the earlier packets they depend on (always, even past the limit;
     of more than MAX_VIOLATIONS violations, the earliest of each property in turn are drawn and
     the others counted in a note, per property);
  2. Mobile IPv6 signalling: Binding Update / Acknowledgement / Request and Home Address options,
     Mobility Header, Routing headers, IPv6-in-IPv6 tunnels, undecodable packets;
  3. ICMPv6 errors;
  4. Neighbour Discovery (RS, RA, NS, NA, Redirect), except an unsolicited Router Advertisement
     identical to its sender's previous one (periodic repeats are never drawn);
  5. plain data.
Classes 2-5 share `limit` arrows (MAX_ARROWS by default), filled in class order, the earliest packets
of a class first; records that are not IPv6 are never drawn. The page says how many packets were left
out and why, and wherever consecutive drawn arrows skip packets, or are at least GAP_S seconds apart,
a grey marker row says so ("12 packets not drawn, +37.250 s"): the vertical axis is one row per
arrow, never proportional to time, so a long idle period costs one marker row. The selection depends
on the packets only, so the page stays byte-identical for the same capture.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mip6check.properties.report.msc import (
    MAX_ARROWS,
    MAX_VIOLATIONS,
    Arrow,
    Chart,
    Lifeline,
    MscViolation,
)
from mip6check.properties.verdict import Violation

_ND = {133: "RS", 134: "RA", 135: "NS", 136: "NA", 137: "Redirect"}
_ICMP_ERR = {
    1: "Destination Unreachable",
    2: "Packet Too Big",
    3: "Time Exceeded",
    4: "Parameter Problem",
}


def _flags(opt: Mapping[str, Any], names: str) -> str:
    return "".join(f" {n.upper()}" for n in names if opt.get(n))


def label_lines(pkt: Mapping[str, Any]) -> tuple[tuple[str, ...], str]:
    """Label lines and kind for one packet in the `decode --json` shape (cli-contract.md)."""
    lines: list[str] = []
    kind = "data"
    for opt in pkt.get("mip6") or ():
        t = opt.get("type")
        if t == "BU":
            coa = f" coa={opt['care_of']}" if opt.get("care_of") else ""
            idl = f" idlen={opt['id_length']}" if opt.get("id_length") else ""
            lines.append(
                f"BU{_flags(opt, 'ahc')} seq={opt.get('seq')} life={opt.get('lifetime')}{idl}{coa}"
            )
            kind = "bu"
        elif t == "BA":
            lines.append(
                f"BA status={opt.get('status')} seq={opt.get('seq')} life={opt.get('lifetime')}"
                f" refresh={opt.get('refresh')}"
            )
            kind = "ba" if kind == "data" else kind
        elif t == "BR":
            lines.append("BR")
            kind = "br" if kind == "data" else kind
        elif t == "HAO":
            lines.append(f"HAO home={opt.get('home_address')}")
        else:
            lines.append(f"option {t}")
    rh = pkt.get("routing")
    if rh:
        lines.append(
            f"RH{rh.get('type', 0)} left={rh.get('segments_left')} -> {', '.join(rh.get('addresses', ()))}"
        )
    chain = list(pkt.get("chain") or ())
    sec = [h.upper() for h in chain if h in ("ah", "esp")]
    if sec:
        lines.append("+".join(sec))
    icmp = pkt.get("icmpv6")
    if icmp:
        t = icmp.get("type")
        if t in _ND:
            extra = f" target={icmp['target']}" if icmp.get("target") else ""
            fl = "".join(
                f" {k[0].upper()}={int(bool(icmp.get(k)))}"
                for k in ("solicited", "override", "router")
                if k in icmp
            )
            lines.append(f"ICMPv6 {_ND[t]}{extra}{fl}")
            kind = "nd" if kind == "data" else kind
        else:
            lines.append(f"ICMPv6 {_ICMP_ERR.get(t, f'type {t}')} code={icmp.get('code')}")
            kind = "icmp" if kind == "data" else kind
    inner = pkt.get("inner")
    if inner:
        lines.append(f"IPv6-in-IPv6: {inner.get('src')} -> {inner.get('dst')}")
        sub, _ = label_lines(inner)
        lines += [f"  {ln}" for ln in sub]
        kind = "tunnel"
    if pkt.get("error"):
        lines.append(f"undecodable: {pkt['error'].get('reason')}")
    if not lines:
        tail = next((h for h in reversed(chain) if h not in ("none",)), "")
        lines.append(str(tail).upper() if tail != "" else "IPv6")  # a bare Next Header number too
    return tuple(lines), kind


def _rank(pkt: Mapping[str, Any], must: set[int]) -> int:
    """Drawing class of a decoded packet (module docstring): 1 always drawn, then 2..5."""
    if pkt.get("index") in must:
        return 1
    if (
        pkt.get("mip6")
        or pkt.get("mh")
        or pkt.get("routing")
        or pkt.get("inner")
        or pkt.get("error")
    ):
        return 2
    icmp = pkt.get("icmpv6")
    if icmp:
        return 4 if icmp.get("type") in _ND else 3
    return 5


def _ra_key(pkt: Mapping[str, Any]) -> str | None:
    """What an unsolicited Router Advertisement says (sender and content), for spotting repeats."""
    icmp = pkt.get("icmpv6") or {}
    if icmp.get("type") != 134 or not str(pkt.get("dst", "")).lower().startswith("ff"):
        return None
    body = {k: v for k, v in icmp.items() if k not in ("checksum",)}
    return repr((pkt.get("src"), sorted(body.items(), key=lambda kv: kv[0])))


@dataclass(frozen=True, slots=True)
class Summary:
    """The packets a chart draws, in capture order, and what was left out."""

    packets: tuple[Mapping[str, Any], ...]
    total: int  # records read
    repeated_ras: int  # unsolicited Router Advertisements identical to the sender's previous one
    cut: int  # packets of classes 2..5 beyond the limit


def drawn_violations(violations: Sequence[Violation], cap: int = MAX_VIOLATIONS) -> list[Violation]:
    """The violations with a packet a chart draws: at most `cap`, taken in turn from each property
    (in order of first packet), the earliest of each first, so every broken property shows."""
    by_prop: dict[str, list[Violation]] = {}
    for v in sorted(
        (v for v in violations if v.packet is not None), key=lambda v: (v.packet or 0, v.property)
    ):
        by_prop.setdefault(v.property, []).append(v)
    out: list[Violation] = []
    k = 0
    while len(out) < cap and any(k < len(vs) for vs in by_prop.values()):
        for vs in by_prop.values():
            if k < len(vs) and len(out) < cap:
                out.append(vs[k])
        k += 1
    return sorted(out, key=lambda v: (v.packet or 0, v.property))


def summarise(
    packets: Iterable[Mapping[str, Any]],
    violations: Sequence[Violation] = (),
    limit: int = MAX_ARROWS,
    max_violations: int = MAX_VIOLATIONS,
) -> Summary:
    """The packets a chart draws (module docstring): violating and related packets always, then up
    to `limit` in all of Mobile IPv6 signalling, ICMPv6 errors, Neighbour Discovery (less repeated
    Router Advertisements) and plain data, in that priority. Streams: holds at most `limit` packets
    per class besides the violating ones. Of many violations only `drawn_violations` count as
    violating here (the others' packets are drawn by their class, if at all)."""
    chosen = drawn_violations(violations, max_violations)
    must = {v.packet for v in chosen if v.packet is not None}
    must |= {r for v in chosen for r in v.related}
    classes: dict[int, list[Mapping[str, Any]]] = {r: [] for r in range(1, 6)}
    seen = {r: 0 for r in range(1, 6)}
    last_ra: dict[object, str] = {}
    total = repeats = 0
    for pkt in packets:
        total += 1
        if pkt.get("src") is None:
            continue
        r = _rank(pkt, must)
        key = _ra_key(pkt) if r == 4 else None
        if key is not None:
            src = pkt.get("src")
            if last_ra.get(src) == key:
                repeats += 1
                continue
            last_ra[src] = key
        seen[r] += 1
        if r == 1 or len(classes[r]) < limit:
            classes[r].append(pkt)
    kept = list(classes[1])
    for r in (2, 3, 4, 5):  # classes 2..5 share `limit`; the violating ones come on top
        kept += classes[r][: max(0, limit + len(classes[1]) - len(kept))]
    kept.sort(key=lambda p: int(p.get("index") or 0))
    cut = sum(seen.values()) - len(kept)
    return Summary(tuple(kept), total, repeats, cut)


MULTICAST = "multicast"


def chart_from_decoded(
    packets: Iterable[Mapping[str, Any]],
    violations: Sequence[Violation] = (),
    names: Mapping[str, str] | None = None,
    roles: Mapping[str, str] | None = None,
    limit: int | None = MAX_ARROWS,
) -> Chart:
    """A chart of a capture decoded as `decode --json` objects: every violation highlighted.

    `names` maps addresses to node names, `roles` addresses to roles (e.g. "home_agent"). One node's
    addresses share a lifeline: those announced with the same source link-layer address (RS, RA, NS
    options), and an unspecified source (::) doing duplicate address detection is drawn at the node
    owning the target. Multicast destinations share one "multicast" lifeline (the group is named in
    the label). With `limit`, only the packets `summarise` selects are drawn, and notes say how many
    were left out; with None every packet is drawn.
    """
    names = dict(names or {})
    roles = dict(roles or {})
    if limit is None:
        pkts: Sequence[Mapping[str, Any]] = [p for p in packets if p.get("src") is not None]
        summary = Summary(tuple(pkts), len(pkts), 0, 0)
    else:
        summary = summarise(packets, violations, limit)
        pkts = summary.packets

    # one node's addresses: the same link-layer address announced by the sender itself (never a
    # proxy's); the node is named by an address with a name or role, else a global one, else the first
    groups: dict[str, list[str]] = {}
    for p in pkts:
        icmp = p.get("icmpv6") or {}
        src = str(p.get("src"))
        mac = icmp.get("slla")
        if not mac and icmp.get("target") == src:  # an NA about the sender itself
            mac = icmp.get("tlla")
        if mac and src != "::":
            members = groups.setdefault(str(mac), [])
            if src not in members:
                members.append(src)
    alias: dict[str, str] = {}
    for members in groups.values():
        known = [m for m in members if m in names or m in roles]
        glob = [m for m in members if not m.lower().startswith("fe80:")]
        canon = (known or glob or members)[0]
        for m in members:
            alias.setdefault(m, canon)

    order: list[str] = []
    addrs: dict[str, list[str]] = {}
    role_of: dict[str, str] = {}

    def node(addr: str) -> str:
        base = alias.get(addr, addr)
        n = names.get(addr) or names.get(base) or base
        if n not in addrs:
            order.append(n)
            addrs[n] = []
        if addr not in addrs[n] and addr != MULTICAST:
            addrs[n].append(addr)
        r = roles.get(addr) or roles.get(base)
        if r and r not in role_of.get(n, "").split(", "):
            role_of[n] = f"{role_of[n]}, {r}" if n in role_of else r
        return n

    related = {r for v in violations for r in v.related}
    related |= {v.packet for v in violations if v.packet is not None}
    arrows: list[Arrow] = []
    for pkt in pkts:
        label, kind = label_lines(pkt)
        frame = pkt.get("index")
        src, dst = str(pkt.get("src")), str(pkt.get("dst"))
        pre: list[str] = []
        icmp = pkt.get("icmpv6") or {}
        if src == "::" and icmp.get("type") == 135 and icmp.get("target") and "::" not in names:
            pre.append("from :: (duplicate address detection)")
            s = node(str(icmp["target"]))
        else:
            s = node(src)
        if dst.lower().startswith("ff") and dst not in names:
            pre.append(f"to {dst}")
            d = node(MULTICAST)
            role_of.setdefault(d, "group destinations")
        else:
            d = node(dst)
        arrows.append(
            Arrow(
                time=float(pkt.get("time") or 0.0),
                src=s,
                dst=d,
                label=(*pre, *label),
                kind=kind,
                highlighted=frame in related,
                frame=frame if isinstance(frame, int) else None,
            )
        )
    if MULTICAST in order:  # the pseudo-node of group destinations stands at the right edge
        order.remove(MULTICAST)
        order.append(MULTICAST)
    lifelines = tuple(
        Lifeline(n, ", ".join(a for a in addrs[n] if a != n), role_of.get(n, "")) for n in order
    )
    step_of = {a.frame: i for i, a in enumerate(arrows) if a.frame is not None}
    chosen = violations if limit is None else drawn_violations(violations)
    chosen_ids = {id(v) for v in chosen}
    bad: list[MscViolation] = []
    unplaced: dict[tuple[str, str], list[Violation]] = {}
    for v in violations:
        i = step_of.get(v.packet) if v.packet is not None else None
        if i is None or id(v) not in chosen_ids:
            unplaced.setdefault((v.property, v.section), []).append(v)
        else:
            bad.append(MscViolation(i, v.property, v.section, v.message))
    notes: list[str] = []
    if summary.total > len(pkts):
        other = summary.total - len(pkts) - summary.repeated_ras - summary.cut
        why = [f"{other} not IPv6 or undecodable records"] if other else []
        if summary.repeated_ras:
            why.append(f"{summary.repeated_ras} repeated Router Advertisements")
        if summary.cut:
            why.append(f"{summary.cut} beyond the limit of {limit} (data first, then ND)")
        notes.append(
            f"{len(pkts)} of {summary.total} packets drawn; left out: {', '.join(why)}."
            f" Violating packets (up to {MAX_VIOLATIONS}) and the packets they depend on"
            " are always drawn."
        )
    for (pid, sec), vs in unplaced.items():
        if len(vs) == 1:
            v = vs[0]
            at = f"packet {v.packet}" if v.packet is not None else "a point without a packet"
            notes.append(f"Not drawn: {pid} (§{sec}) at {at}: {v.message}")
            continue
        pk = [str(v.packet) for v in vs if v.packet is not None]
        shown = ", ".join(pk[:5]) + (", …" if len(pk) > 5 else "")
        notes.append(
            f"Not drawn: {len(vs)} more violations of {pid} (§{sec})"
            + (f" at packets {shown}" if pk else "")
            + " (the text report, --json and --sarif list every one)"
        )
    total = len(violations) if len(violations) > len(bad) else None
    return Chart(lifelines, tuple(arrows), tuple(bad), tuple(notes), total)


def from_decoded(
    packets: Sequence[Mapping[str, Any]],
    violations: Sequence[Violation] = (),
    names: Mapping[str, str] | None = None,
) -> tuple[list[Lifeline], list[Arrow], MscViolation | None]:
    """Compatibility form of `chart_from_decoded` (every packet drawn): lifelines, arrows and the
    first violation only. New code should use `chart_from_decoded` and `render_chart`."""
    c = chart_from_decoded(packets, violations, names, limit=None)
    first = min(c.violations, key=lambda v: v.step) if c.violations else None
    return list(c.lifelines), list(c.arrows), first


__all__ = [
    "chart_from_decoded",
    "drawn_violations",
    "from_decoded",
    "label_lines",
    "summarise",
]
