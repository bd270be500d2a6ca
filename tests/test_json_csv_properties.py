"""Property tests: no generated JSON or CSV fragment escapes the readers as anything but records
and findings (derandomized, fixed budget)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dmlint.model import ParseResult
from dmlint.readers import read_bytes

PROPS = ["Name", "VMName", "ComputerName", "State", "Generation", "Version", "IsClustered", "DynamicMemoryEnabled",
         "MemoryStartup", "MemoryMinimum", "MemoryMaximum", "MemoryDemand", "Buffer", "Priority", "Notes",
         "Startup", "MemoryCapacity", "ClusterName", "OSVersion", "VMs", "Hosts", "value", "Count"]
PLAN_KEYS = ["format_version", "planned_values", "root_module", "resources", "child_modules", "address", "type",
             "mode", "values", "name", "memory_startup_bytes", "memory_minimum_bytes", "memory_maximum_bytes",
             "dynamic_memory", "static_memory", "generation", "state", "notes", "resource_changes", "change", "after_unknown"]
PACKER_KEYS = ["builders", "type", "variables", "vm_name", "memory", "enable_dynamic_memory", "generation",
               "configuration_version", "_comment", "name"]
TEXTS = ["hyperv_machine_instance", "hyperv-iso", "hyperv-vmcx", "Running", "Off", "Saved", "guest_os=win11",
         "Microsoft.HyperV.PowerShell.VMMemory", "{{user `x`}}", "{{env `X`}}", "10.0.17763", "True", "managed"]
RULES = {"DM001", "DM002", "DM003", "DM006", "DM105"}
SETTINGS = settings(derandomize=True, max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 1, 2, 3, 6, 9, 1024, 1048576, 1073741824, 1073741825, 2**40, 2**63]),
    st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(TEXTS), st.text(max_size=12),
)
keys = st.one_of(st.sampled_from(PROPS + PLAN_KEYS + PACKER_KEYS), st.text(max_size=8))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=8)), max_leaves=40)


def _check(result: ParseResult, display: str):
    assert isinstance(result, ParseResult)
    for p in result.problems:
        assert p.rule in RULES, p
        assert p.location.path == display and p.location.line >= 0
        assert "internal error" not in p.message, p.message
    for rec in list(result.vms) + list(result.hosts):
        for loc in dict(rec.where).values():  # every lazily found position resolves
            assert loc.path == display and loc.line >= 1


# records shaped like the real thing, so the mapping code sees every property with odd values
enum_like = st.sampled_from([1, 2, 3, 6, 9, 32773, 32779, "Running", "Off", "Paused", "2", True, "1073741824", 2**30 + 1])
inventory_record = st.dictionaries(st.sampled_from(PROPS), st.one_of(enum_like, scalars, values), min_size=1, max_size=14).map(
    lambda d: dict(d, MemoryStartup=d.get("MemoryStartup", 1073741824)))
plan_resource = st.fixed_dictionaries(
    {"type": st.just("hyperv_machine_instance"), "address": st.text(max_size=10)},
    optional={"mode": st.sampled_from(["managed", "data", 3]), "values": st.dictionaries(st.sampled_from(PLAN_KEYS), scalars, max_size=10)})
packer_builder = st.fixed_dictionaries(
    {"type": st.sampled_from(["hyperv-iso", "hyperv-vmcx"])},
    optional={k: st.one_of(scalars, st.sampled_from(["{{user `x`}}", "{{user `y`}}", "{{ user \"x\" }}"])) for k in PACKER_KEYS if k != "type"})
shaped = st.one_of(
    st.lists(inventory_record, min_size=1, max_size=4),
    inventory_record,
    st.fixed_dictionaries({"Format": st.just("dmlint-inventory"), "VMs": st.one_of(st.lists(inventory_record, min_size=1, max_size=3), inventory_record, st.just("Microsoft.X")),
                           "Hosts": st.lists(st.dictionaries(st.sampled_from(PROPS), scalars, max_size=6).map(lambda d: dict(d, MemoryCapacity=d.get("MemoryCapacity", 2**36))), max_size=2)}),
    st.builds(lambda r, c: {"format_version": "1.2", "planned_values": {"root_module": {"resources": r, "child_modules": [{"resources": r}]}}, "resource_changes": c},
              st.lists(plan_resource, min_size=1, max_size=3), st.lists(st.fixed_dictionaries({"address": st.text(max_size=5), "type": st.just("hyperv_machine_instance"), "change": st.fixed_dictionaries({"after_unknown": st.dictionaries(st.sampled_from(PLAN_KEYS), st.booleans())})}), max_size=2)),
    st.builds(lambda b, v: {"variables": v, "_comment": "guest_os=win11", "builders": b}, st.lists(packer_builder, min_size=1, max_size=3), st.dictionaries(st.sampled_from(["x", "y"]), scalars)),
)


@st.composite
def json_bytes(draw):
    doc = draw(st.one_of(shaped, shaped, shaped, values))
    text = json.dumps(doc, indent=draw(st.sampled_from([None, 1, 4])))
    cut = draw(st.integers(min_value=0, max_value=len(text)))
    mode = draw(st.sampled_from(["whole", "whole", "whole", "truncate", "insert"]))
    if mode == "truncate":
        text = text[:cut]
    elif mode == "insert":
        text = text[:cut] + draw(st.sampled_from(["{", "[", ",", '"', "\\", "\x00", "9" * 50, "]]", "\ufeff"])) + text[cut:]
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "utf-16-le", "latin-1"]))
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode("utf-8")


@SETTINGS
@given(json_bytes())
def test_json_fragments_are_findings_or_records(data):
    _check(read_bytes(data, "gen.json", "json"), "gen.json")


@st.composite
def csv_bytes(draw):
    header = draw(st.lists(st.one_of(st.sampled_from(PROPS), st.text(max_size=6)), min_size=1, max_size=8))
    delim = draw(st.sampled_from([",", ";", "\t"]))
    cell = st.one_of(st.sampled_from(TEXTS + ["", "1073741824", "2", "-5", "9" * 40]), st.text(max_size=10))
    rows = draw(st.lists(st.lists(cell, max_size=10), max_size=6))
    quote = draw(st.booleans())

    def fmt(field):
        return '"' + field.replace('"', '""') + '"' if quote else field

    lines = [delim.join(fmt(f) for f in header)] + [delim.join(fmt(f) for f in r) for r in rows]
    if draw(st.booleans()):
        lines.insert(0, "#TYPE Selected.Microsoft.HyperV.PowerShell.VirtualMachine")
    text = draw(st.sampled_from(["\r\n", "\n"])).join(lines)
    cut = draw(st.integers(min_value=0, max_value=len(text)))
    if draw(st.booleans()):
        text = text[:cut] + draw(st.sampled_from(['"', "\x00", "\r", delim])) + text[cut:]
    return text.encode(draw(st.sampled_from(["utf-8", "utf-16"])))


@SETTINGS
@given(csv_bytes())
def test_csv_fragments_are_findings_or_records(data):
    _check(read_bytes(data, "gen.csv", "csv"), "gen.csv")


@SETTINGS
@given(st.binary(max_size=300), st.sampled_from([b"", b'"MemoryStartup"', b'"format_version" "planned_values" hyperv_machine_instance', b'"builders" hyperv-iso', b"\xff\xfe"]))
def test_binary_junk_with_markers(junk, marker):
    for name, fmt in (("b.json", "json"), ("b.csv", "csv")):
        _check(read_bytes(marker + junk, name, fmt), name)
        _check(read_bytes(junk + marker, name, fmt), name)


PLAIN = {
    "Name": st.sampled_from(["vm-a", "vm b", " pad", ""]), "ComputerName": st.sampled_from(["HV1", "", " HV2"]),
    "State": st.sampled_from([2, 3, 6, 9, 1, 4, "Running", "off", "Other", "Nope", True]),
    "Generation": st.sampled_from([1, 2, 3, "2", True]), "Version": st.sampled_from(["9.0", "10.0", "x", "9.0\n", 9.0]),
    "IsClustered": st.sampled_from([True, False, "True", 1]), "DynamicMemoryEnabled": st.sampled_from([True, False, "false", 0]),
    "MemoryStartup": st.sampled_from([2**30, 2**30 + 1, 2**20, 2**19, 0, -2**30, 2**62, "1073741824", 1.5, True]),
    "MemoryMinimum": st.sampled_from([2**29, 2**30 + 2**20, 0, None]), "MemoryMaximum": st.sampled_from([2**40, 2**34, 2**20 - 1]),
    "MemoryDemand": st.sampled_from([0, 2**29 + 12345, 2**10, -1, "0"]), "Buffer": st.sampled_from([20, 0, -5, 2000, "20"]),
    "Priority": st.sampled_from([50, 0, 100, 5000, -1]), "Notes": st.sampled_from(["", "guest_os=win2k19", "host=HVX guest_os=win11", "  ", None, 3]),
    "VMName": st.sampled_from(["vm-a", "other"]), "Startup": st.sampled_from([2**30, 2**31]),
}


@SETTINGS
@given(st.dictionaries(st.sampled_from(sorted(PLAIN)), st.none(), min_size=1).flatmap(
    lambda d: st.fixed_dictionaries({k: PLAIN[k] for k in d})))
def test_fast_path_builds_what_the_careful_path_builds(rec):
    """fast_vm (straight-line, for the common record) and build_vm (every check, every
    message) must agree on every record fast_vm accepts, and build_vm must find no problem."""
    from dmlint.model import Location
    from dmlint.readers import ps_inventory as inv

    schema = inv.Schema(tuple(rec))
    if schema.kind != "vm":
        return
    source = Location("p.json", 1, 1)
    fast = inv.fast_vm(rec, schema, source, "inventory")
    careful, fields, problems = inv.build_vm(schema.props(rec), lambda name: source, source, "inventory")
    if fast is None:
        return
    vm, fast_fields = fast
    assert problems == []
    for attr in ("name", "generation", "config_version", "guest_os", "host", "state", "clustered", "dynamic",
                 "startup", "minimum", "maximum", "buffer", "weight", "demand", "notes"):
        assert getattr(vm, attr) == getattr(careful, attr), attr
    assert {k: v for k, v in fast_fields.items() if rec.get(v) is not None} == fields
