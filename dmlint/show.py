"""`dmlint show`: the normalised records, as a table, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json

from dmlint.report.escape import human, json_safe

VM_COLUMNS = ("name", "fmt", "generation", "hyperv_version", "config_version", "guest_os", "host", "state", "clustered", "dynamic", "startup", "minimum", "maximum", "buffer", "weight", "demand")
HOST_COLUMNS = ("name", "memory", "reserve", "cluster", "hyperv_version")


def _row(rec, columns, version_of=None) -> dict:
    out = {c: getattr(rec, c) for c in columns}
    if version_of is not None:  # the version the rules use: the VM's, its host's, or the config's/--hyperv-version
        out["hyperv_version"] = version_of(rec)
    loc = rec.source
    out["path"] = loc.path
    out["line"] = loc.line
    return out


def _cell(value) -> str:
    """A table or CSV cell: escaped like every human output (no newline, no control character)."""
    return "" if value is None else human(value)


def render_records(vms, hosts, fmt: str, version_of=None) -> str:
    """`version_of(vm)`: the effective Hyper-V version (pipeline.Context.hyperv_version)."""
    vm_rows = [_row(v, VM_COLUMNS, version_of) for v in vms]
    host_rows = [_row(h, HOST_COLUMNS) for h in hosts]
    if fmt == "json":
        return json_safe(json.dumps({"vms": vm_rows, "hosts": host_rows}, indent=2)) + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        cols = ("kind",) + VM_COLUMNS + ("path", "line")
        writer.writerow(cols)
        for r in vm_rows:
            writer.writerow(["vm"] + [_cell(r[c]) for c in cols[1:]])
        for r in host_rows:
            writer.writerow(["host"] + [_cell(r.get(c, "")) for c in cols[1:]])
        return buf.getvalue()
    out = []
    for title, rows, cols in (("VMs", vm_rows, VM_COLUMNS), ("Hosts", host_rows, HOST_COLUMNS)):
        if not rows:
            continue
        cols = cols + ("path",)
        table = [[_cell(r[c]) for c in cols] for r in rows]
        widths = [max(len(c), *(len(t[i]) for t in table)) for i, c in enumerate(cols)]
        out.append(f"{title} ({len(rows)})")
        out.append("  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip())
        for t in table:
            out.append("  ".join(v.ljust(w) for v, w in zip(t, widths)).rstrip())
        out.append("")
    if not out:
        return "No VM or host records found.\n"
    return "\n".join(out) + "\n"
