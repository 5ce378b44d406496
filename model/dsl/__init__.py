"""The scenario language: grammar (scenario.lark), AST, parser, printer; build.py runs a scenario."""

from __future__ import annotations

from mip6check.model.dsl.ast import Scenario
from mip6check.model.dsl.errors import ScenarioError, ScenarioSyntaxError
from mip6check.model.dsl.parse import check_scenario, parse_scenario
from mip6check.model.dsl.printer import print_scenario
from mip6check.model.dsl.switches import config_of

__all__ = [
    "Scenario",
    "ScenarioError",
    "ScenarioSyntaxError",
    "check_scenario",
    "config_of",
    "parse_scenario",
    "print_scenario",
]
