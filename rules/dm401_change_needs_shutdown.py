"""What it does
    With `--base GITREF`, compares each running VM with its record at that revision (found
    by VM name anywhere in the tree, so a renamed or moved file still compares) and
    reports a memory change Hyper-V cannot apply while the VM runs: switching Dynamic Memory
    on or off, raising the minimum, lowering the maximum, or changing startup memory while
    Dynamic Memory is on.

Why it matters
    Hyper-V lets a running VM's maximum grow and its minimum shrink, nothing more: "Increase
    the maximum memory" and "Decrease the minimum memory" are the only Dynamic Memory
    changes it takes live, and "Dynamic Memory can't be disabled and only the Minimum and
    Maximum settings can be changed" while the VM runs. A pipeline that applies such a
    change fails on the host, or needs a shutdown nobody planned. VMs whose state is off or
    saved are not reported: they can take any change.

Example
    # at the base revision          # now
    memory:                         memory:
      dynamic: true                   dynamic: true
      minimum: 1GB                    minimum: 2GB    # DM401: minimum raised from 1GB
                                                      # (1024 MB) to 2GB (2048 MB): a running
                                                      # VM's minimum can only be lowered

Source
    https://learn.microsoft.com/previous-versions/windows/it-pro/windows-server-2012-R2-and-2012/hh831766(v=ws.11)
    https://learn.microsoft.com/windows-server/virtualization/hyper-v/feature-descriptions-for-linux-and-freebsd-virtual-machines-on-hyper-v
"""

ID = "DM401"
NAME = "change-needs-shutdown"
SEVERITY = "warning"
SUMMARY = "change (against a git base): the change cannot be applied while the VM runs"
SOURCE = "https://learn.microsoft.com/previous-versions/windows/it-pro/windows-server-2012-R2-and-2012/hh831766(v=ws.11)"
SCOPE = "vm"


def check(vm, ctx):
    old = ctx.previous(vm)
    if old is None or vm.state != "running":
        return
    if old.dynamic != vm.dynamic:
        yield "dynamic", f"dynamic memory switched {'on' if vm.dynamic else 'off'}: Hyper-V cannot switch it while the VM runs"
        return
    if not vm.dynamic:
        return
    if old.minimum is not None and vm.minimum is not None and vm.minimum > old.minimum:
        yield "minimum", f"minimum raised from {old.size('minimum')} to {vm.size('minimum')}: a running VM's minimum can only be lowered"
    if old.maximum is not None and vm.maximum is not None and vm.maximum < old.maximum:
        yield "maximum", f"maximum lowered from {old.size('maximum')} to {vm.size('maximum')}: a running VM's maximum can only be raised"
    if old.startup is not None and vm.startup is not None and vm.startup != old.startup:
        yield "startup", f"startup changed from {old.size('startup')} to {vm.size('startup')} with dynamic memory on: it takes effect only after a shutdown"
