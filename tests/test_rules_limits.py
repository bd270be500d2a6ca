"""Per-VM limit rules DM101, DM103-DM107 and the Hyper-V version limits (dmlint/limits.py).

Expected figures are written out here from the Microsoft pages (research/hyperv-facts.md §2-3),
not read from rules/data/hyperv_versions.yaml, so a wrong figure in the data fails a test.
"""

from __future__ import annotations

import copy

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from conftest import FIXTURES, check_json
from dmlint.engine import Registry
from dmlint.limits import LimitsDataError, build_limits, data_path, load_limits, parse_config_version
from dmlint.model import VM, Location
from dmlint.pipeline import Options, check_records

TB = 1024 * 1024  # MB
YAML_DIR = FIXTURES / "yaml"


@pytest.fixture(scope="module")
def limits():
    return load_limits()


@pytest.fixture(scope="module")
def registry():
    return Registry.load(entry_points=False)


def messages(findings, rule):
    return [f["message"] for f in findings if f["rule"] == rule]


def run_vms(registry, vms, rule, hosts=(), hyperv_version=None):
    """Run one rule over VM records built in the test; return its messages."""
    found = check_records(list(vms), list(hosts), registry, {rule}, Options(hyperv_version=hyperv_version))
    return [f.message for f in found if f.rule == rule]


def make_vm(name="t", **kw):
    return VM(name=name, source=Location("t.yaml", 1, 1), **kw)


# -- limits.py: the table ---------------------------------------------------------------------

EXPECTED_MAX = [
    ("2012", 1, 1 * TB),
    ("2012", 2, 1 * TB),
    ("2012r2", 1, 1 * TB),
    ("2012r2", 2, 1 * TB),
    ("2016", 1, 1 * TB),
    ("2016", 2, 12 * TB),
    ("2019", 1, 1 * TB),
    ("2019", 2, 12 * TB),
    ("2022", 1, 1 * TB),
    ("2022", 2, 240 * TB),
    ("2025", 1, 1 * TB),
    ("2025", 2, 240 * TB),
]


@pytest.mark.parametrize("version,gen,expected", EXPECTED_MAX)
def test_vm_max_per_version_and_generation(limits, version, gen, expected):
    limit, why = limits.vm_max_mb(version, gen)
    assert limit == expected
    if gen == 1:
        assert why == "a Gen 1 VM"
    else:
        label = "2012 R2" if version == "2012r2" else version
        assert why == f"a Gen 2 VM on Hyper-V {label}"


def test_gen1_is_1tb_without_a_version(limits):
    assert limits.vm_max_mb(None, 1) == (1048576, "a Gen 1 VM")


def test_unknown_version_gen2_takes_the_largest_limit(limits):
    # never a false positive: the VM may run on the newest host
    assert limits.vm_max_mb(None, 2) == (251658240, "a Gen 2 VM on any Hyper-V version up to 2025")
    assert limits.vm_max_mb("2031", 2) == (251658240, "a Gen 2 VM on any Hyper-V version up to 2025")
    # a configuration version at or above 8.0 does not narrow it (9.0 runs on 2019 *or later*)
    assert limits.vm_max_mb(None, 2, "9.0")[0] == 251658240
    assert limits.vm_max_mb(None, 2, "8.0")[0] == 251658240


def test_config_below_8_caps_gen2_at_1tb(limits):
    # "Large memory VMs" need configuration version 8.0 (Upgrade virtual machine version page)
    assert limits.vm_max_mb(None, 2, "5.0") == (1048576, "a Gen 2 VM at configuration version 5.0 (large-memory VMs need 8.0)")
    assert limits.vm_max_mb("2019", 2, "7.1") == (1048576, "a Gen 2 VM at configuration version 7.1 (large-memory VMs need 8.0)")
    # where the host already gives 1 TB, the host is the reason
    assert limits.vm_max_mb("2012r2", 2, "5.0") == (1048576, "a Gen 2 VM on Hyper-V 2012 R2")
    assert limits.vm_max_mb("2019", 1, "5.0") == (1048576, "a Gen 1 VM")
    assert limits.vm_max_mb("2019", 2, "8.0") == (12582912, "a Gen 2 VM on Hyper-V 2019")


