"""A bounded-model-checking counterexample read back from Z3's model: one `BmcStep` per unrolled step
(properties/smt/bmc.py documents the kinds and their fields)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mip6check.model.roles import kernel as K
from mip6check.properties.smt.z3logic import to_py

STEP_KINDS = (
    "move",
    "send_bu",
    "retransmit",
    "deliver",
    "duplicate",
    "lose",
    "advance",
    "evict",
    "param_problem",
)
TRACE_KINDS = (*STEP_KINDS, "send_data")  # what a counterexample's steps can be
PEERS = ("ha", "cn")


@dataclass(frozen=True)
class BmcStep:
    """One step of a counterexample: its kind (one of STEP_KINDS) and concrete values."""

    kind: str
    fields: dict[str, int | bool | str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, **self.fields}


def decode_step(model: Any, obs: dict[str, Any]) -> BmcStep:
    val = {k: to_py(model.eval(x, model_completion=True)) for k, x in obs.items()}
    kind = STEP_KINDS[int(val["kind"])]
    f: dict[str, int | bool | str] = {"now": val["now"]}
    if kind == "move":
        f["coa"] = int(val["coa"]) + 1
    elif kind in ("send_bu", "retransmit"):
        f.update(
            to=PEERS[int(val["to"])],
            seq=val["send_seq"],
            coa=val["send_coa"],
            lifetime=val["lifetime"],
            slot=val["slot"],
        )
    elif kind == "deliver":
        f.update(slot=val["slot"], message="ba" if val["msg_is_ba"] else "bu", seq=val["msg_seq"])
        if val["msg_is_ba"]:
            f.update(to="mn", peer=PEERS[int(val["msg_to"])], status=val["msg_status"])
        else:
            f.update(
                to=PEERS[int(val["msg_to"])],
                coa=val["msg_coa"],
                lifetime=val["msg_lifetime"],
                check=K.Check(int(val["check"])).name,
                status=val["status"],
                h=val["msg_h"],
                id_length=val["msg_id_length"],
            )
            if val["reply"]:
                f["via"] = val["ba_via"]
    elif kind == "duplicate":
        f.update(slot=val["slot"], into=val["slot2"])
    elif kind == "lose":
        f.update(slot=val["slot"])
    elif kind == "advance":
        f.update(delta=val["delta"])
    elif kind == "evict":
        f.update(at=PEERS[int(val["to"])])
    elif kind == "param_problem":
        f.update(peer=PEERS[int(val["to"])])
    return BmcStep(kind, f)


def data_step(model: Any, obs: dict[str, Any]) -> BmcStep:
    """The packet the correspondent sends to the home address after the step of `obs`."""
    val = {
        k: to_py(model.eval(obs[k], model_completion=True)) for k in ("now", "route", "data_via")
    }
    route = ("home", "binding", "tunnel")[int(val["route"])]
    return BmcStep("send_data", {"now": val["now"], "route": route, "via": val["data_via"]})
