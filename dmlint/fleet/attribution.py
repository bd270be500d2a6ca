"""Who loses memory when a host is short: buffer or demand attribution (balancer-model.md §5.4, A11).

Every VM first gets its minimum, then demand is water-filled by weight, then buffers by weight.
Only called for hosts a rule reports on (O(n log n) per host)."""

from __future__ import annotations

from fractions import Fraction

from dmlint.fleet.hostfacts import RUNNING_STATES, floors


def waterfill(capacity: int, items):
    """Share `capacity` MB over items (name, weight, lo, hi) as clamp(x*weight, lo, hi).

    Precondition Σlo <= capacity. x is exact (Fractions); whole MB are handed out by the
    largest remainder, ties to the larger weight, then the name. Returns {name: MB}."""
    ws = [(n, Fraction(w) if w > 0 else Fraction(1, 1000), lo, hi) for n, w, lo, hi in items]
    if sum(hi for _, _, _, hi in ws) <= capacity:
        return {n: hi for n, _, _, hi in ws}

    def g(x):
        return sum(min(max(x * w, lo), hi) for _, w, lo, hi in ws)

    points = sorted({Fraction(lo) / w for _, w, lo, _ in ws} | {Fraction(hi) / w for _, w, _, hi in ws})
    lo_i, hi_i = 0, len(points) - 1  # g(points[hi_i]) = Σhi > capacity; find the last point with g <= capacity
    if g(points[0]) > capacity:
        x = Fraction(0)
    else:
        while hi_i - lo_i > 1:
            mid = (lo_i + hi_i) // 2
            if g(points[mid]) <= capacity:
                lo_i = mid
            else:
                hi_i = mid
        p = points[lo_i]
        slope = sum(w for _, w, lo, hi in ws if lo <= p * w < hi)
        x = p + (capacity - g(p)) / slope if slope else p
    exact = [(n, w, min(max(x * w, lo), hi)) for n, w, lo, hi in ws]
    alloc = {n: int(v) for n, _, v in exact}
    rest = capacity - sum(alloc.values())
    for n, _, v in sorted(exact, key=lambda it: (-(it[2] - int(it[2])), -it[1], it[0])):
        if rest <= 0:
            break
        if v != int(v):
            alloc[n] += 1
            rest -= 1
    return alloc


def attribute(h, stage: str) -> dict:
    """MB each running dynamic VM of host facts `h` loses: below demand (stage "demand") or of its buffer ("buffer")."""
    fixed = 0
    dm = []
    for vm in h.vms:
        if vm.state not in RUNNING_STATES:
            continue
        fh, fs, t = floors(vm)
        if not vm.dynamic or vm.state == "paused":
            fixed += vm.startup
        else:
            dm.append((vm.name, vm.weight if vm.weight is not None else 50, fh, fs, t))
    capacity = h.usable - h.overhead - fixed
    if stage == "demand":
        if capacity < sum(it[2] for it in dm):
            return {}
        alloc = waterfill(capacity, [(n, w, fh, fs) for n, w, fh, fs, _ in dm])
        return {n: fs - alloc[n] for n, _, _, fs, _ in dm}
    capacity -= sum(it[3] for it in dm)
    if capacity < 0:
        return {}
    alloc = waterfill(capacity, [(n, w, 0, t - fs) for n, w, _, fs, t in dm])
    return {n: (t - fs) - alloc[n] for n, _, _, fs, t in dm}
