"""A plugin fleet rule (fixtures/plugins/fleet_startup_85) built only on the documented fleet facts."""

from __future__ import annotations

import json

from conftest import FIXTURES, check_json, run_cli

PLUGIN = FIXTURES / "plugins" / "fleet_startup_85"
RULES = PLUGIN / "rules"


def test_plugin_fleet_rule_fires_through_rules_dir():
    code, findings = check_json(PLUGIN / "fires", extra=("--rules", RULES, "--select", "ORG3"))
    assert code == 0  # a warning: below the default --fail-on error
    (f,) = findings
    assert (f["rule"], f["severity"], f["host"], f["line"]) == ("ORG301", "warning", "org301-fires-hv", 2)
    assert f["message"] == (
        "Σ startup of 2 running VMs plus overhead is 57472 MB, 93 % of the usable 61440 MB on host org301-fires-hv "
        "(65536 MB physical - 4096 MB reserve): the policy allows 85 %")


def test_plugin_fleet_rule_passes_below_the_limit():
    code, findings = check_json(PLUGIN / "passes", extra=("--rules", RULES, "--select", "ORG3"))
    assert (code, findings) == (0, [])


def test_plugin_fleet_rule_runs_in_dmlint_fleet_from_the_config(write):
    """`dmlint fleet` selects rules by scope, not by an ID prefix: a configured plugin fleet rule runs."""
    cfg = write(".dmlint.yaml", f"rules: [{json.dumps(str(RULES))}]\n")
    result = run_cli("fleet", "--format", "json", "--config", cfg, PLUGIN / "fires")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert [f["rule"] for f in doc["findings"]] == ["ORG301"]
    assert [f["rule"] for f in doc["hosts"][0]["findings"]] == ["ORG301"]
