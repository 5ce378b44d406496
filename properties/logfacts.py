"""Small readers shared by the whole-log judges: the Mobile IPv6 options of a logged packet, and a
Violation cited from the spec registry."""

from __future__ import annotations

from mip6check.model.addr import Addr
from mip6check.model.codec.values import (
    BindingAck,
    BindingUpdate,
    DestOptions,
    HomeAddress,
    IPv6Packet,
)
from mip6check.properties.spec import obligation
from mip6check.properties.verdict import Violation


def violation(pid: str, node: str, time: int, message: str, step: int) -> Violation:
    """A breach of `pid` at `time` (ms), cited with the registered obligation's sections and level."""
    ob = obligation(pid)
    return Violation(
        pid, ", ".join(ob.sections), ob.level, node, message, time=time / 1000, step=step
    )


def _options(pkt: IPv6Packet) -> list[object]:
    return [o for h in pkt.headers if isinstance(h, DestOptions) for o in h.options]


def hao_of(pkt: IPv6Packet) -> Addr | None:
    """The Home Address option's address, if the packet carries one (§5.4)."""
    return next((o.home_address for o in _options(pkt) if isinstance(o, HomeAddress)), None)


def bu_of(pkt: IPv6Packet) -> tuple[BindingUpdate, Addr] | None:
    """The Binding Update of a packet and its Home Address option's address (§5.1)."""
    bu = next((o for o in _options(pkt) if isinstance(o, BindingUpdate)), None)
    home = hao_of(pkt)
    return (bu, home) if bu is not None and home is not None else None


def ba_of(pkt: IPv6Packet) -> BindingAck | None:
    """The Binding Acknowledgement a packet carries (§5.2)."""
    return next((o for o in _options(pkt) if isinstance(o, BindingAck)), None)


__all__ = ["ba_of", "bu_of", "hao_of", "violation"]
