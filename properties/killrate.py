"""The mutant kill rate across `verify`'s engines (the checker must itself be checked).

For each mutant of properties/mutants.py (kernel and role faults), apply it and run the chosen engines
through `properties.verify.run_verify`, restricted to the mutant's `catches` properties. The mutant is
killed by an engine when one of its results for a `catches` property is `violated` and the clean model
does not already show that: either the clean run of that engine did not violate the property at all
(e.g. a Z3 proof that held on the clean model fails), or the mutant run reports a violation (property,
message) the clean run does not have. Comparing against the clean run keeps the rate honest while the
scenario engine still reports a few false violations of its own.

`kill_rates(engines=("z3", "scenarios"))` runs every engine on every mutant (a full table);
`fastest=True` tries the engines in the order that suits the mutant's layer (Z3 first for kernel
mutants, the scenario corpus first for role mutants) and stops at the first kill.
"""

from __future__ import annotations

import signal
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mip6check.properties.mutants import ALL_MUTANTS, Mutant
from mip6check.properties.parallel import run_ordered
from mip6check.properties.verdict import Result, Status
from mip6check.properties.verify import VerifyOptions, run_verify

Progress = Callable[[str], None]
Key = tuple[str, str]  # (engine, property)

PREFERRED: dict[str, tuple[str, ...]] = {
    "kernel": ("z3", "scenarios", "hypothesis"),
    "role": ("scenarios", "hypothesis", "z3"),
}
"""Engine order per mutant layer when only the first kill matters (cheap and decisive first)."""


@dataclass(frozen=True, slots=True)
class Kill:
    """One mutant's outcome: the engines tried, and per engine the `catches` properties it saw broken
    (empty tuple: that engine ran and did not kill it)."""

    mutant: str
    layer: str
    section: str
    aimed: tuple[str, ...]
    by_engine: tuple[tuple[str, tuple[str, ...]], ...]
    seconds: float
    evidence: str = ""  # the first new violation's message, for the table

    @property
    def killed(self) -> bool:
        return any(props for _e, props in self.by_engine)

    @property
    def killers(self) -> tuple[str, ...]:
        """The engines that killed it, in the order they ran."""
        return tuple(e for e, props in self.by_engine if props)

    def tried(self, engine: str) -> bool:
        return any(e == engine for e, _p in self.by_engine)

    def killed_by(self, engine: str) -> bool:
        return engine in self.killers

    def to_json(self) -> dict[str, Any]:
        return {
            "mutant": self.mutant,
            "layer": self.layer,
            "section": self.section,
            "catches": list(self.aimed),
            "killed": self.killed,
            "engines": {e: list(props) for e, props in self.by_engine},
            "seconds": round(self.seconds, 3),
            "evidence": self.evidence,
        }


