"""Human output beyond the one-line text format (ruff's habits):

* `full`: each finding, then the source line it points at with a caret under the value, and
  the rule's documentation URL (ruff's `--output-format full`);
* `rule_links`: after the text findings, each rule that fired once, with its URL;
* `statistics`: the number of findings per rule (`--statistics`).

Source lines are re-read only for files with findings, each read bounded, control
characters escaped; VMCX findings (no lines) show their key path instead.
"""

from __future__ import annotations

from collections import Counter

from dmlint.model import Severity
from dmlint.report.text import where
from dmlint.wording import printable

_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_MAX_CARET = 60


def _style(color: bool):
    if color:
        import click

        return click.style
    return lambda text, **_: text


def _lines(path) -> list[str]:
    from dmlint.project import read_regular

    data = read_regular(path)
    if data is None:
        return []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", "replace")
    else:
        text = data.decode("utf-8", "replace")
    return text.splitlines()


def _value_width(line: str, col: int) -> int:
    """Width of the value at `col` (1-based): up to a comment or the end of the line."""
    rest = line[col - 1:]
    for mark in (" #", "<!--"):
        cut = rest.find(mark)
        if cut > 0:
            rest = rest[:cut]
    return max(1, min(len(rest.rstrip()), _MAX_CARET))


def _url(registry, rule_id: str) -> str | None:
    rule = registry.by_id.get(rule_id) if registry is not None else None
    return rule.source if rule is not None and rule.source else None


def _summary(findings, files: int) -> str:
    counts = Counter(f.severity for f in findings)
    if not findings:
        return f"All checks passed ({files} file{'s' if files != 1 else ''}).\n"
    parts = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in sorted(counts.items(), reverse=True))
    return f"Found {len(findings)} finding{'s' if len(findings) != 1 else ''} ({parts}) in {files} file{'s' if files != 1 else ''}.\n"


def render(findings, parsed, registry, color: bool = False, files: int = 0, quiet: bool = False) -> str:
    style = _style(color)
    paths = {cand.display: cand.path for cand, _ in parsed}
    cache: dict = {}
    out = []
    for f in findings:
        loc = f.location
        vm = f" [{printable(f.vm)}]" if f.vm else ""
        sev = _COLORS[f.severity]
        out.append(f"{style(printable(where(loc)), bold=True)}: {style(f.rule, fg=sev, bold=True)} "
                   f"{style(str(f.severity), fg=sev)} {printable(f.message)}{vm}")
        if loc.line and loc.path in paths:
            if loc.path not in cache:
                cache[loc.path] = _lines(paths[loc.path])
            lines = cache[loc.path]
            if 0 < loc.line <= len(lines):
                line = printable(lines[loc.line - 1].expandtabs(1))
                col = max(loc.column, 1)
                gutter = " " * len(str(loc.line))
                out.append(f"{gutter} |")
                out.append(f"{loc.line} | {line}")
                out.append(f"{gutter} | {' ' * (col - 1)}{style('^' * _value_width(line, col), fg=sev, bold=True)} {f.rule}")
        elif loc.key:
            out.append(f"  = at key {printable(loc.key)}")
        url = _url(registry, f.rule)
        if url:
            out.append(f"  = help: {f.rule} ({f.name}): {url}" if f.name else f"  = help: {url}")
        out.append("")
    text = "\n".join(out) + ("\n" if out else "")
    return text if quiet else text + _summary(findings, files)


def rule_links(findings, registry) -> str:
    """`DM102 minimum-above-startup: https://...`, once per rule that fired (text format)."""
    seen = {}
    for f in findings:
        seen.setdefault(f.rule, f.name)
    lines = [f"  {rid} {name}: {url}" for rid, name in sorted(seen.items()) if (url := _url(registry, rid))]
    return ("Rules (dmlint explain ID):\n" + "\n".join(lines) + "\n") if lines else ""


def quiet_text(text: str, findings) -> str:
    """The text format without its summary line (-q): the findings only."""
    lines = text.splitlines()
    return "".join(line + "\n" for line in lines[:len(findings)])


def statistics(findings, registry) -> str:
    """`--statistics`: count, rule ID, name and severity per rule, most frequent first."""
    counts = Counter(f.rule for f in findings)
    names = {f.rule: (f.name, str(f.severity)) for f in findings}
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    width = max((len(str(n)) for _, n in rows), default=1)
    return "".join(f"{n:>{width}}  {rid}  {names[rid][0]}  [{names[rid][1]}]\n" for rid, n in rows)
