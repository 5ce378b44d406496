"""RFC 2463 §2.4 (c), judged exactly: an ICMPv6 error carries as much of the invoking packet as fits
without exceeding the minimum IPv6 MTU, measured on the whole error as sent (its own extension
headers too), so an error cut one octet short, or one octet too long, is not the error owed
(IPV6-UNKNOWN-NH in scenario 30); no error a node originates exceeds it (IPV6-ICMP-ERROR-SIZE:
the home agent's Destination Unreachable about a long packet, scenario 33). The minimum MTU is a
reading (C21, `icmp_error_mtu`): 1280 (RFC 2460 §5) or 576 (RFC 1883 §5, RFC 1885 §2.4 (c), the
draft's own references), which the model's error builders and every judge take from the run's
Config (scenario 35). Scenario 31: a care-of address whose Duplicate Address Detection fails is
given up without the node ceasing to answer for its other addresses (RFC 2461 §7.2.1); 32 and 34
are further corpus scenarios judged here with planted faults."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pytest

from mip6check.cli.switches import add_switch_arguments, config_from_args
from mip6check.model.addr import a
from mip6check.model.codec import encode_packet
from mip6check.model.codec.values import AH, DestUnreachable, IPv6Packet, ParamProblem, Raw
from mip6check.model.config import DEFAULT, Config
from mip6check.model.dsl import parse_scenario
from mip6check.model.net import Kind
from mip6check.model.roles import node as node_module
from mip6check.model.roles import packets as packets_module
from mip6check.model.roles.icmp_errors import invoking_room
from mip6check.properties.base_rules import _size_fault
from mip6check.properties.replay import ReplayOptions, replay_file
from mip6check.properties.runjudge import judge_scenario
from mip6check.properties.scenarios import DEFAULT_DIRS
from mip6check.properties.spec.ipv6 import error_size_fault
from mip6check.properties.verdict import Status
from mip6check.properties.verify import VerifyOptions, run_verify

X, CN = a("2001:db8:3::2"), a("2001:db8:3::1")


def _invoking(n: int) -> bytes:
    """An encoded packet of n octets with an unrecognised Next Header (253)."""
    data = encode_packet(IPv6Packet(X, CN, (), Raw(253, bytes(n - 40))))
    assert len(data) == n
    return data


def _error(carried: bytes, own_ah: bool = False) -> IPv6Packet:
    headers = (AH(spi=0x100, seq=1, icv=bytes(12)),) if own_ah else ()
    return IPv6Packet(CN, X, headers, ParamProblem(1, 6, carried), hop_limit=64)


MTU576 = DEFAULT.with_switches(icmp_error_mtu=576)


def test_the_bound_is_the_minimum_mtu() -> None:
    mtu = DEFAULT.icmp_error_mtu
    assert mtu == 1280  # RFC 2460 §5, the default reading
    assert error_size_fault(1280, 1232, 1300, mtu) is None  # cut to fit exactly
    assert error_size_fault(1280, 1232, 1232, mtu) is None  # carried whole, exactly at the bound
    assert error_size_fault(100, 52, 52, mtu) is None  # a short packet carried whole
    assert "1 more would fit" in (error_size_fault(1279, 1231, 1300, mtu) or "")
    assert "above the minimum IPv6 MTU (1280)" in (error_size_fault(1281, 1233, 1300, mtu) or "")
    assert "above the minimum IPv6 MTU" in (error_size_fault(1348, 1300, 1300, mtu) or "")


def test_the_rfc_1885_bound() -> None:
    """RFC 1885 §2.4 (c) said 576 octets: the same rule at that bound."""
    assert error_size_fault(576, 528, 1300, 576) is None
    assert error_size_fault(576, 528, 528, 576) is None
    assert "above the minimum IPv6 MTU (576)" in (error_size_fault(1280, 1232, 1300, 576) or "")
    assert "1 more would fit" in (error_size_fault(575, 527, 1300, 576) or "")


@pytest.mark.parametrize(
    ("carried", "own_ah", "fits"),
    [
        (1232, False, True),
        (1231, False, False),  # one octet short of what fits
        (1233, False, False),  # one octet over
        (1300, False, False),  # the whole packet, not cut
        (1208, True, True),  # the error's own AH (24 octets) leaves room for 24 fewer
        (1232, True, False),  # the same cut as without AH: the error exceeds 1280
        (1200, True, False),  # below what fits beside the AH
    ],
)
def test_the_error_is_measured_whole(carried: int, own_ah: bool, fits: bool) -> None:
    data = _invoking(1300)
    err = _error(data[:carried], own_ah)
    assert (_size_fault(err, data, DEFAULT) is None) is fits
    # the same error under the 576 reading: too long whatever it carries
    assert _size_fault(err, data, MTU576) is not None


@pytest.mark.parametrize(("carried", "fits"), [(528, True), (527, False), (529, False)])
def test_the_owed_error_under_576(carried: int, fits: bool) -> None:
    data = _invoking(1300)
    assert (_size_fault(_error(data[:carried]), data, MTU576) is None) is fits


@pytest.mark.parametrize(("cfg", "size"), [(DEFAULT, 1280), (MTU576, 576)])
def test_the_builders_read_the_config(cfg: Config, size: int) -> None:
    """Both of the model's error builders cut the invoking packet by the run's reading."""
    assert invoking_room(cfg) == size - 48
    long = IPv6Packet(X, CN, (), Raw(253, bytes(1260)))
    err = packets_module.dest_unreachable(CN, long, 3, cfg)
    assert err is not None and len(encode_packet(err)) == size
    short = IPv6Packet(X, CN, (), Raw(253, bytes(100)))
    err = packets_module.dest_unreachable(CN, short, 3, cfg)
    assert err is not None and len(encode_packet(err)) == 140 + 48


def _parse(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    add_switch_arguments(p)
    return p.parse_args(list(argv))


def test_the_command_line_switch(capsys: pytest.CaptureFixture[str]) -> None:
    """`--icmp-error-mtu` (verify, replay, report, derive) reaches Config; other numbers are refused."""
    assert config_from_args(_parse()).icmp_error_mtu == 1280
    assert config_from_args(_parse("--icmp-error-mtu", "576")) == MTU576
    with pytest.raises(SystemExit) as e:
        _parse("--icmp-error-mtu", "1000")
    assert e.value.code == 2 and "invalid choice" in capsys.readouterr().err


def _verdict(
    tmp_path: Path, name: str, pid: str, edit: Callable[[str], str] = lambda s: s
) -> tuple[Status, str]:
    """`verify --engine scenarios` on one corpus scenario (its text passed through `edit`), for one
    property: its status and detail."""
    src = next(d / name for d in DEFAULT_DIRS if (d / name).exists())
    (tmp_path / name).write_text(edit(src.read_text(encoding="utf-8")), encoding="utf-8")
    opts = VerifyOptions(
        engines=("scenarios",), roots={"scenarios": tmp_path}, properties=frozenset({pid})
    )
    r = next(r for r in run_verify(opts) if r.engine == "scenarios" and r.property == pid)
    return r.status, r.detail or ""


SIZE = "30-icmp-error-size.scenario"
DAD = "31-coa-dad-failed.scenario"
EXPIRY = "32-prefix-expiry-route.scenario"
LONG = "33-link-local-long-error.scenario"
SPENT = "34-auth-behind-spent-rh.scenario"
MTU = "35-icmp-error-mtu-576.scenario"
SET_576 = "set icmp-error-mtu 576\n"


def _rfc_2460(text: str) -> str:
    """Scenario 35 under the default reading: its `set icmp-error-mtu 576` line removed, and its
    expectations on the errors' sizes turned to the RFC 2460 ones (1280 octets about the long packets;
    the two short ones are carried whole, 616 and 617)."""
    assert SET_576 in text
    sizes = {
        "expect by 11s: HA sent unreachable to X code 3 octets 576": (
            "expect by 11s: HA sent unreachable to X code 3 octets 1280"
        ),
        "expect by 11s: CN sent param-problem to Y code 1 octets 576 count 3": (
            "expect by 11s: CN sent param-problem to Y code 1 octets 1280\n"
            "expect by 11s: CN sent param-problem to Y code 1 octets 616\n"
            "expect by 11s: CN sent param-problem to Y code 1 octets 617"
        ),
        "expect never: CN sent param-problem octets 1280": (
            "expect never: CN sent param-problem octets 576"
        ),
    }
    for old, new in sizes.items():
        assert old in text, old
        text = text.replace(old, new)
    return text.replace(SET_576, "")


def _rfc_1883(text: str) -> str:
    """A scenario under the 576 reading: `set icmp-error-mtu 576` after its seed."""
    return text.replace("\nseed ", "\n" + SET_576.rstrip("\n") + "\nseed ", 1)


def _edits(edit: Callable[[str], str] | None) -> Callable[[str], str]:
    return edit if edit is not None else (lambda s: s)


CLEAN = [
    pytest.param(SIZE, "IPV6-UNKNOWN-NH", None, id="30-unknown-nh"),
    pytest.param(SIZE, "IPV6-ICMP-ERROR-SIZE", None, id="30-size"),
    pytest.param(DAD, "SYS-DELIVERY", None, id="31-dad"),
    pytest.param(EXPIRY, "SYS-DELIVERY", None, id="32-expiry"),
    pytest.param(LONG, "IPV6-ICMP-ERROR-SIZE", None, id="33-size"),
    pytest.param(LONG, "IPV6-ICMP-ERROR-SIZE", _rfc_1883, id="33-size-576"),
    pytest.param(SPENT, "BC-CREATE", None, id="34-icv"),
    pytest.param(MTU, "IPV6-ICMP-ERROR-SIZE", None, id="35-size-576"),
    pytest.param(MTU, "IPV6-UNKNOWN-NH", None, id="35-unknown-nh-576"),
    pytest.param(MTU, "IPV6-ICMP-ERROR-SIZE", _rfc_2460, id="35-size-1280"),
    pytest.param(MTU, "IPV6-UNKNOWN-NH", _rfc_2460, id="35-unknown-nh-1280"),
]


@pytest.mark.parametrize(("name", "pid", "edit"), CLEAN)
def test_clean_model_passes(
    tmp_path: Path, name: str, pid: str, edit: Callable[[str], str] | None
) -> None:
    """Passed, not unknown: the judge had inputs to judge, and the clean model meets the rule."""
    status, detail = _verdict(tmp_path, name, pid, _edits(edit))
    assert status is Status.PASSED, detail


def _room(octets: int) -> Callable[[pytest.MonkeyPatch], None]:
    """Plant: both error builders cut the invoking packet at `octets`, whatever the reading says."""

    def plant(mp: pytest.MonkeyPatch) -> None:
        for mod in (node_module, packets_module):
            mp.setattr(mod, "invoking_room", lambda cfg: octets)

    return plant


def _whole(mp: pytest.MonkeyPatch) -> None:
    """Plant: the home agent's Destination Unreachable carries the whole packet, uncut."""
    mp.setattr(packets_module, "invoking_room", lambda cfg: 1 << 20)


