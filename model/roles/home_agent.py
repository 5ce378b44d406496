"""Home agent operation (§8): a correspondent (§7) that also serves home registrations.

§8.1 dynamic home agent address discovery (Home-Agents anycast, 135), §8.2 registration tests
(132/133/136, 131 from the kernel), gratuitous NAs and proxy ND for every covered address, §8.3
de-registration (only the 132 and 133 tests, then delete: the kernel applies no ID Length test to it), §8.4 interception and IPv6-in-IPv6 tunnelling, §8.5 tunnelled authenticated RAs.
"""

from __future__ import annotations

from mip6check.model.addr import (
    ALL_NODES,
    Addr,
    Prefix,
    home_agents_anycast,
    iid_of,
    is_link_local,
    is_multicast,
    is_site_local,
    link_local,
    site_local,
)
from mip6check.model.codec import encapsulate
from mip6check.model.codec.values import BindingUpdate, IPv6Packet, RouterAdvertisement
from mip6check.model.config import Config
from mip6check.model.roles import kernel as K
from mip6check.model.roles.binding_cache import BuDecision
from mip6check.model.roles.choices import DEFAULT_CHOICES, Choices
from mip6check.model.roles.correspondent import Correspondent, on_link
from mip6check.model.roles.events import Action, Dropped, Intercepted, Note
from mip6check.model.roles.hooks import NodeCore, Received
from mip6check.model.roles.packets import PLACEHOLDER_AH, dest_unreachable, tunnel, unsolicited_na

NA_REXMIT_INTERVAL = 1_000  # RFC 2461 RETRANS_TIMER between repeated unsolicited NAs (§8.2 MAY)


