"""Golden parses and prints, semantic checks, and error messages with line, column and caret."""

from __future__ import annotations

import pytest

from mip6check.model.addr import Prefix, a
from mip6check.model.config import DEFAULT, RateScope, SeqHalf
from mip6check.model.dsl import ast as A
from mip6check.model.dsl import config_of, parse_scenario, print_scenario
from mip6check.model.dsl.errors import ScenarioError, ScenarioSyntaxError

TEXT = """\
# first registration, then a move
link home prefix 2001:db8:1::/64
link foreign1 prefix 2001:db8:2::/64 delay 5ms loss 0.1 dup 0.01 reorder 2ms
link L3 prefix 2001:db8:3::/64
router R1 on foreign1, L3
home-agent HA on home, L3 id-length 64 capacity 16
correspondent CN on L3 legacy capacity 4
mobile MN home 2001:db8:1::100 agent HA on foreign1
attacker X on foreign1
route R1 2001:db8:1::/64 via L3 next-hop 2001:db8:3::1
key MN HA "secret"
set seq-half accept
set rate-scope aggregate
set max-update-rate 2s
seed 42

at 10s: move MN to home
at 12.5s: send MN -> CN count 5 every 1s flow 7
at 20s: drop next 3 on foreign1
at 21s: inject on foreign1 bu from X to HA home 2001:db8:1::100 seq 5 lifetime 60 flags a h no-auth
at 22s: inject on foreign1 raw "6000000000003b40 20010db8000000000000000000000001 20010db8000000000000000000000002"
at 30s: renumber home to 2001:db8:9::/64
at 40s: return MN home
run until 100s

expect at 15s: HA cache has 2001:db8:1::100 -> 2001:db8:2::100 home-reg
expect by 20s: delivered CN -> MN flow 7 via tunnel
expect never: HA sent ba status 131
expect: property MN-BACKOFF violated
"""


def test_golden_parse() -> None:
    s = parse_scenario(TEXT, "golden.scenario")
    assert s.links[1] == A.Link("foreign1", Prefix.parse("2001:db8:2::/64"), 5, 0.1, 0.01, 2)
    assert s.nodes[1] == A.HomeAgent("HA", ("home", "L3"), 64, 16)
    assert s.nodes[2] == A.Correspondent("CN", ("L3",), True, 4)
    assert s.nodes[3] == A.Mobile("MN", a("2001:db8:1::100"), "HA", ("foreign1",))
    assert s.routes == (A.Route("R1", Prefix.parse("2001:db8:1::/64"), "L3", a("2001:db8:3::1")),)
    assert s.keys == (A.Key("MN", "HA", "secret"),)
    assert s.seed == 42
    assert s.timeline[1] == A.Send(12_500, "MN", "CN", 5, 1000, 7)
    bu = s.timeline[3]
    assert isinstance(bu, A.Inject) and bu.packet == A.InjectBU(
        "X", "HA", a("2001:db8:1::100"), 5, 60, a=True, h=True, auth=False
    )
    raw = s.timeline[4]
    assert isinstance(raw, A.Inject) and isinstance(raw.packet, A.InjectRaw)
    assert len(raw.packet.data) == 40
    assert s.timeline[-1] == A.RunUntil(100_000)
    assert s.expectations[0] == A.Expect(
        A.When.AT,
        15_000,
        A.CacheHas("HA", a("2001:db8:1::100"), a("2001:db8:2::100"), True),
    )
    assert s.expectations[2] == A.Expect(
        A.When.NEVER, None, A.MsgEvent("HA", A.Verb.SENT, A.Msg.BA, status=131)
    )
    assert s.expectations[3] == A.ExpectProperty("MN-BACKOFF", False)
    assert s.end_time == 100_000
    # positions are kept, and do not take part in equality
    assert (s.nodes[1].pos.line, s.nodes[1].pos.column) == (6, 1)
    assert (s.timeline[0].pos.line, s.expectations[1].pos.line) == (17, 27)


