"""Sanity checks on records, whatever reader made them (DM003 "implausible"), run before the
rules so that one unit slip is one finding, not a cascade.

* A host with less memory than Hyper-V needs (`memory: 64` meant 64GB) is DM003 and leaves
  the fleet pass: no "usable -324 MB" and no DM301-DM306 built on it.
* A VM size written in MB (or as a bare number) above the most memory any Hyper-V version
  gives a VM, and a whole number of MiB when read as bytes, is a byte count: DM003 with its
  reading (4294967296 -> 4096 MB); the value is dropped so DM102-DM104 and DM203 do not fire
  on it too. Other sizes above a limit stay DM104's.

Figures: rules/data/hyperv_host.yaml (host floor), rules/data/hyperv_versions.yaml (VM limits).
"""

from __future__ import annotations

from functools import lru_cache

from dmlint.model import Problem

VM_SIZE_FIELDS = ("startup", "minimum", "maximum", "demand")
MIB = 1024 * 1024


@lru_cache(maxsize=1)
def host_minimum_mb() -> int:
    import yaml

    from dmlint.engine import builtin_rules_dir

    with open(builtin_rules_dir() / "data" / "hyperv_host.yaml", "rb") as fh:
        data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    fact = data["host_minimum_memory_mb"]
    if not str(fact.get("source", "")).startswith("https://"):
        raise ValueError("rules/data/hyperv_host.yaml: host_minimum_memory_mb has no source")
    return int(fact["value"])


def byte_count_hint(mb: int) -> str:
    """'; if it is a byte count, that is 4096 MB' when `mb` read as bytes is a whole number of MiB."""
    if mb >= MIB and mb % MIB == 0:
        return f"; if it is a byte count, that is {mb // MIB} MB"
    return ""


def _in_mb(written) -> bool:
    """Was the size written as a bare number or in MB (where a unit slip happens), not '250TB'?"""
    if written is None:
        return True
    text = written.strip().lower()  # string operations, no regex: nothing to backtrack on
    for unit in ("mib", "mb"):
        if text.endswith(unit):
            text = text[: -len(unit)].rstrip()
            break
    return text.isdigit()


def _meant(host, floor: int) -> str:
    """For a host memory written as a bare number (or in MB): the unit it most likely lacks."""
    if not _in_mb(host.written.get("memory")):
        return ""  # written with a larger unit (2GB): no guess
    n = host.memory
    return f"; did you mean {n}GB?" if n * 1024 >= floor else f"; did you mean {n}TB?"


def check(vms, hosts, limits) -> list[Problem]:
    problems = []
    floor = host_minimum_mb() if hosts else 0  # the data file is read only when there are hosts
    for host in hosts:
        if isinstance(host.memory, int) and 0 < host.memory < floor:
            problems.append(Problem(
                "DM003",
                f"host memory {host.size('memory')} is implausible for a Hyper-V host (it needs at least "
                f"{floor} MB){_meant(host, floor)} (the fleet pass leaves host {host.name} out)",
                host.loc("memory"),
            ))
            host.memory = 0  # the fleet pass skips a host without memory
    largest = max(max(v.max_mb.values()) for v in limits.versions)
    for vm in vms:
        for fld in VM_SIZE_FIELDS:
            mb = getattr(vm, fld)
            if isinstance(mb, int) and mb > largest and byte_count_hint(mb) and _in_mb(vm.written.get(fld)):
                problems.append(Problem(
                    "DM003",
                    f"{fld} {vm.size(fld)} is implausible: more than the {largest} MB any Hyper-V VM can have{byte_count_hint(mb)}",
                    vm.loc(fld), vm=vm.name,
                ))
                setattr(vm, fld, None)
    return problems
