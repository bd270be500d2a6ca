"""Per-VM floors and per-host facts (balancer-model.md §5.1-§5.2, §5.3 a-d), in integer MB.

`host_facts` makes one pass over a host's VMs with local accumulators (O(n)); the per-VM
restart needs and the best boot order are computed only on hosts where a bound from those
sums cannot already clear them, and each such fact says so when it is left empty.
"""

from __future__ import annotations

from collections import namedtuple
from functools import lru_cache

from dmlint.fleet.stagger import optimal_stagger

RUNNING_STATES = ("running", "paused")
LIST_LIMIT = 8  # VMs named in one message before "and N more"


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


def estimated_reserve(physical_mb: int) -> int:
    """A1: 384 MB + 64 MB per GB, rounded up (a larger reserve is the conservative side)."""
    est = model_defaults()["reserve_estimate"]
    return est["base_mb"] + -(-physical_mb * est["per_gb_mb"] // 1024)


def floors(vm):
    """(f_hard, f_soft, target) of a VM with a startup value, in MB (balancer-model.md §5.2).

    The reference: the host sums inline the same arithmetic and are tested against this."""
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


def vm_key(vm):
    """The order VMs are visited and reported in: name, then where they were written."""
    return (vm.name, vm.source.path, vm.source.line)


def names(vms, limit: int = LIST_LIMIT) -> str:
    """"a, b, c and 4 more": VM records or names, for messages."""
    items = [v if isinstance(v, str) else v.name for v in vms]
    text = ", ".join(items[:limit])
    if len(items) > limit:
        text += f" and {len(items) - limit} more"
    return text


# A running dynamic VM with minimum < startup that could be restarted: what the restart needs
# with the other running VMs at their hard floors (minimums: certain) and soft floors (demand:
# likely), overhead included. gap = need - usable; > 0 is the Smart Paging file size.
RestartNeed = namedtuple("RestartNeed", "vm need_hard need_soft gap_hard gap_soft")


class HostFacts:
    """Everything the fleet pass knows about one host. Sums are MB and include the overhead.

    See the fact list in the `dmlint.fleet` docstring and README "Writing your own rules"."""

    __slots__ = (
        "name", "record", "cluster", "physical", "reserve", "estimated", "usable",
        "vms", "n_run", "overhead", "sum_hard", "sum_soft", "sum_target", "sum_startup",
        "n_dm", "n_demand", "max_delta_hard", "max_delta_soft", "max_startup",
        "n_ha", "ha_total", "ha_max", "gap_hard", "gap_soft", "gap_vm", "restart",
        "stagger_peak", "stagger_order", "nplus1", "off", "saved", "off_blocked", "too_big",
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
        self.saved = []
        self.off_blocked = []
        self.too_big = []
        self.restart = []
        self.gap_hard = self.gap_soft = None
        self.gap_vm = None
        self.stagger_peak = None
        self.stagger_order = None
        self.nplus1 = None  # a Failover (dmlint.fleet.nplus1) for a clustered host with clustered running VMs

    @property
    def running(self) -> list:
        """The running and paused VMs (those that hold memory), in input order."""
        return [v for v in self.vms if v.state in RUNNING_STATES]

    @property
    def headroom_soft(self) -> int:
        """Usable memory left with the host's running VMs at their soft floors (A8: what a failover may use)."""
        return self.usable - self.sum_soft

    @property
    def headroom_hard(self) -> int:
        """Usable memory left with the host's running VMs at their minimums."""
        return self.usable - self.sum_hard

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
            "nplus1_failures": [vm.name for vm, _ in self.nplus1.failed] if self.nplus1 else [],
        }

    def nplus1_verdict(self) -> str:
        if self.nplus1 is None:
            return "n/a"
        failed = self.nplus1.failed
        if not failed:
            return "ok"
        return f"{len(failed)} VM{'s' if len(failed) != 1 else ''} {'cannot' if self.nplus1.certain else 'likely cannot'} restart"


def host_facts(record, members: list, o: int) -> HostFacts:
    """The facts of one host from the VMs placed on it (any order), with overhead `o` per running VM."""
    h = HostFacts(record, record.memory)
    _sums(h, members, o)
    c = h.usable
    if h.max_startup + o > c:
        h.too_big = sorted((v for v in h.vms if v.startup + o > c), key=vm_key)
    if h.n_run == 0 and not h.off:
        return h
    if h.n_dm and (h.sum_soft + h.max_delta_soft > c or h.sum_hard + h.max_delta_hard > c):
        _restart_needs(h)
    if h.n_run and h.sum_hard + h.max_delta_hard > c:
        peak, order = optimal_stagger([(v.name, v.startup, floors(v)[0]) for v in h.running])
        h.stagger_peak = peak + h.overhead
        h.stagger_order = order
    if h.off:
        room = c - o - h.sum_hard
        h.off_blocked = [(v, v.startup + o + h.sum_hard) for v in sorted((v for v in h.off if v.startup > room), key=vm_key)]
    return h


def _sums(h: HostFacts, members: list, o: int) -> None:
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
            elif st == "saved":
                h.saved.append(vm)
            continue
        n_run += 1
        s_s += s
        if vm.dynamic and st == "running":
            # floors(vm), inlined for speed (one call per VM doubled this loop's cost); the
            # property test test_host_sums_equal_the_per_vm_floors holds the two together
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
        else:  # static or paused: every floor is the startup
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


def _restart_needs(h: HostFacts) -> None:
    """Per-VM restart needs on a host whose worst case (from the host sums) does not fit."""
    c = h.usable
    worst_h = worst_s = None
    out = h.restart
    for vm in sorted((v for v in h.vms if v.state == "running" and v.dynamic), key=vm_key):
        m = vm.minimum
        if m is None or m >= vm.startup:
            continue
        fh, fs, _ = floors(vm)
        need_h = h.sum_hard - fh + vm.startup
        need_s = h.sum_soft - fs + vm.startup
        out.append(RestartNeed(vm, need_h, need_s, need_h - c, need_s - c))
        if worst_h is None or need_h - c > worst_h:
            worst_h = need_h - c
        if worst_s is None or need_s - c > worst_s[0]:
            worst_s = (need_s - c, vm.name)
    if worst_s is not None:
        h.gap_hard = worst_h
        h.gap_soft, h.gap_vm = worst_s
