"""The README's rule table and set-up commands stay true."""

from __future__ import annotations

import re

from conftest import REPO, run_cli

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_rule_table_matches_the_registry():
    m = re.search(r"<!-- rules-table -->\n(.*?)<!-- /rules-table -->", README, re.S)
    assert m, "README.md lacks the <!-- rules-table --> block"
    expected = run_cli("rules", "--format", "markdown").output
    assert m.group(1).strip() == expected.strip(), "regenerate with: dmlint rules --format markdown"


def test_set_up_commands_are_there_and_ci_runs_the_test_command():
    assert "pip install . && dmlint check fixtures/" in README
    test_cmd = "pip install '.[test]' && python -m pytest"
    assert test_cmd in README
    ci = (REPO / ".ci" / "run").read_text()
    assert "pip install --quiet '.[test]'" in ci and "\npython -m pytest" in ci
