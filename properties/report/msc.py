"""Message sequence charts: one self-contained HTML page with an inline SVG (issue 5, issue 8).

Lifelines per node, one arrow per packet labelled with its Mobile IPv6 fields, and the violating step
drawn in red with the broken property and its draft section named. No scripts, fonts or images are
loaded from anywhere; the output is byte-identical for the same input (integer coordinates only).
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from properties.verdict import Violation

LEFT = 170  # room for the time / frame column
COL = 230  # distance between lifelines
TOP = 16  # top of the node boxes
LINE = 15  # one label line
ROW_PAD = 22
BOX_W, BOX_H = 180, 40
RED = "#d0021b"

KIND_COLOURS = {
    "bu": "#1f5fbf",
    "ba": "#1a7f37",
    "br": "#7b3fb0",
    "hao": "#1f5fbf",
    "tunnel": "#b05f00",
    "nd": "#00838f",
    "icmp": "#c2410c",
    "ra": "#00838f",
    "data": "#555555",
}


@dataclass(frozen=True, slots=True)
class Lifeline:
    """One node of the chart: a name and, optionally, its address."""

    name: str
    address: str = ""


@dataclass(frozen=True, slots=True)
class Arrow:
    """One packet: when (seconds), from and to (lifeline names), label lines (Mobile IPv6 fields),
    a kind (bu, ba, br, tunnel, nd, icmp, data...), a highlight flag and the capture frame number."""

    time: float
    src: str
    dst: str
    label: tuple[str, ...] = ()
    kind: str = "data"
    highlighted: bool = False
    frame: int | None = None


@dataclass(frozen=True, slots=True)
class MscViolation:
    """The broken property: at which step (0-based index into the arrows), which ID and section, why."""

    step: int
    property: str
    section: str
    message: str


def _t(
    x: int, y: int, text: str, *, cls: str, anchor: str = "middle", fill: str | None = None
) -> str:
    f = f" fill={quoteattr(fill)}" if fill else ""
    return f'<text x="{x}" y="{y}" class="{cls}" text-anchor="{anchor}"{f}>{escape(text)}</text>'


def _fit(text: str, n: int) -> str:
    """Shorten `text` to at most n characters (an ellipsis marks the cut)."""
    return text if len(text) <= n else text[: n - 1] + "…"


def _arrowhead(x: int, y: int, direction: int, colour: str) -> str:
    """A filled triangle pointing left (-1) or right (+1) with its tip at (x, y)."""
    b = x - 9 * direction
    return f'<polygon points="{x},{y} {b},{y - 5} {b},{y + 5}" fill="{colour}"/>'


def render_svg(
    lifelines: Sequence[Lifeline | str],
    arrows: Sequence[Arrow],
    violation: MscViolation | None = None,
) -> str:
    """The SVG element alone (well-formed XML, usable inside any page)."""
    lines_ = [ln if isinstance(ln, Lifeline) else Lifeline(ln) for ln in lifelines]
    xs = {ln.name: LEFT + COL // 2 + i * COL for i, ln in enumerate(lines_)}
    if len(xs) != len(lines_):
        raise ValueError("lifeline names must be unique")
    for i, a in enumerate(arrows):
        for end in (a.src, a.dst):
            if end not in xs:
                raise ValueError(f"arrow {i}: {end!r} is not a lifeline")
    if violation is not None and not 0 <= violation.step < len(arrows):
        raise ValueError(f"violation step {violation.step} is not an arrow index")

    body: list[str] = []
    y = TOP + BOX_H + 20
    for i, a in enumerate(arrows):
        bad = violation is not None and violation.step == i
        colour = RED if bad else KIND_COLOURS.get(a.kind, KIND_COLOURS["data"])
        x1, x2 = xs[a.src], xs[a.dst]
        label = list(a.label)
        if bad and violation is not None:
            label.append(f"✗ {violation.property} (§{violation.section})")
        top = y
        y_arrow = top + LINE * len(label) + 8
        cls = "arrow violating" if bad else ("arrow highlighted" if a.highlighted else "arrow")
        frame = "" if a.frame is None else f' data-frame="{a.frame}"'
        g = [f'<g class="{cls}" data-step="{i}" data-kind={quoteattr(a.kind)}{frame}>']
        if bad or a.highlighted:
            g.append(
                f'<rect x="{LEFT - 160}" y="{top - 13}" width="{len(xs) * COL + 160}"'
                f' height="{y_arrow - top + 22}" class="{"bad-band" if bad else "hi-band"}"/>'
            )
        when = f"{a.time:.6f} s"
        g.append(_t(LEFT - 150, y_arrow - 4, when, cls="time", anchor="start"))
        if a.frame is not None:
            g.append(_t(LEFT - 150, y_arrow + 11, f"frame {a.frame}", cls="frame", anchor="start"))
        width = 3 if (bad or a.highlighted) else 1.5
        if x1 == x2:  # a node sending to itself: a small loop
            g.append(
                f'<path d="M {x1} {y_arrow - 10} h 40 v 14 h -31" fill="none" stroke="{colour}"'
                f' stroke-width="{width}"/>'
            )
            g.append(_arrowhead(x1, y_arrow + 4, -1, colour))
            lx, anchor = x1 + 46, "start"
        else:
            d = 1 if x2 > x1 else -1
            dash = ' stroke-dasharray="7 4"' if a.kind == "tunnel" else ""
            g.append(
                f'<line x1="{x1}" y1="{y_arrow}" x2="{x2 - 2 * d}" y2="{y_arrow}" stroke="{colour}"'
                f' stroke-width="{width}"{dash}/>'
            )
            g.append(_arrowhead(x2, y_arrow, d, colour))
            lx, anchor = (x1 + x2) // 2, "middle"
        for k, text in enumerate(label):
            cls_t = "label bad" if bad and k == len(label) - 1 else "label"
            g.append(_t(lx, top + LINE * k + 4, text, cls=cls_t, anchor=anchor, fill=colour))
        g.append("</g>")
        body.append("".join(g))
        y = y_arrow + ROW_PAD + 6

    if violation is not None:
        msg = textwrap.wrap(violation.message, 110) or [""]
        head = f"Violation of {violation.property} (draft §{violation.section}) at step {violation.step}"
        h = 26 + LINE * (len(msg) + 1)
        w = max(len(xs) * COL + 150, 520)
        box = [
            '<g class="violation">',
            f'<rect x="{LEFT - 160}" y="{y}" width="{w}" height="{h}" rx="6" class="bad-box"/>',
            _t(LEFT - 148, y + 20, head, cls="vhead", anchor="start", fill=RED),
        ]
        box += [
            _t(LEFT - 148, y + 20 + LINE * (k + 1), m, cls="vmsg", anchor="start")
            for k, m in enumerate(msg)
        ]
        box.append("</g>")
        body.append("".join(box))
        y += h + 10

    height = y + 20
    width = LEFT + len(xs) * COL + 20
    heads: list[str] = []
    for ln in lines_:
        x = xs[ln.name]
        heads.append(
            f'<g class="lifeline" data-node={quoteattr(ln.name)}>'
            f'<line x1="{x}" y1="{TOP + BOX_H}" x2="{x}" y2="{height - 20}" class="life"/>'
            f'<rect x="{x - BOX_W // 2}" y="{TOP}" width="{BOX_W}" height="{BOX_H}" rx="5" class="node"/>'
            + _t(x, TOP + (17 if ln.address else 25), _fit(ln.name, 22), cls="nname")
            + (_t(x, TOP + 33, _fit(ln.address, 28), cls="naddr") if ln.address else "")
            + "</g>"
        )
    style = (
        "<style>"
        ".life{stroke:#999;stroke-width:1;stroke-dasharray:4 4}"
        ".node{fill:#f3f6fa;stroke:#33475b;stroke-width:1.5}"
        ".nname{font:bold 14px sans-serif}.naddr{font:11px monospace;fill:#33475b}"
        ".label{font:12px monospace}.label.bad{font-weight:bold}"
        ".time{font:11px monospace;fill:#333}.frame{font:11px monospace;fill:#777}"
        ".bad-band{fill:#fde8ea;fill-opacity:.75}.hi-band{fill:#fff6d6;fill-opacity:.75}"
        ".bad-box{fill:#fff5f5;stroke:" + RED + ";stroke-width:2}"
        ".vhead{font:bold 14px sans-serif}.vmsg{font:12px sans-serif}"
        "</style>"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" font-family="sans-serif">'
        + style
        + f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>'
        + "".join(heads)
        + "".join(body)
        + "</svg>"
    )


def render(
    lifelines: Sequence[Lifeline | str],
    arrows: Sequence[Arrow],
    violation: MscViolation | None = None,
    title: str = "Message sequence chart",
) -> str:
    """One self-contained HTML page holding the chart (no external resources)."""
    sub = (
        f"{violation.property} (§{violation.section}) broken at step {violation.step}"
        if violation is not None
        else f"{len(arrows)} packets, no violation"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        "<style>body{margin:16px;font-family:sans-serif;background:#fff}"
        "h1{font-size:18px;margin:0 0 4px}p{margin:0 0 12px;color:#444}</style>"
        "</head><body>\n"
        f"<h1>{escape(title)}</h1><p>{escape(sub)}</p>\n"
        + render_svg(lifelines, arrows, violation)
        + "\n</body></html>\n"
    )


# ---------------------------------------------------------------- from `decode --json` packets

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
        lines.append(tail.upper() if tail else "IPv6")
    return tuple(lines), kind


def from_decoded(
    packets: Sequence[Mapping[str, Any]],
    violations: Sequence[Violation] = (),
    names: Mapping[str, str] | None = None,
) -> tuple[list[Lifeline], list[Arrow], MscViolation | None]:
    """Lifelines, arrows and the first violation for a capture already decoded as `decode --json`
    objects. `names` maps addresses to node names (addresses of one node share a lifeline);
    unnamed addresses get their own lifeline, in order of appearance."""
    names = dict(names or {})
    order: list[str] = []
    addrs: dict[str, list[str]] = {}

    def node(addr: str) -> str:
        n = names.get(addr, addr)
        if n not in addrs:
            order.append(n)
            addrs[n] = []
        if addr not in addrs[n]:
            addrs[n].append(addr)
        return n

    related = {r for v in violations for r in v.related}
    flagged = {v.packet for v in violations if v.packet is not None}
    arrows: list[Arrow] = []
    for pkt in packets:
        label, kind = label_lines(pkt)
        frame = pkt.get("index")
        arrows.append(
            Arrow(
                time=float(pkt.get("time") or 0.0),
                src=node(str(pkt.get("src"))),
                dst=node(str(pkt.get("dst"))),
                label=label,
                kind=kind,
                highlighted=frame in related or frame in flagged,
                frame=frame,
            )
        )
    lifelines = [Lifeline(n, ", ".join(addrs[n]) if addrs[n] != [n] else "") for n in order]
    bad: MscViolation | None = None
    for v in violations:
        step = next((i for i, a in enumerate(arrows) if a.frame == v.packet), None)
        if step is None and v.step is not None and 0 <= v.step < len(arrows):
            step = v.step
        if step is not None:
            bad = MscViolation(step, v.property, v.section, v.message)
            break
    return lifelines, arrows, bad


__all__ = [
    "KIND_COLOURS",
    "Arrow",
    "Lifeline",
    "MscViolation",
    "from_decoded",
    "label_lines",
    "render",
    "render_svg",
]
