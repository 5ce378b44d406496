"""Issue 7, nothing unsafe from input: no eval/exec/pickle/marshal/shelve/shell/yaml.load in the code
that reads captures, scenarios and configuration (model/, properties/, cli/), and no output path
derived from packet contents.

What was reviewed for the output paths (November 2026), and what the allowlist below pins:
- cli/cmd_replay.py writes --junit, --sarif and --msc to the paths given on the command line, as given;
  the report's contents carry packet data, its path never does.
- cli/cmd_simulate.py opens --pcap (a command-line path) for the capture.
- cli/cmd_verify.py writes --junit and --sarif (command-line paths); --out goes to properties/verify.py.
- properties/explore/counterexample.py writes three fixed names (counterexample.scenario, .pcapng,
  .html) into the directory it is given: `explore --out DIR`, or `verify --out DIR` / <property ID>,
  where the ID comes from the catalog (properties/explore/machines.py), not from a packet.
- properties/scenarios.py writes a scenario's capture to tempfile.mkstemp(); properties/killrate.py
  makes numbered directories under a TemporaryDirectory. model/ writes only to file objects it is handed
  (model/net/capture.py, model/codec/pcap.py writers) and opens files only for reading.
Any new write site in these trees makes test_write_sites_are_reviewed fail until it is reviewed and
added to WRITE_SITES with its reason. test_packet_contents_never_name_a_file runs the writers on
packets full of path-like strings and checks that nothing else appears on disk.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

from mip6check.cli.main import main
from mip6check.model.addr import a
from mip6check.model.codec import UDP, HomeAddress, IPv6Packet, bu, dest_options, encode_packet
from mip6check.model.codec.pcap import PcapWriter

ROOT = Path(__file__).resolve().parents[2]
TREES = ("model", "properties", "cli")

FORBIDDEN_CALLS = {
    "eval",
    "exec",
    "compile",
    "__import__",
    "os.system",
    "os.popen",
    "os.execv",
    "os.execvp",
    "os.execve",
    "os.spawnv",
    "os.spawnl",
    "os.startfile",
    "pickle.load",
    "pickle.loads",
    "marshal.load",
    "marshal.loads",
    "shelve.open",
    "yaml.load",
    "yaml.unsafe_load",
    "yaml.full_load",
    "pty.spawn",
}
FORBIDDEN_MODULES = {"pickle", "cPickle", "dill", "marshal", "shelve", "subprocess", "pty", "yaml"}

# (file, call) -> why it is safe. Reviewed; keep short.
ALLOWED_CALLS = {
    ("model/codec/compile.py", "exec"): "_exec(): decoder/encoder source generated at import from "
    "the codec's own option field tables (layout.py); never from input",
    ("model/codec/buffer.py", "exec"): "maker(): source text built from the field names of the "
    "project's own dataclasses at import time; never from input",
    ("cli/json_lines.py", "exec"): "_compile_shape(): one writer per packet shape, its source "
    "built from the codec's option tables, the chain names and constant member names; packet "
    "values are read by the generated code at run time, never written into its source",
    ("model/codec/shapes.py", "exec"): "make_plan(): one decoder per packet shape, its source "
    "the offsets and steering octets (integers) of the general decoder's walk and the names of the "
    "codec's own decoders; other packet octets are compared or read at run time, never written into "
    "its source (tests/codec/test_shapes.py checks every constant of it is an integer)",
    ("cli/json_fused.py", "exec"): "compile_fused(): one writer per packet shape, its source the "
    "offsets and path-selecting octets (integers) of the codec's walk and the option tables' names; "
    "the packet's other octets are read at run time, never written into its source "
    "(tests/cli/test_json_fused.py checks its constants)",
    ("properties/source_faults.py", "compile"): "rewritten(): a model function's own source with "
    "one expression replaced, for a planted fault (the mutant table, tests); never from input",
    ("properties/source_faults.py", "exec"): "rewritten(): runs that compiled definition in the "
    "function's own module namespace copy; never from input",
}
# importlib.import_module: every name comes from a fixed table in the code, never from input as is.
ALLOWED_IMPORT_MODULE = {
    "properties/parallel.py": "the constant name 'distributed' (the optional cluster extra)",
    "cli/main.py": "mip6check.cli.cmd_<name> for a name in COMMANDS (checked before the import)",
    "properties/verify.py": "engine modules of the constant ENGINES table",
    "properties/mutant_patch.py": "targets of the built-in mutant table (--mutant NAME is a key of it)",
    "properties/source_faults.py": "the module of a target of the built-in mutant table or a test",
}


def _py_files() -> list[Path]:
    return sorted(p for t in TREES for p in (ROOT / t).rglob("*.py"))


@functools.cache
def _tree(path: Path) -> ast.Module:
    """The parsed file (cached: several tests walk the same trees)."""
    return ast.parse(path.read_text(encoding="utf-8"), str(path))


def _dotted(node: ast.expr) -> str:
    """`os.system` for Attribute(Name(os), system); `eval` for Name(eval); '' otherwise."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def _calls(tree: ast.AST) -> list[tuple[ast.Call, str]]:
    return [(n, _dotted(n.func)) for n in ast.walk(tree) if isinstance(n, ast.Call)]


