"""The fleet pass: what the Hyper-V memory balancer will do with the VMs placed on each host.

The model is balancer-model.md §5 (research/balancer-model.md), in integer MB:

* usable memory ``C = physical - reserve``; the host's ``reserve`` when given, else the
  estimate of assumption A1 (384 MB + 64 MB per GB of physical memory), labelled as estimated;
* every VM costs a flat overhead ``o`` (A2, default 64 MB, config ``overhead-mb``);
* floors: ``f_hard`` is what the balancer can always reclaim a running VM down to (its
  minimum with Dynamic Memory; startup for static and paused VMs, A5) and gives "certain"
  verdicts; ``f_soft`` is the observed ``demand`` clamped to [minimum, maximum] (the minimum
  where demand is unknown, A4) and gives "likely" verdicts;
* ``T`` is the balancer's target, demand plus buffer clamped to [minimum, maximum];
* running and paused VMs hold memory; off and saved VMs hold none (A7).

``build_fleet`` computes every check in one pass over the records (O(n) sums per host,
sorting only on hosts that a cheap bound cannot clear, N+1 per cluster with the sufficient
test S1 first and exact first-fit decreasing only where S1 fails), and keeps the findings per
rule; the rules DM301-DM306 yield them. Results do not depend on the order of the input:
hosts and VMs are visited by name.
"""

from __future__ import annotations

import difflib
from fractions import Fraction
from functools import lru_cache



@lru_cache(maxsize=1)
def model_defaults() -> dict:
    """The reserve estimate (A1) and per-VM overhead (A2), with sources: rules/data/fleet.yaml."""
    import yaml

    from dmlint.engine import builtin_rules_dir

    with open(builtin_rules_dir() / "data" / "fleet.yaml", "rb") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def reserve_method() -> str:
    return model_defaults()["reserve_estimate"]["method"]


def default_overhead_mb() -> int:
    return model_defaults()["vm_overhead_mb"]["value"]


RUNNING_STATES = ("running", "paused")
_NEG = float("-inf")
LIST_LIMIT = 8  # VMs named in one message before "and N more"


