"""Differential replay (`mip6check replay CAPTURE --model ROLE|ADDRESS`): the model plays a captured
node in the forwarding engine, fed the other nodes' captured packets, and what it sends is compared
field by field with what the node sent, each divergence judged on both sides by the spec."""

from __future__ import annotations

from mip6check.properties.differential.replay import (
    BOTH_ALLOWED,
    BOTH_WRONG,
    IMPLEMENTATION_WRONG,
    MODEL_WRONG,
    UNDECIDED,
    DiffReport,
    Divergence,
    Side,
    differential_replay,
)
from mip6check.properties.differential.subjects import ROLES, SelectionError

__all__ = [
    "BOTH_ALLOWED",
    "BOTH_WRONG",
    "IMPLEMENTATION_WRONG",
    "MODEL_WRONG",
    "ROLES",
    "UNDECIDED",
    "DiffReport",
    "Divergence",
    "SelectionError",
    "Side",
    "differential_replay",
]
