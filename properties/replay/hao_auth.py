"""The Home Address option under authentication (§4.2, §5.4, §13.2) and its order against IPsec (§9.1),
judged under `--auth verify` where a key (`--sa`) applies to the packet.

An AH ICV that fails over the packet as sent is matched against the forms a sender gets wrong:

- the option's address zeroed (the option treated as mutable, so the ICV does not cover it), or the
  home address and the Source Address swapped (the ICV computed over the packet as the option's
  processing leaves it): W-HAO-AUTH-COVERED;
- the option absent and the home address as Source Address (the option added after outgoing IPsec
  processing): MN-HAO-BEFORE-IPSEC.

An ICV that fails in every form is a forgery or a wrong key: §7.2's authentication test (W-BU-NEEDS-AUTH
and the cache rules) judges that, not these rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import ClassVar

from mip6check.model.addr import fmt
from mip6check.model.codec import encode_packet
from mip6check.model.codec.options import dest_options
from mip6check.model.codec.values import (
    AH,
    DestOptions,
    ExtHeader,
    HomeAddress,
    IPv6Packet,
    Pad1,
    PadN,
)
from mip6check.properties.replay.base import ObserverBase
from mip6check.properties.replay.facts import PacketFacts
from mip6check.properties.replay.sa import SecurityAssociation, verify_ah


def _with_hao(pkt: IPv6Packet, edit: Callable[[HomeAddress], HomeAddress | None]) -> IPv6Packet:
    """`pkt` with its (first) Home Address option edited in place (padding kept, so the octets stay
    where they were), or removed when `edit` returns None (its Destination Options header re-padded,
    or dropped when nothing else is left in it)."""
    hs: list[ExtHeader] = []
    done = False
    for h in pkt.headers:
        if done or type(h) is not DestOptions:
            hs.append(h)
            continue
        hao = next((o for o in h.options if type(o) is HomeAddress), None)
        if hao is None:
            hs.append(h)
            continue
        done = True
        new = edit(hao)
        if new is not None:
            hs.append(DestOptions(tuple(new if o is hao else o for o in h.options)))
            continue
        kept = [o for o in h.options if o is not hao and not isinstance(o, Pad1 | PadN)]
        if kept:
            hs.append(dest_options(*kept))
    return replace(pkt, headers=tuple(hs))


def uncovered_form(pkt: IPv6Packet, ah: AH, sa: SecurityAssociation) -> str | None:
    """Which wrong form the AH ICV of `pkt` verifies over (its ICV failed as sent): "mutable",
    "swapped", "after-ipsec", or None when it verifies over none of them."""
    hao = next(
        (
            o
            for h in pkt.headers
            if type(h) is DestOptions
            for o in h.options
            if type(o) is HomeAddress
        ),
        None,
    )
    if hao is None:
        return None
    home, coa = hao.home_address, pkt.src
    forms = (
        ("mutable", _with_hao(pkt, lambda o: replace(o, home_address=bytes(16)))),
        ("swapped", replace(_with_hao(pkt, lambda o: replace(o, home_address=coa)), src=home)),
        ("after-ipsec", replace(_with_hao(pkt, lambda o: None), src=home)),
    )
    for name, alt in forms:
        if verify_ah(alt, ah, sa, encode_packet):
            return name
    return None


class HaoAuthentication(ObserverBase):
    """W-HAO-AUTH-COVERED, MN-HAO-BEFORE-IPSEC, judged at each outermost packet with AH and a HAO."""

    JUDGES: ClassVar[tuple[str, ...]] = ("W-HAO-AUTH-COVERED", "MN-HAO-BEFORE-IPSEC")
    """The catalog rows this family's judges flag (checked.py declares their union to the spec)."""

    def _hao_auth(self, pkt: IPv6Packet, f: PacketFacts, auth: bool) -> None:
        """Called for an outermost packet: only an AH covers the IPv6 header (ESP does not)."""
        hao = f.hao
        if auth or hao is None or not self.keys.icv:
            return
        ah = next((h for h in pkt.headers if type(h) is AH), None)
        sa = self.keys.association(pkt) if ah is not None else None
        if ah is None or sa is None:
            return
        form = uncovered_form(pkt, ah, sa)
        home = hao.home_address
        if form == "after-ipsec":
            self._flag(
                "MN-HAO-BEFORE-IPSEC",
                home,
                f"the AH ICV fails over the packet as sent but verifies over it without the Home "
                f"Address option and with {fmt(home)} as Source Address: the option was added after "
                "outgoing IPsec processing",
            )
        elif form is not None:
            how = (
                "with the option's address zeroed (the option treated as mutable)"
                if form == "mutable"
                else f"with {fmt(home)} as Source Address and {fmt(f.src)} in the option (the packet "
                "as the option's processing leaves it)"
            )
            self._flag(
                "W-HAO-AUTH-COVERED",
                home,
                f"the AH ICV covers the IPv6 header but not the Home Address option as sent: it "
                f"fails over the packet as sent and verifies {how}",
            )


__all__ = ["HaoAuthentication", "uncovered_form"]
