"""What it does
    Asks whether a host could start its running and paused VMs from off, for example after
    the host reboots, even with the best possible staggering: each VM needs its full startup
    memory to boot, and the VMs already started can at best be squeezed to their minimums.
    The least possible peak over all start orders is reached by starting the VMs with the
    largest startup-minus-minimum first; if even that peak (plus overhead) exceeds the
    host's usable memory, no start order works. Also fires on a VM that is off and could not
    start next to the running VMs squeezed to their minimums.

Why it matters
    Smart Paging is never used to start a VM from off. A start that does not fit fails with
    "Not enough memory in the system to start the virtual machine". Raising
    AutomaticStartDelay does not help when even ideal staggering cannot fit.

Example
    hosts:
      - {name: hv-03, memory: 16GB, reserve: 2GB}        # usable 14336 MB
    vms:
      - {name: a, host: hv-03, memory: {startup: 8GB}}
      - {name: b, host: hv-03, memory: {startup: 8GB}}   # DM303: peak 16512 MB > 14336 MB

Source
    https://learn.microsoft.com/en-us/windows-server/virtualization/hyper-v/dynamic-memory
"""

from dmlint.fleet import names

ID = "DM303"
NAME = "cannot-start-from-off"
SEVERITY = "error"
SUMMARY = "fleet: the host cannot start its VMs from off even with ideal staggering"
SOURCE = "https://learn.microsoft.com/en-us/windows-server/virtualization/hyper-v/dynamic-memory"
SCOPE = "fleet"


def check(fleet, ctx):
    o = fleet.overhead
    for h in fleet.hosts:
        c = h.usable
        if h.stagger_peak is not None and h.stagger_peak > c:  # None: the host sums prove the best order fits
            n = h.n_run
            yield h.record, "memory", (
                f"cannot start its {n} running VM{'s' if n != 1 else ''} from off even with the best staggering: "
                f"starting in the order {names(h.stagger_order)} (largest startup - minimum first) still peaks at {h.stagger_peak} MB "
                f"with overhead, more than the {h.usable_text()}: {h.stagger_peak - c} MB short")
        for vm, need in h.off_blocked:
            if vm.startup + o > c:
                continue  # it can never start there: DM306 says so
            yield vm, "state", (
                f"off VM cannot start: startup {vm.startup} MB plus {o} MB overhead next to the running VMs' minimums and "
                f"overhead ({h.sum_hard} MB) needs {need} MB, more than the {h.usable_text()}: {need - c} MB short "
                f"(Hyper-V: 'Not enough memory in the system to start the virtual machine')")
