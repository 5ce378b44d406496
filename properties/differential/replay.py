"""`differential_replay`: the model in place of one captured node, its packets compared with the
node's, and each divergence judged on both sides by the spec (properties/differential/judge.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from mip6check.model.addr import fmt
from mip6check.model.codec import encode_packet
from mip6check.model.codec.values import AH, BindingUpdate, IPv6Packet
from mip6check.model.roles.events import NodeSnapshot
from mip6check.properties.differential.allowed import allowed_by
from mip6check.properties.differential.capture import CACHE_FRAMES, Captured, Frame, read_capture
from mip6check.properties.differential.compare import Pairer, Pairing
from mip6check.properties.differential.fields import FieldDiff
from mip6check.properties.differential.harness import LOOKAHEAD_MS, ModelRun, Sent
from mip6check.properties.differential.judge import (
    Counterfactual,
    Judged,
    Numbering,
    about_absence,
    at_packet,
    judge_captured,
)
from mip6check.properties.differential.kinds import (
    ND_WINDOW_MS,
    about,
    final_destination,
    home_address,
    key_of,
    kind_of,
    mip6_option,
)
from mip6check.properties.differential.subjects import Subject, select
from mip6check.properties.replay import ReplayOptions, replay_file
from mip6check.properties.replay.sa import KeyRing, SecurityAssociation, verify_ah
from mip6check.properties.verdict import Violation

IMPLEMENTATION_WRONG = "implementation wrong"
MODEL_WRONG = "model wrong"
BOTH_ALLOWED = "both allowed"
BOTH_WRONG = "both wrong"
UNDECIDED = "undecided"
"""Verdict classes: the spec faults one side, the other, neither (a named freedom), both, or
neither without a freedom that explains the difference."""


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a divergence: the packet (None: the side sent nothing), where it is (captured
    frame number, or the model's packet in the counterfactual capture), when, and the spec's verdict."""

    packet: IPv6Packet | None
    frame: int | None
    time_s: float
    verdict: tuple[Violation, ...]


@dataclass(frozen=True, slots=True)
class Divergence:
    """Where the model and the captured node part (compare.Pairing kinds), with both sides, the
    differing fields, the model's state, the class and the freedom that allows both (if any)."""

    kind: str
    packet_kind: str
    at_frame: int | None  # the captured packet it is at (for `extra`: the next captured packet)
    captured: Side
    model: Side
    fields: tuple[FieldDiff, ...]
    state: NodeSnapshot | None
    verdict: str
    allowed: str | None


@dataclass
class DiffReport:
    """One modelled node's differential replay of one capture."""

    file: str
    subject: Subject
    tolerance_ms: int
    start_ns: int = 0
    compared: int = 0  # captured and model packets of compared kinds (pairs count once)
    agreeing: int = 0
    captured_packets: int = 0
    model_packets: int = 0
    injected: int = 0
    originated: int = 0
    implied: int = 0
    unseen: int = (
        0  # packets only one side sent about what the capture does not show (not compared)
    )
    nd_unpaired: int = 0  # RS, RA, NS only one side sent, neither judged wrong (RFC 2461 timers)
    moves: list[tuple[int, str, str]] = field(default_factory=list)
    divergences: list[Divergence] = field(default_factory=list)


@dataclass(frozen=True)
class DiffJob:
    """One modelled node's run, as sent to a worker process (picklable): the capture is read again
    there, and the replay observer's verdicts on it travel with the job."""

    path: str
    subject: Subject
    opts: ReplayOptions
    violations: tuple[Violation, ...]
    tolerance_ms: int
    cache: int = CACHE_FRAMES  # frames kept in memory at most (capture.Frames)


