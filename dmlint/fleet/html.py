"""`dmlint fleet --html FILE`: one self-contained page, a capacity planner's picture of the fleet.

Overview first (a summary line and every host in one table sorted by risk), then each host's
detail. Bars are HTML boxes sized in % of one scale common to the whole page, so hosts compare
by eye at any window width; figures are GB with one decimal, the exact MB in the title.
No network: inline CSS, one small inline script (sorting the table by any column), and a
Content-Security-Policy that allows only that script (by its hash) and forbids loading anything.
The page works without the script too: the table is already sorted by risk.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime, timezone
from html import escape as _html_escape

from dmlint.fleet import reserve_method
from dmlint.report.escape import human


def escape(text) -> str:
    """HTML-escaped, and control characters written as escapes (dmlint.report.escape.human)."""
    return _html_escape(human(text))

_CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:16px;color:#1d2330;background:#f6f7f9}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:2px solid #c9ced8;padding-bottom:4px}
h3{font-size:15px;margin:0 0 6px;overflow-wrap:anywhere}.muted{color:#5c6577}
.host{background:#fff;border:1px solid #d5d9e0;border-left:6px solid #3a8f5c;border-radius:6px;padding:10px 14px;margin:10px 0}
.host.warning{border-left-color:#d19a00}.host.error{border-left-color:#c62828}
.badge{display:inline-block;font-size:12px;font-weight:normal;padding:1px 7px;border-radius:10px;background:#e8ebf0;margin-left:6px}
.badge.est{background:#fff1c2}.badge.bad{background:#fbd5d5}.badge.ok{background:#d8f0df}
ul.findings{margin:6px 0 0;padding-left:18px;overflow-wrap:anywhere}ul.findings li{margin:2px 0}
li.error b{color:#c62828}li.warning b{color:#9a6c00}li.info b{color:#1565c0}
.legend span{display:inline-block;margin-right:14px}.sw{display:inline-block;width:12px;height:12px;vertical-align:-2px;margin-right:4px;border-radius:2px}
.wrap{overflow-x:auto;max-width:100%}
table.hosts{border-collapse:collapse;background:#fff;font-size:13px;width:100%}
table.hosts th,table.hosts td{border-bottom:1px solid #e1e4ea;padding:3px 6px;text-align:right;white-space:nowrap}
table.hosts th{background:#eef0f4;cursor:pointer;position:sticky;top:0;white-space:normal;vertical-align:bottom}table.hosts th:first-child,table.hosts td.l{text-align:left}table.hosts td.l{white-space:normal}
table.hosts tr.error td:first-child{border-left:4px solid #c62828}table.hosts tr.warning td:first-child{border-left:4px solid #d19a00}
.bars{display:grid;grid-template-columns:6.5em 1fr;gap:2px 6px;align-items:center;font-size:12px;margin:4px 0}
.track{position:relative;height:14px;background:#f0f1f4}
.seg{position:absolute;top:0;height:100%;left:0}
.usable-line{position:absolute;top:-2px;bottom:-2px;border-left:2px dashed #1d2330}
.nums{font-size:12px;display:flex;flex-wrap:wrap;gap:2px 14px}
.seg.vm-min{background:#4a6fa5}.seg.vm-up{background:#e08a2c}.seg.vm-off{background:#8a8f99;opacity:.45}.seg.vm{box-shadow:inset -1px 0 rgba(255,255,255,.6)}
details{font-size:12px;margin:4px 0}table.vms,table.fo{border-collapse:collapse;font-size:12px}
table.vms td,table.vms th,table.fo td,table.fo th{padding:1px 8px 1px 0;text-align:left;vertical-align:top}
table.fo{background:#fff;width:100%;margin:4px 0 8px}table.fo td{border-bottom:1px solid #e1e4ea;overflow-wrap:anywhere}
@media (max-width:760px){table.hosts .opt{display:none}}
@media print{body{background:#fff;margin:0;font-size:11px}.host{break-inside:avoid;border-color:#999}
 table.hosts th{position:static}.wrap{overflow:visible}a{color:inherit;text-decoration:none}
 .seg,.sw{print-color-adjust:exact;-webkit-print-color-adjust:exact}}
"""

