"""From a capture to a trace the engine runs: a scenario derived from a pcap (`derive`)."""

from __future__ import annotations

from mip6check.properties.derive.scenario import Derived, derive, render

__all__ = ["Derived", "derive", "render"]
