"""SPEC findings: each witness is re-checked outside Z3, on the spec's definitions under PY and on what
the model does (its kernel, Binding Cache and codec), so a finding claims only what a run shows."""

from __future__ import annotations

from typing import Any

import pytest

from mip6check.model.addr import a
from mip6check.model.codec import (
    DRAFT04,
    BindingRequest,
    HomeAddress,
    IPv6Packet,
    NoNextHeader,
    UnknownOption,
    decode_packet,
    dest_options,
    encode_packet,
)
from mip6check.model.config import DEFAULT, SeqHalf
from mip6check.model.roles import kernel as K
from mip6check.model.roles.binding_cache import BindingCache
from mip6check.model.roles.logic import PY
from mip6check.properties.catalog import CATALOG
from mip6check.properties.coverage import DESCRIPTIVE, build
from mip6check.properties.smt import findings_format as FF
from mip6check.properties.smt.findings_runs import literal_bul, retx_schedule
from mip6check.properties.smt.spec import FINDINGS
from mip6check.properties.spec import binding_cache as SB
from mip6check.properties.spec import mobile_node as SM
from mip6check.properties.spec import wire as SW

ACCEPT = DEFAULT.with_switches(seq_half=SeqHalf.ACCEPT)
EQACK = DEFAULT.with_switches(seq_equal_ack=True)
HA = K.NodeEnv(
    is_home_agent=True,
    home_on_link=True,
    id_length=0,
    ha_id_length=64,
    to_anycast=False,
    cache_full=False,
    any_evictable=False,
)
EMPTY = K.Entry(False, 1, 0, 0, False, 0, False, 0)


def _bu(seq: int, *, h: bool = True, lifetime: int = 60, coa: int = 2, auth: bool = True) -> K.BUIn:
    return K.BUIn(auth, True, True, h, seq, lifetime, 1, coa)


def _stored(seq: int, *, h: bool = False, expiry: int = 10**9, infinite: bool = False) -> K.Entry:
    return K.Entry(True, 1, 2, seq, h, expiry, infinite, 0)


def _w_nontransitive(w: dict[str, Any]) -> None:
    for (s1, s2, s3), cfg in (
        ((w["stored"], w["lost"], w["refused"]), DEFAULT),
        (w["seq_half_accept"], ACCEPT),
    ):
        steps = ((s2 - s1) % 65536, (s3 - s2) % 65536)
        assert all(1 <= d < K.SEQ_HALF for d in steps)  # §5.1-legal steps, as the model's MN takes
        assert K.next_seq(PY, s1, steps[0]) == s2 and K.next_seq(PY, s2, steps[1]) == s3
        assert K.seq_greater(PY, s2, s1, cfg) and K.seq_greater(PY, s3, s2, cfg)
        assert (s3 - s1) % 65536 != 32768  # not the SPEC-SEQ-HALF edge
        e2, check, _, _ = K.apply_bu(PY, cfg, _stored(s1), _bu(s3, h=False), HA, 0)
        assert check == K.Check.STALE_SEQ and e2.seq == s1
        r = SB.Received(True, True, True, s3, True, s1)
        assert SB.check_72(PY, cfg, r) == SB.Check72.NOT_GREATER


def _w_134(w: dict[str, Any]) -> None:
    assert not w["status_134_reachable"] and w["status_129"].startswith("not claimed")
    st = w["stale"]
    e = _stored(st["stored"])
    e2, check, _, status = K.apply_bu(PY, DEFAULT, e, _bu(st["seq"], h=False), HA, 0)
    assert check == K.Check.STALE_SEQ and e2 == e and status != 134
    assert (
        SB.check_72(PY, DEFAULT, SB.Received(True, True, True, st["seq"], True, st["stored"])) == 4
    )


