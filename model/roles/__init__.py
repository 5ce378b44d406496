"""Sans-I/O protocol participants (§7-§10): the decision kernel, the IPv6 node (node.py) and the
mobility roles it hosts through hooks.Mobility. Facade of the mobility roles' public names."""

from __future__ import annotations

from mip6check.model.roles.binding_cache import BindingCache
from mip6check.model.roles.binding_update_list import BindingUpdateList
from mip6check.model.roles.choices import DEFAULT_CHOICES, Choices
from mip6check.model.roles.correspondent import Correspondent
from mip6check.model.roles.home_agent import HomeAgent
from mip6check.model.roles.mobile_node import MobileNode
from mip6check.model.roles.previous_router import PreviousRouter
from mip6check.model.roles.timers import TimerSet

__all__ = [
    "DEFAULT_CHOICES",
    "BindingCache",
    "BindingUpdateList",
    "Choices",
    "Correspondent",
    "HomeAgent",
    "MobileNode",
    "PreviousRouter",
    "TimerSet",
]
