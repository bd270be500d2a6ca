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
        ("a", 7, "minimum raised from 1024 MB to 2048 MB: a running VM's minimum can only be lowered"),
        ("a", 8, "maximum lowered from 16384 MB to 8192 MB: a running VM's maximum can only be raised"),
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
