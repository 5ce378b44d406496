"""Where `explore --from CAPTURE[:PACKET]` starts: the network a capture shows, with the model playing
its home agent and correspondents, and the capture's packets up to PACKET as the run's first steps.

`derive` (properties/derive) gives the capture's links, prefixes, cast and packets. The start is a
scenario of the scenario language whose links are the capture's (plus the home link, the
correspondents' links and one spare foreign link when the capture did not record them), whose home
agent and correspondents are modelled at their captured addresses, and whose timeline begins with the
capture's packets, byte for byte, as `inject ... raw` at their captured times plus `SETTLE_MS` (the
modelled network settles first, §8.1 Router Advertisements, as every machine run does). So the
modelled receivers reach the state the capture reached from the same octets (a Binding Update
received, §7.2, §8.2, a Binding Cache entry with its Sequence Number and lifetime). Left out of the
injection: what a modelled node sent itself (the model sends its own), and neighbour discovery
(RFC 2461: its link-layer addresses name no modelled interface; the model resolves its own). The
captured mobile node is not modelled (its Binding Update List is not on the wire); the machine
continues it with Binding Updates built from what the capture shows (its home and care-of address,
its last Sequence Number), and a modelled mobile node `MN` on the capture's home link takes the rules
of the model's own mobile node.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from mip6check.model.addr import Addr, Prefix, fmt
from mip6check.model.codec import decode_packet
from mip6check.model.codec.values import (
    BindingUpdate,
    HomeAddress,
    IPv6Packet,
    NeighborAdvertisement,
    NeighborSolicitation,
    Redirect,
    RouterAdvertisement,
    RouterSolicitation,
)
from mip6check.model.dsl import ast as A
from mip6check.model.errors import DecodeError
from mip6check.properties.derive.scenario import Derived, derive
from mip6check.properties.explore import strategies as S
from mip6check.properties.replay import ReplayOptions

SETTLE_MS = 1000
"""The modelled network settles this long before the capture's first packet (as every run does)."""

MAX_IID = 64
"""A modelled node sits at its captured address when that address ends in ::1 .. ::64: the scenario
language numbers a link's nodes (::1, ::2, ... in declaration order), so others cannot be placed."""

ND_TYPES = (
    RouterSolicitation,
    RouterAdvertisement,
    NeighborSolicitation,
    NeighborAdvertisement,
    Redirect,
)

MN_IID = 0x2A0
"""Interface identifier of the modelled mobile node's home address (changed if the capture uses it)."""


class FromCaptureError(ValueError):
    """`--from` names no usable capture state (bad PACKET, no home agent, unplaceable address)."""


@dataclass(frozen=True, slots=True)
class CapturedMobile:
    """A mobile node of the capture, as its last Binding Update up to PACKET shows it (§5.1)."""

    home: Addr
    coa: Addr
    link: str  # the capture link its updates were seen on
    last: tuple[tuple[Addr, int, int, bool, int], ...]  # per destination: seq, lifetime, H, ID Len
    updates: tuple[tuple[str, bytes], ...]  # every captured Binding Update it sent: (link, octets)


@dataclass(frozen=True, slots=True)
class Start:
    """The machines' start: network, capture prefix (timeline steps), where rules act, who is who."""

    source: str
    packet: int  # the last capture frame taken (1-based)
    frames: int  # frames in the capture
    head: A.Scenario
    prefix: tuple[A.Step, ...]
    place: S.Place
    roles: tuple[tuple[str, str], ...]  # (who, how it is played)
    mobiles: tuple[CapturedMobile, ...]
    injected: int
    left_out: dict[str, int] = field(default_factory=dict)
    end_ms: int = 0
    bmc: str = (
        "not started: bounded model checking (properties/smt/bmc.py) unrolls from the kernel's "
        "initial state (empty Binding Cache and Binding Update List) and takes no starting state"
    )

    def to_json(self) -> dict[str, object]:
        return {
            "capture": self.source,
            "packet": self.packet,
            "frames": self.frames,
            "injected": self.injected,
            "left_out": dict(sorted(self.left_out.items())),
            "roles": [{"who": w, "how": h} for w, h in self.roles],
            "end_ms": self.end_ms,
            "bmc": self.bmc,
        }


