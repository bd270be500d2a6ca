"""Baselines: adopt dmlint on a repository that already has findings, then fail only on new ones.

`dmlint check --write-baseline FILE` records today's findings; `dmlint check --baseline FILE`
reports only findings that are not in it. A finding is identified without its line number
(ruff's maintainers rejected line-keyed baselines because they break as soon as code moves,
astral-sh/ruff#1149), and per file (checkov's baseline ignores the file, so a violation copied
into a new file is silently absorbed, bridgecrewio/checkov#7647):

    (path, rule, vm, host, identity, message)

`identity` is the VMCX key path, else the record attribute the finding points at (`minimum`),
else the message. Matching is a multiset: two identical findings need two entries, so a
second copy of a baselined problem is still reported.

The same line-free identity gives the stable fingerprints of the SARIF and GitLab reporters
(`fingerprints`): the line is left out (astral-sh/ruff#7159), and an occurrence counter keeps
them unique (astral-sh/ruff#3441: a fingerprint shared by many findings hides all but one).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter

FORMAT = "dmlint-baseline"
VERSION = 1


class BaselineError(Exception):
    """A baseline file that is missing, unreadable or not a dmlint baseline (exit 2)."""


# line numbers that some names and messages carry: "<unnamed VM at line 12>",
# "duplicate VM name 'x' (first defined at a.yaml:12)". They are dropped before comparing.
_UNNAMED_LINE = re.compile(r"<unnamed (\w+) at line \d+>")
_LINE_BEFORE_PAREN = re.compile(r":\d+(?::\d+)?(?=\))")


def _stable(text: str) -> str:
    return _LINE_BEFORE_PAREN.sub("", _UNNAMED_LINE.sub(r"<unnamed \1>", text))


def identity(finding) -> str:
    """What a finding is about inside its VM or host, without the line: key, field or message."""
    return _stable(finding.location.key or finding.field or finding.message)


def _row(finding) -> tuple:
    """(path, rule, vm, host, identity, message) as written to a baseline file."""
    return (
        finding.location.path,
        finding.rule,
        finding.vm or "",
        finding.host or "",
        identity(finding),
        finding.message,
    )


def _normal(row: tuple) -> tuple:
    return tuple(_stable(v) for v in row)


def key(finding) -> tuple:
    """The baseline key: (path, rule, vm, host, identity, message), line numbers left out."""
    return _normal(_row(finding))


_FIELDS = ("path", "rule", "vm", "host", "identity", "message")


def fingerprints(findings, salt: str = "dmlint/v1") -> list[str]:
    """One stable, unique hex fingerprint per finding, in the order given.

    Built from rule, path, vm, host and key-or-field (not the line, not the values in the
    message); the n-th finding with the same parts gets counter n, so fingerprints are unique.
    Callers pass findings in the deterministic output order (path, line, column, rule)."""
    seen: Counter = Counter()
    out = []
    for f in findings:
        parts = (f.rule, f.location.path, _stable(f.vm or ""), _stable(f.host or ""), identity(f))
        seen[parts] += 1
        text = "\x1f".join((salt, *parts, str(seen[parts])))
        out.append(hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32])  # non-UTF-8 file names too
    return out


class Baseline:
    """The findings recorded in a baseline file, as a multiset of keys."""

    def __init__(self, entries: Counter, path: str = ""):
        self.entries = entries
        self.path = path

    def __len__(self) -> int:
        return sum(self.entries.values())


def dumps(findings) -> str:
    from dmlint import __version__

    rows = sorted(_row(f) for f in findings)
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "generated_by": f"dmlint {__version__}",
        "note": "Findings accepted as they are; `dmlint check --baseline FILE` reports only others. "
        "Matched by path, rule, VM/host, key or field, and message: not by line.",
        "findings": [dict(zip(_FIELDS, row)) for row in rows],
    }
    from dmlint.report.escape import json_safe

    # json_safe: control characters and the lone surrogates of non-UTF-8 file names as \uNNNN,
    # so the file is valid UTF-8 and reads back to the same keys
    return json_safe(json.dumps(doc, indent=2, ensure_ascii=False)) + "\n"


def write(findings, path) -> int:
    """Write a baseline of `findings` to `path`; return how many entries it holds."""
    from dmlint.safeio import write_atomic

    findings = list(findings)
    try:
        write_atomic(path, dumps(findings))  # a failure leaves the old baseline, never a truncated one
    except OSError as exc:
        raise BaselineError(f"cannot write baseline {path}: {exc.strerror or exc}") from None
    return len(findings)


def loads(text: str, origin: str = "<baseline>") -> Baseline:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise BaselineError(f"{origin}: not a dmlint baseline (invalid JSON: {exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise BaselineError(f"{origin}: not a dmlint baseline (no \"format\": \"{FORMAT}\"); write one with --write-baseline")
    if doc.get("version") != VERSION:
        raise BaselineError(f"{origin}: baseline version {doc.get('version')!r} is not supported (expected {VERSION}); rewrite it with --write-baseline")
    rows = doc.get("findings")
    if not isinstance(rows, list):
        raise BaselineError(f"{origin}: \"findings\" must be a list")
    entries: Counter = Counter()
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise BaselineError(f"{origin}: findings[{i}] is not an object")
        values = []
        for name in _FIELDS:
            value = row.get(name, "")
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise BaselineError(f"{origin}: findings[{i}].{name} must be a string")
            values.append(value)
        if not values[0] or not values[1]:
            raise BaselineError(f"{origin}: findings[{i}] lacks a path or rule")
        entries[_normal(tuple(values))] += 1
    return Baseline(entries, origin)


def load(path) -> Baseline:
    """Read a baseline file; a missing or garbled file raises BaselineError."""
    from dmlint.safeio import NotRegular, TooLarge, read_regular

    try:
        raw = read_regular(path)  # a regular file within the readers' size bound, or nothing
    except FileNotFoundError:
        raise BaselineError(f"baseline {path} not found (create it with --write-baseline {path})") from None
    except NotRegular as exc:
        if exc.kind == "a directory":
            raise BaselineError(f"baseline {path} is a directory, not a file") from None
        raise BaselineError(f"{path}: {exc}: not a baseline") from None
    except TooLarge as exc:
        raise BaselineError(f"{path}: {exc}: not a baseline") from None
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BaselineError(f"{path}: not a dmlint baseline (not UTF-8 text)") from None
    return loads(text, str(path))


def filter(findings, baseline: Baseline) -> tuple[list, int]:  # noqa: A001 - the API the CLI names
    """Return (findings not in the baseline, how many were matched), keeping the order given."""
    remaining = Counter(baseline.entries)
    new, matched = [], 0
    for f in findings:
        k = key(f)
        if remaining[k] > 0:
            remaining[k] -= 1
            matched += 1
        else:
            new.append(f)
    return new, matched
