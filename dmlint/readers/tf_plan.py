"""Terraform plan JSON (SPEC §2.5): `terraform show -json plan.tfplan > plan.json`.

Every managed `hyperv_machine_instance` in `planned_values` (the root module and every child
module, at any depth) is a VM whose values Terraform has already resolved: variables,
tfvars, locals, modules, `count` and `for_each` are all applied, so nothing is guessed.
What the plan itself does not know yet (a value computed at apply time) is listed in
`resource_changes[].change.after_unknown`: such an attribute is DM006 (info, not checked).

The attributes mean what they mean in HCL (dmlint/readers/terraform_hcl.py) and absent ones
take the provider's defaults from rules/data/terraform_hyperv.yaml:

    name                   -> name            (required by the provider: DM002)
    generation             -> generation      (default 2; 1 or 2, else DM002)
    dynamic_memory         -> dynamic         exactly one of dynamic_memory / static_memory
    static_memory                             must be true, else DM002 (the provider refuses)
    memory_startup_bytes   -> startup MB      (default 512 MB)
    memory_minimum_bytes   -> minimum MB      (default 512 MB)
    memory_maximum_bytes   -> maximum MB      (default 1 TB)
    state                  -> state           (Running / Off; default Running)
    notes                  -> notes, guest_os= / host= tokens (§2.4)

Byte counts that are not a whole MB are DM105, below 1 MB DM003. Findings point at the line
of the attribute inside the resource's `values` (the key of every location is the resource
address, e.g. `module.web.hyperv_machine_instance.vm["a"]`, which SARIF shows as a logical
location). Run `terraform plan -refresh=false -out plan.tfplan` in CI to avoid a WinRM
connection to the Hyper-V host.
"""

from __future__ import annotations

from functools import lru_cache

from dmlint.model import VM, Location, ParseResult, Problem
from dmlint.readers.hyperv_config import parse_notes
from dmlint.readers.jsontext import HugeNumber, JsonDoc, describe, to_int

RESOURCE = "hyperv_machine_instance"
SIZE_ATTRS = {"startup": "memory_startup_bytes", "minimum": "memory_minimum_bytes", "maximum": "memory_maximum_bytes"}
ATTRS = ("name", "generation", "dynamic_memory", "static_memory", *SIZE_ATTRS.values(), "state", "notes")
MB = 1024 * 1024
_WALKED = frozenset({"planned_values", "root_module", "resources", "child_modules"})


