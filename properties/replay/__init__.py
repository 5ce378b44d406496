"""Observer-mode replay of captures against the property catalog (`mip6check replay`).

`replay_file(path, ReplayOptions(...)) -> ReplayReport`; `render_text(report)` is the human report.
"""

from __future__ import annotations

from mip6check.properties.replay.engine import ReplayReport, replay_file
from mip6check.properties.replay.options import (
    HomeAgentSpec,
    Limits,
    ReplayOptions,
    Topology,
    TopologyError,
    load_topology,
)
from mip6check.properties.replay.render import render_text
from mip6check.properties.replay.sa import SAError, SecurityAssociation, load_sa

__all__ = [
    "HomeAgentSpec",
    "Limits",
    "ReplayOptions",
    "ReplayReport",
    "SAError",
    "SecurityAssociation",
    "Topology",
    "TopologyError",
    "load_sa",
    "load_topology",
    "render_text",
    "replay_file",
]
