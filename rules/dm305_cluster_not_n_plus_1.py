"""What it does
    For every host of a cluster (hosts with the same `cluster`), takes its running clustered
    VMs (`clustered: true`) and re-places them, at startup size plus overhead, onto the other
    hosts of the cluster, whose headroom is their usable memory minus their own running VMs at
    observed demand (minimum where unknown). A fast sufficient test (the proof method of
    SCVMM's cluster-overcommit check) clears most hosts; where it fails, the VMs are placed
    exactly by first-fit decreasing (largest first, hosts by name). Names the VMs that would
    not restart; "cannot" when they would not fit even with every other VM at its minimum,
    "likely cannot" otherwise.

Why it matters
    A VM that fails over is started cold on another node: it needs its full startup memory,
    and Smart Paging is never used for failover. Microsoft recommends planning "for enough
    resources to allow for 1 node to be reserved for failover". Demand-based tools (SCVMM)
    can report a cluster as fine when a large VM cannot boot anywhere.

Example
    hosts:
      - {name: hv-a, memory: 64GB, reserve: 4GB, cluster: prod}
      - {name: hv-b, memory: 64GB, reserve: 4GB, cluster: prod}
    vms:
      - {name: sql-a, host: hv-a, clustered: true, memory: {startup: 40GB}}
      - {name: sql-b, host: hv-b, clustered: true, memory: {startup: 40GB}}
    # DM305 on hv-a and hv-b: 40960 + 64 MB needs more than the 20416 MB headroom of the other

Source
    https://learn.microsoft.com/en-us/troubleshoot/system-center/vmm/cluster-overcommit-algorithm-details
"""

from dmlint.fleet import names

ID = "DM305"
NAME = "cluster-not-n-plus-1"
SEVERITY = "error"
SUMMARY = "fleet: a cluster cannot restart a failed node's clustered VMs at startup size (N+1)"
SOURCE = "https://learn.microsoft.com/en-us/troubleshoot/system-center/vmm/cluster-overcommit-algorithm-details"
SCOPE = "fleet"


def check(fleet, ctx):
    o = fleet.overhead
    for cname in sorted(fleet.clusters):
        for h in fleet.clusters[cname]:
            fo = h.nplus1
            if fo is None or not fo.failed:
                continue
            failed = [vm for vm, _ in fo.failed]
            if fo.survivors == 0:
                why = f"it is the only host of cluster {cname}"
            else:
                reasons = []
                too_big = [v for v in failed if v.startup + o > fo.largest_headroom]
                if too_big:
                    reasons.append(f"{names(too_big)} need{'s' if len(too_big) == 1 else ''} more than the largest headroom, "
                                   f"{fo.largest_headroom} MB on {fo.largest_host}")
                total, room = fo.need_total, fo.headroom_total
                if total > room and len(too_big) < len(failed):
                    reasons.append(f"the clustered VMs need {total} MB at startup plus overhead, the other hosts have {room} MB of headroom: {total - room} MB short")
                if not reasons:
                    reasons.append("first-fit decreasing over the other hosts leaves them without a host that has room")
                why = "; ".join(reasons)
            level = "cannot" if fo.certain else "likely cannot"
            basis = "even with every other VM at its minimum" if fo.certain else "with the other hosts' VMs at observed demand (minimum where unknown)"
            yield h.record, "cluster" if "cluster" in h.record.where else None, (
                f"if host {h.name} fails, {len(failed)} of its {fo.n_items} clustered VMs {level} restart on the other hosts of "
                f"cluster {cname} ({basis}; failover starts at startup size without Smart Paging): {names(failed)}; {why}")
