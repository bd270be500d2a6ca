"""Fleet pass benchmark: synthetic in-memory fleets (records built directly, no YAML).

100 k VMs over 1 k hosts and 1 M VMs over 10 k hosts, clusters of 64 hosts. Prints the full
fleet pass (build_fleet with N+1, and every DM3xx rule's findings drained) as a ratio against
a bare loop that sums startup per host over the same records, the 1 M / 100 k time ratio, and
peak memory for 1 M VMs. Targets (issue 4): <= 15x the bare loop; <= 11x time for 10x the VMs.

    python tests/benchmarks/bench_fleet.py [--small]
"""

from __future__ import annotations

import gc
import random
import sys
import time
import tracemalloc

from dmlint.model import VM, Host, Location
from dmlint.pipeline import Context, Options

GB = 1024
CLUSTER = 64
LAYOUT = "grouped"


def make_fleet(n_vms: int, n_hosts: int, seed: int = 7):
    """Hosts of 256-768 GB in clusters of 64; ~100 VMs per host, mostly healthy, a few overloaded."""
    rnd = random.Random(seed)
    loc = Location("bench.yaml", 1, 1)
    hosts = []
    for i in range(n_hosts):
        memory = rnd.choice((256, 384, 512, 768)) * GB
        reserve = None if i % 3 else 8 * GB
        hosts.append(Host(name=f"hv{i:05d}", source=loc, memory=memory, reserve=reserve, cluster=f"c{i // CLUSTER:04d}"))
    vms = []
    per_host = n_vms // n_hosts
    for i in range(n_vms):
        hi = i % n_hosts if LAYOUT == "spread" else i // per_host
        h = hosts[hi]
        budget = h.memory // per_host  # fills a host to roughly 55-70 % at startup
        startup = max(512, (rnd.randint(budget // 4, budget * 5 // 4) // 512) * 512)
        dynamic = rnd.random() < 0.6
        if hi < CLUSTER:  # the first cluster runs hot: N+1 needs exact placement there
            startup = startup * 5 // 4 // 512 * 512
        if hi == 17 and rnd.random() < 0.6:  # one overloaded host: big static VMs
            startup *= 3
            dynamic = False
        vm = VM(name=f"vm{i:07d}", source=loc, host=h.name, startup=startup, dynamic=dynamic,
                state="running" if rnd.random() < 0.9 else ("off" if rnd.random() < 0.5 else "saved"),
                clustered=rnd.random() < 0.7)
        if dynamic:
            vm.minimum = max(512, startup // 4)
            vm.maximum = startup * 2
            if rnd.random() < 0.5:
                vm.demand = rnd.randint(vm.minimum, startup)
        vms.append(vm)
    return vms, hosts


def bare_loop(vms):
    sums = {}
    get = sums.get
    for vm in vms:
        s = vm.startup
        if s is not None:
            h = vm.host
            sums[h] = get(h, 0) + s
    return sums


def full_pass(vms, hosts, registry):
    ctx = Context(Options(), vms, hosts)
    count = 0
    for rule in registry:
        for _ in rule.check(ctx.fleet, ctx):
            count += 1
    return count


def best_of(fn, repeat):
    best = float("inf")
    out = None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    """Two layouts of the same fleets: VMs listed host by host (as inventories and per-host files
    are), and spread round-robin over the hosts (worst case for memory locality)."""
    global LAYOUT
    from dmlint.engine import Registry

    registry = [r for r in Registry.load(entry_points=False).all() if r.scope == "fleet"]
    sizes = [(100_000, 1_000), (1_000_000, 10_000)]
    if "--small" in sys.argv:
        sizes = [(10_000, 100), (100_000, 1_000)]
    for layout in ("grouped", "spread"):
        LAYOUT = layout
        times = {}
        print(f"layout {layout}:")
        for n_vms, n_hosts in sizes:
            vms, hosts = make_fleet(n_vms, n_hosts)
            t_bare, _ = best_of(lambda: bare_loop(vms), 5)
            t_pass, found = best_of(lambda: full_pass(vms, hosts, registry), 3)
            times[n_vms] = t_pass
            print(f"  {n_vms:>9,} VMs / {n_hosts:>6,} hosts: fleet pass {t_pass:.3f} s, bare loop {t_bare:.3f} s, "
                  f"ratio {t_pass / t_bare:.1f}x (target <= 15x); {found} findings")
            del vms, hosts
            gc.collect()
        (small, _), (large, _) = sizes
        print(f"  scaling: {large // small}x the VMs took {times[large] / times[small]:.1f}x the time (target <= 11x)")
    n_vms, n_hosts = sizes[-1]
    LAYOUT = "grouped"
    tracemalloc.start()
    vms, hosts = make_fleet(n_vms, n_hosts)
    base, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    full_pass(vms, hosts, registry)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"memory for {n_vms:,} VMs: records {base / 2**20:.0f} MB, fleet pass peak on top {(peak - base) / 2**20:.0f} MB")
    import resource

    print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
