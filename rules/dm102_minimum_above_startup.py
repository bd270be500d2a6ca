"""What it does
    Checks that a VM with Dynamic Memory on has its minimum at or below its startup memory.

Why it matters
    Hyper-V orders the three settings 32 MB <= minimum <= startup <= maximum; the minimum
    "can be set as low as 32 MB to a maximum value equal to the Startup RAM value".
    Set-VMMemory refuses a minimum above startup, so the configuration cannot be applied
    and the VM keeps whatever it had before.

Example
    vm:
      name: sql-01
      memory:
        dynamic: true
        startup: 1GB
        minimum: 2GB     # DM102: minimum 2GB (2048 MB) is above startup 1GB (1024 MB)

    Use instead: minimum: 512MB (or raise startup).

Source
    https://learn.microsoft.com/previous-versions/windows/it-pro/windows-server-2012-R2-and-2012/hh831766(v=ws.11)
"""

ID = "DM102"
NAME = "minimum-above-startup"
SEVERITY = "error"
SUMMARY = "minimum above startup"
SOURCE = "https://learn.microsoft.com/previous-versions/windows/it-pro/windows-server-2012-R2-and-2012/hh831766(v=ws.11)"
SCOPE = "vm"


def check(vm, ctx):
    if not vm.dynamic or vm.minimum is None or vm.startup is None:
        return
    if vm.minimum > vm.startup:
        yield "minimum", f"minimum {vm.size('minimum')} is above startup {vm.size('startup')}"
