"""YAML throughput and start-up cost, each as a ratio against a reference run in the same run.

    python tests/benchmarks/bench_yaml.py [--files 2000] [--repeat 5]

1. `dmlint check DIR` over N generated VM files, in one process (discovery, parsing, schema
   validation, every rule, the report), against a bare PyYAML C-loader loop that reads and
   loads the same files. Target: <= 2x.
2. Start-up: a one-file `dmlint check` in a new process against
   `python -c "import yaml, click"`. Target: <= 4x.
3. Plugin containment: the same check with one trivial `--rules` plugin rule (called once per
   VM through dmlint.engine.contain: stdout redirect, SIGALRM budget, shape check) against
   the check without it. Printed as the extra milliseconds per 1,000 rule calls.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from _harness import dmlint_check_in_process, interleaved

GUESTS = ["win2k19", "win2k22", "win2k16", "ubuntu22.04", "rhel9.0", "debian12", "win11", "sles15sp4"]


def generate(directory: Path, n: int) -> list[Path]:
    rng = random.Random(42)
    paths = []
    for i in range(n):
        dynamic = rng.random() < 0.6
        startup = rng.choice([1024, 2048, 4096, 8192, 16384])
        lines = [
            "vm:",
            f"  name: vm-{i:05d}",
            f"  generation: {rng.choice([1, 2, 2, 2])}",
            f"  hyperv_version: \"{rng.choice(['2016', '2019', '2022', '2025'])}\"",
            f"  guest_os: {rng.choice(GUESTS)}",
            "  memory:",
            f"    dynamic: {'true' if dynamic else 'false'}",
            f"    startup: {startup}MB",
        ]
        if dynamic:
            lines += [f"    minimum: {startup // 2}MB", f"    maximum: {startup * 4 // 1024}GB", "    buffer: 20", "    weight: 50"]
        path = directory / f"vm-{i:05d}.yaml"
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    return paths


def bare_loop(paths) -> None:
    for p in paths:
        with open(p, "rb") as fh:
            yaml.load(fh.read(), Loader=yaml.CSafeLoader)


def startup(repeat: int, one_file: Path) -> tuple[float, float]:
    def run(cmd):
        ts = []
        for _ in range(repeat):
            t = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            ts.append(time.perf_counter() - t)
        return statistics.median(ts)

    ref = run([sys.executable, "-c", "import yaml, click"])
    ours = run([sys.executable, "-m", "dmlint", "check", str(one_file)])
    return ref, ours


PLUGIN = '''"""What it does
    A trivial plugin rule, to measure what containment costs per call.
"""
ID = "BENCH901"
NAME = "bench-plugin"
SEVERITY = "info"
SUMMARY = "benchmark plugin"
SOURCE = "https://example.invalid/bench"


def check(vm, ctx):
    if vm.startup == -1:
        yield "startup", "never"
'''


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        paths = generate(directory, args.files)
        dmlint_check_in_process(directory)  # warm-up: imports, rule loading, catalogue
        bare_loop(paths)
        ref, ours = interleaved(lambda: bare_loop(paths), lambda: dmlint_check_in_process(directory), args.repeat)
        print(f"YAML: {args.files} files  bare PyYAML C loop {ref*1000:.0f} ms  dmlint check {ours*1000:.0f} ms  "
              f"ratio {ours/ref:.2f}x (target <= 2x)")
        pack = Path(tmp).parent / f"{Path(tmp).name}-pack"
        pack.mkdir()
        (pack / "bench901.py").write_text(PLUGIN)
        try:
            dmlint_check_in_process(directory, "--rules", str(pack))
            bare, plugin = interleaved(lambda: dmlint_check_in_process(directory),
                                       lambda: dmlint_check_in_process(directory, "--rules", str(pack)), args.repeat)
        finally:
            (pack / "bench901.py").unlink()
            pack.rmdir()
        print(f"plugin containment: dmlint check {bare*1000:.0f} ms  with one plugin rule {plugin*1000:.0f} ms  "
              f"(+{(plugin - bare) * 1e6 / args.files:.1f} ms per 1,000 contained calls, ratio {plugin/bare:.2f}x)")
        ref_s, ours_s = startup(max(args.repeat, 7), paths[0])
        print(f"start-up: python -c 'import yaml, click' {ref_s*1000:.0f} ms  dmlint check (1 file) {ours_s*1000:.0f} ms  "
              f"ratio {ours_s/ref_s:.2f}x (target <= 4x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
