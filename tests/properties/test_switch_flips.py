"""Every ambiguity switch acts: for each row of SWITCHES, a verdict that flips with the switch, in
replay (a capture built here with the codec, judged under both readings) and in a simulation (a
scenario run with and without its `set` line). A switch without a case here fails the table test, so
a new switch cannot be added without showing where it acts."""

from __future__ import annotations

import importlib.util
import ipaddress
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from mip6check.model.codec import encode_packet, option_offset
from mip6check.model.codec.options import dest_options
from mip6check.model.codec.values import (
    AH,
    DRAFT08,
    UDP,
    BindingAck,
    BindingUpdate,
    DestUnreachable,
    HomeAddress,
    IPv6Packet,
    MalformedOption,
    NoNextHeader,
    ParamProblem,
    Raw,
    Routing0,
)
from mip6check.model.config import DEFAULT, Config
from mip6check.model.dsl import parse_scenario
from mip6check.model.dsl.switches import config_of
from mip6check.model.switches import SWITCHES
from mip6check.properties.replay import ReplayOptions, SecurityAssociation, replay_file
from mip6check.properties.runjudge import judge_scenario

ROOT = Path(__file__).resolve().parents[2]


def _captures() -> ModuleType:
    """tools/make_captures.py: the corpus's packet builders (codec values, encoded on write)."""
    name = "_mip6_switch_flip_captures"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / "make_captures.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


MC = _captures()


@dataclass(frozen=True)
class Flip:
    """One switch's flip: `value` is the reading set (as a scenario writes it).

    Replay: `capture` adds packets to a corpus Capture; `pid` is violated under exactly one reading,
    `flagged_by_default` says which. Simulation: `scenario` is run without and with `set NAME value`;
    its last expectation holds under exactly one reading, `holds_by_default` says which."""

    value: str
    capture: Callable[[object], None] | None
    pid: str
    flagged_by_default: bool
    scenario: str
    holds_by_default: bool
    replay_gap: str = ""  # why replay has no judge this switch changes (capture None)
    # rows of other rules a judge may flag in the run whatever the switch says, with the reason
    tolerated: tuple[str, ...] = ()


TOPOLOGY = """\
link home prefix 2001:db8:1::/64
link foreign1 prefix 2001:db8:2::/64
link core prefix 2001:db8:3::/64
home-agent HA on home, core
router R1 on foreign1, core
correspondent CN on core
attacker X on core
mobile MN home 2001:db8:1::100 agent HA on foreign1
seed 12
"""
"""HA is 2001:db8:3::1 on core, CN 2001:db8:3::3, X 2001:db8:3::4 (positions in the file)."""

OTHER_HOME = "2001:db8:1::200"  # a home address no mobile node of the scenario uses
NOBODY = "2001:db8:2::99"  # a care-of address no node holds: acknowledgements to it end at R1
NOBODY_CORE = "2001:db8:3::99"  # a source no node holds (the care-of address without a CoA field)


def _ip(text: str) -> bytes:
    return ipaddress.IPv6Address(text).packed


# ------------------------------------------------------------------ the captures, one per switch


def cap_profile(c: object) -> None:
    """A draft08-numbered (198) home registration without AH: a Binding Update needing AH under
    draft08; an unknown option under draft04."""
    c.at(0, MC.bu_pkt(MC.COA1, MC.HA, 7, 60, h=True, auth="none", profile=DRAFT08))  # type: ignore[attr-defined]


def cap_seq_half(c: object) -> None:
    """Sequence 0 accepted, then 32768 (distance exactly 2^15) accepted too."""
    MC.route_opt(c, 0, seq=0)
    MC.route_opt(c, 2000, seq=32768)


def cap_seq_equal_ack(c: object) -> None:
    """An identical retransmission (same Sequence Number) acknowledged a second time."""
    MC.route_opt(c, 0, seq=5)
    MC.route_opt(c, 2000, seq=5)


