"""RFC 2463 §2.4 (c), judged exactly: an ICMPv6 error carries as much of the invoking packet as fits
without exceeding the minimum IPv6 MTU, measured on the whole error as sent (its own extension
headers too), so an error cut one octet short, or one octet too long, is not the error owed
(IPV6-UNKNOWN-NH in scenario 30); no error a node originates exceeds it (IPV6-ICMP-ERROR-SIZE:
the home agent's Destination Unreachable about a long packet, scenario 33). Scenario 31: a care-of address whose Duplicate Address Detection
fails is given up without the node ceasing to answer for its other addresses (RFC 2461 §7.2.1)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mip6check.model.addr import a
from mip6check.model.codec import encode_packet
from mip6check.model.codec.values import AH, IPv6Packet, ParamProblem, Raw
from mip6check.model.roles import node as node_module
from mip6check.model.roles import packets as packets_module
from mip6check.properties.base_rules import _size_fault
from mip6check.properties.scenarios import DEFAULT_DIRS
from mip6check.properties.spec.ipv6 import ICMP_ERROR_MAX, error_size_fault
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


def test_the_bound_is_the_minimum_mtu() -> None:
    assert ICMP_ERROR_MAX == 1280
    assert error_size_fault(1280, 1232, 1300) is None  # cut to fit exactly
    assert error_size_fault(1280, 1232, 1232) is None  # carried whole, exactly at the bound
    assert error_size_fault(100, 52, 52) is None  # a short packet carried whole
    assert "1 more would fit" in (error_size_fault(1279, 1231, 1300) or "")
    assert "above the minimum IPv6 MTU" in (error_size_fault(1281, 1233, 1300) or "")
    assert "above the minimum IPv6 MTU" in (error_size_fault(1348, 1300, 1300) or "")


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
    assert (_size_fault(err, data) is None) is fits


def _scenario(tmp_path: Path, name: str, pid: str) -> tuple[Status, str]:
    src = next(d / name for d in DEFAULT_DIRS if (d / name).exists())
    shutil.copy(src, tmp_path / name)
    opts = VerifyOptions(
        engines=("scenarios",), roots={"scenarios": tmp_path}, properties=frozenset({pid})
    )
    r = next(r for r in run_verify(opts) if r.engine == "scenarios" and r.property == pid)
    return r.status, r.detail or ""


SIZE = "30-icmp-error-size.scenario"


def test_clean_model_errors_are_exact(tmp_path: Path) -> None:
    status, detail = _scenario(tmp_path, SIZE, "IPV6-UNKNOWN-NH")
    assert status is Status.PASSED, detail  # passed, not unknown: the judge had errors to judge


@pytest.mark.parametrize("mtu", [1279, 1281])
def test_error_cut_wrong_is_flagged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mtu: int
) -> None:
    """The model's bound moved one octet either way: every long packet's error is off by one."""
    monkeypatch.setattr(node_module, "MIN_MTU", mtu)
    status, detail = _scenario(tmp_path, SIZE, "IPV6-UNKNOWN-NH")
    assert status is Status.VIOLATED, detail
    assert "expectation failed" not in detail


DAD = "31-coa-dad-failed.scenario"


def test_dad_failure_keeps_the_other_addresses(tmp_path: Path) -> None:
    status, detail = _scenario(tmp_path, DAD, "SYS-DELIVERY")
    assert status is Status.PASSED, detail


def test_dad_failure_losing_the_solicited_node_groups_is_flagged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a DAD failure the groups rebuilt from the wrong octets (RFC 2461 §7.2.1): back home the
    mobile node no longer answers for its home address, and the run shows it."""
    original = node_module.IPv6Node.remove_address

    def remove_address(self: node_module.IPv6Node, iface: str, addr: bytes) -> None:
        original(self, iface, addr)
        self._sol = {x[14:] for x in self._addr_iface}

    monkeypatch.setattr(node_module.IPv6Node, "remove_address", remove_address)
    status, detail = _scenario(tmp_path, DAD, "SYS-DELIVERY")
    assert status is Status.VIOLATED, detail


EXPIRY = "32-prefix-expiry-route.scenario"


def test_route_follows_an_expired_prefix(tmp_path: Path) -> None:
    status, detail = _scenario(tmp_path, EXPIRY, "SYS-DELIVERY")
    assert status is Status.PASSED, detail


def test_route_remembered_past_its_prefix_is_flagged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A route cache whose entries outlive the on-link prefix they rested on (RFC 2461 §5.3,
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

    monkeypatch.setattr(node_module.IPv6Node, "_select_route", sticky)
    status, detail = _scenario(tmp_path, EXPIRY, "SYS-DELIVERY")
    assert status is Status.VIOLATED, detail


def test_the_bound_is_a_parameter_for_the_rfc_1885_reading() -> None:
    """RFC 1885 §2.4 (c) said 576 octets: the same rule at that bound."""
    assert error_size_fault(576, 528, 1300, mtu=576) is None
    assert error_size_fault(1280, 1232, 1300, mtu=576) is not None
    assert error_size_fault(575, 527, 1300, mtu=576) is not None


LONG = "33-link-local-long-error.scenario"


def test_home_agent_error_about_a_long_packet_fits(tmp_path: Path) -> None:
    status, detail = _scenario(tmp_path, LONG, "IPV6-ICMP-ERROR-SIZE")
    assert status is Status.PASSED, detail


def test_home_agent_error_carrying_the_whole_packet_is_flagged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Destination Unreachable code 3 of §8.2 carrying all 1300 octets: 1348, above 1280."""
    monkeypatch.setattr(packets_module, "ICMP_INVOKING_MAX", 1 << 20)
    status, detail = _scenario(tmp_path, LONG, "IPV6-ICMP-ERROR-SIZE")
    assert status is Status.VIOLATED, detail
    assert "1348 octets" in detail


def test_every_error_of_the_corpus_scenario_30_fits(tmp_path: Path) -> None:
    status, detail = _scenario(tmp_path, SIZE, "IPV6-ICMP-ERROR-SIZE")
    assert status is Status.PASSED, detail


SPENT = "34-auth-behind-spent-rh.scenario"


def test_icv_behind_a_spent_routing_header_verifies(tmp_path: Path) -> None:
    status, detail = _scenario(tmp_path, SPENT, "BC-CREATE")
    assert status is Status.PASSED, detail


def test_icv_input_misreading_a_spent_routing_header_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The final form's split point computed as n % Segments Left: a spent header divides by zero
    and the run stops with an error instead of accepting the update."""
    from mip6check.model.codec.values import Routing0
    from mip6check.model.roles import ah as ah_module

    def misread(rh: Routing0, dst: bytes) -> tuple[Routing0, bytes]:
        n = len(rh.addresses)
        k = max(0, min(n, n % rh.segments_left))
        full = (*rh.addresses[:k], dst, *rh.addresses[k:])
        return Routing0(0, full[:-1], rh.reserved, rh.bitmap), full[-1]

    monkeypatch.setattr(ah_module, "rh0_final_form", misread)
    status, detail = _scenario(tmp_path, SPENT, "BC-CREATE")
    assert status is Status.ERROR, detail


def _replayed(*errors: IPv6Packet) -> list[tuple[str, str]]:
    """The replay observer's verdicts on these packets, one per capture index."""
    from mip6check.properties.replay.observer import Observer
    from mip6check.properties.replay.options import ReplayOptions

    obs = Observer(ReplayOptions())
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
