"""N+1 placement per failed node of a cluster (balancer-model.md §5.3 e, §6.2).

For each host of a cluster, its running clustered VMs (startup + overhead each: failover is a
cold start without Smart Paging) are re-placed onto the other hosts, whose headroom is their
usable memory minus their own running VMs at soft floors (A8). The sufficient test S1 decides
most hosts in O(log N) from the cluster's sorted headroom; exact first-fit decreasing (hosts in
name order, a segment tree of the largest headroom) runs only where S1 fails, and again with
hard floors to tell "certain" from "likely".
"""

from __future__ import annotations

from bisect import bisect_right

from dmlint.fleet.hostfacts import RUNNING_STATES

_NEG = float("-inf")


class Failover:
    """What happens to one host's clustered running VMs when that host fails.

    failed: [(VM, size MB)] that do not restart, in placement order ([] when all restart);
    certain: they would not restart even with every other VM at its minimum;
    items / sizes / placed: the VMs in placement order (startup desc, then name), their sizes
      and the survivor each lands on (host name, or None) -- None when S1 decided (every VM
      restarts whatever the placement order, so no placement was computed);
    survivors, need_total (Σ sizes), largest_headroom / largest_host (the best survivor),
    headroom_total (Σ of the survivors' positive headroom), decided_by ("S1" or "first-fit")."""

    __slots__ = ("cluster", "host", "n_items", "need_total", "largest_item", "survivors", "largest_headroom",
                 "largest_host", "headroom_total", "decided_by", "items", "sizes", "placed", "failed", "certain")

    def __init__(self, cluster, host, n_items, need_total, largest_item, survivors, largest_headroom, largest_host, headroom_total):
        self.cluster = cluster
        self.host = host
        self.n_items = n_items
        self.need_total = need_total
        self.largest_item = largest_item
        self.survivors = survivors
        self.largest_headroom = largest_headroom
        self.largest_host = largest_host
        self.headroom_total = headroom_total
        self.decided_by = "S1"
        self.items = self.sizes = self.placed = None
        self.failed = []
        self.certain = False


def s1_holds(sizes, caps) -> bool:
    """Sufficient test S1: every item is placed by any any-fit policy (the readable reference).

    max cap >= L and Σs - L <= Σ (cap - L)+, with L the largest item."""
    if not sizes:
        return True
    if not caps:
        return False
    big = max(sizes)
    return max(caps) >= big and sum(sizes) - big <= sum(c - big for c in caps if c > big)


class Headroom:
    """A cluster's headroom per host, prepared once so that S1 for "host i fails" costs O(log N)."""

    def __init__(self, caps):
        self.caps = caps
        n = len(caps)
        self.order = sorted(range(n), key=lambda j: caps[j])
        self.sorted = [caps[j] for j in self.order]
        suffix = [0] * (n + 1)
        for k in range(n - 1, -1, -1):
            suffix[k] = suffix[k + 1] + self.sorted[k]
        self.suffix = suffix
        self.top1 = self.order[-1] if n else -1
        self.top2 = self.order[-2] if n > 1 else -1
        self.pos_total = sum(c for c in caps if c > 0)

    def best_other(self, i: int) -> int:
        """Index of the host with the largest headroom other than i (-1 if none)."""
        return self.top1 if self.top1 != i else self.top2

    def s1_without(self, i: int, big: int, total: int) -> bool:
        """s1_holds(items, caps without host i), for items of largest size `big` and sum `total` > 0."""
        other = self.best_other(i)
        if other < 0 or self.caps[other] < big:
            return False
        n = len(self.caps)
        k = bisect_right(self.sorted, big)
        above = self.suffix[k] - big * (n - k)
        if self.caps[i] > big:  # the failed host's own headroom is not a place to restart on
            above -= self.caps[i] - big
        return total - big <= above


def first_fit(sizes, caps, skip: int = -1):
    """First-fit of sizes (in the given order) into caps (in host order), host `skip` excluded.

    A segment tree of the largest remaining capacity finds the leftmost host with room in
    O(log N). Returns (placement list of host index or -1 per item, remaining caps)."""
    n = len(caps)
    size = 1
    while size < max(n, 1):
        size <<= 1
    tree = [_NEG] * (2 * size)
    for j, cap in enumerate(caps):
        tree[size + j] = _NEG if j == skip else cap
    for p in range(size - 1, 0, -1):
        a, b = tree[2 * p], tree[2 * p + 1]
        tree[p] = a if a >= b else b
    placed = []
    for s in sizes:
        if tree[1] < s:
            placed.append(-1)
            continue
        p = 1
        while p < size:
            p = 2 * p if tree[2 * p] >= s else 2 * p + 1
        tree[p] -= s
        placed.append(p - size)
        p >>= 1
        while p:
            a, b = tree[2 * p], tree[2 * p + 1]
            tree[p] = a if a >= b else b
            p >>= 1
    return placed, [tree[size + j] for j in range(n)]


def place(hosts: list, i: int, o: int, caps=None):
    """First-fit placement of host i's clustered running VMs onto the other hosts of its cluster
    (also for a host S1 decided, for reports): (VMs in placement order, their sizes, the host
    name each lands on or None, every host's headroom left)."""
    if caps is None:
        caps = [t.headroom_soft for t in hosts]
    items = sorted((v for v in hosts[i].vms if v.clustered and v.state in RUNNING_STATES),
                   key=lambda v: (-v.startup, v.name, v.source.path, v.source.line))
    sizes = [v.startup + o for v in items]
    placed, left = first_fit(sizes, caps, skip=i)
    return items, sizes, [hosts[p].name if p >= 0 else None for p in placed], left


def cluster_failover(cname: str, hosts: list, o: int) -> None:
    """Set `h.nplus1` (a Failover) on every host of the cluster that has clustered running VMs."""
    n = len(hosts)
    caps = [h.headroom_soft for h in hosts]  # A8: survivors keep their VMs at demand
    room = Headroom(caps)
    hard_caps = None
    for i, h in enumerate(hosts):
        if not h.n_ha:
            continue
        big, total = h.ha_max, h.ha_total
        other = room.best_other(i)
        fo = Failover(cname, h.name, h.n_ha, total, big, n - 1, caps[other] if other >= 0 else _NEG,
                      hosts[other].name if other >= 0 else None, room.pos_total - (caps[i] if caps[i] > 0 else 0))
        h.nplus1 = fo
        if room.s1_without(i, big, total):  # every VM restarts, whatever the placement order
            continue
        fo.decided_by = "first-fit"
        fo.items, fo.sizes, fo.placed, _ = place(hosts, i, o, caps)
        fo.failed = [(vm, mb) for vm, mb, p in zip(fo.items, fo.sizes, fo.placed) if p is None]
        if fo.failed:
            if hard_caps is None:
                hard_caps = [t.headroom_hard for t in hosts]
            hard_placed, _ = first_fit(fo.sizes, hard_caps, skip=i)
            fo.certain = any(p < 0 for p in hard_placed)
