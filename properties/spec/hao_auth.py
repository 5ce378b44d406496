"""§4.2, §5.4, §13.2: when authentication covers a packet's IPv6 header it covers the Home Address
option too; §9.1: the option is added before outgoing IPsec processing. Judged where a key applies
(`--auth verify`): properties/replay/hao_auth.py matches a failing AH ICV against the wrong forms."""

from __future__ import annotations

from mip6check.properties.spec.registry import Observes, register

register("W-HAO-AUTH-COVERED", Observes.PACKET)
register("MN-HAO-BEFORE-IPSEC", Observes.PACKET)
