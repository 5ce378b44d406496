"""The engine's own captures: every corpus scenario with a mobile node (and so Mobile IPv6 traffic
for its home agent and correspondents) is simulated and written as pcapng, then replayed with the model playing each of those roles in turn:
no divergence, and packets were compared (the model agrees with itself through the codec, the
capture's cast inference, the injection of the other nodes' packets and the spec's judges)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mip6check.model.dsl import ast as A
from mip6check.model.dsl import parse_scenario

from ._run import reports, run

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "traces" / "scenarios").glob("*.scenario"))
ROLES = {A.HomeAgent: "home-agent", A.Mobile: "mobile-node", A.Correspondent: "correspondent"}
OPERATOR_ACTIONS = {
    "14-home-prefix-renumbering": "renumber: an operator's action at the home agent, not a packet",
    "26-two-home-links-renumbering": "renumber: an operator's action at the home agent, not a packet",
}
"""Scenarios whose home agent acts on a command no capture shows; its other roles are still run."""
SILENT = {
    ("19-mn-sends-with-hao", "correspondent"): "2001:db8:3::3",
    ("35-icmp-error-mtu-576", "correspondent"): "2001:db8:3::4",  # answers only with ICMPv6 errors
}
"""A declared node that sends no Mobile IPv6 packet (it only receives data): replay's cast does not
name it, `--model ADDRESS` reaches it, and its Neighbor Discovery packets are compared, agreeing."""


def _roles(s: A.Scenario) -> list[str]:
    return sorted({ROLES[type(n)] for n in s.nodes if type(n) in ROLES})


def _cases() -> list[tuple[Path, str]]:
    out = []
    for path in SCENARIOS:
        s = parse_scenario(path.read_text(), filename=str(path))
        if not any(type(n) is A.Mobile for n in s.nodes):
            continue  # no mobile node, no Mobile IPv6 traffic: the cast names no role
        for role in _roles(s):
            if role == "home-agent" and path.stem in OPERATOR_ACTIONS:
                continue
            out.append((path, role))
    return out


def _options(s: A.Scenario, path: Path, pcap: Path, role: str, tmp: Path) -> list[str]:
    """What a user gives `replay` for this capture: the readings the scenario sets, the keys it
    shares (as an SA file), and the cast facts a capture cannot show (ID Length, cache size)."""
    text = path.read_text()
    args: list[str] = []
    for m in re.finditer(r"^set (\S+) (\S+)", text, re.M):
        args += [f"--{m.group(1).replace('_', '-')}", m.group(2)]
    node = {A.HomeAgent: "home-agent", A.Correspondent: "correspondent"}
    for n in s.nodes:
        if node.get(type(n)) == role and getattr(n, "capacity", None) is not None:
            (tmp / "cast.toml").write_text(f"cache_capacity = {n.capacity}\n")
            args += ["--topology", str(tmp / "cast.toml")]
    for n in s.nodes:
        if type(n) is A.HomeAgent and n.id_length is not None:
            ha = _cast(pcap, "home_agent")[0]
            (tmp / "cast.toml").write_text(
                f'[[home_agent]]\naddress = "{ha}"\nid_length = {n.id_length}\n'
            )
            args += ["--topology", str(tmp / "cast.toml")]
    if s.keys:
        sas = []
        homes = {n.name: n.home for n in s.nodes if type(n) is A.Mobile}
        for k in s.keys:
            for ha in _cast(pcap, "home_agent"):
                sas.append(
                    f'[[sa]]\nsrc = "{_fmt(homes[k.a])}"\ndst = "{ha}"\n'
                    f'algorithm = "hmac-sha1-96"\nkey = "{k.secret.encode().hex()}"\n'
                )
        (tmp / "keys.toml").write_text("".join(sas))
        args += ["--sa", str(tmp / "keys.toml")]
    return args


def _fmt(a: bytes) -> str:
    import ipaddress

    return str(ipaddress.IPv6Address(a))


def _cast(pcap: Path, role: str) -> list[str]:
    import json

    code, out, _ = run("replay", str(pcap), "--json")
    assert code in (0, 1)
    return [n["address"] for n in json.loads(out)["nodes"] if role in n["roles"]]


@pytest.mark.parametrize(("path", "role"), _cases(), ids=[f"{p.stem}-{r}" for p, r in _cases()])
def test_the_model_agrees_with_its_own_capture(path: Path, role: str, tmp_path: Path) -> None:
    pcap = tmp_path / "run.pcapng"
    code, _, err = run("simulate", str(path), "--pcap", str(pcap))
    assert code in (0, 1), err
    s = parse_scenario(path.read_text(), filename=str(path))
    opts = _options(s, path, pcap, role, tmp_path)
    silent = SILENT.get((path.stem, role))
    if silent is not None:
        code, _, err = run("replay", str(pcap), "--model", role, *opts)
        assert code == 2 and f"shows no {role}" in err
        code, docs = reports("replay", str(pcap), "--model", silent, *opts)
        assert code == 0 and [d["divergences_total"] for d in docs] == [0]
        assert docs[0]["compared"] >= 1
        return
    code, docs = reports("replay", str(pcap), "--model", role, *opts)
    assert docs, f"no report for {role}"
    for doc in docs:
        shown = [
            (d["packet"], d["kind"], d["verdict"], d["fields"][:2]) for d in doc["divergences"]
        ]
        assert doc["divergences_total"] == 0, (doc["model"], shown)
    assert sum(doc["compared"] for doc in docs) > 0
    assert code == (0 if all(doc["compared"] for doc in docs) else 2)


def test_every_role_of_the_corpus_is_covered() -> None:
    """The cases above cover the three roles, over most of the corpus (not an empty parametrisation)."""
    cases = _cases()
    assert {r for _, r in cases} == set(ROLES.values())
    assert len({p for p, _ in cases}) >= 20
