"""The real Hyper-V samples (../shared/samples/vmcx, AGPL: read in place, never copied here).

Expected values come from shared/samples/vmcx/expected.json (read with an independent oracle);
a missing samples folder fails the tests rather than skipping them.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from conftest import check_json, shared_path
from dmlint.readers import vmcx, vmcx_storage
from vmcx_writer import from_keys, write

VM_SAMPLES = ["test.vmcx", "EC04F346-DB96-4700-AF5B-77B3C56C38BD.vmcx", "993F7B33-6057-4D1E-A1FE-A1A1D77BE974.vmcx"]
ALL_SAMPLES = VM_SAMPLES + ["data.vmcx", "test.VMRS"]


def expected() -> dict:
    return json.loads(shared_path("samples", "vmcx", "expected.json").read_text(encoding="utf-8"))


def sample(name: str) -> bytes:
    data = shared_path("samples", "vmcx", name).read_bytes()
    return data


def tree(keys) -> list:
    """Comparable form of a key tree: names, types, flags, values and child order."""
    return [(k.name, k.type, k.flags, k.value, tree(k.children)) for k in keys]


def test_samples_are_the_documented_files():
    exp = expected()
    for name, facts in {**exp["vm_samples"], **exp["other_samples"]}.items():
        data = sample(name)
        assert len(data) == facts["size"], name
        assert hashlib.sha256(data).hexdigest() == facts["sha256"], name


@pytest.mark.parametrize("name", VM_SAMPLES)
def test_vm_sample_values(name):
    exp = expected()["vm_samples"][name]
    result = vmcx.read(sample(name), name)
    assert result.ours is True
    assert result.problems == []
    assert len(result.vms) == 1
    vm = result.vms[0]
    assert vm.name == exp["name"]
    assert vm.generation == exp["generation"]
    assert vm.config_version == exp["config_version"]
    assert vm.startup == exp["startup_mb"]
    assert vm.minimum == exp["minimum_mb"]
    assert vm.maximum == exp["maximum_mb"]
    assert vm.dynamic is exp["dynamic_memory_enabled"]
    assert vm.buffer == exp["buffer_percent"]
    assert vm.weight == exp["weight"] // 100  # the file keeps WMI's 0-10000 scale
    assert vm.fmt == "vmcx"
    assert vm.loc("startup").key == "configuration/settings/memory/bank/size"
    assert vm.loc("minimum").key == "configuration/settings/memory/bank/reservation"
    assert vm.loc("name").key == "configuration/properties/name"
    assert vm.loc("startup").path == name


@pytest.mark.parametrize("name", VM_SAMPLES)
def test_vm_sample_raw_keys_and_storage_facts(name):
    exp = expected()["vm_samples"][name]
    st = vmcx_storage.parse(sample(name))
    facts = exp["storage"]
    assert st.format_version == facts["format_version"]
    assert st.active_header_copy == facts["active_header_copy"]
    assert st.active_header_sequence == facts["active_header_sequence"]
    assert st.key_tables == facts["key_tables"]
    assert st.key_entries == facts["key_entries"]
    assert st.pending_replay_entries == facts["pending_replay_entries"]
    assert st.warnings == []
    assert st.root_name == "configuration"
    for path in expected()["key_paths"].values():
        keys = st.find(path)
        assert len(keys) == 1, path
    assert st.find("configuration/properties/global_id")[0].value == exp["global_id"]
    for rel, value in exp["raw"].items():
        assert [k.value for k in st.find("configuration/" + rel)] == [value]
    assert sum(1 for _ in st.walk()) == facts["key_entries"]


def test_gen2_sample_memory_node_stored_after_its_children():
    """The spec's trap: `memory` lives in a later table than `bank`; a one-pass reader loses it."""
    st = vmcx_storage.parse(sample("993F7B33-6057-4D1E-A1FE-A1A1D77BE974.vmcx"))
    memory = st.find("configuration/settings/memory")[0]
    bank = st.find("configuration/settings/memory/bank")[0]
    assert memory.offset > bank.offset
    assert [k.name for k in bank.children] == [
        "backing_type",
        "dynamic_memory_enabled",
        "limit",
        "priority",
        "reservation",
        "size",
        "target_memory_buffer",
    ]
    assert st.find("configuration/settings/memory/bank/size")[0].value == 1024


