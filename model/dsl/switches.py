"""`set NAME VALUE` lines against model.config.Config: which names exist, what values they take.

A switch name is a Config field with hyphens for underscores (`set seq-half accept`). Times are written
with a unit (`set max-update-rate 2s`), flags as on/off, enumerations by their value.
"""

from __future__ import annotations

import typing
from dataclasses import fields
from enum import Enum

from mip6check.model.codec.values import PROFILES
from mip6check.model.config import DEFAULT, Config
from mip6check.model.dsl.ast import (
    AddrValue,
    IntValue,
    OnOff,
    Scenario,
    SwitchValue,
    TimeValue,
    WordValue,
)
from mip6check.model.switches import SWITCHES as READINGS

_TIME_SUFFIXES = ("timeout", "_rate", "threshold", "interval")


def _kinds() -> dict[str, tuple[str, tuple[str, ...]]]:
    """switch name -> (kind, allowed words); kind is one of bool, int, time, addr, word. An int
    reading with a fixed set of values (`ba-min-length` 11/12, `icmp-error-mtu` 1280/576) lists them
    as its words: no other number is a reading of the draft."""
    hints = typing.get_type_hints(Config)
    fixed = {s.field: s.choices for s in READINGS if all(c.isdigit() for c in s.choices)}
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for f in fields(Config):
        t = hints[f.name]
        name = f.name.replace("_", "-")
        if f.name == "profile":
            out[name] = ("word", tuple(PROFILES))
        elif t is bool:
            out[name] = ("bool", ())
        elif isinstance(t, type) and issubclass(t, Enum):
            out[name] = ("word", tuple(str(m.value) for m in t))
        elif t is int:
            kind = "time" if f.name.endswith(_TIME_SUFFIXES) else "int"
            out[name] = (kind, fixed.get(f.name, ()) if kind == "int" else ())
        else:
            out[name] = ("addr", ())
    return out


SWITCHES: dict[str, tuple[str, tuple[str, ...]]] = _kinds()
"""Every switch a scenario may set, with its value kind and, for words, the allowed values."""


def describe(name: str) -> str:
    """What a switch expects, in words, for error messages."""
    kind, words = SWITCHES[name]
    return {
        "bool": "on or off",
        "int": "one of " + ", ".join(words) if words else "a whole number",
        "time": "a time with a unit, such as 2s or 500ms",
        "addr": "an IPv6 address",
        "word": "one of " + ", ".join(words),
    }[kind]


def value_fits(name: str, value: SwitchValue) -> bool:
    """Whether `value` has the kind switch `name` takes."""
    kind, words = SWITCHES[name]
    if kind == "bool":
        return isinstance(value, OnOff)
    if kind == "int":
        return (
            isinstance(value, IntValue)
            and value.value >= 0
            and (not words or str(value.value) in words)
        )
    if kind == "time":
        return isinstance(value, TimeValue)
    if kind == "addr":
        return isinstance(value, AddrValue)
    return isinstance(value, WordValue) and value.value in words


def config_of(scenario: Scenario, base: Config = DEFAULT) -> Config:
    """The Config a scenario's `set` lines describe (assumes the scenario passed `check`)."""
    hints = typing.get_type_hints(Config)
    changes: dict[str, object] = {}
    for sw in scenario.switches:
        attr = sw.name.replace("-", "_")
        v = sw.value
        if attr == "profile" and isinstance(v, WordValue):
            changes[attr] = PROFILES[v.value]
        elif isinstance(v, WordValue):
            enum_type = hints[attr]
            changes[attr] = enum_type(v.value)
        elif isinstance(v, OnOff | IntValue | AddrValue):
            changes[attr] = v.value
        else:
            changes[attr] = v.ms
    return base.with_switches(**changes)