def test_scan_sees_the_code() -> None:
    files = _py_files()
    assert len(files) > 50
    assert any(
        name == "exec" for _, name in _calls(ast.parse((ROOT / ALLOWED_CALLS_FILE).read_text()))
    )


ALLOWED_CALLS_FILE = "model/codec/buffer.py"


def test_no_dangerous_calls_or_modules() -> None:
    found = []
    for p in _py_files():
        rel = str(p.relative_to(ROOT))
        tree = _tree(p)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods = [n.name.split(".")[0] for n in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                mods = [node.module.split(".")[0]]
            else:
                mods = []
            found += [f"{rel}:{node.lineno}: import {m}" for m in mods if m in FORBIDDEN_MODULES]
        for call, name in _calls(tree):
            short = name.rsplit(".", 1)[-1] if name.startswith(("self.", "builtins.")) else name
            if short in FORBIDDEN_CALLS and (rel, short) not in ALLOWED_CALLS:
                found.append(f"{rel}:{call.lineno}: {name}()")
            for kw in call.keywords:
                if kw.arg == "shell" and not (
                    isinstance(kw.value, ast.Constant) and kw.value.value is False
                ):
                    found.append(f"{rel}:{call.lineno}: {name}(shell=...)")
            if name.endswith("import_module") and rel not in ALLOWED_IMPORT_MODULE:
                found.append(f"{rel}:{call.lineno}: {name}() (dynamic import not reviewed)")
    assert not found, "\n".join(found)


def test_subprocess_only_in_tests_and_bench() -> None:
    """The `subprocess` module appears in tests/, bench/ and tools (outside the shipped packages)."""
    shipped = {p for p in _py_files()}
    offenders = [
        str(p.relative_to(ROOT)) for p in shipped if "subprocess" in p.read_text(encoding="utf-8")
    ]
    assert not offenders, offenders


# ---------------------------------------------------------------- output paths

# methods that only file-system objects have, and module functions named in full (`replace`, `move`,
# `copy` alone are everywhere: dataclasses.replace, str.replace, net.move)
WRITE_METHODS = {
    "write_text",
    "write_bytes",
    "mkdir",
    "makedirs",
    "mkstemp",
    "mkdtemp",
    "symlink_to",
    "hardlink_to",
    "unlink",
    "rmdir",
    "fdopen",
    "touch",
    "chmod",
}
WRITE_FUNCTIONS = {
    "os.replace",
    "os.rename",
    "os.remove",
    "os.symlink",
    "os.link",
    "os.truncate",
    "shutil.move",
    "shutil.copy",
    "shutil.copy2",
    "shutil.copyfile",
    "shutil.copytree",
    "shutil.rmtree",
}

# (file, enclosing function) -> where the path comes from. Reviewed (see the module docstring).
WRITE_SITES = {
    ("cli/cmd_derive.py", "run"): "--out path from the command line",
    ("cli/cmd_report.py", "run"): "--out directory from the command line (created)",
    ("properties/report/site.py", "write"): "index.html in the --out directory",
    ("properties/report/site.py", "copy_capture"): "captures/NNN-<name> in the --out directory",
    ("properties/shard.py", "__init__"): "numbered shard files in a TemporaryDirectory",
    ("cli/cmd_replay.py", "_side_outputs"): "--junit/--sarif/--msc paths from the command line",
    ("cli/cmd_simulate.py", "run"): "--pcap path from the command line",
    ("cli/cmd_verify.py", "run"): "--junit/--sarif paths from the command line",
    ("cli/cmd_replay.py", "_many_junit"): "--junit path from the command line",
    ("cli/reports.py", "write_rendering"): "the --sarif path given, plus `.packets.txt`",
    (
        "properties/explore/counterexample.py",
        "write_counterexample",
    ): "fixed names in the --out dir",
    (
        "properties/runjudge.py",
        "judge_scenario",
    ): "tempfile.mkstemp(), or the capture file simulate's --pcap names",
    ("properties/killrate.py", "_one_file_dirs"): "numbered dirs in a TemporaryDirectory",
    (
        "properties/explore/engine.py",
        "_crashed",
    ): "fixed name crash/counterexample.scenario in --out",
    (
        "properties/differential/judge.py",
        "__init__",
    ): "tempfile.mkstemp() counterfactual capture, written as the run goes (Counterfactual)",
    (
        "properties/differential/judge.py",
        "discard",
    ): "closes and removes that counterfactual capture (replayed, or the run stopped part-way)",
}


def _is_write_open(call: ast.Call, name: str) -> bool:
    """open(p, "w..."), os.open(p, O_WRONLY|O_CREAT...), <anything>.open("w...")."""
    f = call.func
    if name == "os.open":  # os.open(path, flags): writing when O_WRONLY/O_RDWR/O_CREAT
        return any(flag in ast.dump(call) for flag in ("O_WRONLY", "O_RDWR", "O_CREAT"))
    if name == "open":
        pos = 1
    elif isinstance(f, ast.Attribute) and f.attr == "open":
        pos = 0
    else:
        return False
    mode: object = "r"
    if len(call.args) > pos:
        m = call.args[pos]
        mode = m.value if isinstance(m, ast.Constant) else "?"
    for kw in call.keywords:
        if kw.arg == "mode":
            mode = kw.value.value if isinstance(kw.value, ast.Constant) else "?"
    return isinstance(mode, str) and (mode == "?" or any(c in mode for c in "wax+"))


def _sites_in(tree: ast.AST) -> dict[str, list[int]]:
    """{enclosing function name: [line of each write call]}."""
    sites: dict[str, list[int]] = {}
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for call, name in _calls(fn):
            f = call.func
            method = f.attr if isinstance(f, ast.Attribute) else name
            if _is_write_open(call, name) or method in WRITE_METHODS or name in WRITE_FUNCTIONS:
                sites.setdefault(fn.name, []).append(call.lineno)
    return sites


def test_write_site_detector() -> None:
    src = """
def a(p): Path(p).open("w").write("x")
def b(p): open(p, "wb")
def c(p): Path(p).write_text("x")
def d(p): os.open(p, os.O_WRONLY | os.O_CREAT)
def e(p): shutil.move(p, "x")
def f(p): open(p).read(); Path(p).open("rb"); p.replace("a", "b"); net.move(p)
"""
    assert set(_sites_in(ast.parse(src))) == {"a", "b", "c", "d", "e"}


def _write_sites() -> dict[tuple[str, str], list[int]]:
    sites: dict[tuple[str, str], list[int]] = {}
    for p in _py_files():
        rel = str(p.relative_to(ROOT))
        for fn, lines in _sites_in(_tree(p)).items():
            sites.setdefault((rel, fn), []).extend(lines)
    return sites


def test_write_sites_are_reviewed() -> None:
    sites = _write_sites()
    devnull = ("cli/main.py", "_main")  # os.open(os.devnull) on a broken pipe
    unreviewed = {k: v for k, v in sites.items() if k not in WRITE_SITES and k != devnull}
    assert not unreviewed, f"review these writers and add them to WRITE_SITES: {unreviewed}"
    gone = set(WRITE_SITES) - set(sites)
    assert not gone, f"stale WRITE_SITES entries: {gone}"


EVIL = [b"../../../../tmp/mip6check-pwned", b"/etc/passwd\x00", b"$(touch pwned)", b"`id`;|&"]


def _evil_capture(path: Path) -> None:
    with path.open("wb") as f:
        w = PcapWriter(f, linktype=229)
        for i, payload in enumerate(EVIL):
            pkt = IPv6Packet(
                a("2001:db8:2::100"),
                a("2001:db8:1::1"),
                (
                    dest_options(
                        bu(i, 60, a=True, h=True, id_length=64), HomeAddress(a("::2e2e:2f2e"))
                    ),
                ),
                UDP(5000, 7, payload * 8),
            )
            w.write(encode_packet(pkt), time_ms=i * 1500)
            w.write(payload * 4, time_ms=i * 1500 + 1)  # not even a packet


def test_packet_contents_never_name_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cwd, outd, ind = tmp_path / "cwd", tmp_path / "out", tmp_path / "in"
    for d in (cwd, outd, ind):
        d.mkdir()
    cap = ind / "evil.pcap"
    _evil_capture(cap)
    monkeypatch.chdir(cwd)
    before = set(tmp_path.rglob("*"))
    assert main(["decode", "--json", str(cap)]) == 0
    code = main(
        [
            "replay",
            str(cap),
            "--junit",
            str(outd / "r.xml"),
            "--sarif",
            str(outd / "r.sarif"),
            "--msc",
            str(outd / "r.html"),
        ]
    )
    assert code in (0, 1)
    capsys.readouterr()
    created = set(tmp_path.rglob("*")) - before
    sarif_text = outd / "r.sarif.packets.txt"  # the capture's rendering SARIF points into
    assert created == {outd / "r.xml", outd / "r.sarif", sarif_text, outd / "r.html"}, created
    assert not Path("/tmp/mip6check-pwned").exists()
