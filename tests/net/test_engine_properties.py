"""Random timelines over a small mobility topology: no exception escapes, and the run is a function
of the seed and the calls (STYLE §7, §11)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mip6check.model.config import DEFAULT
from mip6check.model.net import Kind, Network

from .test_mobility_integration import CN, HOME, build

Step = tuple[str, int, int]
steps = st.lists(
    st.tuples(
        st.sampled_from(["move", "cn-data", "mn-data", "drop"]),
        st.integers(0, 2),
        st.integers(1, 3_000),
    ),
    max_size=12,
)


def run(seed: int, plan: list[Step]) -> Network:
    net = build(DEFAULT, seed=seed)
    net.link("LF").loss = 0.05
    t = 0
    links = ["LH", "LF", "LC"]
    for kind, k, dt in plan:
        t += dt
        if kind == "move":
            net.move("MN", "e0", links[k], t)
        elif kind == "cn-data":
            net.send_data("CN", HOME, k, t)
        elif kind == "mn-data":
            net.send_data("MN", CN, k, t)
        else:
            net.link(links[k]).drop_next(1 + k)
    net.run_until(t + 5_000)
    return net


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 3), steps)
def test_random_timelines_are_deterministic_and_never_raise(seed: int, plan: list[Step]) -> None:
    a = run(seed, plan)
    b = run(seed, plan)
    assert a.log.lines() == b.log.lines()
    assert not a.log.of(Kind.DECODE_ERROR)
