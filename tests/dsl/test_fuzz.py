"""The parser against generated input: grammar-generated text always parses; junk only ever raises
ScenarioSyntaxError or ScenarioError (any other exception is a bug, principle 5)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark

from mip6check.model.dsl import ast as A
from mip6check.model.dsl.errors import ScenarioError, ScenarioSyntaxError
from mip6check.model.dsl.parse import RESERVED, lark_parser, parse_scenario
from mip6check.model.dsl.printer import print_scenario
from tests.dsl import strategies as S

_ASCII = st.characters(codec="ascii", exclude_characters="\n")


def _padded(pattern: str) -> st.SearchStrategy[str]:
    return st.from_regex(pattern, fullmatch=True, alphabet=_ASCII).map(lambda s: f" {s} ")


def _explicit() -> dict[str, st.SearchStrategy[str]]:
    """Every terminal drawn from its own regex with a space either side (from_lark would otherwise glue
    keywords to names); names avoid the reserved words; line breaks are a plain newline."""
    out: dict[str, st.SearchStrategy[str]] = {}
    for t in lark_parser().terminals:
        if t.name in ("WS",):
            continue
        if t.name == "_NL":
            out[t.name] = st.sampled_from(["\n", " # note\n"])
        elif t.name == "NAME":
            out[t.name] = _padded(t.pattern.to_regexp()).filter(lambda s: s.strip() not in RESERVED)
        else:
            out[t.name] = _padded(t.pattern.to_regexp())
    return out


SCENARIO_TEXT = from_lark(lark_parser(), explicit=_explicit())

_VALUE_ERRORS = (
    "not an IPv6",
    "odd number of hex digits",
    "whole number of milliseconds",
    "given twice",
)


@settings(
    max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(SCENARIO_TEXT)
def test_grammar_generated_text_parses(text: str) -> None:
    """No lexer/parser disagreement: what the grammar generates is never a syntax error. Values the
    grammar cannot constrain (address and hex shapes) may still be ScenarioErrors."""
    try:
        s = parse_scenario(text, check=False)
    except ScenarioSyntaxError as e:  # pragma: no cover - the failure being tested for
        pytest.fail(f"generated text failed to parse: {e}\n{e.context(text)}")
    except ScenarioError as e:
        assert any(m in e.message for m in _VALUE_ERRORS), e
        return
    assert parse_scenario(print_scenario(s), check=False) == s


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_random_text_raises_only_scenario_errors(text: str) -> None:
    try:
        parse_scenario(text)
    except ScenarioError as e:
        assert e.line >= 1 and e.column >= 1
        assert "^" in e.context(text)


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_scenario_errors(data: bytes) -> None:
    try:
        parse_scenario(data.decode("latin-1"))
    except ScenarioError:
        pass


@settings(max_examples=100)
@given(S.scenarios, st.data())
def test_mutated_scenarios_raise_only_scenario_errors(s: A.Scenario, data: st.DataObject) -> None:
    """Valid text with one character deleted, duplicated or replaced: parse or a positioned error."""
    text = print_scenario(s)
    i = data.draw(st.integers(0, max(len(text) - 1, 0)))
    op = data.draw(st.sampled_from(["del", "dup", "sub"]))
    c = data.draw(st.sampled_from(list(' :->,#"0aZ\n/.')))
    mutated = {
        "del": text[:i] + text[i + 1 :],
        "dup": text[: i + 1] + text[i:],
        "sub": text[:i] + c + text[i + 1 :],
    }[op]
    try:
        parse_scenario(mutated)
    except ScenarioError as e:
        assert e.line >= 1 and e.column >= 1


@pytest.mark.slow
@settings(max_examples=3000, suppress_health_check=list(HealthCheck), deadline=None)
@given(SCENARIO_TEXT)
def test_soak_grammar_generated_text_parses(text: str) -> None:
    test_grammar_generated_text_parses.hypothesis.inner_test(text)  # type: ignore[attr-defined]


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(S.scenarios)
def test_soak_round_trip(s: A.Scenario) -> None:
    assert parse_scenario(print_scenario(s), check=False) == s
