"""parse(print(ast)) == ast for every AST (principle 13): counterexamples are written this way."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mip6check.model.dsl import ast as A
from mip6check.model.dsl.parse import parse_scenario, parse_time
from mip6check.model.dsl.printer import fmt_time, print_scenario
from tests.dsl import strategies as S


@settings(max_examples=150)
@given(S.scenarios)
def test_print_then_parse_is_identity(s: A.Scenario) -> None:
    text = print_scenario(s)
    assert parse_scenario(text, check=False) == s, text


@settings(max_examples=50)
@given(S.scenarios)
def test_printing_is_canonical(s: A.Scenario) -> None:
    text = print_scenario(s)
    assert print_scenario(parse_scenario(text, check=False)) == text


@given(st.integers(0, 10**12))
def test_time_round_trip(ms: int) -> None:
    assert parse_time(fmt_time(ms)) == ms


def test_time_units() -> None:
    assert [parse_time(t) for t in ("10s", "12.5s", "500ms", "2min", "0.001s", "1.5min")] == [
        10_000,
        12_500,
        500,
        120_000,
        1,
        90_000,
    ]
    assert [fmt_time(v) for v in (0, 1, 999, 1000, 12_500, 120_000, 1_001)] == [
        "0s",
        "1ms",
        "999ms",
        "1s",
        "12.5s",
        "120s",
        "1.001s",
    ]
