"""The forwarding engine: deterministic scheduler, links, topology, capture and the event log (issue 4)."""

from __future__ import annotations

from model.net.capture import Capture
from model.net.links import Attachment, Link
from model.net.log import EventLog, Kind, LogRecord, NodeCounts
from model.net.sim import Scheduler
from model.net.topology import Network

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
