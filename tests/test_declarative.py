"""Declarative YAML rules: a condition and a requirement as JSON Schema over the VM record."""

from __future__ import annotations

import pytest

from conftest import check_json, run_cli
from dmlint.engine import RuleLoadError, load_directory

POLICY = """\
id: ORG902
name: production-buffer
severity: warning
summary: production VMs keep a 20 % buffer
source: https://wiki.example.org/hyper-v-standards
description: |
  What it does
      Production VMs with Dynamic Memory keep a buffer of at least 20 %.
when:
  properties:
    name: {pattern: "^prd-"}
    dynamic: {const: true}
  required: [name, dynamic]
require:
  properties:
    buffer: {minimum: 20}
field: buffer
message: "buffer {buffer} % of {name} is below the production floor of 20 %"
"""

VMS = """\
vms:
  - name: prd-sql
    memory: {dynamic: true, startup: 4GB, minimum: 2GB, maximum: 8GB, buffer: 10}
  - name: prd-web
    memory: {dynamic: true, startup: 4GB, minimum: 2GB, maximum: 8GB, buffer: 25}
  - name: dev-sql
    memory: {dynamic: true, startup: 4GB, minimum: 2GB, maximum: 8GB, buffer: 10}
"""


def test_policy_fires_only_where_condition_holds_and_requirement_fails(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "org902.yaml").write_text(POLICY)
    vms = tmp_path / "vms.yaml"
    vms.write_text(VMS)
    _, findings = check_json(vms, extra=("--rules", pack, "--select", "ORG"))
    assert [(f["rule"], f["vm"], f["line"], f["message"], f["severity"]) for f in findings] == [
        ("ORG902", "prd-sql", 3, "buffer 10 % of prd-sql is below the production floor of 20 %", "warning")
    ]
    assert "Production VMs with Dynamic Memory" in run_cli("explain", "ORG902", "--rules", pack).output


def test_invalid_policies_are_load_errors(tmp_path):
    pack = tmp_path / "bad"
    pack.mkdir()
    (pack / "a.yaml").write_text(POLICY.replace("severity: warning", "severity: fatal"))
    with pytest.raises(RuleLoadError, match="severity"):
        load_directory(pack)
    (pack / "a.yaml").write_text(POLICY.replace("buffer: {minimum: 20}", "buffer: {minimum: twenty}"))
    with pytest.raises(RuleLoadError, match="not a valid JSON Schema"):
        load_directory(pack)
    (pack / "a.yaml").write_text("id: [unclosed\n")
    with pytest.raises(RuleLoadError, match="cannot be read as a declarative rule"):
        load_directory(pack)


def test_rule_schema_is_printed():
    import json

    assert json.loads(run_cli("schema", "rule").output)["title"].startswith("dmlint declarative rule")


REDOS = POLICY.replace('name: {pattern: "^prd-"}', 'name: {pattern: "^(a+)+$"}').replace("id: ORG902", "id: ORG903")


def test_an_exponential_pattern_runs_in_linear_time_on_a_hostile_name(tmp_path):
    """`^(a+)+$` against 'aaaa...!' is exponential in a backtracking engine (Python's re takes
    minutes at 30 characters); RE2 answers at once. Run in a process of its own so a regression
    is a timeout, not a hung test run."""
    import json
    import subprocess
    import sys

    from conftest import REPO

    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "org903.yaml").write_text(REDOS)
    name = "a" * 5000 + "!"
    vms = tmp_path / "vms.yaml"
    vms.write_text(f"vms:\n  - name: {name}\n    memory: {{dynamic: true, startup: 4GB, buffer: 10}}\n"
                   f"  - name: {'a' * 40}\n    memory: {{dynamic: true, startup: 4GB, buffer: 10}}\n")
    proc = subprocess.run([sys.executable, str(REPO / "tests" / "hostile_runner.py"), str(vms), "--rules", str(pack), "--select", "ORG903"],
                          capture_output=True, text=True, timeout=60, cwd=REPO)
    res = json.loads(proc.stdout)
    assert [(f["rule"], f["vm"]) for f in res["findings"]] == [("ORG903", "a" * 40)]  # the name with '!' does not match


@pytest.mark.parametrize("regex", [r"^(a)\\1$", "^(?=prd)", "^(?!dev)"])
def test_a_pattern_re2_cannot_run_is_refused_at_load(tmp_path, regex):
    pack = tmp_path / "pack"
    pack.mkdir()
    rule = pack / "org904.yaml"
    rule.write_text(POLICY.replace('"^prd-"', f'"{regex}"'))
    with pytest.raises(RuleLoadError, match=r"org904\.yaml: when\.properties\.name\.pattern: pattern .* cannot run in RE2"):
        load_directory(pack)
    vms = tmp_path / "vms.yaml"
    vms.write_text(VMS)
    result = run_cli("check", "--rules", pack, vms)
    assert result.exit_code == 2 and "org904.yaml" in result.output + (result.stderr if hasattr(result, "stderr") else "")


def test_pattern_properties_use_re2_too(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "org905.yaml").write_text(POLICY.replace("id: ORG902", "id: ORG905").replace(
        "require:\n  properties:\n    buffer: {minimum: 20}",
        "require:\n  patternProperties:\n    \"^buf\": {minimum: 20}"))
    vms = tmp_path / "vms.yaml"
    vms.write_text(VMS)
    _, findings = check_json(vms, extra=("--rules", pack, "--select", "ORG905"))
    assert [f["vm"] for f in findings] == ["prd-sql"]
    (pack / "org905.yaml").write_text((pack / "org905.yaml").read_text().replace('"^buf"', '"(?<=b)uf"'))
    with pytest.raises(RuleLoadError, match=r"require\.patternProperties: pattern"):
        load_directory(pack)
