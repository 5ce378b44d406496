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
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
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
