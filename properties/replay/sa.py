"""Security associations for `replay --sa FILE`: AH ICVs verified, ESP-NULL opened (§4.2, §7.2 test 1).

Without keys, "AH or ESP present" is the §7.2 authentication test (model.config.AuthMode.PRESENCE).
With a key for the packet's (effective source, final destination) pair (either direction), the AH ICV
must verify: HMAC-MD5-96 or HMAC-SHA1-96 over the immutable fields (`normalise` here, RFC 2402 §3.3.3:
mutable fields and option data zeroed, Routing header in its final form), written apart from the model. ESP with NULL
encryption (RFC 2410) is opened: its ICV is checked and its headers become visible to the observers.

File format, TOML:

    [[sa]]
    src = "2001:db8:1::100"        # home address (or any address) of one end
    dst = "2001:db8:1::1"
    algorithm = "hmac-sha1-96"     # or "hmac-md5-96"
    key = "00112233445566778899aabbccddeeff00112233"   # hex
    spi = 0x500                    # optional: select by SPI first (ESP from a care-of address)

or plain text, one association per line (`#` starts a comment), SPI optional:

    2001:db8:1::100 2001:db8:1::1 hmac-sha1-96 00112233445566778899aabbccddeeff00112233 0x500
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import struct
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from mip6check.model.addr import Addr
from mip6check.model.codec import DecodeError, decode_packet
from mip6check.model.codec.values import (
    AH,
    ESP,
    DestOptions,
    ExtHeader,
    HomeAddress,
    HopByHop,
    IPv6Packet,
    Option,
    Profile,
    Routing0,
    UnknownOption,
)

if TYPE_CHECKING:
    from mip6check.properties.replay.facts import PacketFacts

ALGORITHMS = {"hmac-md5-96": hashlib.md5, "hmac-sha1-96": hashlib.sha1}
ICV_LEN = 12


class SAError(ValueError):
    """An SA file that cannot be read (exit 2)."""


@dataclass(frozen=True, slots=True)
class SecurityAssociation:
    src: Addr
    dst: Addr
    algorithm: str
    key: bytes
    spi: int | None = None  # when given, packets with this SPI use this association first


def _addr(x: object, where: str) -> Addr:
    try:
        return ipaddress.IPv6Address(str(x)).packed
    except ValueError:
        raise SAError(f"{where}: {x!r} is not an IPv6 address") from None


def _sa(
    src: object, dst: object, alg: object, key: object, where: str, spi: object = None
) -> SecurityAssociation:
    a = str(alg).lower()
    if a not in ALGORITHMS:
        raise SAError(f"{where}: algorithm {alg!r} is not one of {', '.join(sorted(ALGORITHMS))}")
    try:
        k = bytes.fromhex(str(key))
    except ValueError:
        raise SAError(f"{where}: key is not hexadecimal") from None
    n: int | None = None
    if spi is not None:
        try:
            n = int(str(spi), 0)
        except ValueError:
            raise SAError(f"{where}: spi {spi!r} is not a number") from None
    return SecurityAssociation(_addr(src, where), _addr(dst, where), a, k, n)


def load_sa(path: str) -> tuple[SecurityAssociation, ...]:
    """Read an SA file (TOML with [[sa]] tables, or the one-line-per-SA text form)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SAError(f"{path}: cannot read: {getattr(e, 'strerror', None) or e}") from None
    if "[[sa]]" in text:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise SAError(f"{path}: not TOML: {e}") from None
        rows = data.get("sa", [])
        if not isinstance(rows, list):
            raise SAError(f"{path}: 'sa' must be an array of tables")
        out = []
        for i, r in enumerate(rows):
            where = f"{path}: sa[{i}]"
            if not isinstance(r, dict) or not {"src", "dst", "key"} <= r.keys():
                raise SAError(f"{where}: needs src, dst and key")
            out.append(
                _sa(
                    r["src"],
                    r["dst"],
                    r.get("algorithm", "hmac-sha1-96"),
                    r["key"],
                    where,
                    r.get("spi"),
                )
            )
        return tuple(out)
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) not in (4, 5):
            raise SAError(f"{path}:{n}: expected 'SRC DST ALGORITHM HEXKEY [SPI]'")
        spi = parts[4] if len(parts) == 5 else None
        out.append(_sa(parts[0], parts[1], parts[2], parts[3], f"{path}:{n}", spi))
    return tuple(out)