def _w_br(w: dict[str, Any]) -> None:
    assert set(w) == {"BR", "BA", "HAO"}
    for name, row in w.items():
        assert row["shortest_with_extension"] == row["stated"] + 1, name
    assert (w["BR"]["stated"], w["BA"]["stated"], w["HAO"]["stated"]) == (0, 12, 16)
    raw = encode_packet(
        IPv6Packet(
            a("2001:db8::1"),
            a("2001:db8::2"),
            (dest_options(BindingRequest(b"\x00")),),
            NoNextHeader(),
        )
    )
    assert raw[43] == 1  # the Binding Request written with Option Length 1 ...
    got = decode_packet(raw, DRAFT04).headers[0].options  # type: ignore[union-attr]
    assert any(isinstance(o, BindingRequest) and o.ext == b"\x00" for o in got)  # ... and read back


def _w_reack(w: dict[str, Any]) -> None:
    times = retx_schedule(DEFAULT, w["checked_retransmissions"])
    assert w["retransmissions_ms"] == [t for t in times if t <= w["first_acknowledged_ms"]]
    # the model (kernel): first registration accepted at 0, then each retransmission, same number
    e, check, _, _ = K.apply_bu(PY, DEFAULT, EMPTY, _bu(7), HA, 0)
    assert check == K.Check.VALID and e.present
    seen = []
    for t in w["retransmissions_ms"]:
        e_now = K.expire_entry(PY, e, t)
        seen.append(K.apply_bu(PY, DEFAULT, e_now, _bu(7), HA, t)[1] == K.Check.VALID)
    assert seen == w["acknowledged"] and seen[-1] and not any(seen[:-1])
    assert w["first_acknowledged_ms"] >= w["binding_expired_ms"] == 60_000
    # infinite Lifetime: not one of the checked retransmissions gets through
    e_inf, *_ = K.apply_bu(PY, DEFAULT, EMPTY, _bu(7, lifetime=K.INFINITE_LIFETIME), HA, 0)
    for t in times:
        assert (
            K.apply_bu(PY, DEFAULT, K.expire_entry(PY, e_inf, t), _bu(7), HA, t)[1] != K.Check.VALID
        )
    assert K.apply_bu(PY, EQACK, e, _bu(7), HA, times[0])[1] == K.Check.EQUAL_SEQ_REACK


def _w_seq_retx(w: dict[str, Any]) -> None:
    s = w["previous"]
    b = K.BulEntry(True, s, 2, True, False, 1000, 0, True, 0, 1, False)
    assert K.bul_retransmit(PY, DEFAULT, b, 1000).seq == s == w["retransmission"]
    assert not K.seq_greater(PY, s, s, DEFAULT) and not K.seq_greater(PY, s, s, ACCEPT)


def _w_ba_must(w: dict[str, Any]) -> None:
    assert (
        K.bu_check(
            PY,
            DEFAULT,
            auth=False,
            length_ok=True,
            has_hao=True,
            has_entry=False,
            entry_seq=0,
            seq=1,
        )
        == K.Check.NO_AUTH
    )
    assert w["check_7_2"] == "NO_AUTH"
    rows = {r.clause.id: r.clause for r in build().rows}
    assert rows["C5.2-R1"].keyword == "MUST" and rows["C7.2-03"].keyword == "MUST"
    assert rows["C7.5-01"].keyword == "SHOULD"


def _w_dereg_ba(w: dict[str, Any]) -> None:
    for h in (True, False):
        e2, check, op, status = K.apply_bu(
            PY, DEFAULT, _stored(7, h=h), _bu(8, h=h, lifetime=0), HA, 0
        )
        assert check == K.Check.VALID and status == 0 and op == K.CacheOp.DELETE and not e2.present


def _w_homereg_delete(w: dict[str, Any]) -> None:
    life, now = w["lifetime_s"], w["deregistration_at_ms"]
    e = _stored(7, h=True, expiry=K.expiry_of(0, life))
    assert K.expire_entry(PY, e, now).present  # still within its Lifetime ...
    e2, _, op, status = K.apply_bu(PY, DEFAULT, e, _bu(8, lifetime=0), HA, now)
    assert op == K.CacheOp.DELETE and not e2.present and status == 0  # ... and removed (§8.3)


