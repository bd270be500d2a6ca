"""Mutation testing with cosmic-ray (outside the default test run: it is slow).

    pip install cosmic-ray
    python tests/mutation/run.py                 # every target below
    python tests/mutation/run.py units suppress  # some of them

Each target mutates one module, one change at a time, and runs the tests that cover it; a mutant
that no test kills "survives". The work happens in a temporary copy of the repository (cosmic-ray
edits the files it mutates), so the working tree is never touched. The score per target is
printed at the end and written to tests/mutation/last-scores.txt.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# target: (module to mutate, the tests that should kill its mutants)
TARGETS = {
    "units": ("dmlint/units.py", ["tests/test_units.py", "tests/test_units_exact.py", "tests/test_regressions_mutants.py"]),
    "suppress": ("dmlint/suppress.py", ["tests/test_regressions_mutants.py", "tests/test_yaml_reader.py", "tests/test_xml_reader.py", "tests/test_exports.py"]),
    "engine": ("dmlint/engine.py", ["tests/test_engine.py", "tests/test_regressions_mutants.py", "tests/test_cli.py"]),
    "baseline": ("dmlint/baseline.py", ["tests/test_baseline.py"]),
    "hyperv_config": ("dmlint/readers/hyperv_config.py", ["tests/test_exports.py", "tests/test_xml_reader.py", "tests/test_vmcx_reader.py"]),
    "fleet": ("dmlint/fleet", ["tests/test_fleet_rules.py", "tests/test_fleet_properties.py", "tests/test_fleet_worked_examples.py", "tests/test_regressions_mutants.py", "tests/test_fixtures.py"]),
    "rules": ("rules", ["tests/test_fixtures.py", "tests/test_rules_limits.py", "tests/test_rules_guest.py", "tests/test_fleet_rules.py", "tests/test_regressions_mutants.py"]),
}

CONFIG = """[cosmic-ray]
module-path = "{module}"
timeout = {timeout}
excluded-modules = []
test-command = "{python} -m pytest -x -q -p no:cacheprovider -p no:randomly {tests}"

[cosmic-ray.distributor]
name = "local"
"""


def score(db: Path) -> tuple[int, int, list[str]]:
    """(killed, total, survivors) from a cosmic-ray session database."""
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT m.module_path, m.operator_name, m.start_pos_row, r.test_outcome FROM mutation_specs m "
        "JOIN work_results r ON r.job_id = m.job_id"
    ).fetchall()
    con.close()
    survivors = [f"{path}:{row} {op}" for path, op, row, outcome in rows if str(outcome).lower().endswith("survived")]
    return len(rows) - len(survivors), len(rows), survivors


def run(name: str, work: Path) -> tuple[int, int, list[str]]:
    module, tests = TARGETS[name]
    cfg = work / f"{name}.toml"
    db = work / f"{name}.sqlite"
    cfg.write_text(CONFIG.format(module=module, timeout=60.0, python=sys.executable, tests=" ".join(tests)), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(work), PYTHONDONTWRITEBYTECODE="1")
    subprocess.run(["cosmic-ray", "init", str(cfg), str(db)], cwd=work, env=env, check=True)
    subprocess.run(["cosmic-ray", "baseline", str(cfg)], cwd=work, env=env, check=True)
    subprocess.run(["cosmic-ray", "exec", str(cfg), str(db)], cwd=work, env=env, check=True)
    return score(db)


def main(names: list[str]) -> int:
    names = names or list(TARGETS)
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        print(f"unknown target(s): {', '.join(unknown)}; choose from {', '.join(TARGETS)}", file=sys.stderr)
        return 2
    lines = []
    with tempfile.TemporaryDirectory(prefix="dmlint-mutation-") as tmp:
        work = Path(tmp) / "repo"
        shutil.copytree(REPO, work, ignore=shutil.ignore_patterns(".git", "__pycache__", ".dmlint_cache", "*.egg-info"))
        for name in names:
            killed, total, survivors = run(name, work)
            pct = 100.0 * killed / total if total else 100.0
            lines.append(f"{name}: {killed}/{total} killed ({pct:.1f} %)")
            lines.extend(f"    survived: {s}" for s in survivors)
            print("\n".join(lines[-1 - len(survivors):]), flush=True)
    report = "\n".join(lines) + "\n"
    (Path(__file__).parent / "last-scores.txt").write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