class KeyRing:
    """Keys by address pair (both directions). `icv`: the §7.2 authentication test checks an AH ICV
    (or the ESP ICV) where a key applies (`--auth verify`); without it AH or ESP present passes (the
    default `presence` reading) and the keys only open ESP-NULL payloads."""

    def __init__(self, sas: tuple[object, ...], *, icv: bool = True) -> None:
        self.icv = icv
        self._k: dict[tuple[Addr, Addr], SecurityAssociation] = {}
        self._spi: dict[int, SecurityAssociation] = {}
        for s in sas:
            if isinstance(s, SecurityAssociation):
                if s.spi is not None:
                    self._spi[s.spi] = s
                self._k[(s.src, s.dst)] = s
                self._k.setdefault((s.dst, s.src), s)

    def __bool__(self) -> bool:
        return bool(self._k)

    def _lookup(self, pkt: IPv6Packet) -> SecurityAssociation | None:
        if not self._k:
            return None
        if self._spi:
            h = _find_ah(pkt)
            spi = h.spi if h is not None else getattr(pkt.payload, "spi", None)
            if spi is not None and spi in self._spi:
                return self._spi[spi]
        src, dst = _endpoints(pkt)
        return self._k.get((src, dst)) or self._k.get((pkt.src, pkt.dst))

    def association(self, pkt: IPv6Packet) -> SecurityAssociation | None:
        """The association whose key applies to `pkt` (by SPI first, then by address pair), if any."""
        return self._lookup(pkt)

    def check(self, pkt: IPv6Packet, f: PacketFacts, encode: Callable[[IPv6Packet], bytes]) -> bool:
        """The §7.2 authentication test for this packet (AH/ESP presence when no key applies, and
        under the presence reading)."""
        if not self.icv:
            return f.auth
        sa = self._lookup(pkt)
        if sa is None:
            return f.auth
        h = _find_ah(pkt)
        if h is not None:
            return verify_ah(pkt, h, sa, encode)
        if isinstance(pkt.payload, ESP):
            return esp_icv_ok(pkt.payload, sa)
        return False

    def open_esp(self, pkt: IPv6Packet, profile: Profile) -> IPv6Packet | None:
        """ESP with NULL encryption: the packet with the ESP payload replaced by what it carries."""
        if not isinstance(pkt.payload, ESP):
            return None
        sa = self._lookup(pkt)
        if sa is None or not esp_icv_ok(pkt.payload, sa):
            return None
        body = pkt.payload.data[:-ICV_LEN]
        if len(body) < 2:
            return None
        padlen, nh = body[-2], body[-1]
        inner = body[: len(body) - 2 - padlen]
        hdr = struct.pack("!IHBB", 6 << 28, len(inner), nh, pkt.hop_limit) + pkt.src + pkt.dst
        try:
            opened = decode_packet(hdr + inner, profile)
        except DecodeError:
            return None
        return replace(pkt, headers=pkt.headers + opened.headers, payload=opened.payload)


def verify_ah(
    pkt: IPv6Packet, h: AH, sa: SecurityAssociation, encode: Callable[[IPv6Packet], bytes]
) -> bool:
    """HMAC-MD5-96 / HMAC-SHA1-96 over the immutable fields (`normalise`)."""
    sized = AH(h.spi, h.seq, bytes(len(h.icv)), h.reserved)
    pre = replace(pkt, headers=tuple(sized if x is h else x for x in pkt.headers))
    mac = hmac.new(sa.key, encode(normalise(pre)), ALGORITHMS[sa.algorithm]).digest()
    return hmac.compare_digest(mac[:ICV_LEN], h.icv[:ICV_LEN]) and len(h.icv) >= ICV_LEN


def _find_ah(pkt: IPv6Packet) -> AH | None:
    for h in pkt.headers:
        if type(h) is AH:
            return h
    return None


def _endpoints(pkt: IPv6Packet) -> tuple[Addr, Addr]:
    """(effective source, final destination) that select the association: the Home Address option's
    address if any (§7.1), the last Routing header address when segments remain."""
    src, dst = pkt.src, pkt.dst
    for h in pkt.headers:
        if type(h) is Routing0 and h.segments_left and h.addresses:
            dst = h.addresses[-1]
        elif type(h) is DestOptions:
            for o in h.options:
                if type(o) is HomeAddress:
                    src = o.home_address
    return src, dst


def _zero_mutable(opts: tuple[Option, ...]) -> tuple[Option, ...]:
    """RFC 2402 §3.3.3.1.1: the data of an option whose change bit (0x20 of the type) is set counts as
    zeros; every option this codec knows has it clear."""
    return tuple(
        UnknownOption(o.opt_type, bytes(len(o.data)))
        if type(o) is UnknownOption and o.opt_type & 0x20
        else o
        for o in opts
    )


def _rh0_final_form(rh: Routing0, dst: bytes) -> tuple[Routing0, bytes]:
    """RFC 2402 §3.3.3.1.2: a Type 0 Routing header and the destination as the final node sees them
    (every address swapped through, Segments Left 0)."""
    n = len(rh.addresses)
    k = max(0, min(n, n - rh.segments_left))
    full = rh.addresses[:k] + (dst,) + rh.addresses[k:]
    return Routing0(0, full[:-1], rh.reserved, rh.bitmap), full[-1]


def normalise(pkt: IPv6Packet) -> IPv6Packet:
    """The AH ICV input (RFC 2402 §3.3.3): Class, Flow Label and Hop Limit zero, the ICV zero, mutable
    option data zero, a Type 0 Routing header in its final form."""
    dst = pkt.dst
    hs: list[ExtHeader] = []
    for h in pkt.headers:
        if type(h) is Routing0:
            rh, dst = _rh0_final_form(h, dst)
            hs.append(rh)
        elif type(h) is AH:
            hs.append(AH(h.spi, h.seq, bytes(len(h.icv)), h.reserved))
        elif type(h) is HopByHop:
            hs.append(HopByHop(_zero_mutable(h.options)))
        elif type(h) is DestOptions:
            hs.append(DestOptions(_zero_mutable(h.options)))
        else:
            hs.append(h)
    return IPv6Packet(pkt.src, dst, tuple(hs), pkt.payload, 0, 0, 0)


def esp_icv_ok(esp: ESP, sa: SecurityAssociation) -> bool:
    """RFC 2406: the ICV covers SPI, Sequence Number and the (NULL-encrypted) payload."""
    if len(esp.data) < ICV_LEN:
        return False
    body, icv = esp.data[:-ICV_LEN], esp.data[-ICV_LEN:]
    mac = hmac.new(sa.key, struct.pack("!II", esp.spi, esp.seq) + body, ALGORITHMS[sa.algorithm])
    return hmac.compare_digest(mac.digest()[:ICV_LEN], icv)
