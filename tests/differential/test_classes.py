"""The verdict classes and the command's contract: a difference the draft allows (a MAY, named),
exit statuses (0 only with packets compared, 1 a divergence, 2 nothing compared or bad input), the
JSON object's fields, and what the text shows of each divergence."""

from __future__ import annotations

from pathlib import Path

from mip6check.model.codec.pcap import PcapngWriter, Record, iter_file

from ._run import reports, run

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "traces" / "captures"


def _cut(src: Path, dst: Path, *, before_ms: int) -> Path:
    """`src` without its packets from `before_ms` after the first one on."""
    recs = [r for r in iter_file(str(src)) if isinstance(r, Record)]
    with dst.open("wb") as fh:
        w = PcapngWriter(fh)
        i = w.add_interface("L0", linktype=recs[0].linktype, tsresol=9)
        for r in recs:
            if (r.time_ns - recs[0].time_ns) // 1_000_000 < before_ms:
                w.write(i, r.data, time_ns=r.time_ns)
    return dst


def test_a_may_the_implementation_did_not_take_is_both_allowed(tmp_path: Path) -> None:
    """handoff.pcapng cut before the mobile node updates its correspondent after the move (§9.5:
    it MAY): the model does update it, neither side breaks a rule, and the divergence names the
    choice. Without the cut, the update is there and the two agree."""
    cut = _cut(CAPTURES / "handoff.pcapng", tmp_path / "no-cn-update.pcapng", before_ms=20_200)
    common = ("--model", "mobile-node", "--time-tolerance", "0.6", "--max-divergences", "9")
    code, docs = reports("replay", str(cut), *common)
    assert code == 1
    first = docs[0]["divergences"][0]
    assert first["kind"] == "extra" and first["packet_kind"] == "BU"
    assert first["model"]["decoded"].startswith("2001:db8:3::100 > 2001:db8:4::5 ")
    assert first["verdict"] == "both allowed"
    assert "Choices.bu_to_cn" in first["allowed_by"] and "§9.5" in first["allowed_by"]
    assert first["captured"]["violations"] == [] and first["model"]["violations"] == []
    code, docs = reports("replay", str(CAPTURES / "handoff.pcapng"), *common)
    assert code == 0 and docs[0]["divergences_total"] == 0 and docs[0]["compared"] == 5


def test_a_home_registration_the_model_sends_is_not_a_may(tmp_path: Path) -> None:
    """retx-backoff cut after its first Binding Update: the model retransmits the home
    registration (§9.4 obliges it), so the difference is not classed as allowed."""
    cut = _cut(CAPTURES / "retx-backoff.pcapng", tmp_path / "first-bu.pcapng", before_ms=500)
    code, docs = reports("replay", str(cut), "--model", "mobile-node")
    assert code == 0 and docs[0]["compared"] == 1  # the capture ends before any retransmission
    code, docs = reports("replay", str(CAPTURES / "retx-backoff.pcapng"), "--model", "mobile-node")
    assert code == 0 and docs[0]["compared"] == 4  # the four copies of the Binding Update


def test_text_shows_both_packets_state_and_verdicts() -> None:
    code, out, _ = run(
        "replay", str(CAPTURES / "cn-expired-binding.pcapng"), "--model", "correspondent"
    )
    assert code == 1
    assert "the model as correspondent 2001:db8:4::5" in out
    assert "divergence 1 of 1: packet 4 t=1009.000000s: data differs: implementation wrong" in out
    assert (
        "captured #4 1009.000000 2001:db8:4::5 > 2001:db8:2::100 rh0[left=1 2001:db8:1::100]" in out
    )
    assert "spec: BC-EXPIRE §4.3 MUST" in out
    assert "model      1009.000000 2001:db8:4::5 > 2001:db8:1::100 udp" in out
    assert (
        "fields (captured vs model): dst: 2001:db8:2::100 vs 2001:db8:1::100; Routing0: present vs absent"
        in out
    )
    assert "model state at 1009.000000: Binding Cache and Binding Update List empty" in out


def test_json_object_fields() -> None:
    code, docs = reports("replay", str(CAPTURES / "ha-stale-coa.pcapng"), "--model", "home-agent")
    assert code == 1 and len(docs) == 1
    doc = docs[0]
    assert set(doc) >= {
        "file",
        "model",
        "compared",
        "agreeing",
        "captured_packets",
        "model_packets",
        "outside_capture",
        "time_tolerance",
        "inputs",
        "divergences_total",
        "divergences",
    }
    assert doc["model"] == {"role": "home_agent", "address": "2001:db8:1::1"}
    d = doc["divergences"][0]
    assert (
        d["packet"] == 7 and d["verdict"] == "implementation wrong" and d["packet_kind"] == "tunnel"
    )
    assert d["fields"] == [
        {"field": "dst", "captured": "2001:db8:2::100", "model": "2001:db8:3::100"}
    ]
    cache = d["model_state"]["binding_cache"]
    assert cache == [
        {
            "home": "2001:db8:1::100",
            "care_of": "2001:db8:3::100",
            "seq": 2,
            "home_registration": True,
            "expires": 1070.0,
        }
    ]
    assert [v["property"] for v in d["captured"]["violations"]] == ["HA-TUNNEL"]


