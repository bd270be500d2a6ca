"""What it does
    On hosts where the running VMs' minimums fit, compares the host's usable memory with what
    the VMs want: their observed `demand` (guest committed memory), and their balancer target,
    demand plus buffer (buffer x demand / 100), each clamped to the VM's minimum and maximum.
    Fires when demand cannot be met, else when the buffers cannot be met, and names the VMs
    that lose out, shared by memory weight (balancer-model.md §5.4). Only hosts with at least
    one running dynamic VM with an observed demand are checked; VMs without a demand count at
    their minimum, and the message says how many there are.

Why it matters
    "The buffer isn't maintained when there's not enough physical memory available in the
    computer to give every virtual machine its requested memory buffer". Without a buffer a
    guest has no room for a burst; below its demand it pages inside the guest.

Example
    hosts:
      - {name: hv-04, memory: 16GB, reserve: 2GB}        # usable 14336 MB
    vms:
      - name: app-04
        host: hv-04
        memory: {dynamic: true, startup: 4GB, minimum: 2GB, maximum: 16GB, demand: 12GB, buffer: 20}
    # DM304: target 12288 + 2458 = 14746 MB + 64 MB overhead > 14336 MB: buffer lost

Source
    https://learn.microsoft.com/en-us/windows-server/virtualization/hyper-v/dynamic-memory
"""

from dmlint.fleet import LIST_LIMIT, attribute

ID = "DM304"
NAME = "buffer-or-demand-unmet"
SEVERITY = "warning"
SUMMARY = "fleet: buffers (or demand) cannot be met on this host"
SOURCE = "https://learn.microsoft.com/en-us/windows-server/virtualization/hyper-v/dynamic-memory"
SCOPE = "fleet"


def check(fleet, ctx):
    for h in fleet.hosts:
        c = h.usable
        if not h.n_demand or h.sum_hard > c:  # no observed demand, or the minimums do not fit (DM301 says more)
            continue
        unknown = h.n_dm - h.n_demand
        coverage = f"; {unknown} running dynamic VM{'s' if unknown != 1 else ''} without observed demand counted at the minimum" if unknown else ""
        if h.sum_soft > c:
            yield h.record, "memory", (
                f"observed demand cannot be met: the running VMs need {h.sum_soft} MB at demand plus overhead, more than the "
                f"{h.usable_text()}: {h.sum_soft - c} MB short, so guests run above pressure 100 and page"
                f"{_lost_text(attribute(h, 'demand'), 'below demand')}{coverage}")
        elif h.sum_target > c:
            yield h.record, "memory", (
                f"memory buffers cannot be met: the running VMs' targets (demand + buffer) plus overhead need {h.sum_target} MB, "
                f"more than the {h.usable_text()}: {h.sum_target - c} MB short, so the balancer drops buffers"
                f"{_lost_text(attribute(h, 'buffer'), 'buffer lost')}{coverage}")


def _lost_text(lost, what: str) -> str:
    items = sorted(((n, mb) for n, mb in lost.items() if mb > 0), key=lambda it: (-it[1], it[0]))
    if not items:
        return ""
    shown = ", ".join(f"{n} {mb} MB" for n, mb in items[:LIST_LIMIT])
    if len(items) > LIST_LIMIT:
        shown += f" and {len(items) - LIST_LIMIT} more"
    return f" ({what}: {shown})"
