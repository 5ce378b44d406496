"""The outside measure: mutants of `model/roles/` drawn by a mutation tool made for Python (cosmic-ray),
each judged by the default `mip6check verify`.

    pip install cosmic-ray          # bench-only: not a dependency of mip6check
    python bench/mutation.py --sample 100 --seed 18 --workers 1     # resumable; Ctrl-C and rerun
    python bench/mutation.py --report                               # the figures from the cache

Every mutation cosmic-ray's operators can make in `model/roles/*.py` of the committed tree (HEAD) is
enumerated in a fixed order; a fixed random sample (`--seed`) is run. Each mutant is written into a
private copy of the tree (never into the working tree, which other people are editing) and
`mip6check verify --no-timing --json` runs there, under a wall-clock limit. Outcomes:

- killed: verify exited 1 (a violation, or `error` / `timeout` results: the model raised or looped);
- survived: verify exited 0;
- hung: verify itself did not return within `--timeout` (a bug of verify's watchdogs);
- broken: verify exited 2 or died (the mutant broke an import: counted as killed, listed apart);
- incompetent: the mutation does not apply or does not compile (left out of the score).

Results are cached one JSON line per mutant (keyed by mutant and commit) in `--cache`, so a run
can be stopped and resumed, and split over `--workers` processes. Survivors are classified by hand in
`bench/mutation_survivors.json` ({"<mutant id>": {"class": ..., "why": ...}}): "equivalent" (no
behaviour changes), "conforming" (behaviour changes, but within what the draft allows: a MAY, a
value it leaves open), "missed" (a fault no engine caught, and why). The score is
killed / (run - equivalent - conforming - incompetent).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET = "model/roles"
STATE = ROOT / "build" / "mutation"
SURVIVORS = Path(__file__).resolve().parent / "mutation_survivors.json"
VERIFY = ("verify", "--no-timing", "--json")


@dataclass(frozen=True, slots=True)
class Mutation:
    """One cosmic-ray mutation: file (relative to the tree), operator name, occurrence index."""

    path: str
    operator: str
    occurrence: int
    line: int

    @property
    def id(self) -> str:
        return f"{self.path}:{self.line}:{self.operator}#{self.occurrence}"


def _operators() -> list[tuple[str, Any]]:
    """cosmic-ray's operators that take no arguments, by name (the default set of `cosmic-ray init`)."""
    import cosmic_ray.plugins as plugins

    out = []
    for name in sorted(plugins.operator_names()):
        cls = plugins.get_operator(name)
        if not cls.arguments():
            out.append((name, cls()))
    return out


def _annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) positions of every type annotation: with `from __future__ import annotations`
    they are never evaluated, so a mutation inside one is equivalent by construction."""
    spans = []
    for node in ast.walk(ast.parse(source)):
        notes: list[ast.expr | None] = []
        if isinstance(node, ast.arg):
            notes.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            notes.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            notes.append(node.annotation)
        for a in notes:
            if a is not None and a.end_lineno is not None and a.end_col_offset is not None:
                spans.append(((a.lineno, a.col_offset), (a.end_lineno, a.end_col_offset)))
    return spans


def enumerate_mutations(tree: Path, annotations: bool = False) -> list[Mutation]:
    """Every (file, operator, occurrence) of the target folder, in a fixed order; those inside type
    annotations only with `annotations` (they cannot change behaviour: see `_annotation_spans`)."""
    from cosmic_ray.ast import ast_nodes, get_ast_from_path

    out: list[Mutation] = []
    ops = _operators()
    for f in sorted((tree / TARGET).glob("*.py")):
        module = get_ast_from_path(f)
        spans = _annotation_spans(f.read_text(encoding="utf-8"))
        for name, op in ops:
            occ = 0
            for node in ast_nodes(module):
                for start, _end in op.mutation_positions(node):
                    inside = any(a <= tuple(start) < b for a, b in spans)
                    if annotations or not inside:
                        out.append(Mutation(str(f.relative_to(tree)), name, occ, start[0]))
                    occ += 1
    return out


def mutated_source(tree: Path, m: Mutation) -> str | None:
    """The file's source with the mutation applied (None: it does not apply or does not compile)."""
    from cosmic_ray.mutating import mutate_code

    op = dict(_operators())[m.operator]
    code = mutate_code((tree / m.path).read_text(encoding="utf-8"), op, m.occurrence)
    if code is None:
        return None
    try:
        ast.parse(code)
    except SyntaxError:
        return None
    return str(code)


def _changed_line(tree: Path, m: Mutation) -> tuple[str, str]:
    """(the line as written, the line as mutated) at the mutation's line."""
    old = (tree / m.path).read_text(encoding="utf-8").splitlines()
    new = (mutated_source(tree, m) or "").splitlines()
    return old[m.line - 1].strip(), (new[m.line - 1].strip() if m.line <= len(new) else "")


