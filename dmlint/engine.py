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

Plugin rules (every rule not from the built-in pack) are contained (`contain`): what they
print goes to stderr, never into a report on stdout; SystemExit or any other BaseException
but KeyboardInterrupt becomes an error; each yielded item is checked for its shape; and each
rule has a time budget for the whole run (`rule-timeout` in the config, default
DEFAULT_RULE_TIMEOUT_S; the budget lives as long as the loaded Registry, one run in the CLI),
enforced with SIGALRM where it is available (the main thread on POSIX), and at most
MAX_ITEMS_PER_CALL items per call. A rule that breaks any of these gets an "internal error in rule ID" finding at the
record it was checking and the run goes on.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from dmlint.model import Severity

SCOPES = ("vm", "fleet", "input")
_ID = re.compile(r"^[A-Z]{1,8}[0-9]{1,5}$")
_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class RuleLoadError(Exception):
    """A rule pack that cannot be loaded: a usage/configuration error (exit 2)."""


class RuleContractError(Exception):
    """A plugin rule broke the rule contract: exited, yielded a malformed item, overran its budget."""


# dmlint's own choice, not a documented figure: a rule's check of one VM takes microseconds, so
# 30 s for all records of a run is far above any sane rule and short of a CI job's patience
DEFAULT_RULE_TIMEOUT_S = 30.0
# also dmlint's choice: a rule that yields without end fills memory long before its time budget
# runs out (~10 MB of findings here); far more than one call of any real rule yields
MAX_ITEMS_PER_CALL = 100_000


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


class _SourceOnlyLoader(importlib.machinery.SourceFileLoader):
    """Compiles the rule file itself, every time: never writes `__pycache__` into a rule pack
    (which may sit in the repository being checked), and never runs a `.pyc` found there
    instead of the source a reviewer read (an unchecked-hash .pyc is not compared with it)."""

    def get_code(self, fullname):
        from dmlint.safeio import read_regular

        return compile(read_regular(self.path), self.path, "exec", dont_inherit=True)


def _import_file(path: Path, package_tag: str, source_only: bool = True) -> ModuleType:
    mod_name = f"dmlint_rulepack_{package_tag}.{path.stem}"
    loader = _SourceOnlyLoader(mod_name, str(path)) if source_only else None
    spec = importlib.util.spec_from_file_location(mod_name, path, loader=loader)
    if spec is None or spec.loader is None:
        raise RuleLoadError(f"{path}: cannot be imported as a rule")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    saved_stdout = sys.stdout
    sys.stdout = sys.stderr  # what a rule prints at import must not land in a report on stdout
    try:
        spec.loader.exec_module(module)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # a broken user rule (even sys.exit at import) is a configuration error, not a crash
        sys.modules.pop(mod_name, None)
        raise RuleLoadError(f"{path}: failed to load: {type(exc).__name__}: {exc}") from None
    finally:
        sys.stdout = saved_stdout
    return module


def load_directory(directory: Path, builtin: bool = False) -> list[Rule]:
    """Every `*.py` in `directory` not starting with `_` is one rule; so is every `*.yaml`
    (a declarative rule, see dmlint/declarative.py). Only the built-in pack uses (and
    writes) compiled bytecode; any other pack is compiled from its source."""
    directory = Path(directory)
    if not directory.is_dir():
        raise RuleLoadError(f"rule pack {directory} is not a directory")
    tag = re.sub(r"\W", "_", str(abs(hash(str(directory.resolve())))))
    rules = []
    for path in sorted(directory.glob("*.py")):
        if path.name.startswith("_"):
            continue
        rules.append(rule_from_module(_import_file(path, tag, source_only=not builtin), str(path)))
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
        saved_stdout = sys.stdout
        sys.stdout = sys.stderr
        try:
            obj = ep.load()
        except KeyboardInterrupt:
            raise
        except BaseException as exc:
            raise RuleLoadError(f"{origin}: failed to load: {type(exc).__name__}: {exc}") from None
        finally:
            sys.stdout = saved_stdout
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
        rules = load_directory(builtin_rules_dir(), builtin=True)
        plugins = []
        for d in extra_dirs:
            plugins.extend(load_directory(Path(d)))
        if entry_points:
            plugins.extend(load_entry_points())
        return cls(rules + [contain(r) for r in plugins])  # the built-in pack is ours and tested: not wrapped

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


# --- containment of plugin rules -----------------------------------------------------------------