class HomeAgent(Correspondent):
    """§8. `serving`: the home subnet prefixes whose Home-Agents anycast address this node accepts;
    `iid_length`: its own interface-identifier length (the §8.2 ID Length test)."""

    is_home_agent = True
    section = "8.2"

    def __init__(
        self,
        name: str,
        config: Config,
        *,
        serving: tuple[Prefix, ...] = (),
        iid_length: int = 64,
        capacity: int = 64,
        choices: Choices = DEFAULT_CHOICES,
    ) -> None:
        super().__init__(name, config, capacity=capacity, choices=choices)
        self.serving = serving
        self.iid_length = iid_length
        self._covered: dict[
            Addr, tuple[str, tuple[Addr, ...]]
        ] = {}  # home -> (iface, covered addresses)
        self._proxy: dict[
            Addr, str
        ] = {}  # covered address -> interface (proxied(), rebuilt on change)
        self._owner: dict[Addr, Addr] = {}  # covered address -> home address
        self._na_left: dict[tuple[Addr, Addr], int] = {}

    def _set_covered(
        self, home: Addr, entry: tuple[str, tuple[Addr, ...]] | None
    ) -> tuple[str, tuple[Addr, ...]] | None:
        """Change the addresses served for `home`; returns what was there before."""
        before = self._covered.pop(home, None)
        if entry is not None:
            self._covered[home] = entry
        self._proxy = {a: ifc for ifc, addrs in self._covered.values() for a in addrs}
        self._owner = {a: h for h, (_ifc, addrs) in self._covered.items() for a in addrs}
        return before

    # ------------------------------------------------------------ §8.1 anycast, §8.2 proxy ND
    def anycast(self) -> tuple[Addr, ...]:
        if self.config.ha_anycast is not None:
            return (self.config.ha_anycast,) if self.serving else ()
        return tuple(home_agents_anycast(p) for p in self.serving)

    def proxied(self) -> dict[Addr, str]:
        """§8.2 (HA-PROXY-NS): every covered address of every home registration, with its interface."""
        return self._proxy

    def _home_iface(self, core: NodeCore, home: Addr) -> str | None:
        for iface in sorted({core.iface_of(a) for a in core.addresses()} - {None}):  # type: ignore[type-var]
            if on_link(core.on_link_prefixes(iface), home):
                return iface
        return None

    def _home_on_link(self, core: NodeCore, home: Addr) -> bool:
        return on_link(core.on_link_prefixes(), home)

    def _ha_id_length(self, core: NodeCore, home: Addr) -> int:
        return self.iid_length

    def _unicast(self, core: NodeCore, home: Addr) -> Addr:
        """A unicast address of this node, preferably on the home address's prefix (§8.1, §8.4)."""
        mine = [a for a in core.addresses() if not is_multicast(a) and a not in self.anycast()]
        for p in core.on_link_prefixes():
            if p.contains(home):
                for a in mine:
                    if p.contains(a):
                        return a
        glob = [a for a in mine if not is_link_local(a)]
        return (glob or mine or [home])[0]

    def _ba_source(self, core: NodeCore, rx: Received, home: Addr, to_anycast: bool) -> Addr:
        return self._unicast(core, home) if to_anycast else rx.final_dst

    def covered(self, core: NodeCore, home: Addr, id_length: int) -> tuple[Addr, ...]:
        """§8.2: the home address alone (ID Length 0), else the MN's IID on every on-link prefix plus
        the link-local and site-local addresses."""
        if id_length == 0:
            return (home,)
        iface = self._home_iface(core, home)
        iid = iid_of(home, id_length)
        out = [home]
        prefixes = core.on_link_prefixes(iface)
        for p in prefixes:
            out.append(p.with_iid(iid))
        out.append(link_local(home, id_length))
        if not any(is_site_local(p.network) for p in prefixes):
            out.append(site_local(home, 0, id_length))
        return tuple(dict.fromkeys(out))

    # ------------------------------------------------------------ §8.2, §8.3 after the kernel decided
    def _after_bu(
        self,
        core: NodeCore,
        rx: Received,
        bu: BindingUpdate,
        d: BuDecision,
        was_home_reg: bool,
        now: int,
    ) -> list[Action]:
        home = rx.hao
        assert home is not None
        rec = self.cache.get(home)
        if rec is None or not rec.home_reg:
            gone = self._set_covered(home, None)
            return [Note(self.name, "proxy-stop", home.hex(), "8.3")] if gone is not None else []
        if d.op not in (K.CacheOp.UPDATE, K.CacheOp.EVICT_AND_UPDATE):
            return []
        iface = self._home_iface(core, home) or rx.iface
        addrs = self.covered(core, home, bu.id_length)
        self._set_covered(home, (iface, addrs))
        if was_home_reg:
            return []
        out: list[Action] = [Note(self.name, "proxy-start", home.hex(), self.section)]
        for a in addrs:
            out.extend(self._na(core, iface, a, now))
            n = min(max(self.choices.na_rexmit(a), 0), self.config.max_advert_rexmit)
            if n:
                self._na_left[(home, a)] = n
                self.timers.arm(("na", home, a), now + NA_REXMIT_INTERVAL)
        return out

    def _na(self, core: NodeCore, iface: str, target: Addr, now: int) -> list[Action]:
        """§8.2 (HA-GRATUITOUS-NA): all-nodes NA, the HA's link-layer address, S = 0, O = 1."""
        src = next(
            (a for a in core.addresses() if is_link_local(a) and core.iface_of(a) == iface), None
        )
        src = src or self._unicast(core, target)
        return core.send_on_link(iface, unsolicited_na(src, target, core.lla(iface)), None, now)

    # ------------------------------------------------------------ §8.4 interception
    def _home_of(self, dst: Addr) -> Addr | None:
        return self._owner.get(dst)

    def intercept(
        self, core: NodeCore, packet: IPv6Packet, iface: str, now: int
    ) -> list[Action] | None:
        """§8.2, §8.4: packets for a covered address are tunnelled to the primary care-of address;
        link-local and site-local ones are dropped with Destination Unreachable code 3."""
        home = self._home_of(packet.dst)
        if home is None:
            return None
        found = self.cache.route(home, now, home_registration=True)
        if found is None:
            self._set_covered(home, None)
            return None
        _, via = found
        if is_link_local(packet.dst) or is_site_local(packet.dst):
            out: list[Action] = [
                Intercepted(self.name, home, "drop", None, "8.2"),
                Dropped(self.name, "local-scope-for-mobile-node", "8.2"),
            ]
            err = dest_unreachable(self._unicast(core, home), packet, 3, self.config)
            if err is not None:
                out.extend(core.send(err, now))
            return out
        if packet.hop_limit <= 1:
            return [Dropped(self.name, "hop-limit", "8.4")]
        outer = tunnel(packet, self._unicast(core, home), via)
        return [Intercepted(self.name, home, "tunnel", via, "8.4"), *core.send(outer, now)]

    # ------------------------------------------------------------ §8.5 renumbering
    def advertise_prefixes(
        self, core: NodeCore, iface: str, ra: RouterAdvertisement, now: int
    ) -> list[Action]:
        """§8.5 (HA-RA-TUNNEL): after a home prefix change, tunnel the RA (with AH) to each registered
        mobile node using a home address on `iface`; nodes at home hold no registration and get none."""
        out: list[Action] = []
        src = next(
            (a for a in core.addresses() if is_link_local(a) and core.iface_of(a) == iface), None
        )
        for rec in self.cache.records():
            entry = self._covered.get(rec.home)
            if not rec.home_reg or entry is None or entry[0] != iface or rec.coa == rec.home:
                continue
            inner = IPv6Packet(
                src or self._unicast(core, rec.home),
                ALL_NODES,
                (PLACEHOLDER_AH,),
                ra,
                hop_limit=255,
            )
            # the HA originates the inner RA: no forwarding decrement, ND's Hop Limit 255 survives
            outer = encapsulate(inner, self._unicast(core, rec.home), rec.coa)
            out.append(Note(self.name, "ra-tunnel", rec.home.hex(), "8.5"))
            out.extend(core.send(outer, now))
        for home, (ifc, _addrs) in list(self._covered.items()):
            rec2 = self.cache.get(home)
            if ifc == iface and rec2 is not None:
                self._set_covered(home, (ifc, self.covered(core, home, rec2.id_length)))
        return out

    # ------------------------------------------------------------ timers
    def on_timer(self, core: NodeCore, now: int) -> list[Action]:
        out = super().on_timer(core, now)
        for home in list(self._covered):
            if self.cache.get(home) is None:
                self._set_covered(home, None)
        for key in self.timers.pop_expired(now):
            if isinstance(key, tuple) and key[0] == "na":
                _, home, a = key
                entry = self._covered.get(home)
                left = self._na_left.pop((home, a), 0)
                if entry is not None and left > 0:
                    out.extend(self._na(core, entry[0], a, now))
                    if left > 1:
                        self._na_left[(home, a)] = left - 1
                        self.timers.arm(key, now + NA_REXMIT_INTERVAL)
        return out