def test_unparseable_config_version_is_ignored(limits):
    assert limits.vm_max_mb(None, 2, "banana")[0] == 251658240
    assert limits.vm_max_mb("2016", 2, "")[0] == 12582912


@pytest.mark.parametrize(
    "config,expected",
    [
        ("4.0", "2012"),
        ("5.0", "2012r2"),
        ("6.2", "2016"),
        ("8.0", "2016"),
        ("8.3", "2019"),
        ("9.0", "2019"),
        ("9.3", "2022"),
        ("10.0", "2022"),
        ("11.0", "2025"),
        ("12.0", "2025"),
        ("3.0", "2012"),
        ("13.0", None),
        ("not-a-version", None),
        (None, None),
        (1280, "2012r2"),  # XML properties/version: 5*256+0
        (2304, "2019"),  # 9*256+0
    ],
)
def test_version_for_config(limits, config, expected):
    assert limits.version_for_config(config) == expected


@pytest.mark.parametrize(
    "raw,expected",
    [("9.0", (9, 0)), ("8.3", (8, 3)), (" 10 ", (10, 0)), (10, (10, 0)), (9.1, (9, 1)), (2304, (9, 0)), (True, None), ("9.0.1", None), (-1, None), ([9], None)],
)
def test_parse_config_version(raw, expected):
    assert parse_config_version(raw) == expected


def test_default_config_versions(limits):
    got = {v.key: f"{v.default_config[0]}.{v.default_config[1]}" for v in limits.versions}
    assert got == {"2012": "4.0", "2012r2": "5.0", "2016": "8.0", "2019": "9.0", "2022": "10.0", "2025": "12.0"}


def test_global_facts(limits):
    assert limits.minimum_mb == 32
    assert limits.alignment_mb == 2
    assert (limits.buffer_min, limits.buffer_max) == (5, 2000)
    assert (limits.weight_min, limits.weight_max) == (0, 100)
    assert (limits.wmi_weight_max, limits.wmi_weight_factor) == (10000, 100)
    assert limits.large_memory_min_config == (8, 0)


