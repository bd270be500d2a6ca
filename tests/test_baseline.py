"""Baselines (SPEC §4 --baseline / --write-baseline): line-free, per file, multiset."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from dmlint import baseline
from dmlint.cli import cli
from dmlint.model import Finding, Location, Severity

ONE = """\
vm:
  name: bl-sql
  memory:
    dynamic: true
    startup: 1GB
    minimum: 2GB
"""
MSG = "minimum 2GB (2048 MB) is above startup 1GB (1024 MB)"


def vm_entry(name: str, startup: str = "1GB", minimum: str = "2GB") -> str:
    return f"  - name: {name}\n    memory: {{dynamic: true, startup: {startup}, minimum: {minimum}}}\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def put(name: str, text: str) -> str:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return name

    return put


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def findings_json(*args):
    result = run("check", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def test_write_baseline_exits_zero_and_records_the_findings(project):
    project("vms/a.yaml", ONE)
    result = run("check", "--write-baseline", "dmlint-baseline.json", "vms")
    assert result.exit_code == 0, result.output
    assert "Wrote 1 finding to baseline dmlint-baseline.json" in result.output
    doc = json.loads(Path("dmlint-baseline.json").read_text(encoding="utf-8"))
    assert doc["format"] == "dmlint-baseline" and doc["version"] == 1
    assert doc["findings"] == [
        {"path": "vms/a.yaml", "rule": "DM102", "vm": "bl-sql", "host": "", "identity": "minimum", "message": MSG}
    ]
    assert "line" not in doc["findings"][0]


def test_baseline_hides_known_findings_and_says_how_many(project):
    project("vms/a.yaml", ONE)
    assert run("check", "vms").exit_code == 1
    run("check", "--write-baseline", "b.json", "vms")
    result = run("check", "--baseline", "b.json", "vms")
    assert result.exit_code == 0, result.output
    assert "DM102" not in result.stdout
    assert "1 baselined finding not shown (b.json)." in result.stdout
    code, found = findings_json("--baseline", "b.json", "vms")
    assert (code, found) == (0, [])  # machine formats stay pure: no note appended


def test_baseline_survives_moved_lines_and_reordered_vms(project):
    project("vms/a.yaml", "vms:\n" + vm_entry("bl-a") + vm_entry("bl-b"))
    run("check", "--write-baseline", "b.json", "vms")
    project("vms/a.yaml", "# new header\n# comment\n\nvms:\n" + vm_entry("bl-b") + "  # spacer\n" + vm_entry("bl-a"))
    code, found = findings_json("vms")
    assert [(f["vm"], f["line"]) for f in found] == [("bl-b", 6), ("bl-a", 9)]  # the lines did move
    result = run("check", "--baseline", "b.json", "vms")
    assert result.exit_code == 0, result.output
    assert "2 baselined findings not shown" in result.stdout


def test_new_findings_are_reported_beside_baselined_ones(project):
    project("vms/a.yaml", "vms:\n" + vm_entry("bl-a"))
    run("check", "--write-baseline", "b.json", "vms")
    project("vms/a.yaml", "vms:\n" + vm_entry("bl-a") + vm_entry("bl-new", minimum="3GB"))
    result = run("check", "--baseline", "b.json", "vms")
    assert result.exit_code == 1
    assert "minimum 3GB (3072 MB) is above startup 1GB (1024 MB) [bl-new]" in result.stdout
    assert "[bl-a]" not in result.stdout
    assert "1 baselined finding not shown (b.json)." in result.stdout
    code, found = findings_json("--baseline", "b.json", "vms")
    assert code == 1 and [f["vm"] for f in found] == ["bl-new"]


def test_the_same_finding_in_another_file_is_new(project):
    project("vms/a.yaml", ONE)
    run("check", "--write-baseline", "b.json", "vms")
    project("other/a.yaml", ONE)  # same VM name, same problem, another file
    code, found = findings_json("--baseline", "b.json", "vms", "other")
    assert code == 1
    assert [(f["path"], f["rule"]) for f in found if f["rule"] == "DM102"] == [("other/a.yaml", "DM102")]


def test_changed_values_are_a_new_finding_and_the_old_entry_is_stale(project):
    project("vms/a.yaml", ONE)
    run("check", "--write-baseline", "b.json", "vms")
    project("vms/a.yaml", ONE.replace("minimum: 2GB", "minimum: 4GB"))
    result = run("check", "--baseline", "b.json", "vms")
    assert result.exit_code == 1
    assert "minimum 4GB (4096 MB) is above startup 1GB (1024 MB)" in result.stdout
    assert "0 baselined findings not shown (b.json). 1 baseline entry no longer matches" in result.stdout
    assert "--write-baseline b.json" in result.stdout


def test_multiset_two_identical_findings_need_two_entries(project):
    # the same VM name twice in one file: two identical DM102 findings (and a DM002 duplicate)
    project("vms/a.yaml", "vms:\n" + vm_entry("bl-dup"))
    run("check", "--write-baseline", "b.json", "vms")
    project("vms/a.yaml", "vms:\n" + vm_entry("bl-dup") + vm_entry("bl-dup"))
    code, found = findings_json("--baseline", "b.json", "vms")
    assert code == 1
    assert sorted(f["rule"] for f in found) == ["DM002", "DM102"]  # one DM102 matched, one is new
    run("check", "--write-baseline", "b.json", "vms")
    assert len(json.loads(Path("b.json").read_text())["findings"]) == 3
    assert findings_json("--baseline", "b.json", "vms") == (0, [])
    # the DM002 message names the line of the first definition; moving it must not matter
    project("vms/a.yaml", "# one\n# two\nvms:\n" + vm_entry("bl-dup") + vm_entry("bl-dup"))
    code, found = findings_json("vms")
    assert any("first defined at vms/a.yaml:4" in f["message"] for f in found)
    assert findings_json("--baseline", "b.json", "vms") == (0, [])


def test_unnamed_vm_survives_moved_lines(project):
    project("vms/a.yaml", "vms:\n  - memory: {dynamic: true, startup: 1GB, minimum: 2GB}\n")
    code, found = findings_json("vms")
    assert {f["rule"] for f in found} == {"DM002", "DM102"}
    run("check", "--write-baseline", "b.json", "vms")
    project("vms/a.yaml", "# moved\n\nvms:\n  - memory: {dynamic: true, startup: 1GB, minimum: 2GB}\n")
    assert findings_json("--baseline", "b.json", "vms") == (0, [])


def test_fail_on_applies_to_new_findings_only(project):
    project("vms/a.yaml", ONE)
    run("check", "--write-baseline", "b.json", "vms")
    assert run("check", "--baseline", "b.json", "--fail-on", "info", "vms").exit_code == 0
    assert run("check", "--fail-on", "info", "vms").exit_code == 1


def test_write_baseline_does_not_need_the_old_one(project):
    project("vms/a.yaml", ONE)
    result = run("check", "--baseline", "missing.json", "--write-baseline", "missing.json", "vms")
    assert result.exit_code == 0, result.output
    assert Path("missing.json").is_file()


@pytest.mark.parametrize(
    "content, expected",
    [
        (None, "baseline b.json not found"),
        ("{not json", "not a dmlint baseline (invalid JSON"),
        ("[1, 2]", "not a dmlint baseline"),
        ('{"format": "dmlint-baseline", "version": 99, "findings": []}', "baseline version 99 is not supported"),
        ('{"format": "dmlint-baseline", "version": 1, "findings": {}}', '"findings" must be a list'),
        ('{"format": "dmlint-baseline", "version": 1, "findings": [{"path": "a", "rule": 5}]}', "findings[0].rule must be a string"),
        (b"\xff\xfe\x00garbage", "not UTF-8 text"),
    ],
)
def test_missing_or_garbled_baseline_is_a_usage_error(project, content, expected):
    project("vms/a.yaml", ONE)
    if isinstance(content, bytes):
        Path("b.json").write_bytes(content)
    elif content is not None:
        Path("b.json").write_text(content, encoding="utf-8")
    result = run("check", "--baseline", "b.json", "vms")
    assert result.exit_code == 2
    assert expected in result.output
    with pytest.raises(baseline.BaselineError, match=expected.replace("[", r"\[").replace("(", r"\(")):
        baseline.load("b.json")


def test_unwritable_baseline_is_a_usage_error(project):
    project("vms/a.yaml", ONE)
    Path("adir").mkdir()
    result = run("check", "--write-baseline", "adir/nested/none/b.json", "vms")
    assert result.exit_code == 2
    assert "cannot write baseline adir/nested/none/b.json" in result.output


# ---------------------------------------------------------------- the module API


def _f(rule="DM102", path="a.yaml", line=1, vm="v", message=MSG, key=None, field="minimum", host=None):
    return Finding(rule, Severity.ERROR, message, Location(path, line, 1, key=key), vm=vm, host=host, field=field)


def test_filter_is_a_multiset_and_keeps_order(tmp_path):
    known = [_f(line=3), _f(line=9)]
    baseline.write(known, tmp_path / "b.json")
    loaded = baseline.load(tmp_path / "b.json")
    assert len(loaded) == 2
    now = [_f(line=1), _f(rule="DM103", field="maximum", message="x"), _f(line=40), _f(line=50)]
    new, matched = baseline.filter(now, loaded)
    assert matched == 2
    assert [(f.rule, f.location.line) for f in new] == [("DM103", 1), ("DM102", 50)]
    assert len(loaded) == 2  # filtering does not consume the loaded baseline


def test_identity_prefers_vmcx_key_then_field_then_message():
    assert baseline.identity(_f(key="configuration/settings/memory/bank/size")) == "configuration/settings/memory/bank/size"
    assert baseline.identity(_f()) == "minimum"
    assert baseline.identity(_f(field=None, message="unknown key 'x'")) == "unknown key 'x'"
    a = baseline.key(_f(line=1, host="hv-1"))
    b = baseline.key(_f(line=999, host="hv-1"))
    assert a == b == ("a.yaml", "DM102", "v", "hv-1", "minimum", MSG)


def test_fingerprints_ignore_line_and_values_but_not_identity():
    fp = baseline.fingerprints
    assert fp([_f(line=1)]) == fp([_f(line=80, message="minimum 4GB (4096 MB) is above startup 1GB (1024 MB)")])
    assert fp([_f(vm="a")]) != fp([_f(vm="b")])
    assert fp([_f(path="a.yaml")]) != fp([_f(path="b.yaml")])
    assert fp([_f(field="minimum")]) != fp([_f(field="startup")])
    pair = fp([_f(), _f()])
    assert pair[0] != pair[1] and pair[0] == fp([_f()])[0]


def test_round_trip_over_every_shipped_fixture(tmp_path, monkeypatch):
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    target = tmp_path / "fixtures-baseline.json"
    code, found = findings_json("fixtures")
    assert code == 1 and len(found) >= 10
    assert run("check", "--write-baseline", target, "fixtures").exit_code == 0
    assert len(json.loads(target.read_text(encoding="utf-8"))["findings"]) == len(found)
    result = run("check", "--baseline", target, "fixtures")
    assert result.exit_code == 0, result.output
    assert f"{len(found)} baselined findings not shown" in result.stdout
