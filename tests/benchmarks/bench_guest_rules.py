"""Guest OS rules and catalogue benchmark, as ratios against references in the same run.

    python tests/benchmarks/bench_guest_rules.py [--vms 100000]

  load     load_catalog() from rules/data/guest_os.yaml (C YAML loader + index), cold
           against json.loads of the same data serialised as JSON (the cheapest possible load)
  rules    DM004 and DM201-DM206 over N VMs with a mix of guest_os spellings
           against DM102 (a two-comparison rule) over the same VMs, times 7
"""

from __future__ import annotations

import argparse
import json
import random
import time

import yaml

from dmlint import catalog as catalog_mod
from dmlint.engine import Registry
from dmlint.model import VM, Location
from dmlint.pipeline import Context, Options

GUESTS = [
    "win2k19", "win2k19-core", "Windows Server 2022", "win2k12r2", "win7-professional", "win10",
    "win11", "rhel9.4", "RHEL 8", "ubuntu22.04", "Ubuntu 24.04 LTS", "debian12", "sles15sp5",
    "freebsd13.2", "win2019",
]


def make_vms(n: int, seed: int = 11):
    rnd = random.Random(seed)
    loc = Location("bench.yaml", 1, 1)
    vms = []
    for i in range(n):
        dynamic = rnd.random() < 0.6
        startup = rnd.choice((512, 1000, 1024, 2048, 4096, 8192))
        vms.append(VM(
            name=f"vm{i}", source=loc, guest_os=rnd.choice(GUESTS), generation=rnd.choice((1, 2, 2)),
            dynamic=dynamic, startup=startup, minimum=startup // 2 if dynamic else None,
            maximum=startup * 4 if dynamic else None,
        ))
    return vms


def best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vms", type=int, default=100_000)
    args = ap.parse_args()

    path = catalog_mod.catalog_path()
    text = path.read_text(encoding="utf-8")
    as_json = json.dumps(yaml.load(text, Loader=yaml.CSafeLoader))

    def cold_load():
        catalog_mod.load_catalog.cache_clear()
        catalog_mod.load_catalog()

    t_load = best(cold_load, 5)
    t_json = best(lambda: json.loads(as_json), 5)
    print(f"catalogue load: {t_load * 1e3:.1f} ms; json.loads of the same data {t_json * 1e3:.2f} ms; ratio {t_load / t_json:.1f}x")

    registry = Registry.load(entry_points=False)
    guest_rules = [registry.by_id[r] for r in ("DM004", "DM201", "DM202", "DM203", "DM204", "DM205", "DM206")]
    ref_rule = registry.by_id["DM102"]
    vms = make_vms(args.vms)
    ctx = Context(Options(), vms, ())
    ctx.catalog  # loaded once, as in a run

    def run_guest():
        n = 0
        for rule in guest_rules:
            check = rule.check
            for vm in vms:
                for _ in check(vm, ctx):
                    n += 1
        return n

    def run_ref():
        check = ref_rule.check
        for _ in range(len(guest_rules)):
            for vm in vms:
                for _ in check(vm, ctx):
                    pass

    findings = run_guest()
    t_guest = best(run_guest)
    t_ref = best(run_ref)
    print(f"guest rules over {len(vms)} VMs: {t_guest:.3f} s ({findings} findings); "
          f"DM102 x7 reference {t_ref:.3f} s; ratio {t_guest / t_ref:.1f}x")


if __name__ == "__main__":
    main()
