"""The command line, in-process (click's runner) and as the installed console script."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path


from conftest import FIXTURES, check_json, run_cli

DM102 = "vm:\n  name: a\n  memory:\n    dynamic: true\n    startup: 1GB\n    minimum: 2GB\n    maximum: 4GB\n"
CLEAN = "vm:\n  name: b\n  memory:\n    startup: 2GB\n"


def test_check_text_output_and_exit_code(write):
    path = write("a.yaml", DM102)
    result = run_cli("check", path)
    assert result.exit_code == 1
    assert f"{path.as_posix()}:6:14: DM102 error minimum 2GB (2048 MB) is above startup 1GB (1024 MB) [a]" in result.output
    assert "Found 1 finding (1 error) in 1 file." in result.output


def test_clean_run_exits_zero(write):
    path = write("b.yaml", CLEAN)
    result = run_cli("check", path)
    assert result.exit_code == 0 and "All checks passed (1 file)." in result.output


def test_json_output_fields(write):
    path = write("a.yaml", DM102)
    code, findings = check_json(path)
    assert code == 1
    (f,) = findings
    assert {k: f[k] for k in ("rule", "name", "severity", "message", "line", "column", "vm")} == {
        "rule": "DM102", "name": "minimum-above-startup", "severity": "error",
        "message": "minimum 2GB (2048 MB) is above startup 1GB (1024 MB)", "line": 6, "column": 14, "vm": "a",
    }


def test_select_and_ignore_by_prefix_and_name(write):
    path = write("a.yaml", DM102)
    assert check_json(path, extra=("--ignore", "DM1"))[1] == []
    assert check_json(path, extra=("--ignore", "minimum-above-startup"))[1] == []
    assert [f["rule"] for f in check_json(path, extra=("--select", "DM10"))[1]] == ["DM102"]
    assert check_json(path, extra=("--select", "DM0"))[1] == []
    # the longest selector wins, as in ruff: ignore DM1 but select DM102
    assert [f["rule"] for f in check_json(path, extra=("--ignore", "DM1", "--select", "DM102"))[1]] == ["DM102"]


def test_unknown_selector_is_a_usage_error(write):
    result = run_cli("check", "--select", "XX9", write("b.yaml", CLEAN))
    assert result.exit_code == 2 and "matches no rule" in result.output


def test_missing_path_is_a_usage_error():
    result = run_cli("check", "/nonexistent/dir")
    assert result.exit_code == 2 and "no such file or directory" in result.output


def test_fail_on_warning(write, tmp_path):
    rules = tmp_path / "pack"
    rules.mkdir()
    (rules / "org901.py").write_text(
        '"""What it does\n    Warns on every VM.\n"""\nID = "ORG901"\nNAME = "always-warn"\nSEVERITY = "warning"\n'
        'SUMMARY = "warns"\nSOURCE = "https://example.org"\nSCOPE = "vm"\n\ndef check(vm, ctx):\n    yield "name", f"vm {vm.name} warned"\n'
    )
    path = write("b.yaml", CLEAN)
    assert run_cli("check", "--rules", rules, path).exit_code == 0
    result = run_cli("check", "--rules", rules, "--fail-on", "warning", path)
    assert result.exit_code == 1 and "ORG901 warning vm b warned [b]" in result.output


def test_bad_file_does_not_stop_the_others_or_change_exit_code(write, tmp_path):
    write("1-bad.yaml", "vm: {name: x, memory: {startup: 1GB\n")
    write("2-binary.yaml", bytes(range(256)) * 4)
    write("3-rule.yaml", DM102)
    code, findings = check_json(tmp_path)
    assert code == 1
    rules = [f["rule"] for f in findings]
    assert rules.count("DM001") == 2 and "DM102" in rules


def test_unreadable_file_is_dm001(write, tmp_path):
    path = write("locked.yaml", DM102)
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):  # root reads anything: use a directory named like a file instead
            path.chmod(0o644)
            path.unlink()
            (tmp_path / "dir.yaml").mkdir()
            (tmp_path / "dir.yaml" / "x.txt").write_text("x")
            code, findings = check_json(tmp_path)
            assert code == 0 and findings == []
        else:
            code, findings = check_json(path)
            assert findings[0]["rule"] == "DM001" and "cannot read file" in findings[0]["message"]
    finally:
        if path.exists():
            path.chmod(0o644)


def test_symlink_loop_is_harmless(tmp_path, write):
    write("a.yaml", CLEAN)
    (tmp_path / "loop").symlink_to(tmp_path, target_is_directory=True)
    code, findings = check_json(tmp_path)
    assert code == 0 and findings == []


def test_exclude_applies_to_explicit_files_too(write):
    path = write("gen/a.yaml", DM102)
    assert check_json(path, extra=("--exclude", "gen"))[1] == []


def test_output_sorted_by_path_line_column_rule(write, tmp_path):
    write("b.yaml", DM102)
    write("a.yaml", DM102.replace("name: a", "name: c").replace("  memory:", "  colour: blue\n  memory:"))
    _, findings = check_json(tmp_path)
    keys = [(f["path"], f["line"], f["column"], f["rule"]) for f in findings]
    assert keys == sorted(keys) and len(keys) >= 3


def test_duplicate_vm_names_across_files_are_dm002(write, tmp_path):
    write("a.yaml", CLEAN)
    write("b.yaml", CLEAN)
    _, findings = check_json(tmp_path)
    (f,) = findings
    assert f["rule"] == "DM002" and f["message"].startswith("duplicate VM name 'b' (first defined at ")


def test_stdin_with_filename(write):
    result = run_cli("check", "--format", "json", "--stdin-filename", "infra/sql.yaml", "-", input=DM102)
    findings = json.loads(result.output)
    assert result.exit_code == 1 and findings[0]["path"] == "infra/sql.yaml" and findings[0]["rule"] == "DM102"


def test_suppression_comments(write):
    same_line = DM102.replace("minimum: 2GB", "minimum: 2GB  # dmlint: disable=DM102 -- sized by the DBA team")
    assert check_json(write("s1.yaml", same_line))[1] == []
    line_above = DM102.replace("    minimum: 2GB", "    # dmlint: disable=DM1 -- reason\n    minimum: 2GB")
    assert check_json(write("s2.yaml", line_above))[1] == []
    whole = "# dmlint: disable-file=DM102\n" + DM102.replace("name: a", "name: w")
    assert check_json(write("s3.yaml", whole))[1] == []
    other_rule = DM102.replace("minimum: 2GB", "minimum: 2GB  # dmlint: disable=DM105").replace("name: a", "name: o")
    assert [f["rule"] for f in check_json(write("s4.yaml", other_rule))[1]] == ["DM102"]


def test_config_from_pyproject_and_dmlint_yaml(tmp_path, monkeypatch):
    (tmp_path / "vm.yaml").write_text(DM102)
    (tmp_path / "pyproject.toml").write_text('[tool.dmlint]\nignore = ["DM102"]\n')
    sub = tmp_path / "sub"
    sub.mkdir()
    monkeypatch.chdir(sub)  # the nearest config upward from the current directory applies
    assert run_cli("check", "--format", "json", tmp_path).output.strip() == "[]"
    (sub / ".dmlint.yaml").write_text("select: [DM1]\nfail-on: warning\n")
    findings = json.loads(run_cli("check", "--format", "json", tmp_path).output)
    assert [f["rule"] for f in findings] == ["DM102"]


def test_bad_config_is_exit_2(tmp_path, monkeypatch):
    (tmp_path / ".dmlint.yaml").write_text("selct: [DM1]\n")
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", ".")
    assert result.exit_code == 2 and "selct" in result.output


def test_per_file_ignores(tmp_path, monkeypatch):
    (tmp_path / "vm.yaml").write_text(DM102)
    (tmp_path / ".dmlint.yaml").write_text("per-file-ignores:\n  'vm.yaml': [DM102]\n")
    monkeypatch.chdir(tmp_path)
    assert run_cli("check", "--format", "json", ".").output.strip() == "[]"


def test_rules_explain_schema_show(write):
    listing = run_cli("rules").output
    assert "DM102  minimum-above-startup" in listing.replace("   ", "  ").replace("  ", "  ")
    rules_json = json.loads(run_cli("rules", "--format", "json").output)
    assert {"id": "DM102", "name": "minimum-above-startup"}.items() <= next(r for r in rules_json if r["id"] == "DM102").items()
    text = run_cli("explain", "DM102").output
    assert "What it does" in text and "\nSource\n    https://learn.microsoft.com/" in text
    assert run_cli("explain", "minimum-above-startup").output == text
    assert run_cli("explain", "DM999").exit_code == 2
    schema = json.loads(run_cli("schema").output)
    assert schema["title"].startswith("dmlint input")
    assert "per-file-ignores" in json.loads(run_cli("schema", "config").output)["properties"]
    shown = json.loads(run_cli("show", "--format", "json", write("a.yaml", DM102)).output)
    assert shown["vms"][0]["minimum"] == 2048 and shown["vms"][0]["startup"] == 1024
    assert "startup" in run_cli("show", write("c.yaml", CLEAN)).output


def test_no_color_without_tty_and_with_no_color(write):
    path = write("a.yaml", DM102)
    assert "\x1b[" not in run_cli("check", path).output
    assert "\x1b[" not in run_cli("check", path, env={"NO_COLOR": "1"}).output


def _console_script() -> str:
    found = shutil.which("dmlint", path=str(Path(sys.executable).parent))
    assert found, "the dmlint console script is not installed next to this Python"
    return found


def test_installed_console_script_from_another_directory(tmp_path):
    script = _console_script()
    target = tmp_path / "vm.yaml"
    target.write_text(DM102)
    proc = subprocess.run([script, "check", "--format", "json", str(target)], cwd="/", capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)[0]["message"] == "minimum 2GB (2048 MB) is above startup 1GB (1024 MB)"
    proc = subprocess.run([sys.executable, "-m", "dmlint", "rules"], cwd="/", capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "DM102" in proc.stdout


def test_console_script_colour_only_on_a_tty(tmp_path):
    import pty

    script = _console_script()
    target = tmp_path / "vm.yaml"
    target.write_text(DM102)
    out = subprocess.run([script, "check", str(target)], capture_output=True, text=True, timeout=60).stdout
    assert "\x1b[" not in out
    pid, fd = pty.fork()
    if pid == 0:  # child: stdout is a terminal
        os.execv(script, [script, "check", str(target)])
    chunks = b""
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        chunks += data
    os.waitpid(pid, 0)
    assert b"\x1b[" in chunks and b"DM102" in chunks


def test_bundled_fixtures_run(tmp_path):
    code, findings = check_json(FIXTURES)
    assert code == 1 and findings, "the bundled fixtures show findings"
    assert all(f["path"].startswith(str(FIXTURES.relative_to(Path.cwd())) if FIXTURES.is_relative_to(Path.cwd()) else "/") for f in findings)


def test_jobs_gives_the_same_findings_as_one_process(tmp_path):
    for i in range(80):
        text = DM102.replace("name: a", f"name: vm{i}") if i % 3 == 0 else CLEAN.replace("name: b", f"name: vm{i}")
        (tmp_path / f"vm{i:03d}.yaml").write_text(text)
    (tmp_path / "broken.yaml").write_text("vm: {name: x, memory: {startup: 1GB\n")
    serial = check_json(tmp_path)
    parallel = check_json(tmp_path, extra=("--jobs", "2"))
    assert serial == parallel and len(serial[1]) == 28


def test_oversized_file_is_dm001_without_reading_it(write, tmp_path):
    from dmlint.readers import MAX_FILE_BYTES

    big = tmp_path / "huge.yaml"
    with open(big, "wb") as fh:  # sparse: no disk or memory spent
        fh.truncate(MAX_FILE_BYTES + 1)
    _, findings = check_json(big)
    assert [(f["rule"], f["message"]) for f in findings] == [("DM001", f"file is larger than 64 MB ({MAX_FILE_BYTES + 1} bytes): not a plausible configuration file")]
