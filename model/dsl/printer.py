"""`Scenario` -> canonical text, so that `parse_scenario(print_scenario(s)) == s` for every AST.

Canonical means: topology (links, nodes, routes, keys), then switches, seed and mutant, then the timeline in its
order, then expectations; options in one fixed order; times in the shortest exact unit; addresses in
Python's compressed form. This is also how counterexamples are written out (principle 13).
"""

from __future__ import annotations

from mip6check.model.addr import Addr, Prefix, fmt
from mip6check.model.dsl import ast as A


def fmt_time(ms: int) -> str:
    """Integer milliseconds -> `10s`, `12.5s`, `250ms` (exact; parses back to the same value)."""
    s, r = divmod(ms, 1000)
    if r == 0:
        return f"{s}s"
    if s == 0:
        return f"{ms}ms"
    return f"{s}.{r:03d}".rstrip("0") + "s"


def fmt_string(value: str) -> str:
    """A double-quoted string with \\ " newline, return and tab escaped."""
    out = value.replace("\\", "\\\\").replace('"', '\\"')
    out = out.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f'"{out}"'


def _prefix(p: Prefix) -> str:
    return f"{fmt(p.network)}/{p.length}"


def _ep(e: A.Endpoint) -> str:
    return e if isinstance(e, str) else fmt(e)


def _lifetime(v: int) -> str:
    return "infinity" if v == A.INFINITY else str(v)


def _opt(out: list[str], word: str, value: object | None) -> None:
    if value is not None:
        out.append(f"{word} {value}")


def _node(n: A.Node) -> str:
    on = ", ".join(n.links)
    if isinstance(n, A.Router):
        return f"router {n.name} on {on}"
    if isinstance(n, A.HomeAgent):
        parts = [f"home-agent {n.name} on {on}"]
        _opt(parts, "id-length", n.id_length)
        _opt(parts, "capacity", n.capacity)
        return " ".join(parts)
    if isinstance(n, A.Correspondent):
        parts = [f"correspondent {n.name} on {on}"]
        if n.legacy:
            parts.append("legacy")
        _opt(parts, "capacity", n.capacity)
        return " ".join(parts)
    if isinstance(n, A.Mobile):
        agent = "discover" if n.agent is None else n.agent
        return f"mobile {n.name} home {fmt(n.home)} agent {agent} on {on}"
    return f"attacker {n.name} on {on}"


def _link(link: A.Link) -> str:
    parts = [f"link {link.name} prefix {_prefix(link.prefix)}"]
    if link.delay:
        parts.append(f"delay {fmt_time(link.delay)}")
    if link.loss:
        parts.append(f"loss {link.loss!r}")
    if link.dup:
        parts.append(f"dup {link.dup!r}")
    if link.reorder:
        parts.append(f"reorder {fmt_time(link.reorder)}")
    if link.silent:
        parts.append("silent")
    return " ".join(parts)


def _value(v: A.SwitchValue) -> str:
    if isinstance(v, A.OnOff):
        return "on" if v.value else "off"
    if isinstance(v, A.IntValue):
        return str(v.value)
    if isinstance(v, A.TimeValue):
        return fmt_time(v.ms)
    if isinstance(v, A.AddrValue):
        return fmt(v.value)
    return v.value


def _common(parts: list[str], length: int | None, key: str | None, auth: bool) -> None:
    _opt(parts, "length", length)
    if key is not None:
        parts.append(f"key {fmt_string(key)}")
    if not auth:
        parts.append("no-auth")


def _packet(p: A.Packet) -> str:
    if isinstance(p, A.InjectBU):
        parts = [
            f"bu from {_ep(p.src)} to {_ep(p.dst)} home {fmt(p.home)} seq {p.seq} "
            f"lifetime {_lifetime(p.lifetime)}"
        ]
        if p.coa is not None:
            parts.append(f"coa {fmt(p.coa)}")
        flags = [f for f, on in (("a", p.a), ("h", p.h)) if on]
        if flags:
            parts.append("flags " + " ".join(flags))
        _opt(parts, "id-length", p.id_length)
        _common(parts, p.length, p.key, p.auth)
        if not p.hao:
            parts.append("no-hao")
        return " ".join(parts)
    if isinstance(p, A.InjectBA):
        parts = [
            f"ba from {_ep(p.src)} to {_ep(p.dst)} status {p.status} seq {p.seq} "
            f"lifetime {_lifetime(p.lifetime)}"
        ]
        if p.refresh is not None:
            parts.append(f"refresh {_lifetime(p.refresh)}")
        _common(parts, p.length, p.key, p.auth)
        return " ".join(parts)
    if isinstance(p, A.InjectBR):
        parts = [f"br from {_ep(p.src)} to {_ep(p.dst)}"]
        _common(parts, p.length, p.key, p.auth)
        return " ".join(parts)
    if isinstance(p, A.InjectRaw):
        return f'raw "{p.data.hex()}"'
    return f"replay {p.msg.value} from {_ep(p.src)} to {_ep(p.dst)}"