def parse_from(text: str) -> tuple[str, int | None]:
    """`CAPTURE[:PACKET]` -> (path, packet or None). A path that exists as written wins (a file
    name may hold a colon)."""
    if os.path.exists(text) or ":" not in text:
        return text, None
    path, _, tail = text.rpartition(":")
    if not tail.isdigit():
        raise FromCaptureError(f"{text}: PACKET after ':' must be a frame number (1, 2, ...)")
    return path, int(tail)


def _iid(addr: Addr) -> int:
    return int.from_bytes(addr[8:], "big")


def _p64(addr: Addr) -> Prefix:
    return Prefix(addr[:8] + bytes(8), 64)


def _decode(octets: bytes) -> IPv6Packet | None:
    try:
        return decode_packet(octets)
    except DecodeError:
        return None


def _bu(pkt: IPv6Packet) -> tuple[BindingUpdate, Addr | None] | None:
    """The Binding Update a packet carries and its Home Address option's address (None without)."""
    bu: BindingUpdate | None = None
    home: Addr | None = None
    for h in pkt.headers:
        for o in getattr(h, "options", ()):
            if isinstance(o, BindingUpdate):
                bu = o
            elif isinstance(o, HomeAddress):
                home = o.home_address
    return None if bu is None else (bu, home)


def _cast(d: Derived, role: str) -> list[Addr]:
    import ipaddress

    return [ipaddress.IPv6Address(a).packed for a, roles in d.cast if role in roles]


