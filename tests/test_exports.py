"""Export -> VM mapping (hyperv_config) and guest OS / host assignment (exports.apply_mappings)."""

from __future__ import annotations

import json

import pytest

from conftest import run_cli
from dmlint.exports import apply_mappings
from dmlint.model import VM, Location
from dmlint.readers.hyperv_config import config_version_text, parse_notes, priority_to_weight, vm_from_values

SRC = Location("exports/hv-07/Virtual Machines/A.xml", 2, 1)


def loc(line: int) -> Location:
    return Location(SRC.path, line, 9)


def build(**values):
    """vm_from_values with short keys: size=1024 -> settings/memory/bank/size at line = position."""
    full = {}
    for i, (key, value) in enumerate(values.items(), start=10):
        prefix = "properties/" if key in ("name", "subtype", "version", "notes", "highly_available") else "settings/memory/bank/"
        full[prefix + key] = (value, loc(i))
    return vm_from_values(full, SRC.path, "vmcx", SRC)


# --- hyperv_config ---------------------------------------------------------------------------


def test_full_mapping_and_locations():
    vm, problems = build(name="sql-01", subtype=1, version=2304, notes="guest_os=win2k19 host=hv-07", highly_available=True,
                         dynamic_memory_enabled=True, size=4096, reservation=1024, limit=16384, target_memory_buffer=25, priority=8000)
    assert problems == []
    assert (vm.name, vm.fmt, vm.generation, vm.config_version, vm.clustered) == ("sql-01", "vmcx", 2, "9.0", True)
    assert (vm.dynamic, vm.startup, vm.minimum, vm.maximum, vm.buffer, vm.weight) == (True, 4096, 1024, 16384, 25, 80)
    assert (vm.guest_os, vm.host) == ("win2k19", "hv-07")
    lines = {f: vm.loc(f).line for f in ("name", "generation", "config_version", "notes", "guest_os", "host", "clustered", "dynamic", "startup", "minimum", "maximum", "buffer", "weight")}
    assert lines == {"name": 10, "generation": 11, "config_version": 12, "notes": 13, "guest_os": 13, "host": 13, "clustered": 14,
                     "dynamic": 15, "startup": 16, "minimum": 17, "maximum": 18, "buffer": 19, "weight": 20}
    assert vm.source == SRC


def test_defaults_for_missing_elements():
    vm, problems = build(name="p", size=2048)
    assert problems == []
    assert (vm.generation, vm.dynamic, vm.buffer, vm.weight, vm.clustered) == (1, False, 20, 50, False)
    assert (vm.minimum, vm.maximum, vm.config_version, vm.guest_os, vm.host, vm.notes) == (None, None, None, None, None, None)
    assert vm.loc("buffer") == SRC and vm.loc("weight") == SRC


def test_strings_of_digits_and_bool_text_are_accepted():
    # a reader that found no type attribute passes text; VMCX may store a bool as 0/1
    vm, problems = build(name="t", size="1024", dynamic_memory_enabled="True", highly_available=0, priority="5000")
    assert problems == []
    assert (vm.startup, vm.dynamic, vm.clustered, vm.weight) == (1024, True, False, 50)


@pytest.mark.parametrize(
    "key,value,expected",
    [
        ("size", "lots", "settings/memory/bank/size: 'lots' is text, expected an integer"),
        ("size", True, "settings/memory/bank/size: True is a boolean, expected an integer"),
        ("dynamic_memory_enabled", 7, "settings/memory/bank/dynamic_memory_enabled: 7 is an integer, expected True or False"),
        ("notes", 5, "properties/notes: 5 is an integer, expected text"),
        ("version", "five", "properties/version: 'five' is text, expected an integer"),
        ("version", 0, "properties/version: 0 is not a configuration version (major x 256 + minor, e.g. 1280 = 5.0)"),
        ("subtype", 2, "properties/subtype: 2 is not 0 (generation 1) or 1 (generation 2)"),
    ],
)
def test_type_errors_are_dm002(key, value, expected):
    vm, problems = build(name="t", size=1024, **{key: value}) if key != "size" else build(name="t", size=value)
    assert [(p.rule, p.message) for p in problems] == [("DM002", expected)]
    assert problems[0].location.line == (11 if key == "size" else 12)  # the offending value, not the record
    assert problems[0].vm == "t"
    assert vm is not None and vm.name == "t"


@pytest.mark.parametrize(
    "key,value,fragment",
    [
        ("size", 0, "startup (settings/memory/bank/size): size 0 is zero"),
        ("reservation", -2, "minimum (settings/memory/bank/reservation): size -2 is negative"),
        ("limit", 2**40, "implausible"),
        ("target_memory_buffer", -5, "buffer (settings/memory/bank/target_memory_buffer): percentage -5 is negative"),
        ("priority", -100, "priority -100 is negative"),
    ],
)
def test_bad_values_are_dm003(key, value, fragment):
    _, problems = build(name="t", **({key: value} if key == "size" else {"size": 1024, key: value}))
    assert [p.rule for p in problems] == ["DM003"]
    assert fragment in problems[0].message


