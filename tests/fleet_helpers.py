"""Build VM and Host records directly for fleet tests (no YAML)."""

from __future__ import annotations

from dmlint.model import VM, Host, Location
from dmlint.pipeline import Context, Options

GB = 1024


def host(name, memory, reserve=None, cluster=None):
    return Host(name=name, source=Location(f"{name}.yaml", 1, 1), memory=memory, reserve=reserve, cluster=cluster)


def vm(name, host=None, startup=None, *, dynamic=False, minimum=None, maximum=None, demand=None, buffer=20, weight=50, state="running", clustered=False):
    return VM(
        name=name, source=Location(f"{name}.yaml", 1, 1), host=host, startup=startup, dynamic=dynamic,
        minimum=minimum, maximum=maximum, demand=demand, buffer=buffer, weight=weight, state=state, clustered=clustered,
    )


def fleet_of(vms, hosts, overhead=64):
    from dmlint.fleet import build_fleet

    ctx = Context(Options(overhead_mb=overhead), vms, hosts)
    return build_fleet(vms, list(ctx.hosts.values()), ctx)


def by_rule(fleet):
    """{rule: [(record name, field, message)]}"""
    return {rule: [(rec.name, fld, msg) for rec, fld, msg in items] for rule, items in fleet.findings.items()}
