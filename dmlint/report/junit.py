"""JUnit XML (the Apache Ant schema that Jenkins, GitLab and Azure DevOps read).

One `<testsuite name="dmlint">`; one `<testcase>` per finding, with `<failure type="DM102">`
for errors and warnings (info findings are listed as passing test cases); a run without
findings is a single passing test case, so CI shows that the check ran. `classname` is the
file, so CI systems group the findings by file.
"""

from __future__ import annotations

import os
import re
import socket
from datetime import datetime, timezone

from dmlint import __version__
from dmlint.model import Severity
from dmlint.report.escape import human, xml_safe

# characters XML 1.0 cannot carry, even escaped
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def _timestamp() -> str:
    """Now in UTC without a zone (the schema forbids one); SOURCE_DATE_EPOCH for reproducible output."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    when = None
    if epoch.isdigit():
        try:
            when = datetime.fromtimestamp(int(epoch), tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            when = None
    when = when or datetime.now(timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S")


def _hostname() -> str:
    try:
        name = socket.gethostname().strip()
    except OSError:
        name = ""
    return name or "localhost"


def _where(loc) -> str:
    if loc.line:
        return f"{loc.path}:{loc.line}:{loc.column}" if loc.column else f"{loc.path}:{loc.line}"
    if loc.key:
        return f"{loc.path}:{loc.key}"
    return loc.path


def render(findings, registry=None) -> str:
    from lxml import etree

    findings = list(findings)
    failing = [f for f in findings if f.severity >= Severity.WARNING]
    suite = etree.Element(
        "testsuite",
        name="dmlint",
        tests=str(max(len(findings), 1)),
        failures=str(len(failing)),
        errors="0",
        skipped="0",
        time="0",
        timestamp=_timestamp(),
        hostname=_clean(_hostname()),
    )
    props = etree.SubElement(suite, "properties")
    etree.SubElement(props, "property", name="dmlint.version", value=__version__)
    if not findings:
        etree.SubElement(suite, "testcase", name="dmlint: no findings", classname="dmlint", time="0")
    for f in findings:
        where = _where(f.location)
        subject = f" [{f.vm}]" if f.vm else (f" [host {f.host}]" if f.host else "")
        title = f"{f.rule} {f.name}".strip() if f.name else f.rule
        case = etree.SubElement(
            suite,
            "testcase",
            name=_clean(f"{title}{subject} at {where}"),
            classname=_clean(f.location.path),
            time="0",
        )
        if f.severity >= Severity.WARNING:
            failure = etree.SubElement(case, "failure", type=f.rule, message=_clean(f.message))
            # element text keeps its newlines in XML: escaped like the text format, one line
            failure.text = _clean(human(f"{where}: {f.rule} {f.severity} {f.message}{subject}"))
    etree.SubElement(suite, "system-out").text = ""
    etree.SubElement(suite, "system-err").text = ""
    return xml_safe(etree.tostring(suite, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode("utf-8"))