def test_max_divergences_limits_what_is_shown_not_what_is_counted() -> None:
    path = str(CAPTURES / "pp2-stop.pcapng")
    _, docs = reports("replay", path, "--model", "2001:db8:5::7", "--max-divergences", "1")
    assert len(docs[0]["divergences"]) == 1 and docs[0]["divergences_total"] == 2


def test_undecided_when_no_rule_tells_them_apart() -> None:
    """pp2-stop's correspondent without Mobile IPv6 answers the Binding Update with Parameter
    Problem code 2 (the model too: they agree), but not the data carrying a Home Address option,
    which the model answers the same way (RFC 2460 §4.2, action 11); no property of the draft
    judges a node without Mobile IPv6, and no named freedom covers it: undecided, not allowed."""
    path = str(CAPTURES / "pp2-stop.pcapng")
    _, docs = reports("replay", path, "--model", "2001:db8:5::7")
    assert docs[0]["agreeing"] == 1
    first = docs[0]["divergences"][0]
    assert (first["kind"], first["packet_kind"], first["packet"]) == ("extra", "icmp-error", 5)
    assert first["verdict"] == "undecided" and first["allowed_by"] is None
    assert "param-problem code=2" in first["model"]["decoded"]


def test_exit_statuses_and_usage_errors(tmp_path: Path) -> None:
    path = str(CAPTURES / "home-registration.pcapng")
    code, _, err = run("replay", path, "--model", "router")
    assert code == 2 and err.startswith("mip6check: replay: ") and "neither a role" in err
    code, _, err = run("replay", path, "--model", "2001:db8:77::1")
    assert code == 2 and "not a home agent, mobile node or correspondent" in err
    code, _, err = run("replay", str(CAPTURES), "--model", "home-agent")
    assert code == 2 and "--model needs a single FILE" in err
    code, _, err = run("replay", path, "--model", "home-agent", "--sarif", str(tmp_path / "x"))
    assert code == 2 and "--sarif does not go with --model" in err
    code, _, err = run("replay", path, "--model", "home-agent", "--time-tolerance", "-1")
    assert code == 2
    (tmp_path / "junk.pcapng").write_bytes(b"not a capture")
    code, _, err = run("replay", str(tmp_path / "junk.pcapng"), "--model", "home-agent")
    assert code == 2 and "(at byte 0)" in err and err.count("\n") == 1


def test_nothing_compared_is_not_a_pass(tmp_path: Path) -> None:
    """A correspondent that only receives: nothing to compare, exit 2 with one stderr line."""
    cut = _cut(CAPTURES / "cn-route-opt.pcapng", tmp_path / "cut.pcapng", before_ms=2001)
    code, docs = reports("replay", str(cut), "--model", "correspondent")
    assert code == 2 and docs[0]["compared"] == 0 and docs[0]["divergences_total"] == 0


def test_several_models_one_line_each() -> None:
    path = str(CAPTURES / "home-registration.pcapng")
    code, docs = reports("replay", path, "--model", "home-agent", "--model", "correspondent")
    assert [d["model"]["role"] for d in docs] == ["home_agent", "correspondent"]
    assert code == (1 if any(d["divergences_total"] for d in docs) else 0)


def test_a_fault_planted_in_the_model_is_model_wrong() -> None:
    """retx-backoff (a conforming mobile node) against a model whose retransmissions change the
    Sequence Number (mutant retx-new-seq): the first divergence is the model's, judged by the spec
    on the counterfactual capture, not by the model's code."""
    from mip6check.properties.differential import MODEL_WRONG, differential_replay
    from mip6check.properties.mutants import BY_NAME
    from mip6check.properties.replay import ReplayOptions

    path = str(CAPTURES / "retx-backoff.pcapng")
    with BY_NAME["retx-new-seq"].applied():
        rep = differential_replay(path, ["mobile-node"], ReplayOptions())[0]
    first = rep.divergences[0]
    assert first.kind == "differs" and first.at_frame == 2 and first.verdict == MODEL_WRONG
    assert [f.field for f in first.fields] == ["DestOptions.BindingUpdate.seq"]
    assert [v.property for v in first.model.verdict] == ["MN-RETX-SAME-SEQ"]
    assert first.captured.verdict == ()
    clean = differential_replay(path, ["mobile-node"], ReplayOptions())[0]
    assert clean.divergences == [] and clean.compared == 4