def cap_ba_min_length(c: object) -> None:
    """An 11-octet acknowledgement of a home registration, after which the mobile node sends no
    retransmission for 300 s: it acted on a BA the literal §9.10 test (12) says to ignore."""
    MC.registration(c, 0, seq=7)
    c.at(300_000, MC.udp(MC.COA1, MC.CN, 1, hao=MC.HOME))  # type: ignore[attr-defined]


def cap_bu_c_length(c: object) -> None:
    """A Binding Update with C set and Option Length 16 (the text's "+8"), acknowledged."""
    b = BindingUpdate(5, 60, True, False, True, 0, None, 0, bytes(8), 195)
    opts = dest_options(b, HomeAddress(MC.HOME, b"", 196))
    c.at(0, IPv6Packet(MC.COA1, MC.CN, (AH(0x100, 5, bytes(12)), opts), NoNextHeader()))  # type: ignore[attr-defined]
    c.at(3, MC.ba_pkt(MC.CN, MC.COA1, 5))  # type: ignore[attr-defined]


def cap_bu_c_ignored(c: object) -> None:
    """A Binding Update with C set and Option Length 8 (§7.2's test read without the C bit), acknowledged."""
    b = BindingUpdate(5, 60, True, False, True, 0, None, 0, b"", 195)
    opts = dest_options(b, HomeAddress(MC.HOME, b"", 196))
    c.at(0, IPv6Packet(MC.COA1, MC.CN, (AH(0x100, 5, bytes(12)), opts), NoNextHeader()))  # type: ignore[attr-defined]
    c.at(3, MC.ba_pkt(MC.CN, MC.COA1, 5))  # type: ignore[attr-defined]


def cap_option_extensions(c: object) -> None:
    """A Binding Request with Option Length 2."""
    c.at(0, MC.br_pkt(MC.CN, MC.COA1, ext=b"\0\0"))  # type: ignore[attr-defined]
    c.at(300, MC.bu_pkt(MC.COA1, MC.CN, 1, 60))  # type: ignore[attr-defined]


def cap_rate_scope(c: object) -> None:
    """Binding Updates to two correspondents 200 ms apart."""
    c.at(0, MC.bu_pkt(MC.COA1, MC.CN, 1, 60))  # type: ignore[attr-defined]
    c.at(200, MC.bu_pkt(MC.COA1, MC.CN2, 1, 60))  # type: ignore[attr-defined]


HA_ANYCAST = "2001:db8:1::fe"


def cap_ha_anycast(c: object) -> None:
    """A home registration sent to 2001:db8:1::fe and accepted from that address (Status 0)."""
    c.at(0, MC.bu_pkt(MC.COA1, _ip(HA_ANYCAST), 7, 60, h=True))  # type: ignore[attr-defined]
    c.at(2, MC.ba_pkt(_ip(HA_ANYCAST), MC.COA1, 7))  # type: ignore[attr-defined]


def cap_icmp_error_limit(c: object) -> None:
    """150 Parameter Problems from one node within 150 ms (each about an unknown Next Header)."""
    node, peer = _ip("2001:db8:3::3"), _ip("2001:db8:3::4")
    bad = encode_packet(IPv6Packet(peer, node, (), NoNextHeader()))
    for k in range(150):
        c.at(1_000 + k, IPv6Packet(node, peer, (), ParamProblem(1, 6, bad)))  # type: ignore[attr-defined]


def _unknown_next_headers(n: int) -> str:
    """`n` packets from X to CN with Next Header 253, 1 ms apart from 2 s, as `inject raw` lines."""
    raw = (
        "6000 0000 0008 fd40 2001 0db8 0003 0000 0000 0000 0000 0004 "
        "2001 0db8 0003 0000 0000 0000 0000 0003 0000 0000 0000 0000"
    )
    return "".join(f'at {2_000 + k}ms: inject on core raw "{raw}"\n' for k in range(n))


