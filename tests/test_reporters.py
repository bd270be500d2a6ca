"""The machine-readable reporters (SPEC §5): SARIF 2.1.0, JUnit XML, GitHub annotations, GitLab Code Quality.

SARIF and JUnit output are validated against the official schemas vendored in tests/schemas
(with their licence notes; a missing schema fails the test: it must never silently pass).
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from lxml import etree

from dmlint.cli import cli
from dmlint.engine import Registry
from dmlint.model import Finding, Location, Severity
from dmlint.report import github, gitlab, junit, sarif

from conftest import shared_path

SCHEMAS = Path(__file__).resolve().parent / "schemas"

DM102_YAML = """\
vm:
  name: rep-sql
  memory:
    dynamic: true
    startup: 1GB
    minimum: 2GB
"""
DM102_MESSAGE = "minimum 2GB (2048 MB) is above startup 1GB (1024 MB)"

CLEAN_YAML = """\
vm:
  name: rep-clean
  memory:
    dynamic: true
    startup: 2GB
    minimum: 512MB
    maximum: 4GB
"""


def _schema_file(name: str) -> Path:
    path = SCHEMAS / name
    if not path.is_file():
        pytest.fail(f"vendored schema {path} is missing: tests/schemas/{name} belongs to the repository")
    return path


@pytest.mark.parametrize("name", ["sarif-schema-2.1.0.json", "JUnit.xsd"])
def test_vendored_schema_is_the_official_file(name):
    assert _schema_file(name).read_bytes() == shared_path("external-schemas", name).read_bytes()


@pytest.fixture(scope="module")
def sarif_validator():
    schema = json.loads(_schema_file("sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


@pytest.fixture(scope="module")
def junit_schema():
    return etree.XMLSchema(etree.parse(str(_schema_file("JUnit.xsd"))))


@pytest.fixture(scope="module")
def registry():
    return Registry.load(entry_points=False)


def _valid_sarif(validator, doc) -> None:
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "SARIF invalid: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def _valid_junit(schema, text: str):
    doc = etree.fromstring(text.encode("utf-8"))
    assert schema.validate(doc), f"JUnit XML invalid: {schema.error_log}"
    return doc


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A working directory with a vms/ folder; paths in findings are relative to it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "vms").mkdir()

    def put(name: str, text: str) -> str:
        (tmp_path / name).write_text(text, encoding="utf-8")
        return name

    return put


def run(*args):
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return result


# ---------------------------------------------------------------- SARIF


def test_sarif_from_cli_is_valid_and_points_at_the_value(project, sarif_validator):
    project("vms/a.yaml", DM102_YAML)
    result = run("check", "--format", "sarif", "vms")
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    _valid_sarif(sarif_validator, doc)
    assert doc["version"] == "2.1.0"
    driver = doc["runs"][0]["tool"]["driver"]
    assert driver["name"] == "dmlint"
    assert driver["version"]
    assert driver["informationUri"].startswith("https://")
    rules = driver["rules"]
    (res,) = doc["runs"][0]["results"]
    assert res["ruleId"] == "DM102"
    assert rules[res["ruleIndex"]]["id"] == "DM102"
    assert res["level"] == "error"
    assert res["message"]["text"] == DM102_MESSAGE
    (loc,) = res["locations"]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == "vms/a.yaml"
    assert loc["physicalLocation"]["region"] == {"startLine": 6, "startColumn": 14}
    assert "logicalLocations" not in loc
    assert res["properties"]["vm"] == "rep-sql"


def test_sarif_rules_carry_docs_sources_and_levels(project, sarif_validator, registry):
    project("vms/a.yaml", CLEAN_YAML)
    result = run("check", "--format", "sarif", "vms")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    _valid_sarif(sarif_validator, doc)
    assert doc["runs"][0]["results"] == []
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert set(rules) == {r.id for r in registry.all()}
    dm102 = rules["DM102"]
    assert dm102["name"] == "minimum-above-startup"
    assert dm102["shortDescription"]["text"] == "minimum above startup"
    assert dm102["fullDescription"]["text"].startswith("What it does")
    assert "Why it matters" in dm102["fullDescription"]["text"]
    assert dm102["helpUri"] == registry.get("DM102").source
    assert dm102["helpUri"].startswith("https://learn.microsoft.com/")
    assert dm102["defaultConfiguration"]["level"] == "error"
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for rule in registry.all():
        assert rules[rule.id]["defaultConfiguration"]["level"] == levels[str(rule.severity)]
        assert rules[rule.id]["helpUri"] == rule.source


def test_sarif_fingerprints_survive_moved_lines_and_differ_per_vm(project, sarif_validator):
    two_vms = (
        "vms:\n"
        "  - name: rep-a\n    memory: {dynamic: true, startup: 1GB, minimum: 2GB}\n"
        "  - name: rep-b\n    memory: {dynamic: true, startup: 1GB, minimum: 2GB}\n"
    )
    project("vms/a.yaml", two_vms)
    first = json.loads(run("check", "--format", "sarif", "vms").stdout)
    project("vms/a.yaml", "# moved\n# down\n# three lines\n" + two_vms)
    second = json.loads(run("check", "--format", "sarif", "vms").stdout)
    _valid_sarif(sarif_validator, second)

    def prints(doc):
        return [
            (r["properties"]["vm"], r["partialFingerprints"][sarif.FINGERPRINT_KEY], r["locations"][0]["physicalLocation"]["region"]["startLine"])
            for r in doc["runs"][0]["results"]
        ]

    a1, b1 = prints(first)
    a2, b2 = prints(second)
    assert (a1[0], b1[0]) == ("rep-a", "rep-b")
    assert a2[2] == a1[2] + 3 and b2[2] == b1[2] + 3  # the lines moved ...
    assert a1[1] == a2[1] and b1[1] == b2[1]  # ... the fingerprints did not
    assert a1[1] != b1[1]


def test_sarif_vmcx_finding_uses_a_logical_location_without_region(sarif_validator, registry):
    key = "configuration/settings/memory/bank/reservation"
    findings = [
        Finding("DM102", Severity.ERROR, DM102_MESSAGE, Location("Virtual Machines/AB12.vmcx", 0, 0, key=key), vm="x-vm", name="minimum-above-startup", field="minimum"),
        Finding("DM005", Severity.WARNING, "the replay log holds 2 pending entries", Location("Virtual Machines/AB12.vmcx", 0, 0), name="stale-values"),
    ]
    doc = json.loads(sarif.render(findings, registry))
    _valid_sarif(sarif_validator, doc)
    r102, r005 = doc["runs"][0]["results"]
    loc = r102["locations"][0]
    assert "region" not in loc["physicalLocation"]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == "Virtual%20Machines/AB12.vmcx"
    assert loc["logicalLocations"] == [{"name": "reservation", "fullyQualifiedName": key, "kind": "property"}]
    assert r005["level"] == "warning"
    assert "region" not in r005["locations"][0]["physicalLocation"]
    assert "logicalLocations" not in r005["locations"][0]


def test_sarif_without_registry_and_with_unknown_rule_is_still_valid(sarif_validator):
    findings = [Finding("ORG901", Severity.INFO, "note with \"quotes\"\nand a newline", Location("/abs/dir/x.yaml", 3, 0), vm="v")]
    doc = json.loads(sarif.render(findings, None))
    _valid_sarif(sarif_validator, doc)
    (res,) = doc["runs"][0]["results"]
    assert res["level"] == "note"
    assert doc["runs"][0]["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == "ORG901"
    phys = res["locations"][0]["physicalLocation"]
    assert phys["artifactLocation"] == {"uri": "file:///abs/dir/x.yaml"}
    assert phys["region"] == {"startLine": 3}


# ---------------------------------------------------------------- JUnit


def test_junit_from_cli_is_valid_with_one_failing_testcase_per_finding(project, junit_schema):
    project(
        "vms/a.yaml",
        "vms:\n"
        "  - name: ju-a\n    memory: {dynamic: true, startup: 1GB, minimum: 2GB}\n"
        "  - name: ju-b\n    memory: {dynamic: true, startup: 1GB, minimum: 3GB}\n",
    )
    result = run("check", "--format", "junit", "vms")
    assert result.exit_code == 1, result.output
    suite = _valid_junit(junit_schema, result.stdout)
    assert suite.tag == "testsuite" and suite.get("name") == "dmlint"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "2", "0")
    cases = suite.findall("testcase")
    assert len(cases) == 2
    fails = [c.find("failure") for c in cases]
    assert [f.get("type") for f in fails] == ["DM102", "DM102"]
    assert [f.get("message") for f in fails] == [DM102_MESSAGE, "minimum 3GB (3072 MB) is above startup 1GB (1024 MB)"]
    assert all(c.get("classname") == "vms/a.yaml" for c in cases)
    assert "[ju-a]" in cases[0].get("name") and "vms/a.yaml:3" in cases[0].get("name")


def test_junit_without_findings_is_one_passing_testcase(project, junit_schema):
    project("vms/a.yaml", CLEAN_YAML)
    result = run("check", "--format", "junit", "vms")
    assert result.exit_code == 0, result.output
    suite = _valid_junit(junit_schema, result.stdout)
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("1", "0", "0")
    (case,) = suite.findall("testcase")
    assert case.find("failure") is None and len(case) == 0


def test_junit_info_passes_warning_fails_and_control_characters_stay_valid(junit_schema):
    findings = [
        Finding("DM102", Severity.ERROR, "bad\x00byte & <tag>", Location("a.yaml", 2, 3), vm="v\x1b1"),
        Finding("DM005", Severity.WARNING, "stale", Location("b.vmcx", 0, 0, key="configuration/x")),
        Finding("ORG1", Severity.INFO, "fyi", Location("c.yaml", 1, 1)),
    ]
    suite = _valid_junit(junit_schema, junit.render(findings, None))
    assert (suite.get("tests"), suite.get("failures")) == ("3", "2")
    c1, c2, c3 = suite.findall("testcase")
    assert c1.find("failure").get("message") == "bad\\x00byte & <tag>"
    assert c2.find("failure").get("type") == "DM005"
    assert "b.vmcx:configuration/x" in c2.get("name")
    assert c3.find("failure") is None


def test_junit_timestamp_honours_source_date_epoch(junit_schema, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    suite = _valid_junit(junit_schema, junit.render([], None))
    assert suite.get("timestamp") == "2023-11-14T22:13:20"


# ---------------------------------------------------------------- GitHub


def test_github_annotation_from_cli(project):
    project("vms/a.yaml", DM102_YAML)
    result = run("check", "--format", "github", "vms")
    assert result.exit_code == 1, result.output
    assert result.stdout == (
        "::error file=vms/a.yaml,line=6,col=14,title=DM102 minimum-above-startup::" + DM102_MESSAGE + " [rep-sql]\n"
    )


def test_github_escaping_and_levels():
    findings = [
        Finding("DM204", Severity.WARNING, "100% sure\r\nsecond line", Location("odd,dir/a:b.yaml", 4, 0), vm="v,1", name="x-y"),
        Finding("ORG9", Severity.INFO, "a: b, c", Location("c.yaml", 0, 0)),
        Finding("DM102", Severity.ERROR, "m", Location("V M/1.vmcx", 0, 0, key="configuration/settings/memory/bank/reservation"), vm="w", name="minimum-above-startup"),
    ]
    assert github.render(findings).splitlines() == [
        "::warning file=odd%2Cdir/a%3Ab.yaml,line=4,title=DM204 x-y::100%25 sure%0D%0Asecond line [v,1]",
        "::notice file=c.yaml,title=ORG9::a: b, c",
        "::error file=V M/1.vmcx,title=DM102 minimum-above-startup::m (at configuration/settings/memory/bank/reservation) [w]",
    ]
    assert github.escape_property("50%:a,b\n") == "50%25%3Aa%2Cb%0A"
    assert github.render([]) == ""


# ---------------------------------------------------------------- GitLab


def _check_gitlab_issue(issue):
    assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
    assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
    assert isinstance(issue["location"]["path"], str) and issue["location"]["path"]
    assert isinstance(issue["location"]["lines"]["begin"], int) and issue["location"]["lines"]["begin"] >= 1
    assert isinstance(issue["fingerprint"], str) and len(issue["fingerprint"]) >= 16


def test_gitlab_from_cli_unique_and_stable_fingerprints(project):
    text = (
        "vms:\n"
        "  - name: gl-a\n    memory: {dynamic: true, startup: 1GB, minimum: 2GB}\n"
        "  - name: gl-b\n    memory: {dynamic: true, startup: 1GB, minimum: 2GB}\n"
    )
    project("vms/a.yaml", text)
    first = json.loads(run("check", "--format", "gitlab", "vms").stdout)
    project("vms/a.yaml", "# a comment\n" + text)
    second = json.loads(run("check", "--format", "gitlab", "vms").stdout)
    for issue in first + second:
        _check_gitlab_issue(issue)
    assert [i["check_name"] for i in first] == ["DM102", "DM102"]
    assert first[0]["description"] == f"DM102 {DM102_MESSAGE} [gl-a]"
    assert first[0]["severity"] == "major"
    assert first[0]["location"] == {"path": "vms/a.yaml", "lines": {"begin": 3}}
    assert second[0]["location"]["lines"]["begin"] == 4
    assert first[0]["fingerprint"] != first[1]["fingerprint"]  # unique (astral-sh/ruff#3441)
    assert [i["fingerprint"] for i in first] == [i["fingerprint"] for i in second]  # line-free (#7159)


def test_gitlab_identical_findings_get_distinct_fingerprints_and_severity_map():
    loc = Location("h.yaml", 0, 0)
    findings = [
        Finding("DM301", Severity.ERROR, "same", loc, host="hv-1", field="memory"),
        Finding("DM301", Severity.ERROR, "same", loc, host="hv-1", field="memory"),
        Finding("DM302", Severity.WARNING, "w", Location("h.yaml", 7, 2), host="hv-1"),
        Finding("ORG1", Severity.INFO, "i", Location("h.yaml", 9, 1)),
    ]
    issues = json.loads(gitlab.render(findings))
    for issue in issues:
        _check_gitlab_issue(issue)
    assert len({i["fingerprint"] for i in issues}) == 4
    assert [i["severity"] for i in issues] == ["major", "major", "minor", "info"]
    assert issues[0]["location"]["lines"]["begin"] == 1  # unknown line: GitLab needs an integer >= 1
    assert issues[0]["description"] == "DM301 same [host hv-1]"
    assert gitlab.render([]) == "[]\n"


def test_every_format_exits_by_fail_on(project):
    project("vms/a.yaml", DM102_YAML)
    for fmt in ("sarif", "junit", "github", "gitlab"):
        assert run("check", "--format", fmt, "vms").exit_code == 1
    project("vms/a.yaml", CLEAN_YAML)
    for fmt in ("sarif", "junit", "github", "gitlab"):
        assert run("check", "--format", fmt, "--fail-on", "info", "vms").exit_code == 0


def test_output_file_holds_the_report(project, sarif_validator):
    project("vms/a.yaml", DM102_YAML)
    result = run("check", "--format", "sarif", "--output", "out.sarif", "vms")
    assert result.exit_code == 1
    assert result.stdout == ""
    doc = json.loads(Path("out.sarif").read_text(encoding="utf-8"))
    _valid_sarif(sarif_validator, doc)
    assert doc["runs"][0]["results"][0]["ruleId"] == "DM102"


# ---------------------------------------------------------------- every shipped fixture, every format

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def fixture_reports():
    """All formats over the repository's fixtures/ (many rules, YAML, XML, VMCX, fleet)."""
    import os

    old = os.getcwd()
    os.chdir(REPO)
    try:
        return {fmt: run("check", "--format", fmt, "fixtures") for fmt in ("json", "sarif", "junit", "github", "gitlab")}
    finally:
        os.chdir(old)