def translate(
    old_tree: Path, old: dict[str, Mutation], new_tree: Path, mid: str, mutations: list[Mutation]
) -> str:
    """The id, in `new_tree`, of mutation `mid` of `old_tree`: the same operator in the same file
    making the same change to a line that reads the same (lines and occurrence numbers move when the
    file is edited above the mutation); `old` is every mutation of `old_tree` by id. `mid` itself
    when nothing matches (then reported as missing)."""
    m = old.get(mid)
    if m is None:
        return mid
    change = _changed_line(old_tree, m)
    text = (new_tree / m.path).read_text(encoding="utf-8").splitlines()
    for c in mutations:
        if c.path == m.path and c.operator == m.operator and text[c.line - 1].strip() == change[0]:
            if _changed_line(new_tree, c) == change:
                return c.id
    return mid


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


def snapshot(commit: str) -> Path:
    """The committed tree at `commit`, unpacked once under build/mutation/src-<commit>."""
    dest = STATE / f"src-{commit[:12]}"
    if not (dest / "mip6check").exists():
        tmp = Path(tempfile.mkdtemp(dir=STATE))
        data = subprocess.run(
            ["git", "archive", "--format=tar", commit], cwd=ROOT, check=True, capture_output=True
        ).stdout
        with tarfile.open(fileobj=__import__("io").BytesIO(data)) as tar:
            tar.extractall(tmp, filter="tar")
        if dest.exists():
            shutil.rmtree(dest)
        tmp.rename(dest)
    return dest