def test_golden_print() -> None:
    s = parse_scenario(TEXT)
    text = print_scenario(s)
    assert "at 12.5s: send MN -> CN count 5 every 1s flow 7" in text
    assert "link foreign1 prefix 2001:db8:2::/64 delay 5ms loss 0.1 dup 0.01 reorder 2ms" in text
    assert "bu from X to HA home 2001:db8:1::100 seq 5 lifetime 60 flags a h no-auth" in text
    assert parse_scenario(text) == s
    assert print_scenario(parse_scenario(text)) == text


def test_config_of_switches() -> None:
    cfg = config_of(parse_scenario(TEXT))
    assert cfg.seq_half is SeqHalf.ACCEPT
    assert cfg.rate_scope is RateScope.AGGREGATE
    assert cfg.max_update_rate == 2_000
    assert cfg.ba_min_length == DEFAULT.ba_min_length


def test_last_line_needs_no_newline_and_comments_anywhere() -> None:
    s = parse_scenario("# only\n\n   # indented comment\nlink L prefix 2001:db8::/64 # trailing")
    assert s.links[0].name == "L"


@pytest.mark.parametrize(
    ("text", "line", "column", "message", "hint"),
    [
        ("link L prefix 1::/64\nat 10: drop next 1 on L\n", 2, 4, "expected a time", "unit"),
        ("at 10s move MN to L\n", 1, 8, "expected `:`", "colon"),
        ("link L prefix 1::/64\nrouter R on L L\n", 2, 15, "unexpected 'L'", "commas"),
        ("expect: property BC-SEQ-MONOTONIC\n", 1, 34, "end of line", "holds"),
        ("frobnicate\n", 1, 1, "unexpected 'frobnicate'", "a statement starts with"),
        ("key A B secret\n", 1, 9, "string", "double quotes"),
        ("link L prefix 2001:db8::\n", 1, 15, "prefix", "address and a length"),
        ("at 1s: send A B\n", 1, 15, "`->`", "`->`"),
    ],
)
def test_syntax_errors_point_at_the_token(
    text: str, line: int, column: int, message: str, hint: str
) -> None:
    with pytest.raises(ScenarioSyntaxError) as info:
        parse_scenario(text, "f.scenario")
    e = info.value
    assert (e.line, e.column) == (line, column)
    assert message in e.message
    assert hint in e.hint
    assert str(e).startswith(f"f.scenario:{line}:{column}: ")
    src, caret = e.context(text).splitlines()[:2]
    assert src.endswith(text.splitlines()[line - 1])
    assert caret.index("^") == src.index("| ") + 2 + column - 1


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("link L prefix 1::/64\nrouter R on L, L9\n", 2, 16, "unknown link 'L9'"),
        ("link L prefix 1::/64\nlink L prefix 2::/64\n", 2, 6, "declared twice"),
        ("link L prefix 1::/64\nrouter R on L\nrouter R on L\n", 3, 8, "node 'R' declared twice"),
        (
            "link L prefix 1::/64\nmobile M home 1::1 agent R on L\nrouter R on L\n",
            2,
            26,
            "'R' is not a home agent",
        ),
        (
            "link L prefix 1::/64\nat 2s: drop next 1 on L\nat 1s: drop next 1 on L\n",
            3,
            1,
            "time goes backwards",
        ),
        ("link L prefix 1::/64\nrouter R on L\nat 1s: move R to L\n", 3, 13, "not a mobile node"),
        ("expect by 1s: MN is home\n", 1, 15, "unknown node 'MN'"),
        ("set seq-half maybe\n", 1, 5, "seq-half takes one of reject, accept"),
        ("set no-such 1\n", 1, 5, "unknown switch"),
        ("seed 1\nseed 2\n", 2, 1, "seed given twice"),
        ("link L prefix 1::/64 loss 1.5\n", 1, 22, "not a probability"),
        ("link L prefix 1::1/64\n", 1, 15, "host bits"),
        (
            "link L prefix 1::/64\nrouter R on L\nat 1s: inject on L bu from R to R home ::1 seq 70000 lifetime 1\n",
            3,
            48,
            "seq 70000 is larger than 65535",
        ),
        ("link delivered prefix 1::/64\n", 1, 6, "reserved word"),
        ("link L prefix 1::/64 delay 1ms delay 2ms\n", 1, 32, "delay given twice"),
        ("link L prefix 1:::/64\n", 1, 15, "not an IPv6 prefix"),
        (
            "link L prefix 1::/64\nhome-agent H on L\nmobile M home 2::1 agent H on L\n",
            3,
            1,
            "home address is on no declared link",
        ),
        (
            "link L prefix 1::/64\nlink K prefix 2::/64\nhome-agent H on K\n"
            "mobile M home 1::1 agent H on L\n",
            4,
            26,
            "not on M's home link",
        ),
    ],
)
def test_semantic_errors(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text)
    e = info.value
    assert not isinstance(e, ScenarioSyntaxError)
    assert message in e.message, e
    assert (e.line, e.column) == (line, column), e
    assert "^" in e.context(text)


