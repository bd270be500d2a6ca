"""Suppressions: comments in the checked files and per-file-ignores from the config.

    # dmlint: disable=DM102 -- reason           (YAML: this line, or the line below when alone)
    <!-- dmlint: disable=DM105 -- reason -->    (XML: the same; `: reason` also ends the IDs)
    # dmlint: disable-file=DM204 -- reason      (the whole file)

IDs may be prefixes (`DM2`); `all` suppresses every rule. Binary VMCX files take
`per-file-ignores` in the config: {glob: [IDs]}.

A directive counts only inside a real comment, as the file's own parser sees it: a VM's
`notes` (a YAML string or block scalar, an XML text node or CDATA section) that happens to
hold `# dmlint: disable-file=all` switches nothing off. Each reader supplies the comments
(`yaml_directives`, `xml_directives`; another reader passes its comments to `from_comments`)
and stores the result on `ParseResult.line_suppressions` / `file_suppressions`.
Every step is linear in the text: str methods and a hand-written directive scanner, no regex
that can backtrack.
"""

from __future__ import annotations

import bisect
import fnmatch
import re

_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_, \t")
_YAML_BREAK = re.compile(r"\r\n|[\n\r\x85\u2028\u2029]")  # libyaml's line breaks (its marks count them)


def parse_directive(comment: str) -> tuple[str, set[str]] | None:
    """The directive in one comment's text (without its `#` or `<!--`), or None.

    `dmlint: disable=ID[,ID...]` or `disable-file=...`, optionally followed by a reason after
    `--`, `-` (XML readers see `--` as `- `) or `:`. A directive may also follow a later `#` in
    the comment (`# noqa # dmlint: disable=DM1`). Anything else in the ID list: not a directive."""
    if "dmlint" not in comment:
        return None
    for part in comment.split("#"):
        part = part.strip()
        if not part.startswith("dmlint:"):
            continue
        rest = part[len("dmlint:"):].lstrip()
        if rest.startswith("disable-file"):
            kind, rest = "disable-file", rest[len("disable-file"):]
        elif rest.startswith("disable"):
            kind, rest = "disable", rest[len("disable"):]
        else:
            continue
        rest = rest.lstrip()
        if not rest.startswith("="):
            continue
        rest = rest[1:]
        cut = len(rest)
        for sep in ("-", ":"):
            at = rest.find(sep)
            if 0 <= at < cut:
                cut = at
        ids_text = rest[:cut]
        if not ids_text.strip() or not set(ids_text) <= _ID_CHARS:
            continue
        ids = {i.upper() for i in ids_text.replace(",", " ").split()}
        if ids:
            return kind, ids
    return None


def from_comments(comments) -> tuple[dict[int, set[str]], set[str]]:
    """[(line, text, alone)] of real comments -> ({line: ids}, file-wide ids).
    `alone`: nothing but blanks (and other comments) on the line, so it covers the next line."""
    lines: dict[int, set[str]] = {}
    whole: set[str] = set()
    for number, text, alone in comments:
        found = parse_directive(text)
        if found is None:
            continue
        kind, ids = found
        if kind == "disable-file":
            whole |= ids
            continue
        lines.setdefault(number, set()).update(ids)
        if alone:
            lines.setdefault(number + 1, set()).update(ids)
    return lines, whole


def _decode(data: bytes) -> str | None:
    for enc in ("utf-8-sig", "utf-16"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return None


def yaml_directives(data: bytes, loader) -> tuple[dict[int, set[str]], set[str]]:
    """Directives from YAML comments. PyYAML has no comment tokens, so a `#` is a comment
    where YAML says so: at the start of a line or after a blank, and not inside any scalar
    token (plain, quoted or block), whose spans libyaml's scanner gives. Past a scanner error
    nothing is known, and no directive is taken from there."""
    if b"dmlint" not in data:
        return {}, set()
    text = _decode(data)
    if text is None or "dmlint" not in text:
        return {}, set()
    candidates = {}
    for number, line in enumerate(_YAML_BREAK.split(text)):
        if "dmlint" in line and "#" in line:
            candidates[number] = line
    if not candidates:
        return {}, set()
    import yaml

    last = max(candidates)
    starts: list[tuple[int, int]] = []
    ends: list[tuple[int, int]] = []
    known_until = (last + 1, 0)
    try:
        for token in yaml.scan(data, Loader=loader):
            if isinstance(token, yaml.ScalarToken):
                starts.append((token.start_mark.line, token.start_mark.column))
                ends.append((token.end_mark.line, token.end_mark.column))
            if token.start_mark.line > last:
                break
    except yaml.YAMLError as exc:
        # the error's context (where an unclosed scalar began) or, without one, its place
        marks = [m for m in (getattr(exc, "context_mark", None), getattr(exc, "problem_mark", None)) if m is not None]
        known_until = min(((m.line, m.column) for m in marks), default=(0, 0))

    def in_scalar(pos) -> bool:
        i = bisect.bisect_right(starts, pos) - 1
        return i >= 0 and pos < ends[i]

    comments = []
    for number, line in candidates.items():
        col = line.find("#")
        while col >= 0:
            if (col == 0 or line[col - 1] in " \t") and (number, col) < known_until and not in_scalar((number, col)):
                comments.append((number + 1, line[col + 1:], line[:col].strip() == ""))
                break
            col = line.find("#", col + 1)
    return from_comments(comments)


def xml_directives(tree, text: bytes) -> tuple[dict[int, set[str]], set[str]]:
    """Directives from the comment nodes lxml parsed (never text nodes or CDATA). A directive
    opens its comment; its line is the comment's line plus the line breaks before it."""
    from lxml import etree

    comments = []
    line_starts = None
    for node in tree.iter(etree.Comment):
        body = node.text or ""
        if "dmlint" not in body or not node.sourceline:
            continue
        lead = len(body) - len(body.lstrip())
        number = node.sourceline + body.count("\n", 0, lead)
        if line_starts is None:
            line_starts = [0] + [m.end() for m in re.finditer(rb"\n", text)]
        if number - 1 >= len(line_starts):
            continue
        start = line_starts[number - 1]
        end = text.find(b"\n", start)
        comments.append((number, body, _blank_without_comments(text[start:end if end >= 0 else len(text)])))
    return from_comments(comments)


def _blank_without_comments(line: bytes) -> bool:
    """Does the line hold nothing but blanks and comments (one may run on past the line)?"""
    rest = []
    pos = 0
    while True:
        start = line.find(b"<!--", pos)
        rest.append(line[pos:start if start >= 0 else len(line)])
        if start < 0:
            break
        end = line.find(b"-->", start + 4)
        if end < 0:
            break
        pos = end + 3
    return b"".join(rest).strip() == b""


def _matches(rule: str, ids) -> bool:
    return any(i == "ALL" or rule.startswith(i) for i in ids)


def apply(findings, parsed, per_file_ignores: dict) -> list:
    """Drop the findings a comment (found by the file's reader) or a per-file-ignores entry
    suppresses."""
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
