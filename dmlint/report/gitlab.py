"""GitLab Code Quality report (a subset of the Code Climate issue format).

A JSON list of issues: description, check_name (the rule ID), fingerprint, severity and
location {path, lines {begin}}. GitLab compares fingerprints between the base and the merge
request to show new and fixed issues, so a fingerprint must be unique per finding (ruff once
used the rule code alone and GitLab showed 7 of 120 issues, astral-sh/ruff#3441) and must
not contain the line (else every edit above a finding "fixes" it and adds a new one,
astral-sh/ruff#7159). See dmlint.baseline.fingerprints.

Severity: error -> major, warning -> minor, info -> info (Code Climate's scale is
info < minor < major < critical < blocker).
Docs: https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format
"""

from __future__ import annotations

import json

from dmlint.baseline import fingerprints
from dmlint.model import Severity
from dmlint.report.escape import json_safe
from dmlint.report.github import describe

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def to_issues(findings) -> list[dict]:
    findings = list(findings)
    issues = []
    for f, fp in zip(findings, fingerprints(findings, salt="dmlint-gitlab/v1")):
        issues.append(
            {
                "description": f"{f.rule} {describe(f)}",
                "check_name": f.rule,
                "fingerprint": fp,
                "severity": SEVERITIES[f.severity],
                "location": {"path": f.location.path, "lines": {"begin": max(f.location.line, 1)}},
            }
        )
    return issues


def render(findings) -> str:
    return json_safe(json.dumps(to_issues(findings), indent=2, ensure_ascii=False)) + "\n"