# sorts the host table by the clicked column (numbers by data-v), then records the page's
# rendered widths for checking (data-scroll-width on <html>, data-px on each bar)
_SCRIPT = """
document.querySelectorAll("table.hosts th").forEach(function(th,i){th.addEventListener("click",function(){
var tb=th.closest("table").tBodies[0],rows=Array.from(tb.rows),d=th.dataset.dir==="a"?-1:1;th.dataset.dir=d>0?"a":"d";
rows.sort(function(a,b){var x=a.cells[i],y=b.cells[i],p=x.dataset.v,q=y.dataset.v;
return d*(p!==undefined&&q!==undefined?p-q:x.textContent.localeCompare(y.textContent));});
rows.forEach(function(r){tb.appendChild(r);});});});
[document.documentElement].concat(Array.from(document.querySelectorAll(".wrap"))).forEach(function(e){
e.dataset.scrollWidth=e.scrollWidth;e.dataset.clientWidth=e.clientWidth;});
document.querySelectorAll(".seg[data-mb]").forEach(function(s){s.dataset.px=s.getBoundingClientRect().width.toFixed(1);});
"""

_COLORS = {"usable": "#9cc9a8", "reserve": "#8a8f99", "minimum": "#4a6fa5", "demand": "#7e57c2", "startup": "#e08a2c", "over": "#c62828",
           "vm-min": "#4a6fa5", "vm-up": "#e08a2c", "vm-off": "#8a8f99"}


def gb(mb) -> str:
    """MB as GB with one decimal."""
    return f"{mb / 1024:.1f}"


def _num(mb, suffix=" GB") -> str:
    """A figure in GB, the exact MB in its title."""
    return f'<span title="{mb} MB">{gb(mb)}{suffix}</span>'


def _legend() -> str:
    items = [("usable", "usable memory"), ("reserve", "host reserve"), ("minimum", "Σ minimum + overhead"),
             ("demand", "Σ demand + overhead"), ("startup", "Σ startup + overhead"), ("over", "more than usable"),
             ("vm-min", "a running VM at its minimum"), ("vm-up", "… up to its startup"), ("vm-off", "off or saved VM: startup it needs")]
    return "".join(f'<span><i class="sw" style="background:{_COLORS[k]}"></i>{escape(t)}</span>' for k, t in items)


def scale_of(fleet) -> int:
    """The one scale of every bar on the page: the largest figure any host draws (MB)."""
    return max([max(h.physical, h.sum_startup, h.sum_target) for h in fleet.hosts] + [1])


def _pct(mb, scale) -> str:
    return f"{max(0, mb) * 100 / scale:.3f}%"


def _seg(kind, mb, scale, start=0, title="") -> str:
    style = f"left:{_pct(start, scale)};width:{_pct(mb, scale)};background:{_COLORS[kind]}"
    return f'<i class="seg {kind}" data-mb="{mb}" style="{style}" title="{escape(title or f"{mb} MB")}"></i>'


def _bars(h, scale) -> str:
    line = f'<i class="usable-line" style="left:{_pct(h.usable, scale)}"></i>'
    rows = ['<span>capacity</span><div class="track">'
            + _seg("usable", h.usable, scale, title=f"{h.usable} MB usable")
            + _seg("reserve", h.reserve, scale, start=h.usable, title=f"{h.reserve} MB reserve of {h.physical} MB physical")
            + line + "</div>"]
    for key, label, value in (("minimum", "Σ minimum", h.sum_hard), ("demand", "Σ demand", h.sum_soft), ("startup", "Σ startup", h.sum_startup)):
        fit = min(value, h.usable)
        segs = _seg(key, fit, scale, title=f"{label} {value} MB")
        if value > h.usable:
            segs += _seg("over", value - h.usable, scale, start=h.usable, title=f"{value - h.usable} MB more than usable")
        rows.append(f'<span>{label}</span><div class="track">{segs}{line}</div>')
    rows.extend(_vm_rows(h, scale, line))
    label = f"{h.name}: usable {h.usable} MB, minimums {h.sum_hard} MB, demand {h.sum_soft} MB, startup {h.sum_startup} MB"
    return f'<div class="bars" role="img" aria-label="{escape(label)}">{"".join(rows)}</div>{_vm_table(h)}'


