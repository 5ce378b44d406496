"""Command-line options for every ambiguity switch (model/switches.py), shared by all subcommands."""

from __future__ import annotations

import argparse
import ipaddress

from model.codec.values import PROFILES
from model.config import DEFAULT, AuthMode, BuCLength, Config, RateScope, SeqHalf
from model.switches import SWITCHES


def _ipv6_address(text: str) -> str:
    """argparse type: an IPv6 address (a bad one is a usage error, one line, exit 2)."""
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an IPv6 address") from None
    return text


def add_switch_arguments(p: argparse.ArgumentParser, *, profile: bool = True) -> None:
    """Add one option per reading of the draft (--seq-half, --ba-min-length, ...)."""
    g = p.add_argument_group("readings of the draft (see README: ambiguity switches)")
    for s in SWITCHES:
        if s.field == "profile" and not profile:
            continue
        if s.choices == ("",):
            g.add_argument(s.flag, action="store_true", help=s.reading)
        elif s.choices == ("ADDRESS",):
            g.add_argument(s.flag, metavar="ADDRESS", type=_ipv6_address, help=s.reading)
        elif s.choices in (("MS",), ("N",)):
            g.add_argument(
                s.flag, type=int, metavar=s.choices[0], default=int(s.default), help=s.reading
            )
        elif s.field == "ba_min_length":
            g.add_argument(s.flag, type=int, choices=(11, 12), default=11, help=s.reading)
        else:
            g.add_argument(s.flag, choices=s.choices, default=s.default, help=s.reading)


def config_from_args(args: argparse.Namespace) -> Config:
    """The Config the options select; argparse already validated the choices."""
    anycast = getattr(args, "ha_anycast", None)
    return Config(
        profile=PROFILES[getattr(args, "profile", "draft04") or "draft04"],
        seq_half=SeqHalf(getattr(args, "seq_half", "reject")),
        seq_equal_ack=bool(getattr(args, "seq_equal_ack", False)),
        ba_min_length=int(getattr(args, "ba_min_length", 11)),
        bu_c_length=BuCLength(getattr(args, "bu_c_length", "layout")),
        rate_scope=RateScope(getattr(args, "rate_scope", "destination")),
        ha_anycast=ipaddress.IPv6Address(anycast).packed if anycast else DEFAULT.ha_anycast,
        auth=AuthMode(getattr(args, "auth", "presence")),
        rh_strict_hop_limit=bool(getattr(args, "rh_strict_hop_limit", False)),
        br_threshold=int(getattr(args, "br_threshold", DEFAULT.br_threshold)),
        br_min_interval=int(getattr(args, "br_min_interval", DEFAULT.br_min_interval)),
        unreach_persist=int(getattr(args, "unreach_persist", DEFAULT.unreach_persist)),
    )


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
