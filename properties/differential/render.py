"""The differential replay's text and JSON (one object per modelled node, JSON Lines for several):
the first divergences with both packets (number and one-line decode), the fields that differ, the
model's Binding Cache / Binding Update List entries about them and the spec's verdict on each side.
`line` is the caller's one-line decoder (the CLI's, as `decode` prints packets)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mip6check.model.addr import Addr, fmt
from mip6check.model.codec.values import IPv6Packet
from mip6check.model.roles.events import NodeSnapshot
from mip6check.properties.differential.replay import DiffReport, Divergence, Side

Line = Callable[[IPv6Packet], str]

KIND_TEXT = {
    "differs": "differs",
    "missing": "sent by the implementation, not by the model",
    "extra": "sent by the model, not by the implementation",
}


def value_json(v: object) -> Any:
    """A field value for people and JSON: addresses written as addresses, octets in hex."""
    if isinstance(v, bytes):
        return fmt(v) if len(v) == 16 else v.hex()
    if isinstance(v, tuple):
        return [value_json(x) for x in v]
    return v


def _seconds(ms: int | None, start_s: float) -> float | None:
    return None if ms is None else round(start_s + ms / 1000, 6)


def state_json(s: NodeSnapshot | None, about: set[Addr], start_s: float) -> dict[str, Any]:
    """The model's Binding Cache and Binding Update List entries about the divergence's addresses
    (all of them when none is), times in capture seconds."""
    if s is None:
        return {}
    cache = [e for e in s.binding_cache if e.home in about or e.coa in about] or list(
        s.binding_cache
    )
    bul = [e for e in s.bul if e.destination in about or e.home in about] or list(s.bul)
    out: dict[str, Any] = {"time": _seconds(s.now, start_s)}
    out["binding_cache"] = [
        {
            "home": fmt(e.home),
            "care_of": fmt(e.coa),
            "seq": e.seq,
            "home_registration": e.home_reg,
            "expires": _seconds(e.expiry, start_s),
        }
        for e in cache
    ]
    out["binding_update_list"] = [
        {
            "destination": fmt(e.destination),
            "home": fmt(e.home),
            "care_of": fmt(e.coa),
            "seq": e.seq,
            "home_registration": e.home_reg,
            "acknowledged": e.acked,
            "expires": _seconds(e.expiry, start_s),
            "next_retransmission": _seconds(e.next_retx, start_s),
        }
        for e in bul
    ]
    if s.care_of:
        out["care_of_addresses"] = [fmt(a) for a in s.care_of]
    if s.at_home is not None:
        out["at_home"] = s.at_home
    return out


def _about(d: Divergence) -> set[Addr]:
    out: set[Addr] = set()
    for side in (d.captured, d.model):
        p = side.packet
        while p is not None:
            out |= {p.src, p.dst}
            out |= {x for h in p.headers for x in getattr(h, "addresses", ())}
            out |= {
                o.home_address
                for h in p.headers
                for o in getattr(h, "options", ())
                if hasattr(o, "home_address")
            }
            p = p.payload if type(p.payload) is IPv6Packet else None
    return out


def side_json(side: Side, line: Line, *, captured: bool) -> dict[str, Any]:
    """One side: its packet (number for the captured one; `decoded` null when it sent nothing),
    time, and the spec's violations on it (on the absence, for a side that sent nothing)."""
    out: dict[str, Any] = {}
    if captured:
        out["packet"] = side.frame
    out["time"] = round(side.time_s, 6)
    out["decoded"] = line(side.packet) if side.packet is not None else None
    out["violations"] = [v.to_json() for v in side.verdict]
    return out


def divergence_json(d: Divergence, line: Line, start_s: float) -> dict[str, Any]:
    return {
        "kind": d.kind,
        "packet_kind": d.packet_kind,
        "packet": d.at_frame,
        "time": round(d.captured.time_s if d.captured.packet is not None else d.model.time_s, 6),
        "verdict": d.verdict,
        "allowed_by": d.allowed,
        "captured": side_json(d.captured, line, captured=True),
        "model": side_json(d.model, line, captured=False),
        "fields": [
            {"field": f.field, "captured": value_json(f.captured), "model": value_json(f.model)}
            for f in d.fields
        ],
        "model_state": state_json(d.state, _about(d), start_s),
    }


