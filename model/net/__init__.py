"""The forwarding engine: deterministic scheduler, links, topology, capture and the event log."""

from __future__ import annotations

from mip6check.model.net.capture import Capture
from mip6check.model.net.links import Attachment, Link
from mip6check.model.net.log import EventLog, Kind, LogRecord, NodeCounts
from mip6check.model.net.sim import Scheduler
from mip6check.model.net.topology import Network

__all__ = [
    "Attachment",
    "Capture",
    "EventLog",
    "Kind",
    "Link",
    "LogRecord",
    "Network",
    "NodeCounts",
    "Scheduler",
]
