"""Rule registry and loader.

A rule is a Python module with module-level constants and a `check` generator, in the
manner of yamllint's `yamllint/rules/*.py`:

    ID = "DM102"                      # unique; prefixes select groups (DM1, DM10)
    NAME = "minimum-above-startup"    # kebab-case
    SEVERITY = "error"                # error | warning | info
    SUMMARY = "one line"
    SOURCE = "https://..."            # the documentation the rule rests on
    SCOPE = "vm"                      # vm | fleet | input (input: raised by readers)

    def check(vm, ctx):               # SCOPE "vm": yield (field, message)
        ...
    def check(fleet, ctx):            # SCOPE "fleet": yield (record, field, message)
        ...

The module docstring is the rule's documentation (`dmlint explain ID`). The same loader
serves the built-in pack (`rules/`), `--rules DIR`, and the entry-point group
`dmlint.rules`; the engine names no rule.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from dmlint.model import Severity

SCOPES = ("vm", "fleet", "input")
_ID = re.compile(r"^[A-Z]{1,8}[0-9]{1,5}$")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class RuleLoadError(Exception):
    """A rule pack that cannot be loaded: a usage/configuration error (exit 2)."""


@dataclass(slots=True)
class Rule:
    id: str
    name: str
    severity: Severity
    summary: str
    source: str
    scope: str
    doc: str
    check: object  # callable or None
    origin: str  # file or entry point it came from
    module: ModuleType | None  # None for declarative (YAML) rules

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "severity": str(self.severity),
            "scope": self.scope,
            "summary": self.summary,
            "source": self.source,
        }


def rule_from_module(module: ModuleType, origin: str) -> Rule:
    def need(attr: str) -> str:
        value = getattr(module, attr, None)
        if not isinstance(value, str) or not value.strip():
            raise RuleLoadError(f"{origin}: rule module lacks a string {attr}")
        return value.strip()

    rule_id = need("ID")
    if not _ID.match(rule_id):
        raise RuleLoadError(f"{origin}: rule ID {rule_id!r} is not letters followed by digits (e.g. ORG901)")
    name = need("NAME")
    if not _NAME.match(name):
        raise RuleLoadError(f"{origin}: rule NAME {name!r} is not kebab-case")
    try:
        severity = Severity.parse(need("SEVERITY"))
    except ValueError as exc:
        raise RuleLoadError(f"{origin}: {exc}") from None
    scope = getattr(module, "SCOPE", "vm")
    if scope not in SCOPES:
        raise RuleLoadError(f"{origin}: SCOPE {scope!r} is not one of {', '.join(SCOPES)}")
    check = getattr(module, "check", None)
    if scope != "input" and not callable(check):
        raise RuleLoadError(f"{origin}: rule {rule_id} has no check() function")
    doc = (module.__doc__ or "").strip()
    if not doc:
        raise RuleLoadError(f"{origin}: rule {rule_id} has no docstring (its documentation)")
    return Rule(
        id=rule_id,
        name=name,
        severity=severity,
        summary=need("SUMMARY"),
        source=need("SOURCE"),
        scope=scope,
        doc=doc,
        check=check,
        origin=origin,
        module=module,
    )


def _import_file(path: Path, package_tag: str) -> ModuleType:
    mod_name = f"dmlint_rulepack_{package_tag}.{path.stem}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise RuleLoadError(f"{path}: cannot be imported as a rule")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # a broken user rule is a configuration error, not a crash
        sys.modules.pop(mod_name, None)
        raise RuleLoadError(f"{path}: failed to load: {type(exc).__name__}: {exc}") from None
    return module


def load_directory(directory: Path) -> list[Rule]:
    """Every `*.py` in `directory` not starting with `_` is one rule; so is every `*.yaml`
    (a declarative rule, see dmlint/declarative.py)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise RuleLoadError(f"rule pack {directory} is not a directory")
    tag = re.sub(r"\W", "_", str(abs(hash(str(directory.resolve())))))
    rules = []
    for path in sorted(directory.glob("*.py")):
        if path.name.startswith("_"):
            continue
        rules.append(rule_from_module(_import_file(path, tag), str(path)))
    declarative = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if declarative:
        from dmlint.declarative import load_yaml_rule

        rules.extend(load_yaml_rule(path) for path in declarative)
    return rules


