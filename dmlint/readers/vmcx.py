"""VMCX configuration files (SPEC §2.3): bytes -> one VM record, or DM001/DM002/DM003/DM005.

Windows Server 2016 and later keep a VM's configuration in `Virtual Machines/<GUID>.vmcx`, a
binary "storage" file (`vmcx_storage` parses it and verifies every checksum). Its key tree is
the tree of the older XML files: the root key `configuration` holds `properties/name`,
`settings/memory/bank/size` and so on, and `hyperv_config.vm_from_values` maps it to a VM,
as for XML.

Not every `.vmcx` is a VM configuration. The host registry `data.vmcx` (root
`Configurations`) and runtime-state files (root `configuration`, but neither a VM name nor
memory settings, as in a `.vmrs`) are skipped silently. A file that cannot be read is one
DM001 finding naming the fault and where it is (byte offset, key path). Pending replay-log
entries, or a damaged header copy, are DM005: the values may be stale.

Findings have no line or column; `Location.key` holds the key path, e.g.
`configuration/settings/memory/bank/size`.
"""

from __future__ import annotations

from dmlint.model import Location, ParseResult, Problem
from dmlint.readers.hyperv_config import vm_from_values
from dmlint.readers.vmcx_storage import StorageError, parse

ROOT = "configuration"
# the keys the VM record is made of (hyperv_config.py knows what they mean)
PATHS = (
    "properties/name",
    "properties/subtype",
    "properties/version",
    "properties/notes",
    "properties/highly_available",
    "settings/memory/bank/dynamic_memory_enabled",
    "settings/memory/bank/size",
    "settings/memory/bank/reservation",
    "settings/memory/bank/limit",
    "settings/memory/bank/target_memory_buffer",
    "settings/memory/bank/priority",
    "settings/processors/count",  # DM205
    "_ac6b8dc1-3257-4a70-b1b2-a9c9215659ad_/secure_boot_enabled",  # DM205
)
WANTED = frozenset(PATHS)
_PARENTS = tuple(dict.fromkeys(p.rsplit("/", 1)[0] for p in PATHS))


def read(data: bytes, display: str) -> ParseResult:
    """Never raises: a reader bug becomes a DM001 finding, the other files are still checked."""
    try:
        return _read(data, display)
    except Exception as exc:  # pragma: no cover - last line of defence
        result = ParseResult()
        result.problems.append(Problem("DM001", f"internal error while reading VMCX ({type(exc).__name__}: {exc}); please report it", Location(display, 0, 0)))
        return result


def _stale(count: int) -> str:
    entries = "entry" if count == 1 else "entries"
    return (
        f"the replay log holds {count} pending {entries}: the file was copied while Hyper-V was "
        "writing it, so the values read may be stale"
    )


def _read(data: bytes, display: str) -> ParseResult:
    result = ParseResult()
    try:
        storage = parse(data)
    except StorageError as err:
        where = Location(display, 0, 0, key=err.key)
        result.problems.append(Problem("DM001", f"VMCX file cannot be read: {err}", where))
        if err.pending_replay_entries:
            result.problems.append(Problem("DM005", _stale(err.pending_replay_entries), Location(display, 0, 0)))
        return result

    roots = [k for k in storage.roots if k.name == ROOT]
    if not roots:
        result.ours = False  # data.vmcx (root "Configurations") or another storage file
        return result
    if len(roots) > 1:
        result.problems.append(Problem("DM002", f"the file holds {len(roots)} '{ROOT}' root keys; a VM configuration has one", Location(display, 0, 0, key=ROOT)))
        return result
    # the nodes the VM record is made of, each visited once
    found: dict = {}
    for parent_rel in _PARENTS:
        for parent in storage.find(f"{ROOT}/{parent_rel}"):
            for key in parent.children:
                rel = f"{parent_rel}/{key.name}"
                if rel in WANTED:
                    found.setdefault(rel, []).append(key)
    if "properties/name" not in found and not storage.find(f"{ROOT}/settings/memory"):
        result.ours = False  # runtime state (.vmrs) and the like: no VM name, no memory settings
        return result

    values: dict = {}
    ambiguous = set()
    for rel in PATHS:
        keys = found.get(rel)
        if not keys:
            continue
        path = f"{ROOT}/{rel}"
        loc = Location(display, 0, 0, key=path)
        if len(keys) > 1:
            result.problems.append(Problem("DM002", f"{rel}: the key is stored {len(keys)} times; dmlint cannot tell which one Hyper-V uses", loc))
            ambiguous.add(rel)
            continue
        key = keys[0]
        if key.is_node:
            result.problems.append(Problem("DM002", f"{rel}: is a node with {len(key.children)} keys below it, expected a value", loc))
            continue
        values[rel] = (key.value, loc)

    vm, problems = vm_from_values(values, display, "vmcx", Location(display, 0, 0, key=ROOT))
    name = vm.name if vm is not None else None
    for p in result.problems:
        p.vm = name
    # an ambiguous key was left out of `values`; it is reported above, not also as missing
    result.problems.extend(p for p in problems if not any(p.message.startswith(f"{rel} is missing") for rel in ambiguous))
    if vm is not None:
        result.vms.append(vm)
    if storage.pending_replay_entries:
        result.problems.append(Problem("DM005", _stale(storage.pending_replay_entries), Location(display, 0, 0), vm=name))
    for warning in storage.warnings:
        result.problems.append(Problem("DM005", f"{warning}: the last write may not have completed, so the values read may be stale", Location(display, 0, 0), vm=name))
    return result
