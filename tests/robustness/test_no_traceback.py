"""Issue 7, no traceback ever: every subcommand on hostile files and bad arguments exits 0, 1 or 2, and
on 2 prints exactly one stderr line naming the file and the problem (cli-contract.md).

The bulk runs in process (`cli.main.main` with capsys); a representative set runs as real
subprocesses, where an escaping exception would show as a traceback. "internal error" - the catch-all
of cli/main.py - counts as a failure here too: it hides a bug behind one line.
The shared corpus (tcpdump-all) through `decode --json`/`replay --json` is in test_accounting.py.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mip6check.cli.main import main
from mip6check.model.codec.pcap import Record, RecordError, iter_records
from mip6check.model.errors import CaptureError
from tests.robustness.hostile import CAPTURES, SCENARIOS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "traces" / "examples" / "home-registration.pcapng"
SCENARIO = ROOT / "traces" / "scenarios" / "01-first-registration.scenario"
README = ROOT / "README.md"  # a regular file: "README.md/x" is a path under a non-directory


def assert_calm(code: int, out: str, err: str, name: str | None = None) -> None:
    """The contract: 0/1/2; no traceback, no internal error; on 2 one stderr line naming `name`."""
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in err and "Traceback" not in out
    assert "internal error" not in err, err
    if code == 2:
        assert err.endswith("\n") and err.count("\n") == 1, err
        if name is not None:
            assert name in err, (name, err)
    else:  # a readable input: stderr carries nothing but file-level notes
        assert all(": note: " in line for line in err.splitlines()), err


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    got = capsys.readouterr()
    return code, got.out, got.err


def _records(data: bytes) -> int | None:
    """Records the reader finds in `data` (None when it is not a capture)."""
    try:
        return sum(isinstance(r, Record | RecordError) for r in iter_records(io.BytesIO(data)))
    except CaptureError:
        return None


# ---------------------------------------------------------------- hostile capture files, in process


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("hostile")
    for name, (data, _) in CAPTURES.items():
        (d / f"{name}.pcap").write_bytes(data)
    for name, data in SCENARIOS.items():
        (d / f"{name}.scenario").write_bytes(data)
    return d


@pytest.mark.parametrize("name", sorted(CAPTURES))
@pytest.mark.parametrize(
    "argv", [["decode"], ["decode", "--json"], ["replay"], ["replay", "--json"]], ids=" ".join
)
def test_hostile_capture(
    capsys: pytest.CaptureFixture[str], hostile_dir: Path, name: str, argv: list[str]
) -> None:
    data, expected = CAPTURES[name]
    path = str(hostile_dir / f"{name}.pcap")
    code, out, err = run(capsys, *argv, path)
    assert_calm(code, out, err, path)
    assert code in expected, (code, err)
    n = _records(data)
    if code == 2:
        assert out == "" and n is None
        return
    assert n is not None
    if argv == ["decode", "--json"]:
        lines = [json.loads(x) for x in out.splitlines()]
        assert [j["index"] for j in lines] == list(range(1, n + 1))
    elif argv == ["decode"]:
        assert len(out.splitlines()) == n
    elif argv == ["replay", "--json"]:
        r = json.loads(out)
        assert r["packets"] == r["decoded"] + r["undecodable"] == n


@pytest.mark.parametrize("name", sorted(CAPTURES))
def test_capture_given_as_scenario(
    capsys: pytest.CaptureFixture[str], hostile_dir: Path, name: str
) -> None:
    path = str(hostile_dir / f"{name}.pcap")
    code, out, err = run(capsys, "simulate", path)
    assert_calm(code, out, err, path)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_hostile_scenario(capsys: pytest.CaptureFixture[str], hostile_dir: Path, name: str) -> None:
    path = str(hostile_dir / f"{name}.scenario")
    code, out, err = run(capsys, "simulate", "--json", path)
    assert_calm(code, out, err, path)
    for cmd in ("decode", "replay"):  # and a scenario (text) given as a capture
        code, out, err = run(capsys, cmd, path)
        assert_calm(code, out, err, path)


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["decode", "replay", "simulate"]),
    st.one_of(
        st.binary(max_size=600),
        # a valid header, then anything: the readers' record loop, not just the magic check
        st.sampled_from([CAPTURES["pcap-header-only"][0], CAPTURES["pcapng-good"][0][:28]]).flatmap(
            lambda h: st.binary(max_size=600).map(lambda b: h + b)
        ),
    ),
)
def test_arbitrary_file_through_main(cmd: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "f"
        p.write_bytes(data)
        out, err = io.StringIO(), io.StringIO()
        from contextlib import redirect_stderr, redirect_stdout

        with redirect_stdout(out), redirect_stderr(err):
            code = main([cmd, str(p)])
        assert_calm(code, out.getvalue(), err.getvalue(), str(p))


# ---------------------------------------------------------------- paths that are not files


def test_not_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    for path in (tmp_path, tmp_path / "missing.pcap", loop, Path("/dev/null"), README / "x"):
        for argv in (["decode"], ["decode", "--json"], ["replay", "--json"], ["simulate"]):
            code, out, err = run(capsys, *argv, str(path))
            assert_calm(code, out, err, str(path))
            if str(path) != "/dev/null" or argv[0] != "simulate":  # an empty scenario runs
                assert code == 2, (argv, path)


# ---------------------------------------------------------------- bad arguments, every subcommand

X = str(EXAMPLE)
BAD_ARGS = [
    [],
    ["nosuchcommand"],
    ["--bogus"],
    ["decode"],
    ["decode", X, "extra"],
    ["decode", X, "--profile", "draft99"],
    ["decode", "--profile"],
    ["decode", ""],
    ["replay"],
    ["replay", X, "--max-nodes", "0"],
    ["replay", X, "--max-nodes", "x"],
    ["replay", X, "--max-bindings", "-3"],
    ["replay", X, "--clock-tolerance", "-1"],
    ["replay", X, "--clock-tolerance", "inf"],
    ["replay", X, "--clock-tolerance", "abc"],
    ["replay", X, "--explain", "x"],
    ["replay", X, "--home-prefix", "zzz"],
    ["replay", X, "--home-prefix", "2001:db8::/200"],
    ["replay", X, "--home-agent", "zzz"],
    ["replay", X, "--ha-anycast", "zzz"],
    ["replay", X, "--seq-half", "sideways"],
    ["replay", X, "--topology", "/nonexistent.toml"],
    ["replay", X, "--topology", X],
    ["replay", X, "--sa", "/nonexistent.sa"],
    ["replay", X, "--sa", X],
    ["verify", "--property", "NO-SUCH-PROPERTY"],
    ["verify", "--engine", "nope"],
    ["verify", "--seed", "x"],
    ["verify", "--budget", "forever"],
    ["explore", "--property", "NO-SUCH-PROPERTY"],
    ["explore", "--property", "BC-SEQ-MONOTONIC-NOPE"],
    ["explore", "--mutant", "nope"],
    ["explore", "--budget", "forever"],
    ["explore", "--seed", "abc"],
    ["simulate"],
    ["simulate", str(SCENARIO), "extra"],
    ["coverage", "--bogus"],
    ["coverage", "extra"],
]


@pytest.mark.parametrize("argv", BAD_ARGS, ids=lambda a: " ".join(a) or "(none)")
def test_bad_arguments(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2, (code, err)
    assert_calm(code, out, err)


@pytest.mark.parametrize(
    "argv",
    [
        ["replay", X, "--clock-tolerance", "nan"],  # nan passes every range check (fixed)
        ["verify", "--ha-anycast", "zzz", "--engine", "z3", "--property", "HA-NOT-HOME-133"],
    ],
    ids=lambda a: " ".join(a),
)
def test_bad_arguments_found_by_this_suite(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert_calm(code, out, err)


@pytest.mark.parametrize("opt", ["--help", "--version"])
def test_help_and_version(capsys: pytest.CaptureFixture[str], opt: str) -> None:
    code, out, err = run(capsys, opt)
    assert code == 0 and out and err == ""


# ---------------------------------------------------------------- output paths that cannot be written


def _unwritable(tmp: Path) -> list[str]:
    return [str(tmp / "no" / "such" / "dir" / "out"), str(tmp), str(README / "out")]


def test_unwritable_replay_outputs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for opt in ("--junit", "--sarif", "--msc"):
        for out_path in _unwritable(tmp_path):
            code, out, err = run(capsys, "replay", X, opt, out_path)
            assert code == 2
            assert_calm(code, out, err, out_path)


def test_unwritable_simulate_pcap(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for out_path in _unwritable(tmp_path):
        code, out, err = run(capsys, "simulate", str(SCENARIO), "--pcap", out_path)
        assert code == 2
        assert_calm(code, out, err, out_path)


def test_unwritable_verify_reports(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for opt in ("--junit", "--sarif"):
        out_path = str(README / "out")
        code, out, err = run(
            capsys, "verify", "--engine", "z3", "--property", "HA-NOT-HOME-133", opt, out_path
        )
        assert code == 2
        assert_calm(code, out, err, out_path)


def test_unwritable_explore_out(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A counterexample that cannot be written: one line naming the directory (the search itself is
    replaced by a canned failure so this stays fast; the slow test below runs a real one)."""
    import mip6check.properties.explore.machines as machines

    def canned(**_: object) -> machines.Outcome:
        failure = machines.Failure(scenario=None, violation=None, error="canned", steps=1)  # type: ignore[arg-type]
        return machines.Outcome(failure, machines.Coverage(), 0.0, "test", 1)

    monkeypatch.setattr(machines, "explore", canned)
    out_path = str(README / "out")
    code, out, err = run(capsys, "explore", "--budget", "test", "--seed", "1", "--out", out_path)
    assert code == 2
    assert_calm(code, out, err, out_path)


