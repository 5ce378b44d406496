"""Deliberate faults in the decision kernel (issue 5, "the checker must itself be checked").

A `Mutant` replaces one or more functions of model.roles.kernel for the duration of a `with` block:

    for m in MUTANTS:
        with m.applied():
            result = run_proof("BC-SEQ-MONOTONIC")   # expected VIOLATED if the ID is in m.catches

`patched(replacements)` does the monkeypatching: it swaps the attribute on the kernel module and on
every loaded model/ module (`mip6check.model.*`) that imported the same function object by name
(`from mip6check.model.roles.kernel import apply_bu`), and restores all of them on exit; a key
'module:Attr.path' patches any other model attribute (for role-level faults such as a home agent
tunnelling link-local packets). Observers are not patched: properties/ judge with properties/spec/; a
monitor that calls `kernel.seq_greater` itself would see the mutant too, and miss it. Kernel functions
call each other through module globals, so a patched `seq_greater` is seen by `bu_check` and
`apply_bu`.
Not thread-safe: apply one mutant at a time. Each engine (Z3, Hypothesis machines, monitors over
simulations) can run the same catalogue; `catches` names the properties that must fail under it.

Replacements are built from `ORIGINAL`, the unpatched kernel functions captured at import, so a
wrapper can call the real function and bend its inputs or outputs.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import Any

from mip6check.model.config import SeqHalf
from mip6check.model.roles import kernel as K

ORIGINAL = SimpleNamespace(**{n: getattr(K, n) for n in dir(K) if not n.startswith("__")})
"""The kernel as it was when this module was imported (mutant wrappers call through it)."""

_INHERITED = object()  # undo marker: the patched class attribute was inherited, delete it on exit
# only the model is mutated; observers (properties/) keep their own view. The model's package is
# named from the kernel's own module ("mip6check.model"), the name it has installed and in a checkout
_MODEL_PACKAGE = K.__name__.rsplit(".roles.", 1)[0]
_PATCH_ROOTS = (_MODEL_PACKAGE + ".",)


def _resolve(target: str) -> tuple[object, str]:
    """'name' (a kernel function) or 'package.module:Attr.path' -> (owner object, attribute name)."""
    if ":" not in target:
        return K, target
    mod_name, path = target.split(":", 1)
    owner: object = importlib.import_module(mod_name)
    *outer, attr = path.split(".")
    for part in outer:
        owner = getattr(owner, part)
    return owner, attr


@contextmanager
def patched_kernel(**replacements: Any) -> Iterator[None]:
    """Replace kernel functions by name (and their from-imported aliases in model/) inside the block."""
    with patched(replacements):
        yield


@contextmanager
def patched(replacements: dict[str, Any]) -> Iterator[None]:
    """Replace `target -> new` inside the block. A target is a kernel function name ('apply_bu'), whose
    from-imported aliases in model/ modules are replaced too, or 'module:Attr.path' for any other
    model attribute (e.g. 'mip6check.model.roles.home_agent:HomeAgent.some_method')."""
    undo: list[tuple[object, str, object]] = []
    try:
        for target, new in replacements.items():
            owner, name = _resolve(target)
            if not hasattr(owner, name):
                raise AttributeError(f"{target!r}: no such attribute")
            old = getattr(owner, name)
            # a class attribute it only inherits is deleted again on exit, not pinned on the subclass
            inherited = isinstance(owner, type) and name not in vars(owner)
            undo.append((owner, name, _INHERITED if inherited else old))
            setattr(owner, name, new)
            if owner is not K:
                continue
            for mod_name, mod in list(sys.modules.items()):
                if mod is not None and mod is not K and mod_name.startswith(_PATCH_ROOTS):
                    if getattr(mod, name, None) is old:
                        undo.append((mod, name, old))
                        setattr(mod, name, new)
        yield
    finally:
        for owner_, attr, was in reversed(undo):
            if was is _INHERITED:
                delattr(owner_, attr)
            else:
                setattr(owner_, attr, was)


@dataclass(frozen=True)
class Mutant:
    """One fault: what it breaks (with the § it violates), which kernel functions it replaces, and the
    property IDs that are expected to catch it (at least one engine must report a violation)."""

    name: str
    section: str
    description: str
    targets: tuple[str, ...]
    catches: frozenset[str]
    make: Callable[[SimpleNamespace], dict[str, Any]]
    layer: str = "kernel"  # "kernel": model.roles.kernel; "role": a role's method or helper

    def replacements(self) -> dict[str, Any]:
        reps = self.make(ORIGINAL)
        if set(reps) != set(self.targets):
            raise ValueError(
                f"mutant {self.name}: replaces {sorted(reps)}, declares {self.targets}"
            )
        return reps

    @contextmanager
    def applied(self) -> Iterator[Mutant]:
        """Run the block against the broken kernel."""
        with patched(self.replacements()):
            yield self


def _m(
    name: str,
    section: str,
    description: str,
    catches: set[str],
    make: Callable[[SimpleNamespace], dict[str, Any]],
) -> Mutant:
    return Mutant(
        name, section, description, tuple(sorted(make(ORIGINAL))), frozenset(catches), make
    )


def _top(cfg: Any) -> int:
    return K.SEQ_HALF if cfg.seq_half is SeqHalf.ACCEPT else K.SEQ_HALF - 1


def _with_kw(fn: Any, **fixed: Any) -> Any:
    """A kernel function with some keyword inputs forced (e.g. a test the code forgets to make)."""
    return lambda L, *a, **kw: fn(L, *a, **{**kw, **fixed})


def _dereg_idlen(o: SimpleNamespace) -> Any:
    """cache_decision that also applies the §8.2 ID Length test to an H deletion (§8.3 has none)."""

    def cd(L: Any, **kw: Any) -> tuple[Any, Any]:
        op, st = o.cache_decision(L, **kw)
        bad = L.and_(
            kw["h"],
            op == int(K.CacheOp.DELETE),
            kw["id_length"] != 0,
            kw["id_length"] != kw["ha_id_length"],
        )
        return L.ite(bad, int(K.CacheOp.NONE), op), L.ite(bad, int(K.Status.BAD_ID_LENGTH), st)

    return cd


def _bu_then(o: SimpleNamespace, post: Callable[..., Any]) -> Any:
    """apply_bu whose result is bent by `post(L, bu, (entry', check, op, status))`."""
    return lambda L, cfg, e, bu, env, now: post(L, bu, o.apply_bu(L, cfg, e, bu, env, now))


def _ba_then(o: SimpleNamespace, post: Callable[..., Any]) -> Any:
    """bul_on_ba whose result is bent by `post(L, b, (entry', outcome))`."""
    return lambda L, cfg, b, **kw: post(L, b, o.bul_on_ba(L, cfg, b, **kw))


MUTANTS: tuple[Mutant, ...] = (
    _m(
        "seq-ge",
        "7.2",
        "Sequence Number compared with >= (equal accepted)",
        {"BC-SEQ-MONOTONIC", "BC-STALE-IGNORED"},
        lambda o: {"seq_greater": lambda L, a, b, cfg: L.mod(a - b, K.SEQ_MOD) <= _top(cfg)},
    ),
    _m(
        "seq-no-wrap",
        "4.3",
        "Sequence Number compared as plain integers, not modulo 2^16",
        {"BC-SEQ-MONOTONIC", "BC-STALE-IGNORED"},
        lambda o: {"seq_greater": lambda L, a, b, cfg: a > b},
    ),
    _m(
        "seq-half-accept",
        "4.3",
        "distance 2^15 read as greater whatever the seq_half switch says",
        {"BC-SEQ-MONOTONIC"},
        lambda o: {
            "seq_greater": lambda L, a, b, cfg: L.and_(
                L.mod(a - b, K.SEQ_MOD) >= 1, L.mod(a - b, K.SEQ_MOD) <= K.SEQ_HALF
            )
        },
    ),
    _m(
        "seq-equal-valid",
        "7.2",
        "an equal Sequence Number passes §7.2 (retransmission re-applied)",
        {"BC-SEQ-MONOTONIC", "BC-STALE-IGNORED"},
        lambda o: {
            "bu_check": lambda L, cfg, **kw: o.bu_check(
                L,
                cfg,
                **{
                    **kw,
                    "seq": L.ite(
                        L.and_(kw["has_entry"], kw["seq"] == kw["entry_seq"]),
                        L.mod(kw["entry_seq"] + 1, K.SEQ_MOD),
                        kw["seq"],
                    ),
                },
            )
        },
    ),
    _m(
        "no-auth-test",
        "7.2",
        "Binding Update accepted without AH/ESP",
        {"BC-STALE-IGNORED", "W-BU-NEEDS-AUTH"},
        lambda o: {"bu_check": _with_kw(o.bu_check, auth=True)},
    ),
    _m(
        "no-length-test",
        "7.2",
        "Binding Update accepted with Option Length below the fixed part",
        {"BC-STALE-IGNORED", "W-BU-MINLEN"},
        lambda o: {"bu_check": _with_kw(o.bu_check, length_ok=True)},
    ),
    _m(
        "no-hao-test",
        "7.2",
        "Binding Update accepted without a Home Address option",
        {"BC-STALE-IGNORED", "W-BU-NEEDS-HAO"},
        lambda o: {"bu_check": _with_kw(o.bu_check, has_hao=True)},
    ),
    _m(
        "homereg-evictable",
        "7.7",
        "cache replacement may drop home registrations",
        {"BC-HOMEREG-NOEVICT"},
        lambda o: {"is_evictable": lambda L, home_reg: True},
    ),
    _m(
        "lifetime0-keeps-entry",
        "7.4",
        "Lifetime 0 does not delete (only CoA = home does)",
        {"BC-DELETE"},
        lambda o: {"wants_delete": lambda L, lifetime, coa_is_home: coa_is_home},
    ),
    _m(
        "status0-on-reject",
        "7.5",
        "Binding Acknowledgement Status 0 on rejection",
        {"BC-BA-STATUS", "HA-NOT-HA-132", "HA-IDLEN-136"},
        lambda o: {
            "cache_decision": lambda L, **kw: (lambda r: (r[0], L.ite(r[1] >= 128, 0, r[1])))(
                o.cache_decision(L, **kw)
            )
        },
    ),
    _m(
        "idlen-ignored",
        "8.2",
        "ID Length not compared with the home agent's",
        {"HA-IDLEN-136"},
        lambda o: {"cache_decision": _with_kw(o.cache_decision, id_length=0)},
    ),
    _m(
        "dereg-idlen-136",
        "8.3",
        "an H de-registration gets §8.2's ID Length test: 136 and the entry kept",
        {"HA-DEREG", "BC-BA-STATUS"},
        lambda o: {"cache_decision": _dereg_idlen(o)},
    ),
    _m(
        "anycast-ignored",
        "8.1",
        "H Binding Update to the Home-Agents anycast address accepted",
        {"HA-DHAAD-135"},
        lambda o: {"cache_decision": _with_kw(o.cache_decision, to_anycast=False)},
    ),
    _m(
        "not-ha-accepts",
        "8.2",
        "a node without home-agent function accepts H",
        {"HA-NOT-HA-132"},
        lambda o: {"cache_decision": _with_kw(o.cache_decision, is_home_agent=True)},
    ),
    _m(
        "offlink-accepted",
        "8.2",
        "home address off the home agent's link accepted",
        {"HA-NOT-HOME-133"},
        lambda o: {"cache_decision": _with_kw(o.cache_decision, home_on_link=True)},
    ),
    _m(
        "full-cache-accepts",
        "7.7",
        "full cache with nothing evictable still accepts",
        {"BC-HOMEREG-FULL-131"},
        lambda o: {"cache_decision": _with_kw(o.cache_decision, any_evictable=True)},
    ),
    _m(
        "never-create",
        "7.3",
        "valid BUs never create an entry (131)",
        {"BC-CREATE"},
        lambda o: {"cache_decision": _with_kw(o.cache_decision, will_create=False)},
    ),
    _m(
        "homereg-not-marked",
        "8.2",
        "accepted H Binding Update not marked home registration",
        {"HA-HOMEREG-MARK"},
        lambda o: {
            "apply_bu": _bu_then(
                o,
                lambda L, bu, r: (
                    replace(
                        r[0], home_reg=L.ite(L.or_(r[2] == 1, r[2] == 2), False, r[0].home_reg)
                    ),
                    *r[1:],
                ),
            )
        },
    ),
    _m(
        "reject-touches-cache",
        "5.2",
        "a rejected Binding Update overwrites the care-of address",
        {"BC-REJECT-NO-CACHE"},
        lambda o: {
            "apply_bu": _bu_then(
                o,
                lambda L, bu, r: (
                    replace(r[0], coa=L.ite(L.and_(r[1] == 0, r[3] >= 128), bu.coa, r[0].coa)),
                    *r[1:],
                ),
            )
        },
    ),
    _m(
        "infinite-expires",
        "5.1",
        "Lifetime 0xFFFFFFFF expires like any other",
        {"BC-INFINITE", "MN-BUL-EXPIRE"},
        lambda o: {"expired": lambda L, now, expiry, infinite: now >= expiry},
    ),
    _m(
        "never-expires",
        "4.3",
        "entries are never deleted at the end of their lifetime",
        {"BC-EXPIRE", "MN-BUL-EXPIRE"},
        lambda o: {"expired": lambda L, now, expiry, infinite: L.and_(False)},
    ),
    _m(
        "expiry-in-seconds",
        "7.3",
        "expiry computed as now(ms) + Lifetime without the *1000",
        {"BC-EXPIRE", "BC-CREATE"},
        lambda o: {"expiry_of": lambda now, lifetime_s: now + lifetime_s},
    ),
    _m(
        "expire-1s-early",
        "7.7",
        "entries deleted one second before their lifetime runs out",
        {"BC-EXPIRE"},
        lambda o: {
            "expired": lambda L, now, expiry, infinite: L.and_(
                L.not_(infinite), now >= expiry - 1000
            )
        },
    ),
    _m(
        "retx-new-seq",
        "9.7",
        "retransmission with a new Sequence Number",
        {"MN-RETX-SAME-SEQ"},
        lambda o: {
            "bul_retransmit": lambda L, cfg, b, now: replace(
                o.bul_retransmit(L, cfg, b, now), seq=L.mod(b.seq + 1, K.SEQ_MOD)
            )
        },
    ),
    _m(
        "no-backoff-doubling",
        "9.7",
        "retransmission timeout does not double",
        {"MN-BACKOFF"},
        lambda o: {
            "next_retx_interval": lambda L, interval, cfg: L.min_(interval, cfg.max_bindack_timeout)
        },
    ),
    _m(
        "backoff-no-cap",
        "9.7",
        "retransmission timeout doubles past MAX_BINDACK_TIMEOUT",
        {"MN-BACKOFF"},
        lambda o: {"next_retx_interval": lambda L, interval, cfg: interval * 2},
    ),
    _m(
        "new-bu-same-seq",
        "5.1",
        "a new Binding Update reuses the previous Sequence Number",
        {"MN-SEQ-INCREASE"},
        lambda o: {"next_seq": lambda L, last, step: last},
    ),
    _m(
        "cn-retx-forever",
        "9.5",
        "Binding Updates to correspondents retransmitted forever",
        {"MN-CN-RETX-STOP"},
        lambda o: {"retx_continues": lambda L, interval, home_reg, cfg: True},
    ),
    _m(
        "home-retx-stops",
        "9.4",
        "home registration retransmission stops at the cap",
        {"MN-HOME-RETX"},
        lambda o: {
            "retx_continues": lambda L, interval, home_reg, cfg: interval < cfg.max_bindack_timeout
        },
    ),
    _m(
        "rate-limit-1s-short",
        "9.8",
        "rate limit off by one second (BUs allowed back to back)",
        {"MN-RATE-LIMIT", "MN-SLOW-RATE"},
        lambda o: {
            "rate_ok": lambda L, now, last, fc, cfg: (
                now - last
                >= L.ite(fc >= cfg.max_fast_updates, cfg.slow_update_rate, cfg.max_update_rate)
                - 1000
            )
        },
    ),
    _m(
        "slow-rate-ignored",
        "9.8",
        "no SLOW_UPDATE_RATE after MAX_FAST_UPDATES",
        {"MN-SLOW-RATE"},
        lambda o: {"rate_ok": lambda L, now, last, fc, cfg: o.rate_ok(L, now, last, 0, cfg)},
    ),
    _m(
        "ba-seq-unchecked",
        "9.10",
        "Binding Acknowledgement acted on without a matching Sequence Number",
        {"MN-BA-VALIDATE"},
        lambda o: {"ba_outcome": _with_kw(o.ba_outcome, seq_matches=True)},
    ),
    _m(
        "ba-length-unchecked",
        "9.10",
        "short Binding Acknowledgement acted on",
        {"MN-BA-VALIDATE", "W-BA-MINLEN"},
        lambda o: {"ba_outcome": _with_kw(o.ba_outcome, opt_len=255)},
    ),
    _m(
        "ba-auth-unchecked",
        "9.10",
        "unauthenticated Binding Acknowledgement acted on",
        {"MN-BA-VALIDATE"},
        lambda o: {"ba_outcome": _with_kw(o.ba_outcome, auth=True)},
    ),
    _m(
        "ba-reject-keeps-entry",
        "9.10",
        "rejecting Binding Acknowledgement leaves the list entry",
        {"MN-BA-REJECTED"},
        lambda o: {
            "bul_on_ba": _ba_then(o, lambda L, b, r: (replace(r[0], present=b.present), r[1]))
        },
    ),
    _m(
        "ba-accept-keeps-retx",
        "9.10",
        "accepted Binding Acknowledgement does not stop retransmission",
        {"MN-BA-ACCEPTED"},
        lambda o: {
            "bul_on_ba": _ba_then(o, lambda L, b, r: (replace(r[0], retx_on=b.retx_on), r[1]))
        },
    ),
    _m(
        "status128-accepted",
        "5.2",
        "Status 128 read as accepted (<= 128)",
        {"MN-BA-REJECTED"},
        lambda o: {"accepted": lambda L, status: status <= 128},
    ),
    _m(
        "icmp-deletes-homereg",
        "7.7",
        "persistent ICMP unreachable deletes a home registration",
        {"BC-HOMEREG-NOEVICT"},
        lambda o: {
            "icmp_unreach_entry": lambda L, e, count, limit: replace(
                e, present=L.ite(L.and_(e.present, count >= limit), False, e.present)
            )
        },
    ),
    _m(
        "icmp-never-deletes",
        "7.8",
        "persistent ICMP unreachable never deletes the entry",
        {"BC-ICMP-UNREACH"},
        lambda o: {"icmp_unreach_entry": lambda L, e, count, limit: e},
    ),
    _m(
        "pp2-ignored",
        "9.9",
        "ICMP Parameter Problem code 2 does not stop Binding Updates",
        {"MN-ICMP-PP2-STOP"},
        lambda o: {"bul_param_problem": lambda L, b: b},
    ),
    _m(
        "no-more-bu-ignored",
        "9.9",
        "the no-more-BUs mark is not consulted before sending",
        {"MN-ICMP-PP2-STOP"},
        lambda o: {"bu_allowed": _with_kw(o.bu_allowed, no_more_bu=False)},
    ),
    _m(
        "coa-rate-off",
        "9.3",
        "new care-of addresses formed without the MAX_UPDATE_RATE limit",
        {"MN-COA-RATE"},
        lambda o: {"coa_formation_ok": lambda L, cfg, **kw: True},
    ),
)
"""The catalogue: at least 25 faults, each expected to be caught by the properties in `catches`."""


# ---------------------------------------------------------------------------------------------------
# Role-level mutants: faults that live in the roles (model/roles/*.py), not in the decision kernel.
# Each patches one method or helper of one role module through `patched()`; Z3 proofs over the kernel
# cannot see them, so the runtime engines (scenario corpus with monitors and capture replay, Hypothesis
# machines) must. `layer == "role"` tells properties/killrate.py which engines to try first.

_C = "mip6check.model.roles.correspondent"
_HA = "mip6check.model.roles.home_agent"
_MN = "mip6check.model.roles.mobile_node"
_MOV = "mip6check.model.roles.mn_movement"
_BUL = "mip6check.model.roles.binding_update_list"
_BC = "mip6check.model.roles.binding_cache"
_ND = "mip6check.model.roles.nd_messages"


def _orig(target: str) -> Any:
    """The value a 'module:Attr.path' target has now (unpatched when a mutant's replacements are built)."""
    owner, name = _resolve(target)
    return getattr(owner, name)


def _r(
    name: str,
    section: str,
    description: str,
    catches: set[str],
    make: Callable[[], dict[str, Any]],
) -> Mutant:
    """A role-level mutant: `make()` returns {'module:Attr.path': replacement} built over `_orig`."""
    return Mutant(
        name,
        section,
        description,
        tuple(sorted(make())),
        frozenset(catches),
        lambda _o: make(),
        "role",
    )


def _without_ah(pkt: Any) -> Any:
    """The packet with its Authentication Header(s) left out (§4.2's AH requirement broken)."""
    from mip6check.model.codec.values import AH

    return replace(pkt, headers=tuple(h for h in pkt.headers if not isinstance(h, AH)))


def _hao_binds() -> dict[str, Any]:
    """§7.1, §5.4: a Home Address option creates or refreshes a Binding Cache entry (home -> source)."""
    from mip6check.model.codec.values import BindingUpdate, MalformedOption
    from mip6check.model.roles.binding_cache import CacheRecord
    from mip6check.model.roles.events import CacheUpdated

    target = f"{_C}:Correspondent.on_receive"
    real = _orig(target)

    def on_receive(self: Any, core: Any, rx: Any, now: int) -> Any:
        out = real(self, core, rx, now)
        has_bu = any(isinstance(o, (BindingUpdate, MalformedOption)) for o in rx.options)
        home, coa = rx.hao, rx.packet.src
        if home is None or has_bu or home == coa:
            return out
        old = self.cache.get(home)
        seq = old.seq if old is not None else 0
        reg = old.home_reg if old is not None else False
        self.cache._entries[home] = CacheRecord(
            home, coa, seq, reg, now + 60_000, False, now, lifetime=60
        )
        return [*out, CacheUpdated(self.name, home, coa, seq, 60, reg, old is None, "7.1")]

    return {target: on_receive}


def _ha_tunnels_local_scope() -> dict[str, Any]:
    """§8.2: intercepted packets for the link-local/site-local address are tunnelled, not dropped."""
    from mip6check.model.addr import is_link_local, is_site_local
    from mip6check.model.roles.events import Intercepted
    from mip6check.model.roles.packets import tunnel

    target = f"{_HA}:HomeAgent.intercept"
    real = _orig(target)

    def intercept(self: Any, core: Any, packet: Any, iface: str, now: int) -> Any:
        home = self._home_of(packet.dst)
        rec = self.cache.lookup(home, now) if home is not None else None
        local = is_link_local(packet.dst) or is_site_local(packet.dst)
        if rec is None or not rec.home_reg or not local:
            return real(self, core, packet, iface, now)
        outer = tunnel(packet, self._unicast(core, home), rec.coa)
        return [Intercepted(self.name, home, "tunnel", rec.coa, "8.4"), *core.send(outer, now)]

    return {target: intercept}


def _ha_stale_coa() -> dict[str, Any]:
    """§8.4: the tunnel goes to the first care-of address ever registered for the destination, not
    the primary one (a fresh memory per application of the mutant)."""
    target = f"{_HA}:tunnel"
    real = _orig(target)
    first: dict[tuple[bytes, bytes], bytes] = {}
    return {
        target: lambda inner, src, dst: real(inner, src, first.setdefault((src, inner.dst), dst))
    }


def _ha_rh_not_tunnel() -> dict[str, Any]:
    """§8.4: intercepted packets forwarded with an added Routing header instead of a tunnel."""
    from mip6check.model.roles.packets import add_routing

    return {f"{_HA}:tunnel": lambda inner, src, dst: add_routing(inner, dst)}


def _no_proxy_na() -> dict[str, Any]:
    """§8.2: Neighbor Solicitations for a proxied (covered) home address go unanswered."""
    target = f"{_ND}:NeighborDiscovery._on_ns"
    real = _orig(target)

    def on_ns(self: Any, iface: str, pkt: Any, ns: Any, now: int) -> Any:
        if ns.target in self.mobility.proxied() and ns.target not in self.addresses():
            return []
        return real(self, iface, pkt, ns, now)

    return {target: on_ns}


def _ha_idlen_dropped() -> dict[str, Any]:
    """§8.2: the home agent reads every Binding Update as if ID Length were 0 (no 136, and only the
    home address itself is defended)."""
    from mip6check.model.codec.values import BindingUpdate

    target = f"{_C}:Correspondent._on_bu"
    real = _orig(target)

    def on_bu(self: Any, core: Any, rx: Any, bu: Any, olen: int, now: int) -> Any:
        if self.is_home_agent and isinstance(bu, BindingUpdate):
            bu = replace(bu, id_length=0)
        return real(self, core, rx, bu, olen, now)

    return {target: on_bu}


def _ba_packet(bend: Callable[[Any, Any], Any]) -> dict[str, Any]:
    """The correspondent's/home agent's Binding Acknowledgement packet bent by `bend(real, args)`."""
    target = f"{_C}:ba_packet"
    real = _orig(target)
    return {target: lambda src, coa, home, ba: bend(real, (src, coa, home, ba))}


def _ba_direct(real: Any, args: tuple[Any, ...]) -> Any:
    from mip6check.model.codec.options import dest_options
    from mip6check.model.codec.values import IPv6Packet, NoNextHeader
    from mip6check.model.roles.packets import PLACEHOLDER_AH

    src, coa, _home, ba = args
    return IPv6Packet(src, coa, (PLACEHOLDER_AH, dest_options(ba)), NoNextHeader())


def _ba_payload(real: Any, args: tuple[Any, ...]) -> Any:
    from mip6check.model.codec.values import UDP

    pkt = real(*args)
    return replace(pkt, payload=UDP(434, 434, b"rejected")) if args[3].status >= 128 else pkt


def _bu_packet(bend: Callable[[Any, Any], Any]) -> dict[str, Any]:
    """The mobile node's Binding Update packet bent by `bend(real, args)`."""
    target = f"{_MN}:bu_packet"
    real = _orig(target)
    return {target: lambda src, dst, bu, home, hao_type: bend(real, (src, dst, bu, home, hao_type))}


def _bu_no_hao(real: Any, args: tuple[Any, ...]) -> Any:
    from mip6check.model.codec.options import dest_options
    from mip6check.model.codec.values import IPv6Packet, NoNextHeader
    from mip6check.model.roles.packets import PLACEHOLDER_AH

    src, dst, bu, _home, _t = args
    return IPv6Packet(src, dst, (PLACEHOLDER_AH, dest_options(bu)), NoNextHeader())


def _mn_home_source() -> dict[str, Any]:
    """§9.1: away from home, packets keep the home address as source (no HAO, no care-of source)."""
    real = _orig(f"{_C}:Correspondent.on_output")
    return {
        f"{_MN}:MobileNode.on_output": lambda self, core, packet, now: real(self, core, packet, now)
    }


def _homereg_no_a() -> dict[str, Any]:
    """§9.4: home registrations sent without the A bit."""
    target = f"{_MN}:MobileNode._emit_bu"
    real = _orig(target)

    def emit(
        self: Any,
        core: Any,
        dst: Any,
        home: Any,
        coa: Any,
        seq: int,
        life: int,
        h: bool,
        a: bool,
        *rest: Any,
    ) -> Any:
        return real(self, core, dst, home, coa, seq, life, h, a and not h, *rest)

    return {target: emit}


def _rate_1s_short() -> dict[str, Any]:
    """§9.8: the mobile node's own rate limiter waits one second less than MAX_UPDATE_RATE /
    SLOW_UPDATE_RATE (off by one second)."""
    target = f"{_BUL}:BindingUpdateList.earliest"
    real = _orig(target)

    def earliest(self: Any, destination: Any, now: int, coa: Any = None) -> Any:
        when = real(self, destination, now, coa)
        return when if when is None or when <= now else max(now, when - 1000)

    return {target: earliest}


def _ra_unauth() -> dict[str, Any]:
    """§8.5: Router Advertisements tunnelled to an away mobile node without AH."""
    target = f"{_HA}:encapsulate"
    real = _orig(target)
    return {target: lambda inner, src, dst, *a: real(_without_ah(inner), src, dst, *a)}


def _delete_keeps_entry() -> dict[str, Any]:
    """§7.4, §8.3: the cache answers a deletion as done (Status 0) but keeps the entry, silently."""
    from mip6check.model.roles.events import CacheDeleted

    target = f"{_BC}:BindingCache.process"
    real = _orig(target)

    def process(self: Any, bu: Any, env: Any, now: int, *, id_length: int = 0) -> Any:
        old = self.get(bu.home)
        d = real(self, bu, env, now, id_length=id_length)
        if old is None or d.op is not K.CacheOp.DELETE or self.get(bu.home) is not None:
            return d
        self._entries[bu.home] = old
        kept = tuple(e for e in d.events if not (isinstance(e, CacheDeleted) and e.reason == "bu"))
        return replace(d, events=kept)

    return {target: process}


def _rs_from_home() -> dict[str, Any]:
    """§9.3: the Router Solicitation sent on a link change uses the home address as source."""
    from mip6check.model.codec.values import RouterSolicitation
    from mip6check.model.roles.events import Transmit

    target = f"{_MN}:MobileNode.moved"
    real = _orig(target)

    def moved(self: Any, core: Any, iface: str, now: int) -> Any:
        return [
            replace(a, packet=replace(a.packet, src=self.home))
            if isinstance(a, Transmit) and isinstance(a.packet.payload, RouterSolicitation)
            else a
            for a in real(self, core, iface, now)
        ]

    return {target: moved}


def _prev_router_bu_not_h() -> dict[str, Any]:
    """§9.6: the Binding Update to the previous default router is sent without the H bit."""
    target = f"{_MN}:MobileNode.queue_bu"
    real = _orig(target)

    def queue_bu(self: Any, core: Any, p: Any, now: int) -> Any:
        return real(self, core, replace(p, home_reg=False) if p.section == "9.6" else p, now)

    return {target: queue_bu}


_NODE = "mip6check.model.roles.node"
_ROUTING = "mip6check.model.roles.routing"
_ICMP = "mip6check.model.roles.icmp_errors"


def _src(
    target: str, old: str, new: str, source: str | None = None
) -> Callable[[], dict[str, Any]]:
    """{target: the function at `source` (default `target`) with `old` rewritten to `new`}."""
    from mip6check.properties.source_faults import rewritten

    return lambda: {target: rewritten(source or target, old, new)}


def _nothing(*_a: Any, **_kw: Any) -> list[Any]:
    return []


ROLE_MUTANTS: tuple[Mutant, ...] = (
    _r(
        "hao-creates-entry",
        "7.1",
        "a Home Address option creates or refreshes a Binding Cache entry at a correspondent",
        {"BC-HAO-NO-STATE"},
        _hao_binds,
    ),
    _r(
        "ha-tunnels-local-scope",
        "8.2",
        "home agent tunnels packets for the link-local/site-local address instead of dropping them",
        {"HA-LOCAL-SCOPE-DROP"},
        _ha_tunnels_local_scope,
    ),
    _r(
        "ha-tunnels-stale-coa",
        "8.4",
        "home agent tunnels to the first care-of address registered, not the primary one",
        {"HA-TUNNEL"},
        _ha_stale_coa,
    ),
    _r(
        "ha-rh-not-tunnel",
        "8.4",
        "home agent forwards intercepted packets with a Routing header instead of a tunnel",
        {"HA-NO-RH-FOR-INTERCEPTED", "HA-TUNNEL"},
        _ha_rh_not_tunnel,
    ),
    _r(
        "ha-no-gratuitous-na",
        "8.2",
        "no gratuitous Neighbor Advertisements on a new home registration",
        {"HA-GRATUITOUS-NA"},
        lambda: {f"{_HA}:HomeAgent._na": _nothing},
    ),
    _r(
        "ha-covers-home-only",
        "8.2",
        "ID Length > 0 still defends only the home address (no other prefixes, link-/site-local)",
        {"HA-GRATUITOUS-NA", "HA-PROXY-NS"},
        lambda: {f"{_HA}:HomeAgent.covered": lambda self, core, home, id_length: (home,)},
    ),
    _r(
        "ha-no-proxy-na",
        "8.2",
        "Neighbor Solicitations for a registered home address are not answered by the home agent",
        {"HA-PROXY-NS"},
        _no_proxy_na,
    ),
    _r(
        "ha-idlen-ignored",
        "8.2",
        "home agent ignores the ID Length field (no Status 136, no address coverage)",
        {"HA-IDLEN-136", "HA-GRATUITOUS-NA"},
        _ha_idlen_dropped,
    ),
    _r(
        "ha-ba-from-anycast",
        "8.1",
        "the 135 answer to a Home-Agents anycast Binding Update has the anycast source",
        {"HA-DHAAD-135"},
        lambda: {
            f"{_HA}:HomeAgent._ba_source": lambda self, core, rx, home, to_anycast: rx.final_dst
        },
    ),
    _r(
        "ha-ra-unauthenticated",
        "8.5",
        "Router Advertisements tunnelled after a home prefix change carry no AH",
        {"HA-RA-TUNNEL"},
        _ra_unauth,
    ),
    _r(
        "ba-without-rh",
        "5.2",
        "Binding Acknowledgement sent straight to the care-of address, no Routing header",
        {"W-BA-VIA-RH"},
        lambda: _ba_packet(_ba_direct),
    ),
    _r(
        "ba-without-ah",
        "5.2",
        "Binding Acknowledgement sent without AH",
        {"W-BA-NEEDS-AUTH"},
        lambda: _ba_packet(lambda real, a: _without_ah(real(*a))),
    ),
    _r(
        "ba-reject-with-payload",
        "5.2",
        "a rejecting Binding Acknowledgement carries a payload (Next Header not 59)",
        {"W-BA-REJECT-NOPAYLOAD"},
        lambda: _ba_packet(_ba_payload),
    ),
    _r(
        "ba-seq-not-copied",
        "5.2",
        "Binding Acknowledgement Sequence Number is not the Binding Update's",
        {"BC-BA-SEQ"},
        lambda: _ba_packet(
            lambda real, a: real(*a[:3], replace(a[3], seq=(a[3].seq + 1) % K.SEQ_MOD))
        ),
    ),
    _r(
        "ba-not-sent",
        "7.5",
        "a Binding Update with the A bit is never acknowledged",
        {"BC-BA-ON-A"},
        lambda: {f"{_C}:Correspondent._ack": _nothing},
    ),
    _r(
        "delete-keeps-entry",
        "7.4",
        "a valid deletion (Lifetime 0 or care-of = home) is acknowledged but the entry is kept",
        {"BC-DELETE", "HA-DEREG"},
        _delete_keeps_entry,
    ),
    _r(
        "cn-no-rh",
        "7.9",
        "a node holding a binding sends to the home address directly, no Routing header",
        {"BC-ROUTE-VIA-RH"},
        lambda: {f"{_C}:add_routing": lambda pkt, coa: pkt},
    ),
    _r(
        "bu-without-ah",
        "5.1",
        "mobile node sends Binding Updates without AH",
        {"W-BU-NEEDS-AUTH"},
        lambda: _bu_packet(lambda real, a: _without_ah(real(*a))),
    ),
    _r(
        "bu-without-hao",
        "5.1",
        "mobile node sends Binding Updates without a Home Address option",
        {"W-BU-NEEDS-HAO", "MN-HOMEREG-FORM"},
        lambda: _bu_packet(_bu_no_hao),
    ),
    _r(
        "homereg-without-a",
        "9.4",
        "home registrations sent with A = 0",
        {"MN-HOMEREG-FORM"},
        _homereg_no_a,
    ),
    _r(
        "mn-home-source-away",
        "9.1",
        "away from home, packets leave with the home address as source and no Home Address option",
        {"MN-HAO-OUT"},
        _mn_home_source,
    ),
    _r(
        "mn-pp2-ignored",
        "9.9",
        "ICMP Parameter Problem code 2 for a Binding Update is ignored by the mobile node",
        {"MN-ICMP-PP2-STOP"},
        lambda: {f"{_MN}:handle_icmp": _nothing},
    ),
    _r(
        "mn-br-ignored",
        "9.11",
        "Binding Requests are never answered",
        {"MN-BR-ANSWER"},
        lambda: {f"{_MN}:handle_br": _nothing},
    ),
    _r(
        "mn-no-tunnel-trigger",
        "9.5",
        "a tunnelled packet never triggers a Binding Update to its sender",
        {"MN-TUNNEL-TRIGGERS-BU"},
        lambda: {f"{_MN}:tunnel_trigger": _nothing},
    ),
    _r(
        "mn-home-no-na",
        "9.13",
        "back home, no unsolicited Neighbor Advertisements for the home addresses",
        {"MN-RETURN-HOME"},
        lambda: {f"{_MOV}:send_na": _nothing, f"{_MN}:send_na": _nothing},
    ),
    _r(
        "mn-rs-from-home",
        "9.3",
        "the Router Solicitation after a link change has the home address as source",
        {"W-AUTOCONF-LLSRC"},
        _rs_from_home,
    ),
    _r(
        "prev-router-bu-not-h",
        "9.6",
        "the Binding Update to the previous default router lacks the H bit",
        {"MN-PREV-ROUTER-BU"},
        _prev_router_bu_not_h,
    ),
    _r(
        "mn-rate-1s-short",
        "9.8",
        "the mobile node's rate limiter waits one second less than required",
        {"MN-RATE-LIMIT", "MN-SLOW-RATE"},
        _rate_1s_short,
    ),
    # one expression of a role's source rewritten, as a mutation tool would (properties/source_faults)
    _r(
        "pp-unknown-nh-dropped",
        "6",
        "a packet with an unrecognised Next Header is discarded without the Parameter Problem",
        {"IPV6-UNKNOWN-NH"},
        _src(
            _NODE + ":IPv6Node._local",
            "*self._param_problem(iface, pkt, 1, len(pkt.headers) - 1, 0, now),",
            "*[],",
        ),
    ),
    _r(
        "pp-unknown-nh-pointer",
        "6",
        "the Parameter Problem for an unrecognised Next Header points one octet past the field",
        {"IPV6-UNKNOWN-NH"},
        _src(
            _NODE + ":IPv6Node._local",
            "len(pkt.headers) - 1, 0, now)",
            "len(pkt.headers) - 1, 1, now)",
        ),
    ),
    _r(
        "pp-pointer-header-lengths",
        "6",
        "Parameter Problem pointers count every header up to 44 (Routing, Hop-by-Hop) as 8 octets long"
        " (found by the cosmic-ray sample, bench/mutation.py)",
        {"IPV6-UNKNOWN-NH"},
        _src(_NODE + ":ext_offsets", "if nh == 44:", "if nh <= 44:", _ICMP + ":ext_offsets"),
    ),
    _r(
        "pp-hbh-not-first-pointer",
        "6",
        "the Parameter Problem for a Hop-by-Hop header that is not first points two headers on"
        " (found by the cosmic-ray sample, bench/mutation.py)",
        {"IPV6-UNKNOWN-NH"},
        _src(
            _NODE + ":IPv6Node._local",
            "*self._param_problem(iface, pkt, 1, i - 1, 0, now)",
            "*self._param_problem(iface, pkt, 1, i + 1, 0, now)",
        ),
    ),
    _r(
        "rh-24-addresses-accepted",
        "6",
        "a Type 0 Routing header with 24 addresses is processed instead of drawing a Parameter Problem",
        {"IPV6-RH-HDR-EXT-LEN"},
        _src(_NODE + ":rh0_step", "if n > 23:", "if n > 24:", _ROUTING + ":rh0_step"),
    ),
    _r(
        "rh-strict-bit-misread",
        "6",
        "the Strict/Loose bit of a hop is read from the map's right end (23 & (i - 1) for 23 - (i - 1))"
        " (found by the cosmic-ray sample, bench/mutation.py)",
        {"IPV6-RH-STRICT"},
        _src(_NODE + ":rh0_step", "(23 - (i - 1))", "(23 & (i - 1))", _ROUTING + ":rh0_step"),
    ),
    _r(
        "rh-strict-bit-ignored",
        "6",
        "a strict Routing header hop toward a non-neighbor is forwarded like a loose one",
        {"IPV6-RH-STRICT"},
        _src(
            _NODE + ":IPv6Node._route_out",
            "if strict and (sel is None or sel[1] != dst):",
            "if False:",
        ),
    ),
    _r(
        "mn-no-cn-update-after-move",
        "9.5",
        "after a move the mobile node sends no Binding Update to the correspondents in its list",
        {"MN-CN-UPDATE"},
        _src(_MOV + ":form_coa", "for rec in mn.bul.records():", "for rec in ():"),
    ),
    _r(
        "ha-ra-tunnel-other-link",
        "8.5",
        "the home agent tunnels a renumbered link's Router Advertisement to every registered mobile"
        " node, also those homed on its other home links",
        {"HA-RA-TUNNEL"},
        _src(_HA + ":HomeAgent.advertise_prefixes", " or entry[0] != iface", ""),
    ),
)
"""Faults in the roles; each expected to be caught at run time by the properties in `catches`."""

ALL_MUTANTS: tuple[Mutant, ...] = MUTANTS + ROLE_MUTANTS
"""Kernel and role mutants (the kernel ones alone stay in MUTANTS: every one of them has a Z3 proof)."""

BY_NAME: dict[str, Mutant] = {m.name: m for m in ALL_MUTANTS}
