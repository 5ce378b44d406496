"""Every ambiguity switch is a command-line option that reaches Config, and the README shows the table."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from mip6check.cli.switches import add_switch_arguments, config_from_args, switch_table
from mip6check.model.config import DEFAULT, AuthMode, BuCLength, RateScope, SeqHalf
from mip6check.model.switches import SWITCHES

ROOT = Path(__file__).resolve().parents[2]


def parse(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    add_switch_arguments(p)
    return p.parse_args(list(argv))


def test_defaults_are_the_default_config() -> None:
    assert config_from_args(parse()) == DEFAULT


def test_each_switch_reaches_config() -> None:
    cfg = config_from_args(
        parse(
            "--profile",
            "draft08",
            "--seq-half",
            "accept",
            "--seq-equal-ack",
            "--ba-min-length",
            "12",
            "--bu-c-length",
            "literal",
            "--rate-scope",
            "aggregate",
            "--ha-anycast",
            "2001:db8::fe",
            "--auth",
            "verify",
            "--rh-strict-hop-limit",
            "--br-threshold",
            "5000",
            "--br-min-interval",
            "20000",
            "--unreach-persist",
            "2",
        )
    )
    assert (cfg.br_threshold, cfg.br_min_interval, cfg.unreach_persist) == (5000, 20000, 2)
    assert cfg.profile.bu == 198 and cfg.seq_half is SeqHalf.ACCEPT and cfg.seq_equal_ack
    assert cfg.ba_min_length == 12 and cfg.bu_c_length is BuCLength.LITERAL
    assert cfg.rate_scope is RateScope.AGGREGATE and cfg.auth is AuthMode.VERIFY
    assert cfg.rh_strict_hop_limit
    assert cfg.ha_anycast == bytes.fromhex("20010db8" + "00" * 11 + "fe")


def test_bad_value_is_rejected() -> None:
    with pytest.raises(SystemExit):
        parse("--seq-half", "maybe")


@pytest.mark.parametrize(
    "argv",
    [
        ("--icmp-error-limit", "-1"),  # once accepted: the clean model then sent no error at all
        ("--icmp-error-limit", "0"),
        ("--unreach-persist", "0"),
        ("--br-threshold", "-5"),
        ("--br-min-interval", "ten"),
    ],
)
def test_numeric_switches_reject_values_no_reading_has(
    argv: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as e:
        parse(*argv)
    assert e.value.code == 2
    assert argv[1] in capsys.readouterr().err


def test_numeric_switches_take_their_lowest_value() -> None:
    assert config_from_args(parse("--br-threshold", "0")).br_threshold == 0
    assert config_from_args(parse("--icmp-error-limit", "1")).icmp_error_limit == 1


def test_every_switch_is_a_config_field() -> None:
    fields = set(DEFAULT.switch_names())
    assert {s.field for s in SWITCHES} <= fields


def test_readme_carries_the_generated_table() -> None:
    readme = ROOT / "README.md"
    if not readme.exists():
        pytest.skip("README not written yet")
    assert switch_table() in readme.read_text(), (
        "README's switch table is stale: paste cli.switches.switch_table()"
    )


def test_numeric_switch_defaults_match_config() -> None:
    for s in SWITCHES:
        if s.choices in (("MS",), ("N",)):
            assert str(getattr(DEFAULT, s.field)) == s.default, s.field


def test_help_cites_the_draft_sections_and_defect() -> None:
    p = argparse.ArgumentParser()
    add_switch_arguments(p)
    text = " ".join(p.format_help().split())
    for s in SWITCHES:
        assert s.where.startswith("§") or "§" in s.where, s.flag
        assert f"[draft {s.where}; {s.defect}]" in text, s.flag
