"""The hostile corpus against issue 12's bounds: each case <= 1 s and <= 256 MB RSS.

    python tests/benchmarks/bench_hostile.py [--repeat 3]

Each case (fixtures/hostile/ plus the large ones fixtures/hostile/generate.py writes) is checked
together with fixtures/hostile/good.yaml in a fresh process (tests/hostile_runner.py, imports
excluded from the time). The reference, measured in the same run, is good.yaml alone; the ratio
says how much the hostile file adds to a one-file check. The best of --repeat runs is shown.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HOSTILE = REPO / "fixtures" / "hostile"
RUNNER = REPO / "tests" / "hostile_runner.py"
GOOD = HOSTILE / "good.yaml"


def measure(args, cwd=REPO, repeat=3) -> dict:
    best = None
    for _ in range(repeat):
        out = subprocess.run([sys.executable, str(RUNNER), *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=600)
        res = json.loads(out.stdout)
        if best is None or res["wall"] < best["wall"]:
            best = res
    return best


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    sys.path.insert(0, str(HOSTILE))
    from generate import generate

    with tempfile.TemporaryDirectory() as tmp:
        cases = {p.name: ([p, GOOD], REPO) for p in sorted(HOSTILE.iterdir()) if p.is_file() and p.suffix in (".xml", ".yaml") and p != GOOD}
        cases.update({name: ([p, GOOD], REPO) for name, p in generate(tmp).items()})
        cases["config-alias-bomb/.dmlint.yaml"] = ([GOOD], HOSTILE / "config-alias-bomb")
        ref = measure([GOOD], repeat=args.repeat)
        print(f"reference: good.yaml alone  wall {ref['wall']*1000:.0f} ms  cpu {ref['cpu']*1000:.0f} ms  rss {ref['rss_mb']:.0f} MB")
        worst = 0.0
        for name, (argv, cwd) in cases.items():
            res = measure(argv, cwd=cwd, repeat=args.repeat)
            ok = res["wall"] <= 1.0 and res["rss_mb"] <= 256
            worst = max(worst, res["wall"])
            print(f"{name:45s} wall {res['wall']*1000:6.0f} ms  cpu {res['cpu']*1000:6.0f} ms  rss {res['rss_mb']:4.0f} MB  "
                  f"ratio {res['wall'] / ref['wall']:6.1f}x  exit {res['exit']}  {'ok' if ok else 'OVER (target 1 s, 256 MB)'}")
        print(f"worst case {worst*1000:.0f} ms (target <= 1000 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