def load_entry_points(group: str = "dmlint.rules") -> list[Rule]:
    """Third-party packs: an entry point names a rule module, or a package whose directory is a pack."""
    from importlib.metadata import entry_points

    rules: list[Rule] = []
    for ep in sorted(entry_points(group=group), key=lambda e: e.name):
        origin = f"entry point {ep.name} ({ep.value})"
        try:
            obj = ep.load()
        except Exception as exc:
            raise RuleLoadError(f"{origin}: failed to load: {type(exc).__name__}: {exc}") from None
        if isinstance(obj, ModuleType) and hasattr(obj, "ID"):
            rules.append(rule_from_module(obj, origin))
        elif isinstance(obj, ModuleType) and getattr(obj, "__path__", None):
            for p in obj.__path__:
                rules.extend(load_directory(Path(p)))
        else:
            raise RuleLoadError(f"{origin}: is neither a rule module nor a rule package")
    return rules


def builtin_rules_dir() -> Path:
    """`rules/` ships inside the wheel as dmlint/rules; in a source checkout it sits beside dmlint/."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "rules", here.parent / "rules"):
        if candidate.is_dir():
            return candidate
    raise RuleLoadError("the built-in rule pack (rules/) is missing from this installation")


def builtin_schemas_dir() -> Path:
    here = Path(__file__).resolve().parent
    for candidate in (here / "schemas", here.parent / "schemas"):
        if candidate.is_dir():
            return candidate
    raise RuleLoadError("the JSON Schemas (schemas/) are missing from this installation")


class Registry:
    def __init__(self, rules: list[Rule]):
        self.by_id: dict[str, Rule] = {}
        for rule in rules:
            if rule.id in self.by_id:
                raise RuleLoadError(
                    f"rule {rule.id} is defined twice: {self.by_id[rule.id].origin} and {rule.origin}"
                )
            self.by_id[rule.id] = rule

    @classmethod
    def load(cls, extra_dirs=(), entry_points: bool = True) -> "Registry":
        rules = load_directory(builtin_rules_dir())
        for d in extra_dirs:
            rules.extend(load_directory(Path(d)))
        if entry_points:
            rules.extend(load_entry_points())
        return cls(rules)

    def all(self) -> list[Rule]:
        return sorted(self.by_id.values(), key=lambda r: r.id)

    def get(self, rule_id: str) -> Rule | None:
        return self.by_id.get(rule_id.upper()) or next(
            (r for r in self.by_id.values() if r.name == rule_id.lower()), None
        )

    def check_selectors(self, selectors, origin: str = "--select/--ignore") -> None:
        """`origin` names where the selectors were written (an option, or a config file's key)."""
        for sel in selectors:
            if sel.upper() == "ALL":
                continue
            if not any(r.id.startswith(sel.upper()) or r.name == sel.lower() for r in self.by_id.values()):
                from dmlint.wording import suggest

                close = suggest(sel, [r.name for r in self.by_id.values()])
                hint = f" (did you mean {close!r}?)" if close else ""
                raise RuleLoadError(f"{origin}: {sel!r} matches no rule{hint} (see `dmlint rules`)")

    def selected(self, select=(), ignore=()) -> set[str]:
        """IDs enabled by --select/--ignore (prefixes, IDs or names). The longest match wins, as in ruff."""

        def score(rule: Rule, selectors) -> int:
            best = -1
            for sel in selectors:
                s = sel.strip()
                if s.upper() == "ALL":
                    best = max(best, 0)
                elif rule.name == s.lower():
                    best = max(best, 100)
                elif rule.id.startswith(s.upper()):
                    best = max(best, len(s))
            return best

        chosen = set()
        for rule in self.by_id.values():
            sel_score = score(rule, select) if select else 0
            ign_score = score(rule, ignore)
            if sel_score >= 0 and sel_score > ign_score:
                chosen.add(rule.id)
        return chosen