def _forgets_groups(mp: pytest.MonkeyPatch) -> None:
    """Plant: after a DAD failure the groups rebuilt from the wrong octets (RFC 2461 §7.2.1): back
    home the mobile node no longer answers for its home address, and the run shows it."""
    original = node_module.IPv6Node.remove_address

    def remove_address(self: node_module.IPv6Node, iface: str, addr: bytes) -> None:
        original(self, iface, addr)
        self._sol = {x[14:] for x in self._addr_iface}

    mp.setattr(node_module.IPv6Node, "remove_address", remove_address)


def _sticky_routes(mp: pytest.MonkeyPatch) -> None:
    """Plant: a route cache whose entries outlive the on-link prefix they rested on (RFC 2461 §5.3,
    §7.3.3): CN keeps resolving CN2 on foreign1 and its data at 8 s is never delivered."""

    def sticky(
        self: node_module.IPv6Node, dst: bytes, src: bytes, now: int
    ) -> tuple[str, bytes] | None:
        key = (dst, self._addr_iface.get(src))
        hit = self._rcache.get(key)
        if hit is not None:
            return hit[0]
        route = self._compute_route(dst, src, now)
        self._rcache[key] = (route, None)
        return route

    mp.setattr(node_module.IPv6Node, "_select_route", sticky)


