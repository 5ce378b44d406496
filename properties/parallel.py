"""Where independent jobs run: in this process, a local process pool, or a Dask cluster.

One code path for all three: each is a `concurrent.futures.Executor` (the standard library's
`ProcessPoolExecutor`, or `dask.distributed.Client.get_executor()`), so no engine of the checker knows
which one runs its jobs. Results always come back in submission order, so the output of a run does
not depend on how many workers ran it.
"""

from __future__ import annotations

import ctypes
import importlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

CLUSTER_ENV = "DASK_SCHEDULER_ADDRESS"


class ClusterError(Exception):
    """A cluster that cannot be used (extra not installed, scheduler unreachable): exit 2."""


def default_workers() -> int:
    """The number of cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def cluster_address(given: str | None) -> str | None:
    """The Dask scheduler to use: `--cluster ADDRESS`, else the DASK_SCHEDULER_ADDRESS variable."""
    if given:
        return given
    return os.environ.get(CLUSTER_ENV) or None


class InlineExecutor(Executor):
    """Runs each job at once in this process (one worker: no pickling, no child processes)."""

    def submit(self, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> Future[R]:
        fut: Future[R] = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001 - delivered through the future, like a pool
            fut.set_exception(e)
        return fut


def die_with_parent() -> None:
    """In a worker: be killed when the process that started it ends, however it ends (Linux
    PR_SET_PDEATHSIG), so a run stopped by its watchdog or killed outright leaves no worker behind
    still computing a job nobody will read."""
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent ended before the request took effect
        os._exit(1)


class ChildKilled(Exception):
    """`in_child`: the child outlived its deadline and was killed; `why` says what it had reached."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class ChildDied(Exception):
    """`in_child`: the child ended without an answer (a signal, a hard exit, memory exhausted)."""


def can_fork() -> bool:
    """Whether `in_child` can run work in a forked child here (POSIX fork)."""
    return hasattr(os, "fork") and sys.platform != "win32"


Send = Callable[[Any], None]


def in_child(
    work: Callable[[Send], R],
    on_message: Callable[[Any], None],
    deadline: Callable[[], float | None],
    on_kill: Callable[[], str],
) -> R:
    """`work(send)` in a forked child (it inherits this process's state, patches included) whose
    messages `send(m)` reach `on_message(m)` here; its return value is returned, its exception
    raised here. When `deadline()` (time.monotonic, asked again after every message) has passed,
    the child is killed (SIGKILL) and ChildKilled(on_kill()) raised: a child stuck inside one C
    call still ends. Ctrl-C here (or any exception) kills the child before it propagates. The child
    ignores SIGINT (the terminal sends it to the whole group; this process decides) and dies with
    this process (PR_SET_PDEATHSIG)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(r)
        _child(work, Connection(w, readable=False))
    os.close(w)
    conn = Connection(r, writable=False)
    reaped = False
    try:
        while True:
            due = deadline()
            wait_s = 1.0 if due is None else min(1.0, max(0.0, due - time.monotonic()))
            if conn.poll(wait_s):
                try:
                    kind, body = conn.recv()
                except EOFError:
                    _, status = os.waitpid(pid, 0)
                    reaped = True
                    raise ChildDied(_how_it_ended(status)) from None
                if kind == "message":
                    on_message(body)
                elif kind == "result":
                    return body  # type: ignore[no-any-return]
                elif kind == "raised":
                    raise body
            elif due is not None and time.monotonic() >= due:
                raise ChildKilled(on_kill())
    finally:
        conn.close()
        if not reaped:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(pid, 0)


def _child(work: Callable[[Send], Any], conn: Connection) -> None:
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        die_with_parent()

        def send(m: Any) -> None:
            conn.send(("message", m))

        try:
            out: tuple[str, Any] = ("result", work(send))
        except BaseException as e:  # noqa: BLE001 - handed to the parent, which raises it
            out = ("raised", e)
        try:
            conn.send(out)
        except Exception as e:  # noqa: BLE001 - an answer that does not pickle: say so
            conn.send(("raised", RuntimeError(f"the child's answer cannot be sent: {e}")))
    except BaseException:  # noqa: BLE001 - the parent sees EOF and reports the child dead
        code = 1
    finally:
        os._exit(code)  # no atexit handlers, no flushing of buffers inherited from the parent


def _how_it_ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return f"the worker process was ended by signal {name}"
    return f"the worker process exited with status {os.waitstatus_to_exitcode(status)} unanswered"


@contextmanager
def executor(workers: int, cluster: str | None = None) -> Iterator[Executor]:
    """An executor for `workers` local processes, or for the Dask cluster at `cluster`.

    Raises ClusterError when a cluster is asked for and cannot be reached."""
    if cluster:
        with _dask_executor(cluster) as ex:
            yield ex
        return
    if workers <= 1:
        yield InlineExecutor()
        return
    pool = ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent)
    try:
        yield pool
    except BaseException:
        # Ctrl-C (or any failure) in this process: the workers stop now, not after their jobs
        # (`with` would wait for them: a run would not end on SIGINT until every job had finished)
        for proc in list(getattr(pool, "_processes", {}).values()):
            proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


@contextmanager
def _dask_executor(address: str) -> Iterator[Executor]:
    try:  # the `cluster` extra: pip install mip6check[cluster]
        distributed: Any = importlib.import_module("distributed")
    except ImportError:
        raise ClusterError(
            "--cluster needs the cluster extra: pip install 'mip6check[cluster]'"
        ) from None
    try:
        client = distributed.Client(address, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as e:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {e}") from None
    try:
        ex: Executor = client.get_executor(pure=False)
        yield ex
    finally:
        client.close()


def run_ordered(
    ex: Executor,
    fn: Callable[[T], R],
    items: Iterable[T],
    on_done: Callable[[int, R], None] | None = None,
) -> Iterator[R]:
    """Run `fn` on every item; yield the results in the items' order as soon as each is ready.

    `on_done(i, result)` is called in completion order (progress); an exception of a job is raised
    when its turn in the order comes."""
    futures = [ex.submit(fn, x) for x in items]
    index = {id(f): i for i, f in enumerate(futures)}
    pending = set(futures)
    ready: dict[int, Future[R]] = {}
    nxt = 0
    try:
        while nxt < len(futures):
            if nxt in ready:
                yield ready.pop(nxt).result()
                nxt += 1
                continue
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in sorted(done, key=lambda f: index[id(f)]):
                i = index[id(f)]
                if on_done is not None and f.exception() is None:
                    on_done(i, f.result())
                ready[i] = f
    finally:
        for f in pending:
            f.cancel()
