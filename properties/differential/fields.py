"""Field-by-field comparison of two decoded packets: each is flattened to named fields (header and
option types by name, so an added or missing header shows as one field), fields the draft leaves to
the sender are set aside, and the differences are listed in packet order."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from mip6check.model.codec.values import (
    IPv6Packet,
    NeighborAdvertisement,
    NeighborSolicitation,
    RouterAdvertisement,
    RouterSolicitation,
)

FREE: tuple[tuple[str, str], ...] = (
    ("hop_limit", "RFC 2460 §3: a node's own Hop Limit (not Neighbor Discovery's 255)"),
    ("flow_label", "RFC 2460 §6: the source's flow labelling"),
    ("traffic_class", "RFC 2460 §7: the source's traffic class"),
    ("AH.spi", "RFC 2402 §2.4: the security association's SPI"),
    ("AH.seq", "RFC 2402 §2.5: the security association's counter"),
    ("AH.icv", "RFC 2402 §2.6: depends on the key (judged by --sa, not compared)"),
    ("ESP.", "RFC 2406: depends on the security association"),
    (
        "payload.IPv6Packet.hop_limit",
        "§8.4 says only 'tunnel': whether the entry point decrements the tunnelled packet's Hop "
        "Limit first is RFC 2473's, which no property of the draft judges",
    ),
)
"""Field names (or prefixes ending in '.') the sender chooses freely, with where that freedom is."""

NA_SOURCE = "RFC 2461 §7.2.4: any address of the interface"
NS_SOURCE = "RFC 2461 §7.2.2: the prompting packet's source, else any address of the interface"
RA_CONFIG = (
    "RFC 2461 §6.2.1: a router configuration variable (AdvCurHopLimit, AdvDefaultLifetime ...)"
)
RA_FREE = (
    "payload.RouterAdvertisement.cur_hop_limit",
    "payload.RouterAdvertisement.managed",
    "payload.RouterAdvertisement.other",
    "payload.RouterAdvertisement.router_lifetime",
    "payload.RouterAdvertisement.reachable_time",
    "payload.RouterAdvertisement.retrans_timer",
    "payload.RouterAdvertisement.MTUOption",
    "payload.RouterAdvertisement.PrefixInfo.valid_lifetime",
    "payload.RouterAdvertisement.PrefixInfo.preferred_lifetime",
)
"""An RA's fields RFC 2461 leaves to the router's configuration (its flags H and R, its prefixes and
the draft's options are compared: they carry Mobile IPv6's decisions)."""
ND_LLA = (
    "RFC 2461 §4.6.1: the sending interface's link-layer address, the link's (the differential "
    "replay gives the model one interface per link)"
)
ND = (NeighborAdvertisement, NeighborSolicitation, RouterSolicitation, RouterAdvertisement)


@dataclass(frozen=True, slots=True)
class FieldDiff:
    """One field that differs: its name and each side's value (None: absent on that side)."""

    field: str
    captured: object
    model: object


def flatten(pkt: IPv6Packet) -> dict[str, object]:
    """Named fields of a packet in order (`src`, `Routing0.addresses`, `DestOptions.BindingUpdate.seq`,
    `payload.UDP.payload`, `payload.IPv6Packet.dst` ...); padding options are left out."""
    out: dict[str, object] = {}
    _walk(pkt, "", out, top=True)
    for name in [n for n in out if n.endswith("BindingUpdate.care_of") and "payload" not in n]:
        if out[name] == out.get("src"):
            # §5.1: the care-of address is the C field if present, else the source: the same
            out[name] = None
            out[name[: -len("care_of")] + "c"] = False
    return out


def _walk(v: object, path: str, out: dict[str, object], *, top: bool = False) -> None:
    if type(v) is IPv6Packet:
        for f in ("src", "dst", "hop_limit", "traffic_class", "flow_label"):
            if top or f != "hop_limit":
                out[path + f] = getattr(v, f)
            else:
                out[path + f] = getattr(v, f)
        seen: dict[str, int] = {}
        for h in v.headers:
            name = type(h).__name__
            n = seen.get(name, 0)
            seen[name] = n + 1
            hp = f"{path}{name}" + (f"#{n + 1}" if n else "")
            out[hp] = "present"
            _fields(h, hp + ".", out)
        up = v.payload
        name = type(up).__name__
        out[f"{path}payload"] = name
        _walk(up, f"{path}payload.{name}.", out)
        return
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        _fields(v, path, out)


