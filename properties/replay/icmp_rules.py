"""What RFC 2463 §2.4 asks of every node that originates ICMPv6 errors, which the draft's error paths
(§7.8, §9.9, the IPV6-* rows) rest on. IPV6-NO-ERROR-ON-ERROR (§2.4 (e.1)): no error about an ICMPv6
error. IPV6-ICMP-ERROR-SIZE (§2.4 (c)): no error exceeds the minimum IPv6 MTU, counted whole as it is
on the wire (its own extension headers too); the MTU is the run's reading, `--icmp-error-mtu` (1280,
or 576 as in RFC 1883/1885; C21). IPV6-ICMP-RATE (§2.4 (f)): a node limits the rate of its errors; the RFC asks for a
configurable limit and fixes no number, so the limit is the switch `--icmp-error-limit` (errors in any
second, default 100; the same bound that excuses a missing error elsewhere)."""

from __future__ import annotations

from collections import deque
from typing import ClassVar

from mip6check.model.addr import Addr
from mip6check.model.codec import encode_packet
from mip6check.model.codec.values import (
    DestUnreachable,
    ICMPv6Other,
    IPv6Packet,
    PacketTooBig,
    ParamProblem,
    TimeExceeded,
)
from mip6check.properties.replay.base import ObserverBase
from mip6check.properties.replay.facts import PacketFacts
from mip6check.properties.replay.options import ReplayOptions
from mip6check.properties.replay.sa import KeyRing
from mip6check.properties.spec.ipv6 import carries_icmp_error, error_size_fault

ERRORS = (DestUnreachable, PacketTooBig, TimeExceeded, ParamProblem)
WINDOW_MS = 1_000


def is_icmp_error(up: object) -> bool:
    """An ICMPv6 error message (type below 128, RFC 2463 §2.1)."""
    return isinstance(up, ERRORS) or (isinstance(up, ICMPv6Other) and up.icmp_type < 128)


class IcmpRules(ObserverBase):
    """IPV6-NO-ERROR-ON-ERROR, IPV6-ICMP-ERROR-SIZE and IPV6-ICMP-RATE, judged at each ICMPv6 error
    a node sends."""

    JUDGES: ClassVar[tuple[str, ...]] = (
        "IPV6-NO-ERROR-ON-ERROR",
        "IPV6-ICMP-ERROR-SIZE",
        "IPV6-ICMP-RATE",
    )
    """The catalog rows this family's judges flag (checked.py declares their union to the spec)."""
    COUNTS: ClassVar[tuple[str, ...]] = (
        "IPV6-NO-ERROR-ON-ERROR",
        "IPV6-ICMP-ERROR-SIZE",
        "IPV6-ICMP-RATE",
    )
    """Counted: each ICMPv6 error judged (no error about an error; its size); each second in which a
    node sent `icmp_error_limit` errors, i.e. ran into the limit (a rate never approached tests none)."""

    def __init__(self, opts: ReplayOptions, keys: KeyRing | None = None) -> None:
        super().__init__(opts, keys)
        self._burst = self.cfg.icmp_error_limit  # --icmp-error-limit
        self._sent: dict[Addr, deque[int]] = {}  # node -> times (ms) of its last errors
        self._quiet_until: dict[Addr, int] = {}  # node -> end of the window already flagged
        self._at_limit_until: dict[Addr, int] = {}  # node -> end of the window already counted

    def _icmp_rules(self, f: PacketFacts, pkt: IPv6Packet | None = None) -> None:
        """Observe one outermost packet (`pkt`, decoded, for its size)."""
        up = f.upper
        if not is_icmp_error(up):
            return
        self._saw("IPV6-NO-ERROR-ON-ERROR")
        if pkt is not None:
            self._saw("IPV6-ICMP-ERROR-SIZE")
            carried = getattr(up, "invoking", b"")
            # the upper bound only: whether it carries as much as fits needs the packet it is about
            fault = error_size_fault(
                len(encode_packet(pkt)), len(carried), len(carried), self.cfg.icmp_error_mtu
            )
            if fault is not None:
                self._flag(
                    "IPV6-ICMP-ERROR-SIZE",
                    f.src,
                    f"ICMPv6 error ({type(up).__name__}) carrying {len(carried)} octets of its"
                    f" invoking packet: {fault} (RFC 2463 §2.4 (c))",
                )
        if carries_icmp_error(getattr(up, "invoking", b"")):
            self._flag(
                "IPV6-NO-ERROR-ON-ERROR",
                f.src,
                f"ICMPv6 error ({type(up).__name__}) sent about a "
                "packet that is itself an ICMPv6 error; RFC 2463 §2.4 (e.1) forbids it",
            )
        if len(self._sent) >= self.o.limits.max_nodes and f.src not in self._sent:
            self._hit("nodes")
            return
        times = self._sent.setdefault(f.src, deque(maxlen=self._burst + 1))
        times.append(self._t)
        if (
            len(times) >= self._burst
            and self._t - times[-self._burst] < WINDOW_MS
            and self._t >= self._at_limit_until.get(f.src, 0)
        ):  # at the limit: one more error within this second would break it
            self._at_limit_until[f.src] = self._t + WINDOW_MS
            self._saw("IPV6-ICMP-RATE")
        if (
            len(times) > self._burst
            and self._t - times[0] < WINDOW_MS
            and self._t >= self._quiet_until.get(f.src, 0)
        ):
            self._quiet_until[f.src] = self._t + WINDOW_MS
            self._flag(
                "IPV6-ICMP-RATE",
                f.src,
                f"{len(times)} ICMPv6 errors within {(self._t - times[0]) / 1000:.3f} s, above the"
                f" limit of {self._burst} a second (--icmp-error-limit; RFC 2463 §2.4 (f))",
            )


__all__ = ["IcmpRules", "is_icmp_error"]