def print_step(s: A.Step) -> str:
    """One timeline line."""
    if isinstance(s, A.RunUntil):
        return f"run until {fmt_time(s.time)}"
    head = f"at {fmt_time(s.time)}: "
    if isinstance(s, A.Move):
        return head + f"move {s.node} to {s.link}"
    if isinstance(s, A.ReturnHome):
        return head + f"return {s.node} home"
    if isinstance(s, A.Attach):
        return head + f"attach {s.node} to {s.link}"
    if isinstance(s, A.Detach):
        return head + f"detach {s.node} from {s.link}"
    if isinstance(s, A.Send):
        parts = [f"send {s.src} -> {s.dst}"]
        if s.count != 1:
            parts.append(f"count {s.count}")
        if s.every is not None:
            parts.append(f"every {fmt_time(s.every)}")
        _opt(parts, "flow", s.flow)
        return head + " ".join(parts)
    if isinstance(s, A.DropNext):
        return head + f"drop next {s.count} on {s.link}"
    if isinstance(s, A.Renumber):
        return head + f"renumber {s.link} to {_prefix(s.prefix)}"
    return head + f"inject on {s.link} " + _packet(s.packet)


def print_condition(c: A.Condition) -> str:
    """The text after `expect ...:`."""
    if isinstance(c, A.CacheHas):
        text = f"{c.node} cache has {fmt(c.home)}"
        if c.coa is not None:
            text += f" -> {fmt(c.coa)}"
        return text + (" home-reg" if c.home_reg else "")
    if isinstance(c, A.CacheLacks):
        return f"{c.node} cache lacks {fmt(c.home)}"
    if isinstance(c, A.CacheSize):
        return f"{c.node} cache size {c.size}"
    if isinstance(c, A.BulHas):
        return f"{c.node} bul {'has' if c.present else 'lacks'} {_ep(c.dest)}"
    if isinstance(c, A.IsHome):
        return f"{c.node} is {'home' if c.home else 'away'}"
    if isinstance(c, A.Delivered):
        parts = [f"delivered {c.src} -> {c.dst}"]
        _opt(parts, "flow", c.flow)
        if c.via is not None:
            parts.append(f"via {c.via.value}")
        _opt(parts, "count", c.count)
        return " ".join(parts)
    if isinstance(c, A.MsgEvent):
        parts = [f"{c.node} {c.verb.value} {c.msg.value}"]
        if c.peer is not None:
            parts.append(("to " if c.verb is A.Verb.SENT else "from ") + _ep(c.peer))
        _opt(parts, "seq", c.seq)
        if c.lifetime is not None:
            parts.append(f"lifetime {_lifetime(c.lifetime)}")
        _opt(parts, "status", c.status)
        _opt(parts, "code", c.code)
        _addr_opt(parts, "home", c.home)
        _addr_opt(parts, "coa", c.coa)
        _opt(parts, "octets", c.octets)
        _opt(parts, "count", c.count)
        return " ".join(parts)
    if isinstance(c, A.Noted):
        return f"{c.node} noted {c.kind}"
    text = f"{c.node} dropped"
    return text + (f" {fmt_string(c.reason)}" if c.reason is not None else "")


def _addr_opt(parts: list[str], word: str, a: Addr | None) -> None:
    if a is not None:
        parts.append(f"{word} {fmt(a)}")


def print_expectation(e: A.Expectation) -> str:
    """One `expect` line."""
    if isinstance(e, A.ExpectProperty):
        return f"expect: property {e.property_id} {'holds' if e.holds else 'violated'}"
    if e.when is A.When.NEVER:
        head = "expect never: "
    else:
        head = f"expect {e.when.value} {fmt_time(e.time or 0)}: "
    return head + print_condition(e.condition)


def print_scenario(s: A.Scenario) -> str:
    """The canonical text of a scenario, one statement per line, sections separated by blank lines."""
    sections: list[list[str]] = [
        [_link(link) for link in s.links],
        [_node(n) for n in s.nodes],
        [
            f"route {r.router} {_prefix(r.prefix)} via {r.via}"
            + (f" next-hop {fmt(r.next_hop)}" if r.next_hop is not None else "")
            for r in s.routes
        ],
        [f"key {k.a} {k.b} {fmt_string(k.secret)}" for k in s.keys],
        [f"set {sw.name} {_value(sw.value)}" for sw in s.switches]
        + ([f"seed {s.seed}"] if s.seed is not None else [])
        + ([f"mutant {s.mutant}"] if s.mutant is not None else [])
        + [f"choice {c.node} {c.name} {c.value}" for c in s.choices],
        [print_step(st) for st in s.timeline],
        [print_expectation(e) for e in s.expectations],
    ]
    return "\n\n".join("\n".join(sec) for sec in sections if sec) + "\n"
