"""Hyper-V configuration values -> a VM record. Shared by the XML (SPEC §2.2) and VMCX (§2.3) readers.

Both formats hold the same key tree under the root `configuration` node
(research/hyperv-facts.md §1.2). A reader collects the values it found into a dict

    {"properties/name": ("2012R2", Location(...)),
     "settings/memory/bank/size": (1024, Location(...)), ...}

(key paths relative to `configuration`; values are str, int or bool as the file typed them)
and calls `vm_from_values`. This module knows what the keys mean; the readers know only
their format.

Mapping (hyperv-facts.md §1.2; Vagrant's import_vm_xml.ps1 reads the same elements):

    properties/name                              -> name            (required: DM002 when missing)
    properties/subtype                           -> generation = subtype + 1 (0 or 1; missing: 1,
                                                    since files without it predate Generation 2)
    properties/version                           -> config_version "major.minor" (major*256+minor:
                                                    1280 -> "5.0", 2304 -> "9.0")
    properties/notes                             -> notes, and the tokens guest_os=ID, host=NAME
    properties/highly_available                  -> clustered       (missing: False)
    settings/memory/bank/dynamic_memory_enabled  -> dynamic         (missing: False)
    settings/memory/bank/size                    -> startup MB      (required: DM002 when missing)
    settings/memory/bank/reservation             -> minimum MB      (missing: None)
    settings/memory/bank/limit                   -> maximum MB      (missing: None)
    settings/memory/bank/target_memory_buffer    -> buffer %        (missing: 20)
    settings/memory/bank/priority                -> weight          (missing: 5000, i.e. weight 50)
    settings/processors/count                    -> processors      (missing: None, not checked)
    FIRMWARE + secure_boot_enabled               -> secure_boot     (missing: None, not checked)

FIRMWARE is the firmware device node `_ac6b8dc1-3257-4a70-b1b2-a9c9215659ad_/` of the VMCX
samples (formats/vmcx.md section 12: true on Gen 2, false on Gen 1). Neither key is read from
2012 R2 XML exports (hyperv_xml.py reads only the memory elements); a vTPM has no known key.

Missing elements take Hyper-V's defaults: Packer-written `box.xml` files hold only
dynamic_memory_enabled, limit, reservation and size (hashicorp/packer-plugin-hyperv,
builder/hyperv/common/powershell/hyperv/hyperv.go), and New-VM/Set-VMMemory default to a
20 % buffer and priority 50 (https://learn.microsoft.com/powershell/module/hyper-v/set-vmmemory).

Priority -> weight. The file keeps WMI's 0-10000 scale, PowerShell's -Priority is 0-100
(priority = Priority x 100). A priority in 0..10000 is divided by 100 and rounded half up
(5050 -> 51, 49 -> 0), so an in-range priority always gives a weight in 0..100. A priority
above 10000 is divided by 100 and rounded *up* (10001 -> 101), so the weight stays above
100 and DM107 (weight outside 0-100) still fires; a negative priority is DM003, as a negative
weight in YAML is.

Type errors (text where an integer is expected, a number where a bool is expected) are
DM002 at the value; sizes that are zero, negative or implausible are DM003 at the value
(dmlint.units). Guest OS and host from the notes (SPEC §2.4) point `vm.where` at the notes.
"""

from __future__ import annotations

import re

from dmlint.model import VM, Location, Problem
from dmlint.units import UnitError, parse_percent, parse_size

BANK = "settings/memory/bank/"
PROCESSORS = "settings/processors/count"
SECURE_BOOT = "_ac6b8dc1-3257-4a70-b1b2-a9c9215659ad_/secure_boot_enabled"

# record field -> (key, what the value is, in messages)
SIZE_KEYS = {
    "startup": (BANK + "size", "startup memory"),
    "minimum": (BANK + "reservation", "minimum memory"),
    "maximum": (BANK + "limit", "maximum memory"),
}
DEFAULT_BUFFER = 20  # percent: Set-VMMemory -Buffer default
DEFAULT_PRIORITY = 5000  # WMI scale: PowerShell -Priority 50
PRIORITY_SCALE = 100  # priority in the file = PowerShell Priority x 100
PRIORITY_MAX = 10000