def _by_size(vms):
    return sorted(vms, key=lambda v: (-v.startup, v.name))


def _vm_rows(h, scale, line) -> list:
    """What fills the host: its running VMs stacked largest first (minimum dark, up to startup
    light, overhead included at the end), and apart, dimmed, the off and saved VMs' startup."""
    from dmlint.fleet import floors

    rows = []
    run = _by_size(h.running)
    if run:
        x, segs = 0, []
        for vm in run:
            fh, fs, _ = floors(vm)
            tip = f"{vm.name}: {vm.state}, startup {vm.startup} MB, minimum {fh} MB, demand {fs} MB"
            segs.append(f'<i class="seg vm vm-min" style="left:{_pct(x, scale)};width:{_pct(fh, scale)}" title="{escape(tip)}"></i>')
            if vm.startup > fh:
                segs.append(f'<i class="seg vm vm-up" style="left:{_pct(x + fh, scale)};width:{_pct(vm.startup - fh, scale)}" title="{escape(tip)}"></i>')
            x += vm.startup
        rows.append(f'<span>running VMs</span><div class="track">{"".join(segs)}{line}</div>')
    idle = _by_size(h.off + h.saved)
    if idle:
        x, segs = 0, []
        for vm in idle:
            tip = f"{vm.name}: {vm.state}, needs {vm.startup} MB startup + overhead to start"
            segs.append(f'<i class="seg vm vm-off" style="left:{_pct(x, scale)};width:{_pct(vm.startup, scale)}" title="{escape(tip)}"></i>')
            x += vm.startup
        rows.append(f'<span>off / saved</span><div class="track">{"".join(segs)}{line}</div>')
    return rows


def _vm_table(h) -> str:
    """The same VMs as an accessible table, collapsed."""
    if not h.vms:
        return ""
    from dmlint.fleet import floors

    rows = []
    for vm in _by_size(h.vms):
        fh, fs, _ = floors(vm)
        rows.append(f"<tr><td>{escape(vm.name)}</td><td>{escape(vm.state)}</td><td>{_num(vm.startup, '')}</td>"
                    f"<td>{_num(fh, '')}</td><td>{_num(fs, '')}</td><td>{'yes' if vm.clustered else ''}</td></tr>")
    return (f'<details><summary>{len(h.vms)} VMs on {escape(h.name)}, largest first</summary><table class="vms"><thead><tr>'
            f'<th scope="col">VM</th><th scope="col">state</th><th scope="col">startup GB</th><th scope="col">minimum GB</th>'
            f'<th scope="col">demand GB</th><th scope="col">clustered</th></tr></thead><tbody>{"".join(rows)}</tbody></table></details>')


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


def _gap(h):
    gap = h.gap_soft if h.gap_soft is not None and h.gap_soft > 0 else 0
    certain = h.gap_hard is not None and h.gap_hard > 0
    return gap, certain


def risk_order(fleet, by_host) -> list:
    """Hosts by risk: certain problems (errors) first, then likely ones (warnings), then headroom at startup ascending."""
    rank = {"error": 0, "warning": 1, "info": 2, "": 2}
    return sorted(fleet.hosts, key=lambda h: (rank[_worst(by_host.get(h.name, []))], h.usable - h.sum_startup, h.name))