def test_data_vmcx_is_the_host_registry_not_a_vm():
    exp = expected()["other_samples"]["data.vmcx"]
    data = sample("data.vmcx")
    st = vmcx_storage.parse(data)
    assert st.root_name == exp["root_node"] == "Configurations"
    assert st.key_entries == exp["key_entries"]
    assert st.format_version == exp["storage"]["format_version"]
    assert st.active_header_sequence == exp["storage"]["active_header_sequence"]
    assert st.key_tables == exp["storage"]["key_tables"]
    assert st.pending_replay_entries == exp["storage"]["pending_replay_entries"]
    assert [k.value for k in st.find("Configurations/FormatVersion")] == [exp["Configurations/FormatVersion"]]
    vms = {k.name: k.value for k in st.find("Configurations/VirtualMachines")[0].children}
    assert vms == exp["Configurations/VirtualMachines"]
    result = vmcx.read(data, "data.vmcx")
    assert result.ours is False
    assert result.problems == [] and result.vms == []


def test_vmrs_is_runtime_state_not_a_vm():
    exp = expected()["other_samples"]["test.VMRS"]
    data = sample("test.VMRS")
    st = vmcx_storage.parse(data)
    assert st.root_name == exp["root_node"] == "configuration"
    assert st.key_entries == exp["key_entries"] == 113
    assert st.active_header_sequence == exp["storage"]["active_header_sequence"]
    assert st.key_tables == exp["storage"]["key_tables"]
    assert [k.value for k in st.find("configuration/properties/version")] == [exp["configuration/properties/version"]]
    # repeated sibling names are kept, not collapsed: 113 keys but only 24 distinct paths
    assert len({k.path for k in st.walk()}) == exp["distinct_paths_in_oracle_as_dict"] == 24
    assert sum(1 for k in st.walk() if k.flags & 0x02) == 16
    result = vmcx.read(data, "test.VMRS")
    assert result.ours is False
    assert result.problems == [] and result.vms == []


@pytest.mark.parametrize("name", ALL_SAMPLES)
def test_writer_round_trip_of_real_samples(name):
    """Re-serialising a sample's key tree with our writer reads back identically."""
    original = vmcx_storage.parse(sample(name))
    rewritten = write(from_keys(original.roots))
    assert rewritten != sample(name)  # our own layout, not a copy
    again = vmcx_storage.parse(rewritten)
    assert again.key_entries == original.key_entries
    assert again.root_name == original.root_name
    assert tree(again.roots) == tree(original.roots)
    if name in VM_SAMPLES:
        a, b = vmcx.read(sample(name), name).vms[0], vmcx.read(rewritten, name).vms[0]
        fields = ("name", "generation", "config_version", "dynamic", "startup", "minimum", "maximum", "buffer", "weight", "clustered", "notes")
        assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]


def test_samples_through_the_cli(tmp_path, monkeypatch):
    """`dmlint check` on the samples: the VM files pass, the registry and runtime file are skipped."""
    monkeypatch.chdir(tmp_path)
    for name in ("test.vmcx", "data.vmcx"):
        (tmp_path / name).write_bytes(sample(name))
    code, findings = check_json("test.vmcx", "data.vmcx")
    assert code == 0
    assert findings == []


def test_explicit_vmrs_gets_a_note(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "test.VMRS").write_bytes(sample("test.VMRS"))
    code, findings = check_json("test.VMRS")
    assert [f["rule"] for f in findings] == ["DM001"]
    assert "runtime-state file" in findings[0]["message"]