def report_json(r: DiffReport, line: Line, shown: int) -> dict[str, Any]:
    """The `replay --model --json` object of one modelled node (docs/cli-contract.md)."""
    start = r.start_ns / 1e9
    return {
        "file": r.file,
        "model": {"role": r.subject.role, "address": fmt(r.subject.address)},
        "compared": r.compared,
        "agreeing": r.agreeing,
        "captured_packets": r.captured_packets,
        "model_packets": r.model_packets,
        "outside_capture": r.unseen,
        "nd_timers": r.nd_unpaired,
        "time_tolerance": r.tolerance_ms / 1000,
        "inputs": {"injected": r.injected, "originated": r.originated, "implied": r.implied},
        "divergences_total": len(r.divergences),
        "divergences": [divergence_json(d, line, start) for d in r.divergences[:shown]],
    }


def _verdicts(side: Side) -> list[str]:
    if not side.verdict:
        return ["spec: no violation"]
    return [
        f"spec: {v.property} §{v.section} {v.level}: {v.message}"
        + (f" (packet {v.packet})" if v.packet else "")
        for v in side.verdict
    ]


def render_text(r: DiffReport, line: Line, shown: int) -> str:
    """The human report of one modelled node."""
    start = r.start_ns / 1e9
    role = r.subject.role.replace("_", " ")
    n = len(r.divergences)
    out = [
        f"{r.file}: the model as {role} {fmt(r.subject.address)}",
        f"compared {r.compared} packets ({r.agreeing} agree, {r.captured_packets} captured, "
        f"{r.model_packets} from the model); {n} divergence{'s' if n != 1 else ''}; "
        f"time tolerance {r.tolerance_ms / 1000:g} s",
        f"inputs: {r.injected} captured packets injected, {r.originated} originated data packets"
        + (f", {r.implied} implied by tunnels" if r.implied else "")
        + (f"; {r.unseen} packets about what the capture does not show" if r.unseen else "")
        + (
            f"; {r.nd_unpaired} RS/RA/NS only one side sent, both allowed (RFC 2461 timers)"
            if r.nd_unpaired
            else ""
        ),
    ]
    for i, d in enumerate(r.divergences[:shown], start=1):
        where = f"packet {d.at_frame}" if d.at_frame is not None else "after the last packet"
        t = d.captured.time_s if d.captured.packet is not None else d.model.time_s
        head = f"divergence {i} of {n}: {where} t={t:.6f}s: {d.packet_kind} {KIND_TEXT[d.kind]}: {d.verdict}"
        if d.allowed:
            head += f" ({d.allowed})"
        out.append(head)
        cap = d.captured
        out.append(
            f"  captured #{cap.frame} {cap.time_s:.6f} {line(cap.packet)}"
            if cap.packet is not None
            else "  captured: nothing"
        )
        out.extend(f"    {x}" for x in _verdicts(cap))
        mod = d.model
        out.append(
            f"  model      {mod.time_s:.6f} {line(mod.packet)}"
            if mod.packet is not None
            else "  model: nothing"
        )
        out.extend(f"    {x}" for x in _verdicts(mod))
        if d.fields:
            shown_fields = [
                f"{f.field}: {_short(f.captured)} vs {_short(f.model)}" for f in d.fields[:6]
            ]
            more = len(d.fields) - len(shown_fields)
            out.append(
                "  fields (captured vs model): "
                + "; ".join(shown_fields)
                + (f"; {more} more" if more > 0 else "")
            )
        st = state_json(d.state, _about(d), start)
        if st:
            out.append("  model state at " + f"{st['time']:.6f}: " + _state_text(st))
    if n > shown:
        out.append(
            f"({n - shown} more divergence{'s' if n - shown != 1 else ''}; --max-divergences N shows more)"
        )
    return "\n".join(out) + "\n"


def _short(v: object) -> str:
    j = value_json(v)
    if j is None:
        return "absent"
    if isinstance(j, list):
        return "[" + ", ".join(str(x) for x in j) + "]"
    return str(j)


def _state_text(st: dict[str, Any]) -> str:
    parts = []
    for e in st.get("binding_cache", []):
        exp = "never" if e["expires"] is None else f"{e['expires']:.3f}"
        kind = " home registration" if e["home_registration"] else ""
        parts.append(
            f"Binding Cache {e['home']} -> {e['care_of']} seq {e['seq']}{kind} expires {exp}"
        )
    for e in st.get("binding_update_list", []):
        exp = "never" if e["expires"] is None else f"{e['expires']:.3f}"
        ack = "acknowledged" if e["acknowledged"] else "unacknowledged"
        parts.append(
            f"Binding Update List {e['destination']}: {e['home']} -> {e['care_of']} seq {e['seq']} {ack} expires {exp}"
        )
    if not parts:
        parts.append("Binding Cache and Binding Update List empty")
    return "; ".join(parts)


__all__ = ["render_text", "report_json"]
