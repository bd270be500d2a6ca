"""`path:line:col: ID severity message [vm]`, as compilers and ruff print it."""

from __future__ import annotations

from dmlint.model import Severity
from dmlint.report.escape import human, human_path

_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def where(loc) -> str:
    """`path:line:col` (or `path:key`), escaped for a terminal: it starts a line of output."""
    path = human_path(loc.path)
    if loc.line:
        return f"{path}:{loc.line}:{loc.column}"
    if loc.key:
        return f"{path}:{human(loc.key)}"
    return path


def render(findings, color: bool = False, files: int = 0) -> str:
    if color:
        import click

        style = click.style
    else:
        def style(text, **_):
            return text

    lines = []
    for f in findings:
        vm = f" [{human(f.vm)}]" if f.vm else ""
        lines.append(
            f"{style(where(f.location), bold=True)}: {style(human(f.rule), fg=_COLORS[f.severity], bold=True)} "
            f"{style(str(f.severity), fg=_COLORS[f.severity])} {human(f.message)}{vm}"
        )
    counts = {s: sum(1 for f in findings if f.severity == s) for s in Severity}
    if findings:
        summary = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in sorted(counts.items(), reverse=True) if n)
        lines.append(f"Found {len(findings)} finding{'s' if len(findings) != 1 else ''} ({summary}) in {files} file{'s' if files != 1 else ''}.")
    else:
        lines.append(f"All checks passed ({files} file{'s' if files != 1 else ''}).")
    return "\n".join(lines) + "\n"
