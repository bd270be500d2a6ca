"""PowerShell inventory (SPEC §2.7): Get-VM / Get-VMMemory / Get-VMHost properties -> records.

Shared by the JSON reader (`ConvertTo-Json` output, and contrib/Get-DmlintInventory.ps1's
file) and the CSV reader (`Export-Csv`). Both hand over one record at a time as
{property name: value} with a way to locate a property; this module knows what the
properties mean, the readers know only their format. The names, the VMState enum and the
Windows build numbers are data: rules/data/powershell_inventory.yaml.

    Name / VMName           -> name            (required: DM002; a Get-VMMemory record's
                                                own Name is the device's, "Memory": VMName)
    ComputerName            -> host            (the VM's Hyper-V host, for the fleet pass)
    State                   -> state           (VMState number or name; see the data file)
    Generation              -> generation      (absent: 2, as in YAML)
    Version                 -> config_version  ("9.0")
    IsClustered             -> clustered
    DynamicMemoryEnabled    -> dynamic
    MemoryStartup / Startup -> startup MB      (bytes; required: DM002)
    MemoryMinimum / Minimum -> minimum MB      (bytes)
    MemoryMaximum / Maximum -> maximum MB      (bytes)
    MemoryDemand            -> demand MB       (bytes; 0, as for an off VM, is "not measured")
    Buffer                  -> buffer %        (absent: 20)
    Priority                -> weight          (0-100; absent: 50)
    Notes                   -> notes, and the guest_os= / host= tokens (§2.4); ComputerName
                               wins over a host= token
    host: ComputerName / Name -> name, MemoryCapacity -> memory MB (bytes, rounded down),
          ClusterName -> cluster, OSVersion "10.0.17763" -> hyperv_version "2019"

A size in bytes that is not a whole MB cannot be a Hyper-V memory size (they are multiples
of 2 MB): DM105 at the value. Fewer than 1 MB is DM003 (a size written in MB where bytes are
expected). A value that is the name of a .NET type ("Microsoft.HyperV.PowerShell.VMMemory")
is what ConvertTo-Json writes for an object deeper than its -Depth (default 2): DM002 with
that explanation.
"""

from __future__ import annotations

import re
from functools import lru_cache

from dmlint.model import VM, Host, Location, Problem
from dmlint.readers.hyperv_config import parse_notes
from dmlint.readers.jsontext import HugeNumber
from dmlint.units import IMPLAUSIBLE_MB, UnitError, parse_int, parse_percent, parse_size
from dmlint.versions import normalise_version

DATA_FILE = "powershell_inventory.yaml"
MB = 1024 * 1024
SIZE_ATTRS = ("startup", "minimum", "maximum", "demand")
IMPLAUSIBLE_BYTES = IMPLAUSIBLE_MB * MB
# what ConvertTo-Json writes in place of an object beyond -Depth: the object's type name
_TYPE_NAME = re.compile(r"^(?:Selected\.)?(?:Microsoft|System)(?:\.[A-Za-z_][A-Za-z0-9_`]*){1,12}$")
_NUMBER = re.compile(r"^\s*[-+]?[0-9]{1,40}(?:\.0*)?\s*$")
_BUILD = re.compile(r"^\s*(?:\d{1,3}\.\d{1,3}\.)?(\d{3,6})(?:\.\d{1,9})?\s*$")
DEPTH_HINT = "ConvertTo-Json writes an object nested deeper than its -Depth (default 2) as its type name: run it again with -Depth 4"


@lru_cache(maxsize=1)
def data() -> dict:
    import yaml

    from dmlint.engine import builtin_rules_dir

    with open(builtin_rules_dir() / "data" / DATA_FILE, encoding="utf-8") as fh:
        raw = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    states_by_name, states_by_number = {}, {}
    for name, entry in raw["vm_state"]["values"].items():
        states_by_name[name.lower()] = (name, entry["state"])
        states_by_number[int(entry["number"])] = (name, entry["state"])
    builds = {int(k): v for k, v in raw["windows_server_builds"]["values"].items()}
    vm_props: dict[str, list[str]] = {}
    for prop, attr in raw["vm_properties"]["values"].items():
        vm_props.setdefault(attr, []).append(prop.lower())
    host_props: dict[str, list[str]] = {}
    for prop, attr in raw["host_properties"]["values"].items():
        host_props.setdefault(attr, []).append(prop.lower())
    return {
        "states_by_name": states_by_name,
        "states_by_number": states_by_number,
        "builds": builds,
        "vm_props": vm_props,
        "host_props": host_props,
    }