def _host_table(hosts, by_host) -> str:
    heads = ["host", "cluster", "usable", "Σ minimum", "Σ demand", "Σ startup", "headroom at startup",
             "headroom %", "worst restart gap", "N+1", "findings"]
    opt = {1, 4, 7}  # columns hidden below 760 px
    th = "".join(f'<th{" class=opt" if i in opt else ""} scope="col">{escape(t)}</th>' for i, t in enumerate(heads))
    rows = []
    for h in hosts:
        found = by_host.get(h.name, [])
        head = h.usable - h.sum_startup
        pct = head * 100 / h.usable if h.usable > 0 else 0.0
        gap, certain = _gap(h)
        gap_text = f'{_num(gap, "")} {"certain" if certain else "likely"}' if gap else "-"
        counts = {s: sum(1 for f in found if str(f.severity) == s) for s in ("error", "warning", "info")}
        ftext = ", ".join(f"{n} {s}{'s' if n != 1 and s != 'info' else ''}" for s, n in counts.items() if n) or "-"
        sev_v = counts["error"] * 10000 + counts["warning"] * 100 + counts["info"]
        cells = [
            f'<td class="l"><a href="#host-{escape(h.name)}">{escape(h.name)}</a></td>',
            f'<td class="l opt">{escape(h.cluster or "-")}</td>',
            f'<td data-v="{h.usable}">{_num(h.usable, "")}{"*" if h.estimated else ""}</td>',
            f'<td data-v="{h.sum_hard}">{_num(h.sum_hard, "")}</td>',
            f'<td class="opt" data-v="{h.sum_soft}">{_num(h.sum_soft, "")}</td>',
            f'<td data-v="{h.sum_startup}">{_num(h.sum_startup, "")}</td>',
            f'<td data-v="{head}">{_num(head, "")}</td>',
            f'<td class="opt" data-v="{pct:.2f}">{pct:.1f} %</td>',
            f'<td data-v="{gap}">{gap_text}</td>',
            f'<td class="l">{escape(h.nplus1_verdict())}</td>',
            f'<td class="l" data-v="{sev_v}">{ftext}</td>',
        ]
        rows.append(f'<tr class="{_worst(found)}" data-host="{escape(h.name)}">{"".join(cells)}</tr>')
    return f'<div class="wrap"><table class="hosts"><thead><tr>{th}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>'


def _host_html(h, findings, scale) -> str:
    badges = [f'<span class="badge{" est" if h.estimated else ""}">usable {_num(h.usable)}'
              f'{" (reserve estimated)" if h.estimated else ""}</span>']
    verdict = h.nplus1_verdict()
    if verdict != "n/a":
        cls = "ok" if verdict == "ok" else "bad"
        badges.append(f'<span class="badge {cls}">N+1: {escape(verdict)}</span>')
    gap, certain = _gap(h)
    nums = (f'<div class="nums"><span>VMs {len(h.vms)} ({h.n_run} running, {len(h.off)} off, {len(h.saved)} saved)</span>'
            f'<span>overhead {_num(h.overhead)}</span><span>Σ target {_num(h.sum_target)}</span>'
            f'<span>worst restart gap {_num(gap)}{" (certain)" if certain else (" (likely)" if gap else "")}</span></div>')
    return (f'<article class="host {_worst(findings)}" id="host-{escape(h.name)}"><h3>{escape(h.name)}{"".join(badges)}</h3>'
            f'{_bars(h, scale)}{nums}{_findings_html(findings)}</article>')


def _cluster_html(fleet, hosts) -> str:
    """Cluster totals and, for each node, what happens when it fails (first-fit placement)."""
    from dmlint.fleet.table import failover_detail

    usable = sum(h.usable for h in hosts)
    tot = (f'<p class="nums"><span>usable {_num(usable)}</span><span>Σ minimum {_num(sum(h.sum_hard for h in hosts))}</span>'
           f'<span>Σ demand {_num(sum(h.sum_soft for h in hosts))}</span><span>Σ startup {_num(sum(h.sum_startup for h in hosts))}</span></p>')
    rows = []
    for h in hosts:
        d = failover_detail(fleet, h)
        if d is None:
            continue
        placed = ", ".join(f"{escape(p['vm'])} → {escape(p['host'])}" for p in d["placement"] if p["host"])
        failed = ", ".join(f"{escape(f['vm'])} ({_num(f['mb'])})" for f in d["failed"]) or "-"
        least = sorted(d["headroom_left_mb"].items(), key=lambda it: (it[1], it[0]))
        left = ", ".join(f"{escape(n)} {_num(mb)}" for n, mb in least[:3]) + (f" (least of {len(least)})" if len(least) > 3 else "")
        rows.append(f'<tr data-node="{escape(h.name)}"><td><a href="#host-{escape(h.name)}">{escape(h.name)}</a></td>'
                    f'<td>{len(d["placement"])} VMs, {_num(d["need_mb"])}</td><td>{escape(h.nplus1_verdict())}</td><td>{failed}</td>'
                    f'<td><details><summary>placement</summary>{placed or "-"}</details></td><td>{left or "-"}</td></tr>')
    if not rows:
        return tot
    return (tot + '<table class="fo"><thead><tr><th scope="col">if this node fails</th><th scope="col">clustered VMs</th>'
            '<th scope="col">N+1</th><th scope="col">do not fit (startup + overhead)</th><th scope="col">first-fit placement</th>'
            f'<th scope="col">least headroom left on the survivors</th></tr></thead><tbody>{"".join(rows)}</tbody></table>')