def start_from(path: str, packet: int | None, opts: ReplayOptions | None = None) -> Start:
    """The start of a run from `path` up to frame `packet` (None: the whole capture). Raises
    CaptureError (unreadable capture), DeriveError, or FromCaptureError."""
    d = derive(path, opts)
    frames = max([p.number for p in d.packets] + [n for n, _ in d.skipped], default=0)
    if frames == 0 or not d.packets:
        raise FromCaptureError(f"{path}: the capture holds no IPv6 packet to start from")
    if packet is None:
        packet = frames
    if not 1 <= packet <= frames:
        raise FromCaptureError(f"{path}: no packet {packet} (the capture has frames 1..{frames})")
    taken = [p for p in d.packets if p.number <= packet]
    if not taken:
        raise FromCaptureError(f"{path}: no IPv6 packet up to frame {packet}")
    has = _cast(d, "home_agent")
    if not has:
        raise FromCaptureError(
            f"{path}: replay found no home agent up to the end of the capture; "
            "give one with --home-agent (and --home-prefix)"
        )
    ha = has[0]
    cns = [c for c in _cast(d, "correspondent") if c not in has]
    extra_cn = not cns  # rules need a correspondent: one is added (not in the capture)
    homes = _cast(d, "mobile_node")
    for who, a in [("home agent", ha), *(("correspondent", c) for c in cns)]:
        if not 1 <= _iid(a) <= MAX_IID:
            raise FromCaptureError(
                f"{path}: the {who} {fmt(a)} cannot be modelled at its captured address "
                f"(the scenario language places a link's nodes at ::1..::{MAX_IID})"
            )
    # links: the capture's, then the home link, the correspondents' links and a spare foreign link
    links: dict[str, Prefix] = {n: Prefix.parse(p) for n, p in d.links.items()}

    def link_for(prefix: Prefix, name: str) -> str:
        for n, p in links.items():
            if p == prefix:
                return n
        links[name] = prefix
        return name

    home_link = link_for(_p64(ha), "LH")
    cn_links = [link_for(_p64(c), f"LN{i}" if i else "LN") for i, c in enumerate(cns)]
    used = {p.network[:8] for p in links.values()}
    if extra_cn:
        net = next(
            Prefix.parse(f"2001:db8:{k:x}::/64")
            for k in range(0xE0, 0x200)
            if Prefix.parse(f"2001:db8:{k:x}::/64").network[:8] not in used
        )
        cn_links.append(link_for(net, "LN"))
        used.add(net.network[:8])
    spare_net = next(
        Prefix.parse(f"2001:db8:{k:x}::/64")
        for k in range(0xF0, 0x200)
        if Prefix.parse(f"2001:db8:{k:x}::/64").network[:8] not in used
    )
    spare = link_for(spare_net, "LF")
    off_link = next(
        f"2001:db8:{k:x}::/64"
        for k in range(0x5, 0x200)
        if Prefix.parse(f"2001:db8:{k:x}::/64").network[:8] not in used | {spare_net.network[:8]}
    )
    home_prefix = links[home_link]
    captured_addrs = {p.octets[8:24] for p in d.packets if len(p.octets) >= 40}
    mn_iid = MN_IID
    while home_prefix.with_iid(mn_iid.to_bytes(16, "big")) in captured_addrs | set(homes):
        mn_iid += 1
    mn_home = home_prefix.with_iid(mn_iid.to_bytes(16, "big"))
    # nodes in declaration order so that each modelled one gets its captured interface identifier
    want: dict[int, A.Node] = {
        _iid(ha): A.HomeAgent("HA", tuple(links)),
    }
    for i, (c, ln) in enumerate(zip(cns, cn_links, strict=True)):
        name = "CN" if i == 0 else f"CN{i + 2}"  # CN2 names the drawn network's legacy one
        if _iid(c) in want:
            raise FromCaptureError(
                f"{path}: the correspondent {fmt(c)} has the interface identifier of another "
                "modelled node: both cannot be placed"
            )
        want[_iid(c)] = A.Correspondent(name, (ln,))
    free = next(k for k in range(1, MAX_IID + 2) if k not in want)
    want[free] = A.Attacker("X", (spare,))
    if extra_cn:
        free = next(k for k in range(1, MAX_IID + 2) if k not in want)
        want[free] = A.Correspondent("CN", (cn_links[-1],))
    nodes: list[A.Node] = []
    for k in range(1, max(want) + 1):
        nodes.append(want.get(k) or A.Attacker(f"F{k}", (spare,)))  # placeholders: inert hosts
    nodes.append(A.Mobile("MN", mn_home, "HA", (home_link,)))
    present = {n.name for n in nodes}
    keys = tuple(
        A.Key(x, y, k)
        for x, y, k in (("MN", "HA", "mn-ha secret"), ("MN", "CN", "mn-cn secret"))
        if x in present and y in present
    )
    head = A.Scenario(
        links=tuple(A.Link(n, p) for n, p in links.items()),
        nodes=tuple(nodes),
        keys=keys,
        seed=0,
    )
    modelled = _modelled_addresses(head)
    prefix: list[A.Step] = []
    left: dict[str, int] = {}
    mobiles: dict[Addr, list[tuple[str, bytes, IPv6Packet, BindingUpdate]]] = {}
    for p in taken:
        pkt = _decode(p.octets)
        if pkt is not None and p.octets[8:24] in modelled:
            left["sent by a modelled node"] = left.get("sent by a modelled node", 0) + 1
            continue
        if pkt is not None and isinstance(pkt.payload, ND_TYPES):
            left["neighbour discovery"] = left.get("neighbour discovery", 0) + 1
            continue
        prefix.append(A.Inject(p.time_ms + SETTLE_MS, p.link, A.InjectRaw(p.octets)))
        got = _bu(pkt) if pkt is not None else None
        if pkt is not None and got is not None and got[1] is not None:
            mobiles.setdefault(got[1], []).append((p.link, p.octets, pkt, got[0]))
    end = taken[-1].time_ms + SETTLE_MS + 1
    # each captured care-of address announces itself before the capture starts (a Neighbor
    # Solicitation carrying a link-layer address no modelled node has, RFC 2461 §7.2.3): the modelled
    # nodes then put packets for it on its link, as the capture shows them, instead of resolving it
    # in vain (a stand-in: nothing receives them)
    stand_ins: list[A.Step] = []
    for k, sent in enumerate(mobiles.values()):
        ln, _, pkt, bu = sent[0]
        coa = bu.care_of or pkt.src
        router = next((a for a in modelled if links[ln].contains(a)), None)
        if router is not None:
            stand_ins.append(A.Inject(SETTLE_MS // 2, ln, A.InjectRaw(_announce(coa, router, k))))
    prefix[:0] = stand_ins
    prefix.append(A.RunUntil(end))
    cms = []
    for home, sent in mobiles.items():
        ln, _, pkt, bu = sent[-1]
        last: dict[Addr, tuple[Addr, int, int, bool, int]] = {}
        for _, _, q, b in sent:
            last[q.dst] = (q.dst, b.seq, b.lifetime, b.h, b.id_length)
        cms.append(
            CapturedMobile(
                home,
                bu.care_of or pkt.src,
                ln,
                tuple(last.values()),
                tuple((s[0], s[1]) for s in sent),
            )
        )
    roles = [("home agent HA " + fmt(ha), "modelled (fed the capture's packets)")]
    named = {_iid(c): c for c in cns}
    for k, n in want.items():
        if isinstance(n, A.Correspondent):
            got_cn = named.get(k)
            how = (
                "modelled (fed the capture's packets)"
                if got_cn
                else "modelled (added: none in the capture)"
            )
            roles.append((f"correspondent {n.name}" + (f" {fmt(got_cn)}" if got_cn else ""), how))
    roles += [
        (
            f"mobile node {fmt(m.home)}",
            "the capture up to the packet, then Binding Updates the machine builds from it "
            "(not modelled: its Binding Update List is not on the wire)",
        )
        for m in cms
    ]
    roles += [(f"mobile node MN {fmt(mn_home)}", "modelled (added at home, not in the capture)")]
    roles += [("attacker X", f"on spare link {spare}")]
    for h in homes:
        if h not in mobiles:
            roles.append(
                (f"mobile node {fmt(h)}", "the capture (no Binding Update up to the packet)")
            )
    place = S.Place(
        home_link=home_link,
        home_prefix=_text(home_prefix),
        attacker_link=spare,
        attacker_prefix=_text(spare_net),
        homes=(("MN", mn_home),),
        phantoms=(
            home_prefix.with_iid((0x300).to_bytes(16, "big")),
            home_prefix.with_iid((0x666).to_bytes(16, "big")),
            Prefix.parse(off_link).with_iid((1).to_bytes(16, "big")),
            *(m.home for m in cms),
        ),
        off_link=off_link,
        anycast=home_prefix.with_iid(bytes(8) + bytes.fromhex("fdfffffffffffffe")),
    )
    return Start(
        path,
        packet,
        frames,
        head,
        tuple(prefix),
        place,
        tuple(roles),
        tuple(cms),
        len(prefix) - 1 - len(stand_ins),
        left,
        end,
    )


def _announce(addr: Addr, router: Addr, k: int) -> bytes:
    """A Neighbor Solicitation from `addr` for `router` with a Source Link-Layer Address option naming
    an interface no modelled node has (02:00:00:00:fe:k)."""
    from mip6check.model.addr import solicited_node
    from mip6check.model.codec.encode import encode_packet
    from mip6check.model.codec.values import SourceLLA

    lla = bytes((2, 0, 0, 0, 0xFE, k & 0xFF))
    ns = NeighborSolicitation(router, (SourceLLA(lla),))
    return encode_packet(IPv6Packet(addr, solicited_node(router), (), ns, hop_limit=255))


def _text(p: Prefix) -> str:
    import ipaddress

    return str(ipaddress.IPv6Network((p.network, p.length)))


def _modelled_addresses(head: A.Scenario) -> set[Addr]:
    """The global addresses the builder gives the modelled home agent and correspondents."""
    from mip6check.properties.explore.driver import BuildWorld

    w = BuildWorld(head)
    out: set[Addr] = set()
    for n in head.nodes:
        if isinstance(n, A.HomeAgent | A.Correspondent):
            out.update(w.addresses(n.name))
    return out


__all__ = [
    "MAX_IID",
    "SETTLE_MS",
    "CapturedMobile",
    "FromCaptureError",
    "Start",
    "parse_from",
    "start_from",
]
