"""A progress line on stderr for long runs (files read / total), through click's progress bar.

Shown only on a terminal (stderr a TTY), never with CI set, with --quiet, or when a machine
format goes to stdout; and only when the run reads more than MANY_FILES files or has lasted
more than DELAY seconds, so short runs print nothing extra.
"""

from __future__ import annotations

import os
import sys
import time

MANY_FILES = 300  # "more than a few hundred files"
DELAY = 1.0  # seconds: a run that lasts longer gets the line even with fewer files


def wanted(*, quiet: bool, fmt: str, output, stream=None) -> bool:
    stream = stream or sys.stderr
    if quiet or os.environ.get("CI"):
        return False
    if output is None and fmt not in ("text", "full", "table"):
        return False  # a machine format on stdout: its reader wants no decoration near it
    return hasattr(stream, "isatty") and stream.isatty()


class Progress:
    """`update(n)` after each file; the bar appears once the run is long enough."""

    def __init__(self, total: int, enabled: bool, clock=time.monotonic):
        self.total, self.enabled, self.clock = total, enabled and total > 0, clock
        self.start = clock()
        self.done = 0
        self.bar = None

    def update(self, n: int = 1) -> None:
        if not self.enabled:
            return
        self.done += n
        if self.bar is None:
            if self.total <= MANY_FILES and self.clock() - self.start <= DELAY:
                return
            import click

            self.bar = click.progressbar(length=self.total, label="Reading", show_pos=True, show_percent=False, file=sys.stderr)
            self.bar.__enter__()
            self.bar.update(self.done)
            return
        self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
