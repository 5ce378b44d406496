"""Long-run fuzzing of mip6check (issue 7): atheris (libFuzzer, coverage-guided) when it is installed,
Hypothesis with a long budget otherwise.

    python fuzz/run.py TARGET [--engine auto|atheris|hypothesis] [--seconds N] [--runs N]
                       [--shared DIR] [--crashes DIR]

TARGET is one of fuzz/targets.py's: codec (an IPv6 packet), link (a frame of any link type), pcap (a
whole capture file), scenario (a scenario file), replay (a one-packet capture through replay), or
`all` (Hypothesis only: each target in turn, the time split between them).

The seed corpus comes from the shared captures (`--shared`, default ../shared/traces), read in place:
whole files for `pcap`, their frames for `codec`/`link`/`replay`, plus this repository's own captures
and scenarios. Seeds and new corpus entries live in a temporary directory, never in the repository.
A crash is written to `--crashes` (default: a temporary directory, printed) as the input's bytes and
printed as hex: keep it, minimised, as a regression in tests/robustness/test_fuzz.py (REGRESSIONS).
Exit 0 when no invariant broke, 1 when one did.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fuzz.targets import TARGETS  # noqa: E402
from mip6check.model.codec.pcap import Record, iter_file  # noqa: E402

DEFAULT_SHARED = ROOT.parent / "shared" / "traces"
MAX_SEED = 1 << 16


def seeds(target: str, shared: Path | None, limit: int = 5000) -> list[bytes]:
    """Seed inputs for a target, read in place from the shared captures and the repository's traces."""
    files: list[Path] = sorted((ROOT / "traces" / "captures").glob("*.pcap*"))
    if shared is not None and shared.is_dir():
        files += sorted(p for p in shared.rglob("*") if p.suffix in (".pcap", ".pcapng", ".cap"))
    out: list[bytes] = []
    if target == "scenario":
        out = [p.read_bytes() for p in sorted((ROOT / "traces").rglob("*.scenario"))]
    elif target == "pcap":
        out = [p.read_bytes()[:MAX_SEED] for p in files if p.is_file()]
    else:
        for p in files:
            try:
                for r in iter_file(str(p)):
                    if isinstance(r, Record) and r.data:
                        if target == "codec":
                            out.append(r.data[14:] if r.linktype == 1 else r.data)
                        else:  # link, replay: first octet picks the link type (fuzz/targets.py)
                            lt = {229: 0, 1: 1, 101: 2, 0: 3, 113: 4, 276: 5}.get(r.linktype, 0)
                            out.append(bytes([lt]) + r.data)
                    if len(out) >= limit:
                        break
            except Exception:  # noqa: BLE001 - a seed file we cannot read is simply not a seed
                continue
            if len(out) >= limit:
                break
    unique = sorted(set(out), key=lambda b: (len(b), b))
    return unique[:limit] or [b""]


def report_crash(target: str, data: bytes, crashes: Path, exc: BaseException | None) -> Path:
    """Write the crashing input and print it as hex with the exception."""
    crashes.mkdir(parents=True, exist_ok=True)
    path = crashes / f"crash-{target}-{hashlib.sha1(data).hexdigest()[:12]}"
    path.write_bytes(data)
    print(f"CRASH in target {target!r}: {path} ({len(data)} octets)", file=sys.stderr)
    if exc is not None:
        print("".join(traceback.format_exception(exc)), file=sys.stderr)
    print(f'regression: ("{target}", "{data.hex()}"),', file=sys.stderr)
    return path


def run_atheris(
    target: str,
    fn: Callable[[bytes], None],
    seed: list[bytes],
    seconds: int,
    runs: int | None,
    crashes: Path,
) -> int:
    """libFuzzer through atheris: the seeds in a temporary corpus directory, crashes to `crashes`."""
    import atheris  # type: ignore[import-not-found]

    crashes.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"mip6check-corpus-{target}-") as corpus:
        for i, s in enumerate(seed):
            Path(corpus, f"seed-{i:05d}").write_bytes(s)

        def one(data: bytes) -> None:
            fn(data)

        argv = [
            sys.argv[0],
            corpus,
            f"-max_total_time={seconds}",
            f"-artifact_prefix={crashes}{os.sep}",
            "-max_len=65536" if target == "pcap" else "-max_len=9000",
            "-timeout=20",
            "-rss_limit_mb=2048",
        ]
        if runs is not None:
            argv.append(f"-runs={runs}")
        atheris.instrument_all()  # coverage feedback from every module loaded so far
        atheris.Setup(argv, one)
        atheris.Fuzz()  # exits the process: 0 at the end of the budget, non-zero on a crash
    return 0


