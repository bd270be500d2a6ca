"""Every fixture named dmNNN_fires* reports DMNNN; every dmNNN_passes* does not."""

from __future__ import annotations

import re

import pytest

from conftest import FIXTURES, check_json

_NAME = re.compile(r"^(dm\d{3})_(fires|passes)", re.IGNORECASE)


def _fixtures():
    out = []
    for path in sorted(FIXTURES.rglob("*")):
        m = _NAME.match(path.name)
        if not m:
            continue
        if path.is_file() and any(parent.name and _NAME.match(parent.name) for parent in path.parents):
            continue  # a file inside a multi-file fixture directory
        out.append(pytest.param(path, m.group(1).upper(), m.group(2), id=str(path.relative_to(FIXTURES))))
    return out


FIXTURE_CASES = _fixtures()


def test_there_are_fixtures():
    assert len(FIXTURE_CASES) >= 2


@pytest.mark.parametrize("path,rule,kind", FIXTURE_CASES)
def test_fixture(path, rule, kind):
    _, findings = check_json(path)
    rules = {f["rule"] for f in findings}
    if kind == "fires":
        assert rule in rules, f"{path.name} should report {rule}, got {sorted(rules)}"
        for f in findings:
            if f["rule"] == rule:
                assert f["message"], "a finding must carry a message"
    else:
        assert rule not in rules, f"{path.name} must not report {rule}: {[f['message'] for f in findings if f['rule'] == rule]}"


def test_every_rule_has_fixtures_both_ways():
    from dmlint.engine import Registry

    have = {(rule, kind) for _, rule, kind in (c.values for c in FIXTURE_CASES)}
    # DM401 compares with a git revision: a static file cannot show it (tests/test_dm401.py builds a repository)
    needs_git = {"DM401"}
    missing = [
        f"{r.id} {k}"
        for r in Registry.load(entry_points=False).all()
        for k in ("fires", "passes")
        if (r.id, k) not in have and r.id not in needs_git
    ]
    assert not missing, f"rules without a fixture: {missing}"