def _w_infinite_fill(w: dict[str, Any]) -> None:
    cache = BindingCache("HA", DEFAULT, capacity=w["capacity"])
    homes = [a(f"2001:db8:1::{i + 10}") for i in range(w["capacity"] + 1)]
    for i, home in enumerate(homes[:-1]):
        bu = K.BUIn(True, True, True, True, 1, K.INFINITE_LIFETIME, home, a("2001:db8:2::1"))
        assert cache.process(bu, HA, w["infinite_home_registrations_at_ms"][i]).status == 0
    late = K.BUIn(True, True, True, True, 1, 60, homes[-1], a("2001:db8:2::1"))
    d = cache.process(late, HA, 10**12)  # thirty years later
    assert d.status == w["new_home_registration"]["status"] == 131 and not d.created
    assert len(cache) == w["capacity"]


def _w_seq_forgotten(w: dict[str, Any]) -> None:
    start = w["mobile_node_start"]
    b = K.bul_new_bu(
        PY,
        DEFAULT,
        K.BulEntry(False, 0, 0, False, False, 0, 0, False, 0, 0, False),
        0,
        step=1,
        initial_seq=start,
        coa=2,
        home_reg=False,
        ack=True,
    )
    assert b.seq == start
    _, check, _, status = K.apply_bu(
        PY, DEFAULT, _stored(w["peer_stored"]), _bu(start, h=False), HA, 0
    )
    assert check == K.Check.STALE_SEQ


def _w_dhaad(w: dict[str, Any]) -> None:
    env = K.NodeEnv(True, True, 0, 64, True, False, False)
    assert K.apply_bu(PY, DEFAULT, EMPTY, _bu(1, auth=False), env, 0)[1] == K.Check.NO_AUTH
    _, check, _, status = K.apply_bu(PY, DEFAULT, EMPTY, _bu(1), env, 0)
    assert check == K.Check.VALID and status == w["with_sa"]["status"] == 135


def _w_dereg_unknown(w: dict[str, Any]) -> None:
    e2, check, op, status = K.apply_bu(PY, DEFAULT, EMPTY, _bu(1, lifetime=0), HA, 0)
    assert check == K.Check.VALID and status == w["status"] == 0 and not e2.present


def _w_retx_stop(w: dict[str, Any]) -> None:
    cap = w["timeout_ms"]
    assert not K.retx_continues(PY, cap, False, DEFAULT) and K.retx_continues(
        PY, cap, True, DEFAULT
    )
    assert not SM.may_retransmit(PY, cap, False, DEFAULT) and SM.may_retransmit(
        PY, cap, True, DEFAULT
    )


def _w_hao8(w: dict[str, Any]) -> None:
    assert (
        w["option_length"] - w["extension_threshold_stated"] == w["extension_octets_literal"] == 8
    )
    home = a("2001:db8:1::100")
    pkt = IPv6Packet(
        a("2001:db8:2::1"), a("2001:db8:4::5"), (dest_options(HomeAddress(home)),), NoNextHeader()
    )
    raw = encode_packet(pkt)
    got = decode_packet(raw, DRAFT04).headers[0].options  # type: ignore[union-attr]
    hao = next(o for o in got if isinstance(o, HomeAddress))
    assert (
        hao.home_address == home and hao.ext == b""
    )  # the project reads all 16 octets as the address


def _w_unknown_bu(w: dict[str, Any]) -> None:
    assert w["option_type"] == DRAFT04.bu and DRAFT04.bu >> 6 == 0b11
    assert not w["multicast_destination"]["encoding_sends_icmp"]


def _w_pp2(w: dict[str, Any]) -> None:
    raw = FF._bu_packet()
    assert raw[w["bu_offset"]] == DRAFT04.bu and raw[w["hao_offset"]] == DRAFT04.hao
    assert w["pointer"] == w["hao_offset"] != w["bu_offset"] and DRAFT04.hao >> 6 == 0b11


