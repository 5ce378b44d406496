"""Message sequence charts: one self-contained HTML page with an inline SVG.

Lifelines per node, one arrow per packet labelled with its Mobile IPv6 fields, and every violating
arrow drawn in red with its broken property and draft section named (several violations: several red
arrows, all listed in the violation box). No scripts, fonts or images are loaded from anywhere; the
output is byte-identical for the same input (integer coordinates, no clock, no randomness).

Numbering is what the user sees: an arrow with a capture frame is called "packet N" (N as `decode`
and `replay` count, 1-based), an arrow without one "step N" (1-based position in the chart). The
subtitle, the row labels, the tooltips (SVG <title>) and the violation box all use the same name.

Lifeline boxes are sized to their text: the node name on the first line, its role on the second,
then each address on a line of its own; nothing is cut. Columns are spaced so that the label of an
arrow between two neighbouring lifelines fits between them.

Charts of captures (which packets are drawn, how they are labelled): properties/report/msc_decoded.py.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

LEFT = 170  # room for the time / packet column
TOP = 16  # top of the node boxes
LINE = 15  # one label line
ROW_PAD = 22
BOX_MIN_W = 150  # narrowest node box
BOX_PAD = 16  # inner horizontal padding of a node box (both sides together)
COL_GAP = 50  # least space between two neighbouring node boxes
NAME_CH, ADDR_CH, LABEL_CH = 8, 7, 8  # width of one character: bold 13px, 11px and 12px monospace
RED = "#d0021b"
GAP_S = 5.0  # a time gap at least this long between drawn arrows gets a marker row
MAX_ARROWS = 300  # default limit of `summarise`
MAX_LISTED = 50  # violations listed in the box at most (all drawn ones are highlighted)
MAX_VIOLATIONS = 100  # violations drawn at most from a capture (`summarise`): the rest are counted

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
    """One node of the chart: a name, optionally its address(es) (comma-separated) and its role."""

    name: str
    address: str = ""
    role: str = ""


@dataclass(frozen=True, slots=True)
class Arrow:
    """One packet: when (seconds), from and to (lifeline names), label lines (Mobile IPv6 fields),
    a kind (bu, ba, br, tunnel, nd, icmp, data...), a highlight flag, the capture frame number, and
    whether the packet was lost on the way (drawn half-way, ending in a cross)."""

    time: float
    src: str
    dst: str
    label: tuple[str, ...] = ()
    kind: str = "data"
    highlighted: bool = False
    frame: int | None = None
    lost: bool = False


@dataclass(frozen=True, slots=True)
class MscViolation:
    """A broken property: at which arrow (`step`, a 0-based index into the arrows: the chart names
    it by the arrow's packet number, or as 1-based "step N"), which ID and section, and why."""

    step: int
    property: str
    section: str
    message: str


@dataclass(frozen=True, slots=True)
class Chart:
    """Everything one chart draws: lifelines, arrows, violations and notes for the subtitle."""

    lifelines: tuple[Lifeline, ...]
    arrows: tuple[Arrow, ...]
    violations: tuple[MscViolation, ...] = ()
    notes: tuple[str, ...] = field(default=())
    total_violations: int | None = None  # when more were found than drawn


def where(arrows: Sequence[Arrow], step: int) -> str:
    """The user-visible name of arrow `step`: "packet N" (its capture frame) or "step N" (1-based)."""
    f = arrows[step].frame
    return f"packet {f}" if f is not None else f"step {step + 1}"


def _t(
    x: int, y: int, text: str, *, cls: str, anchor: str = "middle", fill: str | None = None
) -> str:
    f = f" fill={quoteattr(fill)}" if fill else ""
    return f'<text x="{x}" y="{y}" class="{cls}" text-anchor="{anchor}"{f}>{escape(text)}</text>'


def _arrowhead(x: int, y: int, direction: int, colour: str) -> str:
    """A filled triangle pointing left (-1) or right (+1) with its tip at (x, y)."""
    b = x - 9 * direction
    return f'<polygon points="{x},{y} {b},{y - 5} {b},{y + 5}" fill="{colour}"/>'


def _as_tuple(
    violation: MscViolation | Sequence[MscViolation] | None,
) -> tuple[MscViolation, ...]:
    if violation is None:
        return ()
    if isinstance(violation, MscViolation):
        return (violation,)
    return tuple(violation)


def _box_lines(ln: Lifeline) -> list[tuple[str, str]]:
    """(text, css class) lines of a node box: name, role, one address a line."""
    out = [(ln.name, "nname")]
    if ln.role:
        out.append((ln.role, "nrole"))
    out += [
        (a.strip(), "naddr") for a in ln.address.split(",") if a.strip() and a.strip() != ln.name
    ]
    return out


def _box_width(ln: Lifeline) -> int:
    widths = [len(t) * (NAME_CH if c == "nname" else ADDR_CH) for t, c in _box_lines(ln)]
    return max(BOX_MIN_W, max(widths) + BOX_PAD)


def _columns(lines_: Sequence[Lifeline], arrows: Sequence[Arrow]) -> tuple[list[int], list[int]]:
    """x of each lifeline and width of each box: boxes never overlap, labels fit between lifelines."""
    widths = [_box_width(ln) for ln in lines_]
    idx = {ln.name: i for i, ln in enumerate(lines_)}
    gaps = [
        (widths[i] + widths[i + 1]) // 2 + COL_GAP for i in range(len(lines_) - 1)
    ]  # gaps[i]: distance between lifeline i and i+1
    need: dict[tuple[int, int], int] = {}
    for a in arrows:
        i, j = sorted((idx[a.src], idx[a.dst]))
        if i == j or not a.label:
            continue
        w = max(len(t) for t in a.label) * LABEL_CH + 24
        need[(i, j)] = max(need.get((i, j), 0), w)
    for (i, j), w in sorted(need.items(), key=lambda kv: (kv[0][1] - kv[0][0], kv[0])):
        have = sum(gaps[i:j])
        if have < w:
            gaps[j - 1] += w - have
    first = LEFT + widths[0] // 2 if lines_ else LEFT
    xs = [first]
    for g in gaps:
        xs.append(xs[-1] + g)
    return xs, widths


def _gap_text(prev: Arrow, a: Arrow) -> str:
    parts: list[str] = []
    if prev.frame is not None and a.frame is not None and a.frame - prev.frame > 1:
        n = a.frame - prev.frame - 1
        parts.append(f"{n} packet{'s' if n != 1 else ''} not drawn")
    if a.time - prev.time >= GAP_S:
        parts.append(f"+{a.time - prev.time:.3f} s")
    return ", ".join(parts)


def render_svg(
    lifelines: Sequence[Lifeline | str],
    arrows: Sequence[Arrow],
    violation: MscViolation | Sequence[MscViolation] | None = None,
) -> str:
    """The SVG element alone (well-formed XML, usable inside any page). `violation` is one
    violation, a sequence of them (each violating arrow is drawn red), or None."""
    lines_ = [ln if isinstance(ln, Lifeline) else Lifeline(ln) for ln in lifelines]
    names = [ln.name for ln in lines_]
    if len(set(names)) != len(names):
        raise ValueError("lifeline names must be unique")
    for i, a in enumerate(arrows):
        for end in (a.src, a.dst):
            if end not in names:
                raise ValueError(f"arrow {i}: {end!r} is not a lifeline")
    vs = _as_tuple(violation)
    for v in vs:
        if not 0 <= v.step < len(arrows):
            raise ValueError(f"violation step {v.step} is not an arrow index")
    by_step: dict[int, list[MscViolation]] = {}
    for v in vs:
        by_step.setdefault(v.step, []).append(v)

    xs_list, widths = _columns(lines_, arrows)
    xs = dict(zip(names, xs_list, strict=True))
    right = (xs_list[-1] + widths[-1] // 2) if lines_ else LEFT
    band_w = right - (LEFT - 160) + 10
    box_lines = max((len(_box_lines(ln)) for ln in lines_), default=1)
    box_h = 12 + 16 * box_lines

    body: list[str] = []
    y = TOP + box_h + 20
    prev: Arrow | None = None
    for i, a in enumerate(arrows):
        gap = _gap_text(prev, a) if prev is not None else ""
        if gap:
            body.append(
                f'<g class="gap"><rect x="{LEFT - 160}" y="{y - 12}" width="{band_w}" height="22"'
                f' class="gap-band"/>'
                + _t(LEFT - 150, y + 3, f"⋯ {gap} ⋯", cls="gapt", anchor="start")
                + "</g>"
            )
            y += 26
        prev = a
        mine = by_step.get(i, [])
        bad = bool(mine)
        colour = RED if bad else KIND_COLOURS.get(a.kind, KIND_COLOURS["data"])
        x1, x2 = xs[a.src], xs[a.dst]
        base = [*a.label, "(lost)"] if a.lost and x1 != x2 else list(a.label)
        label = base + [f"✗ {v.property} (§{v.section})" for v in mine]
        top = y
        y_arrow = top + LINE * len(label) + 8
        cls = "arrow violating" if bad else ("arrow highlighted" if a.highlighted else "arrow")
        name = where(arrows, i)
        frame = "" if a.frame is None else f' data-frame="{a.frame}"'
        props = ""
        if mine:
            props = f" data-property={quoteattr(' '.join(v.property for v in mine))}"
        g = [
            f'<g class="{cls}" data-step="{i}" data-where={quoteattr(name)}'
            f" data-kind={quoteattr(a.kind)}{frame}{props}>"
        ]
        tip = [f"{name} at {a.time:.6f} s: {a.src} -> {a.dst}", *base]
        tip += [f"✗ {v.property} (§{v.section}) at {name}: {v.message}" for v in mine]
        g.append(f"<title>{escape(chr(10).join(tip))}</title>")
        if bad or a.highlighted:
            g.append(
                f'<rect x="{LEFT - 160}" y="{top - 13}" width="{band_w}"'
                f' height="{y_arrow - top + 22}" class="{"bad-band" if bad else "hi-band"}"/>'
            )
        g.append(_t(LEFT - 150, y_arrow - 4, f"{a.time:.6f} s", cls="time", anchor="start"))
        g.append(_t(LEFT - 150, y_arrow + 11, name, cls="frame", anchor="start"))
        width = 3 if (bad or a.highlighted) else 1.5
        if x1 == x2:  # a node sending to itself: a small loop
            g.append(
                f'<path d="M {x1} {y_arrow - 10} h 40 v 14 h -31" fill="none" stroke="{colour}"'
                f' stroke-width="{width}"/>'
            )
            g.append(_arrowhead(x1, y_arrow + 4, -1, colour))
            lx, anchor = x1 + 46, "start"
        elif a.lost:  # half-way, then a cross: the packet never arrived
            xm, yc = (x1 + x2) // 2, y_arrow
            g.append(
                f'<line x1="{x1}" y1="{yc}" x2="{xm}" y2="{yc}" stroke="{colour}"'
                f' stroke-width="{width}" stroke-dasharray="3 3"/>'
                f'<path d="M {xm - 6} {yc - 6} L {xm + 6} {yc + 6} M {xm - 6} {yc + 6} L {xm + 6} {yc - 6}"'
                f' stroke="{colour}" stroke-width="2.5" class="lost-mark"/>'
            )
            lx, anchor = (x1 + x2) // 2, "middle"
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
            cls_t = "label bad" if bad and k >= len(base) else "label"
            g.append(_t(lx, top + LINE * k + 4, text, cls=cls_t, anchor=anchor, fill=colour))
        g.append("</g>")
        body.append("".join(g))
        y = y_arrow + ROW_PAD + 6

    if vs:
        w = max(band_w, 520)
        wrap = max(60, (w - 30) // 7)
        listed = sorted(vs, key=lambda v: (v.step, v.property))[:MAX_LISTED]
        rows: list[tuple[str, str]] = []
        for v in listed:
            rows.append(
                (
                    f"Violation of {v.property} (draft §{v.section}) at {where(arrows, v.step)}",
                    "vhead",
                )
            )
            rows += [(m, "vmsg") for m in (textwrap.wrap(v.message, wrap) or [""])]
        if len(vs) > len(listed):
            rows.append((f"… and {len(vs) - len(listed)} more (all highlighted above)", "vmsg"))
        h = 16 + 17 * len(rows)
        box = [
            f'<g class="violation" data-count="{len(vs)}">',
            f'<rect x="{LEFT - 160}" y="{y}" width="{w}" height="{h}" rx="6" class="bad-box"/>',
        ]
        for k, (text, c) in enumerate(rows):
            box.append(
                _t(
                    LEFT - 148,
                    y + 20 + 17 * k,
                    text,
                    cls=c,
                    anchor="start",
                    fill=RED if c == "vhead" else None,
                )
            )
        box.append("</g>")
        body.append("".join(box))
        y += h + 10

    height = y + 20
    width = max(right + 20, LEFT - 160 + (max(band_w, 520) if vs else band_w) + 20)
    heads: list[str] = []
    for ln, x, bw in zip(lines_, xs_list, widths, strict=True):
        texts = [
            _t(x, TOP + 18 + 16 * k, text, cls=c) for k, (text, c) in enumerate(_box_lines(ln))
        ]
        heads.append(
            f'<g class="lifeline" data-node={quoteattr(ln.name)}>'
            f"<title>{escape(' '.join(t for t, _ in _box_lines(ln)))}</title>"
            f'<line x1="{x}" y1="{TOP + box_h}" x2="{x}" y2="{height - 20}" class="life"/>'
            f'<rect x="{x - bw // 2}" y="{TOP}" width="{bw}" height="{box_h}" rx="5" class="node"/>'
            + "".join(texts)
            + "</g>"
        )
    style = (
        "<style>"
        ".life{stroke:#999;stroke-width:1;stroke-dasharray:4 4}"
        ".node{fill:#f3f6fa;stroke:#33475b;stroke-width:1.5}"
        ".nname{font:bold 13px monospace}.nrole{font:italic 11px monospace;fill:#33475b}"
        ".naddr{font:11px monospace;fill:#33475b}"
        ".label{font:12px monospace}.label.bad{font-weight:bold}"
        ".time{font:11px monospace;fill:#333}.frame{font:11px monospace;fill:#777}"
        ".bad-band{fill:#fde8ea;fill-opacity:.75}.hi-band{fill:#fff6d6;fill-opacity:.75}"
        ".gap-band{fill:#eeeeee}.gapt{font:italic 11px sans-serif;fill:#555}"
        ".bad-box{fill:#fff5f5;stroke:" + RED + ";stroke-width:2}"
        ".vhead{font:bold 13px sans-serif}.vmsg{font:12px sans-serif}"
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


def subtitle(
    arrows: Sequence[Arrow],
    violation: MscViolation | Sequence[MscViolation] | None = None,
    total_violations: int | None = None,
) -> str:
    """The line under the title: each broken property with where (same numbering as the rows);
    `total_violations` counts those found when fewer were drawn."""
    vs = _as_tuple(violation)
    if not vs:
        return f"{len(arrows)} packets, no violation"
    groups: dict[tuple[str, str], list[str]] = {}
    for v in sorted(vs, key=lambda v: (v.step, v.property)):
        places = groups.setdefault((v.property, v.section), [])
        w = where(arrows, v.step)
        if w not in places:
            places.append(w)
    parts = []
    for (pid, sec), places in groups.items():
        kind = places[0].split()[0]
        nums = [p.split()[1] for p in places]
        shown = ", ".join(nums[:8]) + (f" and {len(nums) - 8} more" if len(nums) > 8 else "")
        plural = "s" if len(nums) > 1 else ""
        parts.append(f"{pid} (§{sec}) broken at {kind}{plural} {shown}")
    head = f"{len(vs)} violations: " if len(vs) > 1 else ""
    if total_violations is not None and total_violations > len(vs):
        head = f"{total_violations} violations, {len(vs)} drawn: "
    return head + "; ".join(parts)


def render(
    lifelines: Sequence[Lifeline | str],
    arrows: Sequence[Arrow],
    violation: MscViolation | Sequence[MscViolation] | None = None,
    title: str = "Message sequence chart",
    notes: Sequence[str] = (),
    total_violations: int | None = None,
) -> str:
    """One self-contained HTML page holding the chart (no external resources). `violation` is one
    violation, a sequence of them, or None; `notes` are extra lines under the subtitle;
    `total_violations` counts the violations found when only some are drawn."""
    svg = render_svg(lifelines, arrows, violation)  # validates before anything is named
    sub = subtitle(arrows, violation, total_violations)
    extra = "".join(f'<p class="note">{escape(n)}</p>' for n in notes)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title>"
        "<style>body{margin:16px;font-family:sans-serif;background:#fff}"
        "h1{font-size:18px;margin:0 0 4px}p{margin:0 0 12px;color:#444}"
        "p.note{margin:-8px 0 12px;color:#666;font-size:13px}</style>"
        "</head><body>\n"
        f'<h1>{escape(title)}</h1><p class="sub">{escape(sub)}</p>{extra}\n'
        + svg
        + "\n</body></html>\n"
    )


def render_chart(chart: Chart, title: str = "Message sequence chart") -> str:
    """`render` of a Chart (as `chart_from_decoded` builds it)."""
    return render(
        chart.lifelines, chart.arrows, chart.violations, title, chart.notes, chart.total_violations
    )


__all__ = [
    "GAP_S",
    "KIND_COLOURS",
    "MAX_ARROWS",
    "MAX_VIOLATIONS",
    "Arrow",
    "Chart",
    "Lifeline",
    "MscViolation",
    "render",
    "render_chart",
    "render_svg",
    "subtitle",
    "where",
]
