"""`--workers N` and `--cluster ADDRESS`, shared by replay, verify and explore (properties/parallel.py).

Default: one local process per core. `--cluster` (or DASK_SCHEDULER_ADDRESS) sends the same jobs to
a Dask scheduler instead; the output does not change with either.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager

from mip6check.properties.parallel import cluster_address, default_workers, executor


def add_worker_arguments(p: argparse.ArgumentParser, what: str) -> None:
    """Add --workers and --cluster; `what` names the jobs run in parallel (help text)."""
    p.add_argument(
        "--workers",
        metavar="N",
        type=int,
        default=None,
        help=f"{what} run in N local processes (default: the number of cores, "
        f"{default_workers()} here); 1 runs them in this process",
    )
    p.add_argument(
        "--cluster",
        metavar="ADDRESS",
        default=None,
        help="run the jobs on the Dask scheduler at ADDRESS instead (default: the "
        "DASK_SCHEDULER_ADDRESS variable; needs pip install 'mip6check[cluster]')",
    )


def worker_count(args: argparse.Namespace) -> int:
    """The --workers value (default: the number of cores). Raises ValueError below 1."""
    n: int | None = args.workers
    if n is None:
        return default_workers()
    if n < 1:
        raise ValueError("--workers must be at least 1")
    return n


@contextmanager
def open_executor(args: argparse.Namespace) -> Iterator[Executor]:
    """The executor the arguments ask for; raises parallel.ClusterError for an unusable cluster."""
    with executor(worker_count(args), cluster_address(args.cluster)) as ex:
        yield ex
