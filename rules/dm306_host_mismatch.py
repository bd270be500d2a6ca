"""What it does
    Checks a VM's placement: the host it names (`host:`) must be defined under `hosts:` in
    the files checked together, and the VM's startup memory plus overhead must fit in that
    host's usable memory (physical minus `reserve`, or the estimated reserve, said so).

Why it matters
    A VM on an undefined host is left out of every other fleet check, so a typo silently
    turns them off. A VM whose startup exceeds what its host can give VMs can never start
    there: starting needs the full startup memory.

Example
    hosts:
      - {name: hv-06, memory: 16GB, reserve: 2GB}
    vms:
      - {name: big-06, host: hv-06, memory: {startup: 15GB}}  # DM306: 15424 MB > 14336 MB
      - {name: lost-06, host: hv-6, memory: {startup: 1GB}}   # DM306: host 'hv-6' is not defined

Source
    https://learn.microsoft.com/en-us/windows-server/virtualization/hyper-v/dynamic-memory
"""

ID = "DM306"
NAME = "host-mismatch"
SEVERITY = "error"
SUMMARY = "fleet: a VM names an undefined host, or its startup exceeds its host's usable memory"
SOURCE = "https://learn.microsoft.com/en-us/windows-server/virtualization/hyper-v/dynamic-memory"
SCOPE = "fleet"


def check(fleet, ctx):
    o = fleet.overhead
    for vm, close in fleet.unplaced:
        hint = f" (did you mean {close!r}?)" if close else ""
        yield vm, "host", f"host {vm.host!r} is not defined: no hosts: entry has that name{hint}"
    for h in fleet.hosts:
        for vm in h.too_big:
            yield vm, "startup", f"startup {vm.startup} MB plus {o} MB overhead is more than the {h.usable_text()}: the VM can never start there"