def test_name_missing_empty_or_not_text():
    vm, problems = build(size=1024)
    assert vm.name == f"<unnamed VM in {SRC.path}>"
    assert [p.message for p in problems] == ["properties/name is missing: a Hyper-V configuration names its VM"]
    vm, problems = build(name="  ", size=1024)
    assert vm.name.startswith("<unnamed") and "empty" in problems[0].message
    vm, problems = build(name=42, size=1024)
    assert vm.name == "42" and problems[0].message == "properties/name: 42 is an integer, expected text"


def test_missing_startup_is_dm002():
    vm, problems = build(name="t", limit=4096)
    assert [(p.rule, p.message) for p in problems] == [("DM002", "settings/memory/bank/size is missing: the VM's startup memory is required")]
    assert vm.startup is None and vm.maximum == 4096


@pytest.mark.parametrize("priority,weight", [(0, 0), (1, 0), (49, 0), (50, 1), (150, 2), (5000, 50), (9949, 99), (9950, 100), (10000, 100), (10001, 101), (10099, 101), (20000, 200)])
def test_priority_to_weight_keeps_dm107_meaningful(priority, weight):
    assert priority_to_weight(priority) == weight
    assert (0 <= priority_to_weight(priority) <= 100) == (priority <= 10000)


@pytest.mark.parametrize("version,text", [(768, "3.0"), (1024, "4.0"), (1280, "5.0"), (2048, "8.0"), (2304, "9.0"), (2560, "10.0"), (3072, "12.0"), (2049, "8.1")])
def test_config_version_text(version, text):
    assert config_version_text(version) == text


@pytest.mark.parametrize(
    "notes,expected",
    [
        ("guest_os=win2k19", {"guest_os": "win2k19"}),
        ("Web tier\nguest_os = ubuntu22.04, host=hv-07; owner=ops", {"guest_os": "ubuntu22.04", "host": "hv-07"}),
        ("GUEST_OS=rhel9.0 Host=HV-1", {"guest_os": "rhel9.0", "host": "HV-1"}),
        ("guest_os=win11 guest_os=win10", {"guest_os": "win11"}),
        ("my_guest_os=win7 ghost=hv-9 vhost=x", {}),
        ('"guest_os=win2k22"', {"guest_os": "win2k22"}),
        ("", {}),
        ("guest_os=", {}),
    ],
)
def test_parse_notes(notes, expected):
    assert parse_notes(notes) == expected


# --- apply_mappings --------------------------------------------------------------------------


def vm(name, path="exports/hv-07/Virtual Machines/A.xml", **kw):
    return VM(name=name, source=Location(path, 2, 1), fmt="xml", **kw)


def test_path_and_vm_globs():
    a = vm("sql-01")
    b = vm("web-01", path="exports/hv-08/Virtual Machines/B.xml")
    c = vm("web-02", path="other/C.xml")
    apply_mappings([a, b, c], [
        {"path": "exports/hv-07/**", "host": "hv-07"},
        {"path": "exports/hv-08/*", "host": "hv-08"},
        {"vm": "sql-*", "guest_os": "win2k19"},
        {"vm": "web-*", "guest_os": "ubuntu22.04"},
    ])
    assert (a.guest_os, a.host) == ("win2k19", "hv-07")
    assert (b.guest_os, b.host) == ("ubuntu22.04", "hv-08")
    assert (c.guest_os, c.host) == ("ubuntu22.04", None)


def test_first_matching_entry_wins_per_field():
    a = vm("sql-01")
    apply_mappings([a], [
        {"vm": "sql-01", "host": "hv-01"},
        {"vm": "sql-*", "guest_os": "win2k19", "host": "hv-99"},
        {"vm": "*", "guest_os": "win2k22"},
    ])
    assert (a.guest_os, a.host) == ("win2k19", "hv-01")


def test_both_globs_must_match():
    a = vm("web-01")
    b = vm("sql-01")
    apply_mappings([a, b], [{"path": "exports/**", "vm": "web-*", "guest_os": "ubuntu22.04"}])
    assert a.guest_os == "ubuntu22.04"
    assert b.guest_os is None


def test_notes_token_wins_over_mapping():
    a = vm("sql-01", guest_os="win2k22", host=None)
    apply_mappings([a], [{"vm": "*", "guest_os": "win2k19", "host": "hv-01"}])
    assert (a.guest_os, a.host) == ("win2k22", "hv-01")


