"""The human replay report: a header with counts and the clock tolerance, then one block per violation
(packet number, time, node, property ID, section, level, one-sentence explanation)."""

from __future__ import annotations

from mip6check.properties.replay.engine import ReplayReport


def render_text(r: ReplayReport) -> str:
    """Deterministic text for one report."""
    out = [
        f"{r.file}: {r.packets} packets, {r.decoded} decoded ({r.not_ipv6} not IPv6), "
        f"{r.undecodable} undecodable"
        + (f", {r.copies} copies of packets seen on another link" if r.copies else "")
        + f"; profile {r.profile}; clock tolerance "
        f"{r.clock_tolerance / 1000:g} s",
    ]
    if r.nodes:
        out.append("nodes:")
        for a, roles in r.nodes:
            out.append(f"  {a}: {', '.join(roles)}")
    for what, n in r.limits_hit:
        out.append(f"limit reached: {what} (not tracked {n} times); tracked ones are still checked")
    for i, reason in r.errors[:10]:
        out.append(f"packet {i}: undecodable: {reason}")
    if len(r.errors) > 10:
        out.append(f"... {r.undecodable - 10} more undecodable records")
    n = len(r.violations)
    out.append(f"{n} violation{'s' if n != 1 else ''}" + (":" if n else ""))
    for v in r.violations:
        rel = f" [related: {', '.join(map(str, v.related))}]" if v.related else ""
        out.append(
            f"  packet {v.packet} t={v.time:.6f}s {v.node or '-'} {v.property} "
            f"§{v.section} {v.level}: {v.message}{rel}"
        )
    if r.explain:
        out.append("explain:")
        out.extend(f"  {line}" for line in r.explain)
    return "\n".join(out) + "\n"