def cap_unreach_persist(c: object) -> None:
    """Two Destination Unreachable errors for packets routed by a binding, then the binding used again."""
    MC.route_opt(c, 0, seq=1)
    for k in range(2):
        p = MC.rh_udp(MC.CN, MC.COA1, k)
        c.at(1000 + 1000 * k, p)  # type: ignore[attr-defined]
        err = IPv6Packet(MC.PREV_RTR, MC.CN, (), DestUnreachable(3, encode_packet(p)))
        c.at(1001 + 1000 * k, err)  # type: ignore[attr-defined]
    c.at(5000, MC.rh_udp(MC.CN, MC.COA1, 9))  # type: ignore[attr-defined]


def _raw_unreachable() -> str:
    """A Destination Unreachable from R1 to CN about a packet CN routed via the care-of address."""
    inner = IPv6Packet(
        _ip("2001:db8:3::3"),
        _ip("2001:db8:2::100"),
        (Routing0(1, (_ip("2001:db8:1::100"),)),),
        UDP(7, 7, b"x"),
    )
    err = IPv6Packet(
        _ip("2001:db8:3::2"), _ip("2001:db8:3::3"), (), DestUnreachable(3, encode_packet(inner))
    )
    return encode_packet(err).hex()


def _long_unknown_next_header() -> IPv6Packet:
    """1300 octets from X to CN with Next Header 253: CN's Parameter Problem carries what fits."""
    return IPv6Packet(_ip("2001:db8:3::4"), _ip("2001:db8:3::3"), (), Raw(253, bytes(1260)))


def cap_icmp_error_mtu(c: object) -> None:
    """CN's Parameter Problem about a 1300-octet packet cut to the RFC 2460 bound: 1280 octets, above
    the 576 of RFC 1883/1885 (C21)."""
    bad = encode_packet(_long_unknown_next_header())
    err = IPv6Packet(_ip("2001:db8:3::3"), _ip("2001:db8:3::4"), (), ParamProblem(1, 6, bad[:1232]))
    c.at(1_000, err)  # type: ignore[attr-defined]


def _raw_rh_hop_limit_1() -> str:
    """A packet from CN to the care-of address, Routing header to the home address, Hop Limit 1."""
    pkt = IPv6Packet(
        _ip("2001:db8:3::3"),
        _ip("2001:db8:2::100"),
        (Routing0(1, (_ip("2001:db8:1::100"),)),),
        UDP(7, 7, b"x"),
        hop_limit=1,
    )
    return encode_packet(pkt).hex()


def _pp2_about_hao(src: bytes, bu_packet: IPv6Packet) -> IPv6Packet:
    """An ICMP Parameter Problem code 2 from `src` about a Binding Update's packet, its Pointer at the
    Home Address option beside the Binding Update (C17)."""
    data = encode_packet(bu_packet)
    at = option_offset(data, 196)
    assert at is not None and at != option_offset(data, 195)
    return IPv6Packet(src, bu_packet.src, (), ParamProblem(2, at, data))


def cap_pp2_pointer(c: object) -> None:
    """A Parameter Problem code 2 pointing at the Home Address option of a Binding Update's packet,
    then another Binding Update to the same correspondent."""
    MC.route_opt(c, 0, seq=1)
    c.at(1000, _pp2_about_hao(MC.CN, MC.bu_pkt(MC.COA1, MC.CN, 1, 60)))  # type: ignore[attr-defined]
    c.at(5000, MC.bu_pkt(MC.COA1, MC.CN, 2, 60))  # type: ignore[attr-defined]


def _raw_pp2_about_hao() -> str:
    """The scenario's correspondent answering the mobile node's Binding Update with that error."""
    bu = MC.bu_pkt(_ip("2001:db8:2::100"), _ip("2001:db8:3::3"), 1, 60)
    return encode_packet(_pp2_about_hao(_ip("2001:db8:3::3"), bu)).hex()


