"""Hypothesis strategies for the exploring machines: the network they run in, and the values their
steps carry (sequence numbers near the 2^16 wrap and the 2^15 distance, lifetimes near their edges,
malformed option lengths). The network is a scenario AST (model/dsl/ast.py), so every run can be
printed as a `.scenario` file that replays it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hypothesis import strategies as st

from mip6check.model.addr import Addr, Prefix, a
from mip6check.model.dsl import ast as A

SEQ_MOD = 1 << 16
HALF = 1 << 15

HOME_LINK = "LH"
FOREIGN = ("LA", "LB", "LC")
CN_LINK = "LN"
PREFIXES = {
    HOME_LINK: "2001:db8:1::/64",
    "LA": "2001:db8:2::/64",
    "LB": "2001:db8:3::/64",
    "LC": "2001:db8:4::/64",
    CN_LINK: "2001:db8:9::/64",
}
RENUMBERED_HOME = "2001:db8:11::/64"
HOMES = {"MN": a("2001:db8:1::100"), "MN2": a("2001:db8:1::200")}
PHANTOM_HOMES = (
    a("2001:db8:1::300"),  # the first home address fill_cache registers
    a("2001:db8:1::310"),
    a("2001:db8:1::666"),  # on the home link, held by nobody
    a("2001:db8:5::1"),  # off every home agent's links (§8.2: Status 133 for H)
)
"""Home addresses forged and malformed Binding Updates claim (no mobile node holds them)."""
OFF_LINK = "2001:db8:5::/64"
"""A prefix on no link of the network: home addresses there are off every home agent's links."""
HA_ANYCAST = a("2001:db8:1::fdff:ffff:ffff:fffe")
"""The Home-Agents anycast address of the home subnet (§8.1, RFC 2526 form)."""
KEYS = (("MN", "HA", "mn-ha secret"), ("MN", "CN", "mn-cn secret"), ("MN2", "HA", "mn2-ha secret"))
ATTACKER_LINK = "LA"


BU_KINDS = ("valid", "stale", "forged", "no-auth", "short", "c-len-16", "no-hao", "spoof")
"""Binding Updates the attacker injects (properties/explore/machines.py `inject_bu`)."""
BA_KINDS = ("keyed", "forged", "no-auth", "short")
"""Binding Acknowledgements injected toward a mobile node (`inject_ba`)."""
BU_VARIANTS = ("coa-field", "no-ack", "idlen-0", "idlen-48", "dereg", "coa-is-home")
"""Header variants of an injected Binding Update (`inject_bu`): the Care-of Address field (C) set,
A clear, ID Length 0 or an odd 48 for H (§8.2: 136), Lifetime 0 or care-of = home (§7.4, §8.3)."""
ATTACK_KINDS = (
    "seq-pair",
    "malformed",
    "not-ha",
    "off-link",
    "idlen",
    "dereg-idlen",
    "anycast",
    "full-cache",
    "bind-use",
    "expiry-edge",
    "icmp-unreach",
    "bad-ba",
    "blackout",
    "br-burst",
)
"""Targeted plans of several steps (properties/explore/attacks.py), swarmed per run like the rules."""


BINDACK_CAP_S = 16
"""A MAX_BINDACK_TIMEOUT (§9.7, §11) some runs configure (`set max-bindack-timeout 16s`): reached
after 31 s of silence, so what happens at and past the cap fits in a run and in an update's
Lifetime. Above SLOW_UPDATE_RATE (10 s), so the §9.8 slow rate never outlasts the capped timeout."""


@dataclass(frozen=True, slots=True)
class Place:
    """Where the machine's rules act: the home link and prefix, the attacker's link and prefix, the
    modelled mobile nodes' home addresses, the homes forged updates claim, a prefix on no link and
    the home subnet's Home-Agents anycast address (§8.1). The drawn network uses the constants above;
    a run started from a capture (properties/explore/from_capture.py) uses the capture's."""

    home_link: str = HOME_LINK
    home_prefix: str = PREFIXES[HOME_LINK]
    attacker_link: str = ATTACKER_LINK
    attacker_prefix: str = PREFIXES[ATTACKER_LINK]
    homes: tuple[tuple[str, Addr], ...] = tuple(HOMES.items())
    phantoms: tuple[Addr, ...] = PHANTOM_HOMES
    off_link: str = OFF_LINK
    anycast: Addr = HA_ANYCAST

    def home(self, mn: str) -> Addr:
        """The home address of the modelled mobile node `mn`."""
        return dict(self.homes)[mn]


DEFAULT_PLACE = Place()


