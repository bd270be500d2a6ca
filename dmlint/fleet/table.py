"""The per-host fleet table (text and json) that `dmlint fleet` prints."""

from __future__ import annotations

import json

from dmlint.fleet import reserve_method

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


def render_text(fleet, findings, fleet_ids=None) -> str:
    """`fleet_ids`: the fleet rules' IDs; other findings (unreadable or invalid input) are
    listed too but not counted as fleet findings (the HTML report shows fleet findings only)."""
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
            lines.append(f"* reserve estimated with {reserve_method()}; set reserve: on the host for a measured value.")
    if findings:
        lines.append("")
        for f in findings:
            vm = f" [{f.vm}]" if f.vm else ""
            lines.append(f"{where(f.location)}: {f.rule} {f.severity} {f.message}{vm}")
    counted = [f for f in findings if fleet_ids is None or f.rule in fleet_ids]
    errors = sum(1 for f in counted if str(f.severity) == "error")
    inputs = len(findings) - len(counted)
    more = f"; {inputs} input finding{'s' if inputs != 1 else ''}" if inputs else ""
    lines.append(f"{len(fleet.hosts)} hosts, {len(counted)} fleet finding{'s' if len(counted) != 1 else ''} ({errors} error{'s' if errors != 1 else ''}){more}.")
    return "\n".join(lines) + "\n"


def render_json(fleet, findings) -> str:
    per_host: dict = {}
    for f in findings:
        per_host.setdefault(f.host, []).append(f.as_dict())
    doc = {
        "overhead_mb": fleet.overhead,
        "reserve_estimate": reserve_method(),
        "hosts": [dict(h.as_dict(), findings=per_host.get(h.name, [])) for h in fleet.hosts],
        "clusters": {name: [h.name for h in hosts] for name, hosts in sorted(fleet.clusters.items())},
        "findings": [f.as_dict() for f in findings],
    }
    return json.dumps(doc, indent=2) + "\n"
