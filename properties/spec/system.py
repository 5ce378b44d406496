"""§4.1, §8.4, §9.4-§9.6 whole-system obligations, and the rows about the draft's own text (SPEC)."""

from __future__ import annotations

from mip6check.properties.spec.registry import Bound, Observes, register

register(
    "SYS-DELIVERY",
    Observes.ABSENCE,
    Bound("delivery_deadline", "§4.1, §8.4: reaches the mobile node; the draft gives no time"),
)
register("SYS-NO-LOOP", Observes.INVARIANT)
register(
    "SYS-CONVERGE",
    Observes.ABSENCE,
    Bound(
        "max_bindack_timeout", "§9.4, §9.5: after the last movement, once retransmission settles"
    ),
)
for _pid in (
    "SPEC-SEQ-HALF",
    "SPEC-SEQ-NONTRANSITIVE",
    "SPEC-BU-LEN-C",
    "SPEC-BA-LEN-12",
    "SPEC-134-VS-SILENT",
    "SPEC-BR-EXTENSIONS",
    "SPEC-RETX-NO-REACK",
    "SPEC-SEQ-RETX",
    "SPEC-BA-MUST-VS-SILENT",
    "SPEC-DEREG-BA-NO-ENTRY",
    "SPEC-HOMEREG-DELETE",
    "SPEC-INFINITE-FILL",
    "SPEC-SEQ-FORGOTTEN",
    "SPEC-DHAAD-NO-SA",
    "SPEC-DEREG-UNKNOWN",
    "SPEC-RETX-STOP-READINGS",
    "SPEC-HAO-EXT-8",
    "SPEC-UNKNOWN-BU-ICMP",
    "SPEC-PP2-WHICH-OPTION",
    "SPEC-TENTATIVE-TYPES",
    "SPEC-72-GAPS",
):
    register(_pid, Observes.TEXT)
