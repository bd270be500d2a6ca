"""`dmlint fleet [PATH...]`: the fleet pass alone, as a per-host table (text or json) and an HTML page."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from dmlint.fleet import RESERVE_METHOD

COLUMNS = ("host", "cluster", "usable MB", "VMs", "Σ minimum", "Σ demand", "Σ startup", "worst restart gap", "N+1")


def _rows(fleet):
    rows = []
    for h in fleet.hosts:
        gap = h.gap_soft if h.gap_soft is not None and h.gap_soft > 0 else 0
        certain = h.gap_hard is not None and h.gap_hard > 0
        gap_text = f"{gap} {'certain' if certain else 'likely'} ({h.gap_vm})" if gap else "-"
        rows.append((
            h.name,
            h.cluster or "-",
            f"{h.usable}{'*' if h.estimated else ''}",
            f"{h.n_run}/{len(h.vms)}",
            str(h.sum_hard),
            str(h.sum_soft),
            str(h.sum_startup),
            gap_text,
            h.nplus1_verdict(),
        ))
    return rows


def render_text(fleet, findings) -> str:
    from dmlint.report.text import where

    lines = []
    if not fleet.hosts:
        lines.append("No hosts defined: add a hosts: list (name, memory, optional reserve and cluster) and place VMs with host:.")
    else:
        rows = [COLUMNS] + _rows(fleet)
        widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
        numeric = {2, 3, 4, 5, 6}
        for n, row in enumerate(rows):
            cells = [(c.rjust(widths[i]) if i in numeric and n else c.ljust(widths[i])) for i, c in enumerate(row)]
            lines.append("  ".join(cells).rstrip())
        lines.append(f"Sums are MB of running and paused VMs plus {fleet.overhead} MB overhead each; VMs = running/placed.")
        if any(h.estimated for h in fleet.hosts):
            lines.append(f"* reserve estimated with {RESERVE_METHOD}; set reserve: on the host for a measured value.")
    if findings:
        lines.append("")
        for f in findings:
            vm = f" [{f.vm}]" if f.vm else ""
            lines.append(f"{where(f.location)}: {f.rule} {f.severity} {f.message}{vm}")
    errors = sum(1 for f in findings if str(f.severity) == "error")
    lines.append(f"{len(fleet.hosts)} hosts, {len(findings)} fleet finding{'s' if len(findings) != 1 else ''} ({errors} error{'s' if errors != 1 else ''}).")
    return "\n".join(lines) + "\n"


def render_json(fleet, findings) -> str:
    per_host: dict = {}
    for f in findings:
        per_host.setdefault(f.host, []).append(f.as_dict())
    doc = {
        "overhead_mb": fleet.overhead,
        "reserve_estimate": RESERVE_METHOD,
        "hosts": [dict(h.as_dict(), findings=per_host.get(h.name, [])) for h in fleet.hosts],
        "clusters": {name: [h.name for h in hosts] for name, hosts in sorted(fleet.clusters.items())},
        "findings": [f.as_dict() for f in findings],
    }
    return json.dumps(doc, indent=2) + "\n"


@click.command("fleet")
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="Table format (default text).")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), default=None, help="Also write a self-contained HTML report to FILE.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None, help="Lowest severity that fails the run (default error).")
@click.option("--ignore", multiple=True, help="Fleet rule IDs or prefixes to disable.")
@click.option("--exclude", multiple=True, help="Glob of paths not to read (repeatable).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None, help="Configuration file.")
def fleet(paths, fmt, html_path, fail_on, ignore, exclude, config_path):
    """The fleet pass alone: every host's memory at a glance (usable, Σ minimum, Σ startup, worst restart gap, N+1)."""
    from dmlint.cli import EXIT_FINDINGS, EXIT_OK, UsageError, _common_run, _settings
    from dmlint.model import Severity
    from dmlint.pipeline import Context, Options

    settings, cfg_path = _settings(config_path)
    result, _ = _common_run(paths, settings, cfg_path, select=("DM0", "DM3"), ignore=ignore, hyperv_version=None,
                            exclude=exclude, rules_dirs=(), jobs=None)
    options = Options(overhead_mb=settings.get("overhead-mb", 64), settings=settings)
    fleet_result = Context(options, result.vms, result.hosts).fleet  # same records: no second parse
    findings = [f for f in result.findings if f.rule.startswith("DM3") or f.rule.startswith("DM0")]
    if html_path:
        from dmlint.fleet.html import render

        try:
            Path(html_path).write_text(render(fleet_result, [f for f in findings if f.rule.startswith("DM3")]), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {html_path}: {exc.strerror}") from None
    text = render_json(fleet_result, findings) if fmt == "json" else render_text(fleet_result, findings)
    click.echo(text, nl=False)
    threshold = Severity.parse(fail_on or settings.get("fail-on", "error"))
    sys.exit(EXIT_FINDINGS if any(f.severity >= threshold for f in findings) else EXIT_OK)