def test_errors_are_model_usage_errors_and_pickle() -> None:
    import pickle

    from mip6check.model.errors import ModelUsageError

    with pytest.raises(ModelUsageError):
        parse_scenario("nonsense here\n")
    e = ScenarioSyntaxError(3, 4, "bad", "fix it", "x.scenario")
    e2 = pickle.loads(pickle.dumps(e))  # noqa: S301  # our own bytes
    assert type(e2) is ScenarioSyntaxError and (e2.line, e2.column, e2.hint) == (3, 4, "fix it")


def test_every_hint_example_gets_a_hint() -> None:
    """Each example of the friendly-hint table, as a scenario, is a syntax error carrying a hint
    (its own, unless two examples fail in one parser state, where the first listed wins)."""
    from mip6check.model.dsl.parse import _HINTS

    for label, examples in _HINTS.items():
        for text in examples:
            with pytest.raises(ScenarioSyntaxError) as info:
                parse_scenario(text)
            assert info.value.hint, (text, label)


def test_attach_detach_noted_and_ra() -> None:
    text = (
        "link L1 prefix 2001:db8:1::/64\nlink L2 prefix 2001:db8:2::/64\n"
        "home-agent HA on L1\nmobile MN home 2001:db8:1::100 agent HA on L2\n"
        "at 1s: attach MN to L1\nat 2s: detach MN from L2\n"
        "expect by 3s: MN noted movement\nexpect never: HA sent ra to MN count 2\n"
    )
    s = parse_scenario(text)
    assert s.timeline == (A.Attach(1000, "MN", "L1"), A.Detach(2000, "MN", "L2"))
    assert s.expectations == (
        A.Expect(A.When.BY, 3000, A.Noted("MN", "movement")),
        A.Expect(A.When.NEVER, None, A.MsgEvent("HA", A.Verb.SENT, A.Msg.RA, "MN", count=2)),
    )
    assert parse_scenario(print_scenario(s)) == s
    with pytest.raises(ScenarioError, match="not a mobile node"):
        parse_scenario(text + "at 3s: attach HA to L2\n")


def test_near_misses_get_a_did_you_mean() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario("link foreign1 prefix 2001:db8::/64\nrouter R on foriegn1\n")
    assert info.value.hint == "did you mean foreign1?"
    with pytest.raises(ScenarioError) as info:
        parse_scenario("set seq-halve accept\n")
    assert info.value.hint == "did you mean seq-half?"


def test_silent_link_round_trips_and_keeps_mobile_nodes_off() -> None:
    text = "link core prefix 2001:db8:9::/64 delay 2ms silent\nrouter R on core\n"
    s = parse_scenario(text)
    assert s.links[0].silent and s.links[0].delay == 2
    assert print_scenario(s).splitlines()[0] == "link core prefix 2001:db8:9::/64 delay 2ms silent"
    assert parse_scenario(print_scenario(s)) == s
    assert not parse_scenario("link L prefix 1::/64\n").links[0].silent
    mn = "link H prefix 1::/64\nhome-agent HA on H, core\nmobile M home 1::9 agent HA on "
    with pytest.raises(ScenarioError, match="silent") as info:
        parse_scenario(text + mn + "core\n")
    assert info.value.hint
    with pytest.raises(ScenarioError, match="silent"):
        parse_scenario(text + mn + "H\nat 1s: move M to core\n")
    parse_scenario(text + mn + "H\nat 1s: inject on core br from R to M\n")
