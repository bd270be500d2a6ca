"""Run `dmlint check --format json` in a fresh process and report what it cost.

    python tests/hostile_runner.py [dmlint check arguments...]

prints one JSON object: exit code, findings (parsed JSON output), stderr text, CPU seconds
and wall seconds of the check itself (imports excluded), and peak RSS in MB. The hostile-input
tests and tests/benchmarks/bench_hostile.py use it, so a bomb is measured in a process of its
own and cannot take the test process down with it.
"""

from __future__ import annotations

import io
import json
import os
import resource
import sys
import time
from contextlib import redirect_stderr, redirect_stdout


def _peak_rss_mb() -> float:
    """This process's peak RSS: VmHWM belongs to the address space, so unlike ru_maxrss it does
    not carry over the parent's peak from before exec()."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KB


def main(argv: list[str]) -> int:
    import click

    from dmlint.cli import cli  # imported before the clock starts

    out, err = io.StringIO(), io.StringIO()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            cli.main(["check", "--format", "json", *argv], prog_name="dmlint", standalone_mode=False)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        except click.ClickException as exc:  # usage and configuration errors: exit 2 with a message
            code = exc.exit_code
            err.write(exc.format_message())
        except BaseException as exc:  # a traceback: reported, the test fails on it
            import traceback

            code = -1
            err.write("TRACEBACK\n" + traceback.format_exc())
        else:
            code = 0
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    try:
        findings = json.loads(out.getvalue())
    except ValueError:
        findings = None
    rss_mb = _peak_rss_mb()
    sys.__stdout__.write(json.dumps({"exit": code, "findings": findings, "stdout": out.getvalue()[:2000],
                                     "stderr": err.getvalue()[-4000:], "cpu": cpu, "wall": wall, "rss_mb": rss_mb}))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    sys.exit(main(sys.argv[1:]))
