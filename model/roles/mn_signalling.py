"""Mobile node handlers for received signalling (§9.5 tunnel trigger, §9.9 ICMP, §9.10 BA, §9.11 BR).

Functions over a `MobileNode`, split from mobile_node.py by message family (STYLE principle 9).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mip6check.model.addr import Addr, fmt, is_link_local, is_multicast
from mip6check.model.codec import final_destination, option_offset
from mip6check.model.codec.values import BindingAck, ICMPv6, MalformedOption, ParamProblem
from mip6check.model.config import PP2Pointer
from mip6check.model.roles import kernel as K
from mip6check.model.roles.events import Action, BindingAckReceived, Note
from mip6check.model.roles.hooks import NodeCore, Received
from mip6check.model.roles.mn_movement import PendingBU
from mip6check.model.roles.packets import invoking_addresses

if TYPE_CHECKING:
    from mip6check.model.roles.mobile_node import MobileNode


def handle_ba(
    mn: MobileNode,
    core: NodeCore,
    rx: Received,
    ba: BindingAck | MalformedOption,
    olen: int,
    now: int,
) -> list[Action]:
    """§9.10 through kernel.bul_on_ba; a 135 response teaches the HA's unicast address (§8.1, §9.4)."""
    if isinstance(ba, MalformedOption):
        return [BindingAckReceived(mn.name, rx.src, 0, 0, K.BAOutcome.IGNORE.name)]
    home = rx.final_dst
    key = (rx.src, home)
    if mn.bul.get(*key) is None:
        dhaad = (mn.anycast_for(home), home)
        cands = [r for r in mn.bul.records() if r.destination == rx.src and r.seq == ba.seq]
        if ba.status == K.Status.DHAAD_RESPONSE and mn.bul.get(*dhaad) is not None:
            key = dhaad
        elif cands:
            key = (cands[0].destination, cands[0].home)
    rec = mn.bul.get(*key)
    outcome, events = mn.bul.on_ba(*key, auth=rx.auth, opt_len=olen, seq=ba.seq, status=ba.status)
    out: list[Action] = [
        *events,
        BindingAckReceived(mn.name, rx.src, ba.seq, ba.status, outcome.name),
    ]
    if rec is None or outcome is K.BAOutcome.IGNORE:
        return out
    if outcome is K.BAOutcome.ACCEPTED:
        if rec.home_reg and rec.destination == mn.ha:
            if rec.coa == rec.home:
                mn.ha_reg_expiry = None
                mn.timers.cancel(("refresh",))
                out.append(Note(mn.name, "deregistered", fmt(rec.home), "9.13"))
            elif ba.lifetime != K.INFINITE_LIFETIME:
                life = min(ba.lifetime, rec.lifetime)
                mn.ha_reg_expiry = now + life * 1000
                refresh = min(ba.refresh or life, life)
                mn.timers.arm(("refresh",), now + max(mn.config.max_update_rate, refresh * 900))
        return out
    if ba.status == K.Status.DHAAD_RESPONSE and key[0] == mn.anycast_for(rec.home):
        mn.ha = rx.packet.src
        out.append(Note(mn.name, "ha-discovered", fmt(mn.ha), "8.1"))
        if not mn.at_home:
            out += mn.register(core, now)
    elif (
        rec.home_reg
        and ba.status == K.Status.BAD_ID_LENGTH
        and mn.choices.retry_rejected(ba.status)
    ):
        mn.id_length = 0
        if not mn.at_home:
            out += mn.register(core, now)
    elif rec.home_reg and rec.destination == mn.ha and ba.status in (132, 133):
        mn.ha = None
        out.append(Note(mn.name, "ha-rejected", str(ba.status), "9.10"))
    return out


def handle_br(mn: MobileNode, core: NodeCore, rx: Received, now: int) -> list[Action]:
    """§9.11: answer with a BU (a new lifetime), or Lifetime 0 to keep the binding private (MAY)."""
    sender = rx.src
    if not mn.choices.answer_br(sender):
        return [Note(mn.name, "br-unanswered", fmt(sender), "9.11")]
    home = rx.final_dst if rx.final_dst in mn.homes else mn.home
    if not settled(mn):  # link changed, no new router or CoA yet: answer once there is one
        mn.br_waiting[sender] = home
        return [Note(mn.name, "br-deferred", fmt(sender), "9.11")]
    return answer_br(mn, core, sender, home, now)


def settled(mn: MobileNode) -> bool:
    """Is the MN attached (default router reachable) with an address usable on this link?"""
    r = mn.router
    if not mn.router_ok or r is None:
        return False
    return mn.at_home or (
        mn.primary is not None and any(p.contains(mn.primary) for p in r.prefixes)
    )