def cap_retx_at_max(c: object) -> None:
    """A home registration never acknowledged, retransmitted with back-off up to 255 s (the next wait
    would be MAX_BINDACK_TIMEOUT), tunnelled for by the home agent, then silent until 600 s."""
    for t in (0, 1, 3, 7, 15, 31, 63, 127, 255):
        c.at(t * 1000, MC.bu_pkt(MC.COA1, MC.HA, 7, 60, h=True))  # type: ignore[attr-defined]
        if t == 1:
            c.at(2000, MC.encapsulate(MC.udp(MC.CN, MC.HOME, 1), MC.HA, MC.COA1))  # type: ignore[attr-defined]
    c.at(600_000, MC.udp(MC.COA1, MC.CN, 2, hao=MC.HOME))  # type: ignore[attr-defined]


def cap_fast_count(c: object) -> None:
    """A Binding Update and four retransmissions (five transmissions, one care-of address), then a new
    Binding Update 1.5 s after the last: too soon if retransmissions count toward MAX_FAST_UPDATES."""
    for t in (0, 1, 3, 7, 15):
        c.at(t * 1000, MC.bu_pkt(MC.COA1, MC.CN, 1, 60))  # type: ignore[attr-defined]
    c.at(16_500, MC.bu_pkt(MC.COA1, MC.CN, 2, 60))  # type: ignore[attr-defined]


def cap_auth(c: object) -> None:
    """A home registration whose AH ICV does not verify with the pair's key (given to replay)."""
    c.at(0, MC.bu_pkt(MC.COA1, MC.HA, 7, 60, h=True))  # type: ignore[attr-defined]


SA_KEYS = (SecurityAssociation(MC.HOME, MC.HA, "hmac-sha1-96", MC.SA_KEY),)
"""The key of the mobile node and its home agent: `auth` is the one switch replay needs keys for."""


def _raw_draft08_bu() -> str:
    """A draft08-numbered Binding Update (198) from X to the home agent, as hex for `inject raw`."""
    b = BindingUpdate(3, 60, True, True, False, 64, None, 0, b"", DRAFT08.bu)
    pkt = IPv6Packet(
        _ip("2001:db8:3::4"),
        _ip("2001:db8:3::1"),
        (dest_options(b, HomeAddress(_ip(OTHER_HOME), b"", DRAFT08.hao)),),
        NoNextHeader(),
    )
    return encode_packet(pkt).hex()


