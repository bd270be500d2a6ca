"""Run `python -m dmlint ARGS` and write this process's peak RSS (VmHWM, MB) to a file at exit.

    python tests/rss_wrapper.py RSS_FILE ARGS...

wait4's ru_maxrss of a child is not its own peak: a fork of a large parent (a long pytest run)
starts with the parent's resident pages counted, and exec keeps that high-water mark. VmHWM
belongs to the address space that exec creates, so it measures dmlint alone.
"""

import runpy
import sys


def _peak_rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


if __name__ == "__main__":
    out = sys.argv[1]
    sys.argv = ["dmlint", *sys.argv[2:]]
    try:
        runpy.run_module("dmlint", run_name="__main__", alter_sys=True)
    finally:
        try:
            with open(out, "w", encoding="ascii") as fh:
                fh.write(f"{_peak_rss_mb():.1f}\n")
        except OSError:
            pass
