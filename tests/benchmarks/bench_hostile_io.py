"""Issue 12's I/O cases, each as one `dmlint` process: wall time, CPU time and peak RSS
against a one-file `dmlint check` of a benign file measured in the same run.

    python tests/benchmarks/bench_hostile_io.py [--repeat 3]

Target per case: <= 1 s and <= 256 MB RSS (issue 12). tests/test_hostile_io.py asserts the
RSS bound and a hang guard on every case; the strict time bound lives here, where a loaded CI
machine cannot make the default test run flaky. The plugin-loop case runs with
`rule-timeout: 0.2`, so it takes 0.2 s more than the reference by design.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S, TARGET_MB = 1.0, 256
GOOD = {"vm": {"name": "good", "memory": {"dynamic": True, "startup": 1024, "minimum": 2048, "maximum": 4096}}}
HOSTILE = "x\n::error file=x::pwned \x1b[31m ##[error]legacy \u2028 \x9b \u202e"
LOOP_RULE = '''"""What it does
    Loops forever.
"""
ID = "ORG950"
NAME = "loops"
SEVERITY = "warning"
SUMMARY = "loops"
SOURCE = "https://example.invalid/rules"


def check(vm, ctx):
    print("noise")
    while True:
        pass
    yield None, "never"
'''


def measure(args, cwd, prefix=()) -> tuple[float, float, float, int]:
    """(wall s, CPU s, peak RSS MB, exit code) of `python -m dmlint ARGS`, from wait4."""
    start = time.perf_counter()
    proc = subprocess.Popen([*prefix, sys.executable, "-m", "dmlint", *args], cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except KeyboardInterrupt:
        proc.kill()
        raise
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


def build(root: Path) -> list[tuple[str, list, dict]]:
    """(name, argv, options) per case, files created under root."""
    def vm_file(path: Path, doc=GOOD) -> Path:
        path.write_text(json.dumps(doc), encoding="utf-8")
        return path

    good = vm_file(root / "good.yaml")
    cases = [("reference: one benign file", ["check", str(good)], {})]
    walk = root / "walk"
    walk.mkdir()
    vm_file(walk / "good.yaml")
    os.mkfifo(walk / "fifo.yaml")
    (walk / "stdin.yaml").symlink_to("/dev/stdin")
    (walk / "zero.yaml").symlink_to("/dev/zero")
    cases.append(("FIFO, /dev/stdin and /dev/zero links in a walk", ["check", "--format", "json", str(walk)], {}))
    cases.append(("FIFO named on the command line", ["check", str(walk / "fifo.yaml"), str(good)], {}))
    fifo = root / "baseline.json"
    os.mkfifo(fifo)
    cases.append(("--baseline FIFO", ["check", "--baseline", str(fifo), str(good)], {}))
    cases.append(("--baseline /dev/zero", ["check", "--baseline", "/dev/zero", str(good)], {}))
    cases.append(("--config /dev/zero", ["check", "--config", "/dev/zero", str(good)], {}))
    big = root / "big.json"
    with open(big, "wb") as fh:
        fh.truncate(64 * 1024 * 1024 + 1)
    cases.append(("--baseline of 64 MB + 1 (sparse)", ["check", "--baseline", str(big), str(good)], {}))
    names = root / "names"
    names.mkdir()
    vm_file(names / os.fsdecode(b"caf\xe9-\xff.yaml"))
    vm_file(names / "::error file=x::pwned.yaml", {"vm": dict(GOOD["vm"], name=HOSTILE)})
    for fmt in ("text", "sarif", "gitlab", "junit", "github"):
        cases.append((f"non-UTF-8 and hostile names, --format {fmt}", ["check", "--format", fmt, "."], {"cwd": names}))
    cases.append(("non-UTF-8 names, --write-baseline", ["check", "--write-baseline", str(root / "bl.json"), "."], {"cwd": names}))
    toml = root / "toml"
    toml.mkdir()
    (toml / "pyproject.toml").write_bytes(b"a = " + b"[" * 100_000)
    cases.append(("pyproject.toml with 100k nested [", ["check", str(good)], {"cwd": toml}))
    locked = root / "locked"
    locked.mkdir()
    vm_file(locked / "vm.yaml")
    locked.chmod(0)
    prefix = []
    if os.geteuid() == 0 and shutil.which("setpriv"):
        prefix = [shutil.which("setpriv"), "--bounding-set=-dac_override,-dac_read_search", "--"]
    if os.geteuid() != 0 or prefix:
        cases.append(("unreadable directory in a walk", ["check", str(root / "locked"), str(good)], {"prefix": prefix}))
    pack = root / "pack"
    pack.mkdir()
    (pack / "org950.py").write_text(LOOP_RULE)
    loop = root / "loop"
    loop.mkdir()
    (loop / ".dmlint.yaml").write_text("rule-timeout: 0.2\n")
    cases.append(("plugin rule that prints and loops (rule-timeout 0.2)", ["check", "--format", "json", "--rules", str(pack), str(good)], {"cwd": loop}))
    return cases


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="dmlint-hostile-"))
    try:
        cases = build(root)
        results = []
        for name, argv, opts in cases:
            runs = [measure(argv, opts.get("cwd", root), opts.get("prefix", ())) for _ in range(args.repeat)]
            results.append((name, min(r[0] for r in runs), min(r[1] for r in runs), max(r[2] for r in runs), runs[0][3]))
        ref_wall = results[0][1]
        print(f"{'case':<56} {'exit':>4} {'wall ms':>8} {'CPU ms':>7} {'RSS MB':>7} {'vs ref':>7}")
        over = 0
        for name, wall, cpu, rss, code in results:
            flag = "" if wall <= TARGET_S and rss <= TARGET_MB else "  OVER"
            over += bool(flag)
            print(f"{name:<56} {code:>4} {wall*1000:>8.0f} {cpu*1000:>7.0f} {rss:>7.1f} {wall/ref_wall:>6.2f}x{flag}")
        print(f"target per case: <= {TARGET_S:g} s wall and <= {TARGET_MB} MB RSS; {over} case(s) over")
    finally:
        locked = root / "locked"
        if locked.exists():
            locked.chmod(0o755)
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