# a record is a VM when it has one of these (lower-case) properties, a host when it has MemoryCapacity
VM_MARKERS = frozenset({"memorystartup", "memoryminimum", "memorymaximum", "memorydemand", "dynamicmemoryenabled"})
MEMORY_MARKERS = frozenset({"startup", "vmname"})  # Get-VMMemory: VMName, Startup, Minimum, ...
HOST_MARKER = "memorycapacity"


def kind_of(lower_keys) -> str | None:
    """'host', 'vm' or None for a record's set of lower-case property names."""
    if HOST_MARKER in lower_keys:
        return "host"
    if not VM_MARKERS.isdisjoint(lower_keys) or MEMORY_MARKERS <= lower_keys:
        return "vm"
    return None


def is_type_name(value) -> bool:
    return isinstance(value, str) and len(value) < 300 and _TYPE_NAME.match(value) is not None


class _Builder:
    """One record: {lower-case name: (name as written, value)} and `locate(name)`."""

    def __init__(self, props: dict, locate, vm_name=None):
        self.props = props
        self.locate = locate
        self.problems: list[Problem] = []
        self.vm_name = vm_name
        self.keys: dict[str, str] = {}  # record attribute -> property name as written

    def pick(self, attr: str, table: dict):
        """The first property (in the data file's order) that holds `attr`: (name, value) or None."""
        for lower in table.get(attr, ()):
            entry = self.props.get(lower)
            if entry is not None and entry[1] is not None:
                self.keys[attr] = entry[0]
                return entry
        return None

    def problem(self, rule: str, name: str, message: str) -> None:
        self.problems.append(Problem(rule, message, self.locate(name), vm=self.vm_name))

    def wrong(self, name: str, value, expected: str) -> None:
        if is_type_name(value):
            self.problem("DM002", name, f"{name}: {value!r} is a type name, not a value: {DEPTH_HINT}")
        else:
            self.problem("DM002", name, f"{name}: {value!r} is not {expected}")

    def integer(self, name: str, value):
        if isinstance(value, bool):
            self.wrong(name, value, "a whole number")
            return None
        if isinstance(value, HugeNumber):
            self.problem("DM003", name, f"{name}: a number of {len(value)} digits is not a plausible value")
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _NUMBER.match(value):
            digits = value.strip().split(".")[0]
            if len(digits.lstrip("+-")) > 30:
                self.problem("DM003", name, f"{name}: a number of {len(digits)} digits is not a plausible value")
                return None
            return int(digits)
        self.wrong(name, value, "a whole number")
        return None

    def boolean(self, name: str, value):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        self.wrong(name, value, "True or False")
        return None

    def text(self, name: str, value):
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        self.wrong(name, value, "text")
        return None

    def size_mb(self, attr: str, name: str, value):
        number = self.integer(name, value)
        if number is None:
            return None
        if attr == "demand":
            if number == 0:
                return None  # an off VM reports 0: not measured
            if number > 0:
                number -= number % MB  # a measurement: no alignment to check
        if number < 0:
            self.problem("DM003", name, f"{name}: size {number} bytes is negative")
            return None
        if 0 < number < MB:
            self.problem("DM003", name, f"{name}: {number} bytes is less than 1 MB: sizes from PowerShell are bytes (4 GB is 4294967296)")
            return None
        if number % MB:
            self.problem(
                "DM105", name,
                f"{name}: {number} bytes is not a whole number of MB ({number / MB:.2f} MB), so not a multiple of 2 MB: Hyper-V refuses it",
            )
            return None
        try:
            return parse_size(number // MB)
        except UnitError as exc:
            self.problem("DM003", name, f"{attr} ({name}): {exc}")
            return None


def build_vm(props: dict, locate, source: Location, fmt: str) -> tuple[VM, dict, list[Problem]]:
    """props: {lower-case name: (name as written, value)}. Returns the VM, {attribute: property
    name} for the reader to build `vm.where` from, and the problems."""
    tables = data()
    table = tables["vm_props"]
    b = _Builder(props, locate)
    if is_memory_record(props.keys()) and props.get("vmname", (None, None))[1] is not None:
        entry = props["vmname"]  # Get-VMMemory's own Name is the device's, "Memory"
        b.keys["name"] = entry[0]
    else:
        entry = b.pick("name", table)
    name = None
    if entry is not None:
        name = b.text(entry[0], entry[1])
        name = name.strip() if name else None
    if not name:
        name = f"<unnamed VM at line {source.line}>"
        if entry is None:
            b.problems.append(Problem("DM002", "the VM has no Name (or VMName) property", source))
        else:
            b.problem("DM002", entry[0], f"{entry[0]} is empty: the VM needs a name")
    b.vm_name = name
    vm = VM(name=name, source=source, fmt=fmt)

    entry = b.pick("generation", table)
    if entry is not None:
        gen = b.integer(*entry)
        if gen in (1, 2):
            vm.generation = gen
        elif gen is not None:
            b.problem("DM002", entry[0], f"{entry[0]}: {gen} is not generation 1 or 2")

    entry = b.pick("state", table)
    if entry is not None:
        vm.state = _state(b, entry[0], entry[1], tables)

    entry = b.pick("config_version", table)
    if entry is not None:
        text = b.text(*entry)
        if text is not None:
            text = text.strip()
            if re.match(r"^\d{1,3}\.\d{1,3}$", text):
                vm.config_version = text
            elif text:
                b.wrong(entry[0], entry[1], "a configuration version such as 9.0")

    for attr in ("clustered", "dynamic"):
        entry = b.pick(attr, table)
        if entry is not None:
            flag = b.boolean(*entry)
            if flag is not None:
                setattr(vm, attr, flag)

    for attr in SIZE_ATTRS:
        entry = b.pick(attr, table)
        if entry is None:
            if attr == "startup":
                b.problems.append(Problem("DM002", "the VM has no MemoryStartup (or Startup) property: its startup memory is required", source, vm=name))
            continue
        setattr(vm, attr, b.size_mb(attr, *entry))

    for attr, parse in (("buffer", parse_percent), ("weight", lambda n: parse_int(n, "weight"))):
        entry = b.pick(attr, table)
        if entry is not None:
            number = b.integer(*entry)
            if number is not None:
                try:
                    setattr(vm, attr, parse(number))
                except UnitError as exc:
                    b.problem("DM003", entry[0], f"{attr} ({entry[0]}): {exc}")

    entry = b.pick("host", table)
    if entry is not None:
        host = b.text(*entry)
        if host and host.strip():
            vm.host = host.strip()
        else:
            b.keys.pop("host", None)
    entry = b.pick("notes", table)
    if entry is not None:
        notes = b.text(*entry)
        if notes and notes.strip():
            vm.notes = notes
            for key, token in parse_notes(notes).items():
                if key == "host" and vm.host is not None:
                    continue  # ComputerName, where the VM really runs, wins over a notes token
                setattr(vm, key, token)
                b.keys[key] = entry[0]
    return vm, b.keys, b.problems


class Schema:
    """What a record's property names say, worked out once per distinct set of names (an
    inventory's records nearly all share one): its kind and {attribute: property name}."""

    __slots__ = ("kind", "is_memory", "fields", "lower")

    def __init__(self, names):
        tables = data()
        lower: dict[str, str] = {}
        for name in names:
            lower.setdefault(name.lower(), name)
        self.lower = lower
        self.kind = kind_of(lower.keys())
        self.is_memory = is_memory_record(lower.keys())
        table = tables["host_props"] if self.kind == "host" else tables["vm_props"]
        self.fields = {}
        for attr, candidates in table.items():
            for cand in candidates:
                if cand in lower:
                    self.fields[attr] = lower[cand]
                    break
        if self.kind == "vm" and self.is_memory and "vmname" in lower:
            self.fields["name"] = lower["vmname"]  # Get-VMMemory's own Name is the device's, "Memory"

    def props(self, rec: dict) -> dict:
        """The record as build_vm/build_host take it: {lower-case name: (name, value)}."""
        return {low: (name, rec[name]) for low, name in self.lower.items()}


_MB_MASK = MB - 1


def _STATES_BY_NAME() -> dict:
    return data()["states_by_name"]


def _STATES_BY_NUMBER() -> dict:
    return data()["states_by_number"]
_CONFIG_VERSION = re.compile(r"\d{1,3}\.\d{1,3}")


def _size_bytes(v, implausible) -> int:
    """A plain size: whole MB, at least 1 MB, plausible; else -1 (build_vm reports it)."""
    if type(v) is not int or v < MB or v & _MB_MASK or v > implausible:
        return -1
    return v >> 20


def fast_vm(rec: dict, schema: Schema, source: Location, fmt: str):
    """The common record, every value plain (what the shipped script and ConvertTo-Json
    write): (VM, fields) without a single check that could fail, or None, and build_vm takes
    over (it reports what is wrong). Straight-line code: it runs once per VM of a 50,000-VM
    inventory. A test checks that both give the same records."""
    f = schema.fields
    get = f.get
    key = get("name")
    name = rec[key] if key is not None else None
    if type(name) is not str or not name or name.strip() != name:
        return None
    key = get("startup")
    if key is None:
        return None
    implausible = IMPLAUSIBLE_BYTES
    startup = _size_bytes(rec[key], implausible)
    if startup < 0:
        return None
    minimum = maximum = demand = None
    key = get("minimum")
    if key is not None:
        minimum = _size_bytes(rec[key], implausible)
        if minimum < 0:
            return None
    key = get("maximum")
    if key is not None:
        maximum = _size_bytes(rec[key], implausible)
        if maximum < 0:
            return None
    key = get("demand")
    if key is not None:
        v = rec[key]
        if type(v) is not int:
            return None
        if v:
            demand = _size_bytes(v - (v & _MB_MASK), implausible)
            if demand < 0:
                return None
    clustered = dynamic = False
    key = get("clustered")
    if key is not None:
        clustered = rec[key]
        if type(clustered) is not bool:
            return None
    key = get("dynamic")
    if key is not None:
        dynamic = rec[key]
        if type(dynamic) is not bool:
            return None
    generation = 2
    key = get("generation")
    if key is not None:
        generation = rec[key]
        if type(generation) is not int or (generation != 1 and generation != 2):
            return None
    state = "running"
    key = get("state")
    if key is not None:
        v = rec[key]
        if type(v) is str:
            found = _STATES_BY_NAME().get(v.lower())
        elif type(v) is int:
            found = _STATES_BY_NUMBER().get(v)
        else:
            return None
        if found is None or found[1] is None:
            return None
        state = found[1]
    buffer, weight = 20, 50
    key = get("buffer")
    if key is not None:
        buffer = rec[key]
        if type(buffer) is not int or buffer < 0:
            return None
    key = get("weight")
    if key is not None:
        weight = rec[key]
        if type(weight) is not int or weight < 0:
            return None
    config_version = None
    key = get("config_version")
    if key is not None:
        config_version = rec[key]
        if type(config_version) is not str or not _CONFIG_VERSION.fullmatch(config_version):
            return None
    host = None
    key = get("host")
    if key is not None:
        host = rec[key]
        if type(host) is not str or not host or host.strip() != host:
            return None
    notes = guest_os = None
    fields = f
    key = get("notes")
    if key is not None:
        v = rec[key]
        if type(v) is not str:
            return None
        if v.strip():
            notes = v
            if "=" in v:
                tokens = parse_notes(v)
                guest_os = tokens.get("guest_os")
                if guest_os is not None:
                    fields = dict(f, guest_os=key)
                if host is None and "host" in tokens:
                    host = tokens["host"]
                    fields = dict(fields, host=key)
    vm = VM(name=name, source=source, fmt=fmt, generation=generation, config_version=config_version, guest_os=guest_os,
            host=host, state=state, clustered=clustered, dynamic=dynamic, startup=startup, minimum=minimum,
            maximum=maximum, buffer=buffer, weight=weight, demand=demand, notes=notes)
    return vm, fields


def _state(b: _Builder, name: str, value, tables) -> str:
    found = None
    if isinstance(value, int) and not isinstance(value, bool):
        found = tables["states_by_number"].get(value)
    elif isinstance(value, str):
        text = value.strip()
        found = tables["states_by_name"].get(text.lower())
        if found is None and text.isdigit() and len(text) < 8:
            found = tables["states_by_number"].get(int(text))
    if found is None or found[1] is None:
        shown = f"{value!r} ({found[0]})" if found else repr(value)
        if is_type_name(value):
            b.wrong(name, value, "a VM state")
        else:
            b.problem("DM002", name, f"{name}: {shown} is not a VM state dmlint knows (Running, Off, Saved, Paused or their numbers 2, 3, 6, 9): counted as running")
        return "running"
    return found[1]


def build_host(props: dict, locate, source: Location) -> tuple[Host, dict, list[Problem]]:
    tables = data()
    table = tables["host_props"]
    b = _Builder(props, locate)
    entry = b.pick("name", table)
    name = b.text(*entry) if entry is not None else None
    name = name.strip() if name else None
    if not name:
        name = f"<unnamed host at line {source.line}>"
        b.problems.append(Problem("DM002", "the host has no ComputerName (or Name) property", source))
    host = Host(name=name, source=source)
    entry = b.pick("memory", table)
    if entry is not None:
        number = b.integer(*entry)
        if number is not None:
            if number < MB:
                b.problem("DM003", entry[0], f"{entry[0]}: {number} bytes is not a plausible physical memory: sizes from PowerShell are bytes")
            else:
                try:
                    host.memory = parse_size(number // MB)
                except UnitError as exc:
                    b.problem("DM003", entry[0], f"host memory ({entry[0]}): {exc}")
    entry = b.pick("cluster", table)
    if entry is not None:
        cluster = b.text(*entry)
        if cluster and cluster.strip():
            host.cluster = cluster.strip()
    entry = b.pick("hyperv_version", table)
    if entry is not None:
        host.hyperv_version = hyperv_version(entry[1], tables)
    return host, b.keys, b.problems


def hyperv_version(raw, tables=None) -> str | None:
    """'10.0.17763' (or a build number, or '2019') -> '2019'; unknown -> None."""
    tables = tables or data()
    if isinstance(raw, str):
        m = _BUILD.match(raw)
        if m:
            return tables["builds"].get(int(m.group(1)))
        return normalise_version(raw)
    if isinstance(raw, int) and not isinstance(raw, bool):
        return tables["builds"].get(raw) or normalise_version(raw)
    return None


def merge_memory_records(pairs) -> list:
    """pairs: (is_memory_record, VM). A Get-VMMemory record (VMName, Startup, ..., Buffer,
    Priority) beside the Get-VM record of the same VM and host adds its buffer and weight to
    it instead of being a second VM."""
    if not any(is_memory for is_memory, _ in pairs):
        return [vm for _, vm in pairs]
    full = {}
    for is_memory, vm in pairs:
        if not is_memory:
            full.setdefault((vm.name, vm.host), vm)
    out = []
    for is_memory, vm in pairs:
        target = full.get((vm.name, vm.host)) if is_memory else None
        if target is None:
            out.append(vm)
            continue
        target.buffer, target.weight = vm.buffer, vm.weight
        for attr in ("buffer", "weight"):
            if attr in vm.where:
                target.where[attr] = vm.where[attr]
    return out


def is_memory_record(lower_keys) -> bool:
    """Get-VMMemory's shape: Startup without Get-VM's MemoryStartup."""
    return "startup" in lower_keys and "memorystartup" not in lower_keys