def plan(
    path: str,
    selectors: Sequence[str],
    opts: ReplayOptions,
    *,
    tolerance_ms: int = 250,
    cache: int = CACHE_FRAMES,
) -> list[DiffJob]:
    """The runs `selectors` ask for (roles or addresses), one per node, in cast order; raises
    CaptureError for an unreadable capture and subjects.SelectionError for one naming no node."""
    cap = _read(path, opts, cache)
    report = replay_file(path, opts)
    cast = report.nodes if cap.frames else ()
    subjects = select(selectors, cast, cap.frames, opts.topology)
    return [DiffJob(path, s, opts, report.violations, tolerance_ms, cache) for s in subjects]


def run_job(job: DiffJob) -> DiffReport:
    """One node's differential replay: the same in any process (the engine's seed is fixed)."""
    cap = _read(job.path, job.opts, job.cache)
    original = judge_captured(job.violations, cap)
    return _one(job.path, cap, job.subject, job.opts, original, job.tolerance_ms)


def differential_replay(
    path: str,
    selectors: Sequence[str],
    opts: ReplayOptions,
    *,
    tolerance_ms: int = 250,
    cache: int = CACHE_FRAMES,
) -> list[DiffReport]:
    """Model each node `selectors` name (roles or addresses) in its own run, in this process
    (plan() and run_job() split it for workers); raises as plan() does. `cache`: a capture of
    more frames than this is streamed from the file at every walk (capture.Frames)."""
    jobs = plan(path, selectors, opts, tolerance_ms=tolerance_ms, cache=cache)
    return [run_job(j) for j in jobs]


def _read(path: str, opts: ReplayOptions, cache: int) -> Captured:
    cfg = opts.config
    ring = KeyRing(opts.sa_keys)
    return read_capture(path, cfg.profile, lambda p: ring.open_esp(p, cfg.profile), cache=cache)


@dataclass
class _Held:
    """A pair that is not `same`, held until the end, when both sides are judged: what its
    divergence needs (the model packet, the model's state, where the packet numbers stood)."""

    pairing: Pairing
    sent: Sent | None
    state: NodeSnapshot | None
    captured_before: int  # the last captured packet up to the pair's time + tolerance
    model_before: int  # the same in the counterfactual capture
    next_frame: int | None  # the first captured packet at or after the pair's time


