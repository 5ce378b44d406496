"""§8: the home agent's obligations and its tests on a Binding Update with the H bit set.

§8.2 (registration) runs three tests in order: 132, 133, 136. §8.3 (de-registration) runs only the
first two, 132 and 133, and then the home agent MUST delete any existing entry. §8.1: a home
registration sent to the Home-Agents anycast address is rejected with 135 before either.
"""

from __future__ import annotations

from dataclasses import dataclass

from mip6check.model.config import Config
from mip6check.properties.spec.logic import Logic, Term
from mip6check.properties.spec.registry import Bound, Observes, register
from mip6check.properties.spec.wire import Status


@dataclass(frozen=True, slots=True)
class HomeAgentView:
    """What the receiver of an H Binding Update is, as the §8.1-§8.3 tests ask it: the Binding Update
    came to the anycast address; the node implements the home-agent function; the home address is
    on-link for its Prefix List; the ID Length field and the node's own interface-identifier length."""

    to_anycast: Term
    is_home_agent: Term
    home_on_link: Term
    id_length: Term
    ha_id_length: Term


HA_ANYCAST_IID = bytes.fromhex("fdfffffffffffffe")  # RFC 2526: anycast ID 0x7e on a 64-bit prefix


def to_ha_anycast(destination: bytes, cfg: Config) -> bool:
    """§8.1: `destination` is the Home-Agents anycast address (the `ha_anycast` switch, else the
    RFC 2526 form <prefix>:fdff:ffff:ffff:fffe)."""
    if cfg.ha_anycast is not None:
        return destination == cfg.ha_anycast
    return len(destination) == 16 and destination[8:] == HA_ANYCAST_IID


def registration_status(L: Logic, v: HomeAgentView) -> Term:
    """§8.1, §8.2: the Status an H registration is rejected with, 0 when it passes every test."""
    return L.ite(
        v.to_anycast,
        int(Status.DHAAD_RESPONSE),
        L.ite(
            L.not_(v.is_home_agent),
            int(Status.HOME_REG_NOT_SUPPORTED),
            L.ite(
                L.not_(v.home_on_link),
                int(Status.NOT_HOME_SUBNET),
                L.ite(
                    L.and_(v.id_length != 0, v.id_length != v.ha_id_length),
                    int(Status.BAD_ID_LENGTH),
                    int(Status.ACCEPTED),
                ),
            ),
        ),
    )


def deregistration_status(L: Logic, v: HomeAgentView) -> Term:
    """§8.1, §8.3: the Status an H de-registration is rejected with: only the 132 and 133 tests (no ID
    Length test), 0 when it passes them and the entry MUST then be deleted."""
    return L.ite(
        v.to_anycast,
        int(Status.DHAAD_RESPONSE),
        L.ite(
            L.not_(v.is_home_agent),
            int(Status.HOME_REG_NOT_SUPPORTED),
            L.ite(L.not_(v.home_on_link), int(Status.NOT_HOME_SUBNET), int(Status.ACCEPTED)),
        ),
    )


def accepts(L: Logic, v: HomeAgentView, deletion: Term) -> Term:
    """§8.2 or §8.3, by what the Binding Update asks: the home agent does not reject it."""
    return L.ite(deletion, deregistration_status(L, v) == 0, registration_status(L, v) == 0)


for _pid in (
    "HA-NOT-HA-132",
    "HA-NOT-HOME-133",
    "HA-IDLEN-136",
    "HA-DHAAD-135",
    "HA-NO-RH-FOR-INTERCEPTED",
    "HA-LOCAL-SCOPE-DROP",
    "HA-RA-TUNNEL",
):
    register(_pid, Observes.PACKET)
register("HA-HOMEREG-MARK", Observes.STATE)
register("HA-DEREG", Observes.STATE)
register(
    "HA-GRATUITOUS-NA",
    Observes.ABSENCE,
    Bound("nd_window", "§8.2: MUST multicast a Neighbor Advertisement; within one RetransTimer"),
)
register(
    "HA-PROXY-NS",
    Observes.ABSENCE,
    Bound("nd_window", "§8.2: MUST reply to the Neighbor Solicitation; within one RetransTimer"),
)
register(
    "HA-TUNNEL",
    Observes.ABSENCE,
    Bound("forward_window", "§8.4: MUST tunnel each intercepted packet; the draft gives no time"),
)

__all__ = [
    "HA_ANYCAST_IID",
    "HomeAgentView",
    "to_ha_anycast",
    "accepts",
    "deregistration_status",
    "registration_status",
]
