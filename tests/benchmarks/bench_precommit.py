"""What a pre-commit run costs when the fleet pass reads the rest of the project (issue 9 bug 2).

    python tests/benchmarks/bench_precommit.py [--files 2000] [--repeat 5]

A project of N VM files placed on 20 hosts (hosts.yaml) and a .dmlint.yaml. Three runs of
`dmlint check`, in one process, interleaved:
  * one named file with the project as context (what pre-commit runs now);
  * the same one file without context (what it ran before: fast, but a false DM306);
  * the whole project (`dmlint check .`), the reference.
Printed: each against the whole-project run. Context reads hosts and placed VMs only; here
every VM is placed, so every file is parsed (the worst case).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from _harness import interleaved

import contextlib
import io


def generate(directory: Path, n: int) -> None:
    (directory / ".dmlint.yaml").write_text("fail-on: error\n")
    (directory / "hosts.yaml").write_text("hosts:\n" + "".join(f"  - name: hv-{h:02d}\n    memory: 1TB\n" for h in range(20)))
    vms = directory / "vms"
    vms.mkdir()
    for i in range(n):
        (vms / f"vm-{i:05d}.yaml").write_text(
            f"vm:\n  name: vm-{i:05d}\n  host: hv-{i % 20:02d}\n  guest_os: win2k22\n  memory:\n"
            f"    dynamic: true\n    startup: 4GB\n    minimum: 2GB\n    maximum: 16GB\n")


def check(*args: str) -> None:
    from dmlint.cli import cli

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            cli.main(["check", "--format", "json", *args], standalone_mode=False)
        except SystemExit:
            pass


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    import dmlint.project

    real = dmlint.project.context_candidates
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        generate(directory, args.files)
        os.chdir(directory)
        one = "vms/vm-00007.yaml"

        def without_context():
            dmlint.project.context_candidates = lambda *a, **k: ([], None)
            try:
                check(one)
            finally:
                dmlint.project.context_candidates = real

        check(".")  # warm-up: imports, rule loading, catalogue
        full, with_ctx = interleaved(lambda: check("."), lambda: check(one), args.repeat)
        _, alone = interleaved(lambda: None, without_context, args.repeat)
        print(f"pre-commit: {args.files} VM files  whole project {full*1000:.0f} ms  "
              f"one named file with project context {with_ctx*1000:.0f} ms ({with_ctx/full:.2f}x the whole project)  "
              f"one file without context {alone*1000:.0f} ms ({alone/full:.2f}x)")
        os.chdir("/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
