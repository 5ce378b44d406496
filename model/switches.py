"""The ambiguity switches as data: each Config field a reading of the draft exposes, its flag, default,
alternative and the defect of wire-formats.md it resolves. The CLI and the README table read this."""

from __future__ import annotations

from dataclasses import dataclass

from mip6check.model.config import (
    AuthMode,
    BuCLength,
    FastCount,
    OptionExtensions,
    PP2Pointer,
    RateScope,
    RetxAtMax,
    SeqHalf,
)


@dataclass(frozen=True, slots=True)
class Switch:
    field: str  # the Config field
    flag: str  # command-line option
    choices: tuple[str, ...]  # accepted values ("" for a flag without value)
    default: str
    where: str  # draft sections
    defect: str  # wire-formats.md reference
    reading: str  # what the default reading is, in a sentence


SWITCHES: tuple[Switch, ...] = (
    Switch(
        "profile",
        "--profile",
        ("draft04", "draft08"),
        "draft04",
        "§5.1-§5.4",
        "§3, C19",
        "Option Types 195/2/3/196 as the draft writes them; draft08 = 198/7/8/201 (KAME-era captures).",
    ),
    Switch(
        "seq_half",
        "--seq-half",
        tuple(m.value for m in SeqHalf),
        "reject",
        "§4.3, §5.1, §7.2",
        "C1",
        "At distance exactly 2^15 neither Sequence Number is greater, so the update is refused.",
    ),
    Switch(
        "seq_equal_ack",
        "--seq-equal-ack",
        ("",),
        "off",
        "§7.2, §9.7",
        "B4, B5",
        "A retransmission with an equal Sequence Number is silently ignored, as §7.2 says; on: re-acknowledged.",
    ),
    Switch(
        "ba_min_length",
        "--ba-min-length",
        ("11", "12"),
        "11",
        "§5.2, §9.10",
        "B2",
        "A Binding Acknowledgement needs Option Length >= 11 (its fields); 12 applies the literal test.",
    ),
    Switch(
        "bu_c_length",
        "--bu-c-length",
        tuple(m.value for m in BuCLength),
        "layout",
        "§5.1, §7.2",
        "B1, C5",
        "With the C bit, Option Length must be 24 (the layout); literal accepts the stated 16 as well; "
        "ignore-c applies §7.2's test 2 without the C bit (8).",
    ),
    Switch(
        "option_extensions",
        "--option-extensions",
        tuple(m.value for m in OptionExtensions),
        "fixed",
        "§4.2, §5.2, §5.3, §5.4",
        "B13",
        "A Binding Request, Acknowledgement or Home Address option longer than the stated 0 / 12 / 16 "
        "breaks 'Option Length MUST be set to'; allowed: the extra octets are §4.2's extensions.",
    ),
    Switch(
        "pp2_pointer",
        "--pp2-pointer",
        tuple(m.value for m in PP2Pointer),
        "ignored",
        "§4.3, §9.9",
        "C17",
        "Any ICMP Parameter Problem code 2 for a packet carrying a Binding Update stops Binding Updates "
        "to that node, as §9.9 says; read: only one whose Pointer designates the Binding Update option.",
    ),
    Switch(
        "retx_at_max",
        "--retx-at-max",
        tuple(m.value for m in RetxAtMax),
        "by-destination",
        "§9.4, §9.5, §9.7",
        "C13",
        "At MAX_BINDACK_TIMEOUT a home registration is retransmitted on (§9.4), a Binding Update to a "
        "correspondent is not (§9.5); stop: §9.7 read alone stops both.",
    ),
    Switch(
        "fast_count",
        "--fast-count",
        tuple(m.value for m in FastCount),
        "transmissions",
        "§9.7, §9.8, §11",
        "C14",
        "MAX_FAST_UPDATES counts every Binding Update sent with one care-of address, retransmissions "
        "too; updates: only new ones (a §9.7 retransmission does not count).",
    ),
    Switch(
        "rate_scope",
        "--rate-scope",
        tuple(m.value for m in RateScope),
        "destination",
        "§9.8",
        "B14, C12",
        "MAX_UPDATE_RATE (1 s) holds per destination, retransmissions included; aggregate: over all.",
    ),
    Switch(
        "ha_anycast",
        "--ha-anycast",
        ("ADDRESS",),
        "<prefix>:fdff:ffff:ffff:fffe",
        "§4.4, §8.1",
        "4.4, C7",
        "The Home-Agents anycast address has the RFC 2526 form; the draft leaves it undefined.",
    ),
    Switch(
        "auth",
        "--auth",
        tuple(m.value for m in AuthMode),
        "presence",
        "§4.2, §7.2",
        "§7 authentication",
        "The §7.2 authentication test is 'AH or ESP present'; verify checks AH ICVs with the pair's key "
        "(the scenario's keys; replay: --sa).",
    ),
    Switch(
        "rh_strict_hop_limit",
        "--rh-strict-hop-limit",
        ("",),
        "off",
        "§7.9, IPv6 §4.4",
        "C11",
        "A Routing header hop to one of the node's own addresses (care-of to home) skips the Hop Limit test; on: applies it.",
    ),
    Switch(
        "br_threshold",
        "--br-threshold",
        ("MS",),
        "10000",
        "§4.3, §7.6",
        "C15",
        "A correspondent sends a Binding Request when an entry in active use has less than this left (ms); the draft names no value.",
    ),
    Switch(
        "br_min_interval",
        "--br-min-interval",
        ("MS",),
        "10000",
        "§4.3, §7.6",
        "C15",
        "Binding Requests to one mobile node are at least this far apart (ms); the draft asks for a rate limit without a value.",
    ),
    Switch(
        "unreach_persist",
        "--unreach-persist",
        ("N",),
        "3",
        "§7.8",
        "—",
        "This many ICMP Destination Unreachable errors for packets routed by a binding count as 'persistent' and delete it.",
    ),
    Switch(
        "icmp_error_limit",
        "--icmp-error-limit",
        ("N",),
        "100",
        "§6, §7.8 (RFC 2463 §2.4 (f))",
        "—",
        "A node sends at most this many ICMPv6 errors in any second; RFC 2463 asks for a configurable limit and gives no number.",
    ),
    Switch(
        "icmp_error_mtu",
        "--icmp-error-mtu",
        ("1280", "576"),
        "1280",
        "§6 (RFC 2463 §2.4 (c))",
        "C21",
        "An ICMPv6 error carries as much of the invoking packet as fits without exceeding the minimum "
        "MTU of RFC 2460 (1280 octets); 576: RFC 1883/1885's, the draft's own references.",
    ),
)
