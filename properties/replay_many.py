"""Replay of many captures: which files a FILE|DIR list names, one job per capture, and the summary.

A job is a plain function of picklable values (`replay_job`), so the same job runs in this process,
in a local process pool or on a Dask worker (properties.parallel). A capture that cannot be read is a
result too (`CaptureFailure`, with the byte offset), never an exception lost in a worker.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mip6check.model.errors import CaptureError
from mip6check.properties.replay import ReplayOptions, ReplayReport, replay_file

PCAP_MAGICS = frozenset(
    {
        bytes.fromhex(m)
        for m in (
            "d4c3b2a1",  # pcap, microseconds (little-endian file)
            "a1b2c3d4",
            "4d3cb2a1",  # pcap, nanoseconds
            "a1b23c4d",
            "34cdb2a1",  # "modified" pcap
            "a1b2cd34",
            "0a0d0d0a",  # pcapng Section Header Block
        )
    }
)


@dataclass(frozen=True, slots=True)
class Inputs:
    """The captures to replay, in order, and how many files of the named folders were not captures."""

    files: tuple[str, ...]
    skipped: int


def looks_like_capture(path: Path) -> bool:
    """True when the file starts with a pcap or pcapng magic number."""
    try:
        with path.open("rb") as f:
            return f.read(4) in PCAP_MAGICS
    except OSError:
        return False


def expand_inputs(names: Iterable[str]) -> Inputs:
    """FILE arguments as given; each DIR replaced by the capture files under it (recursively, sorted by
    path). A named FILE is always replayed (an unreadable one is reported); a folder's other files are
    counted in `skipped`."""
    files: list[str] = []
    skipped = 0
    for name in names:
        p = Path(name)
        if not p.is_dir():
            files.append(name)
            continue
        found = sorted(
            (q for q in p.rglob("*") if q.is_file()), key=lambda q: q.relative_to(p).parts
        )
        for q in found:
            if looks_like_capture(q):
                files.append(os.path.join(name, *q.relative_to(p).parts))
            else:
                skipped += 1
    return Inputs(tuple(files), skipped)


@dataclass(frozen=True, slots=True)
class CaptureFailure:
    """A capture that could not be replayed: not a capture, or unreadable (cli-contract.md: exit 2)."""

    file: str
    offset: int
    reason: str

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "error": {"offset": self.offset, "reason": self.reason}}

    def line(self) -> str:
        return f"{self.file}: {self.reason} (at byte {self.offset})"


Outcome = ReplayReport | CaptureFailure


@dataclass(frozen=True, slots=True)
class ReplayJob:
    """One capture to replay with the run's options."""

    path: str
    options: ReplayOptions


def replay_job(job: ReplayJob) -> Outcome:
    """Replay one capture (runs in a worker)."""
    try:
        return replay_file(job.path, job.options)
    except CaptureError as e:
        return CaptureFailure(job.path, e.offset, e.reason)


@dataclass(slots=True)
class Tally:
    """Totals over the captures replayed so far (the summary line and the progress line)."""

    captures: int = 0
    packets: int = 0
    violations: int = 0
    violating: int = 0
    failed: int = 0

    def add(self, o: Outcome) -> None:
        self.captures += 1
        if isinstance(o, CaptureFailure):
            self.failed += 1
            return
        self.packets += o.packets
        self.violations += len(o.violations)
        self.violating += bool(o.violations)

    def summary(self, skipped: int) -> str:
        """The closing line of a many-capture text report."""
        parts = [
            f"{self.captures} capture{'s' if self.captures != 1 else ''}",
            f"{self.packets} packets",
            f"{self.violations} violation{'s' if self.violations != 1 else ''} "
            f"in {self.violating} capture{'s' if self.violating != 1 else ''}",
        ]
        if self.failed:
            parts.append(f"{self.failed} could not be read")
        if skipped:
            parts.append(
                f"{skipped} other file{'s' if skipped != 1 else ''} skipped (not captures)"
            )
        return "summary: " + ", ".join(parts)

    def exit_code(self) -> int:
        """cli-contract.md over all captures: 2 if one could not be read, 1 if one violates, else 0."""
        if self.failed:
            return 2
        return 1 if self.violations else 0
