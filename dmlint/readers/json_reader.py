"""`*.json`: a Terraform plan (SPEC §2.5), a legacy Packer template (§2.6) or a PowerShell
inventory (§2.7), recognised by content; every other JSON file is skipped silently.

Recognition is a byte search before anything is decoded or parsed (a 30 MB
package-lock.json costs a few milliseconds): a plan has `"format_version"`, `"planned_values"`
or `"resource_changes"`, and a `hyperv_machine_instance`; a Packer template has `"builders"`
and a `hyperv-iso`/`hyperv-vmcx` type; an inventory has one of the properties
`MemoryStartup`, `MemoryCapacity`, `DynamicMemoryEnabled` (or the shipped script's
`"Format": "dmlint-inventory"`). Only then is the file decoded and
parsed; a file that matched but is not valid JSON is DM001 with its line and column.
"""

from __future__ import annotations

import gc
import re

from dmlint.model import Location, ParseResult, Problem
from dmlint.readers.jsontext import JsonDoc, JsonError, TextError, decode, is_utf16

_INVENTORY_NAMES = ("MemoryStartup", "MemoryCapacity", "DynamicMemoryEnabled", "dmlint-inventory")
SNIFF_HEAD = 65536  # a case-insensitive look covers the head only: PowerShell writes the names as above
# plain literals (no repetition): a linear search
_INVENTORY_B = re.compile(rb'"(?:MemoryStartup|MemoryCapacity|DynamicMemoryEnabled|dmlint-inventory)"', re.IGNORECASE)
_INVENTORY_S = re.compile(r'"(?:MemoryStartup|MemoryCapacity|DynamicMemoryEnabled|dmlint-inventory)"', re.IGNORECASE)


def sniff(data) -> str | None:
    """'plan', 'packer', 'inventory' or None, from bytes (UTF-8) or text."""
    q = b'"' if isinstance(data, bytes) else '"'

    def has(word: str) -> bool:
        return (word.encode() if isinstance(data, bytes) else word) in data

    if has('"format_version"') and (has('"planned_values"') or has('"resource_changes"')):
        return "plan" if has("hyperv_machine_instance") else None
    if has('"builders"') and (has("hyperv-iso") or has("hyperv-vmcx")):
        return "packer"
    # the cmdlets' own spelling anywhere (a memchr-speed search), any spelling in the head
    if any(has(f'"{name}"') for name in _INVENTORY_NAMES):
        return "inventory"
    pattern = _INVENTORY_B if q == b'"' else _INVENTORY_S
    if pattern.search(data, 0, SNIFF_HEAD):
        return "inventory"
    return None


def read(data: bytes, display: str) -> ParseResult:
    """Never raises."""
    wide = is_utf16(data)
    kind = None if wide else sniff(data)
    if not wide and kind is None:
        return ParseResult(ours=False)
    try:
        text, _ = decode(data)
    except TextError as exc:
        if wide:  # a UTF-16 file that is not valid UTF-16: ours only if it says so
            try:
                kind = sniff(data.decode("utf-16", errors="replace"))
            except Exception:  # noqa: BLE001 - the guess must not fail the reader
                kind = None
            if kind is None:
                return ParseResult(ours=False)
        result = ParseResult()
        result.problems.append(Problem("DM001", str(exc), Location(display, 0, 0, key=f"byte {exc.offset}")))
        return result
    if wide:
        kind = sniff(text)
        if kind is None:
            return ParseResult(ours=False)
    doc = JsonDoc(text, display)
    try:
        if kind == "plan":
            from dmlint.readers import tf_plan

            return tf_plan.read(doc)
        if kind == "packer":
            from dmlint.readers import packer_json

            return packer_json.read(doc)
        return read_inventory(doc)
    except JsonError as exc:
        return _failed(doc, f"JSON syntax error: {exc}", exc.offset)
    except (RecursionError, MemoryError):
        return _failed(doc, "refused: the JSON document is nested too deeply", 0)


def _failed(doc: JsonDoc, message: str, offset: int) -> ParseResult:
    result = ParseResult()
    result.problems.append(Problem("DM001", message, doc.location(min(offset, len(doc.text)))))
    return result


# -- PowerShell inventory ----------------------------------------------------------------------
_LIST_KEYS = ("vms", "hosts", "value")  # the shipped script's lists; `value` of PS 5.1's {"value": [...], "Count": n}


def _descend(path: tuple) -> bool:
    # walk the root and, in a root object, its members; records themselves go to the C scanner
    return len(path) == 0 or (len(path) == 1 and isinstance(path[0], str))


def read_inventory(doc: JsonDoc) -> ParseResult:
    """The cyclic garbage collector is paused while the records are built: they make no
    reference cycles, and a 50,000-VM file otherwise spends about a third of its reading
    time in collections that free nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _read_inventory(doc)
    finally:
        if was_enabled:
            gc.enable()


def _record_groups(doc: JsonDoc, value):
    """[(records, their start offsets)]: the root array, the script's lists (or PS 5.1's
    `value`), one object not wrapped in an array, or the root object itself."""
    from dmlint.readers import ps_inventory as inv

    first = doc._skip(0)
    if isinstance(value, list):
        return [(value, doc.elements.get((), [first] * len(value)))]
    if not isinstance(value, dict):
        return []
    lists = [k for k in value if k.lower() in _LIST_KEYS and isinstance(value[k], (list, dict, str))]
    if not lists or inv.kind_of({k.lower() for k in value}) is not None:
        return [([value], [first])]
    groups = []
    for k in lists:
        v = value[k]
        if isinstance(v, list):
            groups.append((v, doc.elements.get((k,), [first] * len(v))))
        else:  # one object not wrapped in an array, or a type name
            groups.append(([v], [doc.offset((k,), first)]))
    return groups


def _read_inventory(doc: JsonDoc) -> ParseResult:
    from functools import partial

    from dmlint.readers import ps_inventory as inv
    from dmlint.readers.jsontext import LazyWhere

    value = doc.parse(_descend)
    result = ParseResult()
    truncated = None  # (type name, offset) of the first type-name string where a record should be
    pairs = []
    schemas: dict = {}
    fast_vm, location, key_location = inv.fast_vm, doc.location, doc.key_location
    for items, starts in _record_groups(doc, value):
        for rec, start in zip(items, starts):
            if type(rec) is not dict:
                if truncated is None and inv.is_type_name(rec):
                    truncated = (rec, start)
                continue
            names = tuple(rec)
            schema = schemas.get(names)
            if schema is None:
                schema = schemas[names] = inv.Schema(names)
            if schema.kind is None:
                continue
            source = location(start)
            keys = partial(key_location, start)
            if schema.kind == "host":
                host, fields, problems = inv.build_host(schema.props(rec), keys, source)
                host.where = LazyWhere(fields, keys)
                result.hosts.append(host)
                result.problems.extend(problems)
                continue
            fast = fast_vm(rec, schema, source, "inventory")
            if fast is not None:
                vm, fields = fast
                vm.where = LazyWhere(fields, keys, shared=True)
            else:
                vm, fields, problems = inv.build_vm(schema.props(rec), keys, source, "inventory")
                vm.where = LazyWhere(fields, keys)
                result.problems.extend(problems)
            pairs.append((schema.is_memory, vm))
    result.vms = inv.merge_memory_records(pairs)
    if truncated is not None:
        result.problems.append(Problem("DM002", f"a record is the type name {truncated[0]!r}, not an object: {inv.DEPTH_HINT}", location(truncated[1])))
    result.ours = bool(result.vms or result.hosts or truncated)
    return result
