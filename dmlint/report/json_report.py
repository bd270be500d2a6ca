"""A JSON list of findings: rule, name, severity, message, path, line, column, vm (+ key, host)."""

from __future__ import annotations

import json

from dmlint.report.escape import json_safe


def render(findings) -> str:
    return json_safe(json.dumps([f.as_dict() for f in findings], indent=2)) + "\n"
