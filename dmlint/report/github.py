"""GitHub Actions workflow commands: one annotation per finding on the pull request's diff.

    ::error file=vms/sql.yaml,line=6,col=14,title=DM102 minimum-above-startup::minimum 2048 MB is above startup 1024 MB [sql-01]

error -> `::error`, warning -> `::warning`, info -> `::notice`. Escaping follows GitHub's
toolkit (actions/toolkit, packages/core/src/command.ts): in the message %, CR and LF are
percent-encoded; in properties also `:` and `,`. Other control characters (ESC, C1, line
separators, bidi overrides) and undecodable file-name bytes are then written as escapes
(`\\x1b`, `\\xff`), and `##[` as `##\\[` (dmlint.report.escape.human): a failed parse of the
line would otherwise fall back to the runner's legacy parser, which finds `##[` anywhere.
Docs: https://docs.github.com/actions/reference/workflows-and-actions/workflow-commands
"""

from __future__ import annotations

from dmlint.model import Severity
from dmlint.report.escape import human

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return human(str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def describe(finding) -> str:
    """The message with what it is about: the VM or host, and the key path where there is no line."""
    text = finding.message
    loc = finding.location
    if not loc.line and loc.key:
        text += f" (at {loc.key})"
    if finding.vm:
        text += f" [{finding.vm}]"
    elif finding.host:
        text += f" [host {finding.host}]"
    return text


def annotation(finding) -> str:
    loc = finding.location
    props = [f"file={escape_property(loc.path)}"]
    if loc.line > 0:
        props.append(f"line={loc.line}")
        if loc.column > 0:
            props.append(f"col={loc.column}")
    title = f"{finding.rule} {finding.name}" if finding.name else finding.rule
    props.append(f"title={escape_property(title)}")
    return f"::{COMMANDS[finding.severity]} {','.join(props)}::{escape_data(describe(finding))}"


def render(findings) -> str:
    lines = [annotation(f) for f in findings]
    return "".join(line + "\n" for line in lines)
