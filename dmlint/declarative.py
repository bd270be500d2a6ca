"""Declarative rules: organisation policies written as YAML, no Python.

A `*.yaml` file in a rule pack (validated by schemas/rule.schema.json) names a condition
(`when`) and a requirement (`require`), both JSON Schemas over the normalised VM record
(the same dict `dmlint show --format json` prints). For every VM matching `when` that does
not match `require`, the rule reports `message` formatted with the record's values.
"""

from __future__ import annotations

import json
import string
from pathlib import Path

RECORD_FIELDS = ("name", "fmt", "generation", "hyperv_version", "config_version", "guest_os", "host", "state", "clustered", "dynamic", "startup", "minimum", "maximum", "buffer", "weight", "demand", "notes")


def record(vm) -> dict:
    """The normalised VM record: fields without a value are left out, so `required` works."""
    out = {}
    for name in RECORD_FIELDS:
        value = getattr(vm, name)
        if value is not None:
            out[name] = value
    out["path"] = vm.source.path
    return out


class _Missing(dict):
    def __missing__(self, key):
        return f"<no {key}>"


def load_yaml_rule(path: Path):
    import jsonschema
    import yaml

    from dmlint.engine import Rule, RuleLoadError, builtin_schemas_dir
    from dmlint.model import Severity

    try:
        data = yaml.load(Path(path).read_bytes(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, yaml.YAMLError) as exc:
        raise RuleLoadError(f"{path}: cannot be read as a declarative rule: {exc}") from None
    schema = json.loads((builtin_schemas_dir() / "rule.schema.json").read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        where = ".".join(str(p) for p in errors[0].absolute_path) or "top level"
        raise RuleLoadError(f"{path}: {where}: {errors[0].message}")
    try:
        when = jsonschema.Draft202012Validator(data.get("when", True))
        require = jsonschema.Draft202012Validator(data["require"])
        when.check_schema(data.get("when", True))
        require.check_schema(data["require"])
    except jsonschema.SchemaError as exc:
        raise RuleLoadError(f"{path}: not a valid JSON Schema: {exc.message}") from None
    message = data["message"]
    try:
        list(string.Formatter().parse(message))
    except ValueError as exc:
        raise RuleLoadError(f"{path}: message is not a valid format string: {exc}") from None
    fld = data.get("field")

    def check(vm, ctx):
        rec = record(vm)
        if when.is_valid(rec) and not require.is_valid(rec):
            yield fld, message.format_map(_Missing(rec))

    return Rule(
        id=data["id"],
        name=data["name"],
        severity=Severity.parse(data["severity"]),
        summary=data["summary"],
        source=data["source"],
        scope="vm",
        doc=data["description"].strip(),
        check=check,
        origin=str(path),
        module=None,
    )