def _w_types(w: dict[str, Any]) -> None:
    pkt = IPv6Packet(
        a("2001:db8::1"),
        a("2001:db8::2"),
        (dest_options(UnknownOption(0xC3, bytes(42))),),
        NoNextHeader(),
    )
    opts = decode_packet(encode_packet(pkt), DRAFT04).headers[0].options  # type: ignore[union-attr]
    assert any(type(o).__name__ == w["decoded_as"] == "BindingUpdate" for o in opts)


def _w_72(w: dict[str, Any]) -> None:
    sc = w["short_care_of"]
    assert sc["option_length"] >= FF.BU_STATED_MIN and sc["option_length"] < sc["octets_needed"]
    env = K.NodeEnv(False, False, 48, 64, False, False, True)
    _, check, op, status = K.apply_bu(PY, DEFAULT, EMPTY, _bu(1, h=False), env, 0)
    assert check == K.Check.VALID and status == 0 and op == K.CacheOp.UPDATE


def _w_bul(w: dict[str, Any]) -> None:
    from mip6check.model.roles.binding_update_list import BindingUpdateList

    sent = [(x["destination"], x["home"], x["seq"]) for x in w["sent"]]
    assert len(literal_bul(sent)) == w["entries_literal"] == 1
    # the model's reading keeps both registrations, each retransmitted on its own
    bul = BindingUpdateList("MN", DEFAULT)
    ha, coa = a("2001:db8:1::1"), a("2001:db8:2::100")
    for i, home in enumerate((a("2001:db8:1::100"), a("2001:db8:1::200"))):
        bul.new_bu(
            ha, home, coa, i, lifetime=60, home_reg=True, ack=True, step=1, initial_seq=i + 1
        )
    assert len(bul) == 2 and len(bul.due(10_000)) == 2


RECHECKS = {
    "SPEC-SEQ-NONTRANSITIVE": _w_nontransitive,
    "SPEC-134-VS-SILENT": _w_134,
    "SPEC-BR-EXTENSIONS": _w_br,
    "SPEC-RETX-NO-REACK": _w_reack,
    "SPEC-SEQ-RETX": _w_seq_retx,
    "SPEC-BA-MUST-VS-SILENT": _w_ba_must,
    "SPEC-DEREG-BA-NO-ENTRY": _w_dereg_ba,
    "SPEC-HOMEREG-DELETE": _w_homereg_delete,
    "SPEC-INFINITE-FILL": _w_infinite_fill,
    "SPEC-SEQ-FORGOTTEN": _w_seq_forgotten,
    "SPEC-DHAAD-NO-SA": _w_dhaad,
    "SPEC-DEREG-UNKNOWN": _w_dereg_unknown,
    "SPEC-RETX-STOP-READINGS": _w_retx_stop,
    "SPEC-HAO-EXT-8": _w_hao8,
    "SPEC-UNKNOWN-BU-ICMP": _w_unknown_bu,
    "SPEC-PP2-WHICH-OPTION": _w_pp2,
    "SPEC-TENTATIVE-TYPES": _w_types,
    "SPEC-72-GAPS": _w_72,
    "SPEC-BUL-ONE-PER-DEST": _w_bul,
}
"""SPEC ID -> re-check of its witness (the first rows' checks live in test_smt.py)."""


def test_at_least_fifteen_findings_each_in_the_catalog_and_mapped() -> None:
    assert len(FINDINGS) >= 15
    used = {p for r in build().rows for p in r.properties}
    for pid in FINDINGS:
        assert pid in CATALOG and CATALOG[pid].group.value == "SPEC", pid
        assert pid in used or pid in DESCRIPTIVE, f"{pid} checks no clause"


@pytest.mark.parametrize("pid", sorted(RECHECKS))
def test_witness_rechecked(pid: str) -> None:
    r = FINDINGS[pid]()
    assert r.status.value == "finding", r.detail
    RECHECKS[pid](r.witness)


def test_ran_out_of_the_spec_agrees_with_the_witness_times() -> None:
    assert not SW.ran_out(PY, 0, 60, 59_999) and SW.ran_out(PY, 0, 60, 60_000)
    assert not SW.ran_out(PY, 0, SW.INFINITE, 10**15)