@dataclass(frozen=True, slots=True)
class KillReport:
    """Every mutant's Kill, plus what the clean model already showed (the baseline compared against)."""

    kills: tuple[Kill, ...]
    engines: tuple[str, ...]
    clean_violated: tuple[Key, ...] = ()  # (engine, property) violated on the clean model
    clean_seconds: float = 0.0
    notes: tuple[str, ...] = field(default=())

    def rate(self, engine: str | None = None, layer: str | None = None) -> float:
        """Share of mutants killed (by `engine` alone among those it ran on; of one `layer`)."""
        ks = [k for k in self.kills if layer is None or k.layer == layer]
        if engine is not None:
            ks = [k for k in ks if k.tried(engine)]
        if not ks:
            return 1.0
        hit = sum(k.killed_by(engine) if engine is not None else k.killed for k in ks)
        return hit / len(ks)

    @property
    def survivors(self) -> tuple[Kill, ...]:
        return tuple(k for k in self.kills if not k.killed)

    def to_json(self) -> dict[str, Any]:
        return {
            "mutants": [k.to_json() for k in self.kills],
            "kill_rate": round(self.rate(), 4),
            "per_engine": {e: round(self.rate(e), 4) for e in self.engines},
            "per_layer": {
                layer: round(self.rate(layer=layer), 4)
                for layer in sorted({k.layer for k in self.kills})
            },
            "clean_violated": [list(k) for k in self.clean_violated],
            "survivors": [k.mutant for k in self.survivors],
        }

    def table(self) -> str:
        """A plain-text kill table: one row per mutant, one column per engine, then the rates."""
        head = ("mutant", "layer", "§", *self.engines, "killed")
        rows: list[tuple[str, ...]] = [head]
        for k in self.kills:
            cells = []
            for e in self.engines:
                props = dict(k.by_engine).get(e)
                cells.append("-" if props is None else ",".join(props) if props else "survived")
            rows.append((k.mutant, k.layer, k.section, *cells, "yes" if k.killed else "NO"))
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = [
            "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        lines.append("")
        killed = sum(k.killed for k in self.kills)
        lines.append(f"kill rate: {killed}/{len(self.kills)} = {self.rate():.1%}")
        for e in self.engines:
            ran = [k for k in self.kills if k.tried(e)]
            if ran:
                hit = sum(k.killed_by(e) for k in ran)
                lines.append(
                    f"  {e}: {hit}/{len(ran)} = {self.rate(e):.1%} of the mutants it ran on"
                )
        for k in self.survivors:
            lines.append(f"SURVIVED {k.mutant} (§{k.section}): expected {', '.join(k.aimed)}")
        for key in self.clean_violated:
            lines.append(f"note: the clean model already violates {key[1]} ({key[0]})")
        lines.extend(self.notes)
        return "\n".join(lines)


@dataclass
class _Baseline:
    """The clean model's results per (engine, property), computed lazily per engine."""

    base: VerifyOptions
    progress: Progress
    violated: dict[Key, set[str]] = field(default_factory=dict)  # key -> violation messages
    done: set[tuple[str, frozenset[str]]] = field(default_factory=set)
    seconds: float = 0.0
    complete: bool = False  # baselined beforehand (a worker of a parallel kill run)

    def ensure(self, engine: str, props: frozenset[str]) -> None:
        """Run `engine` on the clean model for the properties not yet baselined."""
        if self.complete:
            return
        todo = frozenset(p for p in props if (engine, frozenset({p})) not in self.done)
        if not todo:
            return
        t0 = time.monotonic()
        self.progress(f"clean model: {engine} on {len(todo)} properties")
        for r in _run(self.base, engine, todo):
            if r.status is Status.VIOLATED:
                self.violated.setdefault((engine, r.property), set()).update(_messages(r))
        for p in todo:
            self.done.add((engine, frozenset({p})))
        self.seconds += time.monotonic() - t0


def _messages(r: Result) -> set[str]:
    return {v.message for v in r.violations} or {r.detail or ""}


def _run(
    base: VerifyOptions,
    engine: str,
    props: frozenset[str],
    roots: dict[str, Path] | None = None,
) -> list[Result]:
    opts = VerifyOptions(
        properties=props,
        seed=base.seed,
        budget=base.budget,
        config=base.config,
        out_dir=None,
        engines=(engine,),
        roots=base.roots if roots is None else roots,
    )
    return [r for r in run_verify(opts) if r.engine == engine or r.engine.startswith(engine)]


class EngineTimeout(BaseException):
    """An engine ran longer than the kill run allows (e.g. a mutant that makes the model loop). A
    BaseException, so the engines' own handlers (a model that raises, properties/watchdog.py) let it
    through to the kill run that set it."""


@contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raise EngineTimeout in the block after `seconds` (SIGALRM; only in the main thread of a Unix
    process, elsewhere no limit)."""
    usable = (
        seconds is not None
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def ring(_sig: int, _frame: object) -> None:
        raise EngineTimeout(f"no verdict within {seconds:g} s")

    old = signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds or 0.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _one_file_dirs(stack: ExitStack) -> list[Path]:
    """The scenario corpus as one directory per file (a symbolic link under a temporary directory),
    so the scenario engine can stop at the first file that kills a mutant (same file names, so the
    messages compare with the clean run of the whole corpus)."""
    from mip6check.properties.scenarios import scenario_files

    top = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="mip6-killrate-")))
    out = []
    for i, f in enumerate(scenario_files()):
        d = top / f"{i:03d}"
        d.mkdir()
        (d / f.name).symlink_to(f.resolve())
        out.append(d)
    return out


def _corpus_parts(corpus: list[Path]) -> list[dict[str, Path]]:
    return [{"scenarios": d} for d in list(corpus)]


def _judge(results: Iterable[Result], clean: _Baseline, engine: str) -> tuple[tuple[str, ...], str]:
    """The properties whose violation is new relative to the clean model, and the first new message."""
    hit: list[str] = []
    evidence = ""
    for r in results:
        if r.status is not Status.VIOLATED or r.property in hit:
            continue
        before = clean.violated.get((engine, r.property))
        new = _messages(r) if before is None else _messages(r) - before
        if new:
            hit.append(r.property)
            evidence = evidence or sorted(new)[0]
    return tuple(sorted(hit)), evidence


def kill_rates(
    engines: Sequence[str] = ("z3", "scenarios"),
    mutants: Collection[Mutant] | None = None,
    *,
    fastest: bool = False,
    budget: str = "ci",
    base: VerifyOptions | None = None,
    progress: Progress = lambda _m: None,
    limit_s: float | None = 120.0,
    executor: Executor | None = None,
) -> KillReport:
    """Apply each mutant (default: every kernel and role mutant) and run `engines` through run_verify,
    restricted to its `catches`; see the module docstring for what counts as a kill.

    `fastest`: per mutant, the engines in PREFERRED order for its layer (only those in `engines`),
    stopping at the first that kills it. `budget` is VerifyOptions.budget ("quick" makes Z3's bounded
    model checking short; proofs are unaffected). `limit_s` bounds each engine call (one scenario
    file, or one whole engine run): a mutant that makes the model loop is then not killed by it.

    With an `executor` (properties/parallel.py) the mutants run side by side: the clean model is
    baselined first, and each mutant tries the corpus files in their own order (the serial run moves
    the files that kill to the front), so the table is the same for any number of workers."""
    with ExitStack() as stack:
        return _kill_rates(
            engines, mutants, fastest, budget, base, progress, stack, limit_s, executor
        )


@dataclass(frozen=True)
class _MutantJob:
    """One mutant's kill run, as picklable values (a worker rebuilds the baseline from `violated`)."""

    mutant: str
    engines: tuple[str, ...]
    fastest: bool
    opts: VerifyOptions
    violated: dict[Key, set[str]]
    corpus: tuple[Path, ...]
    limit_s: float | None


def _mutant_job(job: _MutantJob) -> Kill:
    from mip6check.properties import mutants

    # looked up by name where the job runs: ALL_MUTANTS as the calling process had it (a forked
    # worker inherits a replaced list), then the catalogue
    by_name = {**mutants.BY_NAME, **{m.name: m for m in mutants.ALL_MUTANTS}}
    clean = _Baseline(job.opts, lambda _m: None, violated=job.violated, complete=True)
    return _kill_one(
        by_name[job.mutant],
        job.engines,
        job.fastest,
        job.opts,
        clean,
        list(job.corpus),
        job.limit_s,
        lambda _m: None,
        frozenset(),
    )


def _kill_rates(
    engines: Sequence[str],
    mutants: Collection[Mutant] | None,
    fastest: bool,
    budget: str,
    base: VerifyOptions | None,
    progress: Progress,
    stack: ExitStack,
    limit_s: float | None,
    executor: Executor | None = None,
) -> KillReport:
    chosen = tuple(ALL_MUTANTS if mutants is None else mutants)
    opts = base or VerifyOptions(budget=budget)
    if base is not None and budget != "ci":
        opts = VerifyOptions(
            opts.properties, opts.seed, budget, opts.config, None, opts.engines, opts.roots
        )
    clean = _Baseline(opts, progress)
    aimed_at = frozenset(p for m in chosen for p in m.catches)
    corpus = _one_file_dirs(stack) if "scenarios" in engines else []
    kills: list[Kill] = []
    if executor is not None:
        for engine in engines:
            clean.ensure(engine, aimed_at)
        jobs = [
            _MutantJob(
                m.name, tuple(engines), fastest, opts, clean.violated, tuple(corpus), limit_s
            )
            for m in chosen
        ]

        def done(i: int, k: Kill) -> None:
            progress(f"[{i + 1}/{len(chosen)}] {k.mutant}: {'killed' if k.killed else 'survived'}")

        kills = list(run_ordered(executor, _mutant_job, jobs, done))
    for i, m in enumerate(chosen if executor is None else (), 1):
        progress(f"[{i}/{len(chosen)}] {m.name}")
        kills.append(
            _kill_one(m, engines, fastest, opts, clean, corpus, limit_s, progress, aimed_at)
        )
    return KillReport(
        tuple(kills),
        tuple(engines),
        tuple(sorted(clean.violated)),
        clean.seconds,
    )


def _kill_one(
    m: Mutant,
    engines: Sequence[str],
    fastest: bool,
    opts: VerifyOptions,
    clean: _Baseline,
    corpus: list[Path],
    limit_s: float | None,
    progress: Progress,
    aimed_at: frozenset[str],
) -> Kill:
    """Apply one mutant and run the engines on it (the corpus file by file for the scenario engine)."""
    order = (
        tuple(e for e in PREFERRED.get(m.layer, tuple(engines)) if e in engines)
        if fastest
        else tuple(engines)
    )
    t0 = time.monotonic()
    by_engine: list[tuple[str, tuple[str, ...]]] = []
    evidence = trouble = ""
    for engine in order:
        progress(f"{m.name}: {engine}")
        # the corpus file by file: a fault that crashes one scenario loses only that file's
        # verdicts, and the fastest mode stops at the first file that kills
        split = engine == "scenarios" and "scenarios" not in opts.roots
        props: tuple[str, ...] = ()
        ev = ""
        for roots in _corpus_parts(corpus) if split else [opts.roots]:
            try:
                applied = m.applied()
                applied.__enter__()
            except (AttributeError, ImportError, ValueError) as e:  # a target left the model
                trouble = f"cannot be applied: {e}"
                break
            try:
                with _time_limit(limit_s):
                    found = _run(opts, engine, m.catches, roots)
            except Exception as e:  # the broken model crashed the engine: no verdict, no kill
                found = []
                trouble = trouble or f"{engine} raised {type(e).__name__}: {e}"
                if isinstance(e, EngineTimeout):
                    break  # (after `finally`) a model looping here loops in the next files too
            finally:
                applied.__exit__(None, None, None)
            if any(r.status is Status.VIOLATED for r in found):
                clean.ensure(engine, aimed_at)  # once per engine, for every mutant's properties
            got, ev = _judge(found, clean, engine)
            props = tuple(sorted({*props, *got}))
            evidence = evidence or ev
            if got and fastest:
                if split:  # the files that kill go first for the next mutants
                    corpus.insert(0, corpus.pop(corpus.index(roots["scenarios"])))
                break
        by_engine.append((engine, props))
        if props and fastest:
            break
    return Kill(
        m.name,
        m.layer,
        m.section,
        tuple(sorted(m.catches)),
        tuple(by_engine),
        time.monotonic() - t0,
        evidence or trouble,
    )


def clean_violations(
    engines: Sequence[str] = ("z3", "scenarios"),
    mutants: Collection[Mutant] | None = None,
    budget: str = "ci",
) -> dict[Key, set[str]]:
    """What the clean model violates among the properties the mutants aim at (the baseline)."""
    chosen = tuple(ALL_MUTANTS if mutants is None else mutants)
    props = frozenset(p for m in chosen for p in m.catches)
    clean = _Baseline(VerifyOptions(budget=budget), lambda _m: None)
    for e in engines:
        clean.ensure(e, props)
    return clean.violated