CASES: dict[str, Flip] = {
    "profile": Flip(
        "draft08",
        cap_profile,
        "W-BU-NEEDS-AUTH",
        False,
        f'at 2s: inject on core raw "{_raw_draft08_bu()}"\nrun until 4s\n'
        "expect by 3s: HA sent param-problem\n",
        True,
    ),
    "seq_half": Flip(
        "accept",
        cap_seq_half,
        "MN-SEQ-INCREASE",
        True,
        f"at 2s: inject on core bu from X to CN home {OTHER_HOME} seq 0 lifetime 60 coa {NOBODY} flags a\n"
        f"at 3s: inject on core bu from X to CN home {OTHER_HOME} seq 32768 lifetime 60 coa {NOBODY} flags a\n"
        "run until 5s\nexpect never: CN ignored bu\n",
        False,
    ),
    "seq_equal_ack": Flip(
        "on",
        cap_seq_equal_ack,
        "MN-BA-ACCEPTED",
        True,
        f"at 2s: inject on core bu from X to CN home {OTHER_HOME} seq 5 lifetime 60 coa {NOBODY} flags a\n"
        f"at 3s: inject on core bu from X to CN home {OTHER_HOME} seq 5 lifetime 60 coa {NOBODY} flags a\n"
        "run until 5s\nexpect by 4s: CN sent ba count 2\n",
        False,
    ),
    "ba_min_length": Flip(
        "12",
        cap_ba_min_length,
        "W-BA-MINLEN",
        False,
        "run until 9s\nexpect never: MN sent bu to HA count 3\n",
        True,
    ),
    "bu_c_length": Flip(
        "literal",
        cap_bu_c_length,
        "W-BU-MINLEN",
        True,
        f"at 2s: inject on core bu from {NOBODY_CORE} to CN home {OTHER_HOME} seq 5 lifetime 60 "
        f"coa {NOBODY} flags a length 16\nrun until 4s\n"
        f"expect never: CN cache has {OTHER_HOME}\n",
        True,
    ),
    "bu_c_length=ignore-c": Flip(
        "ignore-c",
        cap_bu_c_ignored,
        "W-BU-MINLEN",
        True,
        f"at 2s: inject on core bu from {NOBODY_CORE} to CN home {OTHER_HOME} seq 5 lifetime 60 "
        f"coa {NOBODY} flags a length 8\nrun until 4s\n"
        f"expect never: CN cache has {OTHER_HOME}\n",
        True,
    ),
    "option_extensions": Flip(
        "allowed",
        cap_option_extensions,
        "W-BR-LEN",
        True,
        "at 2s: inject on foreign1 br from CN to MN length 2\nrun until 4s\n"
        "expect: property W-BR-LEN violated\n",
        True,
    ),
    "pp2_pointer": Flip(
        "read",
        cap_pp2_pointer,
        "MN-ICMP-PP2-STOP",
        True,
        "at 300ms: send CN -> MN flow 1\n"
        f'at 2s: inject on foreign1 raw "{_raw_pp2_about_hao()}"\nrun until 3s\n'
        "expect never: MN noted no-more-bu\n",
        False,
    ),
    "retx_at_max": Flip(
        "stop",
        cap_retx_at_max,
        "MN-HOME-RETX",
        True,
        "at 50ms: drop next 100000 on core\nrun until 560s\n"
        "expect by 550s: MN sent bu to HA count 10\n",
        True,
    ),
    "fast_count": Flip(
        "updates",
        cap_fast_count,
        "MN-SLOW-RATE",
        True,
        "at 50ms: drop next 100000 on core\n"
        "at 16s: inject on foreign1 br from 2001:db8:1::1 to MN\nrun until 19s\n"
        "expect by 18s: MN sent bu to HA count 6\n",
        False,
        # §9.11: the model answers its home agent's Binding Request as a correspondent's (H clear,
        # Lifetime 300 s, ending before the 600 s registration); a rule of its own, not §9.8's
        tolerated=("MN-BR-LIFETIME",),
    ),
    "rate_scope": Flip(
        "aggregate",
        cap_rate_scope,
        "MN-RATE-LIMIT",
        False,
        "at 300ms: send CN -> MN flow 1\nrun until 3s\nexpect by 1s: MN sent bu to CN\n",
        True,
    ),
    "ha_anycast": Flip(
        HA_ANYCAST,
        cap_ha_anycast,
        "HA-DHAAD-135",
        False,
        f"at 2s: inject on core bu from X to {HA_ANYCAST} home {OTHER_HOME} seq 1 lifetime 60 "
        "flags a h\nrun until 4s\nexpect by 3s: HA sent ba status 135\n",
        False,
    ),
    "unreach_persist": Flip(
        "2",
        cap_unreach_persist,
        "BC-ICMP-UNREACH",
        False,
        "at 300ms: send CN -> MN flow 1\n"
        f'at 2s: inject on core raw "{_raw_unreachable()}"\n'
        f'at 2100ms: inject on core raw "{_raw_unreachable()}"\n'
        "run until 4s\nexpect at 3s: CN cache has 2001:db8:1::100\n",
        True,
    ),
    "icmp_error_limit": Flip(
        "200",
        cap_icmp_error_limit,
        "IPV6-ICMP-RATE",
        True,
        _unknown_next_headers(150)
        + "run until 4s\nexpect by 3s: CN sent param-problem count 101\n",
        False,
    ),
    "icmp_error_mtu": Flip(
        "576",
        cap_icmp_error_mtu,
        "IPV6-ICMP-ERROR-SIZE",
        False,
        f'at 2s: inject on core raw "{encode_packet(_long_unknown_next_header()).hex()}"\n'
        "run until 4s\nexpect by 3s: CN sent param-problem to X code 1 octets 1280\n",
        True,
    ),
    "auth": Flip(
        "verify",
        cap_auth,
        "W-BU-NEEDS-AUTH",
        False,
        'key MN HA "s3cret"\n'
        f"at 2s: inject on core bu from X to HA home {OTHER_HOME} seq 1 lifetime 600 coa {NOBODY} flags a h "
        f"id-length 64\nrun until 3s\nexpect never: HA cache has {OTHER_HOME}\n",
        False,
    ),
    "rh_strict_hop_limit": Flip(
        "on",
        None,
        "",
        False,
        f'at 2s: inject on foreign1 raw "{_raw_rh_hop_limit_1()}"\nrun until 3s\n'
        'expect never: MN dropped "rh-hop-limit"\n',
        True,
        "no replay judge reads the Hop Limit of a packet reaching a care-of address",
    ),
    "br_threshold": Flip(
        "200s",
        None,
        "",
        False,
        "at 300ms: send CN -> MN flow 1\nat 150s: send CN -> MN count 5 every 1s flow 2\n"
        "run until 160s\nexpect by 158s: CN sent br\n",
        False,
        "no catalog row obliges a correspondent to send a Binding Request (§7.6: MAY)",
    ),
    "br_min_interval": Flip(
        "60s",
        None,
        "",
        False,
        "set br-threshold 299s\nat 300ms: send CN -> MN flow 1\n"
        "at 3s: send CN -> MN count 30 every 1s flow 2\nrun until 34s\n"
        "expect by 33s: CN sent br count 2\n",
        True,
        "no catalog row judges the rate of Binding Requests (§4.3 asks for a limit, no value)",
    ),
}
"""Every switch's flip case; `capture` None where replay has no judge the reading changes."""