def answer_waiting_brs(mn: MobileNode, core: NodeCore, now: int) -> list[Action]:
    """Binding Requests that arrived while the MN was between links, answered now (§9.11), and the
    Binding Updates tunnelled packets asked for then (§9.5), sent now."""
    if not (mn.br_waiting or mn.trigger_waiting) or not settled(mn):
        return []
    out: list[Action] = []
    waiting, mn.br_waiting = mn.br_waiting, {}
    for sender, home in waiting.items():
        out += answer_br(mn, core, sender, home, now)
    triggers, mn.trigger_waiting = mn.trigger_waiting, {}
    for dst, home in triggers:
        out += _trigger_bu(mn, core, dst, home, now)
    return out


def answer_br(mn: MobileNode, core: NodeCore, sender: Addr, home: Addr, now: int) -> list[Action]:
    """§9.11: the Binding Update answering a Binding Request; its Lifetime extends what remains of
    the previous one to that node (the list entry's: a home registration answers as one, with its
    own lifetime, §9.4), or is 0 to keep the binding private."""
    prev = mn.bul.get(sender, home)
    h, ack, idl = False, mn.choices.cn_ack(sender), 0
    if mn.at_home or mn.primary is None:
        coa, src, life = home, home, 0
    else:
        private = mn.choices.private_binding(sender)
        life = mn.cn_lifetime
        if prev is not None and not private:
            # a new lifetime from now at least as long as the previous one's ends later (§9.11)
            life = max(life, prev.lifetime)
            if prev.home_reg:
                h, ack, idl = True, True, prev.id_length
        coa, src, life = (home if private else mn.primary), mn.primary, (0 if private else life)
    p = PendingBU(sender, home, coa, life, h, ack, idl, src, "9.11")
    return mn.queue_bu(core, p, now)


def tunnel_trigger(mn: MobileNode, core: NodeCore, rx: Received, now: int) -> list[Action]:
    """§9.5 (MN-TUNNEL-TRIGGERS-BU): tunnelled, outer dst a CoA, inner (final) dst a home address,
    outer src != inner src => a BU to the inner source."""
    outer, inner = rx.tunnel_outer, rx.packet
    if outer is None or mn.at_home or mn.primary is None:
        return []
    if (
        outer.dst not in mn.coas
        or final_destination(inner) not in mn.homes
        or outer.src == inner.src
    ):
        return []
    dst = inner.src
    if is_link_local(dst) or is_multicast(dst) or dst in mn.homes or dst == mn.ha:
        return []
    home = final_destination(inner)
    if (dst, home) in mn.pending:
        return []
    if not mn.choices.bu_to_cn(dst):
        return [Note(mn.name, "binding-private", fmt(dst), "9.5")]
    if not settled(mn):  # link changed, no router yet: the update would find no route; later
        mn.trigger_waiting[(dst, home)] = None
        return [Note(mn.name, "tunnel-trigger-deferred", fmt(dst), "9.5")]
    return _trigger_bu(mn, core, dst, home, now)


def _trigger_bu(mn: MobileNode, core: NodeCore, dst: Addr, home: Addr, now: int) -> list[Action]:
    """The §9.5 Binding Update to correspondent `dst` for `home` from the primary care-of address."""
    if mn.at_home or mn.primary is None:
        return []
    p = PendingBU(
        dst, home, mn.primary, mn.cn_lifetime, False, mn.choices.cn_ack(dst), 0, mn.primary, "9.5"
    )
    return [Note(mn.name, "tunnel-trigger", fmt(dst), "9.5"), *mn.queue_bu(core, p, now)]


def handle_icmp(mn: MobileNode, core: NodeCore, msg: ICMPv6, now: int) -> list[Action]:
    """§9.9 (MN-ICMP-PP2-STOP): Parameter Problem code 2 about a BU => no more BUs to that destination."""
    if not isinstance(msg, ParamProblem) or msg.code != 2:
        return []
    dst, _final, has_bu = invoking_addresses(msg.invoking, mn.config)
    if dst is None or has_bu is False:
        return []
    if mn.config.pp2_pointer is PP2Pointer.READ and (
        msg.pointer != option_offset(msg.invoking, mn.config.profile.bu)
    ):
        return [Note(mn.name, "pp2-not-bu", fmt(dst), "9.9")]  # C17: about another option
    if has_bu is None and not any(r.destination == dst for r in mn.bul.records()):
        return []
    return [Note(mn.name, "no-more-bu", fmt(dst), "9.9"), *mn.bul.param_problem(dst)]
