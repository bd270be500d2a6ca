"""The fleet pass: facts about what the Hyper-V memory balancer will do with each host's VMs.

The model is balancer-model.md §5 (research/balancer-model.md), in integer MB:

* usable memory ``C = physical - reserve``; the host's ``reserve`` when given, else the
  estimate of assumption A1 (384 MB + 64 MB per GB of physical memory), labelled as estimated;
* every running VM costs a flat overhead ``o`` (A2, default 64 MB, config ``overhead-mb``);
* floors: ``f_hard`` is what the balancer can always reclaim a running VM down to (its
  minimum with Dynamic Memory; startup for static and paused VMs, A5) and gives "certain"
  verdicts; ``f_soft`` is the observed ``demand`` clamped to [minimum, maximum] (the minimum
  where demand is unknown, A4) and gives "likely" verdicts;
* ``T`` is the balancer's target, demand plus buffer clamped to [minimum, maximum];
* running and paused VMs hold memory; off and saved VMs hold none (A7).

`build_fleet` computes the facts once (O(n) sums per host, sorting only on hosts that a cheap
bound cannot clear, N+1 per cluster with the sufficient test S1 first and exact first-fit
decreasing only where S1 fails). It decides nothing and names no rule: the rules with
``SCOPE = "fleet"`` (DM301-DM306 in rules/, and plugins) read the facts and word the findings.
Results do not depend on the order of the input: hosts and VMs are visited by name.

The public facts (README "Writing your own rules" lists them for plugin authors):

Fleet: ``overhead`` (MB per running VM), ``hosts`` (HostFacts by name), ``by_name``,
``clusters`` ({cluster: [HostFacts]}), ``unplaced`` ([(VM, closest defined host name or None)]
for VMs whose host is not defined, by VM name).

HostFacts (dmlint.fleet.hostfacts): ``name``, ``record``, ``cluster``, ``physical``,
``reserve``, ``estimated`` (reserve estimated by A1), ``usable``, ``usable_text()``; ``vms``
(placed VMs with a startup), ``running`` (running and paused), ``off``, ``saved``, ``n_run``,
``n_dm`` (running dynamic VMs), ``n_demand`` (of those, with a demand); ``overhead`` and the
sums, each with overhead: ``sum_hard`` (Σ hard floor), ``sum_soft`` (Σ soft floor),
``sum_target``, ``sum_startup``; ``headroom_soft``/``headroom_hard`` (usable minus those);
``restart`` ([RestartNeed(vm, need_hard, need_soft, gap_hard, gap_soft)] for running dynamic
VMs with minimum < startup, by name; empty when the host sums prove no restart gap),
``gap_hard``/``gap_soft``/``gap_vm`` (worst of those); ``stagger_peak``/``stagger_order``
(best boot-from-off order and its peak with overhead; None when the sums prove it fits);
``off_blocked`` ([(off VM, MB needed to start next to the running VMs at their minimums)]
where that exceeds usable); ``too_big`` (VMs whose startup + overhead exceeds usable);
``nplus1`` (a Failover, dmlint.fleet.nplus1, or None outside clusters).
"""

from __future__ import annotations

import difflib

from dmlint.fleet.attribution import attribute, waterfill
from dmlint.fleet.hostfacts import (
    LIST_LIMIT, RUNNING_STATES, HostFacts, RestartNeed, default_overhead_mb, estimated_reserve, floors,
    host_facts, model_defaults, names, reserve_method, vm_key,
)
from dmlint.fleet.nplus1 import Failover, cluster_failover, first_fit, s1_holds
from dmlint.fleet.stagger import optimal_stagger

__all__ = [
    "Fleet", "HostFacts", "RestartNeed", "Failover", "build_fleet", "floors", "estimated_reserve", "reserve_method",
    "default_overhead_mb", "model_defaults", "optimal_stagger", "attribute", "waterfill", "s1_holds", "first_fit",
    "names", "vm_key", "LIST_LIMIT", "RUNNING_STATES",
]


class Fleet:
    """The facts of the fleet pass: hosts by name, clusters, VMs on undefined hosts."""

    def __init__(self, overhead: int):
        self.overhead = overhead
        self.hosts: list[HostFacts] = []
        self.by_name: dict[str, HostFacts] = {}
        self.clusters: dict[str, list[HostFacts]] = {}
        self.unplaced: list = []


def build_fleet(vms, hosts, ctx=None) -> Fleet:
    """Compute the fleet facts over VM and host records (ctx supplies options.overhead_mb)."""
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
    for vm in sorted(undefined, key=vm_key):
        close = difflib.get_close_matches(vm.host, list(known), n=1, cutoff=0.7) if len(known) <= 5000 else []
        fleet.unplaced.append((vm, close[0] if close else None))
    # pass 2: per-host facts, one loop over each host's VMs with local accumulators
    for name, members in groups.items():
        h = host_facts(known[name], members, o)
        fleet.hosts.append(h)
        fleet.by_name[name] = h
        if h.cluster is not None:
            fleet.clusters.setdefault(h.cluster, []).append(h)
    for cname in sorted(fleet.clusters):
        cluster_failover(cname, fleet.clusters[cname], o)
    return fleet
