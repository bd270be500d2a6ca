"""PowerShell inventory throughput: a 50,000-VM inventory JSON, as a ratio against a bare
`json.load` of the same file plus the fleet pass over the same records, in the same run.

    python tests/benchmarks/bench_inventory.py [--vms 50000] [--hosts 500] [--repeat 3]

The file is written as contrib/Get-DmlintInventory.ps1 writes it (PowerShell 7's 2-space
indentation, every property of every VM), hosts in clusters of 16, about 100 VMs a host,
mostly healthy with a few findings, as a real estate.

Times are CPU time of this process (best of --repeat, interleaved).

1. check: `dmlint check --format json FILE` in-process (discovery, the JSON reader, every
   per-VM rule, the fleet pass, suppressions, the report), against `json.load(FILE)` plus
   the fleet pass (build_fleet with N+1 and every DM3xx rule drained) over records built
   once beforehand. Target (issue 7): <= 2x.
2. reader: `read_file` plus the same fleet pass, against the same reference: what the reader
   itself adds on top of a bare parse.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from _harness import dmlint_check_in_process, interleaved

GB = 1024**3
MB = 1024**2
GUESTS = ["win2k19", "win2k22", "win2k16", "ubuntu22.04", "rhel9.0", "debian12", "win2k22-core"]


def make_inventory(n_vms: int, n_hosts: int, seed: int = 7) -> dict:
    rnd = random.Random(seed)
    hosts = []
    for i in range(n_hosts):
        hosts.append({
            "ComputerName": f"HV{i:04d}", "MemoryCapacity": rnd.choice((512, 768, 1024)) * GB,
            "ClusterName": f"CL{i // 16:03d}", "OSVersion": "10.0.20348", "OSCaption": "Microsoft Windows Server 2022 Datacenter",
        })
    vms = []
    per_host = max(1, n_vms // n_hosts)
    for i in range(n_vms):
        h = hosts[min(i // per_host, n_hosts - 1)]
        startup = rnd.choice((2, 4, 4, 8)) * GB
        dynamic = rnd.random() < 0.6
        minimum = max(512 * MB, startup // 4) if dynamic else 512 * MB
        maximum = startup * 2 if dynamic else 1024 * GB
        running = rnd.random() < 0.9
        vms.append({
            "Name": f"vm{i:06d}", "ComputerName": h["ComputerName"], "State": "Running" if running else "Off",
            "Generation": 2, "Version": "10.0", "IsClustered": rnd.random() < 0.7, "DynamicMemoryEnabled": dynamic,
            "MemoryStartup": startup, "MemoryMinimum": minimum, "MemoryMaximum": maximum,
            "MemoryDemand": (rnd.randint(minimum // MB, startup // MB) // 2 * 2 * MB) if running else 0,
            "MemoryAssigned": startup if running else 0, "Buffer": 20, "Priority": 50,
            "Notes": f"guest_os={rnd.choice(GUESTS)}" if rnd.random() < 0.8 else "",
        })
    return {"Format": "dmlint-inventory", "FormatVersion": 1, "CollectedAt": "2026-12-01T10:00:00Z", "Hosts": hosts, "VMs": vms}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vms", type=int, default=50_000)
    ap.add_argument("--hosts", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from dmlint.engine import Registry
    from dmlint.pipeline import Context, Options
    from dmlint.readers import read_file

    fleet_rules = [r for r in Registry.load(entry_points=False).all() if r.scope == "fleet"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "inventory.json"
        path.write_text(json.dumps(make_inventory(args.vms, args.hosts), indent=2), encoding="utf-8")
        size = path.stat().st_size
        parsed = read_file(path, path.name, "json")
        assert len(parsed.vms) == args.vms and len(parsed.hosts) == args.hosts, (len(parsed.vms), len(parsed.hosts))
        vms, hosts = parsed.vms, parsed.hosts

        def fleet_pass(vms, hosts):
            ctx = Context(Options(), vms, hosts)
            return sum(1 for rule in fleet_rules for _ in rule.check(ctx.fleet, ctx))

        def reference():
            with open(path, "rb") as fh:
                json.load(fh)
            fleet_pass(vms, hosts)

        def check():
            dmlint_check_in_process(path)

        def reader():
            result = read_file(path, path.name, "json")
            fleet_pass(result.vms, result.hosts)

        gc.collect()
        # CPU time of this process: the machine may be shared, and wall time then measures the neighbours
        t_ref, t_check = interleaved(reference, check, args.repeat, clock=time.process_time)
        t_ref2, t_reader = interleaved(reference, reader, args.repeat, clock=time.process_time)
        findings = fleet_pass(vms, hosts)
        print(f"inventory: {args.vms:,} VMs on {args.hosts:,} hosts, {size / MB:.1f} MB of JSON; fleet pass: {findings} findings")
        print(f"  check:  dmlint check {t_check:.3f} s vs json.load + fleet pass {t_ref:.3f} s: ratio {t_check / t_ref:.2f}x (target <= 2x)")
        print(f"  reader: read_file + fleet pass {t_reader:.3f} s vs json.load + fleet pass {t_ref2:.3f} s: ratio {t_reader / t_ref2:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
