"""What it does
    Checks that the Dynamic Memory buffer of a VM with Dynamic Memory on is between 5 and
    2000 percent.

Why it matters
    The buffer is the extra memory Hyper-V tries to assign above what the guest has
    committed (20 % of 1000 MB committed gives a 1200 MB target). Set-VMMemory -Buffer:
    "Allowed values range from 5 to 2000."; WMI's TargetMemoryBuffer is "in the range of 5
    to 2000". A value outside the range is refused. A buffer written as a fraction
    (`buffer: 0` meant as 0.2) or in per-mille also lands here.

    Static VMs (dynamic memory off) are not checked: the buffer is a leftover there.

Example
    vm:
      name: cache-01
      memory:
        dynamic: true
        startup: 2GB
        minimum: 1GB
        maximum: 8GB
        buffer: 2500     # DM106: buffer 2500 % is outside 5-2000 %

    Use instead: buffer: 20 (the default) or any value from 5 to 2000.

Source
    https://learn.microsoft.com/powershell/module/hyper-v/set-vmmemory
    (the range lives in rules/data/hyperv_versions.yaml, global.buffer_percent)
"""

ID = "DM106"
NAME = "buffer-out-of-range"
SEVERITY = "error"
SUMMARY = "buffer outside 5-2000 %"
SOURCE = "https://learn.microsoft.com/powershell/module/hyper-v/set-vmmemory"
SCOPE = "vm"


def check(vm, ctx):
    if not vm.dynamic or vm.buffer is None:
        return
    low, high = ctx.limits.buffer_min, ctx.limits.buffer_max
    if not low <= vm.buffer <= high:
        yield "buffer", f"buffer {vm.buffer} % is outside {low}-{high} %, the range Hyper-V accepts"