def _field(key: str) -> str:
    """A case key is the Config field, or `field=value` for a further alternative of an enumeration."""
    return key.split("=", 1)[0]


def _replay(tmp_path: Path, key: str, flip: Flip, cfg: Config) -> set[str]:
    assert flip.capture is not None
    name = key.replace("=", "-")
    c = MC.Capture(f"flip-{name}", "fault", "switch flip")
    flip.capture(c)
    MC.OUT = tmp_path
    MC.write(c)
    opts = ReplayOptions(config=cfg, sa_keys=SA_KEYS)
    rep = replay_file(str(tmp_path / f"flip-{name}.pcapng"), opts)
    return {v.property for v in rep.violations}


def _set_line(key: str, value: str) -> str:
    return f"set {_field(key).replace('_', '-')} {value}\n"


def _switched(key: str, value: str) -> Config:
    return config_of(parse_scenario(f"{TOPOLOGY}{_set_line(key, value)}run until 1s\n", "flip"))


def _simulated(flip: Flip, set_line: str) -> bool:
    """The last expectation's verdict; the model and the run's judges (monitors, whole-log checks,
    replay of the run's capture) read the same switch, so no judge may flag the clean model."""
    run = judge_scenario(parse_scenario(TOPOLOGY + set_line + flip.scenario, "flip.scenario"))
    flagged = [v.property for v in run.violations if v.property not in flip.tolerated]
    assert flagged == [], set_line
    return run.results[-1].ok


REPLAYED = sorted(n for n, f in CASES.items() if f.capture is not None)