# `guest_os=win2k19 host=hv-07` anywhere in the notes; tokens end at white space , ; or quotes
_TOKEN = re.compile(r"(?<![\w.-])(guest_os|host)\s*=\s*([^\s,;\"'<>]+)", re.IGNORECASE)
# ASCII blanks only around the digits: `\s` also takes \x1c-\x1f, \x85 and Unicode spaces,
# some of which int() refuses ("1024\x1f" passed the pattern and crashed in int())
_INT = re.compile(r"[ \t\r\n]*([-+]?[0-9]{1,30})[ \t\r\n]*")


def int_text(text: str) -> int | None:
    """A whole number written as text (XML element text, VMCX strings), or None. The one
    integer-text parser of both export readers."""
    m = _INT.fullmatch(text)
    return int(m.group(1)) if m else None


def priority_to_weight(priority: int) -> int:
    """WMI priority (0-10000) -> Set-VMMemory weight (0-100); see the module docstring."""
    if priority > PRIORITY_MAX:
        return -(-priority // PRIORITY_SCALE)  # round up: stays above 100, DM107 fires
    return (priority + PRIORITY_SCALE // 2) // PRIORITY_SCALE  # round half up


def config_version_text(version: int) -> str:
    """1280 -> '5.0', 2304 -> '9.0', 2560 -> '10.0', 2816 -> '11.0'."""
    return f"{version >> 8}.{version & 0xFF}"


def parse_notes(notes: str) -> dict[str, str]:
    """The first `guest_os=` and `host=` token in the notes: {'guest_os': ..., 'host': ...}."""
    found: dict[str, str] = {}
    for m in _TOKEN.finditer(notes or ""):
        found.setdefault(m.group(1).lower(), m.group(2))
    return found


def _kind(value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, str):
        return "text"
    return f"a {type(value).__name__} value"


class _Builder:
    def __init__(self, values: dict, display: str, source: Location):
        self.values = values
        self.display = display
        self.source = source
        self.problems: list[Problem] = []
        self.vm_name: str | None = None

    def get(self, key):
        entry = self.values.get(key)
        if entry is None:
            return None, None
        value, loc = entry
        return value, (loc if isinstance(loc, Location) else self.source)

    def type_error(self, key: str, value, expected: str, loc: Location) -> None:
        self.problems.append(
            Problem("DM002", f"{key}: {value!r} is {_kind(value)}, expected {expected}", loc, vm=self.vm_name)
        )

    def integer(self, key: str, value, loc: Location) -> int | None:
        if isinstance(value, bool):
            self.type_error(key, value, "an integer", loc)
            return None
        if isinstance(value, int):
            return value
        number = int_text(value) if isinstance(value, str) else None
        if number is not None:
            return number
        self.type_error(key, value, "an integer", loc)
        return None

    def boolean(self, key: str, value, loc: Location) -> bool | None:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        if isinstance(value, int) and value in (0, 1):  # VMCX may store a bool as an integer
            return bool(value)
        self.type_error(key, value, "True or False", loc)
        return None

    def text(self, key: str, value, loc: Location) -> str | None:
        if isinstance(value, str):
            return value
        self.type_error(key, value, "text", loc)
        return None


def vm_from_values(values: dict, display: str, fmt: str, source: Location) -> tuple[VM | None, list[Problem]]:
    """Build one VM from a configuration's values. Never raises; problems are DM002/DM003."""
    b = _Builder(values, display, source)

    # name first, so every later problem names the VM
    raw, loc = b.get("properties/name")
    name = None
    if raw is not None:
        name = raw if isinstance(raw, str) else str(raw)
        if not isinstance(raw, str):
            b.vm_name = name
            b.type_error("properties/name", raw, "text", loc)
        name = name.strip() or None
    if name is None:
        name = f"<unnamed VM in {display}>"
        if raw is None:
            b.problems.append(Problem("DM002", "properties/name is missing: a Hyper-V configuration names its VM", source))
        else:
            b.problems.append(Problem("DM002", "properties/name is empty: a Hyper-V configuration names its VM", loc))
    b.vm_name = name
    vm = VM(name=name, source=source, fmt=fmt, generation=1, buffer=DEFAULT_BUFFER, weight=priority_to_weight(DEFAULT_PRIORITY))
    where = vm.where
    if raw is not None:
        where["name"] = loc

    raw, loc = b.get("properties/subtype")
    if raw is not None:
        where["generation"] = loc
        subtype = b.integer("properties/subtype", raw, loc)
        if subtype in (0, 1):
            vm.generation = subtype + 1
        elif subtype is not None:
            b.problems.append(
                Problem("DM002", f"properties/subtype: {subtype} is not 0 (generation 1) or 1 (generation 2)", loc, vm=name)
            )

    raw, loc = b.get("properties/version")
    if raw is not None:
        where["config_version"] = loc
        version = b.integer("properties/version", raw, loc)
        if version is not None and 0 < version <= 0xFFFF:
            vm.config_version = config_version_text(version)
        elif version is not None:
            b.problems.append(
                Problem("DM002", f"properties/version: {version} is not a configuration version (major x 256 + minor, e.g. 1280 = 5.0)", loc, vm=name)
            )

    raw, loc = b.get("properties/highly_available")
    if raw is not None:
        where["clustered"] = loc
        flag = b.boolean("properties/highly_available", raw, loc)
        if flag is not None:
            vm.clustered = flag

    raw, loc = b.get("properties/notes")
    if raw is not None:
        notes = b.text("properties/notes", raw, loc)
        if notes is not None:
            where["notes"] = loc
            vm.notes = notes if notes.strip() else None
            for key, token in parse_notes(notes).items():
                setattr(vm, key, token)
                where[key] = loc

    raw, loc = b.get(BANK + "dynamic_memory_enabled")
    if raw is not None:
        where["dynamic"] = loc
        flag = b.boolean(BANK + "dynamic_memory_enabled", raw, loc)
        if flag is not None:
            vm.dynamic = flag

    for attr, (key, what) in SIZE_KEYS.items():
        raw, loc = b.get(key)
        if raw is None:
            if attr == "startup":
                b.problems.append(Problem("DM002", f"{key} is missing: the VM's {what} is required", source, vm=name))
            continue
        where[attr] = loc
        number = b.integer(key, raw, loc)
        if number is None:
            continue
        try:
            setattr(vm, attr, parse_size(number))
        except UnitError as exc:
            b.problems.append(Problem("DM003", f"{attr} ({key}): {exc}", loc, vm=name))

    raw, loc = b.get(BANK + "target_memory_buffer")
    if raw is not None:
        where["buffer"] = loc
        number = b.integer(BANK + "target_memory_buffer", raw, loc)
        if number is not None:
            try:
                vm.buffer = parse_percent(number)
            except UnitError as exc:
                b.problems.append(Problem("DM003", f"buffer ({BANK}target_memory_buffer): {exc}", loc, vm=name))

    raw, loc = b.get(BANK + "priority")
    if raw is not None:
        where["weight"] = loc
        number = b.integer(BANK + "priority", raw, loc)
        if number is not None:
            if number < 0:
                b.problems.append(Problem("DM003", f"weight ({BANK}priority): priority {number} is negative", loc, vm=name))
            else:
                vm.weight = priority_to_weight(number)

    raw, loc = b.get(PROCESSORS)
    if raw is not None:
        number = b.integer(PROCESSORS, raw, loc)
        if number is not None and number >= 1:
            vm.processors = number
            where["processors"] = loc
    raw, loc = b.get(SECURE_BOOT)
    if raw is not None:
        flag = b.boolean(SECURE_BOOT, raw, loc)
        if flag is not None:
            vm.secure_boot = flag
            where["secure_boot"] = loc

    return vm, b.problems
