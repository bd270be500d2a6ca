"""What it does
    For every running VM with Dynamic Memory whose minimum is below its startup, asks whether
    the VM could restart on its host: a restart needs the full startup memory, while the other
    running VMs can at best be squeezed to their floors. The gap between what the restart
    needs and the host's usable memory is the size of the Smart Paging file Hyper-V would
    use. With the other VMs at their minimums the verdict is "certain"; with them at their
    observed `demand` (the minimum where no demand is given) it is "likely".

Why it matters
    Hyper-V uses Smart Paging only when a VM restarts, no physical memory is free and none
    can be reclaimed from other VMs. The VM then boots with part of its memory on disk,
    which is slow, and the Best Practices Analyzer warns about exactly this configuration
    ("might require the use of Smart Paging if the virtual machine is rebooted").

Example
    hosts:
      - {name: hv-02, memory: 16GB, reserve: 2GB}        # usable 14336 MB
    vms:
      - name: web-01
        host: hv-02
        memory: {dynamic: true, startup: 8GB, minimum: 1GB, maximum: 8GB}
      - name: db-01
        host: hv-02
        memory: {startup: 8GB}                            # static
    # DM302 on web-01: 8192 + 8192 + 2 x 64 = 16512 MB > 14336 MB: 2176 MB gap (certain)

    Lower web-01's startup, move a VM, or add memory; keep the Smart Paging file off the
    system disk.

Source
    https://learn.microsoft.com/en-us/windows-server/virtualization/hyper-v/dynamic-memory
"""

ID = "DM302"
NAME = "restart-needs-smart-paging"
SEVERITY = "warning"
SUMMARY = "fleet: restarting a VM would need Smart Paging (certain with minimums, likely with demand)"
SOURCE = "https://learn.microsoft.com/en-us/windows-server/virtualization/hyper-v/dynamic-memory"
SCOPE = "fleet"


def check(fleet, ctx):
    for h in fleet.hosts:
        for r in h.restart:  # eligible VMs (running, dynamic, minimum < startup) where the host sums leave a doubt
            if r.gap_hard > 0:
                yield r.vm, "startup", (
                    f"a restart needs Smart Paging (certain): startup {r.vm.startup} MB next to the other running VMs' minimums "
                    f"and overhead needs {r.need_hard} MB, more than the {h.usable_text()}: {r.gap_hard} MB gap, the Smart Paging file size")
            elif r.gap_soft > 0:
                yield r.vm, "startup", (
                    f"a restart likely needs Smart Paging: startup {r.vm.startup} MB next to the other running VMs' observed demand "
                    f"(minimum where unknown) and overhead needs {r.need_soft} MB, more than the {h.usable_text()}: {r.gap_soft} MB gap, "
                    f"the Smart Paging file size, unless other VMs are pushed below their demand")