def test_every_switch_has_a_flip_case() -> None:
    """Every row of SWITCHES, and every alternative value of an enumerated one, has a case."""
    fields = {s.field for s in SWITCHES}
    assert fields - {_field(k) for k in CASES} == set(), "a switch without a flip case"
    assert {_field(k) for k in CASES} <= fields
    for s in SWITCHES:
        words = [c for c in s.choices if c not in ("", "MS", "N", "ADDRESS") and c != s.default]
        for w in words[1:]:
            assert f"{s.field}={w}" in CASES, f"{s.flag} {w}: no flip case"
        if words:
            assert CASES[s.field].value == words[0], s.field
    for key, flip in CASES.items():
        assert (flip.capture is None) == bool(flip.replay_gap), key
        if "=" in key:
            assert key.split("=", 1)[1] == flip.value, key


def test_replay_gaps_are_the_known_ones() -> None:
    """The switches replay does not act on, named so that closing a gap updates this list."""
    assert sorted(set(CASES) - set(REPLAYED)) == [
        "br_min_interval",
        "br_threshold",
        "rh_strict_hop_limit",
    ]


@pytest.mark.parametrize("key", REPLAYED)
def test_replay_verdict_flips(key: str, tmp_path: Path) -> None:
    flip = CASES[key]
    cfg = _switched(key, flip.value)
    assert cfg != DEFAULT
    default = flip.pid in _replay(tmp_path, key, flip, DEFAULT)
    switched = flip.pid in _replay(tmp_path, key, flip, cfg)
    assert (default, switched) == (flip.flagged_by_default, not flip.flagged_by_default)


@pytest.mark.parametrize("key", sorted(CASES))
def test_simulation_verdict_flips(key: str) -> None:
    flip = CASES[key]
    default = _simulated(flip, "")
    switched = _simulated(flip, _set_line(key, flip.value))
    assert (default, switched) == (flip.holds_by_default, not flip.holds_by_default)


def test_one_extension_policy_for_three_options(tmp_path: Path) -> None:
    """B13: the Binding Request (0), Acknowledgement (12) and Home Address option (16), each longer
    than the length it "MUST be set to", are judged alike: all flagged under `fixed`, none under
    `allowed`; a Home Address option too short for its address is flagged under both."""
    c = MC.Capture("flip-b13", "fault", "one extension policy")
    c.at(0, MC.br_pkt(MC.CN, MC.COA1, ext=b"\0\0"))  # type: ignore[attr-defined]
    c.at(100, MC.bu_pkt(MC.COA1, MC.HA, 7, 60, h=True))  # type: ignore[attr-defined]
    ba = BindingAck(0, 7, 60, 60, b"\0\0", 2)
    rh, ah = Routing0(1, (MC.HOME,)), AH(0x200, 7, bytes(12))
    c.at(103, IPv6Packet(MC.HA, MC.COA1, (rh, ah, dest_options(ba)), NoNextHeader()))  # type: ignore[attr-defined]
    long_hao = dest_options(HomeAddress(MC.HOME, bytes(8), 196))
    c.at(2000, IPv6Packet(MC.COA1, MC.CN, (long_hao,), UDP(1, 2, b"x")))  # type: ignore[attr-defined]
    MC.OUT = tmp_path
    MC.write(c)
    three = {"W-BR-LEN", "W-BA-LEN", "W-HAO-LEN"}
    for reading, want in (("fixed", three), ("allowed", set())):
        cfg = _switched("option_extensions", reading)
        got = _replay_file(tmp_path / "flip-b13.pcapng", cfg)
        assert got & three == want, reading
    short = MC.Capture("flip-b13-short", "fault", "HAO too short")
    short_hao = dest_options(MalformedOption(196, "HAO", bytes(8), "short"))
    short.at(0, IPv6Packet(MC.COA1, MC.CN, (short_hao,), UDP(1, 2, b"x")))  # type: ignore[attr-defined]
    MC.write(short)
    for reading in ("fixed", "allowed"):
        cfg = _switched("option_extensions", reading)
        assert "W-HAO-LEN" in _replay_file(tmp_path / "flip-b13-short.pcapng", cfg), reading


def _replay_file(path: Path, cfg: Config) -> set[str]:
    rep = replay_file(str(path), ReplayOptions(config=cfg))
    return {v.property for v in rep.violations}
