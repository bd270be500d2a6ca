"""What the benchmarks share: dmlint check run in-process, and interleaved best-of timing."""

from __future__ import annotations

import contextlib
import io
import time
from pathlib import Path


def dmlint_check_in_process(directory: Path, *extra: str) -> None:
    """`dmlint check --format json DIR` in this process: discovery, readers, every rule, the report."""
    from dmlint.cli import cli

    with contextlib.redirect_stdout(io.StringIO()):
        try:
            cli.main(["check", "--format", "json", *extra, str(directory)], standalone_mode=False)
        except SystemExit:
            pass


def interleaved(reference, subject, repeat: int, clock=time.perf_counter) -> tuple[float, float]:
    """Best of `repeat` runs of each, alternating, so a noisy neighbour hits both alike."""
    ref, sub = [], []
    for _ in range(repeat):
        for fn, out in ((reference, ref), (subject, sub)):
            t = clock()
            fn()
            out.append(clock() - t)
    return min(ref), min(sub)
