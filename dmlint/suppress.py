"""Suppressions: comments in the checked files and per-file-ignores from the config.

    # dmlint: disable=DM102 -- reason           (YAML: this line, or the line below when alone)
    <!-- dmlint: disable=DM105 -- reason -->    (XML: the same)
    # dmlint: disable-file=DM204 -- reason      (the whole file)

IDs may be prefixes (`DM2`); `all` suppresses every rule. Binary VMCX files take
`per-file-ignores` in the config: {glob: [IDs]}.
"""

from __future__ import annotations

import fnmatch
import re

_DIRECTIVE = re.compile(
    r"(?:#|<!--)\s*dmlint:\s*(disable|disable-file)\s*=\s*([A-Za-z0-9_,\s-]+?)\s*(?:--\s*(.*?))?\s*(?:-->)?\s*$"
)


def _decode(data: bytes) -> str | None:
    for enc in ("utf-8-sig", "utf-16"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def scan(data: bytes) -> tuple[dict[int, set[str]], set[str]]:
    """Return {line: ids} for line suppressions and the file-wide ids."""
    lines: dict[int, set[str]] = {}
    whole: set[str] = set()
    if b"dmlint" not in data and b"d\x00m\x00l\x00i\x00n\x00t" not in data:
        return lines, whole
    text = _decode(data)
    if text is None:
        return lines, whole
    # split on line feeds only: str.splitlines() also breaks on \x85 and \u2028, which
    # YAML and XML parsers do not count as line ends
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        if "dmlint" not in line:
            continue
        m = _DIRECTIVE.search(line)
        if not m:
            continue
        ids = {part.strip().upper() for part in re.split(r"[,\s]+", m.group(2)) if part.strip()}
        if m.group(1) == "disable-file":
            whole |= ids
            continue
        lines.setdefault(number, set()).update(ids)
        if line[: m.start()].strip() == "":  # a comment alone on its line covers the next line
            lines.setdefault(number + 1, set()).update(ids)
    return lines, whole


def _matches(rule: str, ids) -> bool:
    return any(i == "ALL" or rule.startswith(i) for i in ids)


def apply(findings, parsed, per_file_ignores: dict) -> list:
    """Drop the findings a comment (scanned by the reader, see dmlint.readers.read_file) or a
    per-file-ignores entry suppresses."""
    comments = {cand.display: (result.line_suppressions, result.file_suppressions) for cand, result in parsed
                if result.line_suppressions or result.file_suppressions}
    kept = []
    for f in findings:
        path = f.location.path
        ignored = False
        for pattern, ids in per_file_ignores.items():
            if (fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path, f"*/{pattern}")) and _matches(f.rule, ids):
                ignored = True
                break
        if not ignored and path in comments:
            lines, whole = comments[path]
            if _matches(f.rule, whole) or _matches(f.rule, lines.get(f.location.line, ())):
                ignored = True
        if not ignored:
            kept.append(f)
    return kept
