"""Where the draft allows both sides: the MAY choice or ambiguity switch a divergence both of whose
sides the spec accepts comes from, named as `Choices` (model/roles/choices.py) or the CLI switch
names it. A difference no entry covers is `undecided`: no checked rule tells the two apart."""

from __future__ import annotations

from collections.abc import Sequence

from mip6check.properties.differential.fields import FieldDiff

BY_FIELD: tuple[tuple[str, str, str], ...] = (
    (
        "BindingUpdate.a",
        "MAY request an acknowledgement from a correspondent (Choices.cn_ack)",
        "§9.5",
    ),
    ("BindingUpdate.seq", "any greater Sequence Number (Choices.seq_step, initial_seq)", "§5.1"),
    ("BindingUpdate.lifetime", "the Lifetime the mobile node requests", "§5.1"),
    (
        "BindingAck.lifetime",
        "the Lifetime granted, at most the one requested (Choices.grant_lifetime)",
        "§5.2",
    ),
    ("BindingAck.refresh", "the Refresh interval (Choices.refresh)", "§5.2"),
    ("ext", "sub-options and extensions (--option-extensions)", "§4.2"),
    (
        "DestOptions.BindingRequest",
        "MAY send a Binding Request (Choices.send_br, --br-threshold)",
        "§7.6",
    ),
)
"""Differing field (suffix) -> the freedom and its section."""

BY_KIND: dict[tuple[str, str], tuple[str, str]] = {
    ("BU", "missing"): (
        "MAY send a Binding Update to a correspondent or the previous router "
        "(Choices.bu_to_cn, prev_router_bu)",
        "§9.5, §9.6",
    ),
    ("BR", "missing"): ("MAY send a Binding Request (Choices.send_br, --br-threshold)", "§7.6"),
}
"""A packet only one side sent -> the freedom, when the packet is of that kind and (for a Binding
Update) not a home registration (§9.4 obliges those)."""
BY_KIND[("BU", "extra")] = BY_KIND[("BU", "missing")]
BY_KIND[("BR", "extra")] = BY_KIND[("BR", "missing")]


def allowed_by(
    packet_kind: str,
    kind: str,
    fields: Sequence[FieldDiff],
    home_registration: bool = False,
) -> str | None:
    """The freedom that covers this divergence (with its section), or None."""
    if kind == "differs":
        names = []
        for d in fields:
            if d.captured == "present" or d.model == "present":
                continue
            for suffix, what, section in BY_FIELD:
                if d.field.endswith(suffix):
                    names.append(f"{what} ({section})")
                    break
            else:
                return None
        return "; ".join(dict.fromkeys(names)) or None
    hit = None if home_registration else BY_KIND.get((packet_kind, kind))
    return f"{hit[0]} ({hit[1]})" if hit else None


__all__ = ["allowed_by"]
