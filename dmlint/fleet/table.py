"""The per-host fleet table (text and json) that `dmlint fleet` prints."""

from __future__ import annotations

import json

from dmlint.fleet import RUNNING_STATES, floors, reserve_method
from dmlint.fleet.nplus1 import place
from dmlint.report.escape import human, json_safe

COLUMNS = ("host", "cluster", "usable MB", "VMs", "Σ minimum", "Σ demand", "Σ startup", "worst restart gap", "N+1")


def _rows(fleet):
    rows = []
    for h in fleet.hosts:
        gap = h.gap_soft if h.gap_soft is not None and h.gap_soft > 0 else 0
        certain = h.gap_hard is not None and h.gap_hard > 0
        gap_text = f"{gap} {'certain' if certain else 'likely'} ({human(h.gap_vm)})" if gap else "-"
        rows.append((
            human(h.name),
            human(h.cluster) if h.cluster else "-",
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
            vm = f" [{human(f.vm)}]" if f.vm else ""
            lines.append(f"{where(f.location)}: {human(f.rule)} {f.severity} {human(f.message)}{vm}")
    counted = [f for f in findings if fleet_ids is None or f.rule in fleet_ids]
    errors = sum(1 for f in counted if str(f.severity) == "error")
    inputs = len(findings) - len(counted)
    more = f"; {inputs} input finding{'s' if inputs != 1 else ''}" if inputs else ""
    lines.append(f"{len(fleet.hosts)} hosts, {len(counted)} fleet finding{'s' if len(counted) != 1 else ''} ({errors} error{'s' if errors != 1 else ''}){more}.")
    return "\n".join(lines) + "\n"


def vm_detail(h) -> list:
    """Per VM of a host, largest startup first: the figures the balancer model uses (MB)."""
    gaps = {id(r.vm): r for r in h.restart}
    out = []
    for vm in sorted(h.vms, key=lambda v: (-v.startup, v.name)):
        fh, fs, t = floors(vm)
        r = gaps.get(id(vm))
        out.append({
            "vm": vm.name, "state": vm.state, "dynamic": vm.dynamic, "clustered": vm.clustered,
            "startup_mb": vm.startup, "minimum_floor_mb": fh, "demand_floor_mb": fs, "target_mb": t,
            "holds_memory": vm.state in RUNNING_STATES,
            "restart_gap_certain_mb": max(r.gap_hard, 0) if r else 0,
            "restart_gap_likely_mb": max(r.gap_soft, 0) if r else 0,
        })
    return out


def failover_detail(fleet, h):
    """If host h fails: where first-fit decreasing puts each clustered VM, what does not fit, and what is left."""
    fo = h.nplus1
    if fo is None:
        return None
    hosts = fleet.clusters[h.cluster]
    items, sizes, placed, left = place(hosts, hosts.index(h), fleet.overhead)
    return {
        "decided_by": fo.decided_by,
        "certain": fo.certain,
        "survivors": fo.survivors,
        "need_mb": fo.need_total,
        "survivor_headroom_mb": fo.headroom_total,
        "largest_headroom_mb": fo.largest_headroom if fo.survivors else None,
        "largest_headroom_host": fo.largest_host,
        "failed": [{"vm": vm.name, "mb": mb} for vm, mb in fo.failed],
        "placement": [{"vm": vm.name, "mb": mb, "host": host} for vm, mb, host in zip(items, sizes, placed)],
        "headroom_left_mb": {t.name: left[j] for j, t in enumerate(hosts) if t is not h},
    }


def render_json(fleet, findings) -> str:
    per_host: dict = {}
    for f in findings:
        per_host.setdefault(f.host, []).append(f.as_dict())
    doc = {
        "overhead_mb": fleet.overhead,
        "reserve_estimate": reserve_method(),
        "hosts": [dict(h.as_dict(), findings=per_host.get(h.name, []), vm_detail=vm_detail(h), failover=failover_detail(fleet, h))
                  for h in fleet.hosts],
        "clusters": {name: [h.name for h in hosts] for name, hosts in sorted(fleet.clusters.items())},
        "findings": [f.as_dict() for f in findings],
    }
    return json_safe(json.dumps(doc, indent=2)) + "\n"
