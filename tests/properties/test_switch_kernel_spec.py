"""The kernel (model) and the spec (judges) read the switches that change the mobile node's sending
rules the same way, under every reading: retransmission at MAX_BINDACK_TIMEOUT (C13), what counts
toward MAX_FAST_UPDATES (C14), and which Parameter Problem stops Binding Updates (C17)."""

from __future__ import annotations

import pytest

from mip6check.model.addr import a
from mip6check.model.codec import encode_packet, option_offset
from mip6check.model.codec.options import bu, dest_options
from mip6check.model.codec.values import AH, HomeAddress, IPv6Packet, NoNextHeader
from mip6check.model.config import DEFAULT, FastCount, PP2Pointer, RetxAtMax
from mip6check.model.roles import kernel as K
from mip6check.model.roles.logic import PY
from mip6check.properties.spec import mobile_node as SM

WAITS = (1_000, 64_000, 128_000, 256_000)


@pytest.mark.parametrize("reading", list(RetxAtMax))
def test_retransmission_at_the_cap(reading: RetxAtMax) -> None:
    cfg = DEFAULT.with_switches(retx_at_max=reading)
    for wait in WAITS:
        for home_reg in (False, True):
            k = bool(K.retx_continues(PY, wait, home_reg, cfg))
            assert k == bool(SM.may_retransmit(PY, wait, home_reg, cfg)), (wait, home_reg)
    home_at_cap = bool(SM.may_retransmit(PY, 256_000, True, cfg))
    assert home_at_cap is (reading is RetxAtMax.BY_DESTINATION)
    assert not SM.may_retransmit(PY, 256_000, False, cfg)


@pytest.mark.parametrize("reading", list(FastCount))
def test_retransmissions_toward_max_fast_updates(reading: FastCount) -> None:
    cfg = DEFAULT.with_switches(fast_count=reading)
    b = K.BulEntry(True, 7, 1, True, False, 1_000, 1_000, True, 0, 3, False)
    after = K.bul_retransmit(PY, cfg, b, 1_000)
    assert after.fast_count - b.fast_count == SM.counts_as_fast(cfg, True)
    assert SM.counts_as_fast(cfg, True) == (1 if reading is FastCount.TRANSMISSIONS else 0)
    assert SM.counts_as_fast(cfg, False) == 1


def test_pp2_pointer_reading() -> None:
    home, coa, cn = a("2001:db8:1::100"), a("2001:db8:2::100"), a("2001:db8:4::5")
    opts = dest_options(bu(1, 60), HomeAddress(home))
    data = encode_packet(IPv6Packet(coa, cn, (AH(0x100, 1, bytes(12)), opts), NoNextHeader()))
    at_bu, at_hao = option_offset(data, 195), option_offset(data, 196)
    assert at_bu is not None and at_hao is not None
    read = DEFAULT.with_switches(pp2_pointer=PP2Pointer.READ)
    assert SM.pp2_stops_updates(DEFAULT, at_hao, data) and SM.pp2_stops_updates(DEFAULT, 0, data)
    assert SM.pp2_stops_updates(read, at_bu, data)
    assert not SM.pp2_stops_updates(read, at_hao, data)
