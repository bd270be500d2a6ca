"""Issue 9 part 4: the small habits ruff users expect -- in-process (click's runner) and
through the installed console script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_cli

TWO = "vm:\n  name: e\n  memory:\n    dynamic: true\n    startup: 4GB\n    minimum: 8GB   # why\n    maximum: 4019\n"
DM102_URL = "https://learn.microsoft.com/previous-versions/windows/it-pro/windows-server-2012-R2-and-2012/hh831766(v=ws.11)"


def _script() -> str:
    found = shutil.which("dmlint", path=str(Path(sys.executable).parent))
    if not found:
        pytest.skip("the dmlint console script is not installed next to this Python (pip install -e .)")
    return found


def _proc(*args, cwd, env_extra=None):
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "NO_COLOR")}
    env.update(env_extra or {})
    return subprocess.run([_script(), *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_exit_zero_keeps_the_findings_and_exits_0(write):
    path = write("e.yaml", TWO)
    result = run_cli("check", "--exit-zero", path)
    assert result.exit_code == 0 and "DM102" in result.stdout
    assert run_cli("check", "--exit-zero", "no-such-file.yaml").exit_code == 2  # usage errors still exit 2


def test_quiet_prints_the_findings_only(write):
    path = write("e.yaml", TWO)
    out = run_cli("check", "-q", path).stdout.splitlines()
    assert len(out) == 3 and all(line.startswith(path.as_posix()) for line in out)
    clean = write("c.yaml", "vm:\n  name: c\n  memory: {startup: 2GB}\n")
    assert run_cli("check", "--quiet", clean).stdout == ""
    assert run_cli("check", "-q", write("x.yaml", "a: 1\n")).stderr == ""  # no note either


def test_statistics_counts_per_rule(write):
    path = write("e.yaml", TWO)
    result = run_cli("check", "--statistics", path)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "1  DM102  minimum-above-startup  [error]",
        "1  DM103  startup-above-maximum  [error]",
        "1  DM105  not-2mb-aligned  [error]",
    ]


def test_text_output_names_each_rule_url_once(write):
    path = write("e.yaml", TWO + "---\nvm:\n  name: f\n  memory: {dynamic: true, startup: 1GB, minimum: 2GB}\n")
    out = run_cli("check", path).stdout
    assert out.count(DM102_URL) == 2  # DM102 and DM103 share their source; each rule listed once
    assert f"  DM102 minimum-above-startup: {DM102_URL}" in out
    assert "  DM105 not-2mb-aligned: https://github.com/kubernetes/minikube/issues/16592" in out


def test_full_format_shows_the_source_line_with_a_caret(write):
    path = write("e.yaml", TWO)
    out = run_cli("check", "--output-format", "full", path).stdout
    block = out.split("\n\n")[1].splitlines()
    assert block == [
        f"{path.as_posix()}:6:14: DM102 error minimum 8GB (8192 MB) is above startup 4GB (4096 MB) [e]",
        "  |",
        "6 |     minimum: 8GB   # why",
        "  |              ^^^ DM102",
        f"  = help: DM102 (minimum-above-startup): {DM102_URL}",
    ]
    assert out.rstrip().endswith("Found 3 findings (3 errors) in 1 file.")
    assert run_cli("check", "--format", "full", path).stdout == out  # the same option under both names


def test_full_format_escapes_control_characters_in_the_source_line(write):
    path = write("c.yaml", "vm:\n  name: c\n  memory:\n    dynamic: true\n    startup: 1GB\n    minimum: 2GB  # \u202egnp.exe\n")
    out = run_cli("check", "--format", "full", path).stdout
    assert "\u202e" not in out and "\\u202egnp.exe" in out


def test_github_format_is_automatic_under_github_actions(write, monkeypatch):
    path = write("e.yaml", TWO)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    out = run_cli("check", path).stdout
    assert out.startswith("::error file=") and "Found" not in out
    assert run_cli("check", "--format", "text", path).stdout.startswith(path.as_posix())  # --format wins


def test_fleet_and_show_take_the_check_options(write, tmp_path):
    path = write("f.yaml", "hosts:\n  - name: hv\n    memory: 64GB\nvm:\n  name: a\n  host: hv\n  memory: {startup: 4GB}\n")
    out = tmp_path / "fleet.txt"
    pack = tmp_path / "pack"
    pack.mkdir()
    for command in ("fleet", "show"):
        result = run_cli(command, "--no-color", "--output", out, "--hyperv-version", "2019", "--rules", pack, "--select", "DM0", path)
        assert result.exit_code == 0, result.output
        assert result.stdout == "" and "hv" in out.read_text()
    shown = run_cli("show", "--format", "json", "--hyperv-version", "2016", path).stdout
    assert '"hyperv_version": "2016"' in shown
    assert run_cli("fleet", "--hyperv-version", "1999", path).exit_code == 2


def test_every_option_of_every_command_has_help():
    import click

    from dmlint.cli import cli

    missing = []
    for name, command in cli.commands.items():
        for param in command.params:
            if isinstance(param, click.Option) and not param.help:
                missing.append(f"{name} {param.opts[0]}")
    assert missing == []


# ---- the same habits through the installed console script --------------------------------


def test_console_script_habits(tmp_path):
    (tmp_path / "e.yaml").write_text(TWO)
    proc = _proc("check", "--exit-zero", "-q", "e.yaml", cwd=tmp_path)
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 3 and proc.stderr == ""
    proc = _proc("check", "--statistics", "e.yaml", cwd=tmp_path)
    assert proc.returncode == 1 and proc.stdout.splitlines()[0] == "1  DM102  minimum-above-startup  [error]"
    proc = _proc("check", "e.yaml", cwd=tmp_path, env_extra={"GITHUB_ACTIONS": "true"})
    assert proc.returncode == 1 and proc.stdout.startswith("::error file=e.yaml,line=5")
    proc = _proc("check", "--output-format", "full", "e.yaml", cwd=tmp_path)
    assert "6 |     minimum: 8GB   # why\n  |              ^^^ DM102" in proc.stdout
    proc = _proc("fleet", "--no-color", "--hyperv-version", "2019", "--select", "DM3", "e.yaml", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
