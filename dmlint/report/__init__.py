"""Reporters: findings -> text for a terminal, a file or a CI system."""

from __future__ import annotations

FORMATS = ("text", "json", "sarif", "junit", "github", "gitlab")


def render(findings, fmt: str, *, color: bool = False, registry=None, files: int = 0) -> str:
    if fmt == "text":
        from dmlint.report.text import render as r

        return r(findings, color=color, files=files)
    if fmt == "json":
        from dmlint.report.json_report import render as r

        return r(findings)
    if fmt == "sarif":
        from dmlint.report.sarif import render as r

        return r(findings, registry)
    if fmt == "junit":
        from dmlint.report.junit import render as r

        return r(findings, registry)
    if fmt == "github":
        from dmlint.report.github import render as r

        return r(findings)
    if fmt == "gitlab":
        from dmlint.report.gitlab import render as r

        return r(findings)
    raise ValueError(f"unknown format {fmt!r}")
