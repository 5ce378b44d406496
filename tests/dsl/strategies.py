"""Hypothesis strategies for scenario ASTs (st.builds over the dataclasses of model.dsl.ast)."""

from __future__ import annotations

from hypothesis import strategies as st

from mip6check.model.addr import Prefix
from mip6check.model.dsl import ast as A
from mip6check.model.dsl.parse import RESERVED, lark_parser

KEYWORDS = sorted(
    {str(t.pattern.value) for t in lark_parser().terminals if t.pattern.type == "str"}
)
"""Every literal word of the grammar: names may collide with them, and must still round-trip."""

_name_re = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}(-[A-Za-z0-9_]{1,3}){0,2}", fullmatch=True)
names = st.one_of(
    _name_re, st.sampled_from([k for k in KEYWORDS if k[0].isalpha() or k[0] == "_"])
).filter(lambda n: n not in RESERVED)
addrs = st.binary(min_size=16, max_size=16)
ms = st.integers(0, 10**9)
u8 = st.integers(0, 255)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
small = st.integers(0, 10**6)
opt = st.none
probs = st.floats(0.0, 1.0, allow_nan=False)
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


@st.composite
def prefixes(draw: st.DrawFn) -> Prefix:
    length = draw(st.integers(0, 128))
    raw = int.from_bytes(draw(addrs), "big")
    mask = ((1 << length) - 1) << (128 - length) if length else 0
    return Prefix((raw & mask).to_bytes(16, "big"), length)


endpoints = st.one_of(names, addrs)
link_lists = st.lists(names, min_size=1, max_size=3).map(tuple)

links = st.builds(A.Link, names, prefixes(), ms, probs, probs, ms, st.booleans())
nodes = st.one_of(
    st.builds(A.Router, names, link_lists),
    st.builds(A.HomeAgent, names, link_lists, opt() | st.integers(0, 128), opt() | small),
    st.builds(A.Correspondent, names, link_lists, st.booleans(), opt() | small),
    st.builds(A.Mobile, names, addrs, opt() | names, link_lists),
    st.builds(A.Attacker, names, link_lists),
)
routes = st.builds(A.Route, names, prefixes(), names, opt() | addrs)
keys = st.builds(A.Key, names, names, text)
word_values = st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True).filter(
    lambda w: w not in ("on", "off")
)
switch_values = st.one_of(
    st.builds(A.OnOff, st.booleans()),
    st.builds(A.IntValue, small),
    st.builds(A.TimeValue, ms),
    st.builds(A.AddrValue, addrs),
    st.builds(A.WordValue, word_values),
)
switches = st.builds(A.Switch, _name_re, switch_values)

packets = st.one_of(
    st.builds(
        A.InjectBU,
        endpoints,
        endpoints,
        addrs,
        u16,
        u32,
        opt() | addrs,
        st.booleans(),
        st.booleans(),
        opt() | u8,
        opt() | u8,
        opt() | text,
        st.booleans(),
        st.booleans(),
    ),
    st.builds(
        A.InjectBA,
        endpoints,
        endpoints,
        u8,
        u16,
        u32,
        opt() | u32,
        opt() | u8,
        opt() | text,
        st.booleans(),
    ),
    st.builds(A.InjectBR, endpoints, endpoints, opt() | u8, opt() | text, st.booleans()),
    st.builds(A.InjectRaw, st.binary(max_size=80)),
    st.builds(A.InjectReplay, st.sampled_from(A.Msg), endpoints, endpoints),
)
steps = st.one_of(
    st.builds(A.Move, ms, names, names),
    st.builds(A.ReturnHome, ms, names),
    st.builds(A.Attach, ms, names, names),
    st.builds(A.Detach, ms, names, names),
    st.builds(A.Send, ms, names, names, st.integers(1, 100), opt() | ms, opt() | small),
    st.builds(A.DropNext, ms, small, names),
    st.builds(A.Renumber, ms, names, prefixes()),
    st.builds(A.Inject, ms, names, packets),
    st.builds(A.RunUntil, ms),
)
conditions = st.one_of(
    st.builds(A.CacheHas, names, addrs, opt() | addrs, st.booleans()),
    st.builds(A.CacheLacks, names, addrs),
    st.builds(A.CacheSize, names, small),
    st.builds(A.BulHas, names, endpoints, st.booleans()),
    st.builds(A.IsHome, names, st.booleans()),
    st.builds(
        A.Delivered, names, names, opt() | small, opt() | st.sampled_from(A.Via), opt() | small
    ),
    st.builds(
        A.MsgEvent,
        names,
        st.sampled_from(A.Verb),
        st.sampled_from(A.Msg),
        opt() | endpoints,
        opt() | u16,
        opt() | u32,
        opt() | u8,
        opt() | u8,
        opt() | addrs,
        opt() | addrs,
        opt() | small,
    ),
    st.builds(A.DroppedAt, names, opt() | text),
    st.builds(A.Noted, names, names),
)
property_ids = st.from_regex(r"[A-Z][A-Z0-9]{0,4}(-[A-Z0-9]{1,5}){1,3}", fullmatch=True)


@st.composite
def expectations(draw: st.DrawFn) -> A.Expectation:
    if draw(st.integers(0, 5)) == 0:
        return A.ExpectProperty(draw(property_ids), draw(st.booleans()))
    when = draw(st.sampled_from(A.When))
    time = None if when is A.When.NEVER else draw(ms)
    return A.Expect(when, time, draw(conditions))


scenarios = st.builds(
    A.Scenario,
    st.lists(links, max_size=3).map(tuple),
    st.lists(nodes, max_size=4).map(tuple),
    st.lists(routes, max_size=2).map(tuple),
    st.lists(keys, max_size=2).map(tuple),
    st.lists(switches, max_size=3).map(tuple),
    opt() | st.integers(0, 2**64),
    st.lists(steps, max_size=5).map(tuple),
    st.lists(expectations(), max_size=5).map(tuple),
)
