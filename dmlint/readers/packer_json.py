"""Legacy Packer JSON templates (SPEC §2.6): `"builders": [{"type": "hyperv-iso", ...}]`.

Each builder of type `hyperv-iso` or `hyperv-vmcx` is one build VM. Its fields mean what
they mean in HCL2 templates (dmlint/readers/packer_hcl.py) and absent ones take the
plugin's defaults from rules/data/packer_hyperv.yaml:

    vm_name                -> name          (default "packer-" + the builder's name or type)
    memory                 -> startup MB    (default 1024; Packer refuses < 32 or > 32768: DM002)
    enable_dynamic_memory  -> dynamic       (default false)
    generation             -> generation    (default 1; any value other than 2 becomes 1, and
                                             dmlint says so: DM002)
    configuration_version  -> config_version
    (none)                 -> minimum, maximum, buffer, weight: Hyper-V's own defaults for a
                              new VM (512 MB, 1 TB, 20 %, 50), since the plugin sets only the
                              dynamic-memory flag (hashicorp/packer#9827)

Values may be `{{user `name`}}`: it is replaced by the template's `variables` default (Packer
converts "4096" to a number as it decodes the builder). Any other template function
(`{{env ...}}`, `{{timestamp}}`) is not statically known: DM006, not checked.

A template has no notes: `guest_os=` / `host=` tokens (§2.4) are read from the root's
comment keys (Packer ignores root keys that start with `_`), e.g.
`"_comment": "Windows 11 image. guest_os=win11"`, and apply to every builder.
"""

from __future__ import annotations

import re
from functools import lru_cache

from dmlint.model import VM, Location, ParseResult, Problem
from dmlint.readers.hyperv_config import parse_notes
from dmlint.readers.jsontext import HugeNumber, JsonDoc, describe, to_int

TYPES = ("hyperv-iso", "hyperv-vmcx")
FIELDS = ("vm_name", "memory", "enable_dynamic_memory", "generation", "configuration_version")
# `{{user `x`}}` or `{{ user "x" }}`: one template action; each part is a single class, so linear
_USER = re.compile(r"\{\{\s*user\s+(?:`([^`{}]{0,200})`|\"([^\"\\{}]{0,200})\")\s*\}\}")


class Unknown:
    def __init__(self, reason: str):
        self.reason = reason


