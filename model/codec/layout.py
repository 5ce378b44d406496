"""The wire layouts, written once as field tables that read like the draft's diagrams (§5.1-§5.4).

Each Mobile IPv6 Destination Option and each RFC 6275 Mobility Header message is one table: its fields
in wire order with their widths in bits (a 1-bit field is a flag, 128 bits an address, anything else an
unsigned integer), a field that is on the wire only when a flag is set (the C bit's care-of address), the
alignment its Option Type needs, and the lengths the draft states where they differ from the layout's.
The decoder, the encoder, the length checks, `decode --json`, the Wireshark plugin's fields and the
docs' format tables are all derived from these tables (`model/codec/compile.py` turns them into code).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a layout: its name (value attribute, JSON key, plugin filter suffix), width in bits,
    the draft's label, and whether it is shown (reserved bits are kept for round-trips, not shown)."""

    name: str
    bits: int
    label: str
    shown: bool = True
    present_if: str | None = (
        None  # a flag of the same layout: on the wire only when that flag is set
    )
    stated_octets: int | None = (
        None  # what the draft's text counts for it, when that differs (§5.1, B1)
    )

    @property
    def is_flag(self) -> bool:
        return self.bits == 1

    @property
    def is_address(self) -> bool:
        return self.bits == 128


@dataclass(frozen=True, slots=True)
class OptionLayout:
    """A Destination Option (IPv6 §4.2 TLV) as the draft draws it; data after the fixed part is `ext`.

    `kind` is the short name (the JSON "type", and the Profile attribute holding its Option Type when
    `kind.lower()` is one); `numbers` are Option Types recognised under every profile; `action` is the
    top three bits of the Option Type the draft gives (§5.1-§5.4); `align` is (x, y): the Option Type
    sits at offset x*n + y of its header, `align_8n6` the later drafts' requirement where it differs.
    """

    kind: str
    title: str
    section: str
    fields: tuple[Field, ...]
    action: int
    align: tuple[int, int] = (1, 0)
    align_8n6: tuple[int, int] | None = None
    # the Option Length the draft states, when it differs from the layout's (§5.2, B2)
    stated_length: int | None = None
    numbers: tuple[int, ...] = ()
    rest: str = "ext"  # the value attribute holding the octets after the fixed part
    headers: tuple[str, ...] = ("DestOptions",)  # where the option belongs (STYLE principle 8)
    processed_by: tuple[str, ...] = ()
    # the value type; None: a frozen dataclass is made from the table (compile.value_type)
    value: type[Any] | None = field(default=None, compare=False)

    def fixed_length(self, present: bool = False) -> int:
        """Option Length of the fixed part: conditional fields counted only when `present` (§5.1)."""
        bits = sum(f.bits for f in self.fields if f.present_if is None or present)
        return bits // 8

    def stated_fixed_length(self, present: bool = False) -> int:
        """The fixed part as the draft's text counts it (BU with C: 16; BA: 12), else the layout's."""
        if self.stated_length is not None:
            return self.stated_length
        bits = 0
        for f in self.fields:
            if f.present_if is None or present:
                bits += f.stated_octets * 8 if f.stated_octets is not None else f.bits
        return bits // 8

    def shapes(self) -> tuple[int, ...]:
        """The Option Lengths of the fixed part without extensions (one, or two with a conditional field)."""
        lo, hi = self.fixed_length(False), self.fixed_length(True)
        return (lo,) if lo == hi else (lo, hi)

    def condition(self) -> Field | None:
        """The flag that makes a conditional field present, if the layout has one."""
        for f in self.fields:
            if f.present_if is not None:
                return next(g for g in self.fields if g.name == f.present_if)
        return None


@dataclass(frozen=True, slots=True)
class MessageLayout:
    """An RFC 6275 Mobility Header message's data after the Checksum (§6.1.x): fields, then options."""

    mh_type: int
    kind: str
    title: str
    section: str
    fields: tuple[Field, ...]

    def fixed_length(self) -> int:
        return sum(f.bits for f in self.fields) // 8


# ---------------------------------------------------------------- the draft's options (§5.1-§5.4)

BINDING_UPDATE = OptionLayout(
    kind="BU",
    title="Binding Update",
    section="§5.1",
    fields=(
        Field("a", 1, "Acknowledge (A)"),
        Field("h", 1, "Home Registration (H)"),
        Field("c", 1, "Care-of Address Present (C)"),
        Field("reserved", 5, "Reserved", shown=False),
        Field("id_length", 8, "ID Length"),
        Field("seq", 16, "Sequence Number"),
        Field("lifetime", 32, "Lifetime"),
        Field("care_of", 128, "Care-of Address", present_if="c", stated_octets=8),
    ),
    action=0b110,
    align=(4, 2),
    processed_by=("correspondent", "home_agent", "previous_router"),
)