def _misread_spent_rh(mp: pytest.MonkeyPatch) -> None:
    """Plant: the final form's split point computed as n % Segments Left: a spent header divides by
    zero and the run stops with an error instead of accepting the update."""
    from mip6check.model.codec.values import Routing0
    from mip6check.model.roles import ah as ah_module

    def misread(rh: Routing0, dst: bytes) -> tuple[Routing0, bytes]:
        n = len(rh.addresses)
        k = max(0, min(n, n % rh.segments_left))
        full = (*rh.addresses[:k], dst, *rh.addresses[k:])
        return Routing0(0, full[:-1], rh.reserved, rh.bitmap), full[-1]

    mp.setattr(ah_module, "rh0_final_form", misread)


PLANTED = [
    # the model's bound moved one octet either way: every long packet's error is off by one
    pytest.param(SIZE, "IPV6-UNKNOWN-NH", None, _room(1231), Status.VIOLATED, "", id="30-short"),
    pytest.param(SIZE, "IPV6-UNKNOWN-NH", None, _room(1233), Status.VIOLATED, "", id="30-long"),
    pytest.param(DAD, "SYS-DELIVERY", None, _forgets_groups, Status.VIOLATED, "", id="31"),
    pytest.param(EXPIRY, "SYS-DELIVERY", None, _sticky_routes, Status.VIOLATED, "", id="32"),
    # the Destination Unreachable code 3 of §8.2 carrying all 1300 octets: 1348, above 1280
    pytest.param(
        LONG, "IPV6-ICMP-ERROR-SIZE", None, _whole, Status.VIOLATED, "1348 octets", id="33-whole"
    ),
    pytest.param(SPENT, "BC-CREATE", None, _misread_spent_rh, Status.ERROR, "", id="34"),
    # the model hard-wired to RFC 2460 while the run reads 576: its 1280-octet errors are too long
    pytest.param(
        MTU,
        "IPV6-ICMP-ERROR-SIZE",
        None,
        _room(1232),
        Status.VIOLATED,
        "1280 octets, above the minimum IPv6 MTU (576)",
        id="35-model-1280-run-576",
    ),
    # the model hard-wired to RFC 1883 while the run reads 1280: its errors stop short of what fits
    pytest.param(
        MTU,
        "IPV6-UNKNOWN-NH",
        _rfc_2460,
        _room(528),
        Status.VIOLATED,
        "",
        id="35-model-576-run-1280",
    ),
]


