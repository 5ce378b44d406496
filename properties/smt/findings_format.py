"""SPEC findings on the option formats of §5, §7.2 and §9.9: what the draft's own numbers and type bits
say, shown by Z3 over those numbers and, where bytes make it concrete, by the codec that reads
captures. Each returns a witness that tests/properties/test_findings_spec.py re-checks.
"""

from __future__ import annotations

from typing import Any

import z3

from mip6check.model.addr import a
from mip6check.model.codec import (
    AH,
    DRAFT04,
    BindingUpdate,
    HomeAddress,
    IPv6Packet,
    NoNextHeader,
    UnknownOption,
    bu,
    decode_packet,
    dest_options,
    encode_packet,
)
from mip6check.model.config import DEFAULT
from mip6check.properties.smt.witness import Outcome, gone, solve, timed, valid
from mip6check.properties.smt.z3logic import to_py
from mip6check.properties.spec import binding_cache as SB
from mip6check.properties.spec.logic import PY
from mip6check.properties.verdict import Result, Status

HAO_STATED = 16  # §5.4 (restored C5.4-R1): "MUST be set to 16"
HAO_EXT_THRESHOLD = 8  # §5.4: "When the Option Length is greater than 8 octets ... extensions"
BU_STATED_MIN = 8  # §5.1: the length without a Care-of Address; §7.2 test 2 compares with it
CARE_OF_OCTETS = 16
NSAP_OPTION_TYPE = 0xC3  # RFC 1888 NSAP Address destination option (KAME IP6OPT_NSAP_ADDR)


def option_offsets(raw: bytes) -> dict[int, int]:
    """Option Type -> octet offset in the IPv6 packet `raw` of the first such option of a Destination
    Options header: where a Parameter Problem pointer names it (RFC 2463). AH, Hop-by-Hop and Routing
    headers before it are stepped over."""
    out: dict[int, int] = {}
    nh, i = raw[6], 40
    while nh in (0, 43, 51, 60) and i + 2 <= len(raw):
        size = (raw[i + 1] + 2) * 4 if nh == 51 else (raw[i + 1] + 1) * 8
        if nh == 60:
            j = i + 2
            while j < i + size:
                if raw[j] == 0:
                    j += 1
                    continue
                out.setdefault(raw[j], j)
                j += 2 + raw[j + 1]
        nh, i = raw[i], i + size
    return out


def hao_ext_8() -> Result:
    """SPEC-HAO-EXT-8 (§5.4; B3): Option Length MUST be 16, yet "greater than 8 octets" marks the rest
    as extensions: read literally, the MUST length itself makes octets 8..15 of the home address an
    extension. No length meets the MUST with no octet read as an extension."""

    def run() -> Outcome:
        n = z3.Int("option_length")
        ext = z3.If(n > HAO_EXT_THRESHOLD, n - HAO_EXT_THRESHOLD, 0)
        must = n == HAO_STATED
        never_clean = valid(must, ext == 0)
        m = solve(must, ext > 0)
        if m is None or not never_clean:
            return gone("an Option Length of 16 reads no extension octet")
        n16, e = int(to_py(m[n])), int(to_py(m.eval(ext)))
        w = {
            "option_length": n16,
            "extension_threshold_stated": HAO_EXT_THRESHOLD,
            "extension_octets_literal": e,
            "home_address_octets_needed": 16,
            "home_address_octets_literal": n16 - e,
            "reading_used": "the fixed part is the 16-octet Home Address (D03's Length 8 left over)",
        }
        return (
            Status.FINDING,
            "the MUST length 16 is 'greater than 8': half the address reads as an extension",
            w,
        )

    return timed("SPEC-HAO-EXT-8", run)


def unknown_bu_icmp() -> Result:
    """SPEC-UNKNOWN-BU-ICMP (§9.9 vs §5.1 and the IPv6 option rules; B15): §9.9 says a node not
    recognising the Binding Update SHOULD return a Parameter Problem; the type's top bits 11 say discard
    and send it only when the destination was not multicast: the text asks for an ICMP error the
    encoding forbids, and weakens to SHOULD one it requires."""

    def run() -> Outcome:
        t, mcast = z3.Int("option_type"), z3.Bool("destination_multicast")
        action = t / 64  # the two high-order bits (RFC 2460 §4.2)
        v6_icmp = z3.And(action >= 2, z3.Or(action == 2, z3.Not(mcast)))
        m = solve(t == DRAFT04.bu, mcast, z3.Not(v6_icmp))
        if m is None:
            return gone(
                "the Binding Update's type allows the §9.9 error to a multicast destination"
            )
        unicast_required = valid(t == DRAFT04.bu, z3.Not(mcast), z3.Not(v6_icmp))
        w = {
            "option_type": DRAFT04.bu,
            "action_bits": f"{DRAFT04.bu >> 6:02b}",
            "multicast_destination": {"encoding_sends_icmp": False, "section_9_9": "SHOULD return"},
            "unicast_destination": {
                "encoding_sends_icmp": unicast_required,
                "section_9_9": "SHOULD",
            },
        }
        return (
            Status.FINDING,
            "§9.9's SHOULD contradicts the type bits 11 (no error for multicast, always otherwise)",
            w,
        )

    return timed("SPEC-UNKNOWN-BU-ICMP", run)