def _one(
    path: str,
    cap: Captured,
    subject: Subject,
    opts: ReplayOptions,
    original: Judged,
    tol: int,
) -> DiffReport:
    """The model as `subject` over the capture, window by window (module doc of harness.py): the
    capture is read as a stream, compared pairs that agree are let go at once, the others held
    until the end, when the counterfactual capture written along the way is judged."""
    frames = cap.frames
    end = frames.last.time_ms if frames.last is not None else 0
    keys = [(sa.src, sa.dst, sa.key) for sa in opts.sa_keys if isinstance(sa, SecurityAssociation)]
    capacity = opts.topology.cache_capacity
    engine = ModelRun(subject, frames, opts.config, keys=keys, capacity=capacity)
    run = engine.run
    links = engine.links  # a link only the model sends on is added when it first does
    counter_file = Counterfactual(cap.start_ns, links, opts)
    seen_frames = Numbering()  # the captured packets' numbers by time
    rep = DiffReport(path, subject, tol, start_ns=cap.start_ns, moves=run.moves)
    held: list[_Held] = []
    view_kinds: set[str] = set()
    view_addrs: set[bytes] = set()
    received: dict[bytes, int] = {}  # address -> when the node first received a packet about it

    def done(p: Pairing, s: Sent | None) -> None:
        state = run.state_at.pop(p.frame.number, None) if p.frame is not None else None
        rep.compared += 1
        rep.agreeing += p.kind == "same"
        rep.captured_packets += p.frame is not None
        rep.model_packets += s is not None
        if p.kind == "same":
            if s is not None:
                counter_file.numbers.pop(s.serial, None)
            return
        x = p.time_ms + tol
        held.append(
            _Held(
                p,
                s,
                s.state if s is not None else state,
                seen_frames.upto(x),
                counter_file.times.upto(x),
                p.frame.number if p.frame is not None else seen_frames.from_(p.time_ms),
            )
        )

    pairer = Pairer(subject.own, tol, done, icv=_icv_check(opts))
    read_ms = 0

    def step(clock: int) -> None:
        engine.advance(clock)
        for s in run.sent:
            counter_file.sent(s, numbered=pairer.sent(s, subject.own | run.own))
        run.sent.clear()
        counter_file.flush(clock)
        pairer.settle(clock, read_ms)
        floor = min(
            [read_ms - pairer.reach - tol]
            + [f.time_ms - tol for f, _ in pairer.waiting][:1]
            + [s.time_ms - tol for s, _ in pairer.model][:1]
        )
        seen_frames.forget(floor)
        counter_file.times.forget(floor)

    try:
        for f in frames:
            engine.feed(f)
            seen_frames.add(f.time_ms, f.number)
            read_ms = max(read_ms, f.time_ms)
            view_addrs |= _addresses(f)
            if subject.sent(f):
                pairer.captured(f)
                k = kind_of(f.packet, subject.own)
                if k is not None:
                    view_kinds.add(k)
            else:
                counter_file.captured(f)
                if subject.receives(f):
                    for a in _addresses(f):
                        received.setdefault(a, f.time_ms)
            if f.time_ms - LOOKAHEAD_MS > engine.sim.now:
                step(f.time_ms - LOOKAHEAD_MS)
        engine.close()
        step(end + tol)
        pairer.close(end)
        counter_file.flush(None)
    except BaseException:
        counter_file.discard()  # an unreadable record part-way, Ctrl-C: no file left behind
        raise
    rep.injected, rep.originated, rep.implied = run.injected, run.originated, run.implied
    held.sort(
        key=lambda h: (h.pairing.time_ms, h.pairing.frame.number if h.pairing.frame else 1 << 40)
    )
    counter = counter_file.judge(replay=bool(held))
    if not held:
        return rep
    node = frozenset(fmt(a) for a in subject.own)
    for h in held:
        p = h.pairing
        d = _divergence(h, cap, original, counter, node, tol)
        quiet = not d.captured.verdict and not d.model.verdict
        if quiet and p.kind != "differs" and p.packet_kind in ND_WINDOW_MS:
            rep.nd_unpaired += 1  # both allowed: RFC 2461's random timers and cache state
            _uncount(rep, p)
            continue
        if quiet and (
            (p.kind == "extra" and not _in_view(p, h.sent, view_kinds, view_addrs))
            or (p.kind == "missing" and not _prompted(p, received))
        ):
            rep.unseen += 1
            _uncount(rep, p)
            continue
        rep.divergences.append(d)
    return rep


def _uncount(rep: DiffReport, p: Pairing) -> None:
    rep.compared -= 1
    if p.kind == "extra":
        rep.model_packets -= 1
    else:
        rep.captured_packets -= 1


def _prompted(p: Pairing, received: dict[bytes, int]) -> bool:
    """A packet only the captured node sent is explained by the capture when some packet the node
    received before it is about the same address; otherwise it answers what the capture does not
    show (state from before it started, another link) and the model cannot be asked for it."""
    assert p.frame is not None
    target = about(key_of(p.packet_kind, p.frame.packet))
    if not isinstance(target, bytes) or target[0] == 0xFF:
        return True
    first = received.get(target)
    if first is not None and first <= p.time_ms:
        return True
    return p.packet_kind == "data"


def _addresses(f: Frame) -> set[bytes]:
    pkt = f.packet
    out = {pkt.src, pkt.dst, final_destination(pkt)}
    if type(pkt.payload) is IPv6Packet:
        out |= {pkt.payload.src, final_destination(pkt.payload)}
    h = home_address(pkt)
    if h is not None:
        out.add(h)
    o = mip6_option(pkt)
    c = getattr(o, "care_of", None)
    if isinstance(c, bytes):
        out.add(c)
    target = getattr(pkt.payload, "target", None)
    if isinstance(target, bytes):
        out.add(target)
    return out


