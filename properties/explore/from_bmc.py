"""A bounded-model-checking counterexample (properties/smt/bmc.py) as a scenario file, so that what Z3
found in the kernel runs through the role code, is judged by the same judges as every search, and is
written as a re-checked counterexample (`from_scenario`, `write_counterexample`).

The receiver-side steps translate: each Binding Update the trace delivers becomes one injected at its
receiver (the home agent: H set, a home address on its home link; the correspondent: H clear) at the
trace's instant plus one second (the network settles first), with the trace's Sequence Number and
Lifetime, without the A bit (the receiver's cache does the same; its acknowledgement would be one
more packet, to an attacker that forwards it on). Steps of the mobile node's own list (send, retransmit, acknowledgements, moves) leave no
mark at a receiver and are dropped; cache pressure (`evict`) has no one-step equivalent in a scenario,
and a packet to the trace's home address cannot be stated either (`send` names nodes, and that
address belongs to no node), so a trace that needs either is not translated (None).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mip6check.model.dsl import ast as A
from mip6check.model.dsl import parse_scenario
from mip6check.model.dsl.printer import fmt_time

NETWORK = """\
link LH prefix 2001:db8:1::/64 delay 1ms
link LA prefix 2001:db8:2::/64 delay 1ms
link LN prefix 2001:db8:9::/64 delay 1ms
home-agent HA on LH, LA, LN
correspondent CN on LN
mobile MN home 2001:db8:1::100 agent HA on LH
attacker X on LA
seed 0
"""
"""The network a trace runs in: its mobile node stays home, the Binding Updates come from X."""

HOME = "2001:db8:1::666"
"""The home address the trace's Binding Updates claim: on the home link, held by no node."""

SETTLE_MS = 1000
INFINITE = 0xFFFFFFFF


def scenario_of(steps: Sequence[Mapping[str, Any]]) -> A.Scenario | None:
    """The scenario replaying a trace's deliveries of Binding Updates (`BmcStep.to_json()` dicts),
    or None when the trace needs a step no scenario expresses."""
    lines = [NETWORK]
    end = SETTLE_MS
    for st in steps:
        kind = st["kind"]
        if kind in ("evict", "send_data"):
            return None
        if kind != "deliver" or st.get("message") != "bu":
            continue
        at = SETTLE_MS + int(st["now"])
        end = max(end, at)
        life = "infinity" if int(st["lifetime"]) == INFINITE else str(int(st["lifetime"]))
        to = "HA" if st["to"] == "ha" else "CN"
        idlen = int(st.get("id_length", 0)) or 64  # 0 and 64 both pass the §8.2 test here
        flags = f" flags h id-length {idlen}" if st.get("h", st["to"] == "ha") else ""
        lines.append(
            f"at {fmt_time(at)}: inject on LA bu from X to {to} home {HOME} seq {int(st['seq'])}"
            f" lifetime {life}{flags}"
        )
    if len(lines) == 1:
        return None
    lines.append(f"run until {fmt_time(end + 2 * SETTLE_MS)}")
    return parse_scenario("\n".join(lines) + "\n", "<bounded model checking>")
