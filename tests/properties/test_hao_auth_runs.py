"""W-HAO-AUTH-COVERED (§4.2, §5.4, §13.2) and MN-HAO-BEFORE-IPSEC (§9.1) over simulated runs: with the
scenario's `key` line and `set auth verify`, replay of the run's capture checks AH ICVs as `replay --sa`
does. The clean model is silent; a mobile node planted to compute its ICV with the Home Address option
zeroed, or before adding the option, is flagged."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from mip6check.model.codec.options import dest_options
from mip6check.model.codec.values import DestOptions, HomeAddress, IPv6Packet, Pad1, PadN
from mip6check.model.dsl import parse_scenario
from mip6check.model.roles import ah as ahmod
from mip6check.properties.runjudge import judge_scenario

SCENARIO = """\
link home prefix 2001:db8:1::/64
link foreign1 prefix 2001:db8:2::/64
link core prefix 2001:db8:3::/64
home-agent HA on home, core
router R1 on foreign1, core
mobile MN home 2001:db8:1::100 agent HA on foreign1
key MN HA "hao coverage"
set auth verify
seed 4
run until 6s

expect by 5s: MN sent bu to HA
"""
ROWS = ("W-HAO-AUTH-COVERED", "MN-HAO-BEFORE-IPSEC")


def _verdicts() -> dict[str, list[str]]:
    run = judge_scenario(parse_scenario(SCENARIO, "hao-auth.scenario"))
    return {p: [v.message for v in run.violations if v.property == p] for p in ROWS}


def _hao_edit(pkt: IPv6Packet, edit: Callable[[HomeAddress], HomeAddress | None]) -> IPv6Packet:
    hs = []
    for h in pkt.headers:
        if type(h) is DestOptions and any(type(o) is HomeAddress for o in h.options):
            kept = [
                e
                for o in h.options
                if not isinstance(o, Pad1 | PadN)
                and (e := (edit(o) if type(o) is HomeAddress else o)) is not None
            ]
            if kept:
                hs.append(dest_options(*kept))
        else:
            hs.append(h)
    return replace(pkt, headers=tuple(hs))


def _has_hao(pkt: IPv6Packet) -> HomeAddress | None:
    return next(
        (
            o
            for h in pkt.headers
            if type(h) is DestOptions
            for o in h.options
            if type(o) is HomeAddress
        ),
        None,
    )


def test_clean_model_is_silent() -> None:
    assert _verdicts() == {p: [] for p in ROWS}


def test_icv_without_the_option_is_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    real = ahmod.compute_icv

    def zeroed(pkt: IPv6Packet, key: bytes, encode: ahmod.Encoder) -> bytes:
        if _has_hao(pkt) is not None:  # planted: the option treated as mutable
            pkt = _hao_edit(pkt, lambda o: replace(o, home_address=bytes(16)))
        return real(pkt, key, encode)

    monkeypatch.setattr(ahmod, "compute_icv", zeroed)
    got = _verdicts()
    assert got["W-HAO-AUTH-COVERED"] and not got["MN-HAO-BEFORE-IPSEC"], got


def test_icv_before_the_option_is_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    real = ahmod.compute_icv

    def before(pkt: IPv6Packet, key: bytes, encode: ahmod.Encoder) -> bytes:
        hao = _has_hao(pkt)
        if hao is not None:  # planted: the ICV of the packet as it was before the option was added
            pkt = replace(_hao_edit(pkt, lambda o: None), src=hao.home_address)
        return real(pkt, key, encode)

    monkeypatch.setattr(ahmod, "compute_icv", before)
    got = _verdicts()
    assert got["MN-HAO-BEFORE-IPSEC"], got