# ---------------------------------------------------------------- hostile scenarios that ask for too much


BASE = """link home prefix 2001:db8:1::/64
link foreign1 prefix 2001:db8:2::/64
link core prefix 2001:db8:3::/64
home-agent HA on home, core
router R1 on foreign1, core
correspondent CN on core
mobile MN home 2001:db8:1::100 agent HA on home
"""


def _cli(*argv: str, timeout: float = 60, stdout: int | None = None) -> SimpleNamespace:
    """Run `python -m mip6check.cli.main ARGV` as a real process; a timeout is a result, not an exception."""
    try:
        r = subprocess.run(
            [sys.executable, "-m", "mip6check.cli.main", *argv],
            stdout=subprocess.PIPE if stdout is None else stdout,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return SimpleNamespace(returncode=None, stdout="", stderr="timeout")
    return SimpleNamespace(returncode=r.returncode, stdout=r.stdout or "", stderr=r.stderr)


@pytest.mark.parametrize(
    "tail",
    [
        "at 1s: send CN -> MN count 1000000000 every 10ms\nrun until 2s\n",
        "run until 100000000000min\n",
        "at 100000000000min: move MN to foreign1\n",
        "expect by 100000000000min: MN is away\n",
    ],
    ids=["send-count-1e9", "run-until-1e11-min", "at-1e11-min", "expect-by-1e11-min"],
)
def test_scenario_that_asks_for_too_much_is_bounded(tmp_path: Path, tail: str) -> None:
    """A hostile scenario is input too: refused with one line naming the limit (found by this suite:
    `send ... count N` scheduled all N packets up front and `run until` had no bound; both hung).
    A real process with a timeout, so a regression fails instead of hanging the suite."""
    p = tmp_path / "greedy.scenario"
    p.write_text(BASE + tail)
    r = _cli("simulate", str(p), timeout=20)
    assert r.returncode is not None, "simulate did not finish in 20 s"
    assert r.returncode == 2 and "is larger than" in r.stderr, r.stderr
    assert_calm(r.returncode, r.stdout, r.stderr, str(p))


# ---------------------------------------------------------------- real processes, a representative set


def _subprocess_cases(tmp: Path) -> list[tuple[list[str], str | None, frozenset[int]]]:
    """(argv, name the stderr line must carry, allowed exit codes)."""
    cases: list[tuple[list[str], str | None, frozenset[int]]] = []
    for name in (
        "empty",
        "garbage",
        "wrong-magic",
        "pcap-mid-record-data",
        "pcap-snaplen-0",
        "pcap-longer-than-snaplen",
        "pcap-absurd-caplen",
        "pcapng-unknown-block",
        "pcapng-absurd-block-length",
        "pcapng-mid-block",
        "pcapng-shb-bad-bom",
    ):
        p = tmp / f"{name}.pcap"
        p.write_bytes(CAPTURES[name][0])
        cmd = "replay" if name.startswith(("pcapng-", "empty")) else "decode"
        cases.append(([cmd, "--json", str(p)], str(p), CAPTURES[name][1]))
    rnd = tmp / "random.scenario"
    rnd.write_bytes(SCENARIOS["random"])
    cases.append((["simulate", str(rnd)], str(rnd), frozenset({2})))
    cases.append((["simulate", str(EXAMPLE)], str(EXAMPLE), frozenset({2})))
    cases.append((["decode", str(tmp)], str(tmp), frozenset({2})))
    cases.append((["replay", str(tmp / "missing.pcap")], str(tmp / "missing.pcap"), frozenset({2})))
    cases.append((["simulate", str(tmp / "missing.scenario")], "missing.scenario", frozenset({2})))
    out = str(README / "x.xml")
    cases.append((["replay", X, "--junit", out], out, frozenset({2})))
    cases.append((["simulate", str(SCENARIO), "--pcap", out], out, frozenset({2})))
    for argv in (
        ["decode"],
        ["verify", "--property", "NOPE"],
        ["explore", "--mutant", "nope"],
        ["coverage", "--bogus"],
        ["replay", X, "--max-nodes", "0"],
        [],
    ):
        cases.append((argv, None, frozenset({2})))
    cases.append((["decode", "--json", X], None, frozenset({0})))
    cases.append((["coverage", "--json"], None, frozenset({0, 1})))
    return cases


def test_real_processes(tmp_path: Path) -> None:
    cases = _subprocess_cases(tmp_path)
    assert len(cases) >= 25
    with ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2))) as pool:
        results = list(pool.map(lambda c: _cli(*c[0]), cases))
    for (argv, name, allowed), r in zip(cases, results, strict=True):
        assert r.returncode in allowed, (argv, r.returncode, r.stderr)
        assert_calm(r.returncode, r.stdout, r.stderr, name)