@lru_cache(maxsize=1)
def provider_data() -> dict:
    import yaml

    from dmlint.engine import builtin_rules_dir

    with open(builtin_rules_dir() / "data" / "terraform_hyperv.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _descend(path: tuple) -> bool:
    """Walk planned_values down to the resources lists (so each resource has its offset)."""
    if not path:
        return True
    if path[0] != "planned_values":
        return False
    last = path[-1]
    if isinstance(last, int):
        return len(path) >= 2 and path[-2] == "child_modules"
    return last in _WALKED


def _modules(planned, path):
    """(module dict, path) for the root module and every child module, iteratively."""
    root = planned.get("root_module") if isinstance(planned, dict) else None
    stack = [(root, path + ("root_module",))] if isinstance(root, dict) else []
    while stack:
        mod, mpath = stack.pop()
        yield mod, mpath
        children = mod.get("child_modules")
        if isinstance(children, list):
            for i in range(len(children) - 1, -1, -1):
                if isinstance(children[i], dict):
                    stack.append((children[i], mpath + ("child_modules", i)))


def read(doc: JsonDoc) -> ParseResult:
    value = doc.parse(_descend)
    result = ParseResult()
    if not isinstance(value, dict) or "format_version" not in value:
        result.ours = False
        return result
    unknown_after = {}
    for change in value.get("resource_changes") or ():
        if isinstance(change, dict) and change.get("type") == RESOURCE and isinstance(change.get("change"), dict):
            after_unknown = change["change"].get("after_unknown")
            if isinstance(after_unknown, dict):
                unknown_after[change.get("address")] = after_unknown
    planned = value.get("planned_values")
    for mod, mpath in _modules(planned, ("planned_values",)):
        resources = mod.get("resources")
        if not isinstance(resources, list):
            continue
        for i, res in enumerate(resources):
            if not isinstance(res, dict) or res.get("type") != RESOURCE or res.get("mode", "managed") != "managed":
                continue
            start = doc.offset(mpath + ("resources", i))
            vm, problems = _vm(doc, res, start, unknown_after.get(res.get("address"), {}))
            result.vms.append(vm)
            result.problems.extend(problems)
    result.ours = bool(result.vms) or planned is not None and RESOURCE in doc.text
    return result


def _vm(doc: JsonDoc, res: dict, start: int, after_unknown: dict):
    data = provider_data()
    defaults = data["defaults"]
    address = res.get("address") if isinstance(res.get("address"), str) else f"{RESOURCE}.{res.get('name', '?')}"
    source = doc.location(start, address)
    values = res.get("values") if isinstance(res.get("values"), dict) else {}
    values_at = doc.member_value_offset(start, "values")
    keys = doc.member_offsets(values_at) if values_at is not None and doc.text[values_at] == "{" else {}

    def loc(name: str) -> Location:
        at = keys.get(name)
        return source if at is None else doc.location(at, address)

    problems: list[Problem] = []
    raw = values.get("name")
    vm_name = raw.strip() if isinstance(raw, str) and raw.strip() else f"<unnamed {address}>"
    vm = VM(name=vm_name, source=source, fmt="terraform", generation=defaults["generation"]["value"])
    where = vm.where

    def problem(rule, message, name):
        problems.append(Problem(rule, f"{address}: {message}", loc(name), vm=vm_name))

    for name in ATTRS:
        if after_unknown.get(name) is True:
            problem("DM006", f"{name} is known only after apply; not checked", name)
    if raw is None:
        if after_unknown.get("name") is not True:
            problems.append(Problem("DM002", f"{address}: name is missing; the provider requires it", source, vm=vm_name))
    elif not isinstance(raw, str) or not raw.strip():
        problem("DM002", f"name is {describe(raw)}, expected the VM's name", "name")
    else:
        where["name"] = loc("name")

    if values.get("generation") is not None:
        gen = to_int(values["generation"])
        if gen in (1, 2):
            vm.generation = gen
            where["generation"] = loc("generation")
        else:
            problem("DM002", f"generation {describe(values['generation'])} is not 1 or 2 (the provider accepts only these)", "generation")

    flags = {}
    for name in ("dynamic_memory", "static_memory"):
        raw = values.get(name)
        if raw is None:
            flags[name] = None if after_unknown.get(name) is True else defaults[name]["value"]
        elif isinstance(raw, bool):
            flags[name] = raw
        else:
            problem("DM002", f"{name} is {describe(raw)}, expected true or false", name)
            flags[name] = None
    dyn, sta = flags["dynamic_memory"], flags["static_memory"]
    flag_name = "dynamic_memory" if "dynamic_memory" in keys else "static_memory"
    if dyn is not None and sta is not None and dyn == sta:
        both = "both true" if dyn else "both false (or absent)"
        problem("DM002", f"dynamic_memory and static_memory are {both}; the provider requires exactly one of them to be true and refuses to create the VM", flag_name)
    if dyn is not None:
        vm.dynamic = dyn
    elif sta is not None:
        vm.dynamic = not sta
    if flag_name in keys:
        where["dynamic"] = loc(flag_name)

    for fld, name in SIZE_ATTRS.items():
        raw = values.get(name)
        if raw is None:
            if after_unknown.get(name) is not True:
                setattr(vm, fld, defaults[name]["mb"])
            continue
        where[fld] = loc(name)
        if isinstance(raw, HugeNumber):
            problem("DM003", f"{name} has {len(raw)} digits: not a plausible memory size", name)
            continue
        number = to_int(raw)
        if number is None:
            problem("DM002", f"{name} is {describe(raw)}, expected a whole number of bytes", name)
            continue
        if number <= 0:
            problem("DM003", f"{name} {number} is {'zero' if number == 0 else 'negative'}: a memory size must be at least 1 MB", name)
        elif number < MB:
            problem("DM003", f"{name} {number} is {number} bytes, less than 1 MB: the attribute counts bytes (did you mean {number} MB = {number * MB} bytes?)", name)
        elif number % MB and not (fld == "startup" or vm.dynamic):
            setattr(vm, fld, number // MB)  # a static VM's leftover minimum/maximum: Hyper-V does not use it
        elif number % MB:
            problem("DM105", f"{name} {number} bytes is not a whole number of MB ({number / MB:.2f} MB), so not a multiple of 2 MB: Hyper-V refuses it", name)
        else:
            from dmlint.units import UnitError, parse_size

            try:
                setattr(vm, fld, parse_size(number // MB))
            except UnitError as exc:
                problem("DM003", f"{name}: {exc}", name)

    raw = values.get("state")
    if raw is not None:
        if isinstance(raw, str) and raw.strip().lower() in ("running", "off"):
            vm.state = raw.strip().lower()
            where["state"] = loc("state")
        else:
            problem("DM002", f"state {describe(raw)} is not Running or Off (the provider accepts only these)", "state")

    raw = values.get("notes")
    if isinstance(raw, str):
        vm.notes = raw if raw.strip() else None
        where["notes"] = loc("notes")
        for key, token in parse_notes(raw).items():
            setattr(vm, key, token)
            where[key] = loc("notes")
    return vm, problems