def _bu_packet() -> bytes:
    """A Binding Update with its Home Address option (§5.1, §9.4) as the codec writes it."""
    coa, ha, home = a("2001:db8:2::100"), a("2001:db8:1::1"), a("2001:db8:1::100")
    opts = dest_options(bu(7, 60, a=True, h=True), HomeAddress(home))
    return encode_packet(IPv6Packet(coa, ha, (AH(0x100, 7, bytes(12)), opts), NoNextHeader()))


def pp2_which_option() -> Result:
    """SPEC-PP2-WHICH-OPTION (§4.3, §9.9; C17): the "no more Binding Updates" flag is set on any
    Parameter Problem code 2 "in response to a Binding Update", yet the same packet carries the Home
    Address option, whose type bits (110) also ask for that error. The draft never says to read the
    pointer: an error about the Home Address option stops Binding Updates."""

    def run() -> Outcome:
        off = option_offsets(_bu_packet())
        bu_at, hao_at = off.get(DRAFT04.bu), off.get(DRAFT04.hao)
        if bu_at is None or hao_at is None or (DRAFT04.hao >> 6) < 2:
            return gone("the Binding Update packet has no Home Address option asking for an error")
        w = {
            "bu_offset": bu_at,
            "hao_offset": hao_at,
            "pointer": hao_at,
            "pp2_code": 2,
            "hao_action_bits": f"{DRAFT04.hao >> 5:03b}",
            "invoking_packet_has_bu": True,
            "pointer_names_bu": False,
        }
        return (
            Status.FINDING,
            "a code 2 error about the Home Address option meets §9.9's trigger",
            w,
        )

    return timed("SPEC-PP2-WHICH-OPTION", run)


def tentative_types() -> Result:
    """SPEC-TENTATIVE-TYPES (§5.1; C19): the Binding Update's tentative type 195 ("???") is 0xC3, the
    RFC 1888 NSAP Address option: a packet carrying that option decodes as a Binding Update."""

    def run() -> Outcome:
        nsap = bytes((20, 20)) + bytes(range(40))  # src/dst NSAP lengths, then the two NSAPs
        pkt = IPv6Packet(
            a("2001:db8:4::5"),
            a("2001:db8:4::6"),
            (dest_options(UnknownOption(NSAP_OPTION_TYPE, nsap)),),
            NoNextHeader(),
        )
        got = decode_packet(encode_packet(pkt), DRAFT04)
        opts = got.headers[0].options  # type: ignore[union-attr]
        kinds = [type(o).__name__ for o in opts if not type(o).__name__.startswith("Pad")]
        if DRAFT04.bu != NSAP_OPTION_TYPE or "BindingUpdate" not in kinds:
            return gone("the NSAP Address option does not read as a Binding Update")
        b = next(o for o in opts if isinstance(o, BindingUpdate))
        w = {
            "draft04_bu_type": DRAFT04.bu,
            "rfc1888_nsap_type": NSAP_OPTION_TYPE,
            "decoded_as": "BindingUpdate",
            "decoded_fields": {"seq": b.seq, "lifetime": b.lifetime, "a": b.a, "h": b.h},
        }
        return (
            Status.FINDING,
            "type 195 is RFC 1888's NSAP Address option: tentative types must be configuration",
            w,
        )

    return timed("SPEC-TENTATIVE-TYPES", run)


def check72_gaps() -> Result:
    """SPEC-72-GAPS (§7.2 vs §5.1; C5): test 2 compares the Option Length with "the length specified in
    Section 5.1" whatever the C bit says, so a C=1 update of length 8 (no room for its Care-of Address)
    passes; and ID Length must be 0 without H (§5.1) but no §7.2 test looks, so the receiver caches it."""

    def run() -> Outcome:
        n, c = z3.Int("option_length"), z3.Bool("c")
        length_ok = n >= BU_STATED_MIN
        fields = BU_STATED_MIN + z3.If(c, CARE_OF_OCTETS, 0)
        m = solve(n >= 0, n <= 255, c, length_ok, n < fields, minimize=(n,))
        r = SB.Received(True, True, True, 1, False, 0)
        passes = bool(SB.passes_72(PY, DEFAULT, r))
        change, status = SB.decide(
            PY,
            h=False,
            deletion=False,
            has_entry=False,
            room=SB.Room(False, True),
            ha=_no_ha(),
        )
        if m is None or not passes or status != 0:
            return gone("§7.2 refuses the short C=1 update or the ID Length without H")
        w = {
            "short_care_of": {"c": True, "option_length": int(to_py(m[n])), "octets_needed": 24},
            "id_length_without_h": {
                "h": False,
                "id_length": 48,
                "passes_7_2": passes,
                "status": int(status),
                "cached": int(change) == int(SB.CacheChange.UPDATE),
            },
        }
        return (
            Status.FINDING,
            "§7.2 passes a C=1 update with no Care-of Address and an ID Length without H",
            w,
        )

    return timed("SPEC-72-GAPS", run)


def _no_ha() -> Any:
    from mip6check.properties.spec.home_agent import HomeAgentView

    return HomeAgentView(False, False, False, 48, 64)


FORMAT_FINDINGS = {
    "SPEC-HAO-EXT-8": hao_ext_8,
    "SPEC-UNKNOWN-BU-ICMP": unknown_bu_icmp,
    "SPEC-PP2-WHICH-OPTION": pp2_which_option,
    "SPEC-TENTATIVE-TYPES": tentative_types,
    "SPEC-72-GAPS": check72_gaps,
}
"""SPEC ID -> finding on the option formats."""