def estimated_reserve(physical_mb: int) -> int:
    """A1: 384 MB + 64 MB per GB, rounded up (a larger reserve is the conservative side)."""
    est = model_defaults()["reserve_estimate"]
    return est["base_mb"] + -(-physical_mb * est["per_gb_mb"] // 1024)


def floors(vm):
    """(f_hard, f_soft, target) of a VM with a startup value, in MB (balancer-model.md §5.2)."""
    s = vm.startup
    if not vm.dynamic or vm.state == "paused":
        return s, s, s
    m = vm.minimum
    fh = s if m is None or m > s else m
    d = vm.demand
    if d is None:
        return fh, fh, fh
    mx = vm.maximum
    b = vm.buffer if vm.buffer is not None else 20
    fs = d if mx is None or d <= mx else mx
    t = d + (d * b + 99) // 100
    if mx is not None and t > mx:
        t = mx
    return (fh, fs if fs > fh else fh, t if t > fh else fh)


class HostResult:
    """Everything the fleet pass knows about one host (sums include the per-VM overhead)."""

    __slots__ = (
        "name", "record", "cluster", "physical", "reserve", "estimated", "usable",
        "vms", "n_run", "overhead", "sum_hard", "sum_soft", "sum_target", "sum_startup",
        "n_dm", "n_demand", "max_delta_hard", "max_delta_soft", "max_startup",
        "n_ha", "ha_total", "ha_max", "gap_hard", "gap_soft", "gap_vm",
        "stagger_peak", "stagger_order", "nplus1", "nplus1_certain", "off",
    )

    def __init__(self, record, physical: int):
        self.record = record
        self.name = record.name
        self.cluster = record.cluster
        self.physical = physical
        if record.reserve is not None:
            self.reserve, self.estimated = record.reserve, False
        else:
            self.reserve, self.estimated = estimated_reserve(physical), True
        self.usable = physical - self.reserve
        self.vms = []
        self.n_ha = 0
        self.off = []
        self.gap_hard = self.gap_soft = None
        self.gap_vm = None
        self.stagger_peak = None
        self.stagger_order = None
        self.nplus1 = None  # None: not checked; []: every clustered VM restarts; else failures
        self.nplus1_certain = False

    def usable_text(self) -> str:
        if self.estimated:
            return (f"usable {self.usable} MB on host {self.name} (estimated: {self.physical} MB physical - "
                    f"{self.reserve} MB reserve by {reserve_method()}; set the host's reserve to a measured value)")
        return f"usable {self.usable} MB on host {self.name} ({self.physical} MB physical - {self.reserve} MB reserve)"

    def as_dict(self) -> dict:
        return {
            "host": self.name,
            "cluster": self.cluster,
            "physical_mb": self.physical,
            "reserve_mb": self.reserve,
            "reserve_estimated": self.estimated,
            "usable_mb": self.usable,
            "vms": len(self.vms),
            "running": self.n_run,
            "overhead_mb": self.overhead,
            "sum_minimum_mb": self.sum_hard,
            "sum_demand_mb": self.sum_soft,
            "sum_target_mb": self.sum_target,
            "sum_startup_mb": self.sum_startup,
            "running_dynamic_without_demand": self.n_dm - self.n_demand,
            "worst_restart_gap_mb": self.gap_soft if self.gap_soft is not None and self.gap_soft > 0 else 0,
            "worst_restart_gap_certain": bool(self.gap_hard is not None and self.gap_hard > 0),
            "worst_restart_vm": self.gap_vm,
            "nplus1": self.nplus1_verdict(),
            "nplus1_failures": [name for name, _ in self.nplus1] if self.nplus1 else [],
        }

    def nplus1_verdict(self) -> str:
        if self.nplus1 is None:
            return "n/a"
        if not self.nplus1:
            return "ok"
        return f"{len(self.nplus1)} VM{'s' if len(self.nplus1) != 1 else ''} {'cannot' if self.nplus1_certain else 'likely cannot'} restart"


class Fleet:
    """The result of the fleet pass: hosts by name, clusters, and findings per rule ID."""

    def __init__(self, overhead: int):
        self.overhead = overhead
        self.hosts: list[HostResult] = []
        self.by_name: dict[str, HostResult] = {}
        self.clusters: dict[str, list[HostResult]] = {}
        self.findings: dict[str, list] = {f"DM30{i}": [] for i in range(1, 7)}

    def add(self, rule: str, record, field, message: str) -> None:
        self.findings[rule].append((record, field, message))


def _vm_key(vm):
    return (vm.name, vm.source.path, vm.source.line)


def _names(vms, limit: int = LIST_LIMIT) -> str:
    names = [v if isinstance(v, str) else v.name for v in vms]
    text = ", ".join(names[:limit])
    if len(names) > limit:
        text += f" and {len(names) - limit} more"
    return text


def build_fleet(vms, hosts, ctx=None) -> Fleet:
    """Run the whole fleet pass over VM and host records (ctx supplies options.overhead_mb)."""
    options = getattr(ctx, "options", None)
    o = getattr(options, "overhead_mb", None)
    if not isinstance(o, int) or isinstance(o, bool) or o < 0:  # None: the documented default
        o = default_overhead_mb()
    fleet = Fleet(o)
    known = {}
    for rec in hosts:
        known.setdefault(rec.name, rec)
    groups: dict = {}
    for name in sorted(known):
        rec = known[name]
        if isinstance(rec.memory, int) and rec.memory > 0:  # a host without memory is DM002's business
            groups[name] = []
    # pass 1: VMs to their hosts (only hosts that exist take part)
    undefined = []
    get = groups.get
    for vm in vms:
        hn = vm.host
        if hn is None:
            continue
        g = get(hn)
        if g is not None:
            g.append(vm)
        elif hn not in known:
            undefined.append(vm)
    for vm in sorted(undefined, key=_vm_key):
        close = difflib.get_close_matches(vm.host, list(known), n=1, cutoff=0.7) if len(known) <= 5000 else []
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        fleet.add("DM306", vm, "host", f"host {vm.host!r} is not defined: no hosts: entry has that name{hint}")
    # pass 2: per-host sums, one loop over each host's VMs with local accumulators
    for name, members in groups.items():
        h = HostResult(known[name], known[name].memory)
        _host_sums(h, members, o)
        fleet.hosts.append(h)
        fleet.by_name[name] = h
        if h.cluster is not None:
            fleet.clusters.setdefault(h.cluster, []).append(h)
        _host_checks(fleet, h, o)
    for cname in sorted(fleet.clusters):
        _nplus1(fleet, cname, fleet.clusters[cname])
    return fleet


def _host_sums(h: HostResult, members: list, o: int) -> None:
    n_run = n_dm = n_demand = 0
    s_hard = x_soft = x_t = s_s = 0
    md_h = md_s = 0
    max_s = 0
    clustered_host = h.cluster is not None
    n_ha = ha_total = ha_max = missing = 0
    off = h.off
    for vm in members:
        s = vm.startup
        if s is None:
            missing += 1  # no startup: not in the fleet pass (the per-VM rules report it)
            continue
        if s > max_s:
            max_s = s
        st = vm.state
        if st != "running" and st != "paused":
            if st == "off":
                off.append(vm)
            continue
        n_run += 1
        s_s += s
        if vm.dynamic and st == "running":
            n_dm += 1
            m = vm.minimum
            fh = s if m is None or m > s else m
            s_hard += fh
            if s - fh > md_h:
                md_h = s - fh
            d = vm.demand
            if d is None:
                if s - fh > md_s:
                    md_s = s - fh
            else:
                n_demand += 1
                mx = vm.maximum
                b = vm.buffer
                fs = d if mx is None or d <= mx else mx
                if fs < fh:
                    fs = fh
                t = d + (d * (20 if b is None else b) + 99) // 100
                if mx is not None and t > mx:
                    t = mx
                if t < fh:
                    t = fh
                x_soft += fs - fh  # soft and target sums are kept as extras over the hard sum
                x_t += t - fh
                if s - fs > md_s:
                    md_s = s - fs
        else:
            s_hard += s
        if clustered_host and vm.clustered:
            n_ha += 1
            ha_total += s + o
            if s + o > ha_max:
                ha_max = s + o
    h.vms = [v for v in members if v.startup is not None] if missing else members
    overhead = n_run * o
    h.n_ha = n_ha
    h.n_run = n_run
    h.n_dm = n_dm
    h.n_demand = n_demand
    h.overhead = overhead
    h.sum_hard = s_hard + overhead
    h.sum_soft = s_hard + x_soft + overhead
    h.sum_target = s_hard + x_t + overhead
    h.sum_startup = s_s + overhead
    h.max_delta_hard = md_h
    h.max_delta_soft = md_s
    h.max_startup = max_s
    h.ha_total = ha_total
    h.ha_max = ha_max


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


def _host_checks(fleet: Fleet, h: HostResult, o: int) -> None:
    c = h.usable
    usable = None  # the text, built once when a message needs it

    def utext():
        nonlocal usable
        if usable is None:
            usable = h.usable_text()
        return usable

    rec = h.record
    # DM306: one VM larger than the host can ever hold (any state)
    if h.max_startup + o > c:
        for vm in sorted((v for v in h.vms if v.startup + o > c), key=_vm_key):
            fleet.add("DM306", vm, "startup", f"startup {vm.startup} MB plus {o} MB overhead is more than the {utext()}: the VM can never start there")
    if h.n_run == 0 and not h.off:
        return
    # DM301: minimums oversubscribed
    dm301 = h.sum_hard > c
    if dm301:
        fleet.add("DM301", rec, "memory", (
            f"the minimums of {h.n_run} running VM{'s' if h.n_run != 1 else ''} (startup for static and paused VMs) plus "
            f"{o} MB overhead each need {h.sum_hard} MB, more than the {utext()}: {h.sum_hard - c} MB short, "
            f"so at least one of them cannot run"))
    # DM302: worst restart gap from host sums; per-VM gaps only where the worst case fails
    if h.n_dm and (h.sum_soft + h.max_delta_soft > c or h.sum_hard + h.max_delta_hard > c):
        _smart_paging(fleet, h, o, utext)
    # DM303: boot from off with the best staggering; skipped when the restart bound clears it
    run = None
    if h.n_run and h.sum_hard + h.max_delta_hard > c:
        run = [v for v in h.vms if v.state in RUNNING_STATES]
        peak, order = optimal_stagger([(v.name, v.startup, floors(v)[0]) for v in run])
        h.stagger_peak = peak + h.overhead
        h.stagger_order = order
        if h.stagger_peak > c:
            fleet.add("DM303", rec, "memory", (
                f"cannot start its {h.n_run} running VM{'s' if h.n_run != 1 else ''} from off even with the best staggering: "
                f"starting in the order {_names(order)} (largest startup - minimum first) still peaks at {h.stagger_peak} MB "
                f"with overhead, more than the {utext()}: {h.stagger_peak - c} MB short"))
    # DM303 (a3): an off VM cannot start next to the running VMs squeezed to their minimums
    for vm in sorted((v for v in h.off if v.startup + o + h.sum_hard > c and v.startup + o <= c), key=_vm_key) if h.off else ():
        need = vm.startup + o + h.sum_hard
        fleet.add("DM303", vm, "state", (
            f"off VM cannot start: startup {vm.startup} MB plus {o} MB overhead next to the running VMs' minimums and "
            f"overhead ({h.sum_hard} MB) needs {need} MB, more than the {utext()}: {need - c} MB short "
            f"(Hyper-V: 'Not enough memory in the system to start the virtual machine')"))
    # DM304: demand, else buffers, cannot be met (only where minimums fit: else DM301 says more)
    if h.n_demand and not dm301:
        unknown = h.n_dm - h.n_demand
        coverage = f"; {unknown} running dynamic VM{'s' if unknown != 1 else ''} without observed demand counted at the minimum" if unknown else ""
        if h.sum_soft > c:
            lost = attribute(h, o, stage="demand")
            fleet.add("DM304", rec, "memory", (
                f"observed demand cannot be met: the running VMs need {h.sum_soft} MB at demand plus overhead, more than the "
                f"{utext()}: {h.sum_soft - c} MB short, so guests run above pressure 100 and page"
                f"{_lost_text(lost, 'below demand')}{coverage}"))
        elif h.sum_target > c:
            lost = attribute(h, o, stage="buffer")
            fleet.add("DM304", rec, "memory", (
                f"memory buffers cannot be met: the running VMs' targets (demand + buffer) plus overhead need {h.sum_target} MB, "
                f"more than the {utext()}: {h.sum_target - c} MB short, so the balancer drops buffers"
                f"{_lost_text(lost, 'buffer lost')}{coverage}"))


def _lost_text(lost, what: str) -> str:
    items = sorted(((n, mb) for n, mb in lost.items() if mb > 0), key=lambda it: (-it[1], it[0]))
    if not items:
        return ""
    shown = ", ".join(f"{n} {mb} MB" for n, mb in items[:LIST_LIMIT])
    if len(items) > LIST_LIMIT:
        shown += f" and {len(items) - LIST_LIMIT} more"
    return f" ({what}: {shown})"


def _smart_paging(fleet: Fleet, h: HostResult, o: int, utext) -> None:
    """Per-VM restart gaps on a host whose worst case (from the host sums) does not fit."""
    c = h.usable
    worst_h = worst_s = None
    for vm in sorted((v for v in h.vms if v.state == "running" and v.dynamic), key=_vm_key):
        m = vm.minimum
        if m is None or m >= vm.startup:
            continue
        fh, fs, _ = floors(vm)
        need_h = h.sum_hard - fh + vm.startup
        need_s = h.sum_soft - fs + vm.startup
        if worst_h is None or need_h - c > worst_h:
            worst_h = need_h - c
        if worst_s is None or need_s - c > worst_s[0]:
            worst_s = (need_s - c, vm.name)
        if need_h > c:
            fleet.add("DM302", vm, "startup", (
                f"a restart needs Smart Paging (certain): startup {vm.startup} MB next to the other running VMs' minimums "
                f"and overhead needs {need_h} MB, more than the {utext()}: {need_h - c} MB gap, the Smart Paging file size"))
        elif need_s > c:
            fleet.add("DM302", vm, "startup", (
                f"a restart likely needs Smart Paging: startup {vm.startup} MB next to the other running VMs' observed demand "
                f"(minimum where unknown) and overhead needs {need_s} MB, more than the {utext()}: {need_s - c} MB gap, the Smart "
                f"Paging file size, unless other VMs are pushed below their demand"))
    if worst_s is not None:
        h.gap_hard = worst_h
        h.gap_soft, h.gap_vm = worst_s


# -- attribution (balancer-model.md §5.4, assumption A11) -------------------------------------

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


def attribute(h: HostResult, o: int, stage: str) -> dict:
    """MB each running dynamic VM loses: below demand (stage "demand") or of its buffer ("buffer")."""
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


# -- N+1 (balancer-model.md §5.3 e, §6.2) ------------------------------------------------------

def s1_holds(sizes, caps) -> bool:
    """Sufficient test S1: every item is placed by any any-fit policy.

    max cap >= L and Σs - L <= Σ (cap - L)+, with L the largest item."""
    if not sizes:
        return True
    if not caps:
        return False
    big = max(sizes)
    return max(caps) >= big and sum(sizes) - big <= sum(c - big for c in caps if c > big)


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


def _nplus1(fleet: Fleet, cname: str, hosts: list) -> None:
    """For each host of the cluster: can the other hosts restart its clustered running VMs?"""
    o = fleet.overhead
    n = len(hosts)
    caps = [h.usable - h.sum_soft for h in hosts]  # A8: survivors keep their VMs at demand
    order = sorted(range(n), key=lambda j: caps[j])
    sorted_caps = [caps[j] for j in order]
    suffix = [0] * (n + 1)
    for k in range(n - 1, -1, -1):
        suffix[k] = suffix[k + 1] + sorted_caps[k]
    top1 = order[-1] if n else -1
    top2 = order[-2] if n > 1 else -1
    pos_total = sum(c for c in caps if c > 0)
    from bisect import bisect_right

    for i, h in enumerate(hosts):
        if not h.n_ha:
            continue
        big, total = h.ha_max, h.ha_total
        other = top1 if top1 != i else top2
        maxcap = caps[other] if other >= 0 else _NEG
        if maxcap >= big:
            k = bisect_right(sorted_caps, big)
            above = suffix[k] - big * (n - k)
            if caps[i] > big:
                above -= caps[i] - big
            if total - big <= above:  # S1: every VM restarts, whatever the placement order
                h.nplus1 = []
                continue
        items = sorted((v for v in h.vms if v.clustered and v.state in RUNNING_STATES), key=lambda v: (-v.startup, v.name, v.source.path, v.source.line))
        sizes = [v.startup + o for v in items]
        placed, _ = first_fit(sizes, caps, skip=i)
        failed = [items[k] for k, p in enumerate(placed) if p < 0]
        h.nplus1 = [(v.name, v.startup + o) for v in failed]
        if not failed:
            continue
        hard_caps = [t.usable - t.sum_hard for t in hosts]
        hard_placed, _ = first_fit(sizes, hard_caps, skip=i)
        h.nplus1_certain = any(p < 0 for p in hard_placed)
        survivors = n - 1
        if survivors == 0:
            why = f"it is the only host of cluster {cname}"
        else:
            reasons = []
            too_big = [v for v in failed if v.startup + o > maxcap]
            if too_big:
                best = hosts[other]
                reasons.append(f"{_names(too_big)} need{'s' if len(too_big) == 1 else ''} more than the largest headroom, "
                               f"{caps[other]} MB on {best.name}")
            room = pos_total - (caps[i] if caps[i] > 0 else 0)
            if total > room and len(too_big) < len(failed):
                reasons.append(f"the clustered VMs need {total} MB at startup plus overhead, the other hosts have {room} MB of headroom: {total - room} MB short")
            if not reasons:
                reasons.append("first-fit decreasing over the other hosts leaves them without a host that has room")
            why = "; ".join(reasons)
        level = "cannot" if h.nplus1_certain else "likely cannot"
        basis = "even with every other VM at its minimum" if h.nplus1_certain else "with the other hosts' VMs at observed demand (minimum where unknown)"
        fleet.add("DM305", h.record, "cluster" if "cluster" in h.record.where else None, (
            f"if host {h.name} fails, {len(failed)} of its {len(items)} clustered VMs {level} restart on the other hosts of "
            f"cluster {cname} ({basis}; failover starts at startup size without Smart Paging): {_names(failed)}; {why}"))