def run_verify(tree: Path, timeout: float) -> dict[str, Any]:
    """`mip6check verify --no-timing --json` with `tree` first on the import path."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    code = "import sys; from mip6check.cli.main import main; sys.exit(main(sys.argv[1:]))"
    started = time.monotonic()
    try:
        p = subprocess.run(
            [sys.executable, "-c", code, *VERIFY],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"outcome": "hung", "seconds": round(time.monotonic() - started, 1)}
    took = round(time.monotonic() - started, 1)
    if p.returncode == 0:
        return {"outcome": "survived", "seconds": took}
    if p.returncode == 1:
        try:
            results = json.loads(p.stdout)["results"]
        except (ValueError, KeyError):
            results = []
        bad = [r for r in results if r["status"] in ("violated", "error", "timeout")]
        statuses = Counter(r["status"] for r in bad)
        by = sorted({f"{r['engine']}:{r['property']}:{r['status']}" for r in bad})
        return {"outcome": "killed", "seconds": took, "statuses": statuses, "by": by[:12]}
    tail = (p.stderr.strip().splitlines() or [""])[-1][:300]
    return {"outcome": "broken", "seconds": took, "exit": p.returncode, "stderr": tail}


def _load(cache: Path, commit: str) -> dict[str, dict[str, Any]]:
    done: dict[str, dict[str, Any]] = {}
    if cache.exists():
        for line in cache.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                if rec.get("commit") == commit:
                    done[rec["id"]] = rec
    return done


def measure(args: argparse.Namespace) -> None:
    commit = args.commit or _git("rev-parse", "HEAD")
    STATE.mkdir(parents=True, exist_ok=True)
    pristine = snapshot(commit)
    mutations = enumerate_mutations(pristine)
    if (
        args.ids
    ):  # named mutants instead of the sample (e.g. a sample's survivors, at a later commit)
        wanted = args.ids.split(",")
        if args.ids_from:
            old_tree = snapshot(_git("rev-parse", args.ids_from))
            old = {m.id: m for m in enumerate_mutations(old_tree)}
            wanted = [translate(old_tree, old, pristine, i, mutations) for i in wanted]
        by_id = {m.id: m for m in mutations}
        missing = [i for i in wanted if i not in by_id]
        if missing:
            sys.exit(f"no such mutation at {commit[:12]}: {', '.join(missing)}")
        sample = [by_id[i] for i in wanted]
    else:
        sample = random.Random(args.seed).sample(mutations, min(args.sample, len(mutations)))
    cache = Path(args.cache)
    done = _load(cache, commit)
    todo = [m for m in sample if m.id not in done]
    print(
        f"{len(mutations)} mutations in {TARGET} at {commit[:12]}; sample {len(sample)}", flush=True
    )
    print(
        f"{len(sample) - len(todo)} cached, {len(todo)} to run, {args.workers} workers", flush=True
    )
    lock = threading.Lock()
    if "baseline" not in done:
        base = run_verify(pristine, args.timeout)
        rec = {"id": "baseline", "commit": commit, **base}
        with lock, cache.open("a", encoding="utf-8") as f:
            f.write(json.dumps(rec) + "\n")
        print(f"baseline (clean model): {base['outcome']} in {base['seconds']} s", flush=True)
        if base["outcome"] != "survived":
            sys.exit("the clean model does not pass verify: nothing to measure")
    slots = list(range(args.workers))

    def one(m: Mutation) -> None:
        with lock:
            slot = slots.pop()
        try:
            work = STATE / f"w{slot}-{commit[:12]}"
            if not work.exists():
                shutil.copytree(pristine, work, symlinks=True)
            target = work / m.path
            original = (pristine / m.path).read_text(encoding="utf-8")
            code = mutated_source(pristine, m)
            if code is None:
                res: dict[str, Any] = {"outcome": "incompetent"}
            else:
                target.write_text(code, encoding="utf-8")
                try:
                    res = run_verify(work, args.timeout)
                finally:
                    target.write_text(original, encoding="utf-8")
            rec = {"id": m.id, "commit": commit, **res}
            with lock:
                with cache.open("a", encoding="utf-8") as f:
                    f.write(json.dumps(rec) + "\n")
                print(f"{res['outcome']:11} {res.get('seconds', '')!s:>6} {m.id}", flush=True)
        finally:
            with lock:
                slots.append(slot)

    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        list(pool.map(one, todo))


def report(args: argparse.Namespace) -> None:
    commit = args.commit or _git("rev-parse", "HEAD")
    cache = Path(args.cache)
    recs = _load(cache, commit)
    if not recs:  # the newest commit measured
        lines = [json.loads(x) for x in cache.read_text().splitlines() if x.strip()]
        commit = lines[-1]["commit"] if lines else commit
        recs = _load(cache, commit)
    pristine = snapshot(commit)
    by_id = {m.id: m for m in enumerate_mutations(pristine)}
    classes = json.loads(SURVIVORS.read_text(encoding="utf-8")) if SURVIVORS.exists() else {}
    rows = [r for k, r in recs.items() if k != "baseline"]
    count = Counter(r["outcome"] for r in rows)
    survivors = [r for r in rows if r["outcome"] == "survived"]
    benign = ("equivalent", "conforming")
    equivalent = [r for r in survivors if classes.get(r["id"], {}).get("class") in benign]
    scored = len(rows) - len(equivalent) - count["incompetent"]
    killed = count["killed"] + count["broken"]  # a hung verify gave no verdict: not a kill
    # killed by the watchdog alone (`timeout`, no violation or error): a looping mutant, or a slow run
    # on a loaded machine; said apart, and the score given without them too
    by_clock = [
        r for r in rows if r["outcome"] == "killed" and set(r.get("statuses", {})) == {"timeout"}
    ]
    print(f"commit {commit[:12]}, sample seed {args.seed}: {len(rows)} mutants run")
    print(
        ", ".join(f"{n} {k}" for k, n in sorted(count.items()))
        + f"; of the survivors {len(equivalent)} equivalent or conforming"
    )
    if scored:
        print(f"score: {killed}/{scored} = {killed / scored:.1%} of the non-equivalent mutants")
        strict = killed - len(by_clock)
        print(
            f"  of them {len(by_clock)} by the watchdog alone (timeout); without those:"
            f" {strict}/{scored} = {strict / scored:.1%}"
        )
    for r in sorted(by_clock, key=lambda r: r["id"]):
        print(f"TIMEOUT-ONLY {r['id']} ({r.get('seconds')} s)")
    for r in sorted(survivors, key=lambda r: r["id"]):
        c = classes.get(r["id"], {"class": "unclassified", "why": ""})
        print(f"SURVIVED {r['id']} [{c['class']}] {c.get('why', '')}")
        m = by_id.get(r["id"])
        if m is not None and args.diff:
            print(_diff(pristine, m))
    for r in rows:
        if r["outcome"] in ("hung", "broken"):
            print(f"{r['outcome'].upper()} {r['id']} {r.get('stderr', '')}")


def _diff(tree: Path, m: Mutation) -> str:
    import difflib

    old = (tree / m.path).read_text(encoding="utf-8").splitlines()
    new = (mutated_source(tree, m) or "").splitlines()
    d = difflib.unified_diff(old, new, m.path, m.path, n=0, lineterm="")
    return "\n".join("    " + x for x in list(d)[2:])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sample", type=int, default=100)
    p.add_argument("--seed", type=int, default=18)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--timeout", type=float, default=900.0, help="seconds per verify run")
    p.add_argument("--cache", default=str(STATE / "results.jsonl"))
    p.add_argument("--commit", help="the commit to measure (default HEAD)")
    p.add_argument("--report", action="store_true", help="print the figures from the cache")
    p.add_argument("--diff", action="store_true", help="with --report: each survivor's diff")
    p.add_argument("--list", action="store_true", help="print the sample and stop")
    p.add_argument("--ids", help="comma-separated mutation IDs to run instead of the sample")
    p.add_argument(
        "--ids-from",
        metavar="COMMIT",
        help="with --ids: the IDs are those of COMMIT; each is run as the same change at --commit",
    )
    args = p.parse_args()
    if args.list:
        commit = args.commit or _git("rev-parse", "HEAD")
        STATE.mkdir(parents=True, exist_ok=True)
        muts = enumerate_mutations(snapshot(commit))
        for m in random.Random(args.seed).sample(muts, min(args.sample, len(muts))):
            print(m.id)
        return
    if args.report:
        report(args)
    else:
        measure(args)


if __name__ == "__main__":
    main()