def render(fleet, findings, title: str = "dmlint fleet report", inputs: int | None = None, generated: str | None = None) -> str:
    """The page for a Fleet and the (suppression-filtered) fleet findings; `inputs`: files read."""
    from dmlint import __version__

    by_host: dict = {}
    unplaced = []
    for f in findings:
        if f.host is not None and f.host in fleet.by_name:
            by_host.setdefault(f.host, []).append(f)
        else:
            unplaced.append(f)
    counts = {s: sum(1 for f in findings if str(f.severity) == s) for s in ("error", "warning", "info")}
    n_run = sum(h.n_run for h in fleet.hosts)
    n_off = sum(len(h.off) for h in fleet.hosts)
    n_saved = sum(len(h.saved) for h in fleet.hosts)
    estimated = sum(1 for h in fleet.hosts if h.estimated)
    generated = generated or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    digest = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
    scale = scale_of(fleet)
    summary = (f'<span data-count="hosts">{len(fleet.hosts)}</span> hosts, <span data-count="clusters">{len(fleet.clusters)}</span> clusters, '
               f'VMs: <span data-count="running">{n_run}</span> running, <span data-count="off">{n_off}</span> off, '
               f'<span data-count="saved">{n_saved}</span> saved; findings: <span data-count="error">{counts["error"]}</span> errors, '
               f'<span data-count="warning">{counts["warning"]}</span> warnings, <span data-count="info">{counts["info"]}</span> info; '
               f"overhead {fleet.overhead} MB per running VM; generated {escape(generated)} by dmlint {escape(__version__)}"
               + (f" from {inputs} input file{'s' if inputs != 1 else ''}" if inputs is not None else "") + ".")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="summary">{summary}</p>',
    ]
    if estimated:
        parts.append(f'<p class="muted">{estimated} host{"s" if estimated != 1 else ""} without a reserve (marked *): usable memory '
                     f"estimated with {escape(reserve_method())} (Hyper-V 2012 R2 and later compute the reserve "
                     f"dynamically; give each host's measured reserve).</p>")
    parts.append('<h2>Hosts by risk <span class="muted">(errors first, then warnings, then least headroom at startup; '
                 'figures in GB, exact MB on hover; click a column to sort)</span></h2>')
    parts.append(_host_table(risk_order(fleet, by_host), by_host))
    parts.append(f'<p class="legend">{_legend()} <span class="muted">Every bar uses one scale: the full width is '
                 f'{gb(scale)} GB.</span></p>')
    groups: dict = {}
    for h in fleet.hosts:
        groups.setdefault(h.cluster, []).append(h)
    for cluster in sorted(groups, key=lambda c: (c is None, c or "")):
        hosts = groups[cluster]
        heading = f"Cluster {escape(cluster)}" if cluster is not None else "Hosts without a cluster"
        parts.append(f"<section><h2>{heading} <span class=\"muted\">({len(hosts)} host{'s' if len(hosts) != 1 else ''})</span></h2>")
        if cluster is not None:
            parts.append(_cluster_html(fleet, hosts))
        for h in hosts:
            parts.append(_host_html(h, by_host.get(h.name, []), scale))
        parts.append("</section>")
    if unplaced:
        parts.append(f"<section><h2>Not placed on a defined host</h2>{_findings_html(unplaced)}</section>")
    parts.append(f"<script>{_SCRIPT}</script>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
