"""The Hypothesis engine's evidence for a row whose replay judge counts its own premise is that count:
packets of the row's kind without the premise (an ICMP error about nothing tunnelled) are no input."""

from __future__ import annotations

from mip6check.properties.explore.coverage import COUNTED, Coverage


def test_counted_rows_rest_on_premises_met_not_on_packets() -> None:
    assert {"BC-TUNNEL-ICMP-RELAY", "IPV6-ICMP-RATE"} <= COUNTED
    cov = Coverage()
    cov.new_example()
    cov.packets.update({"any": 50, "bu": 20, "unreachable": 5})
    assert cov.saw("BC-TUNNEL-ICMP-RELAY") == 0 and cov.saw("IPV6-ICMP-RATE") == 0
    cov.premises_met({"BC-TUNNEL-ICMP-RELAY": 1})
    cov.premises_met({"BC-TUNNEL-ICMP-RELAY": 2})  # the observer's running count: only growth adds
    assert cov.saw("BC-TUNNEL-ICMP-RELAY") == 2
    cov.new_example()  # the next run's observer counts from zero again
    cov.premises_met({"BC-TUNNEL-ICMP-RELAY": 1, "IPV6-ICMP-RATE": 1})
    assert cov.saw("BC-TUNNEL-ICMP-RELAY") == 3 and cov.saw("IPV6-ICMP-RATE") == 1
    assert cov.saw("BC-SEQ-MONOTONIC") == 20  # an uncounted row still reads its packets' kind
