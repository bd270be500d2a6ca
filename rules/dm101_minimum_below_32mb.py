"""What it does
    Checks that a VM with Dynamic Memory on has a minimum of at least 32 MB.

Why it matters
    Hyper-V's Dynamic Memory minimum "can be set as low as 32 MB to a maximum value equal
    to the Startup RAM value". A smaller minimum is refused by Hyper-V Manager and
    Set-VMMemory, so the configuration cannot be applied. A tiny minimum is also often a
    missing unit: `minimum: 16` means 16 MB, not 16 GB.

    Static VMs (dynamic memory off) are not checked: their minimum is a leftover that
    Hyper-V ignores, and every export carries one.

Example
    vm:
      name: web-01
      memory:
        dynamic: true
        startup: 1GB
        minimum: 16      # DM101: minimum 16 MB is below 32 MB, the lowest minimum Hyper-V accepts
        maximum: 4GB

    Use instead: minimum: 512MB (or 16GB, if GB was meant and startup is raised to match).

Source
    https://learn.microsoft.com/previous-versions/windows/it-pro/windows-server-2012-R2-and-2012/hh831766(v=ws.11)
    (the figure lives in rules/data/hyperv_versions.yaml, global.minimum_memory_mb)
"""

ID = "DM101"
NAME = "minimum-below-32mb"
SEVERITY = "error"
SUMMARY = "minimum below 32 MB"
SOURCE = "https://learn.microsoft.com/previous-versions/windows/it-pro/windows-server-2012-R2-and-2012/hh831766(v=ws.11)"
SCOPE = "vm"


def check(vm, ctx):
    if not vm.dynamic or vm.minimum is None:
        return
    floor = ctx.limits.minimum_mb
    if vm.minimum < floor:
        yield "minimum", f"minimum {vm.size('minimum')} is below {floor} MB, the lowest minimum Hyper-V accepts"
