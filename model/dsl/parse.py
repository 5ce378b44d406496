"""Scenario text -> `Scenario`: LALR parse of scenario.lark, a transformer to the AST, a semantic check.

`parse_scenario` either returns a Scenario or raises `ScenarioSyntaxError` (the text breaks the grammar)
or `ScenarioError` (it parses but names unknown nodes, repeats a name, goes back in time...). Any other
exception is a bug. Both carry line and column; `context(text)` prints the line with a caret.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, VisitError

from mip6check.model.addr import Addr, Prefix
from mip6check.model.dsl import ast as A
from mip6check.model.dsl.errors import ScenarioError, ScenarioSyntaxError
from mip6check.model.dsl.switches import SWITCHES, describe, value_fits

# ---------------------------------------------------------------- the grammar


@lru_cache(maxsize=1)
def grammar_text() -> str:
    """The text of scenario.lark (package data)."""
    return (
        resources.files("mip6check.model.dsl").joinpath("scenario.lark").read_text(encoding="utf-8")
    )


@lru_cache(maxsize=1)
def lark_parser() -> Lark:
    """The LALR parser (contextual lexer, positions kept, absent `[x]` as None)."""
    return Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
    )


# ---------------------------------------------------------------- token values


def _err(tok: Token | Any, message: str, hint: str = "") -> ScenarioError:
    return ScenarioError(
        getattr(tok, "line", 0) or 0, getattr(tok, "column", 0) or 0, message, hint
    )


def parse_addr(tok: Token) -> Addr:
    """An IPv6 address token -> 16 octets."""
    try:
        return ipaddress.IPv6Address(str(tok)).packed
    except ValueError:
        raise _err(
            tok, f"{tok!s} is not an IPv6 address", "write it like 2001:db8:1::100"
        ) from None


def parse_prefix(tok: Token) -> Prefix:
    """A prefix token `ADDR/LEN` -> Prefix (host bits must be zero)."""
    text = str(tok)
    try:
        net = ipaddress.IPv6Network(text, strict=True)
    except ValueError as e:
        raise _err(
            tok, f"{text} is not an IPv6 prefix: {e}", "write it like 2001:db8:1::/64"
        ) from None
    return Prefix(net.network_address.packed, net.prefixlen)


_UNIT_MS = {"ms": 1, "s": 1000, "min": 60_000}


def parse_time(text: str) -> int:
    """`10s`, `12.5s`, `500ms`, `2min` -> integer milliseconds (the grammar keeps this exact)."""
    for unit in ("ms", "min", "s"):
        if text.endswith(unit):
            value = Decimal(text[: -len(unit)]) * _UNIT_MS[unit]
            if value != value.to_integral_value():
                raise ValueError(f"{text} is not a whole number of milliseconds")
            return int(value)
    raise ValueError(f"{text} has no unit")


_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}


def parse_string(text: str) -> str:
    """A double-quoted STRING token -> its value (escapes \\" \\\\ \\n \\r \\t)."""
    body = text[1:-1]
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            out.append(_ESCAPES[body[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


# ---------------------------------------------------------------- tree -> AST


@dataclass(frozen=True, slots=True)
class _Opt:
    """One `keyword value` option before it is folded into its statement."""

    name: str
    value: Any
    line: int
    column: int


def _pos(meta: Any) -> A.Pos:
    return A.Pos(getattr(meta, "line", 0), getattr(meta, "column", 0))


def _fold(opts: Iterable[Any], what: str) -> dict[str, Any]:
    """Options given in any order -> {name: value}; an option given twice is an error."""
    out: dict[str, Any] = {}
    for o in opts:
        if o.name in out:
            raise ScenarioError(
                o.line, o.column, f"{o.name.replace('_', '-')} given twice in {what}"
            )
        out[o.name] = o.value
    return out


def _option(name: str) -> Callable[..., _Opt]:
    def make(self: Any, meta: Any, children: list[Any]) -> _Opt:
        value: Any = children[0] if children else True
        return _Opt(name, value, getattr(meta, "line", 0), getattr(meta, "column", 0))

    return v_args(meta=True)(make)


_OPTIONS = (
    "delay loss dup reorder silent id_length capacity legacy next_hop count every flow coa length key "
    "no_auth no_hao refresh seq lifetime_is status code home via octets"
).split()


class _ToAst(Transformer[Token, A.Scenario]):
    """Builds the frozen AST bottom-up; every statement gets the position of its first token."""

    # terminals
    def NAME(self, t: Token) -> str:
        return str(t)

    def PROPERTY(self, t: Token) -> str:
        return str(t)

    def ADDR(self, t: Token) -> Addr:
        return parse_addr(t)

    def PREFIX(self, t: Token) -> Prefix:
        return parse_prefix(t)

    def TIME(self, t: Token) -> int:
        try:
            return parse_time(str(t))
        except ValueError as e:
            raise _err(t, str(e), "milliseconds are whole: write 1ms, 0.5s, 2min") from None

    def INT(self, t: Token) -> int:
        return int(str(t))

    def PROB(self, t: Token) -> float:
        return float(str(t))

    def STRING(self, t: Token) -> str:
        return parse_string(str(t))

    def HEX(self, t: Token) -> bytes:
        digits = "".join(str(t)[1:-1].split())
        if len(digits) % 2:
            raise _err(
                t, "odd number of hex digits", "a raw packet is whole octets, two digits each"
            )
        return bytes.fromhex(digits)

    def VIA(self, t: Token) -> A.Via:
        return A.Via(str(t))

    def msg(self, children: list[Token]) -> A.Msg:
        return A.Msg(str(children[0]))

    # small values
    def names(self, children: list[str]) -> tuple[str, ...]:
        return tuple(children)

    def agent(self, children: list[str]) -> str:
        return children[0]

    def discover(self, children: list[Any]) -> None:
        return None

    def ep_node(self, children: list[str]) -> A.Endpoint:
        return children[0]

    def ep_addr(self, children: list[Addr]) -> A.Endpoint:
        return children[0]

    def lt_int(self, children: list[int]) -> int:
        return children[0]

    def lt_inf(self, children: list[Any]) -> int:
        return A.INFINITY

    def flag_a(self, children: list[Any]) -> str:
        return "a"

    def flag_h(self, children: list[Any]) -> str:
        return "h"

    @v_args(meta=True)
    def flags(self, meta: Any, children: list[str]) -> _Opt:
        return _Opt("flags", frozenset(children), meta.line, meta.column)

    def home_reg(self, children: list[Any]) -> bool:
        return True

    def sw_on(self, children: list[Any]) -> A.SwitchValue:
        return A.OnOff(True)

    def sw_off(self, children: list[Any]) -> A.SwitchValue:
        return A.OnOff(False)

    def sw_int(self, children: list[int]) -> A.SwitchValue:
        return A.IntValue(children[0])

    def sw_time(self, children: list[int]) -> A.SwitchValue:
        return A.TimeValue(children[0])

    def sw_addr(self, children: list[Addr]) -> A.SwitchValue:
        return A.AddrValue(children[0])

    def sw_word(self, children: list[str]) -> A.SwitchValue:
        return A.WordValue(children[0])

    def holds(self, children: list[Any]) -> bool:
        return True

    def violated(self, children: list[Any]) -> bool:
        return False

    def when_at(self, children: list[int]) -> tuple[A.When, int | None]:
        return (A.When.AT, children[0])

    def when_by(self, children: list[int]) -> tuple[A.When, int | None]:
        return (A.When.BY, children[0])

    def when_never(self, children: list[Any]) -> tuple[A.When, int | None]:
        return (A.When.NEVER, None)

    # topology
    @v_args(meta=True)
    def link(self, meta: Any, c: list[Any]) -> A.Link:
        o = _fold(c[2:], "link")
        return A.Link(
            c[0],
            c[1],
            o.get("delay", 0),
            o.get("loss", 0.0),
            o.get("dup", 0.0),
            o.get("reorder", 0),
            o.get("silent", False),
            pos=_pos(meta),
        )

    @v_args(meta=True)
    def router(self, meta: Any, c: list[Any]) -> A.Router:
        return A.Router(c[0], c[1], pos=_pos(meta))

    @v_args(meta=True)
    def home_agent(self, meta: Any, c: list[Any]) -> A.HomeAgent:
        o = _fold(c[2:], "home-agent")
        return A.HomeAgent(c[0], c[1], o.get("id_length"), o.get("capacity"), pos=_pos(meta))

    @v_args(meta=True)
    def correspondent(self, meta: Any, c: list[Any]) -> A.Correspondent:
        o = _fold(c[2:], "correspondent")
        return A.Correspondent(
            c[0], c[1], o.get("legacy", False), o.get("capacity"), pos=_pos(meta)
        )

    @v_args(meta=True)
    def mobile(self, meta: Any, c: list[Any]) -> A.Mobile:
        return A.Mobile(c[0], c[1], c[2], c[3], pos=_pos(meta))

    @v_args(meta=True)
    def attacker(self, meta: Any, c: list[Any]) -> A.Attacker:
        return A.Attacker(c[0], c[1], pos=_pos(meta))

    @v_args(meta=True)
    def route(self, meta: Any, c: list[Any]) -> A.Route:
        o = _fold(c[3:], "route")
        return A.Route(c[0], c[1], c[2], o.get("next_hop"), pos=_pos(meta))

    @v_args(meta=True)
    def key(self, meta: Any, c: list[Any]) -> A.Key | _Opt:
        if len(c) == 1:  # the `key "s"` option of an injected packet
            return _Opt("key", c[0], meta.line, meta.column)
        return A.Key(c[0], c[1], c[2], pos=_pos(meta))

    @v_args(meta=True)
    def switch(self, meta: Any, c: list[Any]) -> A.Switch:
        return A.Switch(c[0], c[1], pos=_pos(meta))

    @v_args(meta=True)
    def seed(self, meta: Any, c: list[Any]) -> tuple[str, int, A.Pos]:
        return ("seed", c[0], _pos(meta))

    @v_args(meta=True)
    def mutant(self, meta: Any, c: list[Any]) -> tuple[str, str, A.Pos]:
        return ("mutant", str(c[0]), _pos(meta))

    @v_args(meta=True)
    def choice(self, meta: Any, c: list[Any]) -> A.Choice:
        return A.Choice(str(c[0]), str(c[1]), c[2], pos=_pos(meta))

    # timeline (actions get their time from the enclosing `at`)
    @v_args(meta=True)
    def at(self, meta: Any, c: list[Any]) -> A.Step:
        step: A.Step = replace(c[1], time=c[0], pos=_pos(meta))
        return step

    @v_args(meta=True)
    def run(self, meta: Any, c: list[Any]) -> A.RunUntil:
        return A.RunUntil(c[0], pos=_pos(meta))

    def move(self, c: list[Any]) -> A.Move:
        return A.Move(0, c[0], c[1])

    def return_home(self, c: list[Any]) -> A.ReturnHome:
        return A.ReturnHome(0, c[0])

    def attach(self, c: list[Any]) -> A.Attach:
        return A.Attach(0, c[0], c[1])

    def detach(self, c: list[Any]) -> A.Detach:
        return A.Detach(0, c[0], c[1])

    def send(self, c: list[Any]) -> A.Send:
        o = _fold(c[2:], "send")
        return A.Send(0, c[0], c[1], o.get("count", 1), o.get("every"), o.get("flow"))

    def drop(self, c: list[Any]) -> A.DropNext:
        return A.DropNext(0, c[0], c[1])

    def renumber(self, c: list[Any]) -> A.Renumber:
        return A.Renumber(0, c[0], c[1])

    def inject(self, c: list[Any]) -> A.Inject:
        return A.Inject(0, c[0], c[1])

    @v_args(meta=True)
    def bu(self, meta: Any, c: list[Any]) -> A.InjectBU:
        o = _fold(c[5:], "bu")
        flags = o.get("flags", frozenset())
        return A.InjectBU(
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
            coa=o.get("coa"),
            a="a" in flags,
            h="h" in flags,
            id_length=o.get("id_length"),
            length=o.get("length"),
            key=o.get("key"),
            auth=not o.get("no_auth", False),
            hao=not o.get("no_hao", False),
            pos=_pos(meta),
        )

    @v_args(meta=True)
    def ba(self, meta: Any, c: list[Any]) -> A.InjectBA:
        o = _fold(c[5:], "ba")
        return A.InjectBA(
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
            refresh=o.get("refresh"),
            length=o.get("length"),
            key=o.get("key"),
            auth=not o.get("no_auth", False),
            pos=_pos(meta),
        )

    @v_args(meta=True)
    def br(self, meta: Any, c: list[Any]) -> A.InjectBR:
        o = _fold(c[2:], "br")
        return A.InjectBR(
            c[0],
            c[1],
            length=o.get("length"),
            key=o.get("key"),
            auth=not o.get("no_auth", False),
            pos=_pos(meta),
        )

    @v_args(meta=True)
    def raw(self, meta: Any, c: list[Any]) -> A.InjectRaw:
        return A.InjectRaw(c[0], pos=_pos(meta))

    @v_args(meta=True)
    def replay(self, meta: Any, c: list[Any]) -> A.InjectReplay:
        return A.InjectReplay(c[0], c[1], c[2], pos=_pos(meta))

    # expectations
    @v_args(meta=True)
    def expect(self, meta: Any, c: list[Any]) -> A.Expect:
        when, time = c[0]
        return A.Expect(when, time, c[1], pos=_pos(meta))

    @v_args(meta=True)
    def expect_property(self, meta: Any, c: list[Any]) -> A.ExpectProperty:
        return A.ExpectProperty(c[0], c[1], pos=_pos(meta))

    @v_args(meta=True)
    def cache_has(self, meta: Any, c: list[Any]) -> A.CacheHas:
        return A.CacheHas(c[0], c[1], c[2], bool(c[3]), pos=_pos(meta))

    @v_args(meta=True)
    def cache_lacks(self, meta: Any, c: list[Any]) -> A.CacheLacks:
        return A.CacheLacks(c[0], c[1], pos=_pos(meta))

    @v_args(meta=True)
    def cache_size(self, meta: Any, c: list[Any]) -> A.CacheSize:
        return A.CacheSize(c[0], c[1], pos=_pos(meta))

    @v_args(meta=True)
    def bul_has(self, meta: Any, c: list[Any]) -> A.BulHas:
        return A.BulHas(c[0], c[1], True, pos=_pos(meta))

    @v_args(meta=True)
    def bul_lacks(self, meta: Any, c: list[Any]) -> A.BulHas:
        return A.BulHas(c[0], c[1], False, pos=_pos(meta))

    @v_args(meta=True)
    def is_home(self, meta: Any, c: list[Any]) -> A.IsHome:
        return A.IsHome(c[0], True, pos=_pos(meta))

    @v_args(meta=True)
    def is_away(self, meta: Any, c: list[Any]) -> A.IsHome:
        return A.IsHome(c[0], False, pos=_pos(meta))

    @v_args(meta=True)
    def delivered(self, meta: Any, c: list[Any]) -> A.Delivered:
        o = _fold(c[2:], "delivered")
        return A.Delivered(c[0], c[1], o.get("flow"), o.get("via"), o.get("count"), pos=_pos(meta))

    def _msg_event(self, meta: Any, c: list[Any], verb: A.Verb) -> A.MsgEvent:
        o = _fold(c[3:], verb.value)
        return A.MsgEvent(
            c[0],
            verb,
            c[1],
            c[2],
            seq=o.get("seq"),
            lifetime=o.get("lifetime_is"),
            status=o.get("status"),
            code=o.get("code"),
            home=o.get("home"),
            coa=o.get("coa"),
            count=o.get("count"),
            octets=o.get("octets"),
            pos=_pos(meta),
        )

    @v_args(meta=True)
    def sent(self, meta: Any, c: list[Any]) -> A.MsgEvent:
        return self._msg_event(meta, c, A.Verb.SENT)

    @v_args(meta=True)
    def received(self, meta: Any, c: list[Any]) -> A.MsgEvent:
        return self._msg_event(meta, c, A.Verb.RECEIVED)

    @v_args(meta=True)
    def ignored(self, meta: Any, c: list[Any]) -> A.MsgEvent:
        return self._msg_event(meta, c, A.Verb.IGNORED)

    @v_args(meta=True)
    def dropped(self, meta: Any, c: list[Any]) -> A.DroppedAt:
        return A.DroppedAt(c[0], c[1], pos=_pos(meta))

    @v_args(meta=True)
    def noted(self, meta: Any, c: list[Any]) -> A.Noted:
        return A.Noted(c[0], c[1], pos=_pos(meta))

    # the file
    def start(self, items: list[Any]) -> A.Scenario:
        links: list[A.Link] = []
        nodes: list[A.Node] = []
        routes: list[A.Route] = []
        keys: list[A.Key] = []
        switches: list[A.Switch] = []
        timeline: list[A.Step] = []
        expectations: list[A.Expectation] = []
        seed: int | None = None
        mutant: str | None = None
        choices: list[A.Choice] = []
        for it in items:
            if isinstance(it, A.Choice):
                choices.append(it)
            elif isinstance(it, A.Link):
                links.append(it)
            elif isinstance(it, A.Router | A.HomeAgent | A.Correspondent | A.Mobile | A.Attacker):
                nodes.append(it)
            elif isinstance(it, A.Route):
                routes.append(it)
            elif isinstance(it, A.Key):
                keys.append(it)
            elif isinstance(it, A.Switch):
                switches.append(it)
            elif isinstance(it, A.Expect | A.ExpectProperty):
                expectations.append(it)
            elif isinstance(it, tuple):
                p = it[2]
                if (seed if it[0] == "seed" else mutant) is not None:
                    raise ScenarioError(p.line, p.column, f"{it[0]} given twice")
                if it[0] == "seed":
                    seed = it[1]
                else:
                    mutant = it[1]
            else:
                timeline.append(it)
        return A.Scenario(
            tuple(links),
            tuple(nodes),
            tuple(routes),
            tuple(keys),
            tuple(switches),
            seed,
            tuple(timeline),
            tuple(expectations),
            mutant=mutant,
            choices=tuple(choices),
        )


for _name in _OPTIONS:
    if _name != "key":
        setattr(_ToAst, _name, _option(_name))

# ---------------------------------------------------------------- syntax errors with hints

_HINTS: dict[str, list[str]] = {
    "a time needs a unit: ms, s or min (e.g. `at 10s:`, `every 500ms`, `run until 2min`)": [
        "at 10: move MN to L\n",
        "run until 100\n",
        "expect at 15: MN is home\n",
        "expect by 15: MN is home\n",
        "at 1s: send A -> B every 1\n",
        "link L prefix 1::/64 delay 5\n",
        "link L prefix 1::/64 reorder 5\n",
    ],
    "put a colon after the time: `at 10s: move MN to L`": [
        "at 10s move MN to L\n",
        "expect at 10s MN is home\n",
        "expect by 10s MN is home\n",
    ],
    "`expect` is followed by `at T:`, `by T:`, `never:` or `: property ID holds|violated`": [
        "expect 10s: MN is home\n",
        "expect MN is home\n",
    ],
    "end a property expectation with `holds` or `violated`": [
        "expect: property BC-SEQ-MONOTONIC\n",
        "expect: property BC-SEQ-MONOTONIC ok\n",
    ],
    "property IDs are upper case with dashes, like BC-SEQ-MONOTONIC": [
        "expect: property foo holds\n",
        "expect: BC-SEQ-MONOTONIC holds\n",
    ],
    "separate link names with commas: `on L1, L2`": [
        "router R on L1 L2\n",
        "attacker X on L1 L2\n",
        "home-agent H on L1 L2\n",
        "correspondent C on L1 L2\n",
        "mobile M home 1::1 agent H on L1 L2\n",
    ],
    "a prefix is an address and a length: 2001:db8:1::/64": [
        "link L prefix 2001:db8:1::\n",
        "link L prefix 1\n",
        "at 1s: renumber L to 2001:db8:1::\n",
        "route R 2001:db8:1:: via L\n",
    ],
    "write `->` between sender and receiver": [
        "at 1s: send A B\n",
        "at 1s: send A to B\n",
        "expect by 1s: delivered A B\n",
    ],
    "a statement starts with link, router, home-agent, correspondent, mobile, attacker, route, "
    "key, set, seed, mutant, choice, at, run or expect": [
        "foo\n",
        "MN move\n",
        "node X on L\n",
    ],
    "an action is move, return, attach, detach, send, drop, renumber or inject": [
        "at 1s: go MN to L\n",
        "at 1s: 42\n",
    ],
    'inject needs `on LINK` and then bu, ba, br, raw "hex" or replay': [
        "at 1s: inject bu from A to B home 1::1 seq 1 lifetime 1\n",
        "at 1s: inject on L xx\n",
    ],
    "a Binding Update is `bu from A to B home ADDR seq N lifetime N` and then options": [
        "at 1s: inject on L bu from A to B seq 1 lifetime 2\n",
        "at 1s: inject on L bu from A to B home 1::1 lifetime 2\n",
        "at 1s: inject on L bu from A to B home 1::1 seq 1\n",
        "at 1s: inject on L bu A to B home 1::1 seq 1 lifetime 2\n",
    ],
    "a Binding Acknowledgement is `ba from A to B status N seq N lifetime N` and then options": [
        "at 1s: inject on L ba from A to B seq 1 lifetime 2\n",
        "at 1s: inject on L ba from A to B status 0 lifetime 2\n",
        "at 1s: inject on L ba from A to B status 0 seq 1\n",
    ],
    "a mobile node is `mobile NAME home ADDR agent HA|discover on LINK`": [
        "mobile M on L\n",
        "mobile M home 1::1 on L\n",
        "mobile M agent H on L\n",
    ],
    "a condition is NODE cache has|lacks|size ..., NODE bul has|lacks ..., NODE is home|away, "
    "NODE sent|received|ignored MSG ..., NODE dropped, NODE noted KIND, or delivered A -> B": [
        "expect by 1s: MN foo\n",
        "expect by 1s: 42\n",
        "expect by 1s: MN cache holds 1::1\n",
    ],
    "messages are bu, ba, br, param-problem, unreachable, na, ra or data": [
        "expect by 1s: MN sent xx\n",
        "expect by 1s: MN received xx\n",
        "expect by 1s: MN ignored xx\n",
        "at 1s: inject on L replay xx from A to B\n",
    ],
    'strings are in double quotes: key MN HA "secret"': [
        "key A B secret\n",
    ],
    "`set NAME VALUE`: the value is on, off, a number, a time, an address or a word": [
        "set seq-half\n",
    ],
    "one statement per line": [
        "link L prefix 1::/64 link M prefix 2::/64\n",
        "router R on L router S on L\n",
    ],
    'a string may not run past the end of the line; close it with `"`': [
        'key A B "secret\n',
    ],
}

_DESCRIBE = {
    "_NL": "end of line",
    "$END": "end of file",
    "NAME": "a name",
    "ADDR": "an IPv6 address",
    "PREFIX": "a prefix like 2001:db8:1::/64",
    "TIME": "a time like 10s",
    "INT": "a number",
    "PROB": "a probability like 0.1",
    "STRING": 'a "string"',
    "HEX": 'a "hex" string',
    "PROPERTY": "a property ID",
    "MSG": "a message kind",
    "VIA": "tunnel, rh or direct",
}


@lru_cache(maxsize=1)
def _keyword_of() -> dict[str, str]:
    out: dict[str, str] = {}
    for t in lark_parser().terminals:
        if t.pattern.type == "str":
            out[t.name] = f"`{t.pattern.value}`"
    return out


def _describe(name: str) -> str:
    return _DESCRIBE.get(name) or _keyword_of().get(name) or name


def _hint(e: UnexpectedInput, source: str) -> str:
    """The friendly hint for the commonest mistakes: the failing line, re-parsed alone, matched against
    `_HINTS` (statements are one line each, so the line fails in the same parser state)."""
    lines = source.split("\n")
    if not 1 <= e.line <= len(lines):
        return ""
    try:
        lark_parser().parse(lines[e.line - 1] + "\n")
    except UnexpectedInput as alone:
        return _match_examples(alone)
    return ""


def _state_key(e: UnexpectedInput) -> tuple[object, ...] | None:
    st = getattr(e, "state", None)
    if st is None:
        return None
    position = getattr(st, "position", st)
    stack = getattr(st, "state_stack", None)
    accepts = getattr(e, "accepts", None)
    return (
        position,
        len(stack) if stack is not None else None,
        frozenset(accepts) if accepts is not None else None,
    )


@lru_cache(maxsize=1)
def _example_errors() -> list[tuple[str, tuple[object, ...], str]]:
    """(hint, parser-state key, failing token) of every example in `_HINTS`, computed once."""
    out: list[tuple[str, tuple[object, ...], str]] = []
    for label, examples in _HINTS.items():
        for text in examples:
            try:
                lark_parser().parse(text)
            except UnexpectedInput as ut:
                key = _state_key(ut)
                if key is not None:
                    out.append((label, key, str(getattr(ut, "token", getattr(ut, "char", "")))))
    return out


def _match_examples(e: UnexpectedInput) -> str:
    """lark's `match_examples` idea (same parser state and accepted set; an exact token wins), written
    out because lark 1.3's own version crashes in a debug message for some states."""
    key = _state_key(e)
    if key is None:
        return ""
    token = str(getattr(e, "token", getattr(e, "char", "")))
    candidate = ""
    for label, k, tok in _example_errors():
        if k == key:
            if tok == token:
                return label
            candidate = candidate or label
    return candidate


def _syntax_error(e: UnexpectedInput, filename: str, source: str) -> ScenarioSyntaxError:
    line, column = e.line, e.column
    if isinstance(e, UnexpectedCharacters):
        message = f"unexpected character {e.char!r}"
        allowed = sorted(e.allowed or ())
    elif isinstance(e, UnexpectedEOF):
        message = "unexpected end of file"
        allowed = sorted(e.expected or ())
    else:
        tok = getattr(e, "token", None)
        if tok is not None and tok.type == "_NL":
            message = "unexpected end of line"
        elif tok is not None and tok.type == "$END":
            message = "unexpected end of file"
        else:
            message = f"unexpected {str(tok)!r}"
        allowed = sorted(getattr(e, "accepts", None) or getattr(e, "expected", None) or ())
    if allowed:
        shown = [_describe(n) for n in allowed if n not in ("WS",)]
        if len(shown) > 8:
            shown = shown[:8] + ["..."]
        message += "; expected " + ", ".join(shown)
    hint = _hint(e, source)
    return ScenarioSyntaxError(
        line if line and line > 0 else 1,
        column if column and column > 0 else 1,
        message,
        hint,
        filename,
    )


# ---------------------------------------------------------------- the public entry points


def parse_scenario(text: str, filename: str = "<string>", *, check: bool = True) -> A.Scenario:
    """Parse a scenario file's text. Raises ScenarioSyntaxError or ScenarioError, nothing else."""
    source = text if text.endswith("\n") else text + "\n"
    try:
        tree = lark_parser().parse(source)
    except UnexpectedInput as e:
        raise _syntax_error(e, filename, source) from None
    try:
        scenario = _ToAst().transform(tree)
    except VisitError as e:
        if isinstance(e.orig_exc, ScenarioError):
            raise _with_file(e.orig_exc, filename) from None
        raise
    scenario = replace(scenario, filename=filename)
    if check:
        try:
            check_scenario(scenario, text)
        except ScenarioError as e:
            raise _with_file(e, filename) from None
    return scenario


def _with_file(e: ScenarioError, filename: str) -> ScenarioError:
    if e.filename == filename:
        return e
    return type(e)(e.line, e.column, e.message, e.hint, filename)


# ---------------------------------------------------------------- the semantic check


_MAX_ADVERT_REXMIT = 3
"""§11 MAX_ADVERT_REXMIT: the most repeats `choice NODE na-rexmit N` may ask for (§8.2, §9.13)."""

RESERVED = frozenset({"delivered", "discover"})
"""Words that cannot name a node or link because the grammar expects them where a name could start."""

_MAX = {
    "seq": 0xFFFF,
    "status": 0xFF,
    "lifetime": 0xFFFFFFFF,
    "length": 0xFF,
    "id_length": 128,
    # bounded work on hostile files: simulated time in ms (24 h) and packets per `send`
    "time": 86_400_000,
    "count": 100_000,
}


class _Checker:
    """Walks a Scenario in file order and raises the first ScenarioError it meets."""

    def __init__(self, s: A.Scenario, text: str | None) -> None:
        self.s = s
        self.lines = text.splitlines() if text is not None else []
        self.links = {link.name: link for link in s.links}
        self.nodes = {n.name: n for n in s.nodes}

    def at(self, pos: A.Pos, word: str | None = None) -> tuple[int, int]:
        """The position of `word` on the construct's line (at or after its column), else the construct."""
        if word is not None and 1 <= pos.line <= len(self.lines):
            line = self.lines[pos.line - 1]
            start = max(pos.column - 1, 0)
            i = line.find(word, start)
            while i >= 0:
                end = i + len(word)
                before = line[i - 1] if i > 0 else " "
                after = line[end] if end < len(line) else " "
                if not _is_name_char(before) and not _is_name_char(after):
                    return pos.line, i + 1
                i = line.find(word, i + 1)
        return pos.line, pos.column

    def fail(self, pos: A.Pos, message: str, word: str | None = None, hint: str = "") -> None:
        line, column = self.at(pos, word)
        raise ScenarioError(line, column, message, hint)

    def name(self, pos: A.Pos, name: str, what: str) -> None:
        if name in RESERVED:
            self.fail(pos, f"{name!r} is a reserved word and cannot name a {what}", name)

    def link(self, pos: A.Pos, name: str) -> None:
        if name not in self.links:
            self.fail(pos, f"unknown link {name!r}", name, _suggest(name, self.links, "links"))

    def heard(self, pos: A.Pos, name: str) -> None:
        """A mobile node detects movement from Router Advertisements (§9.2): none on a silent link."""
        link = self.links.get(name)
        if link is not None and link.silent:
            self.fail(
                pos,
                f"link {name!r} is silent: a mobile node there hears no Router Advertisements (§9.2)",
                name,
                hint="drop `silent` from the link, or keep mobile nodes off it",
            )

    def node(self, pos: A.Pos, name: str, kinds: tuple[type, ...] = (), what: str = "node") -> None:
        n = self.nodes.get(name)
        if n is None:
            self.fail(pos, f"unknown node {name!r}", name, _suggest(name, self.nodes, "nodes"))
        elif kinds and not isinstance(n, kinds):
            self.fail(pos, f"{name!r} is not a {what}", name)

    def endpoint(self, pos: A.Pos, ep: A.Endpoint) -> None:
        if isinstance(ep, str):
            self.node(pos, ep)

    def limit(self, pos: A.Pos, field: str, value: int | None) -> None:
        if value is not None and value > _MAX[field]:
            unit = " ms (24 h)" if field == "time" else ""
            self.fail(
                pos,
                f"{field.replace('_', '-')} {value} is larger than {_MAX[field]}{unit}",
                str(value),
            )

    def run(self) -> None:
        s = self.s
        seen: dict[str, A.Pos] = {}
        for link in s.links:
            self.name(link.pos, link.name, "link")
            if link.name in seen:
                p = seen[link.name]
                self.fail(
                    link.pos,
                    f"link {link.name!r} declared twice (first on line {p.line})",
                    link.name,
                )
            seen[link.name] = link.pos
            for what, prob in (("loss", link.loss), ("dup", link.dup)):
                if not 0.0 <= prob <= 1.0:
                    self.fail(link.pos, f"{what} {prob} is not a probability between 0 and 1", what)
        seen = {}
        for n in s.nodes:
            self.name(n.pos, n.name, "node")
            if n.name in seen:
                p = seen[n.name]
                self.fail(n.pos, f"node {n.name!r} declared twice (first on line {p.line})", n.name)
            seen[n.name] = n.pos
            for i, ln in enumerate(n.links):
                self.link(n.pos, ln)
                if ln in n.links[:i]:
                    self.fail(n.pos, f"link {ln!r} listed twice for {n.name}", ln)
            if isinstance(n, A.HomeAgent):
                self.limit(n.pos, "id_length", n.id_length)
            if isinstance(n, A.HomeAgent | A.Correspondent) and n.capacity is not None:
                if n.capacity < 1:
                    self.fail(n.pos, "a Binding Cache holds at least one entry", "capacity")
            if isinstance(n, A.Mobile):
                self.heard(n.pos, n.links[0])
                home_links = [ln.name for ln in s.links if ln.prefix.contains(n.home)]
                if not home_links:
                    self.fail(
                        n.pos,
                        "the home address is on no declared link",
                        hint="declare its home link",
                    )
                if n.agent is not None:
                    self.node(n.pos, n.agent, (A.HomeAgent,), "home agent")
                    agent = self.nodes[n.agent]
                    if not set(agent.links) & set(home_links):
                        self.fail(
                            n.pos, f"home agent {n.agent} is not on {n.name}'s home link", n.agent
                        )
        for r in s.routes:
            self.node(r.pos, r.router, (A.Router, A.HomeAgent), "router")
            self.link(r.pos, r.via)
            router = self.nodes[r.router]
            if r.via not in router.links:
                self.fail(r.pos, f"{r.router} is not on link {r.via!r}", r.via)
        pairs: dict[frozenset[str], A.Pos] = {}
        for k in s.keys:
            self.node(k.pos, k.a)
            self.node(k.pos, k.b)
            if k.a == k.b:
                self.fail(k.pos, "a key is shared by two different nodes", k.b)
            pair = frozenset((k.a, k.b))
            if pair in pairs:
                self.fail(
                    k.pos, f"a key for {k.a} and {k.b} is already given on line {pairs[pair].line}"
                )
            pairs[pair] = k.pos
        fixed: dict[tuple[str, str], A.Pos] = {}
        for ch in s.choices:
            kinds = (A.Mobile, A.HomeAgent, A.Router)
            self.node(ch.pos, ch.node, kinds, "mobile node, home agent or router")
            if ch.name not in A.CHOICES:
                self.fail(
                    ch.pos, f"unknown choice {ch.name!r}", ch.name, f"known: {', '.join(A.CHOICES)}"
                )
            if ch.value > _MAX_ADVERT_REXMIT:
                self.fail(
                    ch.pos,
                    f"na-rexmit {ch.value} is larger than MAX_ADVERT_REXMIT ({_MAX_ADVERT_REXMIT})",
                    str(ch.value),
                )
            if (ch.node, ch.name) in fixed:
                line = fixed[(ch.node, ch.name)].line
                self.fail(ch.pos, f"choice {ch.name} of {ch.node} already given on line {line}")
            fixed[(ch.node, ch.name)] = ch.pos
        names: set[str] = set()
        for sw in s.switches:
            if sw.name not in SWITCHES:
                self.fail(
                    sw.pos,
                    f"unknown switch {sw.name!r}",
                    sw.name,
                    _suggest(sw.name, SWITCHES, "switches"),
                )
            if sw.name in names:
                self.fail(sw.pos, f"switch {sw.name!r} set twice", sw.name)
            names.add(sw.name)
            if not value_fits(sw.name, sw.value):
                self.fail(sw.pos, f"{sw.name} takes {describe(sw.name)}", sw.name)
        self.timeline()
        for e in s.expectations:
            self.expectation(e)

    def timeline(self) -> None:
        last: A.Step | None = None
        for step in self.s.timeline:
            p = step.pos
            self.limit(p, "time", step.time)
            if last is not None and step.time < last.time:
                self.fail(
                    p,
                    f"time goes backwards: {step.time} ms after {last.time} ms "
                    f"(line {last.pos.line})",
                    hint="keep the timeline in time order",
                )
            last = step
            if isinstance(step, A.Move | A.Attach | A.Detach):
                self.node(p, step.node, (A.Mobile,), "mobile node")
                self.link(p, step.link)
                if not isinstance(step, A.Detach):
                    self.heard(p, step.link)
            elif isinstance(step, A.ReturnHome):
                self.node(p, step.node, (A.Mobile,), "mobile node")
                mn = self.nodes[step.node]
                assert isinstance(mn, A.Mobile)
                for link in self.s.links:
                    if link.prefix.contains(mn.home):
                        self.heard(p, link.name)
                        break
            elif isinstance(step, A.Send):
                self.node(p, step.src)
                self.node(p, step.dst)
                if step.count < 1:
                    self.fail(p, "count must be at least 1", "count")
                self.limit(p, "count", step.count)
            elif isinstance(step, A.DropNext):
                self.link(p, step.link)
            elif isinstance(step, A.Renumber):
                self.link(p, step.link)
            elif isinstance(step, A.Inject):
                self.link(p, step.link)
                pk = step.packet
                if isinstance(pk, A.InjectBU | A.InjectBA | A.InjectBR | A.InjectReplay):
                    self.endpoint(p, pk.src)
                    self.endpoint(p, pk.dst)
                if isinstance(pk, A.InjectBU):
                    self.limit(p, "seq", pk.seq)
                    self.limit(p, "lifetime", pk.lifetime)
                    self.limit(p, "length", pk.length)
                    self.limit(p, "id_length", pk.id_length)
                elif isinstance(pk, A.InjectBA):
                    self.limit(p, "seq", pk.seq)
                    self.limit(p, "status", pk.status)
                    self.limit(p, "lifetime", pk.lifetime)
                    self.limit(p, "lifetime", pk.refresh)
                    self.limit(p, "length", pk.length)
                elif isinstance(pk, A.InjectBR):
                    self.limit(p, "length", pk.length)
                elif isinstance(pk, A.InjectReplay) and pk.msg not in (
                    A.Msg.BU,
                    A.Msg.BA,
                    A.Msg.BR,
                ):
                    self.fail(p, "only bu, ba and br can be replayed", pk.msg.value)
                elif isinstance(pk, A.InjectRaw) and len(pk.data) < 40:
                    self.fail(
                        p,
                        f"a raw packet of {len(pk.data)} octets is shorter than an IPv6 header",
                        "raw",
                    )

    def expectation(self, e: A.Expectation) -> None:
        if isinstance(e, A.ExpectProperty):
            return
        c = e.condition
        p = c.pos if c.pos != A.NOWHERE else e.pos
        self.limit(e.pos, "time", e.time)
        if isinstance(c, A.Delivered):
            self.node(p, c.src)
            self.node(p, c.dst)
        else:
            self.node(p, c.node)
        if isinstance(c, A.BulHas | A.IsHome):
            self.node(p, c.node, (A.Mobile,), "mobile node")
        if isinstance(c, A.BulHas):
            self.endpoint(p, c.dest)
        if isinstance(c, A.MsgEvent) and c.peer is not None:
            self.endpoint(p, c.peer)


def _suggest(name: str, known: Iterable[str], what: str) -> str:
    """`did you mean X?` for a near miss, else the declared names."""
    names = sorted(known)
    close = difflib.get_close_matches(name, names, n=1)
    if close:
        return f"did you mean {close[0]}?"
    return f"{what}: {', '.join(names)}" if names else f"no {what} declared"


def _is_name_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_-"


def check_scenario(scenario: A.Scenario, text: str | None = None) -> None:
    """Raise ScenarioError at the first meaningless construct; `text` sharpens the columns."""
    _Checker(scenario, text).run()
