"""Declarative rules: organisation policies written as YAML, no Python.

A `*.yaml` file in a rule pack (validated by schemas/rule.schema.json) names a condition
(`when`) and a requirement (`require`), both JSON Schemas over the normalised VM record
(the same dict `dmlint show --format json` prints). For every VM matching `when` that does
not match `require`, the rule reports `message` formatted with the record's values.

Patterns run in RE2 (google-re2), a linear-time engine: a rule's `pattern` meets VM names a
pull request controls, and Python's backtracking `re` takes exponential time on `^(a+)+$`
against `aaaa...!`. A pattern RE2 cannot compile (backreferences, look-around) is refused
when the rule loads. (jsonschema's own `re` still sees `patternProperties` when it looks for
additional properties, but only against the record's field names, which dmlint chooses.)
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


def _re2_options():
    import re2

    options = re2.Options()
    options.log_errors = False  # the error goes into the rule-load message, not onto stderr
    return re2, options


_COMPILED: dict[str, object] = {}


def _compile(pattern: str):
    compiled = _COMPILED.get(pattern)
    if compiled is None:
        re2, options = _re2_options()
        compiled = re2.compile(pattern, options)
        if len(_COMPILED) < 1024:
            _COMPILED[pattern] = compiled
    return compiled


def _patterns(schema, path=()):
    """Every `pattern` and `patternProperties` key in a schema: (where, regex)."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "pattern" and isinstance(value, str):
                yield path + (key,), value
            elif key == "patternProperties" and isinstance(value, dict):
                for regex, sub in value.items():
                    yield path + (key,), regex
                    yield from _patterns(sub, path + (key, regex))
            elif key not in ("const", "enum", "default", "examples"):
                yield from _patterns(value, path + (key,))
    elif isinstance(schema, list):
        for i, item in enumerate(schema):
            yield from _patterns(item, path + (i,))


def _check_patterns(schema, where: str, rule_path) -> None:
    from dmlint.engine import RuleLoadError

    re2, _ = _re2_options()
    for at, regex in _patterns(schema):
        try:
            _compile(regex)
        except re2.error as exc:
            reason = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
            raise RuleLoadError(
                f"{rule_path}: {where}.{'.'.join(map(str, at))}: pattern {regex!r} cannot run in RE2, the linear-time "
                f"engine declarative rules use ({reason}); backreferences and look-around are not supported"
            ) from None


def _pattern(validator, patrn, instance, schema):
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not _compile(patrn).search(instance):
        yield ValidationError(f"{instance!r} does not match {patrn!r}")


def _pattern_properties(validator, pattern_properties, instance, schema):
    if not validator.is_type(instance, "object"):
        return
    for patrn, subschema in pattern_properties.items():
        compiled = _compile(patrn)
        for k, v in instance.items():
            if compiled.search(k):
                yield from validator.descend(v, subschema, path=k, schema_path=patrn)


def _validator_class():
    import jsonschema

    return jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": _pattern, "patternProperties": _pattern_properties})


class _Missing(dict):
    def __missing__(self, key):
        return f"<no {key}>"


def load_yaml_rule(path: Path):
    import jsonschema
    import yaml

    from dmlint.engine import Rule, RuleLoadError, builtin_schemas_dir
    from dmlint.model import Severity
    from dmlint.readers.yaml_reader import load_bounded

    try:
        data = load_bounded(Path(path).read_bytes())  # the reader's value and alias limits
    except (OSError, yaml.YAMLError) as exc:
        raise RuleLoadError(f"{path}: cannot be read as a declarative rule: {exc}") from None
    schema = json.loads((builtin_schemas_dir() / "rule.schema.json").read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        where = ".".join(str(p) for p in errors[0].absolute_path) or "top level"
        raise RuleLoadError(f"{path}: {where}: {errors[0].message}")
    try:
        jsonschema.Draft202012Validator.check_schema(data.get("when", True))
        jsonschema.Draft202012Validator.check_schema(data["require"])
    except jsonschema.SchemaError as exc:
        raise RuleLoadError(f"{path}: not a valid JSON Schema: {exc.message}") from None
    _check_patterns(data.get("when", True), "when", path)
    _check_patterns(data["require"], "require", path)
    validator = _validator_class()
    when = validator(data.get("when", True))
    require = validator(data["require"])
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
