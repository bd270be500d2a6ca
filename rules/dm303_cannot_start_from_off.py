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

ID = "DM303"
NAME = "cannot-start-from-off"
SEVERITY = "error"
SUMMARY = "fleet: the host cannot start its VMs from off even with ideal staggering"
SOURCE = "https://learn.microsoft.com/en-us/windows-server/virtualization/hyper-v/dynamic-memory"
SCOPE = "fleet"


def check(fleet, ctx):
    yield from fleet.findings.get(ID, ())