def test_globs_are_case_insensitive_and_match_trailing_parts():
    a = vm("SQL-01", path="Exports\\HV-07\\Virtual Machines\\A.XML")
    apply_mappings([a], [{"path": "virtual machines/*.xml", "host": "hv-07"}, {"vm": "sql-*", "guest_os": "win2k19"}])
    assert (a.guest_os, a.host) == ("win2k19", "hv-07")


def test_non_matching_and_malformed_entries_change_nothing():
    a = vm("sql-01")
    apply_mappings([a], [{"vm": "web-*", "guest_os": "x"}, {"guest_os": "no-glob"}, "junk", {"path": "nowhere/*", "host": "y"}, {"vm": "sql-01", "guest_os": "  "}])
    assert (a.guest_os, a.host) == (None, None)
    apply_mappings([a], None)
    apply_mappings([a], [])
    assert (a.guest_os, a.host) == (None, None)


# --- end to end: config file + exports -------------------------------------------------------

EXPORT = """<?xml version="1.0" encoding="UTF-16" standalone="yes"?>
<configuration>
  <properties>
    <name type="string">{name}</name>
    <notes type="string">{notes}</notes>
    <subtype type="integer">1</subtype>
    <version type="integer">1280</version>
  </properties>
  <settings>
    <memory>
      <bank>
        <dynamic_memory_enabled type="bool">False</dynamic_memory_enabled>
        <size type="integer">2048</size>
      </bank>
    </memory>
  </settings>
</configuration>
"""


def test_config_mappings_reach_the_records(tmp_path, monkeypatch):
    (tmp_path / "exports" / "hv-07" / "Virtual Machines").mkdir(parents=True)
    for name, notes in (("map-sql", ""), ("map-web", "guest_os=ubuntu22.04 host=hv-99")):
        (tmp_path / "exports" / "hv-07" / "Virtual Machines" / f"{name}.xml").write_bytes(EXPORT.format(name=name, notes=notes).encode("utf-16"))
    (tmp_path / ".dmlint.yaml").write_text(
        "mappings:\n"
        "  - path: exports/hv-07/**\n"
        "    host: hv-07\n"
        "  - vm: map-*\n"
        "    guest_os: win2k19\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = run_cli("show", "--format", "json", "exports")
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.output)["vms"]}
    assert (rows["map-sql"]["guest_os"], rows["map-sql"]["host"]) == ("win2k19", "hv-07")
    # the notes token is closer to the VM than a glob in the config: it wins
    assert (rows["map-web"]["guest_os"], rows["map-web"]["host"]) == ("ubuntu22.04", "hv-99")
    assert rows["map-sql"]["fmt"] == "xml" and rows["map-sql"]["startup"] == 2048


# --- fuzzing: whatever a reader hands over, the mapping never raises ----------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dmlint.readers.hyperv_config import BANK  # noqa: E402

_KEYS = ["properties/name", "properties/subtype", "properties/version", "properties/notes", "properties/highly_available"] + [
    BANK + k for k in ("dynamic_memory_enabled", "size", "reservation", "limit", "target_memory_buffer", "priority")
]
_VALUES = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.text(max_size=40),
    st.floats(allow_nan=True),
    st.binary(max_size=8),
    st.lists(st.integers(), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(_KEYS), _VALUES))
def test_vm_from_values_never_raises(raw):
    values = {k: (v, loc(i)) for i, (k, v) in enumerate(raw.items(), start=1)}
    vm, problems = vm_from_values(values, SRC.path, "vmcx", SRC)
    assert vm is not None and isinstance(vm.name, str) and vm.name
    assert vm.generation in (1, 2)
    assert all(p.rule in ("DM002", "DM003") for p in problems)
    for field in ("startup", "minimum", "maximum"):
        value = getattr(vm, field)
        assert value is None or (isinstance(value, int) and value > 0)
    assert isinstance(vm.weight, int) and vm.weight >= 0
    if BANK + "size" not in values:
        assert any("size is missing" in p.message for p in problems)


@pytest.mark.parametrize("text", ["1024\x1f", "1024\x1c", "\x1d1024", "1024\x85", "1024\u2003"])
def test_integer_text_with_odd_whitespace_is_dm002_not_a_crash(text):
    # Python's re `\s` takes \x1c-\x1f, \x85 and Unicode spaces, but int() refuses some of
    # them: "1024\x1f" once passed the pattern and crashed in int() ("internal error")
    vm, problems = build(name="w", size=text)
    assert vm.startup is None
    assert [p.rule for p in problems] == ["DM002"] and "expected an integer" in problems[0].message


def test_integer_text_with_plain_spaces_is_read():
    vm, problems = build(name="w", size=" 2048\t\r\n")
    assert vm.startup == 2048 and problems == []
