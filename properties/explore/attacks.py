"""Targeted injection kinds for the exploring machine: short plans of timeline steps that put a
receiver at an edge the draft's rules turn on, which a uniform draw of single steps rarely reaches.

Each kind is a generator of DSL steps (every packet is an `inject`, raw ones as bytes through the
codec), so a failing run still prints as a `.scenario`. A fresh home address (nobody's, on the home
prefix or off every link) is used by each plan, so that what the judges see of it is complete:

- `seq-pair`: two updates for one home, the second `d` ahead of the first, `d` at the §4.3 edges
  (0, 1, 2^15 - 1, 2^15, 2^15 + 1, 2^16 - 1) from a first number at the 2^16 wrap or near 0;
- `not-ha` / `off-link` / `idlen` / `anycast` / `dereg-idlen`: home registrations a receiver must
  reject (§8.1, §8.2: 132, 133, 136, 135) or a de-registration it must not (§8.3);
- `full-cache`: home registrations up to the receiver's capacity and one more, then an update of
  another kind (§7.7: 131, no home registration evicted);
- `bind-use`: a binding to the attacker, a follow-up (none, a rejected update naming another
  care-of address, Lifetime 0, care-of = home), then an Echo Request from the home, so that the
  receiver routes its reply by what its cache holds (§7.3, §7.4, §7.5, §7.9);
- `expiry-edge`: a short binding, time to just before or after its end (+-1 ms, +-1 s), an echo
  (§4.3, §5.1; Lifetime 0xffffffff never ends);
- `icmp-unreach`: a binding to an address nobody holds, replies routed by it, then persistent ICMP
  Destination Unreachable quoting them (§7.8), and once more an echo;
- `bad-ba`: a Binding Acknowledgement for the update the mobile node waits on, short, unsigned,
  forged or rejecting (§9.10);
- `blackout`: the mobile node's link loses the next frames while time runs toward the 256 s
  back-off cap (§9.4, §9.5, §9.7);
- `br-burst`: Binding Requests to a registered mobile node faster than it may answer them (2-8,
  0.2-1.5 s apart): its answers must keep MAX_UPDATE_RATE, and SLOW_UPDATE_RATE after
  MAX_FAST_UPDATES (§9.8, §9.11).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from mip6check.model.addr import Addr, Prefix
from mip6check.model.dsl import ast as A
from mip6check.properties.explore import raw as R
from mip6check.properties.explore import strategies as S
from mip6check.properties.explore.driver import Runner

GAP_MS = 50
"""Time between the steps of a plan: every hop of the network delivers within it (link delay <= 20)."""

AIMS: dict[str, frozenset[str]] = {
    "seq-pair": frozenset({"BC-SEQ-MONOTONIC", "BC-STALE-IGNORED", "BC-BA-STATUS"}),
    "malformed": frozenset(
        {"BC-STALE-IGNORED", "W-BU-NEEDS-AUTH", "W-BU-NEEDS-HAO", "W-BU-MINLEN", "BC-BA-STATUS"}
    ),
    "not-ha": frozenset({"HA-NOT-HA-132", "BC-BA-STATUS"}),
    "off-link": frozenset({"HA-NOT-HOME-133", "BC-BA-STATUS"}),
    "idlen": frozenset({"HA-IDLEN-136", "BC-BA-STATUS", "HA-HOMEREG-MARK"}),
    "dereg-idlen": frozenset({"HA-DEREG", "BC-BA-STATUS", "HA-IDLEN-136"}),
    "anycast": frozenset({"HA-DHAAD-135", "BC-BA-STATUS"}),
    "full-cache": frozenset(
        {"BC-HOMEREG-FULL-131", "BC-HOMEREG-NOEVICT", "BC-CREATE", "BC-BA-STATUS"}
    ),
    "bind-use": frozenset(
        {"BC-CREATE", "BC-DELETE", "BC-REJECT-NO-CACHE", "HA-HOMEREG-MARK", "BC-ROUTE-VIA-RH"}
    ),
    "expiry-edge": frozenset({"BC-EXPIRE", "BC-INFINITE", "BC-CREATE"}),
    "icmp-unreach": frozenset({"BC-ICMP-UNREACH", "BC-HOMEREG-NOEVICT"}),
    "bad-ba": frozenset(
        {"MN-BA-VALIDATE", "W-BA-MINLEN", "MN-BA-REJECTED", "MN-BA-ACCEPTED", "MN-BUL-RECORD"}
    ),
    "blackout": frozenset({"MN-BACKOFF", "MN-CN-RETX-STOP", "MN-HOME-RETX"}),
    "br-burst": frozenset({"MN-RATE-LIMIT", "MN-SLOW-RATE", "MN-BR-ANSWER"}),
}
"""Each kind and the properties whose judges it feeds (what a search aimed at them draws more of)."""

KINDS: tuple[str, ...] = tuple(AIMS)

_FEEDERS: Counter[str] = Counter(p for a in AIMS.values() for p in a)
"""How many kinds feed each property."""

AIMED_WEIGHT = 48
"""How much more often a kind is drawn when it alone feeds a property the search is aimed at; each
aimed property shares this among the kinds that feed it (a rare row is not drowned by a common one)."""


FROM_ATTACKER: tuple[str, ...] = (
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
)
"""The plans whose updates come from the attacker, who holds no key: under `set auth verify` a
receiver ignores them (§4.2), so they test nothing else there."""


def aimed_auth(s: S.Setup, only: frozenset[str] | None, data: st.DataObject) -> S.Setup:
    """A search aimed at rows the attacker's plans feed turns `auth verify` off in half the runs that
    drew it (unchanged, and no draw made, otherwise)."""
    if only is None or not s.verify_auth or not any(AIMS[k] & only for k in FROM_ATTACKER):
        return s
    if data.draw(st.booleans(), label="aimed auth") is True:
        return replace(s, verify_auth=False)
    return s


def weighted(kinds: tuple[str, ...], only: frozenset[str] | None) -> list[str]:
    """The kinds to draw from, each repeated by its weight. A search restricted to some properties
    (`explore --property`, a mutant's) gives every aimed property an equal share of AIMED_WEIGHT,
    split among the kinds that feed it: a kind feeding a row no other kind feeds (HA-DEREG) is drawn
    as often as all the feeders of a common row (BC-BA-STATUS) together. Other kinds weigh 1."""
    out: list[str] = []
    for k in kinds:
        share = sum(1 / _FEEDERS[p] for p in AIMS[k] & only) if only is not None else 0.0
        out += [k] * (max(1, round(AIMED_WEIGHT * share)) if share else 1)
    return out


@dataclass
class Ctx:
    """What a plan needs from the machine: the world, the clock (advanced by the plan's steps), the
    place (home prefix, attacker link), the mobile nodes, the next fresh interface identifier."""

    world: Runner
    place: S.Place
    now: int
    mns: list[str]
    fresh: int
    foreign: tuple[str, ...] = S.FOREIGN[:2]  # the links a mobile node may move to (non-empty)
    aimed: frozenset[str] | None = None  # the properties judged (None = all)
    keys: tuple[A.Key, ...] = ()  # the scenario's security associations

    def secret(self, a: str, b: str) -> str | None:
        """The key `a` and `b` share in the scenario, if any."""
        return next((k.secret for k in self.keys if {k.a, k.b} == {a, b}), None)

    def judged(self, pid: str) -> bool:
        return self.aimed is None or pid in self.aimed

    def home(self, off_link: bool = False) -> Addr:
        """A home address nobody holds (a new one each call)."""
        self.fresh += 1
        prefix = self.place.off_link if off_link else self.place.home_prefix
        return S.addr_in(prefix, 0x7000 + self.fresh)

    def addr(self, node: str) -> Addr:
        return self.world.address(node)

    def ha(self) -> Addr:
        """The home agent's address on the home link (the address a mobile node registers with)."""
        for a in self.world.addresses("HA"):
            if Prefix.parse(self.place.home_prefix).contains(a):
                return a
        return self.addr("HA")

    def at(self, dt: int = GAP_MS) -> A.RunUntil:
        """Let the network run `dt` ms."""
        self.now += dt
        return A.RunUntil(self.now)

    def inject(self, pkt: A.Packet, link: str | None = None) -> A.Inject:
        return A.Inject(self.now, link or self.place.attacker_link, pkt)

    def raw(self, data: bytes, link: str | None = None) -> A.Inject:
        return self.inject(A.InjectRaw(data), link)

    def capacity(self, node: str) -> int | None:
        """The Binding Cache capacity of `node` (what a fill has to exceed), None without a cache."""
        cache = getattr(self.world.net.node(node).mobility, "cache", None)
        cap = getattr(cache, "capacity", None)
        return cap if isinstance(cap, int) else None


Steps = Iterator[A.Step]


def _bu(
    c: Ctx,
    dst: A.Endpoint,
    home: Addr,
    seq: int,
    *args: int,
    link: str | None = None,
    **kw: Any,
) -> A.Inject:
    """An update from the attacker (its address as source, answers reach it), A set, put on the
    attacker's link (or `link`). A home registration goes to the home agent's address on the home
    link, as a mobile node addresses its home agent (§8.2: the home subnet is that link's)."""
    kw.setdefault("a", True)
    if dst == "HA" and kw.get("h"):
        dst = c.ha()
    lifetime = args[0] if args else 300
    return c.inject(A.InjectBU("X", dst, home, seq % S.SEQ_MOD, lifetime, **kw), link)


def _h(**kw: Any) -> dict[str, Any]:
    return {"h": True, "id_length": 64, **kw}


def seq_pair(c: Ctx, d: st.DataObject) -> Steps:
    first = d.draw(st.sampled_from((0, 1, 5, S.HALF - 1, S.SEQ_MOD - 2, S.SEQ_MOD - 1)), "first")
    delta = d.draw(
        st.sampled_from(
            (S.HALF, S.HALF + 1, 0, S.HALF, S.HALF + 1, 0, 1, S.HALF - 1, S.SEQ_MOD - 1)
        ),
        "delta",
    )
    to_ha = d.draw(st.booleans(), "to HA")
    home, kw = c.home(), (_h() if to_ha else {})
    dst = "HA" if to_ha else "CN"
    yield _bu(c, dst, home, first, **kw)
    yield c.at()
    yield _bu(c, dst, home, first + delta, **kw)
    yield c.at()


def malformed(c: Ctx, d: st.DataObject) -> Steps:
    """An update that fails §7.2 (no AH, Option Length below the fixed part, no Home Address option)
    with A set, for a fresh home, then the home's Echo Request: a receiver that took it answers with
    Status 0 and routes by it."""
    home, node = c.home(), d.draw(st.sampled_from(("CN", "HA")), "receiver")
    how = d.draw(st.sampled_from(("no AH", "short", "no HAO")), "fault")
    kw: dict[str, Any] = _h() if node == "HA" else {}
    if how == "no AH":
        kw["auth"] = False
    elif how == "short":
        kw["length"] = d.draw(S.bad_bu_lengths, "length")
    coa = c.addr("X")
    if how == "no HAO":  # its home is then its source, the attacker's: another care-of address
        kw["hao"] = False
        coa = S.addr_in(c.place.attacker_prefix, 0x7D00 + c.fresh)
    yield _bu(c, node, home, 7, coa=coa, **kw)
    yield c.at()
    yield c.raw(R.echo(home, c.addr(node), 6, c.fresh))
    yield c.at()


def not_ha(c: Ctx, d: st.DataObject) -> Steps:
    yield _bu(c, "CN", c.home(), d.draw(st.integers(0, 9), "seq"), **_h())
    yield c.at()


def off_link(c: Ctx, d: st.DataObject) -> Steps:
    yield _bu(c, "HA", c.home(off_link=True), d.draw(st.integers(0, 9), "seq"), **_h())
    yield c.at()


def idlen(c: Ctx, d: st.DataObject) -> Steps:
    n = d.draw(st.sampled_from((0, 48, 56, 128)), "id length")
    yield _bu(c, "HA", c.home(), 3, **_h(id_length=n))
    yield c.at()


def dereg_idlen(c: Ctx, d: st.DataObject) -> Steps:
    """A de-registration (§8.3) with an ID Length, of a home registered first or of one the home
    agent never served (it deletes nothing, and must not start defending the home)."""
    home = c.home()
    if d.draw(st.booleans(), "registered first"):
        yield _bu(c, "HA", home, 3, **_h())
        yield c.at()
    n = d.draw(st.sampled_from((48, 0, 64)), "id length")
    how = d.draw(st.sampled_from(("lifetime 0", "coa = home")), "de-registration")
    if how == "lifetime 0":
        yield _bu(c, "HA", home, 4, 0, **_h(id_length=n))
    else:
        yield _bu(c, "HA", home, 4, 300, **_h(id_length=n, coa=home))
    yield c.at()


def anycast(c: Ctx, d: st.DataObject) -> Steps:
    seq = d.draw(st.integers(0, 9), "seq")
    yield _bu(c, c.place.anycast, c.home(), seq, link=c.place.home_link, **_h())
    yield c.at()


def full_cache(c: Ctx, d: st.DataObject) -> Steps:
    node = d.draw(st.sampled_from(("HA", "CN")), "receiver")
    cap = c.capacity(node)
    if cap is None or cap > 8:
        return
    home_reg = node == "HA"
    for _ in range(cap):
        yield _bu(c, node, c.home(), 1, **(_h() if home_reg else {}))
        yield c.at()
    last = d.draw(st.sampled_from(("home", "plain")), "one more") if home_reg else "plain"
    kw = _h() if last == "home" else {}
    home = c.home()
    # a deletion first (§7.4, §8.3: granted, nothing to delete): the capture then shows the receiver
    # holds no entry for this home, so the update must create one, for which there is no room
    yield _bu(c, node, home, 1, 0, **kw)
    yield c.at()
    yield _bu(c, node, home, 2, **kw)
    yield c.at()


def bind_use(c: Ctx, d: st.DataObject) -> Steps:
    home, x = c.home(), c.addr("X")
    node = d.draw(st.sampled_from(("CN", "HA")), "receiver")
    kw = _h() if node == "HA" else {}
    yield _bu(c, node, home, 10, coa=x, **kw)
    yield c.at()
    then = d.draw(st.sampled_from(("none", "rejected", "lifetime 0", "coa = home")), "then")
    other = S.addr_in(c.place.attacker_prefix, 0x7F00 + c.fresh)
    if then == "rejected":  # §7.2: not greater; then one rejected with a Status (§5.2, §7.5)
        yield _bu(c, node, home, 9, coa=other, **kw)
        yield c.at()
        # §8.1: H to a correspondent (132); §8.2: an ID Length not the home agent's (136)
        yield _bu(c, node, home, 11, coa=other, **_h(id_length=64 if node == "CN" else 48))
        yield c.at()
    elif then == "lifetime 0":
        yield _bu(c, node, home, 11, 0, coa=x, **kw)
        yield c.at()
    elif then == "coa = home":
        yield _bu(c, node, home, 11, coa=home, **kw)
        yield c.at()
    yield c.raw(R.echo(home, c.addr(node), 1, c.fresh))
    yield c.at()


def expiry_edge(c: Ctx, d: st.DataObject) -> Steps:
    life = d.draw(st.sampled_from((1, 2, 5, A.INFINITY)), "lifetime")
    node = d.draw(st.sampled_from(("CN", "HA")), "receiver")
    home = c.home()
    yield _bu(c, node, home, 10, life, coa=c.addr("X"), **(_h() if node == "HA" else {}))
    granted = c.now + 5  # within the first hops; the edge offsets absorb the exact instant
    yield c.at()
    if life == A.INFINITY:
        yield c.at(d.draw(st.sampled_from((300_000, 1_200_000)), "wait"))
    else:
        edge = d.draw(st.sampled_from((-1000, -1, 1, 1000, 2000)), "edge")
        yield c.at(max(1, granted + life * 1000 + edge - c.now))
    yield c.raw(R.echo(home, c.addr(node), 2, c.fresh))
    yield c.at()


def icmp_unreach(c: Ctx, d: st.DataObject) -> Steps:
    node = d.draw(st.sampled_from(("CN", "HA")), "receiver")
    home = c.home()
    # a correspondent's binding to an address nobody holds; a home registration to the attacker
    # (its acknowledgement must arrive for the registration to be judged held)
    gone = S.addr_in(c.place.attacker_prefix, 0x7E00 + c.fresh) if node == "CN" else c.addr("X")
    to = c.addr(node)
    router = c.world.addresses("HA")[0] if node == "CN" else c.addr("X")
    yield _bu(c, node, home, 10, coa=gone, **(_h() if node == "HA" else {}))
    yield c.at()
    # at most the persistent count (Config.unreach_persist): no echo after the entry is gone
    n = d.draw(st.sampled_from((1, 2, 3, 3)), "errors")
    for i in range(n):
        yield c.raw(R.echo(home, to, 3, i))
        yield c.at()
        quoted = R.routed_reply(to, gone, home, 3, i) if node == "CN" else R.echo(to, home, 3, i)
        # from a router beside the receiver (on its own link, so no router sees its own source)
        yield c.raw(R.unreachable(router, to, quoted), _link_of(c.world, node, c.place.home_link))
        yield c.at()
    yield c.raw(R.echo(c.addr("X"), home, 4, 0))  # the home agent intercepts (or resolves) it
    yield c.at()
    if node == "HA" or not c.judged("BC-ROUTE-VIA-RH"):
        # the correspondent's reply after a §7.8 deletion goes without a Routing header, which the
        # replay observer takes for BC-ROUTE-VIA-RH (a judge gap, reported): asked only when that
        # row is not judged
        yield c.raw(R.echo(home, to, 5, 0))
    yield c.at(3100)  # neighbour discovery gives up after 3 s


WAIT_MS = 1500
"""How long `bad-ba` waits for a moved node's registration to go out (router solicitation and
advertisement, address formation)."""


def _waiting(c: Ctx, mn: str) -> list[Any]:
    """The mobile node's Binding Update List entries still waiting for an acknowledgement."""
    snap = c.world.net.log.snapshots(c.world.net.now).get(mn)
    return [b for b in snap.bul if not b.acked] if snap is not None else []


def bad_ba(c: Ctx, d: st.DataObject) -> Steps:
    """A Binding Acknowledgement for the update the mobile node waits on, from the address it sent
    the update to (§9.10: only that one may answer it), short, unsigned, forged or rejecting. With
    none waiting, the node moves and the plan runs the network one event at a time (at most
    WAIT_MS) until its registration goes out, so that the plan's acknowledgement arrives before the
    real one."""
    mn = d.draw(st.sampled_from(c.mns), "mn")
    waiting = _waiting(c, mn)
    if not waiting:
        yield A.Move(c.now, mn, d.draw(st.sampled_from(c.foreign), "link"))
        until = c.now + WAIT_MS
        while not waiting and c.now < until:
            # to the network's next event (the answer comes about 4 ms after the update)
            nxt = c.world.net.sim.next_time()
            yield c.at(max(1, min(nxt if nxt is not None else until, until) - c.now))
            waiting = _waiting(c, mn)
        if not waiting:
            return
    b = d.draw(st.sampled_from(waiting), "entry")
    kind = d.draw(st.sampled_from(("short", "no-auth", "forged", "reject", "status 128")), "ba")
    status = {"reject": 129, "status 128": 128}.get(kind, 0)
    kw: dict[str, Any] = {}
    if kind == "short":
        kw["length"] = d.draw(S.short_ba_lengths(c.world.net.config.ba_min_length), "length")
    elif kind == "no-auth":
        kw["auth"] = False
    elif kind == "forged":
        kw["key"] = "attacker guess"
    else:  # signed as its peer signs (the key is named: the source is given as an address)
        kw["key"] = c.secret(mn, "HA" if b.home_reg else "CN")
    link = _link_of(c.world, mn, c.place.home_link)
    yield c.inject(A.InjectBA(b.destination, mn, status, b.seq, 300, **kw), link)
    # the real acknowledgement lost behind it (and the neighbour solicitations it may wait on): a
    # node that took the bad one stops retransmitting, which only shows when no valid answer reaches
    # it, by the latest retransmission time a capture allows (MAX_BINDACK_TIMEOUT, §9.7, §9.10)
    if d.draw(st.booleans(), "lose the real one"):
        yield A.DropNext(c.now, 4, link)
        yield c.at(c.world.net.config.max_bindack_timeout + 5000)
        # traffic to the node makes it send (its obligations are judged when it is next seen)
        yield A.Send(c.now, "CN", mn, count=1)
        yield c.at(1000)
    else:
        yield c.at(d.draw(st.sampled_from((100, 3000, 9000)), "then"))


def blackout(c: Ctx, d: st.DataObject) -> Steps:
    """A Binding Request to the mobile node, then its link loses every frame for about `wait`
    seconds (Router Advertisements included: about one a second), so its update goes unanswered
    through the back-off to the cap (§9.7) and past it (§9.4: home registrations go on, §9.5: updates
    to correspondents stop)."""
    mn = d.draw(st.sampled_from(c.mns), "mn")
    link = d.draw(st.sampled_from(c.foreign), "link")
    yield A.Move(c.now, mn, link)
    yield c.at(3000)  # registered (§9.4)
    wait = d.draw(st.sampled_from((600, 1100, 1800)), "wait")
    peer = d.draw(st.sampled_from(("HA", "CN")), "peer")
    if peer == "HA" and c.judged("MN-BR-LIFETIME"):
        # the model answers a home agent's request made seconds after registration with a Lifetime
        # that does not outlast the first one, which MN-BR-LIFETIME (§9.11) flags: reported as a
        # finding to settle (model or judge); until then asked only when that row is not judged
        peer = "CN"
    if peer == "CN":  # a binding at the correspondent first (§9.5)
        yield A.Send(c.now, "CN", mn, count=1)
        yield c.at(3000)
    # a Binding Request asks for a fresh update (§9.11); every frame after it on the link is lost
    yield c.inject(A.InjectBR(c.addr(peer), mn), link)  # from the address it registered with
    yield A.DropNext(c.now, 3 * wait, link)
    for _ in range(wait // 100):
        yield c.at(100_000)


def br_burst(c: Ctx, d: st.DataObject) -> Steps:
    """A registered mobile node asked for fresh updates (§9.11) faster than §9.8 lets it send them:
    each answer waits for MAX_UPDATE_RATE after the last update to that node, and for
    SLOW_UPDATE_RATE once MAX_FAST_UPDATES went out."""
    mn = d.draw(st.sampled_from(c.mns), "mn")
    link = d.draw(st.sampled_from(c.foreign), "link")
    yield A.Move(c.now, mn, link)
    yield c.at(3000)  # registered (§9.4)
    peer = d.draw(st.sampled_from(("CN", "HA")), "peer")
    if peer == "HA" and c.judged("MN-BR-LIFETIME"):
        peer = "CN"  # the finding noted at `blackout`: asked only when that row is not judged
    if peer == "CN":  # a binding at the correspondent first (§9.5)
        yield A.Send(c.now, "CN", mn, count=1)
        yield c.at(3000)
    # eight requests reach SLOW_UPDATE_RATE: the answer to a later one then comes 10 s after the
    # fifth update (§9.8), which MN-BR-ANSWER's judges allow for
    n = d.draw(st.sampled_from((2, 3, 8)), "requests")
    gap = d.draw(st.sampled_from((200, 600, 1500)), "gap")
    for _ in range(n):
        yield c.inject(A.InjectBR(c.addr(peer), mn), link)
        yield c.at(gap)
    # the answers held back by the slow rate go out; the node's traffic meanwhile shows it alive, so
    # an answer owed and not sent is judged before it comes
    for _ in range(6):
        yield A.Send(c.now, mn, "CN", count=1)
        yield c.at(2000)


def _link_of(world: Runner, node: str, default: str) -> str:
    n = world.net.node(node)
    for iface in sorted(n.ifaces):
        ln = world.net.link_of(node, iface)
        if ln is not None:
            return ln
    return default


class AttackRules:
    """The rules that run a targeted plan, mixed into the exploring machine. Three copies of one rule
    (Hypothesis draws rules uniformly, and swarms them): the plans are drawn about as often as all
    single-packet injections together. A run enables some kinds (`Setup.attacks`, swarm); a search
    aimed at properties enables every kind that feeds them and draws those more often."""

    world: Runner | None
    place: S.Place
    now: int
    mns: list[str]
    foreign: list[str]
    setup: S.Setup
    head: A.Scenario
    _fresh: int = 0

    def _do(self, rule_name: str, step: A.Step) -> None:  # pragma: no cover - the machine's
        raise NotImplementedError

    def _aimed(self) -> frozenset[str] | None:  # pragma: no cover - the machine's
        raise NotImplementedError

    def _can_attack(self) -> bool:
        """The cast the plans use is there, and (in a search aimed at some properties) some kind
        feeds one of them: otherwise the plans would only take draws from the rules that do."""
        h = self.head
        only = self._aimed()
        return (
            self.world is not None
            and all(h.node(n) is not None for n in ("X", "CN", "HA"))
            and bool(self.foreign)
            and bool(self.mns)
            and (only is None or any(a & only for a in AIMS.values()))
        )

    def _attack(self, data: st.DataObject) -> None:
        assert self.world is not None
        only = self._aimed()
        kinds = set(self.setup.attacks) | {k for k in KINDS if only is not None and AIMS[k] & only}
        kind = data.draw(st.sampled_from(weighted(tuple(sorted(kinds)), only)), label="attack")
        c = Ctx(
            self.world,
            self.place,
            self.now,
            self.mns,
            self._fresh,
            tuple(self.foreign),
            only,
            self.head.keys,
        )
        for step in PLANS[kind](c, data):
            if step.time > MAX_TIME_MS:
                break
            self._do(f"attack:{kind}", step)
            c.now = max(c.now, self.now)
        self._fresh = c.fresh

    @precondition(lambda self: self._can_attack())
    @rule(data=st.data())
    def attack(self, data: st.DataObject) -> None:
        """A targeted plan (see the module docstring)."""
        self._attack(data)

    @precondition(lambda self: self._can_attack())
    @rule(data=st.data())
    def attack_b(self, data: st.DataObject) -> None:
        self._attack(data)

    @precondition(lambda self: self._can_attack())
    @rule(data=st.data())
    def attack_c(self, data: st.DataObject) -> None:
        self._attack(data)


MAX_TIME_MS = 3 * 3600 * 1000
"""A plan stops at the machine's horizon (three simulated hours)."""

PLANS = {
    "seq-pair": seq_pair,
    "malformed": malformed,
    "not-ha": not_ha,
    "off-link": off_link,
    "idlen": idlen,
    "dereg-idlen": dereg_idlen,
    "anycast": anycast,
    "full-cache": full_cache,
    "bind-use": bind_use,
    "expiry-edge": expiry_edge,
    "icmp-unreach": icmp_unreach,
    "bad-ba": bad_ba,
    "blackout": blackout,
    "br-burst": br_burst,
}
assert set(PLANS) == set(AIMS) == set(S.ATTACK_KINDS)