BINDING_ACK = OptionLayout(
    kind="BA",
    title="Binding Acknowledgement",
    section="§5.2",
    fields=(
        Field("status", 8, "Status"),
        Field("seq", 16, "Sequence Number"),
        Field("lifetime", 32, "Lifetime"),
        Field("refresh", 32, "Refresh"),
    ),
    action=0b000,
    align=(4, 3),
    stated_length=12,
    processed_by=("mobile_node",),
)

BINDING_REQUEST = OptionLayout(
    kind="BR",
    title="Binding Request",
    section="§5.3",
    fields=(),
    action=0b000,
    processed_by=("mobile_node",),
)

HOME_ADDRESS = OptionLayout(
    kind="HAO",
    title="Home Address",
    section="§5.4",
    fields=(Field("home_address", 128, "Home Address"),),
    action=0b110,
    align=(4, 2),
    align_8n6=(8, 6),
    numbers=(201,),  # RFC 6275's Home Address option decodes as one under every profile
    processed_by=("correspondent", "home_agent"),
)

PADN = OptionLayout(
    kind="PadN",
    title="PadN",
    section="IPv6 §4.2",
    fields=(),
    action=0b000,
    rest="data",
    numbers=(1,),
    headers=("DestOptions", "HopByHop"),
)
"""PadN (Option Type 1): its data octets are kept, so odd padding round-trips. Pad1 is the one option
without a length octet (a lone zero), read by the TLV loop itself."""

MIP6_LAYOUTS: tuple[OptionLayout, ...] = (
    BINDING_UPDATE,
    BINDING_ACK,
    BINDING_REQUEST,
    HOME_ADDRESS,
)
"""The draft's four options, in the order of §5."""

# ---------------------------------------------------------------- RFC 6275 Mobility Header messages (§6.1)

_LIFE = "Lifetime (units of 4 s)"
MH_MESSAGES: tuple[MessageLayout, ...] = (
    MessageLayout(
        0,
        "BRR",
        "Binding Refresh Request",
        "RFC 6275 §6.1.2",
        (Field("rsv", 16, "Reserved", False),),
    ),
    MessageLayout(
        1,
        "HoTI",
        "Home Test Init",
        "RFC 6275 §6.1.3",
        (Field("rsv", 16, "Reserved", False), Field("cookie", 64, "Home Init Cookie")),
    ),
    MessageLayout(
        2,
        "CoTI",
        "Care-of Test Init",
        "RFC 6275 §6.1.4",
        (Field("rsv", 16, "Reserved", False), Field("cookie", 64, "Care-of Init Cookie")),
    ),
    MessageLayout(
        3,
        "HoT",
        "Home Test",
        "RFC 6275 §6.1.5",
        (
            Field("nonce_idx", 16, "Home Nonce Index"),
            Field("cookie", 64, "Home Init Cookie"),
            Field("token", 64, "Home Keygen Token"),
        ),
    ),
    MessageLayout(
        4,
        "CoT",
        "Care-of Test",
        "RFC 6275 §6.1.6",
        (
            Field("nonce_idx", 16, "Care-of Nonce Index"),
            Field("cookie", 64, "Care-of Init Cookie"),
            Field("token", 64, "Care-of Keygen Token"),
        ),
    ),
    MessageLayout(
        5,
        "BU",
        "Binding Update",
        "RFC 6275 §6.1.7",
        (
            Field("seq", 16, "Sequence #"),
            Field("a", 1, "Acknowledge (A)"),
            Field("h", 1, "Home Registration (H)"),
            Field("l", 1, "Link-Local Address Compatibility (L)"),
            Field("k", 1, "Key Management Mobility Capability (K)"),
            Field("rsv", 12, "Reserved", False),
            Field("lifetime", 16, _LIFE),
        ),
    ),
    MessageLayout(
        6,
        "BA",
        "Binding Acknowledgement",
        "RFC 6275 §6.1.8",
        (
            Field("status", 8, "Status"),
            Field("k", 1, "Key Management Mobility Capability (K)"),
            Field("rsv", 7, "Reserved", False),
            Field("seq", 16, "Sequence #"),
            Field("lifetime", 16, _LIFE),
        ),
    ),
    MessageLayout(
        7,
        "BE",
        "Binding Error",
        "RFC 6275 §6.1.9",
        (
            Field("status", 8, "Status"),
            Field("rsv", 8, "Reserved", False),
            Field("home_address", 128, "Home Address"),
        ),
    ),
)