def test_fixtures_in_every_format_are_valid_and_consistent(fixture_reports, sarif_validator, junit_schema):
    assert {fmt: r.exit_code for fmt, r in fixture_reports.items()} == dict.fromkeys(fixture_reports, 1)
    found = json.loads(fixture_reports["json"].stdout)
    assert len(found) >= 10
    doc = json.loads(fixture_reports["sarif"].stdout)
    _valid_sarif(sarif_validator, doc)
    results = doc["runs"][0]["results"]
    assert [(r["ruleId"], r["message"]["text"]) for r in results] == [(f["rule"], f["message"]) for f in found]
    prints = [r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in results]
    assert len(set(prints)) == len(prints)
    for r, f in zip(results, found):
        loc = r["locations"][0]
        if f["line"]:
            assert loc["physicalLocation"]["region"]["startLine"] == f["line"]
        else:
            assert "region" not in loc["physicalLocation"]
            if f.get("key"):
                assert loc["logicalLocations"][0]["fullyQualifiedName"] == f["key"]
    suite = _valid_junit(junit_schema, fixture_reports["junit"].stdout)
    assert int(suite.get("tests")) == len(found)
    assert int(suite.get("failures")) == sum(1 for f in found if f["severity"] in ("error", "warning"))
    lines = fixture_reports["github"].stdout.splitlines()
    assert len(lines) == len(found)
    assert all(line.startswith(("::error file=", "::warning file=", "::notice file=")) for line in lines)
    issues = json.loads(fixture_reports["gitlab"].stdout)
    for issue in issues:
        _check_gitlab_issue(issue)
    assert len({i["fingerprint"] for i in issues}) == len(issues) == len(found)