class _Alarm(BaseException):
    """Raised by SIGALRM inside a rule: a BaseException, so `except Exception` in a rule cannot swallow it."""


class _Watchdog:
    """One interval timer (SIGALRM every TICK_S) for all contained calls, so a call costs no
    system call: the call sets `deadline`, the tick raises _Alarm once it is past. The timer
    stops itself after two idle ticks and restores the previous handler; the next call re-arms it.
    Only on POSIX, in the main thread, and when no other interval timer is running; elsewhere
    the budget is checked between records only (a rule that never returns is then not stopped)."""

    TICK_S = 0.1

    def __init__(self):
        self.deadline = None  # perf_counter() value past which the running rule is stopped
        self.armed = False
        self.idle = 0
        self.previous = None
        self.registered = False

    def disarm(self) -> None:
        if self.armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
            self.armed = False

    def arm(self) -> bool:
        if self.armed:
            return True
        if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
            return False
        if signal.getitimer(signal.ITIMER_REAL)[0] > 0:  # someone else's timer: leave it alone
            return False
        if not self.registered:  # a tick after the interpreter reset its handlers would kill the process
            import atexit

            atexit.register(self.disarm)
            self.registered = True
        self.previous = signal.signal(signal.SIGALRM, self._tick)
        self.idle = 0
        self.armed = True
        signal.setitimer(signal.ITIMER_REAL, self.TICK_S, self.TICK_S)
        return True

    def _tick(self, signum, frame):
        deadline = self.deadline
        if deadline is not None:
            self.idle = 0
            if time.perf_counter() >= deadline:
                raise _Alarm()
            return
        self.idle += 1
        if self.idle >= 2:
            self.disarm()


_WATCHDOG = _Watchdog()


def _shape_ok(item, scope: str) -> bool:
    if type(item) not in (tuple, list):
        return False
    if scope == "fleet":
        if len(item) != 3:
            return False
        record, fld, message = item
        if not (callable(getattr(record, "loc", None)) and isinstance(getattr(record, "name", None), str)):
            return False
    else:
        if len(item) != 2:
            return False
        fld, message = item
    return (fld is None or type(fld) is str) and isinstance(message, str)


def _collect(result, scope: str) -> list:
    if result is None:
        return []
    out = []
    for item in result:
        if len(out) >= MAX_ITEMS_PER_CALL:
            raise RuleContractError(f"yielded more than {MAX_ITEMS_PER_CALL} findings in one call; stopped")
        if not _shape_ok(item, scope):
            shape = "(record, field, message)" if scope == "fleet" else "(field, message)"
            raise RuleContractError(f"yielded {item!r:.120}, not {shape} with a str or None field and a str message")
        out.append(item)
    return out


def contain(rule: Rule) -> Rule:
    """Wrap a plugin rule's check() (see the module docstring); the list it returns has been
    checked item by item. The engine's caller turns any exception into an error finding."""
    check = rule.check
    if not callable(check):
        return rule
    scope = rule.scope
    spent = [0.0]

    def contained(record, ctx):
        settings = getattr(getattr(ctx, "options", None), "settings", None) or {}
        budget = float(settings.get("rule-timeout", DEFAULT_RULE_TIMEOUT_S))
        remaining = budget - spent[0]
        if remaining <= 0:
            raise RuleContractError(f"not run: the rule exceeded its time budget of {budget:g} s earlier in this run (rule-timeout)")
        watchdog = _WATCHDOG
        saved_stdout = sys.stdout
        sys.stdout = sys.stderr  # a print() in a rule must not land in a report on stdout
        start = time.perf_counter()
        if watchdog.arm():
            watchdog.deadline = start + remaining
        try:
            return _collect(check(record, ctx), scope)
        except _Alarm:
            spent[0] = budget  # stopped: every later call is refused at once
            raise RuleContractError(f"exceeded its time budget of {budget:g} s (rule-timeout) and was stopped; "
                                    "it is not run on further records") from None
        except (KeyboardInterrupt, Exception):
            raise
        except BaseException as exc:  # SystemExit, GeneratorExit, ...: not the run's exit code
            raise RuleContractError(f"raised {type(exc).__name__}({', '.join(map(repr, exc.args))})") from None
        finally:
            while True:  # a tick landing here must not escape as _Alarm
                try:
                    watchdog.deadline = None
                    break
                except _Alarm:
                    continue
            sys.stdout = saved_stdout
            spent[0] = min(budget, spent[0] + time.perf_counter() - start)

    rule.check = contained
    return rule
