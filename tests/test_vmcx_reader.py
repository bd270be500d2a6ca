"""The VMCX reader: key tree -> VM record, what is skipped, findings, and the committed fixtures."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, check_json
from dmlint.readers import read_bytes, vmcx
from vmcx_writer import FIXTURES as FIXTURE_SPECS
from vmcx_writer import INT, N, fixture_bytes, int_, node, str_, vm_config, write

VMCX_FIXTURES = FIXTURES / "vmcx"


def read(root, **kw):
    return vmcx.read(write(root, **kw), "vm.vmcx")


def rules(result) -> list[str]:
    return [p.rule for p in result.problems]


def test_dynamic_memory_and_odd_values():
    result = read(
        vm_config(
            "odd-one",
            generation=1,
            version=0x0800,
            dynamic=True,
            startup=1025,
            minimum=16,
            maximum=2 * 1048576,
            buffer=2500,
            priority=12000,
            notes="Build box. guest_os=ubuntu22.04 host=hv-07",
            highly_available=True,
        )
    )
    assert result.problems == []
    vm = result.vms[0]
    assert (vm.name, vm.fmt, vm.generation, vm.config_version) == ("odd-one", "vmcx", 1, "8.0")
    assert (vm.dynamic, vm.startup, vm.minimum, vm.maximum) == (True, 1025, 16, 2097152)
    assert (vm.buffer, vm.weight) == (2500, 120)
    assert (vm.guest_os, vm.host, vm.clustered) == ("ubuntu22.04", "hv-07", True)
    assert vm.loc("buffer").key == "configuration/settings/memory/bank/target_memory_buffer"
    assert vm.loc("weight").key == "configuration/settings/memory/bank/priority"
    assert vm.loc("guest_os").key == "configuration/properties/notes"
    assert vm.loc("startup").line == 0 and vm.loc("startup").path == "vm.vmcx"


def test_missing_startup_is_dm002():
    result = read(vm_config("no-size", omit=("settings/memory/bank/size",)))
    assert rules(result) == ["DM002"]
    assert "settings/memory/bank/size is missing" in result.problems[0].message
    assert result.problems[0].vm == "no-size"


def test_missing_name_is_dm002():
    result = read(vm_config("x", omit=("properties/name",)))
    assert rules(result) == ["DM002"]
    assert "properties/name is missing" in result.problems[0].message
    assert result.vms[0].name.startswith("<unnamed VM in vm.vmcx")


def test_wrong_types_are_dm002():
    root = vm_config("types")
    bank = root.find("settings/memory/bank")
    bank.children = [c if c.name != "size" else str_("size", "lots") for c in bank.children]
    result = read(root)
    assert rules(result) == ["DM002"]
    assert "settings/memory/bank/size: 'lots' is text, expected an integer" in result.problems[0].message
    assert result.problems[0].location.key == "configuration/settings/memory/bank/size"


def test_key_that_is_a_node_is_dm002():
    root = vm_config("nodes")
    bank = root.find("settings/memory/bank")
    bank.children = [c if c.name != "limit" else node("limit", int_("x", 1)) for c in bank.children]
    result = read(root)
    assert rules(result) == ["DM002"]
    assert "is a node" in result.problems[0].message


def test_ambiguous_key_is_dm002_once():
    root = vm_config("twice")
    root.find("settings/memory/bank").children.append(N("size", INT, 4096))
    result = read(root)
    assert rules(result) == ["DM002"]
    assert "stored 2 times" in result.problems[0].message
    assert result.problems[0].vm == "twice"


def test_negative_and_zero_sizes_are_dm003():
    result = read(vm_config("zero", startup=0, dynamic=True, minimum=-512))
    assert sorted(rules(result)) == ["DM003", "DM003"]


def test_two_configuration_roots():
    result = read([vm_config("a"), vm_config("b")])
    assert rules(result) == ["DM002"]
    assert "2 'configuration' root keys" in result.problems[0].message


def test_other_roots_are_not_ours():
    result = read(node("Configurations", int_("FormatVersion", 2), node("VirtualMachines", str_("_X_", "C:\\x.vmcx"))))
    assert result.ours is False and result.problems == [] and result.vms == []


def test_runtime_like_configuration_is_not_ours():
    result = read(node("configuration", node("properties", int_("version", 2304)), node("global_settings")))
    assert result.ours is False and result.problems == []


def test_empty_and_junk_files_are_dm001():
    for data in (b"", b"\x00" * 10, b"<configuration/>", bytes(range(256)) * 100):
        result = read_bytes(data, "junk.vmcx", "vmcx")
        assert rules(result) == ["DM001"], data[:16]
        assert result.problems[0].message.startswith("VMCX file cannot be read: ")
        assert result.ours is True


# ---- the committed fixtures -------------------------------------------------------------


def test_fixtures_match_the_generator():
    """fixtures/vmcx/ holds exactly what `python tests/vmcx_writer.py` writes, byte for byte."""
    on_disk = sorted(p.name for p in VMCX_FIXTURES.iterdir())
    assert on_disk == sorted(FIXTURE_SPECS)
    stale = [name for name in sorted(FIXTURE_SPECS) if (VMCX_FIXTURES / name).read_bytes() != fixture_bytes(name)]
    assert not stale, f"regenerate with `python tests/vmcx_writer.py`: {stale}"


def test_fixture_findings_name_values_and_keys():
    code, findings = check_json(VMCX_FIXTURES)
    assert code == 1
    by_file: dict = {}
    for f in findings:
        by_file.setdefault(f["path"].rsplit("/", 1)[-1], []).append(f)
    crc = by_file["dm001_fires_vmcx_bad_crc.vmcx"]
    assert [f["rule"] for f in crc] == ["DM001"]
    assert crc[0]["key"] == "configuration/settings/memory/bank/size"
    assert "checksum mismatch" in crc[0]["message"]
    assert (crc[0]["line"], crc[0]["column"]) == (0, 0)
    assert [f["rule"] for f in by_file["dm005_fires_vmcx_pending_replay.vmcx"]] == ["DM005"]
    dm102 = by_file["dm102_fires_vmcx.vmcx"]
    assert [(f["rule"], f["message"], f["key"], f["vm"]) for f in dm102] == [
        ("DM102", "minimum 2048 MB is above startup 1024 MB", "configuration/settings/memory/bank/reservation", "vmcx-dm102-fires-vmcx")
    ]
    for name in by_file:
        assert "_passes" not in name or not any(f["rule"] == name[:5].upper() for f in by_file[name])
    assert "dm001_passes_vmcx.vmcx" not in by_file  # clean files have no findings at all


def test_per_file_ignores_for_vmcx(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "Virtual Machines" / "A.vmcx"
    target.parent.mkdir()
    target.write_bytes(fixture_bytes("dm101_fires_vmcx.vmcx"))
    code, findings = check_json("Virtual Machines")
    assert [f["rule"] for f in findings] == ["DM101"]
    (tmp_path / ".dmlint.yaml").write_text('per-file-ignores:\n  "Virtual Machines/*.vmcx": [DM101]\n', encoding="utf-8")
    code, findings = check_json("Virtual Machines")
    assert (code, findings) == (0, [])


@pytest.mark.parametrize("name", sorted(n for n in FIXTURE_SPECS if "_fires" in n))
def test_each_fires_fixture_reads_with_its_rule_only_once(name):
    result = vmcx.read((VMCX_FIXTURES / name).read_bytes(), name)
    reader_rules = {"DM001", "DM002", "DM003", "DM005"}
    rule = name[:5].upper()
    if rule in reader_rules:
        assert rules(result) == [rule], [p.message for p in result.problems]
    else:
        assert result.problems == [] and len(result.vms) == 1
