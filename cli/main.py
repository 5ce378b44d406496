"""The `mip6check` command: argparse subcommands, each in its own module `cli/cmd_<name>.py`.

A command module exposes `add_arguments(p)` and `run(args) -> int`; it is imported only when its
command runs. Exit codes (spec/cli-contract.md): 0 nothing violated, 1 violation found, 2 could not
run as asked - then exactly one line on stderr, never a traceback. Any unexpected exception becomes
one line `mip6check: internal error: ...` and exit 2 (tests make sure the corpus never gets there).
"""

from __future__ import annotations

import argparse
import errno
import gc
import importlib
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from types import ModuleType

PROG = "mip6check"

# name -> one-line job (the contract's table); the module is cli/cmd_<name>.py
COMMANDS: dict[str, str] = {
    "decode": "print every packet of a pcap or pcapng file, one per line",
    "replay": "validate a capture against the property catalog",
    "verify": "run every check of the catalog (Z3, Hypothesis, scenario corpus)",
    "explore": "search for counterexamples and write each as scenario, pcap and chart",
    "simulate": "run a scenario file through the forwarding engine",
    "coverage": "which normative clauses of the draft each property covers",
    "derive": "derive a scenario from a capture: every packet injected at its captured time",
    "report": "a self-contained HTML report: the draft's sentences by status, results and charts",
}


EXIT_CODES = """exit status:
  0  ran to the end and nothing was violated
  1  ran to the end and found a violation (or a counterexample)
  2  could not run as asked, or checked nothing (bad arguments, unreadable or non-capture file,
     unknown property ID, no scenario, packet or example to judge): one line on stderr,
     `mip6check: COMMAND: what: problem`"""

_running: list[str] = []  # the command being run: every error line names it
_argv: list[list[str]] = []  # its arguments (reports record the command line)


class UsageError(Exception):
    """Bad arguments: reported as one stderr line and exit 2 (argparse would print usage + error)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def one_line(text: str) -> str:
    """`text` safe as one stderr line: every character that is not printable (newlines, NEL, U+2028,
    escapes in file names...) is written as its escape."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


INTERRUPTED = 130
"""Exit code of a run stopped by Ctrl-C / SIGINT (128 + SIGINT, as shells report it)."""


def fail(message: str) -> int:
    """Print the one stderr line of an exit-2 failure, `mip6check: COMMAND: message`, and return 2
    (a message that already starts with the command's name is not prefixed twice)."""
    command = _running[-1] if _running and _running[-1] else None
    if command is not None and message.startswith(f"{command}: "):
        message = message[len(command) + 2 :]
    prefix = f"{PROG}: {command}: " if command is not None else f"{PROG}: "
    print(one_line(prefix + message), file=sys.stderr)
    return 2


def invocation() -> list[str]:
    """The command line being run, program name first (for the reports that record it)."""
    return [PROG, *(_argv[-1] if _argv else [])]


def os_problem(e: OSError) -> str:
    """An OSError as the words of its errno (`No such file or directory`), never `[Errno 2] ...`."""
    return e.strerror or type(e).__name__


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("mip6check")
    except Exception:  # noqa: BLE001 - not installed: running from a checkout
        return "unknown"


class _VersionAction(argparse.Action):
    """`--version`: the installed distribution's version, looked up only when asked (importing
    importlib.metadata costs every command a fifth of its start-up)."""

    HELP = "show program's version number and exit"

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        print(f"{PROG} {_version()}")
        parser.exit()


def _load(name: str) -> ModuleType | None:
    """The command's module, or None when nobody has written it yet."""
    modname = f"mip6check.cli.cmd_{name}"
    try:
        return importlib.import_module(modname)
    except ModuleNotFoundError as e:
        if e.name == modname:
            return None
        raise


