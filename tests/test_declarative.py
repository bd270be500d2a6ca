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
