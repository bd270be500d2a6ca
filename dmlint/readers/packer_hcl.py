"""Packer HCL2 templates (`*.pkr.hcl`, SPEC §2.6): `source "hyperv-iso" | "hyperv-vmcx"` -> VM records.

Mapping (plugin hashicorp/hyperv v1.1.4; defaults and their source lines in
rules/data/packer_hyperv.yaml; docs/packer.md has the table):

    vm_name                -> name              (default "packer-<source name>")
    memory                 -> startup MB        (default 1024; Packer refuses < 32 or > 32768: DM002)
    enable_dynamic_memory  -> dynamic           (default false)
    generation             -> generation        (default 1; any value other than 2 becomes 1,
                                                 and dmlint says so: DM002)
    configuration_version  -> config_version    (default: the host's own version)

A build VM has no minimum or maximum of its own: the plugin only runs `Set-VMMemory
-DynamicMemoryEnabled` (hashicorp/packer#9827), so Hyper-V's defaults for a new VM apply,
minimum 512 MB and maximum 1 TB (rules/data/packer_hyperv.yaml, hyperv_new_vm_defaults, with
their source and status). The record carries them, pointing at `enable_dynamic_memory`.

Variables: `variable` defaults, then `*.pkrvars.hcl` / `*.auto.pkrvars.hcl` in the template's
directory (auto files are always loaded; plain ones only with -var-file, so they are applied in
lexical order, and a variable two plain files set differently is DM006: the -var-file given
decides). `locals` blocks and `local "x" { expression = ... }` blocks are evaluated lazily.
Packer has no notes: give guest OS and host through the configuration's `mappings` (§2.4).
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from dmlint.model import VM, ParseResult, Problem
from dmlint.readers import hcl_module as hm
from dmlint.readers.hcl_eval import Attr, Evaluator, Unknown, describe

BUILDERS = ("hyperv-iso", "hyperv-vmcx")
DATA_FILE = "packer_hyperv.yaml"


class _Kind:
    name = "packer"

    @staticmethod
    def is_source(name: str) -> bool:
        return name.endswith(".pkr.hcl")

    @staticmethod
    def is_var_file(name: str) -> bool:
        return name.endswith(".pkrvars.hcl")

    @staticmethod
    def exclusive(name: str) -> bool:
        return not name.endswith(".auto.pkrvars.hcl")

    @staticmethod
    def order_var_files(names):
        # plain (-var-file) first, then the auto-loaded ones, each in lexical order
        return sorted(n for n in names if not n.endswith(".auto.pkrvars.hcl")) + sorted(n for n in names if n.endswith(".auto.pkrvars.hcl"))

    @staticmethod
    def collect(mod, root):
        hm.collect_variables(mod, root)
        for blk in root.blocks:
            if blk.type == "local" and blk.labels and isinstance(blk.labels[0], str) and "expression" in blk.attrs:
                e = blk.attrs["expression"]
                mod.locals.setdefault(blk.labels[0], Attr(blk.labels[0], e.expr, e.loc))


KIND = _Kind()


def read_pkrvars(data: bytes, display: str) -> ParseResult:
    from dmlint.readers.terraform_hcl import read_tfvars

    return read_tfvars(data, display)


def read(data: bytes, display: str) -> ParseResult:
    pf, result = hm.start(data, display, tuple(b.encode() for b in BUILDERS))
    if pf is None:
        return result
    sources = [b for b in pf.root.blocks if b.type == "source" and len(b.labels) >= 2 and b.labels[0] in BUILDERS]
    if not sources:
        result.ours = False
        return result
    path = Path(display)
    mod = hm.load_module(path.parent, posixpath.dirname(display), KIND, this=pf)
    ev = Evaluator()
    inst = hm.Instance(mod, dict(mod.var_values), ev, "no value is set in a .pkrvars.hcl file")
    data_file = hm.load_data(DATA_FILE)
    for blk in sources:
        vm, problems = _vm(blk, inst, ev, data_file)
        result.vms.append(vm)
        result.problems.extend(problems)
    return result


def _vm(blk, inst, ev, data):
    defaults, limits, hv = data["defaults"], data["constraints"], data["hyperv_new_vm_defaults"]
    builder, label = blk.labels[0], blk.labels[1] if isinstance(blk.labels[1], str) else "?"
    address = f"source.{builder}.{label}"
    problems: list[Problem] = []
    values = {}
    for name in ("vm_name", "memory", "enable_dynamic_memory", "generation", "configuration_version"):
        attr = blk.attrs.get(name)
        if attr is None:
            continue
        value, origin = ev.eval(attr.expr, inst.scope)
        if value is None:
            continue
        values[name] = (value, attr.loc if isinstance(value, Unknown) else (origin or attr.loc))

    vm_name = f"packer-{label}"
    raw = values.get("vm_name")
    if raw is not None and isinstance(raw[0], str) and raw[0].strip():
        vm_name = raw[0].strip()
    vm = VM(name=vm_name, source=blk.loc, fmt="packer", generation=defaults["generation"]["value"])
    where = vm.where

    def unknown(name):
        value, loc = values[name]
        problems.append(hm.unknown_problem(address, name, value, loc, vm_name))

    if raw is not None:
        if isinstance(raw[0], Unknown):
            unknown("vm_name")
            vm.name = f"<unnamed {address}>"
        elif isinstance(raw[0], str) and raw[0].strip():
            where["name"] = raw[1]

    if "generation" in values:
        value, loc = values["generation"]
        if isinstance(value, Unknown):
            unknown("generation")
        else:
            gen = hm.to_int(value)
            where["generation"] = loc
            if gen == 2:
                vm.generation = 2
            else:
                vm.generation = limits["generation_coerced_to"]["value"]
                if gen != 1:
                    problems.append(
                        Problem("DM002", f"{address}: generation {describe(value)} is not 1 or 2; the hyperv plugin silently builds a generation 1 VM instead", loc, vm=vm.name)
                    )

    if "enable_dynamic_memory" in values:
        value, loc = values["enable_dynamic_memory"]
        if isinstance(value, Unknown):
            unknown("enable_dynamic_memory")
        else:
            flag = hm.to_bool(value)
            where["dynamic"] = loc
            if flag is None:
                problems.append(Problem("DM002", f"{address}: enable_dynamic_memory is {describe(value)}, expected true or false", loc, vm=vm.name))
            else:
                vm.dynamic = flag

    lo, hi = limits["memory_min_mb"]["value"], limits["memory_max_mb"]["value"]
    if "memory" in values:
        value, loc = values["memory"]
        where["startup"] = loc
        if isinstance(value, Unknown):
            unknown("memory")
        else:
            mb = hm.to_int(value)
            if mb is None or mb < 0:
                problems.append(Problem("DM002", f"{address}: memory is {describe(value)}, expected a whole number of MB", loc, vm=vm.name))
            elif mb == 0:
                vm.startup = defaults["memory"]["value"]  # 0 is the plugin's "unset"
            elif mb < lo or mb > hi:
                problems.append(
                    Problem("DM002", f"{address}: memory {mb} MB is outside {lo}-{hi} MB; the hyperv plugin refuses to build (memory is in MB: {mb} MB = {mb / 1024:g} GB)", loc, vm=vm.name)
                )
                if mb > hi:
                    vm.startup = None
            else:
                vm.startup = mb
    else:
        vm.startup = defaults["memory"]["value"]

    if "configuration_version" in values:
        value, loc = values["configuration_version"]
        if isinstance(value, Unknown):
            unknown("configuration_version")
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            vm.config_version = str(value)
            where["config_version"] = loc

    # no minimum/maximum of its own: Hyper-V's defaults for a new VM
    vm.minimum = hv["minimum_mb"]["value"]
    vm.maximum = hv["maximum_mb"]["value"]
    vm.buffer = hv["buffer_percent"]["value"]
    vm.weight = hv["weight"]["value"]
    for fld in ("minimum", "maximum"):
        where[fld] = where.get("dynamic", blk.loc)
    return vm, problems
