"""Command-line options for every ambiguity switch (model/switches.py), shared by all subcommands."""

from __future__ import annotations

import argparse
import ipaddress
from collections.abc import Callable
from dataclasses import replace

from mip6check.model.codec.values import PROFILES
from mip6check.model.config import DEFAULT, Config
from mip6check.model.switches import SWITCHES, Switch


def _ipv6_address(text: str) -> str:
    """argparse type: an IPv6 address (a bad one is a usage error, one line, exit 2)."""
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an IPv6 address") from None
    return text


def _at_least(low: int, unit: str) -> Callable[[str], int]:
    """argparse type: a whole number >= `low` (a negative time or a limit of no errors is a usage
    error, one line, exit 2)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{text!r}: {unit} must be at least {low}")
        return value

    return parse


def add_switch_arguments(p: argparse.ArgumentParser, *, profile: bool = True) -> None:
    """Add one option per reading of the draft (--seq-half, --ba-min-length, ...)."""
    g = p.add_argument_group("readings of the draft (see README: ambiguity switches)")
    for s in SWITCHES:
        if s.field == "profile" and not profile:
            continue
        text = switch_help(s)
        if s.choices == ("",):
            g.add_argument(s.flag, action="store_true", help=text)
        elif s.choices == ("ADDRESS",):
            g.add_argument(s.flag, metavar="ADDRESS", type=_ipv6_address, help=text)
        elif s.choices in (("MS",), ("N",)):
            kind = _at_least(0, "milliseconds") if s.choices == ("MS",) else _at_least(1, "a count")
            g.add_argument(
                s.flag, type=kind, metavar=s.choices[0], default=int(s.default), help=text
            )
        elif all(c.isdigit() for c in s.choices):  # a number from a fixed set (--ba-min-length)
            g.add_argument(
                s.flag,
                type=int,
                choices=tuple(int(c) for c in s.choices),
                default=int(s.default),
                help=text,
            )
        else:
            g.add_argument(s.flag, choices=s.choices, default=s.default, help=text)


def switch_help(s: Switch) -> str:
    """An option's help: the default reading, then the draft sections it reads and the defect of
    wire-formats.md §5 it settles (argparse's % escaped)."""
    return f"{s.reading} [draft {s.where}; {s.defect}]".replace("%", "%%")


def config_from_args(args: argparse.Namespace) -> Config:
    """The Config the options select, one field per row of SWITCHES (argparse validated the values);
    an option a command did not add keeps the default."""
    changes: dict[str, object] = {}
    for sw in SWITCHES:
        value = getattr(args, sw.field, None)
        if value is None:
            continue
        default = getattr(DEFAULT, sw.field)
        if sw.field == "profile":
            changes[sw.field] = PROFILES[value]
        elif sw.field == "ha_anycast":
            changes[sw.field] = ipaddress.IPv6Address(value).packed
        else:  # enums from their value, bool flags, integers
            changes[sw.field] = type(default)(value)
    return replace(DEFAULT, **changes)  # type: ignore[arg-type]


def switch_table() -> str:
    """The README's table of ambiguity switches, generated so code and documentation cannot drift."""
    rows = [
        "| switch | default | alternatives | draft | defect (wire-formats.md) | default reading |",
        "|---|---|---|---|---|---|",
    ]
    for s in SWITCHES:
        alts = ", ".join(c for c in s.choices if c and c != s.default) or "on"
        if s.choices in (("MS",), ("N",)):
            alts = "any " + ("milliseconds" if s.choices == ("MS",) else "count")
        rows.append(f"| `{s.flag}` | {s.default} | {alts} | {s.where} | {s.defect} | {s.reading} |")
    return "\n".join(rows)
