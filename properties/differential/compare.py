"""Pairing the captured node's packets with the model's and listing where they part: a captured
packet the model did not send within the time tolerance (`missing`), a model packet the captured
node did not send (`extra`), and a pair whose compared fields differ (`differs`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mip6check.model.addr import Addr
from mip6check.properties.differential.capture import Frame
from mip6check.properties.differential.fields import FieldDiff, IcvCheck, compare
from mip6check.properties.differential.harness import Sent
from mip6check.properties.differential.kinds import key_of, kind_of, window_ms


@dataclass(frozen=True, slots=True)
class Pairing:
    """One comparison: a captured packet and/or a model packet (index into the model's sent list)."""

    kind: str  # "same" | "differs" | "missing" | "extra"
    packet_kind: str  # what kinds.kind_of says (BU, BA, tunnel, data ...)
    frame: Frame | None
    model: int | None
    time_ms: int
    fields: tuple[FieldDiff, ...] = ()


def pair(
    captured: Sequence[Frame],
    own: frozenset[Addr],
    sent: Sequence[Sent],
    model_own: frozenset[Addr],
    tolerance_ms: int,
    until_ms: int,
    *,
    icv: IcvCheck | None = None,
    end_ms: int | None = None,
) -> list[Pairing]:
    """Every compared packet of both sides, paired in time order (module doc). `captured`: the
    captured node's frames; model packets after `until_ms` are beyond the capture and left out.
    `icv`: security associations were given: AH ICVs are compared by whether they verify. A model
    packet after `end_ms` (the capture's last packet) pairs with a captured one but is no `extra`."""
    mine = [(f, k) for f in captured if (k := kind_of(f.packet, own)) is not None]
    model = [
        (i, k)
        for i, s in enumerate(sent)
        if s.time_ms <= until_ms and (k := kind_of(s.packet, model_own)) is not None
    ]
    used: set[int] = set()
    out: list[Pairing] = []
    for f, k in mine:
        key = key_of(k, f.packet)
        best = None
        window = window_ms(k, tolerance_ms)
        for i, mk in model:
            if i in used or mk != k or abs(sent[i].time_ms - f.time_ms) > window:
                continue
            if key_of(mk, sent[i].packet) == key:
                best = i
                break
        if best is None:
            out.append(Pairing("missing", k, f, None, f.time_ms))
            continue
        used.add(best)
        diffs = tuple(compare(f.packet, sent[best].packet, icv=icv))
        out.append(Pairing("differs" if diffs else "same", k, f, best, f.time_ms, diffs))
    last = max((f.time_ms for f in captured), default=0) if end_ms is None else end_ms
    for i, mk in model:
        if (
            i not in used and sent[i].time_ms <= last
        ):  # after the capture's end: not seen either way
            out.append(Pairing("extra", mk, None, i, sent[i].time_ms))
    out.sort(key=lambda p: (p.time_ms, p.frame.number if p.frame else 1 << 40))
    return out


__all__ = ["Pairing", "pair"]
