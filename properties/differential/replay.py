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
from mip6check.properties.differential.capture import Captured, Frame, read_capture
from mip6check.properties.differential.compare import Pairing, pair
from mip6check.properties.differential.fields import FieldDiff
from mip6check.properties.differential.harness import Run, run_model
from mip6check.properties.differential.judge import (
    Judged,
    about_absence,
    at_packet,
    judge_captured,
    judge_model,
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


def plan(
    path: str, selectors: Sequence[str], opts: ReplayOptions, *, tolerance_ms: int = 250
) -> list[DiffJob]:
    """The runs `selectors` ask for (roles or addresses), one per node, in cast order; raises
    CaptureError for an unreadable capture and subjects.SelectionError for one naming no node."""
    cap = _read(path, opts)
    report = replay_file(path, opts)
    cast = report.nodes if cap.frames else ()
    subjects = select(selectors, cast, cap.frames, opts.topology)
    return [DiffJob(path, s, opts, report.violations, tolerance_ms) for s in subjects]


def run_job(job: DiffJob) -> DiffReport:
    """One node's differential replay: the same in any process (the engine's seed is fixed)."""
    cap = _read(job.path, job.opts)
    original = judge_captured(job.violations, cap)
    return _one(job.path, cap, job.subject, job.opts, original, job.tolerance_ms)


def differential_replay(
    path: str,
    selectors: Sequence[str],
    opts: ReplayOptions,
    *,
    tolerance_ms: int = 250,
) -> list[DiffReport]:
    """Model each node `selectors` name (roles or addresses) in its own run, in this process
    (plan() and run_job() split it for workers); raises as plan() does."""
    return [run_job(j) for j in plan(path, selectors, opts, tolerance_ms=tolerance_ms)]


def _read(path: str, opts: ReplayOptions) -> Captured:
    cfg = opts.config
    ring = KeyRing(opts.sa_keys)
    return read_capture(path, cfg.profile, lambda p: ring.open_esp(p, cfg.profile))


def _one(
    path: str,
    cap: Captured,
    subject: Subject,
    opts: ReplayOptions,
    original: Judged,
    tol: int,
) -> DiffReport:
    frames = cap.frames
    end = frames[-1].time_ms if frames else 0
    keys = [(sa.src, sa.dst, sa.key) for sa in opts.sa_keys if isinstance(sa, SecurityAssociation)]
    capacity = opts.topology.cache_capacity
    run = run_model(subject, frames, opts.config, until_ms=end + tol, keys=keys, capacity=capacity)
    model_own = subject.own | run.own
    mine = [f for f in frames if subject.sent(f)]
    pairs = pair(
        mine, subject.own, run.sent, model_own, tol, end + tol, icv=_icv_check(opts), end_ms=end
    )
    rep = DiffReport(
        path,
        subject,
        tol,
        start_ns=cap.start_ns,
        injected=run.injected,
        originated=run.originated,
        implied=run.implied,
        moves=run.moves,
    )
    rep.compared = len(pairs)
    rep.agreeing = sum(p.kind == "same" for p in pairs)
    rep.captured_packets = sum(p.frame is not None for p in pairs)
    rep.model_packets = sum(p.model is not None for p in pairs)
    bad = [p for p in pairs if p.kind != "same"]
    if not bad:
        return rep
    counter = judge_model(cap, subject, run.sent, opts)
    node = frozenset(fmt(a) for a in subject.own)
    view = _view(frames, mine, subject)
    for p in bad:
        d = _divergence(p, cap, frames, run, original, counter, node, tol)
        quiet = not d.captured.verdict and not d.model.verdict
        if quiet and p.kind != "differs" and p.packet_kind in ND_WINDOW_MS:
            rep.nd_unpaired += 1  # both allowed: RFC 2461's random timers and cache state
            rep.compared -= 1
            if p.kind == "extra":
                rep.model_packets -= 1
            else:
                rep.captured_packets -= 1
            continue
        if quiet and (
            (p.kind == "extra" and not _in_view(p, run, view))
            or (p.kind == "missing" and not _prompted(p, frames, subject))
        ):
            rep.unseen += 1
            rep.compared -= 1
            if p.kind == "extra":
                rep.model_packets -= 1
            else:
                rep.captured_packets -= 1
            continue
        rep.divergences.append(d)
    return rep


def _view(
    frames: Sequence[Frame], mine: Sequence[Frame], subject: Subject
) -> tuple[set[str], set[bytes]]:
    """What the capture shows: the kinds of packet the node sent, and every address in a packet."""
    kinds = {k for f in mine if (k := kind_of(f.packet, subject.own)) is not None}
    addrs: set[bytes] = set()
    for f in frames:
        addrs |= _addresses(f)
    return kinds, addrs


def _prompted(p: Pairing, frames: Sequence[Frame], subject: Subject) -> bool:
    """A packet only the captured node sent is explained by the capture when some packet the node
    received before it is about the same address; otherwise it answers what the capture does not
    show (state from before it started, another link) and the model cannot be asked for it."""
    assert p.frame is not None
    target = about(key_of(p.packet_kind, p.frame.packet))
    if not isinstance(target, bytes) or target[0] == 0xFF:
        return True
    for f in frames:
        if f.time_ms > p.time_ms:
            break
        if subject.receives(f) and target in _addresses(f):
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


def _in_view(p: Pairing, run: Run, view: tuple[set[str], set[bytes]]) -> bool:
    """A packet only the model sent is outside the capture's view when the capture shows no packet
    of its kind from the node, or nothing about the address it is about (another link, not taken)."""
    assert p.model is not None
    kinds, addrs = view
    target = about(key_of(p.packet_kind, run.sent[p.model].packet))
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
    p: Pairing,
    cap: Captured,
    frames: Sequence[object],
    run: object,
    original: Judged,
    counter: Judged,
    node: frozenset[str],
    tol: int,
) -> Divergence:
    from mip6check.properties.differential.capture import Frame
    from mip6check.properties.differential.harness import Run

    assert isinstance(run, Run)
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
        state = run.state_at.get(p.frame.number)
    else:
        before = {f.number for f in frames if isinstance(f, Frame) and f.time_ms <= p.time_ms + tol}
        cap_side = Side(
            None, None, t, () if nd else about_absence(original, node, t - tol / 1000, before)
        )
        state = None
    if p.model is not None:
        s = run.sent[p.model]
        state = s.state
        model_side = Side(
            s.packet,
            counter.model_number.get(p.model),
            start + s.time_ms / 1000,
            at_packet(counter, counter.model_number.get(p.model), node),
        )
    else:
        before = {n for n, (ms, _) in counter.times.items() if ms <= p.time_ms + tol}
        model_side = Side(
            None, None, t, () if nd else about_absence(counter, node, t - tol / 1000, before)
        )
    at_frame = p.frame.number if p.frame is not None else _next_frame(cap, p.time_ms, tol, cap_side)
    verdict, allowed = _classify(p, cap_side, model_side, _home_registration(cap_side, model_side))
    return Divergence(
        p.kind, p.packet_kind, at_frame, cap_side, model_side, p.fields, state, verdict, allowed
    )


def _next_frame(cap: Captured, ms: int, tol: int, side: Side) -> int | None:
    """Where in the capture a packet only the model sent belongs: the packet the observer judged the
    absence at, else the first captured packet after it."""
    if side.verdict and side.verdict[0].packet is not None:
        return side.verdict[0].packet
    return next((f.number for f in cap.frames if f.time_ms >= ms), None)


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