def test_stdout_that_cannot_be_written() -> None:
    """stdout on a full device: exit 2 and one line that says so (not a traceback at exit)."""
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        for argv in (["decode", "--json", X], ["replay", "--json", X], ["coverage"]):
            r = _cli(*argv, stdout=full.fileno())
            assert r.returncode == 2, (argv, r.stderr)
            assert_calm(r.returncode, "", r.stderr)
            assert "output" in r.stderr, r.stderr


@pytest.mark.slow
def test_real_explore_unwritable_out() -> None:
    """The real search (a mutant it finds fast) with an --out that cannot be created."""
    out = str(README / "explore-out")
    r = _cli(
        "explore",
        "--budget",
        "test",
        "--seed",
        "1",
        "--mutant",
        "seq-ge",
        "--out",
        out,
        timeout=900,
    )
    assert r.returncode == 2
    assert_calm(r.returncode, r.stdout, r.stderr, out)


# ---------------------------------------------------------------- configuration files are input too

TOML_BITS = st.sampled_from(
    [
        "[[home_agent]]\n",
        "[[mobile_node]]\n",
        "[[not_home_agent]]\n",
        'address = "2001:db8::1"\n',
        "address = 5\n",
        'prefixes = ["2001:db8::/64"]\n',
        "prefixes = [3]\n",
        "id_length = 64\n",
        "id_length = 99999999999999999999\n",
        'home_address = "2001:db8::9"\n',
        "cache_capacity = 0\n",
        "cache_capacity = -1\n",
        'home_agent = "x"\n',
        "a = [[[[]]]]\n",
        "x = {y = 1}\n",
        "= =\n",
    ]
)
SA_BITS = st.sampled_from(
    [
        "2001:db8::1 2001:db8::2 hmac-md5-96 00112233\n",
        "2001:db8::1 2001:db8::2 rot13 00\n",
        "2001:db8::1 2001:db8::2 hmac-sha1-96 zz\n",
        "# comment\n",
        "x\n",
        "\n",
        "2001:db8::1 2001:db8::2 hmac-md5-96 00 99999999999999999999\n",
        "[[sa]]\n",
        'spi = "x"\n',
    ]
)


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["--topology", "--sa"]),
    st.one_of(
        st.lists(TOML_BITS | SA_BITS, max_size=8).map(lambda xs: "".join(xs).encode()),
        st.binary(max_size=200),
    ),
)
def test_arbitrary_topology_and_sa_files(opt: str, data: bytes) -> None:
    from contextlib import redirect_stderr, redirect_stdout

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "conf"
        p.write_bytes(data)
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(["replay", X, opt, str(p)])
        assert_calm(code, out.getvalue(), err.getvalue(), str(p))
