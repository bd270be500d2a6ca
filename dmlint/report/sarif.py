"""SARIF 2.1.0 (OASIS), as GitHub code scanning and other SARIF viewers read it.

One run; `tool.driver.rules` lists every rule of the registry with its documentation and the
source it rests on as `helpUri`; each result points at its rule by id and index. Findings in
YAML/XML carry a region (line, column); VMCX findings have no line, so they carry the key path
as a logical location instead. `partialFingerprints` identify a finding without its line (see
dmlint.baseline.fingerprints), so a result keeps its identity when lines move.

Spec: https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from urllib.parse import quote

from dmlint import __version__
from dmlint.baseline import fingerprints
from dmlint.model import Severity
from dmlint.report.escape import json_safe

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "dmlintIdentity/v1"
FALLBACK_INFORMATION_URI = "https://pypi.org/project/dmlint/"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def information_uri() -> str:
    """The project's home page from the installed metadata ([project.urls]), else its PyPI page."""
    try:
        from importlib.metadata import metadata

        meta = metadata("dmlint")
    except Exception:
        return FALLBACK_INFORMATION_URI
    for entry in meta.get_all("Project-URL") or ():
        label, _, url = entry.partition(",")
        if label.strip().lower() in ("homepage", "home", "repository", "source", "documentation") and url.strip():
            return url.strip()
    home = meta.get("Home-page")
    return home.strip() if home and home.strip() else FALLBACK_INFORMATION_URI


def artifact_location(path: str) -> dict:
    """A relative path becomes a relative URI against %SRCROOT%; an absolute one a file: URI.

    The path's bytes are percent-encoded (RFC 3986 §2.1): a file name that is not UTF-8 (held
    as surrogateescape code points) keeps its exact bytes, `caf\\xe9.yaml` -> `caf%E9.yaml`."""
    posix = path.replace("\\", "/")
    raw = posix.encode("utf-8", "surrogateescape")
    if PurePosixPath(posix).is_absolute():
        return {"uri": "file://" + quote(raw, safe="/:")}
    return {"uri": quote(raw, safe="/"), "uriBaseId": "%SRCROOT%"}


def _descriptor(rule) -> dict:
    doc = rule.doc.strip()
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": doc},
        "help": {"text": doc if rule.source in doc else f"{doc}\n\nSource: {rule.source}"},
        "helpUri": rule.source,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"scope": rule.scope},
    }


def _unknown_descriptor(finding) -> dict:
    # a finding whose rule the registry does not hold (render called without a registry)
    out = {"id": finding.rule, "defaultConfiguration": {"level": LEVELS[finding.severity]}}
    if finding.name:
        out["name"] = finding.name
    return out


def _location(finding) -> dict:
    loc = finding.location
    physical: dict = {"artifactLocation": artifact_location(loc.path)}
    out: dict = {"physicalLocation": physical}
    if loc.line > 0:
        region = {"startLine": loc.line}
        if loc.column > 0:
            region["startColumn"] = loc.column
        physical["region"] = region
    elif loc.key:
        out["logicalLocations"] = [
            {"name": loc.key.rsplit("/", 1)[-1], "fullyQualifiedName": loc.key, "kind": "property"}
        ]
    return out


def to_sarif(findings, registry=None) -> dict:
    findings = list(findings)
    rules = [_descriptor(r) for r in registry.all()] if registry is not None else []
    index = {d["id"]: i for i, d in enumerate(rules)}
    for f in findings:
        if f.rule not in index:
            index[f.rule] = len(rules)
            rules.append(_unknown_descriptor(f))
    results = []
    for f, fp in zip(findings, fingerprints(findings)):
        result = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": LEVELS[f.severity],
            "message": {"text": f.message},
            "locations": [_location(f)],
            "partialFingerprints": {FINGERPRINT_KEY: fp},
        }
        props = {k: v for k, v in (("vm", f.vm), ("host", f.host), ("field", f.field)) if v}
        if props:
            result["properties"] = props
        results.append(result)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dmlint",
                        "version": __version__,
                        "informationUri": information_uri(),
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render(findings, registry=None) -> str:
    return json_safe(json.dumps(to_sarif(findings, registry), indent=2, ensure_ascii=False)) + "\n"