@dataclass(frozen=True, slots=True)
class Setup:
    """The per-run choices of the network: how many foreign links, who is there, capacities, one link's
    impairments, the draft reading (switches) and the engine seed."""

    foreign: int = 2  # 2 or 3 foreign links
    legacy_cn: bool = False  # a second, legacy correspondent on LB (§9.9: Parameter Problem)
    second_mn: bool = False  # a second mobile node sharing the home agent
    ha_capacity: int | None = None
    cn_capacity: int | None = None
    lossy: str | None = None  # the link with impairments
    delay: int = 1
    loss: float = 0.0
    dup: float = 0.0
    reorder: int = 0
    verify_auth: bool = False  # AuthMode.VERIFY: AH ICVs are checked with the scenario's keys
    seq_half_accept: bool = False
    # C13 read as §9.7 alone: home registrations stop retransmitting at the cap too
    retx_stop: bool = False
    # MAX_BINDACK_TIMEOUT configured lower (seconds): the §9.7 cap is reached, and passed, well
    # within an update's Lifetime (the default 256 s cap is reached 511 s in, past a 300 s one)
    bindack_cap_s: int | None = None
    # B2: the literal §9.10 test (Option Length >= 12): an 11-octet acknowledgement is then too short
    ba_min_length: int = 11
    seed: int = 0
    # swarm testing: each run injects only some kinds, so a rare kind is drawn often in some runs
    bu_kinds: tuple[str, ...] = BU_KINDS
    ba_kinds: tuple[str, ...] = BA_KINDS
    bu_variants: tuple[str, ...] = BU_VARIANTS
    attacks: tuple[str, ...] = ATTACK_KINDS
    # MAY choices (model/roles/choices.py), stated as `choice NODE na-rexmit N` lines: how many times
    # the home agent and the mobile nodes repeat their Neighbor Advertisements (§8.2, §9.13)
    na_rexmit_ha: int = 0
    na_rexmit_mn: int = 0


setups = st.builds(
    Setup,
    foreign=st.sampled_from((2, 3)),
    legacy_cn=st.booleans(),
    second_mn=st.booleans(),
    ha_capacity=st.sampled_from((None, 2, 3)),
    cn_capacity=st.sampled_from((None, 1, 2)),
    lossy=st.sampled_from((None, HOME_LINK, "LA", "LB", CN_LINK)),
    delay=st.sampled_from((1, 5, 20)),
    loss=st.sampled_from((0.0, 0.1, 0.3)),
    dup=st.sampled_from((0.0, 0.2)),
    reorder=st.sampled_from((0, 30)),
    verify_auth=st.sampled_from((False, False, False, True)),  # most plans need updates accepted
    seq_half_accept=st.sampled_from((False, False, True)),
    retx_stop=st.sampled_from((False, False, False, True)),
    bindack_cap_s=st.sampled_from((None, None, None, BINDACK_CAP_S)),
    ba_min_length=st.sampled_from((11, 11, 11, 12)),
    seed=st.integers(0, 3),
    bu_kinds=st.lists(st.sampled_from(BU_KINDS), min_size=1, max_size=3, unique=True).map(tuple),
    ba_kinds=st.lists(st.sampled_from(BA_KINDS), min_size=1, max_size=2, unique=True).map(tuple),
    bu_variants=st.lists(st.sampled_from(BU_VARIANTS), max_size=3, unique=True).map(tuple),
    attacks=st.lists(st.sampled_from(ATTACK_KINDS), min_size=2, max_size=6, unique=True).map(tuple),
    na_rexmit_ha=st.sampled_from((0, 0, 1, 3)),
    na_rexmit_mn=st.sampled_from((0, 0, 1, 3)),
)
"""Network setups; the simplest (shrunk) one is two foreign links, no impairments, default reading."""


READING_AIMS: dict[str, frozenset[str]] = {
    "retx_stop": frozenset({"MN-CN-RETX-STOP", "MN-HOME-RETX"}),
    "bindack_cap_s": frozenset({"MN-BACKOFF", "MN-CN-RETX-STOP", "MN-HOME-RETX"}),
    "ba_min_length": frozenset({"W-BA-MINLEN"}),
}
"""The readings and constants (Setup fields) each property's rule turns on: a search aimed at one of
them sets the field in half the runs it would not have (as `attacks.AIMED_WEIGHT` does for plans)."""


def aimed_setup(s: Setup, only: frozenset[str] | None, data: st.DataObject) -> Setup:
    """`s` with the readings the aimed properties turn on set in half the runs (unchanged, and no
    draw made, when the search is not aimed)."""
    if only is None:
        return s
    coin = st.booleans()
    if READING_AIMS["retx_stop"] & only and data.draw(coin, label="aimed retx_stop") is True:
        s = replace(s, retx_stop=True)
    if READING_AIMS["bindack_cap_s"] & only and data.draw(coin, label="aimed cap") is True:
        s = replace(s, bindack_cap_s=BINDACK_CAP_S)
    if READING_AIMS["ba_min_length"] & only and data.draw(coin, label="aimed B2") is True:
        s = replace(s, ba_min_length=12)
    return s


