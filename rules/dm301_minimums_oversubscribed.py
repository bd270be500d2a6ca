"""What it does
    Adds up, per host, the memory its running and paused VMs are guaranteed: the minimum of
    every VM with Dynamic Memory, the startup of every static (and paused) VM, plus a per-VM
    overhead (64 MB by default, config `overhead-mb`), and compares the sum with the host's
    usable memory (physical memory minus `reserve`; when no reserve is given, an estimate of
    384 MB + 64 MB per GB, and the message says it is estimated).

Why it matters
    Hyper-V "always assigns" a running VM at least its minimum. If the minimums alone exceed
    what the host can give VMs, the placement described in the repository cannot run: at
    least one VM will fail to start or the host is not the one you think. This is certain,
    not a prediction: no balancing can make it fit.

Example
    hosts:
      - name: hv-01
        memory: 32GB
        reserve: 2GB             # usable 30720 MB
    vms:
      - name: app-01
        host: hv-01
        memory: {dynamic: true, startup: 16GB, minimum: 16GB, maximum: 32GB}
      - name: app-02
        host: hv-01
        memory: {startup: 16GB}  # DM301: 32896 MB of minimums and overhead > 30720 MB

    Lower minimums, move a VM to another host, or add memory.

Source
    https://learn.microsoft.com/en-us/windows-server/virtualization/hyper-v/dynamic-memory
"""

ID = "DM301"
NAME = "minimums-oversubscribed"
SEVERITY = "error"
SUMMARY = "fleet: a host's running VMs' minimums (plus overhead) exceed its usable memory"
SOURCE = "https://learn.microsoft.com/en-us/windows-server/virtualization/hyper-v/dynamic-memory"
SCOPE = "fleet"


def check(fleet, ctx):
    for h in fleet.hosts:
        if h.sum_hard > h.usable:  # Σ(hard floor + overhead) of the running VMs
            n = h.n_run
            yield h.record, "memory", (
                f"the minimums of {n} running VM{'s' if n != 1 else ''} (startup for static and paused VMs) plus "
                f"{fleet.overhead} MB overhead each need {h.sum_hard} MB, more than the {h.usable_text()}: "
                f"{h.sum_hard - h.usable} MB short, so at least one of them cannot run")
