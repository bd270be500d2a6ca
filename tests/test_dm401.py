"""DM401 with --base: changes a running VM cannot take, found against a git revision."""

from __future__ import annotations

import json
import subprocess

import pytest

from conftest import run_cli

OLD = "vm:\n  name: {name}\n  state: {state}\n  memory:\n    dynamic: {dyn}\n    startup: 4GB\n    minimum: 1GB\n    maximum: 16GB\n"


def _git(repo, *args):
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "config", "user.email", "t@example.org")
    _git(tmp_path, "config", "user.name", "t")
    (tmp_path / "vms").mkdir()
    (tmp_path / "vms" / "a.yaml").write_text(OLD.format(name="a", state="running", dyn="true"))
    (tmp_path / "vms" / "b.yaml").write_text(OLD.format(name="b", state="off", dyn="true"))
    (tmp_path / "vms" / "c.yaml").write_text(OLD.format(name="c", state="running", dyn="true"))
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-q", "-m", "base")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _dm401(*args):
    result = run_cli("check", "--format", "json", "--select", "DM401", *args)
    assert result.exit_code in (0, 1), result.output
    return [(f["vm"], f["line"], f["message"]) for f in json.loads(result.output)]


def test_running_vm_changes_are_reported_against_the_base(repo):
    a = repo / "vms" / "a.yaml"
    a.write_text(a.read_text().replace("minimum: 1GB", "minimum: 2GB").replace("maximum: 16GB", "maximum: 8GB"))
    b = repo / "vms" / "b.yaml"  # off: any change is fine
    b.write_text(b.read_text().replace("minimum: 1GB", "minimum: 2GB"))
    c = repo / "vms" / "c.yaml"
    c.write_text(c.read_text().replace("dynamic: true", "dynamic: false"))
    (repo / "vms" / "new.yaml").write_text(OLD.format(name="new", state="running", dyn="true"))
    assert _dm401("--base", "HEAD", "vms") == [
        ("a", 7, "minimum raised from 1GB (1024 MB) to 2GB (2048 MB): a running VM's minimum can only be lowered"),
        ("a", 8, "maximum lowered from 16GB (16384 MB) to 8GB (8192 MB): a running VM's maximum can only be raised"),
        ("c", 5, "dynamic memory switched off: Hyper-V cannot switch it while the VM runs"),
    ]


def test_changes_a_running_vm_can_take_are_not_reported(repo):
    a = repo / "vms" / "a.yaml"
    a.write_text(a.read_text().replace("minimum: 1GB", "minimum: 512MB").replace("maximum: 16GB", "maximum: 32GB"))
    assert _dm401("--base", "HEAD", "vms") == []
    assert _dm401("vms") == []  # without --base the rule has nothing to compare


def test_unknown_revision_is_a_usage_error(repo):
    result = run_cli("check", "--base", "no-such-ref", "vms")
    assert result.exit_code == 2 and "is not a revision" in result.output


# ---- issue 9 bug 6: VMs are matched by name across the tree, not by path ------------------


def test_a_renamed_or_moved_file_keeps_its_dm401_findings(repo):
    a = repo / "vms" / "a.yaml"
    text = a.read_text().replace("minimum: 1GB", "minimum: 2GB")
    a.unlink()
    (repo / "vms" / "sql-a.yaml").write_text(text)  # renamed
    c = repo / "vms" / "c.yaml"
    text = c.read_text().replace("dynamic: true", "dynamic: false")
    c.unlink()
    (repo / "infra" / "prod").mkdir(parents=True)
    (repo / "infra" / "prod" / "c.yaml").write_text(text)  # moved to another directory
    assert _dm401("--base", "HEAD", "vms", "infra") == [
        ("c", 5, "dynamic memory switched off: Hyper-V cannot switch it while the VM runs"),
        ("a", 7, "minimum raised from 1GB (1024 MB) to 2GB (2048 MB): a running VM's minimum can only be lowered"),
    ]
    # named alone, as pre-commit does after `git mv`
    assert [f[0] for f in _dm401("--base", "HEAD", "vms/sql-a.yaml")] == ["a"]


def test_a_vm_moved_into_a_file_with_others_is_found_by_name(repo):
    a, b = repo / "vms" / "a.yaml", repo / "vms" / "b.yaml"
    entries = [p.read_text().replace("vm:\n  ", "  - ").replace("\n  ", "\n    ").rstrip() for p in (a, b)]
    a.unlink()
    b.unlink()
    both = "vms:\n" + "\n".join(entries).replace("minimum: 1GB", "minimum: 3GB") + "\n"
    (repo / "vms" / "all.yaml").write_text(both)
    found = _dm401("--base", "HEAD", "vms")
    assert [vm for vm, _, _ in found] == ["a"], found  # b is off: fine
    assert "minimum raised from 1GB (1024 MB) to 3GB (3072 MB)" in found[0][2]


def test_the_rest_of_the_tree_is_fetched_once_and_parsed_only_where_the_name_is(repo, monkeypatch):
    import dmlint.gitbase as gitbase

    for i in range(30):
        (repo / "vms" / f"other-{i}.yaml").write_text(OLD.format(name=f"other-{i}", state="running", dyn="true"))
    (repo / "vms" / "sql.yaml").write_text(OLD.format(name="sql-prod-7", state="running", dyn="true"))
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "more")
    moved = repo / "vms" / "db" / "sql.yaml"
    moved.parent.mkdir()
    moved.write_text((repo / "vms" / "sql.yaml").read_text().replace("minimum: 1GB", "minimum: 2GB"))
    (repo / "vms" / "sql.yaml").unlink()
    calls, parsed = [], []
    real_git, real_read = gitbase._git, gitbase.read_bytes
    monkeypatch.setattr(gitbase, "_git", lambda args, *a, **k: calls.append(args[0]) or real_git(args, *a, **k))
    monkeypatch.setattr(gitbase, "read_bytes", lambda data, display, fmt: parsed.append(display) or real_read(data, display, fmt))
    assert [vm for vm, _, _ in _dm401("--base", "HEAD", "vms/db/sql.yaml")] == ["sql-prod-7"]
    assert calls.count("ls-tree") == 1 and calls.count("cat-file") == 2
    assert parsed == ["vms/sql.yaml (at HEAD)"]  # the 33 other files at HEAD are never parsed
