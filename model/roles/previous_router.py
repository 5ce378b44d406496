"""Previous default router (§9.6): a router that serves as a temporary home agent for a mobile node's
old care-of address. "All of the procedures defined for home agent operation" apply (§8.2-§8.4); the
home address of such a registration is the old care-of address, on-link for this router.
"""

from __future__ import annotations

from mip6check.model.config import Config
from mip6check.model.roles.choices import DEFAULT_CHOICES, Choices
from mip6check.model.roles.home_agent import HomeAgent


class PreviousRouter(HomeAgent):
    """A home agent without Home-Agents anycast service (it is not a home link's home agent, §8.1)."""

    section = "9.6"

    def __init__(
        self,
        name: str,
        config: Config,
        *,
        iid_length: int = 64,
        capacity: int = 64,
        choices: Choices = DEFAULT_CHOICES,
    ) -> None:
        super().__init__(
            name, config, serving=(), iid_length=iid_length, capacity=capacity, choices=choices
        )