@pytest.mark.parametrize(("name", "pid", "edit", "plant", "status", "needle"), PLANTED)
def test_planted_fault_is_caught(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    pid: str,
    edit: Callable[[str], str] | None,
    plant: Callable[[pytest.MonkeyPatch], None],
    status: Status,
    needle: str,
) -> None:
    plant(monkeypatch)
    got, detail = _verdict(tmp_path, name, pid, _edits(edit))
    assert got is status, detail
    assert needle in detail
    if name in (SIZE, LONG, MTU):  # a judge's finding, not only an expectation the fault breaks
        assert "expectation failed" not in detail, detail


def _error_sizes(text: str, capture: Path) -> list[tuple[str, int]]:
    """(node, octets) of each ICMPv6 error the model's nodes send in a run of `text`; the run's
    capture written to `capture`. The run is clean: every expectation holds, no judge flags."""
    run = judge_scenario(parse_scenario(text, "icmp-error-mtu.scenario"), str(capture))
    assert run.ok, ([r.detail for r in run.results if not r.ok], run.violations)
    return [
        (r.node or "", len(encode_packet(r.event.packet)))  # type: ignore[attr-defined]
        for r in run.network.log.records
        if r.kind is Kind.TX
        and r.node in ("HA", "CN")
        and isinstance(r.event.packet.payload, ParamProblem | DestUnreachable)  # type: ignore[attr-defined]
    ]


def test_each_reading_builds_and_judges_its_own_errors(tmp_path: Path) -> None:
    """Scenario 35 under both readings: the model's errors are cut to the reading (the long packets'
    errors 576 or 1280 octets, the short ones carried whole under 1280) and each run's capture,
    replayed, is clean under its own reading; the RFC 2460 run's capture judged under the 576 reading
    shows the two 1280-octet errors (replay reads `--icmp-error-mtu`, not the model's)."""
    src = next(d / MTU for d in DEFAULT_DIRS if (d / MTU).exists()).read_text(encoding="utf-8")
    old, new = tmp_path / "rfc2460.pcapng", tmp_path / "rfc1883.pcapng"
    assert _error_sizes(src, new) == [("HA", 576), ("CN", 576), ("CN", 576), ("CN", 576)]
    assert _error_sizes(_rfc_2460(src), old) == [
        ("HA", 1280),
        ("CN", 1280),
        ("CN", 616),
        ("CN", 617),
    ]

    def flagged(path: Path, cfg: Config) -> list[str]:
        rep = replay_file(str(path), ReplayOptions(config=cfg))
        return [v.message for v in rep.violations if v.property == "IPV6-ICMP-ERROR-SIZE"]

    assert flagged(new, MTU576) == [] and flagged(new, DEFAULT) == []
    assert flagged(old, DEFAULT) == []
    over = flagged(old, MTU576)
    assert len(over) == 4, over  # 1280, 1280, 616, 617: each above 576
    assert sum("1280 octets, above the minimum IPv6 MTU (576)" in m for m in over) == 2