@lru_cache(maxsize=1)
def plugin_data() -> dict:
    import yaml

    from dmlint.engine import builtin_rules_dir

    with open(builtin_rules_dir() / "data" / "packer_hyperv.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _descend(path: tuple) -> bool:
    return len(path) == 0 or path == ("builders",)


def substitute(raw, variables: dict):
    """The value with `{{user `x`}}` replaced, or Unknown."""
    if not isinstance(raw, str) or "{{" not in raw:
        return raw
    missing = []

    def repl(m):
        name = m.group(1) if m.group(1) is not None else m.group(2)
        value = variables.get(name)
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            missing.append(name)
            return ""
        if isinstance(value, str) and "{{" in value:
            missing.append(name)
            return ""
        return str(value)

    out = _USER.sub(repl, raw)
    if missing:
        return Unknown(f"user variable {missing[0]!r} has no literal default")
    if "{{" in out:
        return Unknown(f"template expression {raw[:60]!r} is evaluated only by Packer")
    return out


def _to_bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    return None


def read(doc: JsonDoc) -> ParseResult:
    value = doc.parse(_descend)
    result = ParseResult()
    builders = value.get("builders") if isinstance(value, dict) else None
    if not isinstance(builders, list):
        result.ours = False
        return result
    variables = value.get("variables") if isinstance(value.get("variables"), dict) else {}
    tokens, token_key = {}, None
    for key, text in value.items():
        if key.startswith("_") and isinstance(text, str):
            found = parse_notes(text)
            if found and token_key is None:
                tokens, token_key = found, key
    root_keys = doc.member_offsets(doc._skip(0)) if token_key else {}
    token_loc = doc.location(root_keys[token_key]) if token_key in root_keys else None
    for i, builder in enumerate(builders):
        if not isinstance(builder, dict) or builder.get("type") not in TYPES:
            continue
        start = doc.offset(("builders", i))
        vm, problems = _vm(doc, builder, start, variables)
        for key, token in tokens.items():
            setattr(vm, key, token)
            vm.where[key] = token_loc or vm.source
        result.vms.append(vm)
        result.problems.extend(problems)
    result.ours = bool(result.vms)
    return result


def _vm(doc: JsonDoc, builder: dict, start: int, variables: dict):
    data = plugin_data()
    defaults, limits, hv = data["defaults"], data["constraints"], data["hyperv_new_vm_defaults"]
    label = builder.get("name") if isinstance(builder.get("name"), str) and builder.get("name") else builder["type"]
    address = f"builder {label!r} ({builder['type']})"
    keys = doc.member_offsets(start)
    source = doc.location(start)
    problems: list[Problem] = []

    def loc(name) -> Location:
        at = keys.get(name)
        return source if at is None else doc.location(at)

    values = {name: substitute(builder[name], variables) for name in FIELDS if name in builder and builder[name] is not None}
    vm_name = f"packer-{label}"
    raw = values.get("vm_name")
    if isinstance(raw, str) and raw.strip():
        vm_name = raw.strip()
    vm = VM(name=vm_name, source=source, fmt="packer", generation=defaults["generation"]["value"])
    where = vm.where

    def problem(rule, message, name):
        problems.append(Problem(rule, f"{address}: {message}", loc(name), vm=vm.name))

    for name, value in values.items():
        if isinstance(value, Unknown):
            problem("DM006", f"{name} is not statically known ({value.reason}); not checked", name)
    if isinstance(raw, Unknown):
        vm.name = f"<unnamed {address}>"
    elif isinstance(raw, str) and raw.strip():
        where["name"] = loc("vm_name")

    value = values.get("generation")
    if value is not None and not isinstance(value, Unknown):
        gen = to_int(value, strings=True)
        where["generation"] = loc("generation")
        if gen == 2:
            vm.generation = 2
        else:
            vm.generation = limits["generation_coerced_to"]["value"]
            if gen != 1:
                problem("DM002", f"generation {describe(value)} is not 1 or 2; the hyperv plugin silently builds a generation 1 VM instead", "generation")

    value = values.get("enable_dynamic_memory")
    if value is not None and not isinstance(value, Unknown):
        flag = _to_bool(value)
        where["dynamic"] = loc("enable_dynamic_memory")
        if flag is None:
            problem("DM002", f"enable_dynamic_memory is {describe(value)}, expected true or false", "enable_dynamic_memory")
        else:
            vm.dynamic = flag

    lo, hi = limits["memory_min_mb"]["value"], limits["memory_max_mb"]["value"]
    value = values.get("memory")
    if value is None:
        vm.startup = defaults["memory"]["value"]
    elif not isinstance(value, Unknown):
        where["startup"] = loc("memory")
        mb = to_int(value, strings=True)
        if isinstance(value, HugeNumber):
            problem("DM003", f"memory has {len(value)} digits: not a plausible memory size", "memory")
        elif mb is None or mb < 0:
            problem("DM002", f"memory is {describe(value)}, expected a whole number of MB", "memory")
        elif mb == 0:
            vm.startup = defaults["memory"]["value"]  # 0 is the plugin's "unset"
        elif mb < lo or mb > hi:
            problem("DM002", f"memory {mb} MB is outside {lo}-{hi} MB; the hyperv plugin refuses to build (memory is in MB: {mb} MB = {mb / 1024:g} GB)", "memory")
        else:
            vm.startup = mb

    value = values.get("configuration_version")
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        vm.config_version = str(value)
        where["config_version"] = loc("configuration_version")

    # no minimum/maximum of its own: Hyper-V's defaults for a new VM
    vm.minimum = hv["minimum_mb"]["value"]
    vm.maximum = hv["maximum_mb"]["value"]
    vm.buffer = hv["buffer_percent"]["value"]
    vm.weight = hv["weight"]["value"]
    for fld in ("minimum", "maximum"):
        where[fld] = where.get("dynamic", source)
    return vm, problems
