"""§4.1, §8.4, §9.4-§9.6 whole-system obligations, and the rows about the draft's own text (SPEC)."""

from __future__ import annotations

from mip6check.properties.catalog import Group, ids
from mip6check.properties.spec.registry import Bound, Observes, register

register(
    "SYS-DELIVERY",
    Observes.ABSENCE,
    Bound("delivery_deadline", "§4.1, §8.4: reaches the mobile node; the draft gives no time"),
)
register("SYS-NO-LOOP", Observes.INVARIANT)
register(
    "SYS-CONVERGE",
    Observes.ABSENCE,
    Bound(
        "max_bindack_timeout", "§9.4, §9.5: after the last movement, once retransmission settles"
    ),
)
for _pid in ids(Group.SPEC):  # every SPEC row is about the draft's text, by definition
    register(_pid, Observes.TEXT)