def _in_view(p: Pairing, s: Sent | None, kinds: set[str], addrs: set[bytes]) -> bool:
    """A packet only the model sent is outside the capture's view when the capture shows no packet
    of its kind from the node, or nothing about the address it is about (another link, not taken)."""
    assert s is not None
    target = about(key_of(p.packet_kind, s.packet))
    return p.packet_kind in kinds and (
        not isinstance(target, bytes) or target in addrs or target[0] == 0xFF
    )


def _icv_check(opts: ReplayOptions) -> Callable[[IPv6Packet], bool | None] | None:
    """Whether a packet's AH ICV verifies with the key of its association (None: no key applies),
    as replay's KeyRing checks it; None when no security association was given."""
    if not opts.sa_keys:
        return None
    ring = KeyRing(opts.sa_keys)

    def check(pkt: IPv6Packet) -> bool | None:
        sa = ring.association(pkt)
        h = next((x for x in pkt.headers if type(x) is AH), None)
        if sa is None or type(h) is not AH:
            return None
        return verify_ah(pkt, h, sa, encode_packet)

    return check


def _divergence(
    h: _Held,
    cap: Captured,
    original: Judged,
    counter: Judged,
    node: frozenset[str],
    tol: int,
) -> Divergence:
    p = h.pairing
    start = cap.start_ns / 1e9
    t = start + p.time_ms / 1000
    nd = p.packet_kind in ND_WINDOW_MS  # no obligation of the draft asks for an RS, RA or NS
    if p.frame is not None:
        cap_side = Side(
            p.frame.packet,
            p.frame.number,
            p.frame.time_ns / 1e9,
            at_packet(original, p.frame.number, node),
        )
    else:
        absent = () if nd else about_absence(original, node, t - tol / 1000, h.captured_before)
        cap_side = Side(None, None, t, absent)
    s = h.sent
    if s is not None:
        number = counter.model_number.get(s.serial)
        model_side = Side(
            s.packet, number, start + s.time_ms / 1000, at_packet(counter, number, node)
        )
    else:
        absent = () if nd else about_absence(counter, node, t - tol / 1000, h.model_before)
        model_side = Side(None, None, t, absent)
    if p.frame is not None:
        at_frame: int | None = p.frame.number
    elif cap_side.verdict and cap_side.verdict[0].packet is not None:
        at_frame = cap_side.verdict[0].packet  # where the observer judged the absence
    else:
        at_frame = h.next_frame
    verdict, allowed = _classify(p, cap_side, model_side, _home_registration(cap_side, model_side))
    return Divergence(
        p.kind, p.packet_kind, at_frame, cap_side, model_side, p.fields, h.state, verdict, allowed
    )


def _home_registration(*sides: Side) -> bool:
    """A Binding Update with H for the sender's own home address (§9.4), not a previous router's."""
    for side in sides:
        p = side.packet
        if p is None:
            continue
        o = mip6_option(p)
        if type(o) is BindingUpdate and o.h:
            return not _is_previous_router_bu(p)
    return False


def _is_previous_router_bu(p: IPv6Packet) -> bool:
    """§9.6: the Home Address option names the old care-of address, not a home address; told
    apart by the destination being on that address's prefix (the previous router)."""
    h = home_address(p)
    return h is not None and h[:8] == p.dst[:8]


def _classify(p: Pairing, cap: Side, model: Side, home_reg: bool = False) -> tuple[str, str | None]:
    if cap.verdict and not model.verdict:
        return IMPLEMENTATION_WRONG, None
    if model.verdict and not cap.verdict:
        return MODEL_WRONG, None
    if cap.verdict and model.verdict:
        return BOTH_WRONG, None
    why = allowed_by(p.packet_kind, p.kind, p.fields, home_reg)
    return (BOTH_ALLOWED, why) if why else (UNDECIDED, None)


__all__ = [
    "BOTH_ALLOWED",
    "BOTH_WRONG",
    "IMPLEMENTATION_WRONG",
    "MODEL_WRONG",
    "UNDECIDED",
    "DiffJob",
    "DiffReport",
    "Divergence",
    "Side",
    "differential_replay",
    "plan",
    "run_job",
]