def _replayed(*errors: IPv6Packet, cfg: Config = DEFAULT) -> list[tuple[str, str]]:
    """The replay observer's verdicts on these packets, one per capture index."""
    from mip6check.properties.replay.observer import Observer

    obs = Observer(ReplayOptions(config=cfg))
    for i, pkt in enumerate(errors, 1):
        obs.packet(i, i * 1_000_000_000, pkt)
    return [(v.property, v.message) for v in obs.violations]


def test_replay_judges_the_size_on_the_wire() -> None:
    """The capture engine applies the same bound: 1280 octets pass, 1281 and a whole 1300-octet
    packet (1348) do not, and an error's own AH counts."""
    data = _invoking(1300)
    fits = _error(data[:1232])
    over = _error(data[:1233])
    whole = _error(data)
    with_ah = _error(data[:1232], own_ah=True)
    assert [len(encode_packet(p)) for p in (fits, over, whole, with_ah)] == [1280, 1281, 1348, 1304]
    got = _replayed(fits, over, whole, with_ah)
    sizes = [m for pid, m in got if pid == "IPV6-ICMP-ERROR-SIZE"]
    assert len(sizes) == 3, got
    assert "1281 octets" in sizes[0] and "1348 octets" in sizes[1] and "1304 octets" in sizes[2]


def test_replay_judges_the_size_by_the_reading() -> None:
    """`--icmp-error-mtu 576`: a 576-octet error passes, 577 and a 1280-octet one do not; the same
    1280-octet error passes under the default reading."""
    data = _invoking(1300)
    fits, over, big = _error(data[:528]), _error(data[:529]), _error(data[:1232])
    assert [len(encode_packet(p)) for p in (fits, over, big)] == [576, 577, 1280]
    got = _replayed(fits, over, big, cfg=MTU576)
    sizes = [m for pid, m in got if pid == "IPV6-ICMP-ERROR-SIZE"]
    assert len(sizes) == 2, got
    assert "577 octets, above the minimum IPv6 MTU (576)" in sizes[0] and "1280 octets" in sizes[1]
    assert not [m for pid, m in _replayed(big) if pid == "IPV6-ICMP-ERROR-SIZE"]


def test_the_octets_filter_parses_and_prints() -> None:
    """`octets N` on a sent/received expectation: parsed into the AST, printed back as written."""
    from mip6check.model.dsl import ast as A
    from mip6check.model.dsl.printer import print_expectation

    text = "link L prefix 2001:db8:3::/64\ncorrespondent CN on L\nrun until 1s\n"
    line = "expect never: CN sent param-problem code 1 octets 577 count 2"
    sc = parse_scenario(text + line + "\n", "octets.scenario")
    e = next(e for e in sc.expectations if isinstance(e, A.Expect))
    assert isinstance(e.condition, A.MsgEvent) and e.condition.octets == 577
    assert print_expectation(e) == line


@pytest.mark.parametrize(("value", "mtu"), [("576", 576), ("1280", 1280), ("1000", None)])
def test_the_scenario_switch(value: str, mtu: int | None) -> None:
    """`set icmp-error-mtu N` takes the two readings and no other number."""
    from mip6check.model.dsl import ScenarioError
    from mip6check.model.dsl.switches import config_of

    text = f"link L prefix 2001:db8:3::/64\ncorrespondent CN on L\nset icmp-error-mtu {value}\n"
    if mtu is None:
        with pytest.raises(ScenarioError, match="takes one of 1280, 576"):
            parse_scenario(text + "run until 1s\n", "mtu.scenario")
        return
    sc = parse_scenario(text + "run until 1s\n", "mtu.scenario")
    assert config_of(sc).icmp_error_mtu == mtu


def test_the_command_line_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`simulate --pcap` of scenario 33 (RFC 2460: a 1280-octet error), then `replay` of its capture:
    clean by default, IPV6-ICMP-ERROR-SIZE violated (exit 1) under `--icmp-error-mtu 576`."""
    from mip6check.cli.main import main

    src = next(d / LONG for d in DEFAULT_DIRS if (d / LONG).exists())
    pcap = tmp_path / "33.pcapng"
    assert main(["simulate", str(src), "--pcap", str(pcap)]) == 0
    capsys.readouterr()
    assert main(["replay", str(pcap)]) == 0
    assert "IPV6-ICMP-ERROR-SIZE" not in capsys.readouterr().out
    assert main(["replay", str(pcap), "--icmp-error-mtu", "576"]) == 1
    out = capsys.readouterr().out
    assert "IPV6-ICMP-ERROR-SIZE" in out and "1280 octets, above the minimum IPv6 MTU (576)" in out