def _fields(v: object, path: str, out: dict[str, object]) -> None:
    for f in dataclasses.fields(v):  # type: ignore[arg-type]
        if not f.compare:
            continue
        x = getattr(v, f.name)
        if f.name == "options" and isinstance(x, tuple):
            seen: dict[str, int] = {}
            for o in x:
                name = type(o).__name__
                if name in ("Pad1", "PadN"):
                    continue
                n = seen.get(name, 0)
                seen[name] = n + 1
                op = f"{path}{name}" + (f"#{n + 1}" if n else "")
                out[op] = "present"
                _fields(o, op + ".", out)
        elif type(x) is IPv6Packet:
            _walk(x, path + f.name + ".", out)
        elif dataclasses.is_dataclass(x) and not isinstance(x, type):
            out[path + f.name] = type(x).__name__
            _fields(x, path + f.name + ".", out)
        else:
            out[path + f.name] = x


def free_reason(name: str, pkt: IPv6Packet, *, icv: bool = False) -> str | None:
    """Why the sender may choose this field freely, or None when it is compared (`icv`: keys were
    given, so an AH ICV is what the key makes it, not free)."""
    up = type(pkt.payload)
    if icv and name.split("#")[0].endswith("AH.icv"):
        return None
    if name == "hop_limit" and up in ND:
        return None  # RFC 2461 §6.1, §7.1: 255, checked by every receiver
    if name == "src" and up is NeighborAdvertisement:
        return NA_SOURCE
    if name == "src" and up is NeighborSolicitation and any(pkt.src):
        return NS_SOURCE  # the unspecified source of DAD (RFC 2462 §5.4.2) is compared
    if up in ND[1:] and name.split("#")[0].endswith("SourceLLA.lla"):
        return ND_LLA
    if up is RouterAdvertisement:
        bare = ".".join(part.split("#")[0] for part in name.split("."))  # PrefixInfo#2 too
        if any(bare == f or bare.startswith(f + ".") for f in RA_FREE):
            return RA_CONFIG
    last = name.split(".")[-1].split("#")[0]
    for free, why in FREE:
        if free.endswith("."):
            if name.startswith(free) or f".{free}" in name:
                return why
        elif "." in free:
            if name.endswith(free) or name.split("#")[0].endswith(free):
                return why
            head, _, tail = free.partition(".")
            if last == tail and f"{head}." in name:
                return why
        elif name == free or (last == free and free != "hop_limit"):
            return why
    if name == "payload.IPv6Packet.hop_limit":
        return FREE[-1][1]
    return None


IcvCheck = Callable[[IPv6Packet], "bool | None"]


def compare(
    captured: IPv6Packet, model: IPv6Packet, *, icv: IcvCheck | None = None
) -> list[FieldDiff]:
    """The fields that differ, free ones set aside, in the captured packet's order. With `icv`
    (security associations given) an AH ICV is compared by whether it verifies with the key, not
    by its octets (they depend on the SPI and counter, which are free)."""
    a, b = flatten(captured), flatten(model)
    if icv is not None:
        for flat, pkt in ((a, captured), (b, model)):
            if "AH.icv" in flat:
                ok = icv(pkt)
                flat["AH.icv"] = (
                    "no key" if ok is None else ("verifies" if ok else "does not verify")
                )
    names = list(a) + [n for n in b if n not in a]
    out: list[FieldDiff] = []
    whole: list[str] = []  # a header or option only one side has: its fields are not listed
    for n in names:
        if a.get(n) == b.get(n) or free_reason(n, captured, icv=icv is not None) is not None:
            continue
        if any(n.startswith(w + ".") for w in whole):
            continue
        if "present" in (a.get(n), b.get(n)):
            whole.append(n)
        out.append(FieldDiff(n, a.get(n), b.get(n)))
    return out


__all__ = ["FREE", "FieldDiff", "compare", "flatten", "free_reason"]
