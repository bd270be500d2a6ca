"""Terraform HCL (`*.tf`, SPEC §2.5): `resource "hyperv_machine_instance"` -> VM records.

Mapping (provider taliesins/hyperv v1.2.1; defaults and their source lines in
rules/data/terraform_hyperv.yaml; docs/terraform.md has the table):

    name                   -> name                 (required by the provider)
    generation             -> generation           (default 2; 1 or 2, else DM002)
    dynamic_memory         -> dynamic              (exactly one of dynamic_memory / static_memory
    static_memory          ->                       must be true, else DM002, as the provider's
                                                    Create refuses both and neither)
    memory_startup_bytes   -> startup MB           (default 512 MB)
    memory_minimum_bytes   -> minimum MB           (default 512 MB)
    memory_maximum_bytes   -> maximum MB           (default 1 TB)
    state                  -> state                (Running | Off, case-insensitive; default Running)
    notes                  -> notes, and its guest_os= / host= tokens (SPEC §2.4)

Byte counts become MB; one that is not a whole MB is DM105 (Hyper-V refuses memory not
2 MB aligned), one below 1 MB is DM003 (a MB figure written into a *_bytes attribute). The
provider applies minimum and maximum to static VMs too (Set-VM -DynamicMemory ... then
-StaticMemory), so the record keeps them; the rules on dynamic-memory settings still look at
them only when dynamic memory is on (SPEC §3).

Values: see dmlint.readers.hcl_eval for what is evaluated. `var.*` come from, lowest first:
the variable's default, terraform.tfvars, terraform.tfvars.json, *.auto.tfvars(.json) in
lexical order (Terraform's own order), all in the module's directory; in a called module,
from the call's arguments. A finding points where the deciding value is written (the tfvars
line, the module argument, the locals entry), and the VM it belongs to is named.
`count` and `for_each` over known values give one record per instance (at most 1000);
local module calls (`source = "./..."` or `"../..."`) are followed into the module directory
(at most MAX_MODULE_DEPTH deep, never in a cycle, never outside the checked tree) with the
call's arguments bound to the module's variables. Registry and git modules are not followed.
Anything not known is DM006 (info) at the attribute: not checked, never guessed.
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from dmlint.model import VM, Location, ParseResult, Problem
from dmlint.readers import hcl_module as hm
from dmlint.readers.hcl_eval import Evaluator, Unknown, describe
from dmlint.readers.hyperv_config import parse_notes

RESOURCE = "hyperv_machine_instance"
DATA_FILE = "terraform_hyperv.yaml"
MAX_MODULE_DEPTH = 8
_META_ARGS = {"source", "version", "count", "for_each", "providers", "depends_on"}
SIZE_ATTRS = {"startup": "memory_startup_bytes", "minimum": "memory_minimum_bytes", "maximum": "memory_maximum_bytes"}


class _Kind:
    name = "terraform"

    @staticmethod
    def is_source(name: str) -> bool:
        return name.endswith(".tf")

    @staticmethod
    def is_var_file(name: str) -> bool:
        return name in ("terraform.tfvars", "terraform.tfvars.json") or name.endswith((".auto.tfvars", ".auto.tfvars.json"))

    @staticmethod
    def order_var_files(names):
        first = [n for n in ("terraform.tfvars", "terraform.tfvars.json") if n in names]
        return first + sorted(n for n in names if n not in first)

    @staticmethod
    def exclusive(name: str) -> bool:
        return False  # Terraform loads all of them

    @staticmethod
    def collect(mod, root):
        hm.collect_variables(mod, root)
        for blk in root.blocks:
            if blk.type == "provider" or (blk.type == "terraform" and any(b.type in ("backend", "cloud") for b in blk.blocks)):
                mod.root_signs.append(blk.type)


KIND = _Kind()


def child_module_inputs(mod) -> list[str]:
    """The variables that make a directory a child module rather than a root module: it has
    no provider or backend block and no tfvars, and some variable has no default. Such a
    directory is applied only through `module` calls, so its resources are checked there
    (each call with its own arguments) and not on their own with invented inputs."""
    if mod.root_signs or mod.var_values:
        return []
    return sorted(name for name, var in mod.variables.items() if var.default is None)


def read_tfvars(data: bytes, display: str) -> ParseResult:
    """A tfvars file on its own holds no VM: report a syntax error and read its suppression
    comments (findings point at tfvars lines when a value came from there)."""
    pf, result = hm.start(data, display, (b"",))  # every variable file is parsed
    result.ours = False
    return result


def read(data: bytes, display: str) -> ParseResult:
    pf, result = hm.start(data, display, (RESOURCE.encode(), b"module"))
    if pf is None:
        return result
    resources = [b for b in pf.root.blocks if b.type == "resource" and b.labels[:1] == [RESOURCE]]
    calls = [b for b in pf.root.blocks if b.type == "module"]
    if not resources and not calls:
        result.ours = False
        return result
    path = Path(display)
    directory = path.parent
    display_dir = posixpath.dirname(display)
    mod = hm.load_module(directory, display_dir, KIND, this=pf)
    ev = Evaluator()
    inst = hm.Instance(mod, {k: v for k, v in mod.var_values.items()}, ev, "no value is set in a tfvars file")
    walker = _Walker(ev, hm.tree_root(path), result)
    needs = child_module_inputs(mod)
    for blk in resources:
        if needs:
            label = blk.labels[1] if len(blk.labels) > 1 and isinstance(blk.labels[1], str) else "?"
            shown = ", ".join(f"var.{n}" for n in needs[:3]) + (" ..." if len(needs) > 3 else "")
            result.problems.append(
                Problem("DM006", f"{RESOURCE}.{label}: this directory is a child module ({shown} without a default, no provider block, no tfvars); its VMs are checked through the module calls that use it", blk.loc)
            )
            continue
        walker.resource(blk, inst, "", None)
    for blk in calls:
        walker.module_call(blk, inst, directory.resolve() if directory.exists() else directory, display_dir, "", (), None)
    return result


class _Walker:
    def __init__(self, ev: Evaluator, root: Path, result: ParseResult):
        self.ev = ev
        self.root = root
        self.result = result
        self.data = hm.load_data(DATA_FILE)

    def problem(self, rule, message, loc, vm=None):
        self.result.problems.append(Problem(rule, message, loc, vm=vm))

    # instances of a block: count / for_each
    def instances(self, blk, inst, address):
        """[(address, scope extras)] or None when the instances cannot be known."""
        scope = inst.scope
        if "for_each" in blk.attrs:
            attr = blk.attrs["for_each"]
            value, origin = self.ev.eval(attr.expr, scope)
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                value = {v: v for v in value}
            if not isinstance(value, dict) or any(isinstance(v, Unknown) for v in value.values()):
                reason = value.reason if isinstance(value, Unknown) else f"for_each is {describe(value)}"
                self.problem("DM006", f"{address}: for_each is not statically known ({reason}); its VMs are not checked", attr.loc)
                return None
            if len(value) > hm.MAX_INSTANCES:
                self.problem("DM006", f"{address}: for_each has {len(value)} instances, more than {hm.MAX_INSTANCES}; not checked", attr.loc)
                return None
            return [(f'{address}["{k}"]', {"each": ({"key": k, "value": v}, origin)}) for k, v in value.items()]
        if "count" in blk.attrs:
            attr = blk.attrs["count"]
            value, _ = self.ev.eval(attr.expr, scope)
            n = hm.to_int(value)
            if isinstance(value, Unknown) or n is None or n < 0:
                reason = value.reason if isinstance(value, Unknown) else f"count is {describe(value)}"
                self.problem("DM006", f"{address}: count is not statically known ({reason}); its VMs are not checked", attr.loc)
                return None
            if n > hm.MAX_INSTANCES:
                self.problem("DM006", f"{address}: count is {n}, more than {hm.MAX_INSTANCES}; not checked", attr.loc)
                return None
            return [(f"{address}[{i}]", {"count": ({"index": i}, None)}) for i in range(n)]
        return [(address, {})]

    def resource(self, blk, inst, prefix, call_loc):
        label = blk.labels[1] if len(blk.labels) > 1 and isinstance(blk.labels[1], str) else "?"
        address = f"{prefix}{RESOURCE}.{label}"
        for addr, extras in self.instances(blk, inst, address) or ():
            scope = inst.scope.child(**extras)
            vm, problems = self.vm(blk, scope, addr, call_loc)
            self.result.vms.append(vm)
            self.result.problems.extend(problems)

    def module_call(self, blk, inst, directory: Path, display_dir: str, prefix, stack, call_loc):
        label = blk.labels[0] if blk.labels and isinstance(blk.labels[0], str) else "?"
        address = f"{prefix}module.{label}"
        src_attr = blk.attrs.get("source")
        if src_attr is None:
            return
        source, _ = self.ev.eval(src_attr.expr, inst.scope)
        if not isinstance(source, str) or not source.startswith(("./", "../")):
            return  # registry, git or computed sources are not in the checked tree
        target = (directory / source).resolve()
        if not target.is_dir() or not hm.inside(target, self.root):
            self.problem("DM006", f"{address}: module source {source!r} is not a directory inside the checked tree; its VMs are not checked", src_attr.loc)
            return
        if target in stack:
            self.problem("DM006", f"{address}: module source {source!r} calls itself (a module cycle); not followed", src_attr.loc)
            return
        if len(stack) >= MAX_MODULE_DEPTH:
            self.problem("DM006", f"{address}: modules nested more than {MAX_MODULE_DEPTH} deep; not followed", src_attr.loc)
            return
        target_disp = posixpath.normpath(posixpath.join(display_dir or ".", source))
        mod = hm.load_module(target, target_disp, KIND)
        for addr, extras in self.instances(blk, inst, address) or ():
            scope = inst.scope.child(**extras)
            inputs = {}
            for name, attr in blk.attrs.items():
                if name in _META_ARGS:
                    continue
                value, origin = self.ev.eval(attr.expr, scope)
                inputs[name] = (value, origin or attr.loc)
            child = hm.Instance(mod, inputs, self.ev, f"the call {addr} gives no value")
            outer = call_loc or blk.loc
            for pf in mod.files:
                for rblk in pf.root.blocks:
                    if rblk.type == "resource" and rblk.labels[:1] == [RESOURCE]:
                        self.resource(rblk, child, addr + ".", outer)
                    elif rblk.type == "module":
                        self.module_call(rblk, child, target, target_disp, addr + ".", stack + (target,), outer)

    # one resource instance -> VM
    def vm(self, blk, scope, address, call_loc):
        defaults, limits = self.data["defaults"], self.data["constraints"]
        generations = limits["generation_values"]["value"]
        states = limits["state_values"]["value"]
        problems: list[Problem] = []
        source = call_loc or blk.loc
        values = {}
        for name in ("name", "generation", "dynamic_memory", "static_memory", *SIZE_ATTRS.values(), "state", "notes"):
            attr = blk.attrs.get(name)
            if attr is None:
                continue
            value, origin = self.ev.eval(attr.expr, scope)
            loc = origin or attr.loc
            if value is None:
                continue  # null: the provider's default
            if isinstance(value, Unknown):
                values[name] = (value, attr.loc)
                continue
            values[name] = (value, loc)

        def unknown(name):
            value, loc = values[name]
            problems.append(hm.unknown_problem(address, name, value, loc, vm_name))

        raw = values.get("name")
        vm_name = f"<unnamed {address}>"
        if raw is not None and isinstance(raw[0], str) and raw[0].strip():
            vm_name = raw[0].strip()
        vm = VM(name=vm_name, source=source, fmt="terraform", generation=defaults["generation"]["value"])
        where = vm.where
        if raw is None:
            problems.append(Problem("DM002", f"{address}: name is missing; the provider requires it", source, vm=vm_name))
        elif isinstance(raw[0], Unknown):
            unknown("name")
        elif not isinstance(raw[0], str) or not raw[0].strip():
            problems.append(Problem("DM002", f"{address}: name is {describe(raw[0])}, expected the VM's name", raw[1], vm=vm_name))
        else:
            where["name"] = raw[1]

        if "generation" in values:
            value, loc = values["generation"]
            gen = hm.to_int(value) if not isinstance(value, Unknown) else None
            if isinstance(value, Unknown):
                unknown("generation")
            elif gen in generations:
                vm.generation = gen
                where["generation"] = loc
            else:
                problems.append(Problem("DM002", f"{address}: generation {describe(value)} is not one of {', '.join(map(str, generations))} (the provider accepts only these)", loc, vm=vm_name))

        flags = {}
        for name in ("dynamic_memory", "static_memory"):
            if name not in values:
                flags[name] = defaults[name]["value"]
                continue
            value, loc = values[name]
            if isinstance(value, Unknown):
                unknown(name)
                flags[name] = None
                continue
            flag = hm.to_bool(value)
            if flag is None:
                problems.append(Problem("DM002", f"{address}: {name} is {describe(value)}, expected true or false", loc, vm=vm_name))
            flags[name] = flag
        dyn, sta = flags["dynamic_memory"], flags["static_memory"]
        flag_loc = values.get("dynamic_memory", values.get("static_memory", (None, source)))[1]
        if dyn is not None and sta is not None:
            if dyn == sta:
                both = "both true" if dyn else "both false (or absent)"
                problems.append(
                    Problem("DM002", f"{address}: dynamic_memory and static_memory are {both}; the provider requires exactly one of them to be true and refuses to create the VM", flag_loc, vm=vm_name)
                )
            vm.dynamic = bool(dyn)
        elif dyn is not None:
            vm.dynamic = bool(dyn)
        elif sta is not None:
            vm.dynamic = not sta
        if "dynamic_memory" in values:
            where["dynamic"] = values["dynamic_memory"][1]
        elif "static_memory" in values:
            where["dynamic"] = values["static_memory"][1]

        for fld, name in SIZE_ATTRS.items():
            if name not in values:
                setattr(vm, fld, defaults[name]["mb"])
                continue
            value, loc = values[name]
            where[fld] = loc
            if isinstance(value, Unknown):
                unknown(name)
                continue
            number = hm.to_int(value)
            if number is None:
                problems.append(Problem("DM002", f"{address}: {name} is {describe(value)}, expected a whole number of bytes", loc, vm=vm_name))
                continue
            mb, problem = hm.bytes_to_mb(name, number, loc, vm_name, dm105_applies=(fld == "startup" or vm.dynamic))
            if problem is not None:
                problems.append(problem)
            setattr(vm, fld, mb)

        if "state" in values:
            value, loc = values["state"]
            if isinstance(value, Unknown):
                unknown("state")
            elif isinstance(value, str) and value.strip().lower() in states:
                vm.state = states[value.strip().lower()]
                where["state"] = loc
            else:
                problems.append(Problem("DM002", f"{address}: state {describe(value)} is not Running or Off (the provider accepts only these)", loc, vm=vm_name))

        if "notes" in values:
            value, loc = values["notes"]
            if isinstance(value, Unknown):
                unknown("notes")
            elif isinstance(value, str):
                vm.notes = value if value.strip() else None
                where["notes"] = loc
                for key, token in parse_notes(value).items():
                    setattr(vm, key, token)
                    where[key] = loc
        return vm, problems


# for `dmlint show` and docs: the record attribute each provider attribute becomes
FIELD_MAP = {
    "name": "name",
    "generation": "generation",
    "dynamic_memory": "dynamic",
    "static_memory": "dynamic (negated)",
    "memory_startup_bytes": "startup",
    "memory_minimum_bytes": "minimum",
    "memory_maximum_bytes": "maximum",
    "state": "state",
    "notes": "notes, guest_os, host",
}

__all__ = ["read", "read_tfvars", "Location"]
