"""§6: every mobile node decapsulates IPv6-in-IPv6 (MN-DECAP). §7.8: a tunnel entry point (the home
agent, §8.4; a previous default router, §9.6) relays the ICMP errors a tunnelled packet causes to that
packet's original sender, as IPv6 encapsulation (RFC 2473 §8) defines. Both judged by
properties/replay/tunnel_errors.py."""

from __future__ import annotations

from mip6check.properties.spec.registry import Bound, Observes, register

register(
    "BC-TUNNEL-ICMP-RELAY",
    Observes.ABSENCE,
    Bound("answer_timeout", "§7.8, RFC 2473 §8: the error MUST be relayed; no time is given"),
)
register("MN-DECAP", Observes.PACKET)