def build_parser(chosen: str | None) -> tuple[argparse.ArgumentParser, ModuleType | None]:
    """The parser; only the chosen command's module is imported to add its arguments."""
    parser = _Parser(
        prog=PROG,
        description="Formal model and specification checker for Mobile IPv6 "
        "(draft-ietf-mobileip-ipv6-04).",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_VersionAction, nargs=0, help=_VersionAction.HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    module = None
    for name, job in COMMANDS.items():
        p = sub.add_parser(
            name,
            help=job,
            description=job,
            epilog=EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if name == chosen:
            module = _load(name)
            if module is not None:
                module.add_arguments(p)
            else:
                p.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser, module


def _run(argv: list[str]) -> int:
    chosen = next((a for a in argv if not a.startswith("-")), None)
    if chosen not in COMMANDS:
        chosen = None
    try:
        parser, module = build_parser(chosen)
        args = parser.parse_args(argv)
    except UsageError as e:
        return fail(str(e))
    if args.command is None:
        return fail(f"a command is needed: {', '.join(COMMANDS)} (see mip6check --help)")
    if module is None:
        return fail(f"{args.command}: not implemented yet")
    code: int = module.run(args)
    return code


_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG})


_ctrl_c: dict[str, object] = {"at": None, "done": False}


def _in_gc_callback(frame: object) -> bool:
    """Whether the signal arrived inside a garbage-collector callback (Hypothesis keeps one), where
    Python prints and drops any exception: a Ctrl-C raised there would be lost."""
    codes = {getattr(cb, "__code__", None) for cb in gc.callbacks}
    f = frame
    while f is not None:
        if getattr(f, "f_code", None) in codes:
            return True
        f = getattr(f, "f_back", None)
    return False


def _on_ctrl_c(signum: int, frame: object) -> None:
    """Python's Ctrl-C, made not to be lost: inside a gc callback it is asked again a moment later,
    and a thread asks again (twice at most, 1.2 s apart) if the command has still not returned."""
    if _in_gc_callback(frame):
        threading.Thread(target=_ask_again, args=(0.05, 1), daemon=True).start()
        return
    if _ctrl_c["at"] is None:
        _ctrl_c["at"] = True
        threading.Thread(target=_ask_again, args=(1.2, 2), daemon=True).start()
    raise KeyboardInterrupt


_on_ctrl_c.mip6check_ctrl_c = True  # type: ignore[attr-defined]  # Z3's watcher may chain it


def _ask_again(after: float, times: int) -> None:
    for _ in range(times):
        time.sleep(after)
        if _ctrl_c["done"]:
            return
        os.kill(os.getpid(), signal.SIGINT)


def _install_ctrl_c() -> None:
    if threading.current_thread() is threading.main_thread() and (
        signal.getsignal(signal.SIGINT) is signal.default_int_handler
    ):
        signal.signal(signal.SIGINT, _on_ctrl_c)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run one command, map every failure to exit 2 with one stderr line."""
    argv = list(sys.argv[1:] if argv is None else argv)
    _install_ctrl_c()
    _ctrl_c.update(at=None, done=False)
    chosen = next((a for a in argv if not a.startswith("-")), None)
    _running.append(chosen if chosen in COMMANDS else "")
    _argv.append(argv)
    try:
        return _main(argv)
    finally:
        _ctrl_c["done"] = True
        _running.pop()
        _argv.pop()


def _main(argv: list[str]) -> int:
    try:
        code = _run(argv)
        sys.stdout.flush()
    except SystemExit as e:  # --help, --version
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    except BrokenPipeError:
        # the reader went away (`| head`): quietly stop; keep the interpreter from complaining at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:  # Ctrl-C / SIGINT: never a verdict, never 0
        fail("interrupted: the run stopped before its end; what it did not reach was not checked")
        return INTERRUPTED
    except OSError as e:
        # disk full or I/O error on an unnamed stream (stdout): a file a command writes is named and
        # handled by the command itself
        if e.filename is None and e.errno in _OUTPUT_ERRNOS:
            return fail(f"cannot write output (standard output): {e.strerror}")
        return fail(f"internal error: {type(e).__name__}: {e}")
    except Exception as e:  # noqa: BLE001 - the one boundary where any bug becomes one line
        return fail(f"internal error: {type(e).__name__}: {e}")
    return code


if __name__ == "__main__":
    # run the module's imported copy: the commands import `fail` from mip6check.cli.main, which under
    # `python -m` is a second module beside __main__ (its error prefix would not name the command)
    from mip6check.cli.main import main as _entry

    sys.exit(_entry())