def topology(s: Setup) -> A.Scenario:
    """The scenario AST of a setup (no timeline yet): home link LH with home agent HA (the router of
    every link, so no static routes are needed), foreign links LA, LB (LC), correspondent CN on LN,
    optional legacy CN2 on LB, mobile MN (and MN2) at home, attacker X on LA."""
    names = [HOME_LINK, *FOREIGN[: s.foreign], CN_LINK]
    links = []
    for n in names:
        imp = s.lossy == n
        links.append(
            A.Link(
                n,
                Prefix.parse(PREFIXES[n]),
                delay=s.delay if imp else 1,
                loss=s.loss if imp else 0.0,
                dup=s.dup if imp else 0.0,
                reorder=s.reorder if imp else 0,
            )
        )
    nodes: list[A.Node] = [
        A.HomeAgent("HA", tuple(names), capacity=s.ha_capacity),
        A.Correspondent("CN", (CN_LINK,), capacity=s.cn_capacity),
    ]
    if s.legacy_cn:
        nodes.append(A.Correspondent("CN2", ("LB",), legacy=True))
    nodes.append(A.Mobile("MN", HOMES["MN"], "HA", (HOME_LINK,)))
    if s.second_mn:
        nodes.append(A.Mobile("MN2", HOMES["MN2"], "HA", (HOME_LINK,)))
    nodes.append(A.Attacker("X", (ATTACKER_LINK,)))
    present = {n.name for n in nodes}
    keys = tuple(A.Key(x, y, k) for x, y, k in KEYS if x in present and y in present)
    switches: list[A.Switch] = []
    if s.verify_auth:
        switches.append(A.Switch("auth", A.WordValue("verify")))
    if s.seq_half_accept:
        switches.append(A.Switch("seq-half", A.WordValue("accept")))
    if s.retx_stop:
        switches.append(A.Switch("retx-at-max", A.WordValue("stop")))
    if s.bindack_cap_s is not None:
        switches.append(A.Switch("max-bindack-timeout", A.TimeValue(s.bindack_cap_s * 1000)))
    if s.ba_min_length != 11:
        switches.append(A.Switch("ba-min-length", A.IntValue(s.ba_min_length)))
    return A.Scenario(
        links=tuple(links),
        nodes=tuple(nodes),
        keys=keys,
        switches=tuple(switches),
        seed=s.seed,
        choices=na_choices(nodes, s),
    )


def na_choices(nodes: tuple[A.Node, ...] | list[A.Node], s: Setup) -> tuple[A.Choice, ...]:
    """The setup's Neighbor Advertisement repeat counts (§8.2, §9.13 MAY) as `choice` lines: for every
    home agent and every mobile node (none when the count is 0, the default policy)."""
    out = [
        A.Choice(n.name, "na-rexmit", k)
        for n in nodes
        for k in (
            s.na_rexmit_ha
            if isinstance(n, A.HomeAgent)
            else s.na_rexmit_mn
            if isinstance(n, A.Mobile)
            else 0,
        )
        if k
    ]
    return tuple(out)


def mobiles(s: A.Scenario) -> list[str]:
    """Names of the scenario's mobile nodes, in declaration order."""
    return [n.name for n in s.nodes if isinstance(n, A.Mobile)]


def foreign_links(s: A.Scenario) -> list[str]:
    return [lk.name for lk in s.links if lk.name in FOREIGN]


def seq_near(current: int | None) -> st.SearchStrategy[int]:
    """Sequence numbers biased toward the wrap (0, 2^16-1), the half distance (2^15) and the current
    value's neighbourhood (equal, one less, one more, +-2^15, +2^15-1)."""
    fixed = [0, 1, HALF - 1, HALF, HALF + 1, SEQ_MOD - 2, SEQ_MOD - 1]
    if current is not None:
        fixed += [
            (current + d) % SEQ_MOD for d in (0, 1, -1, 2, HALF, HALF - 1, HALF + 1, -HALF + 1)
        ]
    return st.one_of(st.sampled_from(sorted(set(fixed))), st.integers(0, SEQ_MOD - 1))


lifetimes = st.sampled_from((0, 1, 2, 5, 60, 300, A.INFINITY))
"""Lifetimes in seconds: deletion, short ones whose expiry falls inside a run, infinity (§5.1)."""

ba_statuses = st.sampled_from((0, 1, 128, 129, 130, 131, 132, 133, 134, 135, 136, 255))
"""Status values of §5.2: accepted (< 128), each rejection code, and an unassigned one."""

bad_bu_lengths = st.sampled_from((0, 2, 4, 7))
"""Binding Update Option Lengths below the 8-octet fixed part (W-BU-MINLEN, §7.2)."""

bad_ba_lengths = st.sampled_from((0, 5, 10))
"""Binding Acknowledgement Option Lengths below the 11-octet minimum (W-BA-MINLEN, §9.10)."""


def short_ba_lengths(min_length: int) -> st.SearchStrategy[int]:
    """Option Lengths the receiver must take as too short: under B2's literal reading (12) the
    11-octet layout itself, which decodes whole and is refused only by the length test (§9.10)."""
    if min_length <= 11:
        return bad_ba_lengths
    return st.sampled_from((11, 11, 0, 5, 10))


small_delays = st.sampled_from((1, 10, 100, 250, 500, 999, 1000, 1001, 1500, 2000, 3000, 5000))
"""Plain time advances (ms) beside the deadline-driven ones."""


def addr_in(prefix: str, iid: int) -> Addr:
    """`prefix` with a small interface identifier (filler home addresses, forged sources)."""
    return Prefix.parse(prefix).with_iid(iid.to_bytes(16, "big"))
