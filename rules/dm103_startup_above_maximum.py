"""What it does
    Checks that a VM with Dynamic Memory on has its startup memory at or below its maximum.

Why it matters
    Hyper-V orders the settings 32 MB <= minimum <= startup <= maximum: the maximum can be
    set "from as low as the value for Startup RAM". A startup above the maximum is refused;
    importing such a VM fails with "Memory virtual quantity above maximum." (seen when
    Vagrant imported a box: https://github.com/R3dy/capsulecorp-pentest/issues/96).

    Static VMs (dynamic memory off) are not checked: they run at startup memory and their
    maximum is a leftover that Hyper-V ignores.

Example
    vm:
      name: app-01
      memory:
        dynamic: true
        startup: 8GB     # DM103: startup 8GB (8192 MB) is above maximum 4GB (4096 MB)
        minimum: 1GB
        maximum: 4GB

    Use instead: maximum: 16GB (or lower startup to 4GB).

Source
    https://learn.microsoft.com/previous-versions/windows/it-pro/windows-server-2012-R2-and-2012/hh831766(v=ws.11)
"""

ID = "DM103"
NAME = "startup-above-maximum"
SEVERITY = "error"
SUMMARY = "startup above maximum"
SOURCE = "https://learn.microsoft.com/previous-versions/windows/it-pro/windows-server-2012-R2-and-2012/hh831766(v=ws.11)"
SCOPE = "vm"


def check(vm, ctx):
    if not vm.dynamic or vm.startup is None or vm.maximum is None:
        return
    if vm.startup > vm.maximum:
        yield "startup", f"startup {vm.size('startup')} is above maximum {vm.size('maximum')}"