def _raw_data():
    with open(data_path(), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def test_every_figure_has_a_source():
    def walk(node, path):
        if isinstance(node, dict):
            if "value" in node or "min" in node or "max" in node:
                assert str(node.get("source", "")).startswith("https://"), f"{path} has no https source"
                assert node.get("status") in ("verified", "inferred", "uncertain"), f"{path} has no status"
            for k, v in node.items():
                walk(v, f"{path}.{k}")

    data = _raw_data()
    walk(data["versions"], "versions")
    walk(data["global"], "global")


def test_load_limits_is_cached():
    assert load_limits() is load_limits()


@pytest.mark.parametrize(
    "breakage,needle",
    [
        (lambda d: d.pop("versions"), "lacks 'versions'"),
        (lambda d: d["versions"]["2019"]["vm_max_memory_mb"].pop("gen2"), "lacks 'gen2'"),
        (lambda d: d["versions"]["2019"]["vm_max_memory_mb"]["gen1"].update(value="1TB"), "not a whole number"),
        (lambda d: d["versions"]["2016"]["vm_max_memory_mb"]["gen2"].update(source="docs"), "not an https URL"),
        (lambda d: d["versions"]["2022"]["default_config_version"].update(value="ten"), "not a configuration version"),
        (lambda d: d["global"].pop("buffer_percent"), "lacks 'buffer_percent'"),
        (lambda d: d["global"]["memory_alignment_mb"].update(value=0), "at least 1"),
    ],
)
def test_malformed_data_is_reported_clearly(breakage, needle):
    data = copy.deepcopy(_raw_data())
    breakage(data)
    with pytest.raises(LimitsDataError, match=needle):
        build_limits(data)


def test_versions_must_be_oldest_first():
    data = copy.deepcopy(_raw_data())
    data["versions"] = dict(reversed(list(data["versions"].items())))
    with pytest.raises(LimitsDataError, match="oldest first"):
        build_limits(data)


# -- the rules through the command line: fixtures -----------------------------------------

FIXTURE_MESSAGES = [
    ("dm101_fires.yaml", "DM101", ["minimum 16 MB is below 32 MB, the lowest minimum Hyper-V accepts"]),
    ("dm101_passes.yaml", "DM101", []),
    ("dm103_fires.yaml", "DM103", ["startup 8GB (8192 MB) is above maximum 4GB (4096 MB)"]),
    ("dm103_passes.yaml", "DM103", []),
    ("dm104_fires.yaml", "DM104", ["maximum 2TB (2097152 MB) is above the 1048576 MB per-VM limit for a Gen 1 VM"]),
    ("dm104_fires_gen2_2016.yaml", "DM104", ["startup 16TB (16777216 MB) is above the 12582912 MB per-VM limit for a Gen 2 VM on Hyper-V 2016"]),
    ("dm104_passes.yaml", "DM104", []),
    ("dm105_fires.yaml", "DM105", ["startup 4019 MB is not a multiple of 2 MB; Hyper-V refuses unaligned memory (use 4018 or 4020 MB)"]),
    ("dm105_passes.yaml", "DM105", []),
    ("dm106_fires.yaml", "DM106", ["buffer 2500 % is outside 5-2000 %, the range Hyper-V accepts"]),
    ("dm106_passes.yaml", "DM106", []),
    ("dm107_fires_wmi_scale.yaml", "DM107", ["weight 5000 is outside 0-100; it looks like the 0-10000 WMI scale: 5000 is weight 50"]),
    ("dm107_passes.yaml", "DM107", []),
]


@pytest.mark.parametrize("name,rule,expected", FIXTURE_MESSAGES, ids=[c[0] for c in FIXTURE_MESSAGES])
def test_fixture_messages(name, rule, expected):
    code, findings = check_json(YAML_DIR / name)
    assert messages(findings, rule) == expected
    if expected:
        assert code == 1
        hit = next(f for f in findings if f["rule"] == rule)
        assert hit["severity"] == "error"
        assert hit["line"] > 0 and hit["column"] > 0


def test_fixture_findings_point_at_the_value():
    _, findings = check_json(YAML_DIR / "dm104_fires.yaml")
    hit = next(f for f in findings if f["rule"] == "DM104")
    assert (hit["line"], hit["column"], hit["vm"]) == (10, 14, "dm104-fires")


# -- the rules through the command line: more cases ---------------------------------------

def _vm_yaml(name, memory, **top):
    lines = ["vm:", f"  name: {name}"]
    lines += [f"  {k}: {v}" for k, v in top.items()]
    lines.append("  memory:")
    lines += [f"    {k}: {v}" for k, v in memory.items()]
    return "\n".join(lines) + "\n"


def test_dm101_ignores_a_missing_minimum(write):
    path = write("a.yaml", _vm_yaml("a", {"dynamic": "true", "startup": "1GB", "maximum": "2GB"}))
    _, findings = check_json(path)
    assert messages(findings, "DM101") == []


def test_dm104_startup_and_maximum_both_reported(write):
    path = write("a.yaml", _vm_yaml("a", {"dynamic": "true", "startup": "2TB", "minimum": "1GB", "maximum": "4TB"}, generation=1))
    _, findings = check_json(path)
    assert messages(findings, "DM104") == [
        "startup 2TB (2097152 MB) is above the 1048576 MB per-VM limit for a Gen 1 VM",
        "maximum 4TB (4194304 MB) is above the 1048576 MB per-VM limit for a Gen 1 VM",
    ]


def test_dm104_static_checks_startup_only(write):
    path = write("a.yaml", _vm_yaml("a", {"startup": "1TB", "maximum": "2TB"}, generation=1))
    _, findings = check_json(path)
    assert messages(findings, "DM104") == []


def test_dm104_exactly_at_the_limit_passes(write):
    path = write("a.yaml", _vm_yaml("a", {"startup": "12TB"}, generation=2, hyperv_version='"2019"'))
    _, findings = check_json(path)
    assert messages(findings, "DM104") == []


def test_dm104_gen2_2012r2(write):
    path = write("a.yaml", _vm_yaml("a", {"startup": "1026GB"}, generation=2, hyperv_version="2012R2"))
    _, findings = check_json(path)
    assert messages(findings, "DM104") == ["startup 1026GB (1050624 MB) is above the 1048576 MB per-VM limit for a Gen 2 VM on Hyper-V 2012 R2"]


def test_dm104_version_from_command_line(write):
    path = write("a.yaml", _vm_yaml("a", {"startup": "16TB"}))
    _, without = check_json(path)
    assert messages(without, "DM104") == []  # unknown version: Gen 2 may have 240 TB
    _, with_option = check_json(path, extra=("--hyperv-version", "2019"))
    assert messages(with_option, "DM104") == ["startup 16TB (16777216 MB) is above the 12582912 MB per-VM limit for a Gen 2 VM on Hyper-V 2019"]


def test_dm104_vm_version_wins_over_command_line(write):
    path = write("a.yaml", _vm_yaml("a", {"startup": "16TB"}, hyperv_version='"2022"'))
    _, findings = check_json(path, extra=("--hyperv-version", "2016"))
    assert messages(findings, "DM104") == []


def test_dm104_version_from_the_host(write):
    text = _vm_yaml("a", {"startup": "13TB"}, host="hv-a") + "hosts:\n  - name: hv-a\n    memory: 24TB\n    hyperv_version: \"2016\"\n"
    _, findings = check_json(write("a.yaml", text))
    assert messages(findings, "DM104") == ["startup 13TB (13631488 MB) is above the 12582912 MB per-VM limit for a Gen 2 VM on Hyper-V 2016"]


def test_dm104_unknown_version_above_every_limit(write):
    path = write("a.yaml", _vm_yaml("a", {"startup": "250TB"}))
    _, findings = check_json(path)
    assert messages(findings, "DM104") == ["startup 250TB (262144000 MB) is above the 251658240 MB per-VM limit for a Gen 2 VM on any Hyper-V version up to 2025"]


def test_dm105_dynamic_checks_minimum_and_maximum(write):
    path = write("a.yaml", _vm_yaml("a", {"dynamic": "true", "startup": "4096", "minimum": "1", "maximum": "9001"}))
    _, findings = check_json(path)
    assert messages(findings, "DM105") == [
        "minimum 1 MB is not a multiple of 2 MB; Hyper-V refuses unaligned memory (use 2 MB)",
        "maximum 9001 MB is not a multiple of 2 MB; Hyper-V refuses unaligned memory (use 9000 or 9002 MB)",
    ]


def test_dm106_low_buffer(write):
    path = write("a.yaml", _vm_yaml("a", {"dynamic": "true", "startup": "2GB", "buffer": "4"}))
    _, findings = check_json(path)
    assert messages(findings, "DM106") == ["buffer 4 % is outside 5-2000 %, the range Hyper-V accepts"]


@pytest.mark.parametrize(
    "weight,expected",
    [
        (101, "weight 101 is outside 0-100; if it is on the 0-10000 WMI scale, 101 is about weight 1"),
        (8000, "weight 8000 is outside 0-100; it looks like the 0-10000 WMI scale: 8000 is weight 80"),
        (10000, "weight 10000 is outside 0-100; it looks like the 0-10000 WMI scale: 10000 is weight 100"),
        (7531, "weight 7531 is outside 0-100; if it is on the 0-10000 WMI scale, 7531 is about weight 75"),
        (20000, "weight 20000 is outside 0-100"),
    ],
)
def test_dm107_messages(write, weight, expected):
    # weight is checked with dynamic memory off too: Set-VMMemory -Priority refuses it either way
    path = write("a.yaml", _vm_yaml("a", {"startup": "2GB", "weight": weight}))
    _, findings = check_json(path)
    assert messages(findings, "DM107") == [expected]


# -- the rules on records (exports carry a configuration version) ---------------------------

def test_dm104_config_version_caps_export_gen2(registry):
    vm = make_vm("exp", fmt="xml", generation=2, config_version="5.0", dynamic=True, startup=4096, minimum=512, maximum=2 * TB)
    assert run_vms(registry, [vm], "DM104") == [
        "maximum 2097152 MB is above the 1048576 MB per-VM limit for a Gen 2 VM at configuration version 5.0 (large-memory VMs need 8.0)"
    ]
    vm9 = make_vm("exp9", fmt="vmcx", generation=2, config_version="9.0", dynamic=True, startup=4096, minimum=512, maximum=2 * TB)
    assert run_vms(registry, [vm9], "DM104") == []


def test_rules_ignore_missing_values(registry):
    vm = make_vm("empty", dynamic=True, startup=None, minimum=None, maximum=None, buffer=None, weight=None)
    for rule in ("DM101", "DM103", "DM104", "DM105", "DM106", "DM107"):
        assert run_vms(registry, [vm], rule) == [], rule


def test_dynamic_only_rules_skip_static_leftovers(registry):
    vm = make_vm("static", dynamic=False, startup=2048, minimum=7, maximum=1023, buffer=9000)
    for rule in ("DM101", "DM103", "DM106"):
        assert run_vms(registry, [vm], rule) == [], rule
    assert run_vms(registry, [vm], "DM105") == []  # startup is even; the odd leftovers do not count


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=300 * TB), st.booleans())
def test_dm105_fires_exactly_on_odd_startup(startup, dynamic):
    reg = Registry.load(entry_points=False)
    vm = make_vm("h", dynamic=dynamic, startup=startup)
    got = run_vms(reg, [vm], "DM105")
    assert (len(got) == 1) == (startup % 2 == 1)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=5000))
