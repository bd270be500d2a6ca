"""`dmlint fleet --html FILE`: one self-contained page, each host's memory as a picture.

No network and no script: inline CSS and SVG only, and a Content-Security-Policy that forbids
loading anything, so the page opens the same from a CI artifact, a mail or a file share.
"""

from __future__ import annotations

from html import escape as _html_escape

from dmlint.fleet import reserve_method
from dmlint.report.escape import human


def escape(text) -> str:
    """HTML-escaped, and control characters written as escapes (dmlint.report.escape.human)."""
    return _html_escape(human(text))

_CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#1d2330;background:#f6f7f9}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #c9ced8;padding-bottom:4px}
h3{font-size:15px;margin:0 0 6px}.muted{color:#5c6577}
.host{background:#fff;border:1px solid #d5d9e0;border-left:6px solid #3a8f5c;border-radius:6px;padding:10px 14px;margin:10px 0}
.host.warning{border-left-color:#d19a00}.host.error{border-left-color:#c62828}
.badge{display:inline-block;font-size:12px;font-weight:normal;padding:1px 7px;border-radius:10px;background:#e8ebf0;margin-left:6px}
.badge.est{background:#fff1c2}.badge.bad{background:#fbd5d5}.badge.ok{background:#d8f0df}
ul.findings{margin:6px 0 0;padding-left:18px}ul.findings li{margin:2px 0}
li.error b{color:#c62828}li.warning b{color:#9a6c00}li.info b{color:#1565c0}
table.nums{border-collapse:collapse;font-size:12px;margin-top:4px}table.nums td{padding:1px 10px 1px 0}
.legend span{display:inline-block;margin-right:14px}.sw{display:inline-block;width:12px;height:12px;vertical-align:-2px;margin-right:4px;border-radius:2px}
svg text{font:11px system-ui,sans-serif;fill:#1d2330}
"""

_COLORS = {"usable": "#9cc9a8", "reserve": "#8a8f99", "minimum": "#4a6fa5", "demand": "#7e57c2", "startup": "#e08a2c", "over": "#c62828"}
_W = 900  # SVG width in px
_LABEL = 90


def _legend() -> str:
    items = [("usable", "usable memory"), ("reserve", "host reserve"), ("minimum", "Σ minimum + overhead"),
             ("demand", "Σ demand + overhead"), ("startup", "Σ startup + overhead"), ("over", "more than usable")]
    return "".join(f'<span><i class="sw" style="background:{_COLORS[k]}"></i>{escape(t)}</span>' for k, t in items)


def _bar_svg(h) -> str:
    scale_mb = max(h.physical, h.sum_startup, h.sum_target, 1) * 1.04
    span = _W - _LABEL - 10

    def x(mb):
        return _LABEL + max(0.0, mb) / scale_mb * span

    rows = []
    y = 4
    usable_w = x(h.usable) - _LABEL
    rows.append(f'<text x="0" y="{y + 12}">capacity</text>')
    rows.append(f'<rect x="{_LABEL}" y="{y}" width="{usable_w:.1f}" height="16" fill="{_COLORS["usable"]}"/>')
    rows.append(f'<rect x="{_LABEL + usable_w:.1f}" y="{y}" width="{x(h.physical) - x(h.usable):.1f}" height="16" fill="{_COLORS["reserve"]}"/>')
    rows.append(f'<text x="{_LABEL + 4}" y="{y + 12}">{h.usable} MB usable of {h.physical} MB</text>')
    y += 22
    for key, label, value in (("minimum", "minimums", h.sum_hard), ("demand", "demand", h.sum_soft), ("startup", "startup", h.sum_startup)):
        color = _COLORS["over"] if value > h.usable else _COLORS[key]
        rows.append(f'<text x="0" y="{y + 11}">{label}</text>')
        fit = min(value, h.usable)
        rows.append(f'<rect x="{_LABEL}" y="{y}" width="{x(fit) - _LABEL:.1f}" height="13" fill="{_COLORS[key]}"/>')
        if value > h.usable:
            rows.append(f'<rect x="{x(h.usable):.1f}" y="{y}" width="{x(value) - x(h.usable):.1f}" height="13" fill="{color}"/>')
        rows.append(f'<text x="{x(value) + 4:.1f}" y="{y + 11}">{value} MB</text>')
        y += 18
    line_x = x(h.usable)
    rows.append(f'<line x1="{line_x:.1f}" y1="2" x2="{line_x:.1f}" y2="{y}" stroke="#1d2330" stroke-width="1.5" stroke-dasharray="4 2"/>')
    label = f"{h.name}: usable {h.usable} MB, minimums {h.sum_hard} MB, demand {h.sum_soft} MB, startup {h.sum_startup} MB"
    return (f'<svg role="img" aria-label="{escape(label)}" width="{_W}" height="{y + 4}" viewBox="0 0 {_W} {y + 4}" '
            f'xmlns="http://www.w3.org/2000/svg">{"".join(rows)}</svg>')


def _findings_html(findings) -> str:
    if not findings:
        return ""
    items = []
    for f in findings:
        sev = str(f.severity)
        where = f"{f.location.path}:{f.location.line}" if f.location.line else f.location.path
        vm = f" [{escape(f.vm)}]" if f.vm else ""
        items.append(f'<li class="{sev}"><b>{escape(f.rule)} {sev}</b> {escape(f.message)}{vm} '
                     f'<span class="muted">{escape(where)}</span></li>')
    return f'<ul class="findings">{"".join(items)}</ul>'


def _worst(findings) -> str:
    sev = max((int(f.severity) for f in findings), default=0)
    return {3: "error", 2: "warning", 1: "info"}.get(sev, "")


def _host_html(h, findings) -> str:
    badges = [f'<span class="badge{" est" if h.estimated else ""}">usable {h.usable} MB'
              f'{" (reserve estimated)" if h.estimated else ""}</span>']
    verdict = h.nplus1_verdict()
    if verdict != "n/a":
        cls = "ok" if verdict == "ok" else "bad"
        badges.append(f'<span class="badge {cls}">N+1: {escape(verdict)}</span>')
    gap = h.gap_soft if h.gap_soft is not None and h.gap_soft > 0 else 0
    certain = h.gap_hard is not None and h.gap_hard > 0
    nums = (f'<table class="nums"><tr><td>VMs {len(h.vms)} ({h.n_run} running)</td><td>overhead {h.overhead} MB</td>'
            f'<td>Σ target {h.sum_target} MB</td><td>worst restart gap {gap} MB'
            f'{" (certain)" if certain else (" (likely)" if gap else "")}</td></tr></table>')
    return (f'<article class="host {_worst(findings)}" id="host-{escape(h.name)}"><h3>{escape(h.name)}{"".join(badges)}</h3>'
            f'{_bar_svg(h)}{nums}{_findings_html(findings)}</article>')


def render(fleet, findings, title: str = "dmlint fleet report") -> str:
    """The page for a Fleet and the (suppression-filtered) fleet findings."""
    by_host: dict = {}
    unplaced = []
    for f in findings:
        if f.host is not None and f.host in fleet.by_name:
            by_host.setdefault(f.host, []).append(f)
        else:
            unplaced.append(f)
    counts = {s: sum(1 for f in findings if str(f.severity) == s) for s in ("error", "warning", "info")}
    n_vms = sum(len(h.vms) for h in fleet.hosts)
    estimated = sum(1 for h in fleet.hosts if h.estimated)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="muted">{len(fleet.hosts)} hosts, {n_vms} placed VMs, {len(fleet.clusters)} clusters; '
        f"overhead {fleet.overhead} MB per running VM; findings: {counts['error']} errors, {counts['warning']} warnings, "
        f"{counts['info']} info.</p>",
    ]
    if estimated:
        parts.append(f'<p class="muted">{estimated} host{"s" if estimated != 1 else ""} without a reserve: usable memory '
                     f"estimated with {escape(reserve_method())} (Hyper-V 2012 R2 and later compute the reserve "
                     f"dynamically; give each host's measured reserve).</p>")
    parts.append(f'<p class="legend">{_legend()}</p>')
    groups: dict = {}
    for h in fleet.hosts:
        groups.setdefault(h.cluster, []).append(h)
    for cluster in sorted(groups, key=lambda c: (c is None, c or "")):
        hosts = groups[cluster]
        heading = f"Cluster {escape(cluster)}" if cluster is not None else "Hosts without a cluster"
        parts.append(f"<section><h2>{heading} <span class=\"muted\">({len(hosts)} host{'s' if len(hosts) != 1 else ''})</span></h2>")
        for h in hosts:
            parts.append(_host_html(h, by_host.get(h.name, [])))
        parts.append("</section>")
    if unplaced:
        parts.append(f"<section><h2>Not placed on a defined host</h2>{_findings_html(unplaced)}</section>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