def run_hypothesis(
    target: str,
    fn: Callable[[bytes], None],
    seed: list[bytes],
    seconds: int,
    runs: int | None,
    crashes: Path,
) -> int:
    """Hypothesis with a long budget: seeds mutated (overwrite, insert, delete, truncate, splice),
    in rounds of 250 examples with a fresh random seed each, until the time or run budget is spent."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed
    from hypothesis import strategies as st

    @st.composite
    def mutant(draw: st.DrawFn) -> bytes:
        b = bytearray(draw(st.sampled_from(seed)))
        for _ in range(draw(st.integers(1, 8))):
            kind = draw(st.sampled_from("sidtx"))
            i = draw(st.integers(0, max(0, len(b) - 1)))
            if kind == "s" and b:
                b[i] = draw(st.sampled_from([0, 1, 0x7F, 0x80, 0xFF]) | st.integers(0, 255))
            elif kind == "i":
                b[i:i] = draw(st.binary(min_size=1, max_size=32))
            elif kind == "d":
                del b[i : i + draw(st.integers(1, 32))]
            elif kind == "t":
                del b[i:]
            else:
                other = draw(st.sampled_from(seed))
                b[i:] = other[draw(st.integers(0, len(other))) :]
        return bytes(b)

    last: list[bytes] = [b""]
    done = 0
    start = time.monotonic()
    round_no = 0
    while time.monotonic() - start < seconds and (runs is None or done < runs):
        n = 250 if runs is None else min(250, runs - done)

        @hseed(round_no)
        @settings(
            max_examples=n,
            deadline=None,
            database=None,
            derandomize=False,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )
        @given(mutant())
        def fuzz(data: bytes) -> None:
            last[0] = data
            fn(data)

        try:
            fuzz()
        except Exception as e:  # noqa: BLE001 - the shrunk failing example ran last
            report_crash(target, last[0], crashes, e)
            return 1
        done += n
        round_no += 1
        print(f"{target}: {done} inputs, {time.monotonic() - start:.0f} s, no crash", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("target", choices=[*TARGETS, "all"])
    ap.add_argument("--engine", choices=("auto", "atheris", "hypothesis"), default="auto")
    ap.add_argument("--seconds", type=int, default=600, help="time budget (default 600)")
    ap.add_argument("--runs", type=int, default=None, help="stop after this many inputs")
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="captures to seed from")
    ap.add_argument("--crashes", type=Path, default=None, help="where crashing inputs go")
    args = ap.parse_args(argv)
    have_atheris = importlib.util.find_spec("atheris") is not None
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if have_atheris and args.target != "all" else "hypothesis"
    if engine == "atheris" and not have_atheris:
        print("fuzz/run.py: atheris is not installed (pip install atheris)", file=sys.stderr)
        return 2
    if engine == "atheris" and args.target == "all":
        print("fuzz/run.py: atheris fuzzes one target per process", file=sys.stderr)
        return 2
    crashes = args.crashes or Path(tempfile.mkdtemp(prefix="mip6check-fuzz-crashes-"))
    names = list(TARGETS) if args.target == "all" else [args.target]
    seconds = max(1, args.seconds // len(names))
    print(f"fuzz: {engine}, targets {', '.join(names)}, {seconds} s each, crashes -> {crashes}")
    code = 0
    for name in names:
        seed = seeds(name, args.shared)
        print(f"fuzz: {name}: {len(seed)} seeds", flush=True)
        runner = run_atheris if engine == "atheris" else run_hypothesis
        code |= runner(name, TARGETS[name], seed, seconds, args.runs, crashes)
    return code


if __name__ == "__main__":
    sys.exit(main())