def test_dm106_fires_exactly_outside_range(buffer):
    reg = Registry.load(entry_points=False)
    vm = make_vm("h", dynamic=True, startup=2048, buffer=buffer)
    got = run_vms(reg, [vm], "DM106")
    assert (len(got) == 1) == (buffer < 5 or buffer > 2000)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from([None, "2012", "2012r2", "2016", "2019", "2022", "2025"]), st.sampled_from([1, 2]), st.integers(min_value=1, max_value=300 * TB))
def test_dm104_agrees_with_the_table(version, gen, startup):
    reg = Registry.load(entry_points=False)
    expected_limit = {1: 1 * TB}.get(gen) or {"2012": TB, "2012r2": TB, "2016": 12 * TB, "2019": 12 * TB, None: 240 * TB}.get(version, 240 * TB)
    vm = make_vm("h", generation=gen, hyperv_version=version, startup=startup)
    got = run_vms(reg, [vm], "DM104")
    assert (len(got) == 1) == (startup > expected_limit)
    if got:
        assert f"the {expected_limit} MB per-VM limit" in got[0]


def test_dm107_export_weight_names_the_priority(registry):
    # exports: the reader divided the 0-10000 priority by 100, so no WMI-scale hint
    vm = make_vm("exp", fmt="xml", startup=2048, weight=101)
    assert run_vms(registry, [vm], "DM107") == ["weight 101 is outside 0-100 (the export's priority is above 10000, the top of its 0-10000 scale)"]
    assert run_vms(registry, [make_vm("ok", fmt="vmcx", startup=2048, weight=100)], "DM107") == []
