"""Issue 9 bug 2: pre-commit names only the changed files; the fleet pass must still see the
whole project's hosts and placements, and report only findings on the named files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import check_json, run_cli

HOSTS = "hosts:\n  - name: hv-01\n    memory: 64GB\n"
WEB = "vm:\n  name: web-01\n  host: hv-01\n  memory: {startup: 4GB}\n"
BAD_OTHER = "vm:\n  name: other\n  host: hv-01\n  memory: {dynamic: true, startup: 1GB, minimum: 2GB}\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / ".dmlint.yaml").write_text("fail-on: error\n")
    (tmp_path / "hosts.yaml").write_text(HOSTS)
    (tmp_path / "vms").mkdir()
    (tmp_path / "vms" / "web-01.yaml").write_text(WEB)
    (tmp_path / "vms" / "other.yaml").write_text(BAD_OTHER)
    monkeypatch.chdir(tmp_path / "vms")
    return tmp_path


def test_named_vm_file_sees_hosts_defined_elsewhere(project):
    assert check_json("web-01.yaml") == (0, [])


def test_only_findings_on_the_named_files_are_reported(project):
    # other.yaml has a DM102 of its own; it is context here, not reported
    (project / "vms" / "web-01.yaml").write_text(WEB.replace("hv-01", "hv-09"))
    code, findings = check_json("web-01.yaml")
    assert code == 1
    assert [(f["rule"], f["path"]) for f in findings] == [("DM306", "web-01.yaml")]
    assert "did you mean 'hv-01'?" in findings[0]["message"]


def test_fleet_verdicts_use_the_other_files_vms(project):
    # 60GB on a 64GB host: next to other.yaml's VM it cannot start; found with web-01 alone named
    (project / "vms" / "web-01.yaml").write_text(WEB.replace("4GB", "60GB"))
    _, findings = check_json("web-01.yaml")
    assert {f["rule"] for f in findings} <= {"DM301", "DM302", "DM303", "DM306"} and findings
    assert all(f["path"] == "web-01.yaml" for f in findings)


def test_project_root_is_the_git_top_level_without_a_config(tmp_path, monkeypatch):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "infra" / "hosts").mkdir(parents=True)
    (tmp_path / "infra" / "hosts" / "hosts.yaml").write_text(HOSTS)
    (tmp_path / "vms").mkdir()
    (tmp_path / "vms" / "web-01.yaml").write_text(WEB)
    monkeypatch.chdir(tmp_path / "vms")
    assert check_json("web-01.yaml") == (0, [])


def test_excludes_apply_to_the_context(project):
    (project / ".dmlint.yaml").write_text("exclude: [hosts.yaml]\n")
    _, findings = check_json("web-01.yaml")
    assert [f["rule"] for f in findings] == ["DM306"]


def test_a_directory_run_is_unchanged(project):
    code, findings = check_json(".")
    assert code == 1 and {(f["rule"], f["path"]) for f in findings} == {
        ("DM306", "other.yaml"), ("DM306", "web-01.yaml"), ("DM102", "other.yaml")}


def test_only_context_files_that_bear_on_the_named_ones_are_parsed(project, monkeypatch):
    """Bounded work: unrelated YAML and VMs on unrelated hosts are never parsed."""
    import dmlint.project

    (project / "hosts.yaml").write_text(HOSTS + "  - name: hv-02\n    memory: 64GB\n    cluster: c1\n"
                                        "  - name: hv-03\n    memory: 64GB\n    cluster: c1\n  - name: hv-04\n    memory: 64GB\n")
    for i in range(50):
        (project / f"unrelated-{i}.yaml").write_text(f"replicas: {i}\nimage: nginx\n")
        (project / "vms" / f"far-{i}.yaml").write_text(WEB.replace("web-01", f"far-{i}").replace("hv-01", "hv-04"))
    (project / "vms" / "mate.yaml").write_text(WEB.replace("web-01", "mate").replace("hv-01", "hv-03"))
    parsed = []
    real = dmlint.project.read_bytes
    monkeypatch.setattr(dmlint.project, "read_bytes", lambda data, display, fmt: parsed.append(display) or real(data, display, fmt))
    assert check_json("web-01.yaml") == (0, [])
    assert sorted(os.path.basename(p) for p in parsed) == ["hosts.yaml", "other.yaml"]
    # a VM on hv-02 brings in its cluster mate hv-03 (N+1), not the unrelated hv-04
    parsed.clear()
    (project / "vms" / "web-01.yaml").write_text(WEB.replace("hv-01", "hv-02"))
    assert check_json("web-01.yaml") == (0, [])
    assert sorted(os.path.basename(p) for p in parsed) == ["hosts.yaml", "mate.yaml"]


def test_a_duplicate_name_in_another_file_is_still_found(project):
    (project / "vms" / "copy.yaml").write_text(WEB.replace("hv-01", "hv-77"))
    _, findings = check_json("web-01.yaml")
    assert [(f["rule"], f["path"]) for f in findings] == [("DM002", "web-01.yaml")]
    assert "duplicate VM name 'web-01' (first defined at copy.yaml:2)" in findings[0]["message"]


def test_stdin_with_a_filename_in_the_project_sees_the_hosts(project):
    result = run_cli("check", "--format", "json", "--stdin-filename", "web-01.yaml", "-", input=WEB)
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_pre_commit_hook_command_as_a_process(project):
    """What pre-commit runs: the console script with the changed files only."""
    exe = shutil.which("dmlint")
    if exe is None:
        pytest.skip("the dmlint console script is not installed (pip install -e .)")
    proc = subprocess.run([exe, "check", "web-01.yaml"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "All checks passed (1 file)." in proc.stdout


def test_no_project_walk_from_the_filesystem_root(tmp_path, monkeypatch):
    from dmlint.project import project_root

    monkeypatch.setenv("HOME", str(tmp_path))
    assert project_root(None, cwd=Path("/")) is None
    assert project_root(None, cwd=tmp_path) is None  # the home directory, outside git


def test_a_huge_tree_is_not_read_and_the_user_is_told(project, monkeypatch):
    import dmlint.project

    monkeypatch.setattr(dmlint.project, "MAX_ENTRIES", 3)
    result = run_cli("check", "--format", "json", "web-01.yaml")
    assert "holds more than 3 files and directories: the fleet pass sees only the named files" in result.stderr
    assert [f["rule"] for f in json.loads(result.stdout)] == ["DM306"]
    assert "note:" not in run_cli("check", "-q", "web-01.yaml").stderr


def test_a_fifo_in_the_project_does_not_hang_the_check(project):
    """Attack: a named pipe called *.yaml beside the named file; open() would wait for a writer."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    os.mkfifo(project / "vms" / "pipe.yaml")
    os.mkfifo(project / "hosts-pipe.yaml")
    assert check_json("web-01.yaml") == (0, [])
