"""mip6check command line (placeholder until the CLI room lands)."""

from __future__ import annotations


def main() -> int:
    return 2
