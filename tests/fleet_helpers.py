"""Build VM and Host records directly for fleet tests (no YAML)."""

from __future__ import annotations

from functools import lru_cache

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


@lru_cache(maxsize=1)
def fleet_rules():
    from dmlint.engine import Registry

    return tuple(r for r in Registry.load(entry_points=False).all() if r.scope == "fleet")


def findings(fleet):
    """{rule: [(record, field, message)]}: every built-in fleet rule's check over the fleet facts."""
    return {r.id: list(r.check(fleet, None)) for r in fleet_rules()}


def by_rule(fleet):
    """{rule: [(record name, field, message)]}"""
    return {rule: [(rec.name, fld, msg) for rec, fld, msg in items] for rule, items in findings(fleet).items()}
