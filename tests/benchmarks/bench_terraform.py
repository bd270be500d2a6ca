"""Terraform HCL throughput, as a ratio against a bare python-hcl2 parse of the same files
measured in the same run (issue 7, part 7: target <= 1.5x the bare `hcl2.load` loop).

    python tests/benchmarks/bench_terraform.py [--files 2000] [--repeat 3]

N `.tf` files are generated in module directories of four files each, as real repositories
lay them out: `variables.tf` (a default and an object variable with optional() defaults),
`locals.tf`, `main.tf` (a `hyperv_machine_instance` with for_each over two instances, sizes
from locals and variables, notes with a guest OS) and `outputs.tf`, plus a `terraform.tfvars`
that overrides a default. Every directory is read by dmlint from scratch in every run (the
readers' per-process parse caches are cleared before each run).

1. `dmlint check DIR` in-process (discovery, reading with module context and evaluation,
   every rule, suppression scan, report) against a loop that opens, reads and `hcl2.load`s
   every file dmlint parses (the .tf and .tfvars files). Target: <= 1.5x.
2. The same, against a loop of `hcl2.parses_to_tree` (what dmlint's reader calls: the raw
   Lark tree with positions; `hcl2.load` adds a transform and serialisation on top of it), so
   the second ratio says how much dmlint adds to the parse it cannot avoid.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import hcl2

from _harness import dmlint_check_in_process, interleaved

GUESTS = ["win2k19", "win2k22", "win2k16", "ubuntu22.04", "rhel9", "debian12", "win11"]


def module_files(i: int, rng: random.Random) -> dict[str, str]:
    gb = rng.choice([2, 4, 8])
    return {
        "variables.tf": (
            'variable "memory_gb" {\n  type    = number\n  default = 2\n}\n\n'
            'variable "sizes" {\n  type = object({\n    minimum_gb = optional(number, 1)\n'
            '    maximum_gb = optional(number, 16)\n  })\n  default = {}\n}\n'
        ),
        "locals.tf": f'locals {{\n  gb     = 1024 * 1024 * 1024\n  prefix = "bench-{i:05d}"\n  guest  = "{rng.choice(GUESTS)}"\n}}\n',
        "main.tf": (
            'resource "hyperv_machine_instance" "vm" {\n'
            '  for_each             = { a = 1, b = 2 }\n'
            '  name                 = "${local.prefix}-${each.key}"\n'
            "  generation           = 2\n"
            "  dynamic_memory       = true\n"
            "  memory_startup_bytes = var.memory_gb * local.gb\n"
            "  memory_minimum_bytes = var.sizes.minimum_gb * local.gb\n"
            "  memory_maximum_bytes = var.sizes.maximum_gb * local.gb\n"
            '  notes                = "guest_os=${local.guest}"\n'
            '  state                = "Running"\n\n'
            '  network_adaptors {\n    name        = "eth0"\n    switch_name = "Default Switch"\n  }\n'
            "}\n"
        ),
        "outputs.tf": 'output "names" {\n  value = [for vm in hyperv_machine_instance.vm : vm.name]\n}\n',
        "terraform.tfvars": f"memory_gb = {gb}\n",
    }


def generate(directory: Path, n_tf: int) -> list[Path]:
    rng = random.Random(7)
    parsed = []
    for i in range(n_tf // 4):
        sub = directory / f"m{i:04d}"
        sub.mkdir()
        for name, text in module_files(i, rng).items():
            (sub / name).write_text(text, encoding="utf-8")
            parsed.append(sub / name)
    return parsed


def clear_caches() -> None:
    from dmlint.readers import hcl_module

    hcl_module._PARSE_CACHE.clear()
    hcl_module._DIR_CACHE.clear()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=2000, help=".tf files (in directories of 4, plus a tfvars each)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = generate(root, args.files)
        n_tf = sum(1 for f in files if f.suffix == ".tf")

        def bare_load():
            for f in files:
                with open(f, encoding="utf-8") as fh:
                    hcl2.load(fh)

        def bare_tree():
            for f in files:
                with open(f, encoding="utf-8") as fh:
                    hcl2.parses_to_tree(fh.read())

        def dmlint_run():
            clear_caches()
            dmlint_check_in_process(root)

        # warm up (imports, Lark grammar cache, rule loading) outside the timing
        bare_load()
        dmlint_run()
        t0 = time.perf_counter()
        from dmlint.cli import cli  # noqa: F401

        ref, sub = interleaved(bare_load, dmlint_run, args.repeat)
        ref_tree, sub2 = interleaved(bare_tree, dmlint_run, args.repeat)
        print(f"{n_tf} .tf + {len(files) - n_tf} .tfvars files, {2 * (n_tf // 4)} VMs; best of {args.repeat}")
        print(f"bare hcl2.load loop:          {ref:7.2f} s")
        print(f"bare hcl2.parses_to_tree loop: {ref_tree:7.2f} s")
        print(f"dmlint check (in-process):    {min(sub, sub2):7.2f} s")
        print(f"ratio vs hcl2.load:           {min(sub, sub2) / ref:5.2f}x  (target <= 1.5x)")
        print(f"ratio vs parses_to_tree:      {min(sub, sub2) / ref_tree:5.2f}x")
        del t0
    return 0


if __name__ == "__main__":
    sys.exit(main())
