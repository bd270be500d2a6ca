"""The best boot-from-off order of a host's VMs (balancer-model.md §5.3 a2)."""

from __future__ import annotations


def optimal_stagger(items):
    """Least peak over all start orders of (name, startup, floor) items, without overhead.

    Sorting by startup - floor descending (ties by name) is optimal: swapping two adjacent
    out-of-order items never raises the maximum (balancer-model.md §5.3 a2).
    Returns (peak, order of names)."""
    order = sorted(items, key=lambda it: (-(it[1] - it[2]), it[0]))
    peak = 0
    before = 0
    for _, s, f in order:
        if before + s > peak:
            peak = before + s
        before += f
    return peak, [it[0] for it in order]
